/* PLACEHOLDER until svc-direct lands: replaced by that branch's header. */
#ifndef VSOCK_SVC_H
#define VSOCK_SVC_H
#include <linux/types.h>
#include "abi.h"
#define VS_PROXY_MARK 0x76736f63
#define VS_SVC_MAX_BACKENDS 64
enum vs_svc_mode { VS_SVC_DIRECT = 1, VS_SVC_PROXY = 2 };
struct vs_svc_key { __u8 ip[16]; __u16 port; __u16 pad; };
struct vs_svc { __u32 id; __u8 mode; __u8 pad; __u16 nbackends; __u32 rr; __u32 flags; };
struct vs_backend_key { __u32 svc_id; __u32 slot; };
struct vs_backend { __u8 ip[16]; __u16 port; __u8 healthy; __u8 pad; __u32 fails; __u64 down_until_ns; __u64 connections; __u64 failures; };
struct vs_proxy_listener { __u8 ip4[16]; __u16 port4; __u16 port6; __u32 pad; __u8 ip6[16]; };
struct vs_proxy_orig { __u8 ip[16]; __u16 port; __u16 pad; __u32 svc_id; __u64 client_cookie; };
static inline void vs_backend_note(struct vs_backend *b, int ok, __u64 now)
{
	if (ok) { b->fails = 0; b->down_until_ns = 0; b->connections++; return; }
	b->failures++;
	if (++b->fails >= 3) b->down_until_ns = now + 10000000000ull;
}
#endif
