/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Virtual services (issue 12): the rules and per-socket records the
 * connect/getpeername hooks (bpf/vsock_svc.bpf.c) and sockops share with
 * userspace (vsockctl proxy, vsockd's [proxy] section). Plain C types;
 * addresses are canonical like the fast path's keys: IPv6, or IPv4-mapped
 * ::ffff:a.b.c.d, network byte order; ports in host byte order. */
#ifndef VSOCK_SVC_H
#define VSOCK_SVC_H

#include "abi.h"

/* SO_MARK of vsockd's own dialing sockets: the connect hooks never rewrite
 * a socket that carries it, and sockops keeps it off the sockhash. */
#define VS_PROXY_MARK 0x7673636bu	/* "vsck" */

#define VS_SVC_MAX 1024			/* services (entries of vs_svc) */
#define VS_SVC_MAX_BACKENDS 16		/* backends of one service */
/* A backend that failed this many connects in a row is down for
 * VS_SVC_DOWN_NS, then tried again (one more failure: down again). */
#define VS_SVC_FAIL_MAX 3
#define VS_SVC_DOWN_NS (10ull * 1000 * 1000 * 1000)
/* vs_svc_sk.slot of a socket steered to vsockd's proxy: no backend yet */
#define VS_SVC_NO_SLOT 0xffffffffu

enum vs_svc_mode {
	VS_SVC_DIRECT = 1,	/* connect rewritten to a backend */
	VS_SVC_PROXY = 2,	/* connect rewritten to vsockd's proxy listener */
};

/* Key of vs_svc: the service address a client connects to. */
struct vs_svc_key {
	__u8  ip[16];		/* IPv6 or IPv4-mapped, network byte order */
	__u16 port;		/* host byte order */
	__u16 pad;		/* always 0: part of the hashed key */
	__u32 pad2;		/* always 0 */
};

/* A service (map vs_svc). Its backends are vs_backends {id, 0..nbackends-1};
 * a replacement writes them under a new id first, then this entry. */
struct vs_svc {
	__u32 id;		/* 1.., unique among services */
	__u8  mode;		/* enum vs_svc_mode */
	__u8  nbackends;	/* 1..VS_SVC_MAX_BACKENDS */
	__u16 flags;		/* none defined yet, 0 */
	__u32 rr;		/* round-robin cursor: connects so far */
	__u32 pad;
};

/* Key of vs_backends. */
struct vs_backend_key {
	__u32 svc_id;
	__u32 slot;		/* 0..nbackends-1 */
};

/* A backend (map vs_backends): where it is, its health and its counters. */
struct vs_backend {
	struct vs_addr addr;	/* canonical address, host-order port */
	__u64 down_until_ns;	/* CLOCK_MONOTONIC; 0 or past: usable */
	__u64 conns;		/* connects steered to it */
	__u64 failures;		/* of them, refused or timed out */
	__u32 consec_fail;	/* failures in a row (an established one resets) */
	__u32 pad;
	/* proxy mode only (vsockd's relay; a direct connection's bytes are its
	 * sockets' own, in the socket table) */
	__u64 active;		/* relayed connections open now */
	__u64 bytes[2];		/* relayed, closed connections: [0] client to
				 * backend, [1] backend to client */
};

/* Per client socket (SK_STORAGE vs_svc_sk), written by the connect hook:
 * getpeername answers with svc, sockops counts the backend's health. */
struct vs_svc_sk {
	struct vs_addr svc;	/* the service address the client asked for */
	struct vs_addr dst;	/* where the hook sent it (backend or proxy):
				 * the record holds only while that is the peer */
	__u32 svc_id;
	__u32 slot;		/* backend slot, VS_SVC_NO_SLOT in proxy mode */
	__u8  mode;		/* enum vs_svc_mode */
	__u8  pad[7];
};

/* vsockd's proxy listener in one network namespace (vs_proxy_listen,
 * keyed by netns cookie). */
struct vs_proxy_listen {
	struct vs_addr addr;	/* 127.0.0.1 (IPv4-mapped): v4 clients, and v6
				 * ones asking for a v4-mapped service */
	struct vs_addr addr6;	/* ::1, for v6 clients asking for a v6 service
				 * (an IPV6_V6ONLY socket reaches nothing
				 * else); port 0: none (IPv6 off there) */
};

/* The original destination of a proxied client (vs_proxy_orig, keyed by
 * the client's struct vs_sock_key). vsockd looks it up with the reversed
 * key of the socket it accepted. */
struct vs_proxy_orig {
	struct vs_addr svc;	/* service address the client asked for */
	__u32 svc_id;
	__u32 pad;
	__u64 client_cookie;	/* SO_COOKIE of the client socket */
};

/* Whether a canonical address is IPv4 (::ffff:a.b.c.d). */
static inline int vs_ip_is_v4(const __u8 ip[16])
{
	int i;

	for (i = 0; i < 10; i++)
		if (ip[i])
			return 0;
	return ip[10] == 0xff && ip[11] == 0xff;
}

/* Whether the slot's backend may take a connect now (up, or its cool-down
 * is over). */
static inline int vs_backend_usable(const struct vs_backend *b, __u64 now_ns)
{
	return !b->down_until_ns || now_ns >= b->down_until_ns;
}

/* A connect failed: count it; the VS_SVC_FAIL_MAXth in a row (and each one
 * after a cool-down) takes the backend down. Returns 1 when it went down. */
static inline int vs_backend_failed(struct vs_backend *b, __u64 now_ns)
{
	b->failures++;
	if (b->consec_fail < 0xffffffffu)
		b->consec_fail++;
	if (b->consec_fail < VS_SVC_FAIL_MAX)
		return 0;
	b->down_until_ns = now_ns + VS_SVC_DOWN_NS;
	return 1;
}

/* A connect was established: the backend is healthy. */
static inline void vs_backend_ok(struct vs_backend *b)
{
	if (b->consec_fail)
		b->consec_fail = 0;
	if (b->down_until_ns)
		b->down_until_ns = 0;
}

#ifndef __bpf__
/* A rule as an operator declares it (vsockctl proxy add, vsockd's [proxy]
 * section), parsed by lib/svcrule.c, written by loader_svc_add(). */
struct vs_svc_rule {
	struct vs_addr svc;
	__u8 mode;		/* enum vs_svc_mode */
	int nbackends;
	struct vs_addr backends[VS_SVC_MAX_BACKENDS];
};

_Static_assert(sizeof(struct vs_svc_key) == 24, "vs_svc_key ABI");
_Static_assert(sizeof(struct vs_svc) == 16, "vs_svc ABI");
_Static_assert(sizeof(struct vs_backend_key) == 8, "vs_backend_key ABI");
_Static_assert(sizeof(struct vs_backend) == 80, "vs_backend ABI");
_Static_assert(sizeof(struct vs_svc_sk) == 64, "vs_svc_sk ABI");
_Static_assert(sizeof(struct vs_proxy_listen) == 48, "vs_proxy_listen ABI");
_Static_assert(sizeof(struct vs_proxy_orig) == 40, "vs_proxy_orig ABI");
#endif

#endif /* VSOCK_SVC_H */
