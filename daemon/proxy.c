// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The service proxy: listeners, accepted clients, backend dials (proxy.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include "clock.h"
#include "log.h"
#include "netns.h"
#include "proxy.h"
#include "proxy_maps.h"
#include "relay.h"
#include "relay_tcp.h"
#include "sockaddr.h"

#define PROXY_NS_MAX	64	/* network namespaces served at once */

struct listener {
	__u64 netns;		/* inode of /proc/PID/ns/net */
	__u64 cookie;		/* its netns cookie: the vs_proxy_listen key */
	__u32 pid;		/* a process living there, to enter it */
	int fd;			/* 127.0.0.1:port; IPv6 clients reach it as
				 * ::ffff:127.0.0.1 (vs_proxy_listen) */
	int fd6;		/* [::1]:port6, IPV6_V6ONLY: clients of IPv6
				 * services; -1 where IPv6 is off */
};

/* A client waiting for its backend. */
struct dial {
	int cfd, bfd;		/* -1: slot free / no attempt under way */
	struct pmap_dest dest;	/* with the backends tried so far */
	__u32 slot;		/* backend of the attempt under way */
	__u32 pid;		/* to enter the client's namespace */
	__u64 netns;
	__u64 deadline_ms;
};

struct proxy {
	struct vs_loader *ld;
	struct loop *l;
	struct relay *rl;
	__u64 own_netns;
	struct proxy_opts o;
	struct listener ls[PROXY_NS_MAX];
	unsigned int nls;
	struct dial *d;
	struct proxy_stats st;
};

/* ---- listeners ------------------------------------------------------ */

struct listen_job {
	int fd, fd6;
	__u16 port, port6;
	__u64 cookie;
};

/* A listening socket on the loopback address of family, any port; its
 * fd, or -errno. */
static int listen_on(int family, __u16 *port)
{
	struct sockaddr_storage ss = { .ss_family = family };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) :
					     sizeof(struct sockaddr_in6);
	int fd, one = 1, e;

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	if ((family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, SOMAXCONN) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		e = -errno;
		close(fd);
		return e;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
					  ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

/* Runs in the namespace to serve (netns_call): 127.0.0.1 and, where IPv6
 * is on, ::1. */
static int make_listener(void *arg)
{
	struct listen_job *j = arg;
	socklen_t lc = sizeof(j->cookie);
	int e;

	j->fd = listen_on(AF_INET, &j->port);
	if (j->fd < 0)
		return j->fd;
	if (getsockopt(j->fd, SOL_SOCKET, SO_NETNS_COOKIE, &j->cookie, &lc)) {
		e = -errno;
		close(j->fd);
		return e;
	}
	j->fd6 = listen_on(AF_INET6, &j->port6);
	if (j->fd6 < 0)
		j->port6 = 0;
	return 0;
}

int proxy_serve(struct proxy *p, __u32 pid, __u64 netns)
{
	struct listen_job j = { .fd = -1, .fd6 = -1 };
	struct listener *ls;
	unsigned int i;
	int r;

	for (i = 0; i < p->nls; i++)
		if (p->ls[i].netns == netns)
			return 0;
	if (p->nls == PROXY_NS_MAX)
		return -ENOSPC;
	r = netns_call(pid, netns, p->own_netns, make_listener, &j);
	if (r)
		return r;
	/* the tag: listener index, and which of its two sockets */
	r = loop_add(p->l, j.fd, EPOLLIN, VSD_TAG(TAG_PROXY_LISTEN, 2 * p->nls));
	if (!r && j.fd6 >= 0)
		r = loop_add(p->l, j.fd6, EPOLLIN, VSD_TAG(TAG_PROXY_LISTEN, 2 * p->nls + 1));
	if (!r)
		r = pmap_listener_set(p->ld, j.cookie, j.port, j.port6);
	if (r) {
		close(j.fd);
		if (j.fd6 >= 0)
			close(j.fd6);
		return r;
	}
	ls = &p->ls[p->nls++];
	ls->netns = netns;
	ls->cookie = j.cookie;
	ls->pid = pid;
	ls->fd = j.fd;
	ls->fd6 = j.fd6;
	p->st.listeners = p->nls;
	pr_info("proxy: listening on 127.0.0.1:%u and [::1]:%u in network namespace %llu",
		j.port, j.port6, (unsigned long long)netns);
	return 0;
}

/* ---- dialing a backend ---------------------------------------------- */

static struct dial *dial_slot(struct proxy *p)
{
	unsigned int i;

	for (i = 0; i < p->o.max_pending; i++)
		if (p->d[i].cfd < 0)
			return &p->d[i];
	return NULL;
}

static void dial_free(struct proxy *p, struct dial *d)
{
	d->cfd = d->bfd = -1;
	p->st.pending--;
}

struct sock_job {
	int family;
};

/* Runs in the client's namespace: a socket there reaches the backends the
 * client would, and the mark keeps our own connect hooks off it. */
static int make_dial_socket(void *arg)
{
	struct sock_job *j = arg;
	int fd, mark = VS_PROXY_MARK;

	fd = socket(j->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark))) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static void dial_next(struct proxy *p, struct dial *d);

