// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* stats --prometheus: each backend of each virtual service (vs_backends),
 * labelled by service, mode and backend address. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "svcrule.h"
#include "cmd.h"

struct metric {
	const char *name, *type, *help;
};

static const struct metric metrics[] = {
	{ "vsock_backend_connections_total", "counter",
	  "Connects steered to the backend (direct) or dialled to it by vsockd's proxy" },
	{ "vsock_backend_failures_total", "counter",
	  "Of them, refused or timed out" },
	{ "vsock_backend_up", "gauge",
	  "1 while the backend takes connects, 0 during its cool-down after failures" },
	{ "vsock_backend_active", "gauge",
	  "Proxy mode: connections vsockd relays to the backend now" },
	{ "vsock_backend_bytes_total", "counter",
	  "Proxy mode: bytes of closed relayed connections, by direction" },
};

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
			switch (m) {
			case 0: out_textf(doc, "%s{%s} %llu", metrics[m].name, lbl,
					  (unsigned long long)b->conns); break;
			case 1: out_textf(doc, "%s{%s} %llu", metrics[m].name, lbl,
					  (unsigned long long)b->failures); break;
			case 2: out_textf(doc, "%s{%s} %d", metrics[m].name, lbl,
					  vs_backend_usable(b, now)); break;
			case 3: out_textf(doc, "%s{%s} %llu", metrics[m].name, lbl,
					  (unsigned long long)b->active); break;
			default:
				out_textf(doc, "%s{%s,direction=\"to_backend\"} %llu", metrics[m].name,
					  lbl, (unsigned long long)b->bytes[0]);
				out_textf(doc, "%s{%s,direction=\"to_client\"} %llu", metrics[m].name,
					  lbl, (unsigned long long)b->bytes[1]);
			}
		}
	}
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
	for (m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++)
		emit(&ctl->doc, m, v, n, now);
	free(v);
	return 0;
}
