// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Control socket server. Input is never trusted: every frame gets a reply,
 * a frame that cannot be delimited (zero or oversized length, a stream that
 * ends mid-frame) gets one last error reply and the connection closes. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "ctlproto.h"
#include "ctlsrv.h"
#include "log.h"
#include "tags.h"

#define IN_MAX (VS_CTL_HDR_LEN + VS_CTL_MAX_REQUEST)
/* A reply this big was built from many small allocations (a 10 000-handle
 * table is ~200 000 JSON nodes): hand the memory back to the system once it
 * is sent, or the daemon's RSS stays at its largest reply for good. */
#define BIG_REPLY (1u << 20)

static int sun_of(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/* A socket file nobody answers on is left by a daemon that was killed. */
static int clear_stale(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, r;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sun_of(&sa, path);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (!r)
		return -EADDRINUSE;
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

static int mkdir_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (!mkdir(dir, 0755) || errno == EEXIST)
		return 0;
	return -errno;
}

int ctlsrv_set_access(struct ctlsrv *s, unsigned int mode, bool has_gid, gid_t gid)
{
	s->has_gid = has_gid;
	s->gid = gid;
	if (chmod(s->path, mode))
		return -errno;
	if (has_gid && chown(s->path, (uid_t)-1, gid))
		return -errno;
	if (!has_gid && chown(s->path, (uid_t)-1, getegid()))
		return -errno;
	return 0;
}

int ctlsrv_open(struct ctlsrv *s, int epfd, const char *path, unsigned int mode,
		bool has_gid, gid_t gid)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = VSD_TAG(TAG_LISTEN, 0) };
	struct sockaddr_un sa;
	mode_t old;
	int r;

	s->lfd = -1;
	s->epfd = epfd;
	snprintf(s->path, sizeof(s->path), "%s", path);
	if ((r = sun_of(&sa, path)) || (r = mkdir_parent(path)) || (r = clear_stale(path)))
		return r;
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -errno;
	/* no window in which the socket is more open than asked */
	old = umask(0777);
	r = bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	if (!r)
		r = ctlsrv_set_access(s, mode, has_gid, gid);
	if (!r && listen(s->lfd, 16))
		r = -errno;
	if (!r && epoll_ctl(epfd, EPOLL_CTL_ADD, s->lfd, &ev))
		r = -errno;
	if (r) {
		close(s->lfd);
		s->lfd = -1;
		unlink(path);
	}
	return r;
}

static void client_free(struct ctlsrv *s, unsigned int slot)
{
	struct ctl_client *c = s->c[slot];

	if (!c)
		return;
	close(c->fd);	/* also leaves the epoll set */
	free(c->in);
	free(c->out);
	free(c);
	s->c[slot] = NULL;
}

void ctlsrv_close(struct ctlsrv *s)
{
	unsigned int i;

	for (i = 0; i < CTLSRV_MAX_CLIENTS; i++)
		client_free(s, i);
	if (s->lfd >= 0) {
		close(s->lfd);
		unlink(s->path);
	}
	s->lfd = -1;
}

unsigned int ctlsrv_nclients(const struct ctlsrv *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < CTLSRV_MAX_CLIENTS; i++)
		n += s->c[i] != NULL;
	return n;
}

static bool in_group(int fd, gid_t gid, gid_t primary)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);
	unsigned int i;

	if (primary == gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return false;
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static int peer_of(struct ctlsrv *s, int fd, struct ctl_peer *p)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return -errno;
	p->pid = cr.pid;
	p->uid = cr.uid;
	p->gid = cr.gid;
	p->privileged = cr.uid == 0 || (s->has_gid && in_group(fd, s->gid, cr.gid));
	return 0;
}