/* A relayed pair's tag: its backend, which survives a restart with it. */
static __u64 pair_tag(__u32 svc_id, __u32 slot)
{
	return (__u64)svc_id << 32 | slot;
}

/* A relayed pair closed: its bytes go to its backend's counters. */
static void on_pair_closed(void *ctx, int id, __u64 tag, const struct relay_counts *c,
			   int err)
{
	struct proxy *p = ctx;
	__u64 bytes[2];
	int i;

	(void)id;
	(void)err;
	for (i = 0; i < 2; i++)
		bytes[i] = c->kernel_bytes[i] + c->copied_bytes[i];
	pmap_backend_closed(p->ld, (__u32)(tag >> 32), (__u32)tag, bytes);
}

/* What every relayed pair of the proxy is given. */
static struct relay_opts pair_opts(struct proxy *p)
{
	return (struct relay_opts){ .idle_ms = p->o.idle_ms, .bound = p->o.relay_bound,
				    .on_close = on_pair_closed,
				    .ctx = p };
}

/* The backend answered: the pair goes to the relay, which owns both
 * descriptors from here on (it closes them itself if it fails). The
 * backend counts the connection active before relay_pair(), which may
 * close the pair (and call on_pair_closed) before it returns. */
static void dial_done(struct proxy *p, struct dial *d)
{
	struct relay_opts ro = pair_opts(p);
	static const __u64 none[2];
	int r;

	ro.tag = pair_tag(d->dest.svc_id, d->slot);
	pmap_backend_result(p->ld, d->dest.svc_id, d->slot, true, true);
	loop_del(p->l, d->bfd);
	r = relay_pair(p->rl, d->cfd, d->bfd, &ro);
	if (r < 0) {	/* no on_close then: the relay says it here */
		pr_warn("proxy: relay: %s", strerror(-r));
		pmap_backend_closed(p->ld, d->dest.svc_id, d->slot, none);
	} else {
		p->st.paired++;
	}
	dial_free(p, d);
}

int proxy_adopt(struct proxy *p, struct fdstore_fd *fds, int n)
{
	struct relay_opts ro = pair_opts(p);

	return relay_adopt(p->rl, fds, n, &ro);
}

static void dial_failed(struct proxy *p, struct dial *d)
{
	pmap_backend_result(p->ld, d->dest.svc_id, d->slot, false, false);
	p->st.dial_failures++;
	close(d->bfd);	/* leaves the epoll set with it */
	d->bfd = -1;
	dial_next(p, d);
}

static void dial_next(struct proxy *p, struct dial *d)
{
	struct sockaddr_storage ss;
	struct sock_job j;
	socklen_t len;
	int fd;

	for (;;) {
		if (pmap_backend(p->ld, &d->dest, &ss, &len, &d->slot)) {
			p->st.no_backend++;
			tcp_abort(d->cfd);
			dial_free(p, d);
			return;
		}
		j.family = ss.ss_family;
		fd = netns_call(d->pid, d->netns, p->own_netns, make_dial_socket, &j);
		if (fd >= 0 && (!connect(fd, (struct sockaddr *)&ss, len) || errno == EINPROGRESS) &&
		    !loop_add(p->l, fd, EPOLLOUT, VSD_TAG(TAG_PROXY_DIAL, d - p->d))) {
			d->bfd = fd;
			d->deadline_ms = clock_now_ms() + p->o.connect_timeout_ms;
			return;	/* EPOLLOUT says how it went, even if it already did */
		}
		if (fd >= 0)
			close(fd);
		pmap_backend_result(p->ld, d->dest.svc_id, d->slot, false, false);
		p->st.dial_failures++;
	}
}

