/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* systemd notifications (sd_notify). Outside systemd ($NOTIFY_SOCKET
 * unset) every call is a no-op, so the daemon runs the same either way.
 * The caller writes the status line (status.h); this module only sends it. */
#ifndef VSOCKD_NOTIFY_H
#define VSOCKD_NOTIFY_H

#include <stdbool.h>
#include <linux/types.h>

#define NOTIFY_STATUS_LEN	256

struct notify {
	__u64 watchdog_us;		/* 0: no watchdog */
	__u64 next_watchdog_ms;
	char status[NOTIFY_STATUS_LEN];	/* last STATUS= sent */
};

/* The watchdog period, if the unit asks for one. */
void notify_init(struct notify *n);
/* STATUS=status, then READY=1 (start-up done, or a reload ended). */
void notify_ready(struct notify *n, const char *status);
void notify_reloading(void);
void notify_stopping(void);
/* STATUS= when it changed, WATCHDOG=1 when due. */
void notify_tick(struct notify *n, __u64 now_ms, const char *status);

#endif /* VSOCKD_NOTIFY_H */
