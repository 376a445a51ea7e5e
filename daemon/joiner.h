/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Join-late: established sockets that could use the fast path now (their
 * file went non-blocking, an accepted socket got its first non-blocking
 * read) are queued by the kernel side (vs_joinq) with a VS_EV_JOIN event;
 * the joiner runs the vsock_join iterator in their network namespace,
 * which takes them into the sockhash. Its heartbeat in vs_meta tells the
 * kernel side not to guess an accepted socket's mode from its listener. */
#ifndef VSOCKD_JOINER_H
#define VSOCKD_JOINER_H

#include <linux/types.h>
#include "loader.h"

struct joiner;

/* Link the iterator and start beating; own_netns is the daemon's network
 * namespace (no thread needed there). NULL with errno on failure. */
struct joiner *joiner_open(struct vs_loader *ld, __u64 own_netns);
/* Stop beating (accepted sockets are predicted again), unlink. */
void joiner_close(struct joiner *j);
/* A VS_EV_JOIN event: tgid used a queued socket; its namespace is due. */
void joiner_note(struct joiner *j, __u32 tgid, __u64 now_ms);
/* Run the iterator in every namespace that is due. */
void joiner_run(struct joiner *j);
/* Heartbeat, and forget namespaces without events for a while. A socket
 * that stays queued (its peer not ready, unread TCP bytes) is offered again
 * by the kernel side when that changes: no polling here. */
void joiner_tick(struct joiner *j, __u64 now_ms);

#endif /* VSOCKD_JOINER_H */
