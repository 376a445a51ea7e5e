// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The one event loop: ring buffer, signals, control socket, process exits
 * and a housekeeping timer, all in one epoll set. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include "log.h"
#include "vsockd.h"

__u64 vsd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vsd_epoll_add(struct vsd *d, int fd, __u32 events, __u64 tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static void on_signal(struct vsd *d)
{
	struct signalfd_siginfo si;
	char err[CFG_ERR_LEN];

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			vsd_reload(d, err, sizeof(err));
			break;
		case SIGTERM:
		case SIGINT:
			pr_info("%s: stopping (pins and attached cgroups stay)",
				strsignal((int)si.ssi_signo));
			d->stop = true;
			break;
		}
	}
}

static void on_timer(struct vsd *d)
{
	__u64 ticks, now = vsd_now_ms();

	if (read(d->timerfd, &ticks, sizeof(ticks)) < 0)
		return;
	events_consume(d);	/* the programs wake us only for joins */
	events_tick(d, now);
	joiner_tick(d->join, now);
	ctlsrv_tick(&d->srv, now);
	notify_tick(d, now, false);
}

static void dispatch(struct vsd *d, const struct epoll_event *ev)
{
	__u64 tag = ev->data.u64;

	switch (VSD_TAG_KIND(tag)) {
	case TAG_SIGNAL:
		on_signal(d);
		break;
	case TAG_TIMER:
		on_timer(d);
		break;
	case TAG_RING:
		events_consume(d);
		break;
	case TAG_LISTEN:
		ctlsrv_accept(&d->srv, vsd_now_ms());
		break;
	case TAG_CLIENT:
		ctlsrv_client_event(&d->srv, VSD_TAG_LOW(tag), ev->events, vsd_now_ms());
		break;
	case TAG_PIDFD:
		events_pidfd(d, VSD_TAG_LOW(tag));
		break;
	}
}

int vsd_run(struct vsd *d)
{
	struct epoll_event evs[32];
	int n, i;

	while (!d->stop) {
		n = epoll_wait(d->epfd, evs, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (i = 0; i < n && !d->stop; i++)
			dispatch(d, &evs[i]);
	}
	return 0;
}
