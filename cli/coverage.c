// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Coverage: what the connected sockets of attached cgroups did, by the
 * reason each shows (none: on the fast path), closed and live together,
 * with what would let those off the fast path join it. Shown by status and
 * stats, as a table, JSON or Prometheus gauges. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "vsock/names.h"
#include "cmd.h"
#include "fmt.h"

int coverage_read(struct ctl *ctl, struct vs_loader *ld, struct vs_coverage rows[VS_R_MAX])
{
	int err = loader_read_coverage(ld, rows);

	if (err)
		return ctl_errf(ctl, err, "read map %s: %s", loader_map_name(VS_MAP_COVERAGE),
				strerror(-err));
	return 0;
}

static void coverage_row(struct ctl *ctl, struct out_sect *t, const char *reason,
			 const struct vs_coverage *c, const char *join)
{
	struct out_row *r = out_row_add(&ctl->doc, t);
	__u64 all = c->redir_bytes + c->pass_bytes;
	char b[32], pct[16];

	out_str(r, "Reason", "reason", reason);
	out_num(r, "Sockets", "sockets", c->sockets, NULL);
	out_num(r, "Joined", "joined", c->joined, NULL);
	out_num(r, "Fast path", "redirected_bytes", c->redir_bytes,
		fmt_bytes(b, sizeof(b), c->redir_bytes));
	out_num(r, "TCP", "passed_bytes", c->pass_bytes, fmt_bytes(b, sizeof(b), c->pass_bytes));
	if (all)
		snprintf(pct, sizeof(pct), "%.1f%%", 100.0 * c->redir_bytes / all);
	else
		snprintf(pct, sizeof(pct), "-");
	out_cell(r, "Fast %", pct, true);
	if (join)
		out_str(r, "To join", "to_join", join);
	else
		out_null(r, "To join", "to_join");
}

void coverage_table(struct ctl *ctl, const struct vs_coverage rows[VS_R_MAX])
{
	static const char *const cols[] = {
		"Reason", "Sockets", "Joined", "Fast path", "TCP", "Fast %", "To join", NULL
	};
	struct vs_coverage all = { 0 };
	struct out_sect *t;
	unsigned int i;

	t = out_table(&ctl->doc, "coverage",
		      "Coverage: connected sockets by the reason they show, bytes they sent", cols);
	for (i = 0; i < VS_R_MAX; i++) {
		if (!rows[i].sockets)
			continue;
		coverage_row(ctl, t, vs_reason_name(i), &rows[i], vs_reason_join(i));
		all.sockets += rows[i].sockets;
		all.joined += rows[i].joined;
		all.redir_bytes += rows[i].redir_bytes;
		all.pass_bytes += rows[i].pass_bytes;
	}
	coverage_row(ctl, t, "all", &all, NULL);
}

/* Gauges: a live socket moves between reasons, and leaves the live count
 * for the closed one at the end. */
void coverage_prometheus(struct out_doc *doc, const struct vs_coverage rows[VS_R_MAX])
{
	static const struct {
		const char *name, *help;
		size_t off;
	} g[] = {
		{ "sockets", "Connected sockets of attached cgroups, by the reason they show "
		  "(none: on the fast path)", offsetof(struct vs_coverage, sockets) },
		{ "joined", "Of them, sockets that were in the sockhash",
		  offsetof(struct vs_coverage, joined) },
		{ "redirected_bytes", "Bytes they sent through the fast path",
		  offsetof(struct vs_coverage, redir_bytes) },
		{ "passed_bytes", "Bytes they sent through TCP",
		  offsetof(struct vs_coverage, pass_bytes) },
	};
	unsigned int i, r;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		out_textf(doc, "# HELP vsock_coverage_%s %s", g[i].name, g[i].help);
		out_textf(doc, "# TYPE vsock_coverage_%s gauge", g[i].name);
		for (r = 0; r < VS_R_MAX; r++)
			out_textf(doc, "vsock_coverage_%s{reason=\"%s\"} %llu", g[i].name,
				  vs_reason_name(r),
				  *(const unsigned long long *)((const char *)&rows[r] + g[i].off));
	}
}
