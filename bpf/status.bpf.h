/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The status of a socket-table entry (enum vs_status, abi.h) and the event
 * that publishes it. A new entry is born with its first status
 * (vsock_create: UNCONNECTED; an entry sockops creates at establishment:
 * CONNECTED); every later change goes through vs_set_status(), which holds
 * the rules below and publishes the change. docs/architecture.md, "The ten
 * statuses", names the kernel event behind each. */
#ifndef VSOCK_STATUS_BPF_H
#define VSOCK_STATUS_BPF_H

#include "common.bpf.h"

/* vs_set_status() flags. */
#define VS_STF_IN_TASK	(1u << 0)	/* the hook runs in the syscall of the
					 * socket's process (vs_emit) */
#define VS_STF_ANNOUNCE	(1u << 1)	/* publish the event even when the status
					 * does not move: the hook's own news (an
					 * address bound, a connection classified,
					 * the process closed it) */

/* Whether an entry may go from status old to status new. */
static __always_inline bool vs_status_allowed(__u8 old, __u8 new)
{
	if (old == VS_ST_TERMINATED)
		return false;	/* the process closed it: later TCP states do not revive it */
	switch (new) {
	case VS_ST_UNCONNECTED:
		return false;	/* only a new entry starts there (sock_create) */
	case VS_ST_BOUND:
		return old == VS_ST_UNCONNECTED;	/* bind() after connect/listen adds nothing */
	case VS_ST_SENDING:
	case VS_ST_RECEIVING:
		return false;	/* no honest kernel signal (abi.h): never set */
	case VS_ST_LISTENING:
	case VS_ST_CONNECTING:
	case VS_ST_CONNECTED:
	case VS_ST_SHUTDOWN:
	case VS_ST_DISCONNECTED:
		return true;	/* the TCP state machine drives these, in any order */
	case VS_ST_TERMINATED:
		return true;	/* close() may come in any state */
	default:
		return false;	/* not a status */
	}
}

/* The event that publishes an entry reaching status (0: none; UNCONNECTED
 * is published at birth, as VS_EV_CREATED). */
static __always_inline __u8 vs_status_event(__u8 status)
{
	switch (status) {
	case VS_ST_BOUND:	return VS_EV_BOUND;
	case VS_ST_LISTENING:	return VS_EV_LISTENING;
	case VS_ST_CONNECTING:	return VS_EV_CONNECTING;
	case VS_ST_CONNECTED:	return VS_EV_CONNECTED;
	case VS_ST_SHUTDOWN:	return VS_EV_SHUTDOWN;
	case VS_ST_DISCONNECTED: return VS_EV_DISCONNECTED;
	case VS_ST_TERMINATED:	return VS_EV_TERMINATED;
	default:		return 0;
	}
}

/* Move e to status if the rules allow it, and publish the change (with
 * VS_STF_ANNOUNCE, publish the event of status in any case). */
static __always_inline void vs_set_status(struct vs_sock_entry *e, __u8 status,
					  __u32 flags)
{
	__u8 old = e->status, ev;

	if (old != status && vs_status_allowed(old, status))
		e->status = status;
	if (e->status == old && !(flags & VS_STF_ANNOUNCE))
		return;
	ev = vs_status_event(status);
	if (ev)
		vs_emit(ev, e->cookie, e, flags & VS_STF_IN_TASK);
}

/* Follow the TCP state machine (sockops): the TCP state itself, whether
 * the kernel still keeps the socket in a sockmap, and the status it maps
 * to (vs_status_from_tcp_state, policy.h). */
static __always_inline void vs_set_tcp_state(struct vs_sock_entry *e,
					     __u8 tcp_state, __u32 flags)
{
	e->tcp_state = tcp_state;
	if (tcp_state == VS_TCP_CLOSE || tcp_state == VS_TCP_TIME_WAIT)
		e->in_sockhash = 0;	/* the kernel unhashes it from every sockmap */
	vs_set_status(e, vs_status_from_tcp_state(tcp_state), flags);
}

#endif /* VSOCK_STATUS_BPF_H */
