// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The proxy's and the relay's counters as JSON (proxy_status.h). */
#include "proxy.h"
#include "proxy_status.h"
#include "relay.h"

void proxy_status_add(json_t *r, const struct proxy *p, struct relay *rl)
{
	struct proxy_stats ps;
	struct relay_stats rs;

	if (!p || !rl) {
		json_object_set_new(r, "proxy", json_null());
		return;
	}
	proxy_stats(p, &ps);
	relay_stats(rl, &rs);
	json_object_set_new(r, "proxy", json_pack(
		"{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:i,"
		" s:I, s:I, s:I, s:[I,I], s:[I,I], s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"listeners", (int)ps.listeners,
		"accepted", (json_int_t)ps.accepted,
		"no_destination", (json_int_t)ps.no_destination,
		"no_backend", (json_int_t)ps.no_backend,
		"dial_failures", (json_int_t)ps.dial_failures,
		"pending_full", (json_int_t)ps.pending_full,
		"paired", (json_int_t)ps.paired,
		"pending", (int)ps.pending,
		"relay_pairs", (json_int_t)rs.pairs,
		"relay_active", (json_int_t)rs.active,
		"relay_refused", (json_int_t)rs.refused,
		"kernel_bytes", (json_int_t)rs.c.kernel_bytes[0], (json_int_t)rs.c.kernel_bytes[1],
		"copied_bytes", (json_int_t)rs.c.copied_bytes[0], (json_int_t)rs.c.copied_bytes[1],
		"switches", (json_int_t)rs.c.switches,
		"half_closes", (json_int_t)rs.c.half_closes,
		"resets", (json_int_t)rs.c.resets,
		"relay_adopted", (json_int_t)rs.adopted,
		"relay_adopt_failed", (json_int_t)rs.adopt_failed,
		"relay_keep_failed", (json_int_t)rs.keep_failed,
		"relay_adopted_ring_bytes", (json_int_t)rs.adopted_ring_bytes));
}
