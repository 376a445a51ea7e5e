// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* stats --prometheus, the slow path: each backend of each virtual service
 * (vs_backends), labelled by service, mode and backend address, and the
 * relay's verdict counters (vs_relay_ctr, pinned: they count across
 * vsockd's restarts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "svcrule.h"
#include "cmd.h"

struct metric {
	const char *name, *type, *help;
};

enum { M_CONNS, M_FAILURES, M_UP, M_ACTIVE, M_BYTES, M_COUNT };

static const struct metric metrics[M_COUNT] = {
	[M_CONNS] = { "vsock_backend_connections_total", "counter",
		"Connects steered to the backend (direct) or dialled to it by vsockd's proxy" },
	[M_FAILURES] = { "vsock_backend_failures_total", "counter",
		"Of them, refused or timed out" },
	[M_UP] = { "vsock_backend_up", "gauge",
		"1 while the backend takes connects, 0 during its cool-down after failures" },
	[M_ACTIVE] = { "vsock_backend_active", "gauge",
		"Proxy mode: connections vsockd relays to the backend now" },
	[M_BYTES] = { "vsock_backend_bytes_total", "counter",
		"Proxy mode: bytes of closed relayed connections, by direction" },
};

/* The value of metric m for a backend (M_BYTES: direction dir). */
static __u64 value(unsigned int m, const struct vs_backend *b, __u64 now, int dir)
{
	switch (m) {
	case M_CONNS:		return b->conns;
	case M_FAILURES:	return b->failures;
	case M_UP:		return vs_backend_usable(b, now);
	case M_ACTIVE:		return b->active;
	default:		return b->bytes[dir];
	}
}

/* One metric for every backend of every service. */
static void emit(struct out_doc *doc, unsigned int m, const struct vs_svc_info *v, int n,
		 __u64 now)
{
	char svc[SVC_ADDR_STRLEN], be[SVC_ADDR_STRLEN], lbl[3 * SVC_ADDR_STRLEN];
	int i, j;

	out_textf(doc, "# HELP %s %s", metrics[m].name, metrics[m].help);
	out_textf(doc, "# TYPE %s %s", metrics[m].name, metrics[m].type);
	for (i = 0; i < n; i++) {
		struct vs_addr a = { .port = v[i].key.port };

		memcpy(a.ip, v[i].key.ip, 16);
		svc_addr_str(&a, svc, sizeof(svc));
		for (j = 0; j < v[i].nbackends; j++) {
			const struct vs_backend *b = &v[i].backends[j];

			snprintf(lbl, sizeof(lbl), "service=\"%s\",mode=\"%s\",backend=\"%s\"", svc,
				 svc_mode_name(v[i].svc.mode),
				 svc_addr_str(&b->addr, be, sizeof(be)));
			if (m != M_BYTES) {
				out_textf(doc, "%s{%s} %llu", metrics[m].name, lbl,
					  (unsigned long long)value(m, b, now, 0));
				continue;
			}
			out_textf(doc, "%s{%s,direction=\"to_backend\"} %llu", metrics[m].name,
				  lbl, (unsigned long long)value(m, b, now, 0));
			out_textf(doc, "%s{%s,direction=\"to_client\"} %llu", metrics[m].name,
				  lbl, (unsigned long long)value(m, b, now, 1));
		}
	}
}

/* The relay's verdict: where relayed bytes went and why directions left
 * the kernel. */
static void relay_prometheus(struct out_doc *doc, struct vs_loader *ld)
{
	static const struct { unsigned int idx; const char *reason; } why[] = {
		{ VS_RC_TO_COPY_BOUND, "bound" },
		{ VS_RC_TO_COPY_NO_PEER, "peer_gone" },
		{ VS_RC_TO_COPY_REDIRECT, "redirect_refused" },
	};
	__u64 c[VS_RC_MAX];
	unsigned int i;

	if (loader_read_relay_counters(ld, c))
		return;
	out_textf(doc, "# HELP vsock_relay_bytes_total Bytes of proxy-mode connections: "
		  "moved by the kernel, or passed to vsockd to copy");
	out_textf(doc, "# TYPE vsock_relay_bytes_total counter");
	out_textf(doc, "vsock_relay_bytes_total{path=\"kernel\"} %llu",
		  (unsigned long long)c[VS_RC_REDIR_BYTES]);
	out_textf(doc, "vsock_relay_bytes_total{path=\"vsockd\"} %llu",
		  (unsigned long long)c[VS_RC_PASS_BYTES]);
	out_textf(doc, "# HELP vsock_relay_copy_switches_total Relayed directions that left "
		  "the kernel for vsockd's copy, by reason");
	out_textf(doc, "# TYPE vsock_relay_copy_switches_total counter");
	for (i = 0; i < sizeof(why) / sizeof(why[0]); i++)
		out_textf(doc, "vsock_relay_copy_switches_total{reason=\"%s\"} %llu",
			  why[i].reason, (unsigned long long)c[why[i].idx]);
}

int svc_prometheus(struct ctl *ctl, struct vs_loader *ld)
{
	struct vs_svc_info *v = NULL;
	struct vs_err e = { "" };
	__u64 now = clock_now_ns(CLOCK_MONOTONIC);	/* the cool-down's clock */
	unsigned int m;
	int n = loader_svc_list(ld, &v, &e);

	if (n < 0)
		return ctl_errf(ctl, n, "proxy services: %s", e.msg);
	for (m = 0; m < M_COUNT; m++)
		emit(&ctl->doc, m, v, n, now);
	free(v);
	relay_prometheus(&ctl->doc, ld);
	return 0;
}
