// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* stats: the fast-path counters and the coverage, as a record or as
 * Prometheus text. */
#include <errno.h>
#include <string.h>
#include "vsock/names.h"
#include "cmd.h"

/* Text shows the counters that moved; JSON shows all, so a script can
 * read any of them without knowing it might be absent. */
void stats_counters(struct ctl *ctl, const __u64 c[VS_C_MAX], bool all,
			 const char *key, const char *title)
{
	struct out_row *r = out_record(&ctl->doc, key, title);
	unsigned int i;

	for (i = 0; i < VS_C_MAX; i++) {
		bool show = all || c[i] || ctl->mode != OUT_TEXT;

		out_num(r, show ? vs_counter_name(i) : NULL, vs_counter_name(i),
			c[i], NULL);
	}
}

void stats_prometheus(struct out_doc *doc, const __u64 c[VS_C_MAX])
{
	unsigned int i;

	doc->text_only = true;
	for (i = 0; i < VS_C_MAX; i++) {
		out_textf(doc, "# HELP vsock_%s_total %s", vs_counter_name(i),
			  vs_counter_text(i));
		out_textf(doc, "# TYPE vsock_%s_total counter", vs_counter_name(i));
		out_textf(doc, "vsock_%s_total %llu", vs_counter_name(i),
			  (unsigned long long)c[i]);
	}
}

int do_stats(struct ctl *ctl, int argc, char **argv)
{
	struct vs_coverage cov[VS_R_MAX];
	struct vs_loader *ld = NULL;
	struct stats_args a;
	__u64 c[VS_C_MAX];
	bool prom;
	int err;

	err = stats_parse(ctl, argc, argv, &a);
	if (err)
		return err;
	prom = a.prometheus;
	err = ctl_open(ctl, &ld, false);
	if (err)
		return err;
	err = loader_read_stats(ld, c);
	if (err) {
		ctl_errf(ctl, err, "read map %s: %s", loader_map_name(VS_MAP_STATS),
			 strerror(-err));
		goto out;
	}
	err = coverage_read(ctl, ld, cov);
	if (err)
		goto out;
	if (prom) {
		stats_prometheus(&ctl->doc, c);
		coverage_prometheus(&ctl->doc, cov);
		err = svc_prometheus(ctl, ld);
	} else {
		stats_counters(ctl, c, true, NULL, NULL);
		coverage_table(ctl, cov);
	}
out:
	loader_close(ld);
	return err;
}