static void on_dial(void *ctx, __u32 low, __u32 events)
{
	struct proxy *p = ctx;
	struct dial *d = low < p->o.max_pending ? &p->d[low] : NULL;
	socklen_t len = sizeof(int);
	int err = 0;

	(void)events;
	if (!d || d->cfd < 0 || d->bfd < 0)
		return;
	if (getsockopt(d->bfd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err)
		dial_failed(p, d);
	else
		dial_done(p, d);
}

/* ---- accepting clients ---------------------------------------------- */

/* A client the proxy cannot serve is reset (tcp_abort), as a refused
 * direct connect would look to it. */
static void accept_one(struct proxy *p, struct listener *ls, int cfd)
{
	struct dial *d;

	p->st.accepted++;
	d = dial_slot(p);
	if (!d) {
		p->st.pending_full++;
		tcp_abort(cfd);
		return;
	}
	if (pmap_dest_of(p->ld, cfd, &d->dest)) {
		p->st.no_destination++;
		tcp_abort(cfd);
		return;
	}
	d->cfd = cfd;
	d->bfd = -1;
	d->pid = ls->pid;
	d->netns = ls->netns;
	p->st.pending++;
	dial_next(p, d);
}

static void on_listen(void *ctx, __u32 low, __u32 events)
{
	struct proxy *p = ctx;
	struct listener *ls = low / 2 < p->nls ? &p->ls[low / 2] : NULL;
	int cfd;

	(void)events;
	if (!ls)
		return;
	while ((cfd = accept4(low & 1 ? ls->fd6 : ls->fd, NULL, NULL,
			      SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		accept_one(p, ls, cfd);
}

/* ---- life cycle ----------------------------------------------------- */

struct proxy *proxy_open(struct vs_loader *ld, struct loop *l, struct relay *rl,
			 __u64 own_netns, const struct proxy_opts *o)
{
	struct proxy *p = calloc(1, sizeof(*p));
	unsigned int i;
	int r;

	if (!p)
		return NULL;
	p->ld = ld;
	p->l = l;
	p->rl = rl;
	p->own_netns = own_netns;
	p->o = *o;
	p->d = calloc(o->max_pending, sizeof(*p->d));
	if (!p->d) {
		free(p);
		return NULL;
	}
	for (i = 0; i < o->max_pending; i++)
		p->d[i].cfd = p->d[i].bfd = -1;
	loop_handle(l, TAG_PROXY_LISTEN, on_listen, p);
	loop_handle(l, TAG_PROXY_DIAL, on_dial, p);
	r = proxy_serve(p, (__u32)getpid(), own_netns);
	if (r) {
		proxy_close(p);
		errno = -r;
		return NULL;
	}
	return p;
}

void proxy_close(struct proxy *p)
{
	unsigned int i;

	if (!p)
		return;
	for (i = 0; i < p->nls; i++) {
		pmap_listener_set(p->ld, p->ls[i].cookie, 0, 0);
		close(p->ls[i].fd);
		if (p->ls[i].fd6 >= 0)
			close(p->ls[i].fd6);
	}
	for (i = 0; i < p->o.max_pending; i++) {
		if (p->d[i].cfd >= 0)
			tcp_abort(p->d[i].cfd);
		if (p->d[i].bfd >= 0)
			close(p->d[i].bfd);
	}
	free(p->d);
	free(p);
}

void proxy_tick(struct proxy *p, __u64 now_ms)
{
	unsigned int i;

	for (i = 0; i < p->o.max_pending; i++)
		if (p->d[i].cfd >= 0 && p->d[i].bfd >= 0 && now_ms >= p->d[i].deadline_ms)
			dial_failed(p, &p->d[i]);
}

void proxy_stats(const struct proxy *p, struct proxy_stats *out)
{
	*out = p->st;
}
