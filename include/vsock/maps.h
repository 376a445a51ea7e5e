/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Every map of bpf/maps.bpf.h as userspace names it: one line each, from
 * which the loader generates enum vs_map_id, the pin names and the key
 * sizes. BPF keeps its own definitions; tests/bpf/test_load.c checks that
 * this list equals the maps of the loaded objects, so the two cannot drift. */
#ifndef VSOCK_MAPS_H
#define VSOCK_MAPS_H

#include "abi.h"
#include "svc.h"
#include "rules.h"

/* X(ID, name, key size in bytes (0: no keys), sized by max_socks) */
#define VS_MAPS(X)							\
	X(SOCKS,     vs_socks,     sizeof(struct vs_sock_key), 1)	\
	X(SOCKTBL,   vs_socktbl,   sizeof(__u64),              1)	\
	X(SKSTATE,   vs_skstate,   sizeof(int),                0)	\
	X(RXSTATE,   vs_rxstate,   sizeof(struct vs_sock_key), 1)	\
	X(INFLIGHT,  vs_inflight,  sizeof(__u64),              0)	\
	X(RXSEQ,     vs_rxseq,     sizeof(__u64),              1)	\
	X(JOINQ,     vs_joinq,     sizeof(struct vs_sock_key), 0)	\
	X(TRACKED,   vs_tracked,   sizeof(struct vs_sock_key), 1)	\
	X(LISTENERS, vs_listeners, 16, /* vs_listen_key */     0)	\
	X(EVENTS,    vs_events,    0,  /* ring buffer */       0)	\
	X(CGCFG,     vs_cgcfg,     sizeof(__u64),              0)	\
	X(STATS,     vs_stats,     sizeof(__u32),              0)	\
	X(COVERAGE,  vs_coverage,  sizeof(__u32),              0)	\
	X(META,      vs_meta,      sizeof(__u32),              0)	\
	X(SVC,       vs_svc,       sizeof(struct vs_svc_key),  0)	\
	X(BACKENDS,  vs_backends,  sizeof(struct vs_backend_key), 0)	\
	X(SVC_SK,    vs_svc_sk,    sizeof(int),                0)	\
	X(PROXY_LISTEN, vs_proxy_listen, sizeof(__u64),        0)	\
	X(PROXY_ORIG, vs_proxy_orig, sizeof(struct vs_sock_key), 1)	\
	X(RELAY_SH,  vs_relay_sh,  sizeof(__u64),              1)	\
	X(RELAY_TGT, vs_relay_tgt, sizeof(__u64),              1)	\
	X(RELAY,     vs_relay,     sizeof(__u64),              1)	\
	X(RELAY_SK,  vs_relay_sk,  sizeof(int),                0)	\
	X(RELAY_CTR, vs_relay_ctr, sizeof(__u32),              0)	\
	X(CTL,       vs_ctl,       sizeof(__u32),              0)	\
	X(RULES,     vs_rules,     sizeof(__u32),              0)	\
	X(RULE_HITS, vs_rule_hits, sizeof(__u32),              0)	\
	X(CGALLOW,   vs_cgallow,   sizeof(struct vs_cg_pair),  0)

#endif /* VSOCK_MAPS_H */
