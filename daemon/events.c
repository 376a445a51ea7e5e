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
#include <unistd.h>
#include <bpf/libbpf.h>
#include "clock.h"
#include "events.h"
#include "fdcookie.h"
#include "joiner.h"
#include "loader.h"
#include "log.h"
#include "procfs.h"
#include "proctbl.h"
#include "proxy.h"

#define DIRTY_MAX	4096	/* beyond: a full rescan is cheaper */
#define PENDING_MAX	4096
#define PENDING_MS	5000	/* give up on an owner after this; rescans catch up */
#define LISTENERS_MAX	65536
#define SERVED_MAX	4096
#define SERVED_MS	1000	/* a process's netns is looked up this seldom */

/* An accepted socket whose owner is not known yet (sockets accepted in
 * softirq context have no process until one reads or writes them). */
struct pending {
	__u64 cookie;
	__u64 since_ms;
	__u32 listener_tgid;	/* the process that listens on its port, 0 if unknown */
};

static void mark_dirty(struct events *ev, __u32 tgid)
{
	if (!tgid || ev->need_rescan)
		return;
	if (ev->dirty.n >= DIRTY_MAX || u64map_put(&ev->dirty, tgid, 1))
		ev->need_rescan = true;
}

static __u64 listener_key(__u64 netns_cookie, __u16 port)
{
	/* a collision only marks one process too many for a refresh */
	return (netns_cookie * 0x9e3779b97f4a7c15ull) ^ port ^ (1ull << 63);
}

static void add_listener(struct events *ev, __u64 cookie, __u32 tgid)
{
	struct vs_sock_entry e;
	__u64 key;

	if (!tgid || loader_lookup_socket(ev->scan->ld, cookie, &e))
		return;
	if (ev->listeners.n >= LISTENERS_MAX) {
		u64map_clear(&ev->listeners);
		u64map_clear(&ev->listener_keys);
	}
	key = listener_key(e.netns_cookie, e.local.port);
	if (!u64map_put(&ev->listeners, key, tgid))
		u64map_put(&ev->listener_keys, cookie, key);
}

static void forget(struct events *ev, __u64 cookie)
{
	__u64 key;

	if (u64map_get(&ev->listener_keys, cookie, &key)) {
		u64map_del(&ev->listener_keys, cookie);
		u64map_del(&ev->listeners, key);
	}
	/* under churn most pending sockets are gone by the next pass */
	if (ev->npend && u64map_put(&ev->pend_gone, cookie, 1))
		u64map_clear(&ev->pend_gone);	/* the pass looks them up */
	scan_forget(ev->scan, cookie);
}

static void pending_tick(struct events *ev, __u64 now_ms);

static void add_pending(struct events *ev, __u64 cookie)
{
	struct pending *tmp;

	if (u64map_get(&ev->scan->cookie2ino, cookie, NULL))
		return;		/* already behind a known fd */
	/* events come in batches (one per tick): under connection churn
	 * most of a full list is sockets closed since, which a pass drops */
	if (ev->npend >= PENDING_MAX)
		pending_tick(ev, clock_now_ms());
	if (ev->npend >= PENDING_MAX) {
		ev->need_rescan = true;
		return;
	}
	if (!ev->pend) {
		tmp = calloc(PENDING_MAX, sizeof(*tmp));
		if (!tmp) {
			ev->need_rescan = true;
			return;
		}
		ev->pend = tmp;
	}
	ev->pend[ev->npend].cookie = cookie;
	ev->pend[ev->npend].since_ms = clock_now_ms();
	ev->pend[ev->npend].listener_tgid = 0;
	ev->npend++;
}

/* A process of an attached cgroup connects: the proxy listens in its
 * network namespace from now on (a proxy-mode service is refused there
 * until it does; docs/proxy.md, "The service proxy"). */
static void serve_netns_of(struct events *ev, __u32 tgid)
{
	__u64 netns, now, last;

	if (!ev->proxy || !tgid)
		return;
	/* A process connects many times and rarely changes namespace: the
	 * lookup (a path walk of /proc/PID/ns/net) was half of vsockd's CPU
	 * under connection churn when it ran for every connect. */
	now = clock_now_ms();
	if (u64map_get(&ev->served, tgid, &last) && now - last < SERVED_MS)
		return;
	if (ev->served.n >= SERVED_MAX)
		u64map_clear(&ev->served);
	u64map_put(&ev->served, tgid, now);
	if (!procfs_netns(tgid, &netns))
		proxy_serve(ev->proxy, tgid, netns);
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct vs_event *rec = data;
	struct events *ev = ctx;

	ev->events++;
	if (size < sizeof(*rec)) {
		ev->events_bad++;
		return 0;
	}
	switch (rec->type) {
	case VS_EV_CREATED:
		/* not in sock_diag until bound or connected: wait for that */
		break;
	case VS_EV_LISTENING:
		add_listener(ev, rec->cookie, rec->tgid);
		mark_dirty(ev, rec->tgid);
		break;
	case VS_EV_CONNECTING:
		serve_netns_of(ev, rec->tgid);
		mark_dirty(ev, rec->tgid);
		break;
	case VS_EV_BOUND:
		mark_dirty(ev, rec->tgid);
		break;
	case VS_EV_CONNECTED:
		/* the passive end is established in softirq, before accept() */
		if (rec->tgid)
			mark_dirty(ev, rec->tgid);
		else
			add_pending(ev, rec->cookie);
		break;
	case VS_EV_TERMINATED:
		/* its last descriptor was closed by rec->tgid */
		if (u64map_get(&ev->scan->cookie2ino, rec->cookie, NULL))
			mark_dirty(ev, rec->tgid);
		forget(ev, rec->cookie);
		break;
	case VS_EV_RELEASED:
		forget(ev, rec->cookie);
		break;
	case VS_EV_JOIN:
		joiner_note(ev->join, rec->tgid, clock_now_ms());
		break;
	default:
		/* status changes: read from the socket table when asked */
		break;
	}
	return 0;
}

