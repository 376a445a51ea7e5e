// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The relay's maps and program, as vsockd uses them (relay_bpf.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdio.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "clock.h"
#include "loader.h"
#include "log.h"
#include "relay_bpf.h"
#include "sockaddr.h"

int relay_bpf_open(struct relay_bpf *b, struct vs_loader *ld)
{
	int fd = loader_prog_fd(ld, "vsock_relay_close");

	b->sh = loader_map_fd(ld, VS_MAP_RELAY_SH);
	b->tgt = loader_map_fd(ld, VS_MAP_RELAY_TGT);
	b->dir = loader_map_fd(ld, VS_MAP_RELAY);
	b->mark = loader_map_fd(ld, VS_MAP_RELAY_SK);
	b->ctr = loader_map_fd(ld, VS_MAP_RELAY_CTR);
	b->socktbl = loader_map_fd(ld, VS_MAP_SOCKTBL);
	b->ld = ld;
	b->close_prog = fd >= 0 ? dup(fd) : -1;
	b->state_link = -1;
	if (b->sh < 0 || b->tgt < 0 || b->dir < 0 || b->mark < 0 || b->ctr < 0 ||
	    b->socktbl < 0 || b->close_prog < 0 || loader_prog_fd(ld, "vsock_relay_state") < 0) {
		relay_bpf_close(b);
		return -ENOENT;
	}
	return 0;
}

void relay_bpf_close(struct relay_bpf *b)
{
	if (b->close_prog >= 0)
		close(b->close_prog);
	if (b->state_link >= 0)
		close(b->state_link);
	b->close_prog = b->state_link = -1;
}

void relay_bpf_follow(struct relay_bpf *b, bool on)
{
	int prog;

	if (!on && b->state_link >= 0) {
		close(b->state_link);
		b->state_link = -1;
	} else if (on && b->state_link < 0) {
		prog = loader_prog_fd(b->ld, "vsock_relay_state");
		b->state_link = prog >= 0 ? bpf_raw_tracepoint_open(NULL, prog) : -1;
		if (b->state_link < 0)
			pr_warn("relay: cannot follow the legs' TCP states: %s",
				strerror(errno));
	}
}

static void entry_fill(struct vs_sock_entry *e, int fd)
{
	struct sockaddr_storage ss;
	struct tcp_info ti;
	socklen_t len;
	FILE *comm;

	len = sizeof(e->netns_cookie);
	getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &e->netns_cookie, &len);
	len = sizeof(ss);
	if (!getsockname(fd, (struct sockaddr *)&ss, &len)) {
		vs_addr_from_sockaddr(&e->local, &ss);
		e->family = ss.ss_family;
	}
	len = sizeof(ss);
	if (!getpeername(fd, (struct sockaddr *)&ss, &len))
		vs_addr_from_sockaddr(&e->remote, &ss);
	len = sizeof(ti);
	if (!getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		e->tcp_state = ti.tcpi_state;
	e->type = SOCK_STREAM;
	e->protocol = IPPROTO_TCP;
	e->owner_tgid = getpid();
	e->options = VS_OPT_HAS_FILE | VS_OPT_NONBLOCK;
	comm = fopen("/proc/self/comm", "re");
	if (comm) {
		if (fgets(e->comm, sizeof(e->comm), comm))
			e->comm[strcspn(e->comm, "\n")] = 0;
		fclose(comm);
	}
}

int relay_bpf_track(const struct relay_bpf *b, const struct relay_leg_id *leg,
		    __u64 peer_cookie)
{
	struct vs_relay_mark mk = { .cookie = leg->cookie, .peer_cookie = peer_cookie };
	struct vs_sock_entry e = {
		.cookie = leg->cookie,
		.peer_cookie = peer_cookie,
		.status = VS_ST_CONNECTED,
		.reason = VS_R_PROXIED,	/* off the fast path: the relay carries it */
	};

	e.created_ns = clock_now_ns(CLOCK_MONOTONIC);	/* bpf_ktime_get_ns()'s clock */
	entry_fill(&e, leg->fd);
	/* a full table costs the leg its entry, not its relay */
	bpf_map_update_elem(b->socktbl, &leg->cookie, &e, BPF_ANY);
	return bpf_map_update_elem(b->mark, &leg->fd, &mk, BPF_ANY) ? -errno : 0;
}

static int sock_put(int map, const struct relay_leg_id *leg)
{
	__u64 fd = leg->fd;

	return bpf_map_update_elem(map, &leg->cookie, &fd, BPF_NOEXIST) ? -errno : 0;
}

int relay_bpf_splice(const struct relay_bpf *b, const struct relay_leg_id *a,
		     const struct relay_leg_id *c, __u64 bound)
{
	struct vs_relay_dir da = { .peer_cookie = c->cookie, .bound = bound };
	struct vs_relay_dir dc = { .peer_cookie = a->cookie, .bound = bound };
	int r;

	if (bpf_map_update_elem(b->dir, &a->cookie, &da, BPF_ANY) ||
	    bpf_map_update_elem(b->dir, &c->cookie, &dc, BPF_ANY)) {
		r = -errno;
		goto undo;
	}
	/* targets first: the verdict of either leg finds its peer from its
	 * first segment on, so nothing is passed that a redirect overtakes */
	if ((r = sock_put(b->tgt, a)) || (r = sock_put(b->tgt, c)))
		goto undo;
	if ((r = sock_put(b->sh, a)))
		goto undo;
	if ((r = sock_put(b->sh, c))) {
		/* a forwards already: its direction stays; c's is copied */
		struct vs_relay_dir d = dc;

		d.mode = VS_RELAY_COPY;
		d.why = VS_RELAY_WHY_USER;
		bpf_map_update_elem(b->dir, &c->cookie, &d, BPF_ANY);
		return 1;
	}
	return 0;
undo:
	/* nothing was forwarded: dropping the psocks loses nothing */
	bpf_map_delete_elem(b->tgt, &a->cookie);
	bpf_map_delete_elem(b->tgt, &c->cookie);
	bpf_map_delete_elem(b->dir, &a->cookie);
	bpf_map_delete_elem(b->dir, &c->cookie);
	return r;
}

int relay_bpf_dir(const struct relay_bpf *b, __u64 cookie, struct vs_relay_dir *out)
{
	return bpf_map_lookup_elem(b->dir, &cookie, out) ? -errno : 0;
}

int relay_bpf_terminated(const struct relay_bpf *b, __u64 cookie)
{
	__u64 args = cookie;	/* struct vs_relay_close_args */
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &args, .ctx_size_in = sizeof(args));

	if (bpf_prog_test_run_opts(b->close_prog, &o))
		return -errno;
	return (int)o.retval;
}

