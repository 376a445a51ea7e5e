/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What an epoll event is about: epoll_event.data.u64 holds a kind in the
 * high 32 bits and an index or a tgid in the low ones. */
#ifndef VSOCKD_TAGS_H
#define VSOCKD_TAGS_H

#include <linux/types.h>

enum vsd_tag {
	TAG_SIGNAL = 1,	/* the loop's own two */
	TAG_TIMER,
	TAG_RING,
	TAG_LISTEN,
	TAG_CLIENT,
	TAG_PIDFD,
	TAG_PROXY_LISTEN,	/* low: listener index (proxy.c) */
	TAG_PROXY_DIAL,		/* low: pending client slot (proxy.c) */
	TAG_RELAY,	/* relay legs and the relay's timer: low is the fd */
	TAG_MAX
};
#define VSD_TAG(kind, low)	((__u64)(kind) << 32 | (__u32)(low))
#define VSD_TAG_KIND(t)		((unsigned int)((t) >> 32))
#define VSD_TAG_LOW(t)		((__u32)(t))

#endif /* VSOCKD_TAGS_H */
