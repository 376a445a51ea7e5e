// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tune: show or change the fast-path policy of the loaded programs (the
 * thresholds docs/architecture.md explains). They live in vs_meta and apply
 * from the next message of every connection; nothing is reloaded. */
#include <errno.h>
#include <string.h>
#include "cmd.h"
#include "fmt.h"

struct tune_args {
	__u64 max_queued;	/* 0: unchanged */
	__u64 small_run;	/* TUNE_KEEP: unchanged, 0: off */
	__u64 busy_poll;	/* idem */
};

#define TUNE_KEEP (~0ull)

/* N in [1, max], or "off" (0). */
static int parse_count(const char *s, __u64 max, __u64 *out)
{
	if (!strcmp(s, "off")) {
		*out = 0;
		return 0;
	}
	return arg_u64(s, 1, max, out);
}

static int parse_tune(struct ctl *ctl, int argc, char **argv, struct tune_args *a)
{
	int i;

	a->max_queued = 0;
	a->small_run = a->busy_poll = TUNE_KEEP;
	for (i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return ctl_errf(ctl, -EINVAL, "tune: '%s' needs a value", k);
		if (!strcmp(k, "max_queued")) {
			if (arg_bytes(v, &a->max_queued))
				return ctl_errf(ctl, -EINVAL,
						"tune: max_queued '%s': expected bytes from 64K to 1T (suffix K, M or G)",
						v);
		} else if (!strcmp(k, "small_run")) {
			if (parse_count(v, 1u << 30, &a->small_run))
				return ctl_errf(ctl, -EINVAL,
						"tune: small_run '%s': expected a count from 1 to 1073741824, or off",
						v);
		} else if (!strcmp(k, "busy_poll")) {
			if (parse_count(v, VS_SPIN_MSGS_MAX, &a->busy_poll))
				return ctl_errf(ctl, -EINVAL,
						"tune: busy_poll '%s': expected a count from 1 to %u, or off",
						v, VS_SPIN_MSGS_MAX);
		} else {
			return ctl_errf(ctl, -EINVAL,
					"tune: unknown setting '%s' (max_queued, small_run, busy_poll)", k);
		}
	}
	return 0;
}

static int apply(struct ctl *ctl, struct vs_loader *ld, const struct tune_args *a)
{
	int err = 0;

	if (a->max_queued && (err = loader_set_max_queued(ld, a->max_queued)))
		return ctl_errf(ctl, err, "set max_queued: %s", strerror(-err));
	if (a->small_run != TUNE_KEEP && (err = loader_set_small_run(ld, a->small_run)))
		return ctl_errf(ctl, err, "set small_run: %s", strerror(-err));
	if (a->busy_poll != TUNE_KEEP && (err = loader_set_spin_msgs(ld, a->busy_poll)))
		return ctl_errf(ctl, err, "set busy_poll: %s", strerror(-err));
	return 0;
}

static void show_count(struct out_row *r, const char *col, const char *key, __u32 n)
{
	char buf[24];

	if (n) {
		snprintf(buf, sizeof(buf), "%u", n);
		out_num(r, col, key, n, buf);
	} else {
		out_num(r, col, key, 0, "off");
	}
}

int do_tune(struct ctl *ctl, int argc, char **argv)
{
	struct vs_loader *ld = NULL;
	struct tune_args a;
	struct vs_meta m;
	struct out_row *r;
	char buf[32];
	int err;

	err = parse_tune(ctl, argc, argv, &a);
	if (err)
		return err;
	err = ctl_open(ctl, &ld, false);
	if (err)
		return err;
	err = apply(ctl, ld, &a);
	if (!err && (err = loader_read_meta(ld, &m)))
		ctl_errf(ctl, err, "read map %s: %s", loader_map_name(VS_MAP_META),
			 strerror(-err));
	loader_close(ld);
	if (err)
		return err;
	r = out_record(&ctl->doc, NULL, NULL);
	out_num(r, "max_queued", "max_queued", m.max_queued,
		fmt_bytes(buf, sizeof(buf), m.max_queued));
	show_count(r, "small_run", "small_run", m.small_run);
	show_count(r, "busy_poll", "busy_poll", m.spin_msgs);
	return 0;
}