/* The types on_event() acts on; the programs publish no others. Not
 * RELEASED: every socket that was ever behind a descriptor is
 * TERMINATED first (cgroup/sock_release), which forgets it too, and an
 * event costs its hook a ring reservation under a lock (two per
 * connection saved; a socket of a cgroup detached meanwhile is forgotten
 * at the next rescan). */
#define CONSUMED_EVENTS (VS_EV_BIT(VS_EV_LISTENING) | VS_EV_BIT(VS_EV_BOUND) |	\
			 VS_EV_BIT(VS_EV_CONNECTING) | VS_EV_BIT(VS_EV_CONNECTED) |	\
			 VS_EV_BIT(VS_EV_TERMINATED) | VS_EV_BIT(VS_EV_JOIN))

static void consume(struct events *ev)
{
	int r = ring_buffer__consume(ev->rb);

	if (r < 0)
		pr_warn("ring buffer %s: %s", loader_map_name(VS_MAP_EVENTS), strerror(-r));
	joiner_run(ev->join);	/* once per batch, per namespace */
}

static void on_ring(void *ctx, __u32 low, __u32 events)
{
	(void)low;
	(void)events;
	consume(ctx);
}

static void on_pidfd(void *ctx, __u32 tgid, __u32 events);
static void watch_proc(void *ctx, struct proc *p);

void events_init(struct events *ev)
{
	memset(ev, 0, sizeof(*ev));
	u64map_init(&ev->dirty);
	u64map_init(&ev->listeners);
	u64map_init(&ev->listener_keys);
	u64map_init(&ev->served);
	u64map_init(&ev->pend_gone);
}

int events_open(struct events *ev, struct loop *l, struct scan *s, struct joiner *j,
		unsigned int rescan_interval)
{
	int fd = loader_map_fd(s->ld, VS_MAP_EVENTS), r;

	ev->loop = l;
	ev->scan = s;
	ev->join = j;
	ev->rescan_interval = rescan_interval;
	s->on_new_proc = watch_proc;
	s->ctx = ev;
	loop_handle(l, TAG_RING, on_ring, ev);
	loop_handle(l, TAG_PIDFD, on_pidfd, ev);
	if (fd < 0)
		return fd;
	ev->rb = ring_buffer__new(fd, on_event, ev, NULL);
	if (!ev->rb)
		return -errno;
	r = loop_add(l, ring_buffer__epoll_fd(ev->rb), EPOLLIN, VSD_TAG(TAG_RING, 0));
	if (r)
		return r;
	/* from here on the hooks publish: the first rescan follows, so an
	 * event from before this point is not needed */
	return loader_set_event_mask(s->ld, CONSUMED_EVENTS);
}

void events_close(struct events *ev)
{
	/* nobody reads them any more: stop paying for them */
	if (ev->rb && ev->scan->ld)
		loader_set_event_mask(ev->scan->ld, 0);
	ring_buffer__free(ev->rb);
	ev->rb = NULL;
	free(ev->pend);
	ev->pend = NULL;
	ev->npend = 0;
	u64map_free(&ev->dirty);
	u64map_free(&ev->listeners);
	u64map_free(&ev->listener_keys);
	u64map_free(&ev->served);
	u64map_free(&ev->pend_gone);
}

void events_first_scan(struct events *ev)
{
	__u64 c[VS_C_MAX];

	/* losses before we ran are history: this rescan covers them */
	if (!loader_read_stats(ev->scan->ld, c))
		ev->events_lost = c[VS_C_EVENTS_LOST];
	scan_full(ev->scan);
	ev->next_rescan_ms = clock_now_ms() + ev->rescan_interval * 1000ull;
}

void events_reschedule(struct events *ev, unsigned int rescan_interval, bool rescan)
{
	if (rescan)
		ev->need_rescan = true;
	ev->rescan_interval = rescan_interval;
	ev->next_rescan_ms = clock_now_ms() + rescan_interval * 1000ull;
}

/* Owners of accepted sockets: known once a process used the socket, or
 * guessed as the process listening on its port. */
