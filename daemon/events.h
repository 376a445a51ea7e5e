/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Socket events from the ring buffer vs_events, and what they lead to: the
 * processes to refresh at the next tick, the owners of accepted sockets,
 * rescans when events were lost, pidfds of tracked processes. */
#ifndef VSOCKD_EVENTS_H
#define VSOCKD_EVENTS_H

#include <stdbool.h>
#include <linux/types.h>
#include "loop.h"
#include "scan.h"
#include "u64map.h"

struct joiner;
struct proxy;
struct pending;
struct ring_buffer;

struct events {
	/* what events_open() was given */
	struct loop *loop;
	struct scan *scan;		/* also the loader and the tables */
	struct joiner *join;		/* NULL without join-late */
	struct proxy *proxy;		/* NULL without the service proxy */
	unsigned int rescan_interval;	/* seconds; 0: only on lost events */

	struct ring_buffer *rb;
	struct u64map dirty;		/* pid → 1: refresh at the next tick */
	struct u64map listeners;	/* (netns cookie, port) → listening tgid */
	struct u64map listener_keys;	/* listener cookie → its listeners key */
	struct u64map served;		/* tgid → ms its netns was last looked up */
	struct pending *pend;
	unsigned int npend;
	struct u64map pend_gone;	/* cookies released since the last pass
					 * over pend: dropped without a lookup */
	__u64 events;			/* received */
	__u64 events_bad;		/* records of an unexpected size */
	__u64 events_lost;		/* the kernel's count, last seen */
	bool need_rescan;
	__u64 next_rescan_ms;
	__u64 next_stats_ms;
	__u64 next_refresh_ms;		/* dirty processes wait until then */
};

/* Empty maps, nothing open: events_close() is safe from here on. */
void events_init(struct events *ev);
/* Read vs_events from the loop, give new processes a pidfd in it, and
 * switch the hooks' events on. */
int events_open(struct events *ev, struct loop *l, struct scan *s, struct joiner *j,
		unsigned int rescan_interval);
void events_close(struct events *ev);
/* The first full rescan: losses before it are history. */
void events_first_scan(struct events *ev);
/* Pending owners, dirty processes, lost events: once per tick. */
void events_tick(struct events *ev, __u64 now_ms);
/* A new rescan interval (reload), counted from now; rescan at the next tick
 * if asked. */
void events_reschedule(struct events *ev, unsigned int rescan_interval, bool rescan);

#endif /* VSOCKD_EVENTS_H */
