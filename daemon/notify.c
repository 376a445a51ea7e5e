// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* systemd notifications (sd_notify). Outside systemd ($NOTIFY_SOCKET
 * unset) every call is a no-op, so the daemon runs the same either way. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-daemon.h>
#include "log.h"
#include "vsockd.h"

void notify_init(struct vsd *d)
{
	uint64_t usec = 0;

	/* 0 keeps $WATCHDOG_USEC for a restarted child; we do not fork */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		d->watchdog_us = usec;
		pr_debug("watchdog every %llu us", (unsigned long long)usec);
	}
}

void notify_status_text(struct vsd *d, char *buf, size_t len)
{
	int n = vsd_attached_count(d);

	snprintf(buf, len, "attached %d cgroup%s; %u socket%s tracked "
		 "(%u handles in %u processes); %llu events lost%s",
		 n < 0 ? 0 : n, n == 1 ? "" : "s",
		 (unsigned int)d->scan.cookie2ino.n, d->scan.cookie2ino.n == 1 ? "" : "s",
		 proctbl_nhandles(d->tbl), proctbl_nprocs(d->tbl),
		 (unsigned long long)d->events_lost,
		 d->last_reload_error[0] ? "; last reload failed" : "");
}

static void send_status(struct vsd *d, bool force)
{
	char buf[sizeof(d->status)];

	notify_status_text(d, buf, sizeof(buf));
	if (!force && !strcmp(buf, d->status))
		return;
	memcpy(d->status, buf, sizeof(buf));
	sd_notifyf(0, "STATUS=%s", buf);
}

void notify_ready(struct vsd *d)
{
	send_status(d, true);
	sd_notify(0, "READY=1");
}

void notify_reloading(void)
{
	struct timespec ts;

	/* MONOTONIC_USEC lets systemd match the READY=1 that ends the reload */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)ts.tv_sec * 1000000ull + ts.tv_nsec / 1000);
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void notify_tick(struct vsd *d, __u64 now_ms, bool force)
{
	if (d->watchdog_us && now_ms >= d->next_watchdog_ms) {
		sd_notify(0, "WATCHDOG=1");
		d->next_watchdog_ms = now_ms + d->watchdog_us / 2000;
	}
	send_status(d, force);
}
