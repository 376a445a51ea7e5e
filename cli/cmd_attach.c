// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* attach, detach and unload: the commands that change what is loaded. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include "cmd.h"

/* "64K", "4M", "1G" or plain bytes; at least 64 KiB: below that a single
 * write would already pass to TCP and the fast path would never be used. */
static int parse_bytes(const char *s, __u64 *out)
{
	static const struct { char c; int shift; } units[] = {
		{ 'K', 10 }, { 'M', 20 }, { 'G', 30 },
	};
	char num[32];
	size_t n = strlen(s), i;
	int shift = 0;

	if (!n || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n + 1);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (num[n - 1] == units[i].c || num[n - 1] == units[i].c + 32) {
			shift = units[i].shift;
			num[n - 1] = '\0';
		}
	if (arg_u64(num, 1, (1ull << 40) >> shift, out))
		return -EINVAL;
	*out <<= shift;
	return *out >= (64u << 10) ? 0 : -ERANGE;
}

int do_attach(struct ctl *ctl, int argc, char **argv)
{
	struct vs_loader *ld = NULL;
	struct vs_err e = { "" };
	__u64 max_queued = 0;
	struct out_row *r;
	const char *cg;
	int err;

	if (argc == 4 && !strcmp(argv[2], "max_queued")) {
		if (parse_bytes(argv[3], &max_queued))
			return ctl_errf(ctl, -EINVAL,
					"attach: max_queued '%s': expected bytes from 64K to 1T (suffix K, M or G)",
					argv[3]);
		argc = 2;
	}
	err = arg_one(ctl, "attach", "CGROUP", argc, argv, &cg);
	if (err)
		return err;
	/* a bad path must not leave programs loaded behind it */
	err = loader_check_cgroup(cg, &e);
	if (err)
		return ctl_loader_err(ctl, err, &e);
	ctl->max_queued = max_queued;
	err = ctl_open(ctl, &ld, true);
	if (err)
		return err;
	err = loader_attach(ld, cg, &e);
	if (err < 0) {
		ctl_loader_err(ctl, err, &e);
		if (loader_created(ld)) {
			struct vs_loader_opts o;
			struct vs_err ignored;

			loader_close(ld);
			ld = NULL;
			ctl_loader_opts(ctl, &o);
			loader_unload(&o, true, 0, &ignored);
		}
		goto out;
	}
	/* attach is idempotent: a second attach is a success that changed nothing */
	if (err == 1)
		out_textf(&ctl->doc, "%s: already attached", cg);
	else
		out_textf(&ctl->doc, "attached %s", cg);
	r = out_record(&ctl->doc, NULL, NULL);
	out_str(r, NULL, "cgroup", cg);
	out_bool(r, NULL, "attached", true);
	out_bool(r, NULL, "changed", err == 0);
	err = 0;
	if (max_queued && (err = loader_set_max_queued(ld, max_queued)))
		ctl_errf(ctl, err, "set max_queued: %s", strerror(-err));
out:
	loader_close(ld);
	return err;
}

int do_detach(struct ctl *ctl, int argc, char **argv)
{
	struct vs_loader *ld = NULL;
	struct vs_err e = { "" };
	struct out_row *r;
	const char *cg;
	int err;

	err = arg_one(ctl, "detach", "CGROUP", argc, argv, &cg);
	if (err)
		return err;
	err = ctl_open(ctl, &ld, false);
	if (err)
		return err;
	err = loader_detach(ld, cg, &e);
	if (err == -ENOENT && !e.msg[0]) {
		ctl_errf(ctl, err, "%s: not attached", cg);
		goto out;
	}
	if (err) {
		ctl_loader_err(ctl, err, &e);
		goto out;
	}
	out_textf(&ctl->doc, "detached %s", cg);
	r = out_record(&ctl->doc, NULL, NULL);
	out_str(r, NULL, "cgroup", cg);
	out_bool(r, NULL, "detached", true);
out:
	loader_close(ld);
	return err;
}

struct unload_args {
	bool force;
	int wait_ms;
};

static int parse_wait(struct ctl *ctl, const char *s, int *wait_ms)
{
	__u64 v;

	if (!s)
		return ctl_errf(ctl, -EINVAL, "unload: '--wait' needs a value");
	if (arg_u64(s, 0, INT_MAX / 1000, &v))
		return ctl_errf(ctl, -EINVAL,
				"unload: invalid --wait '%s': expected seconds (0..%d)",
				s, INT_MAX / 1000);
	*wait_ms = (int)v * 1000;
	return 0;
}

static int parse_unload(struct ctl *ctl, int argc, char **argv,
			struct unload_args *a)
{
	int i, err;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--force")) {
			a->force = true;
		} else if (!strcmp(argv[i], "--wait")) {
			err = parse_wait(ctl, i + 1 < argc ? argv[i + 1] : NULL,
					 &a->wait_ms);
			if (err)
				return err;
			i++;
		} else if (!strncmp(argv[i], "--wait=", 7)) {
			err = parse_wait(ctl, argv[i] + 7, &a->wait_ms);
			if (err)
				return err;
		} else {
			return ctl_errf(ctl, -EINVAL,
					"unload: unknown argument '%s'; see 'vsockctl help unload'",
					argv[i]);
		}
	}
	return 0;
}

int do_unload(struct ctl *ctl, int argc, char **argv)
{
	struct vs_loader_opts o;
	struct vs_err e = { "" };
	struct unload_args a;
	struct out_row *r;
	int err;

	err = parse_unload(ctl, argc, argv, &a);
	if (err)
		return err;
	ctl_loader_opts(ctl, &o);
	err = loader_unload(&o, a.force, a.wait_ms, &e);
	if (err == -ENOENT && !e.msg[0])
		return ctl_errf(ctl, err, "vsock is not loaded");
	if (err == -EBUSY && !e.msg[0])
		return ctl_errf(ctl, err,
				"sockets are still accelerated; use --wait SECONDS or --force");
	if (err)
		return ctl_loader_err(ctl, err, &e);
	out_textf(&ctl->doc, "unloaded %s", loader_pin_root(&o));
	r = out_record(&ctl->doc, NULL, NULL);
	out_str(r, NULL, "pin_root", loader_pin_root(&o));
	out_bool(r, NULL, "unloaded", true);
	return 0;
}
