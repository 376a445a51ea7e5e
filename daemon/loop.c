// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The one event loop: ring buffer, signals, control socket, process exits
 * and a housekeeping timer, all in one epoll set. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include "clock.h"
#include "log.h"
#include "loop.h"

void loop_init(struct loop *l)
{
	memset(l, 0, sizeof(*l));
	l->epfd = l->sigfd = l->timerfd = -1;
}

int loop_add(struct loop *l, int fd, __u32 events, __u64 tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int loop_mod(struct loop *l, int fd, __u32 events, __u64 tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

int loop_del(struct loop *l, int fd)
{
	return epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL) ? -errno : 0;
}

void loop_handle(struct loop *l, enum vsd_tag kind, loop_fd_fn fn, void *ctx)
{
	l->on_fd[kind].fn = fn;
	l->on_fd[kind].ctx = ctx;
}

int loop_open(struct loop *l, unsigned int tick_ms, loop_tick_fn on_tick,
	      loop_signal_fn on_hup, void *ctx)
{
	struct itimerspec its = {
		.it_interval = { 0, tick_ms * 1000000L },
		.it_value = { 0, tick_ms * 1000000L },
	};
	sigset_t set;
	int r;

	l->on_tick = on_tick;
	l->on_hup = on_hup;
	l->ctx = ctx;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	l->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->epfd < 0 || l->sigfd < 0 || l->timerfd < 0)
		return -errno;
	if (timerfd_settime(l->timerfd, 0, &its, NULL))
		return -errno;
	r = loop_add(l, l->sigfd, EPOLLIN, VSD_TAG(TAG_SIGNAL, 0));
	if (!r)
		r = loop_add(l, l->timerfd, EPOLLIN, VSD_TAG(TAG_TIMER, 0));
	return r;
}

void loop_close(struct loop *l)
{
	if (l->timerfd >= 0)
		close(l->timerfd);
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = l->sigfd = l->timerfd = -1;
}

static void on_signal(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			l->on_hup(l->ctx);
			break;
		case SIGTERM:
		case SIGINT:
			pr_info("%s: stopping (pins and attached cgroups stay)",
				strsignal((int)si.ssi_signo));
			l->stop = true;
			break;
		}
	}
}

static void on_timer(struct loop *l)
{
	__u64 ticks, now = clock_now_ms();

	if (read(l->timerfd, &ticks, sizeof(ticks)) < 0)
		return;
	l->on_tick(l->ctx, now);
}

static void dispatch(struct loop *l, const struct epoll_event *ev)
{
	__u64 tag = ev->data.u64;
	unsigned int kind = VSD_TAG_KIND(tag);

	if (kind == TAG_SIGNAL)
		on_signal(l);
	else if (kind == TAG_TIMER)
		on_timer(l);
	else if (kind < TAG_MAX && l->on_fd[kind].fn)
		l->on_fd[kind].fn(l->on_fd[kind].ctx, VSD_TAG_LOW(tag), ev->events);
}

int loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event evs[32];
	int n, i;

	n = epoll_wait(l->epfd, evs, 32, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n && !l->stop; i++)
		dispatch(l, &evs[i]);
	return n;
}

int loop_run(struct loop *l)
{
	int n;

	while (!l->stop) {
		n = loop_run_once(l, -1);
		if (n < 0) {
			pr_err("epoll_wait: %s", strerror(-n));
			return n;
		}
	}
	return 0;
}
