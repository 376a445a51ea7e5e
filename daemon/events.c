// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Socket events from the ring buffer vs_events. An event never changes the
 * tables by itself: it names a process whose descriptors changed, and that
 * process is re-read at the next tick (many events of one process cost
 * one refresh). The socket table stays the source of truth for status
 * and counters, read when a client asks. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "procfs.h"
#include "vsockd.h"

#define DIRTY_MAX	4096	/* beyond: a full rescan is cheaper */
#define PENDING_MAX	4096
#define PENDING_MS	5000	/* give up on an owner after this; rescans catch up */
#define LISTENERS_MAX	65536

static void mark_dirty(struct vsd *d, __u32 tgid)
{
	if (!tgid || d->need_rescan)
		return;
	if (d->dirty.n >= DIRTY_MAX || u64map_put(&d->dirty, tgid, 1))
		d->need_rescan = true;
}

static __u64 listener_key(__u64 netns_cookie, __u16 port)
{
	/* a collision only marks one process too many for a refresh */
	return (netns_cookie * 0x9e3779b97f4a7c15ull) ^ port ^ (1ull << 63);
}

static void add_listener(struct vsd *d, __u64 cookie, __u32 tgid)
{
	struct vs_sock_entry e;
	__u64 key;

	if (!tgid || loader_lookup_socket(d->ld, cookie, &e))
		return;
	if (d->listeners.n >= LISTENERS_MAX) {
		u64map_clear(&d->listeners);
		u64map_clear(&d->listener_keys);
	}
	key = listener_key(e.netns_cookie, e.local.port);
	if (!u64map_put(&d->listeners, key, tgid))
		u64map_put(&d->listener_keys, cookie, key);
}

static void forget(struct vsd *d, __u64 cookie)
{
	__u64 key;

	if (u64map_get(&d->listener_keys, cookie, &key)) {
		u64map_del(&d->listener_keys, cookie);
		u64map_del(&d->listeners, key);
	}
	scan_forget(&d->scan, cookie);
}

static void pending_tick(struct vsd *d, __u64 now_ms);

static void add_pending(struct vsd *d, __u64 cookie)
{
	struct pending *tmp;

	if (u64map_get(&d->scan.cookie2ino, cookie, NULL))
		return;		/* already behind a known fd */
	/* events come in batches (one per tick): under connection churn
	 * most of a full list is sockets closed since, which a pass drops */
	if (d->npend >= PENDING_MAX)
		pending_tick(d, vsd_now_ms());
	if (d->npend >= PENDING_MAX) {
		d->need_rescan = true;
		return;
	}
	if (!d->pend) {
		tmp = calloc(PENDING_MAX, sizeof(*tmp));
		if (!tmp) {
			d->need_rescan = true;
			return;
		}
		d->pend = tmp;
	}
	d->pend[d->npend].cookie = cookie;
	d->pend[d->npend].since_ms = vsd_now_ms();
	d->pend[d->npend].listener_tgid = 0;
	d->npend++;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct vs_event *ev = data;
	struct vsd *d = ctx;

	d->events++;
	if (size < sizeof(*ev)) {
		d->events_bad++;
		return 0;
	}
	switch (ev->type) {
	case VS_EV_CREATED:
		/* not in sock_diag until bound or connected: wait for that */
		break;
	case VS_EV_LISTENING:
		add_listener(d, ev->cookie, ev->tgid);
		mark_dirty(d, ev->tgid);
		break;
	case VS_EV_BOUND:
	case VS_EV_CONNECTING:
		mark_dirty(d, ev->tgid);
		break;
	case VS_EV_CONNECTED:
		/* the passive end is established in softirq, before accept() */
		if (ev->tgid)
			mark_dirty(d, ev->tgid);
		else
			add_pending(d, ev->cookie);
		break;
	case VS_EV_TERMINATED:
		/* its last descriptor was closed by ev->tgid */
		if (u64map_get(&d->scan.cookie2ino, ev->cookie, NULL))
			mark_dirty(d, ev->tgid);
		forget(d, ev->cookie);
		break;
	case VS_EV_RELEASED:
		forget(d, ev->cookie);
		break;
	case VS_EV_JOIN:
		joiner_note(d->join, ev->tgid, vsd_now_ms());
		break;
	default:
		/* status changes: read from the socket table when asked */
		break;
	}
	return 0;
}

/* The types on_event() acts on; the programs publish no others. */
#define CONSUMED_EVENTS (VS_EV_BIT(VS_EV_LISTENING) | VS_EV_BIT(VS_EV_BOUND) |	\
			 VS_EV_BIT(VS_EV_CONNECTING) | VS_EV_BIT(VS_EV_CONNECTED) |	\
			 VS_EV_BIT(VS_EV_TERMINATED) | VS_EV_BIT(VS_EV_RELEASED) |	\
			 VS_EV_BIT(VS_EV_JOIN))

int events_open(struct vsd *d)
{
	int fd = loader_map_fd(d->ld, VS_MAP_EVENTS), r;

	if (fd < 0)
		return fd;
	d->rb = ring_buffer__new(fd, on_event, d, NULL);
	if (!d->rb)
		return -errno;
	r = vsd_epoll_add(d, ring_buffer__epoll_fd(d->rb), EPOLLIN,
			  VSD_TAG(TAG_RING, 0));
	if (r)
		return r;
	/* from here on the hooks publish: the first rescan follows, so an
	 * event from before this point is not needed */
	return loader_set_event_mask(d->ld, CONSUMED_EVENTS);
}