static void set_events(struct ctlsrv *s, unsigned int slot)
{
	struct ctl_client *c = s->c[slot];
	struct epoll_event ev = { .data.u64 = VSD_TAG(TAG_CLIENT, slot) };

	ev.events = c->out_len > c->out_off ? EPOLLOUT : EPOLLIN;
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Queue a reply; a client whose reply cannot even be built is dropped. */
static int queue(struct ctl_client *c, json_t *reply)
{
	unsigned char *buf;
	size_t len;
	int r;

	if (!reply)
		return -ENOMEM;
	r = ctlmsg_encode(reply, &buf, &len);
	json_decref(reply);
	if (r)
		return r;
	free(c->out);
	c->out = buf;
	c->out_len = len;
	c->out_off = 0;
	return 0;
}

static int queue_error(struct ctlsrv *s, struct ctl_client *c, int err,
		       const char *msg)
{
	s->errors++;
	pr_debug("control: pid %d: %s", (int)c->peer.pid, msg);
	return queue(c, ctlmsg_error(err, msg));
}

/* Try to send what is queued; 0, or -errno when the client is gone. */
static int flush(struct ctl_client *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		c->out_off += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	if (c->out_len >= BIG_REPLY)
		malloc_trim(0);
	c->out_len = c->out_off = 0;
	return 0;
}

/* At most one complete frame per call: its reply must go out first. */
static int serve_one(struct ctlsrv *s, struct ctl_client *c)
{
	const unsigned char *payload;
	struct ctl_req req;
	char err[256];
	size_t plen;
	long n;
	int r;

	n = ctlmsg_frame(c->in, c->in_len, VS_CTL_MAX_REQUEST, &payload, &plen);
	if (n == 0)
		return 0;
	if (n < 0) {
		/* the stream cannot be delimited any more: answer, then close */
		c->closing = true;
		c->in_len = 0;
		snprintf(err, sizeof(err), n == -EMSGSIZE ?
			 "request of %u bytes is larger than %u" : "empty request (length %u)",
			 vs_ctl_get_len(c->in), VS_CTL_MAX_REQUEST);
		return queue_error(s, c, (int)n, err);
	}
	s->requests++;
	r = ctlmsg_parse(payload, plen, &req, err, sizeof(err));
	memmove(c->in, c->in + n, c->in_len - (size_t)n);
	c->in_len -= (size_t)n;
	if (r)
		return queue_error(s, c, r, err);
	if (ctlmsg_needs_privilege(req.type) && !c->peer.privileged) {
		snprintf(err, sizeof(err), "'%s' needs root or the control group",
			 ctlmsg_type_name(req.type));
		return queue_error(s, c, -EPERM, err);
	}
	return queue(c, s->handler(s->ctx, &req, &c->peer));
}

static int client_read(struct ctl_client *c)
{
	ssize_t n;

	if (!c->in && !(c->in = malloc(IN_MAX)))
		return -ENOMEM;
	n = recv(c->fd, c->in + c->in_len, IN_MAX - c->in_len, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		c->eof = true;
	c->in_len += (size_t)n;
	return 0;
}

void ctlsrv_client_event(struct ctlsrv *s, unsigned int slot, __u32 events,
			 __u64 now_ms)
{
	struct ctl_client *c = slot < CTLSRV_MAX_CLIENTS ? s->c[slot] : NULL;
	char err[128];
	int r = 0;

	if (!c)
		return;
	c->last_ms = now_ms;
	if (events & EPOLLOUT)
		r = flush(c);
	if (!r && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->eof &&
	    !c->closing && c->out_len == 0)
		r = client_read(c);
	/* serve what is buffered as long as replies leave at once */
	while (!r && !c->closing && c->out_len == 0 && c->in_len) {
		size_t before = c->in_len;

		r = serve_one(s, c);
		if (!r)
			r = flush(c);
		if (c->in_len == before && c->out_len == 0)
			break;	/* incomplete frame: wait for more */
	}
	if (!r && c->eof && !c->closing && c->out_len == 0 && c->in_len) {
		snprintf(err, sizeof(err), "truncated request: stream ended after %zu bytes",
			 c->in_len);
		c->in_len = 0;
		c->closing = true;
		r = queue_error(s, c, -EBADMSG, err);
		if (!r)
			r = flush(c);
	}
	if (r || ((c->eof || c->closing) && c->out_len == 0)) {
		if (r && r != -EPIPE && r != -ECONNRESET)
			pr_debug("control: pid %d: %s", (int)c->peer.pid, strerror(-r));
		client_free(s, slot);
		return;
	}
	set_events(s, slot);
}

void ctlsrv_accept(struct ctlsrv *s, __u64 now_ms)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ctl_client *c;
	unsigned int slot;
	int fd;

	for (;;) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (slot = 0; slot < CTLSRV_MAX_CLIENTS && s->c[slot]; slot++)
			;
		c = slot < CTLSRV_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			s->refused++;
			close(fd);
			continue;
		}
		c->fd = fd;
		c->last_ms = now_ms;
		ev.data.u64 = VSD_TAG(TAG_CLIENT, slot);
		if (peer_of(s, fd, &c->peer) || epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			continue;
		}
		s->c[slot] = c;
	}
}

void ctlsrv_tick(struct ctlsrv *s, __u64 now_ms)
{
	unsigned int i;

	for (i = 0; i < CTLSRV_MAX_CLIENTS; i++) {
		struct ctl_client *c = s->c[i];
		__u64 limit;

		if (!c)
			continue;
		limit = c->in_len || c->out_len ? CTLSRV_PARTIAL_MS : CTLSRV_IDLE_MS;
		if (now_ms - c->last_ms > limit)
			client_free(s, i);
	}
}
