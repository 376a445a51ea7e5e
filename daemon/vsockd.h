/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vsockd's state: one struct, one thread, one epoll loop. */
#ifndef VSOCKD_H
#define VSOCKD_H

#include <stdbool.h>
#include <linux/types.h>
#include "config.h"
#include "ctlsrv.h"
#include "joiner.h"
#include "loader.h"
#include "proctbl.h"
#include "scan.h"
#include "tags.h"
#include "u64map.h"
#include "version.h"

#define VSD_TICK_MS	250	/* housekeeping period */

/* An accepted socket whose owner is not known yet (sockets accepted in
 * softirq context have no process until one reads or writes them). */
struct pending {
	__u64 cookie;
	__u64 since_ms;
	__u32 listener_tgid;	/* the process that listens on its port, 0 if unknown */
};

struct vsd {
	struct cfg cfg;
	const char *cfg_path;
	bool cfg_explicit;		/* --config given: a missing file is an error */
	int cli_level;			/* -v/-vv, 0 if none */
	struct vs_loader *ld;
	struct proctbl *tbl;
	struct scan scan;
	struct ring_buffer *rb;
	struct joiner *join;		/* join-late; NULL if it could not start */
	struct ctlsrv srv;
	int epfd, sigfd, timerfd;
	bool stop;
	bool ready;			/* READY=1 was sent */

	/* events */
	struct u64map dirty;		/* pid → 1: refresh at the next tick */
	struct u64map listeners;	/* (netns cookie, port) → listening tgid */
	struct u64map listener_keys;	/* listener cookie → its listeners key */
	struct pending *pend;
	unsigned int npend;
	__u64 events;			/* received */
	__u64 events_bad;		/* records of an unexpected size */
	__u64 events_lost;		/* the kernel's count, last seen */
	bool need_rescan;
	__u64 next_rescan_ms;
	__u64 next_stats_ms;
	__u64 next_refresh_ms;		/* dirty processes wait until then */

	/* systemd */
	__u64 watchdog_us;		/* 0: no watchdog */
	__u64 next_watchdog_ms;
	char status[256];		/* last STATUS= sent */

	__u64 started_ms;		/* CLOCK_MONOTONIC */
	__u64 started_realtime_ns;
	__u64 ready_us;			/* start-up time to READY=1 */
	__u64 reloads, reload_failures;
	char last_reload_error[CFG_ERR_LEN];
};

__u64 vsd_now_ms(void);

/* daemon.c */
int vsd_init(struct vsd *d);
void vsd_fini(struct vsd *d);
/* Re-read the config; on any error the running one stays (err says why). */
int vsd_reload(struct vsd *d, char *err, size_t errlen);
int vsd_attached_count(struct vsd *d);

/* loop.c */
int vsd_run(struct vsd *d);
int vsd_epoll_add(struct vsd *d, int fd, __u32 events, __u64 tag);

/* events.c */
int events_open(struct vsd *d);
void events_close(struct vsd *d);
void events_consume(struct vsd *d);
/* Pending owners, dirty processes, lost events: once per tick. */
void events_tick(struct vsd *d, __u64 now_ms);
/* A tracked process exited (its pidfd became readable). */
void events_pidfd(struct vsd *d, __u32 tgid);
/* scan's hook: give a new process a pidfd in the epoll set. */
void events_watch_proc(void *ctx, struct proc *p);

/* notify.c */
void notify_init(struct vsd *d);
void notify_ready(struct vsd *d);
void notify_reloading(void);
void notify_stopping(void);
/* STATUS= when it changed (or always with force), WATCHDOG=1 when due. */
void notify_tick(struct vsd *d, __u64 now_ms, bool force);
void notify_status_text(struct vsd *d, char *buf, size_t len);

/* requests.c: one control request, one reply (never NULL unless ENOMEM). */
struct ctl_req;
json_t *requests_handle(struct vsd *d, const struct ctl_req *req,
			const struct ctl_peer *peer);

#endif /* VSOCKD_H */