void events_close(struct vsd *d)
{
	/* nobody reads them any more: stop paying for them */
	if (d->rb && d->ld)
		loader_set_event_mask(d->ld, 0);
	ring_buffer__free(d->rb);
	d->rb = NULL;
	free(d->pend);
	d->pend = NULL;
	d->npend = 0;
}

void events_consume(struct vsd *d)
{
	int r = ring_buffer__consume(d->rb);

	if (r < 0)
		pr_warn("ring buffer %s: %s", loader_map_name(VS_MAP_EVENTS), strerror(-r));
	joiner_run(d->join);	/* once per batch, per namespace */
}

/* Owners of accepted sockets: known once a process used the socket, or
 * guessed as the process listening on its port. */
static void pending_tick(struct vsd *d, __u64 now_ms)
{
	struct vs_sock_entry e;
	unsigned int i, k = 0;
	__u64 tgid;

	for (i = 0; i < d->npend; i++) {
		struct pending *p = &d->pend[i];

		if (u64map_get(&d->scan.cookie2ino, p->cookie, NULL) ||
		    now_ms - p->since_ms > PENDING_MS ||
		    loader_lookup_socket(d->ld, p->cookie, &e))
			continue;	/* found, too old or gone */
		if (e.owner_tgid)
			mark_dirty(d, e.owner_tgid);
		else if (u64map_get(&d->listeners,
				    listener_key(e.netns_cookie, e.local.port), &tgid))
			mark_dirty(d, (__u32)tgid);
		d->pend[k++] = *p;
	}
	d->npend = k;
}

static int pid_cb(__u64 key, __u64 val, void *ctx)
{
	__u32 **w = ctx;

	(void)val;
	*(*w)++ = (__u32)key;
	return 0;
}

static void lost_tick(struct vsd *d)
{
	__u64 c[VS_C_MAX];

	if (loader_read_stats(d->ld, c))
		return;
	if (c[VS_C_EVENTS_LOST] > d->events_lost) {
		pr_info("%llu socket events lost: rescanning",
			(unsigned long long)(c[VS_C_EVENTS_LOST] - d->events_lost));
		d->need_rescan = true;
	}
	d->events_lost = c[VS_C_EVENTS_LOST];
}

#define REFRESH_SHARE	10	/* 1/REFRESH_SHARE of the time at most */

void events_tick(struct vsd *d, __u64 now_ms)
{
	__u32 *pids, *w;
	int r;

	pending_tick(d, now_ms);
	if (now_ms >= d->next_stats_ms) {
		lost_tick(d);
		d->next_stats_ms = now_ms + 1000;
	}
	if (d->cfg.rescan_interval && now_ms >= d->next_rescan_ms)
		d->need_rescan = true;
	if (d->need_rescan) {
		/* drain first: what the ring holds predates the rescan */
		events_consume(d);
		u64map_clear(&d->dirty);
		d->need_rescan = false;
		d->next_rescan_ms = now_ms + d->cfg.rescan_interval * 1000ull;
		if (scan_full(&d->scan))
			d->need_rescan = true;
		return;
	}
	if (!d->dirty.n || now_ms < d->next_refresh_ms)
		return;
	pids = malloc(d->dirty.n * sizeof(*pids));
	if (!pids) {
		d->need_rescan = true;
		return;
	}
	w = pids;
	u64map_each(&d->dirty, pid_cb, &w);
	r = scan_refresh(&d->scan, pids, (unsigned int)(w - pids));
	if (r)
		d->need_rescan = true;
	/* A refresh's sock_diag dump walks every TCP socket of the netns,
	 * TIME_WAIT included (hundreds of thousands under connection churn:
	 * 90 ms a dump, 45% of a CPU at one per tick). Spend at most a tenth
	 * of the time on it; the tables then lag by up to ten refreshes. */
	d->next_refresh_ms = now_ms + REFRESH_SHARE * (vsd_now_ms() - now_ms);
	u64map_clear(&d->dirty);
	free(pids);
}

void events_watch_proc(void *ctx, struct proc *p)
{
	struct vsd *d = ctx;
	int fd;

	fd = (int)syscall(SYS_pidfd_open, p->info.tgid, 0);
	if (fd < 0)
		return;		/* gone already: the next event or rescan sees it */
	if (vsd_epoll_add(d, fd, EPOLLIN, VSD_TAG(TAG_PIDFD, p->info.tgid))) {
		close(fd);
		return;
	}
	p->pidfd = fd;
}

void events_pidfd(struct vsd *d, __u32 tgid)
{
	struct proc *p = proctbl_get(d->tbl, tgid, 0);
	struct pollfd pfd;
	__u64 start = 0;
	bool exited;

	if (!p)
		return;
	/* the event may be for a pidfd closed in this same batch, whose pid
	 * another process has taken since: ask this entry's own pidfd */
	pfd.fd = p->pidfd;
	pfd.events = POLLIN;
	exited = p->pidfd >= 0 && poll(&pfd, 1, 0) == 1;
	if (exited)
		start = p->info.start;
	proctbl_put(d->tbl, p);
	if (exited) {
		pr_debug("pid %u exited", tgid);
		proctbl_remove(d->tbl, tgid, start);
	}
}