static void pending_tick(struct events *ev, __u64 now_ms)
{
	struct vs_sock_entry e;
	unsigned int i, k = 0;
	__u64 tgid;

	for (i = 0; i < ev->npend; i++) {
		struct pending *p = &ev->pend[i];

		if (u64map_get(&ev->pend_gone, p->cookie, NULL) ||
		    u64map_get(&ev->scan->cookie2ino, p->cookie, NULL) ||
		    now_ms - p->since_ms > PENDING_MS ||
		    loader_lookup_socket(ev->scan->ld, p->cookie, &e))
			continue;	/* found, too old or gone */
		if (e.owner_tgid)
			mark_dirty(ev, e.owner_tgid);
		else if (u64map_get(&ev->listeners,
				    listener_key(e.netns_cookie, e.local.port), &tgid))
			mark_dirty(ev, (__u32)tgid);
		ev->pend[k++] = *p;
	}
	ev->npend = k;
	u64map_clear(&ev->pend_gone);
}

static int pid_cb(__u64 key, __u64 val, void *ctx)
{
	__u32 **w = ctx;

	(void)val;
	*(*w)++ = (__u32)key;
	return 0;
}

static void lost_tick(struct events *ev)
{
	__u64 c[VS_C_MAX];

	if (loader_read_stats(ev->scan->ld, c))
		return;
	if (c[VS_C_EVENTS_LOST] > ev->events_lost) {
		pr_info("%llu socket events lost: rescanning",
			(unsigned long long)(c[VS_C_EVENTS_LOST] - ev->events_lost));
		ev->need_rescan = true;
	}
	ev->events_lost = c[VS_C_EVENTS_LOST];
}

#define REFRESH_SHARE	10	/* 1/REFRESH_SHARE of the time at most */

void events_tick(struct events *ev, __u64 now_ms)
{
	__u32 *pids, *w;
	int r;

	consume(ev);	/* the programs wake us only for joins */
	pending_tick(ev, now_ms);
	if (now_ms >= ev->next_stats_ms) {
		lost_tick(ev);
		ev->next_stats_ms = now_ms + 1000;
	}
	if (ev->rescan_interval && now_ms >= ev->next_rescan_ms)
		ev->need_rescan = true;
	if (ev->need_rescan) {
		/* drain first: what the ring holds predates the rescan */
		consume(ev);
		u64map_clear(&ev->dirty);
		ev->need_rescan = false;
		ev->next_rescan_ms = now_ms + ev->rescan_interval * 1000ull;
		if (scan_full(ev->scan))
			ev->need_rescan = true;
		return;
	}
	if (!ev->dirty.n || now_ms < ev->next_refresh_ms)
		return;
	pids = malloc(ev->dirty.n * sizeof(*pids));
	if (!pids) {
		ev->need_rescan = true;
		return;
	}
	w = pids;
	u64map_each(&ev->dirty, pid_cb, &w);
	r = scan_refresh(ev->scan, pids, (unsigned int)(w - pids));
	if (r)
		ev->need_rescan = true;
	/* A refresh that falls back to a sock_diag dump walks every TCP
	 * socket of the netns, TIME_WAIT included (hundreds of thousands
	 * under connection churn: 90 ms a dump, 45% of a CPU at one per
	 * tick). Spend at most a tenth of the time on refreshes; the tables
	 * then lag by up to ten of them. */
	ev->next_refresh_ms = now_ms + REFRESH_SHARE * (clock_now_ms() - now_ms);
	u64map_clear(&ev->dirty);
	free(pids);
}

/* scan's hook: a new process gets a pidfd in the loop. */
static void watch_proc(void *ctx, struct proc *p)
{
	struct events *ev = ctx;
	int fd;

	fd = fdcookie_pidfd(p->info.tgid);
	if (fd < 0)
		return;		/* gone already: the next event or rescan sees it */
	if (loop_add(ev->loop, fd, EPOLLIN, VSD_TAG(TAG_PIDFD, p->info.tgid))) {
		close(fd);
		return;
	}
	p->pidfd = fd;
	serve_netns_of(ev, p->info.tgid);
}

/* A tracked process exited (its pidfd became readable). */
static void on_pidfd(void *ctx, __u32 tgid, __u32 events)
{
	struct events *ev = ctx;
	struct proc *p = proctbl_get(ev->scan->tbl, tgid, 0);
	struct pollfd pfd;
	__u64 start = 0;
	bool exited;

	(void)events;
	if (!p)
		return;
	/* the event may be for a pidfd closed in this same batch, whose pid
	 * another process has taken since: ask this entry's own pidfd */
	pfd.fd = p->pidfd;
	pfd.events = POLLIN;
	exited = p->pidfd >= 0 && poll(&pfd, 1, 0) == 1;
	if (exited)
		start = p->info.start;
	proctbl_put(ev->scan->tbl, p);
	if (exited) {
		pr_debug("pid %u exited", tgid);
		proctbl_remove(ev->scan->tbl, tgid, start);
	}
}
