// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* systemd notifications (sd_notify): READY, STATUS, WATCHDOG, RELOADING,
 * STOPPING. */
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include "clock.h"
#include "log.h"
#include "notify.h"

void notify_init(struct notify *n)
{
	uint64_t usec = 0;

	/* 0 keeps $WATCHDOG_USEC for a restarted child; we do not fork */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		n->watchdog_us = usec;
		pr_debug("watchdog every %llu us", (unsigned long long)usec);
	}
}

static void send_status(struct notify *n, const char *status, bool force)
{
	char buf[sizeof(n->status)];

	snprintf(buf, sizeof(buf), "%s", status);
	if (!force && !strcmp(buf, n->status))
		return;
	memcpy(n->status, buf, sizeof(buf));
	sd_notifyf(0, "STATUS=%s", buf);
}

void notify_ready(struct notify *n, const char *status)
{
	send_status(n, status, true);
	sd_notify(0, "READY=1");
}

void notify_reloading(void)
{
	/* MONOTONIC_USEC lets systemd match the READY=1 that ends the reload */
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)clock_now_us(CLOCK_MONOTONIC));
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void notify_tick(struct notify *n, __u64 now_ms, const char *status)
{
	if (n->watchdog_us && now_ms >= n->next_watchdog_ms) {
		sd_notify(0, "WATCHDOG=1");
		n->next_watchdog_ms = now_ms + n->watchdog_us / 2000;
	}
	send_status(n, status, false);
}
