/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The one event loop: an epoll set, a signalfd (SIGHUP, SIGTERM, SIGINT)
 * and a periodic timer. It knows no module: each registers a handler for
 * its kind of tag (tags.h) and adds its descriptors; whoever opens the
 * loop says what a tick and a SIGHUP do. */
#ifndef VSOCKD_LOOP_H
#define VSOCKD_LOOP_H

#include <stdbool.h>
#include <linux/types.h>
#include "tags.h"

/* low: the tag's low 32 bits; events: epoll's */
typedef void (*loop_fd_fn)(void *ctx, __u32 low, __u32 events);
typedef void (*loop_tick_fn)(void *ctx, __u64 now_ms);
typedef void (*loop_signal_fn)(void *ctx);

struct loop_handler {
	loop_fd_fn fn;
	void *ctx;
};

struct loop {
	int epfd, sigfd, timerfd;
	bool stop;
	struct loop_handler on_fd[TAG_MAX];
	loop_tick_fn on_tick;
	loop_signal_fn on_hup;
	void *ctx;			/* of on_tick and on_hup */
};

/* No descriptors (-1) and no handlers: loop_close() is safe from here on. */
void loop_init(struct loop *l);
/* Block the signals, create the descriptors, start the timer (every
 * tick_ms: on_tick); SIGPIPE is ignored, SIGHUP calls on_hup. */
int loop_open(struct loop *l, unsigned int tick_ms, loop_tick_fn on_tick,
	      loop_signal_fn on_hup, void *ctx);
void loop_close(struct loop *l);
/* fd's events go to the handler of tag's kind. */
int loop_add(struct loop *l, int fd, __u32 events, __u64 tag);
/* fd leaves the set while it stays open (it changes hands). */
/* Change what fd is watched for. */
int loop_mod(struct loop *l, int fd, __u32 events, __u64 tag);
int loop_del(struct loop *l, int fd);
void loop_handle(struct loop *l, enum vsd_tag kind, loop_fd_fn fn, void *ctx);
/* Wait up to timeout_ms (-1: forever) and dispatch what came: the number
 * of events, or -errno when epoll fails (a test's or an embedder's loop). */
int loop_run_once(struct loop *l, int timeout_ms);
/* Until SIGTERM or SIGINT: 0, or -errno when epoll fails. */
int loop_run(struct loop *l);

#endif /* VSOCKD_LOOP_H */
