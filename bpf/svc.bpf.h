/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The sockops side of virtual services (vsock_svc.bpf.c rewrites the
 * connect): a backend's health from its connects, and proxied sockets kept
 * off the sockhash. A socket that is no client of a service pays one
 * sk_storage lookup at connect and one at establishment; the passive end
 * one hash lookup (vs_proxy_orig). */
#ifndef VSOCK_SVC_BPF_H
#define VSOCK_SVC_BPF_H

#include "common.bpf.h"

static __always_inline bool vs_ip_eq(const __u8 a[16], const __u8 b[16])
{
	__u64 a0, a1, b0, b1;

	__builtin_memcpy(&a0, a, 8);
	__builtin_memcpy(&a1, a + 8, 8);
	__builtin_memcpy(&b0, b, 8);
	__builtin_memcpy(&b1, b + 8, 8);
	return a0 == b0 && a1 == b1;
}

static __always_inline struct vs_svc_sk *vs_svc_rec(struct bpf_sock *sk)
{
	return bpf_sk_storage_get(&vs_svc_sk, sk, 0, 0);
}

static __always_inline struct vs_backend *vs_svc_backend(const struct vs_svc_sk *rec)
{
	struct vs_backend_key k = { .svc_id = rec->svc_id, .slot = rec->slot };

	if (rec->mode != VS_SVC_DIRECT)
		return NULL;	/* the proxy listener is no backend */
	return bpf_map_lookup_elem(&vs_backends, &k);
}

/* TCP_CONNECT_CB: a client of a service follows its state from the SYN on,
 * so that a refused or timed-out connect (SYN_SENT -> CLOSE) is seen. A
 * record left from an earlier connect to a service goes. */
static __always_inline void vs_svc_on_connect(struct bpf_sock_ops *ops)
{
	struct bpf_sock *sk = ops->sk;
	struct vs_svc_sk *rec;
	__u8 ip[16];

	if (!sk || !(rec = vs_svc_rec(sk)))
		return;
	if (ops->family == VS_AF_INET) {
		vs_ip_from_v4(ip, ops->remote_ip4);
	} else {
		__u32 r6[4] = { ops->remote_ip6[0], ops->remote_ip6[1],
				ops->remote_ip6[2], ops->remote_ip6[3] };

		vs_ip_from_v6(ip, r6);
	}
	if (!vs_ip_eq(ip, rec->dst.ip) ||
	    vs_remote_port(ops->remote_port) != rec->dst.port) {
		bpf_sk_storage_delete(&vs_svc_sk, sk);
		return;
	}
	bpf_sock_ops_cb_flags_set(ops, ops->bpf_sock_ops_cb_flags |
				  BPF_SOCK_OPS_STATE_CB_FLAG);
}

/* STATE_CB SYN_SENT -> CLOSE with an error (refused: ECONNREFUSED, timed
 * out: ETIMEDOUT; a close() by the application before the handshake sets
 * none and counts nothing). */
static __always_inline void vs_svc_on_close(struct bpf_sock_ops *ops)
{
	struct bpf_sock *sk = ops->sk;
	struct vs_svc_sk *rec;
	struct vs_backend *b;
	struct tcp_sock *tp;

	if (!sk || !(rec = vs_svc_rec(sk)) || !(tp = bpf_skc_to_tcp_sock(sk)) ||
	    !vs_sk(tp)->sk_err)
		return;
	b = vs_svc_backend(rec);
	vs_count(VS_C_SVC_BACKEND_FAIL, 1);
	if (b && vs_backend_failed(b, bpf_ktime_get_ns()))
		vs_count(VS_C_SVC_BACKEND_DOWN, 1);
}

/* ACTIVE_ESTABLISHED: the backend answered. Returns the record (NULL: no
 * client of a service). */
static __always_inline struct vs_svc_sk *vs_svc_on_active(struct bpf_sock *sk)
{
	struct vs_svc_sk *rec = vs_svc_rec(sk);
	struct vs_backend *b;

	if (!rec)
		return NULL;
	vs_count(VS_C_SVC_BACKEND_OK, 1);
	b = vs_svc_backend(rec);
	if (b)
		vs_backend_ok(b);
	return rec;
}

/* Whether an established socket belongs to a proxied connection: a client
 * steered to vsockd's proxy, one of vsockd's marked sockets, or the end
 * vsockd accepted (its peer has an original destination). None of them may
 * enter the sockhash: the relay owns their bytes, and a fast-path socket
 * costs tcp_bpf on every send. */
static __always_inline bool vs_svc_proxied(struct bpf_sock *sk,
					   const struct vs_svc_sk *rec,
					   const struct vs_sock_key *peer, bool active)
{
	if (rec && rec->mode == VS_SVC_PROXY)
		return true;
	if (sk->mark == VS_PROXY_MARK)
		return true;
	return !active && bpf_map_lookup_elem(&vs_proxy_orig, peer);
}

/* For vsockd: the original destination of a proxied client, by its key. */
static __always_inline bool vs_svc_record_orig(const struct vs_svc_sk *rec,
					       const struct vs_sock_key *key,
					       __u64 cookie)
{
	struct vs_proxy_orig o = {
		.svc = rec->svc,
		.svc_id = rec->svc_id,
		.client_cookie = cookie,
	};

	return !bpf_map_update_elem(&vs_proxy_orig, key, &o, BPF_ANY);
}

#endif /* VSOCK_SVC_BPF_H */
