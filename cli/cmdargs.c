// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vsockctl's arguments, parsed with no side effect (cmdargs.h). The
 * commands in cmd_*.c call these before they open anything. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vsock/names.h"
#include "cmd.h"
#include "svcrule.h"

static const struct option long_opts[] = {
	{ "json",     no_argument,       NULL, 'j' },
	{ "pretty",   no_argument,       NULL, 'p' },
	{ "debug",    no_argument,       NULL, 'd' },
	{ "version",  no_argument,       NULL, 'V' },
	{ "help",     no_argument,       NULL, 'h' },
	{ "pin-root", required_argument, NULL, 'R' },
	{ NULL, 0, NULL, 0 },
};

int ctl_parse_global(struct ctl *ctl, int argc, char **argv, const char **implied)
{
	int c;

	optind = 0;	/* a full rescan, also when called again (tests, fuzz) */
	opterr = 0;	/* our own messages, in the one-line format */
	/* '+': options end at the command; its own flags are its business */
	while ((c = getopt_long(argc, argv, "+:jpdVh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (ctl->mode == OUT_TEXT)
				ctl->mode = OUT_JSON;
			break;
		case 'p':
			ctl->mode = OUT_PRETTY;
			break;
		case 'd':
			ctl->debug = true;
			break;
		case 'V':
			*implied = "version";
			break;
		case 'h':
			*implied = "help";
			break;
		case 'R':
			if (!optarg[0])
				return ctl_errf(ctl, -EINVAL, "option '--pin-root' needs a path");
			ctl->pin_root = optarg;
			break;
		case ':':
			return ctl_errf(ctl, -EINVAL, "option '%s' needs a value",
					argv[optind - 1]);
		default:
			if (optopt)
				return ctl_errf(ctl, -EINVAL,
						"unknown option '-%c'; see 'vsockctl help'",
						optopt);
			return ctl_errf(ctl, -EINVAL,
					"unknown option '%s'; see 'vsockctl help'",
					argv[optind - 1]);
		}
	}
	if (!ctl->pin_root)
		ctl->pin_root = getenv("VSOCK_PIN_ROOT");
	return optind;
}

int attach_parse(struct ctl *ctl, int argc, char **argv, struct attach_args *a)
{
	int i, err;

	memset(a, 0, sizeof(*a));
	for (i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--secure")) {
			a->secure = true;
			continue;
		}
		if (strcmp(o, "max_queued") && strcmp(o, "--allow-cgroup"))
			return ctl_errf(ctl, -EINVAL, o[0] == '-' ?
					"attach: unknown option '%s'; see 'vsockctl help attach'" :
					"attach: unexpected argument '%s'; see 'vsockctl help attach'", o);
		if (!v || !v[0])
			return ctl_errf(ctl, -EINVAL, "attach: '%s' needs a value", o);
		i++;
		if (o[0] == 'm' && (err = arg_max_queued(ctl, "attach", v, &a->max_queued)))
			return err;
		if (o[0] == '-' && a->nallow == VS_SECURE_ALLOW_MAX)
			return ctl_errf(ctl, -EINVAL, "attach: too many --allow-cgroup (at most %d)",
					VS_SECURE_ALLOW_MAX);
		if (o[0] == '-')
			a->allow[a->nallow++] = v;
	}
	if (a->nallow && !a->secure)
		return ctl_errf(ctl, -EINVAL, "attach: --allow-cgroup needs --secure");
	return arg_one(ctl, "attach", "CGROUP", argc < 2 ? argc : 2, argv, &a->cgroup);
}

int stats_parse(struct ctl *ctl, int argc, char **argv, struct stats_args *a)
{
	int i;

	a->prometheus = false;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--prometheus"))
			return ctl_errf(ctl, -EINVAL,
					"stats: unknown argument '%s'; see 'vsockctl help stats'",
					argv[i]);
		a->prometheus = true;
	}
	if (a->prometheus && ctl->mode != OUT_TEXT)
		return ctl_errf(ctl, -EINVAL, "stats: --prometheus and -j/--json exclude each other");
	return 0;
}

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

int unload_parse(struct ctl *ctl, int argc, char **argv, struct unload_args *a)
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

/* A count in [1, max], or "off" (0). */
static int parse_count(const char *s, __u64 max, __u64 *out)
{
	if (!strcmp(s, "off")) {
		*out = 0;
		return 0;
	}
	return arg_u64(s, 1, max, out);
}

int tune_parse(struct ctl *ctl, int argc, char **argv, struct tune_args *a)
{
	const struct vs_tunable *t;
	char names[128] = "";
	int i, id, err;

	for (id = 0; id < VS_TUNE_COUNT; id++)
		a->v[id] = TUNE_KEEP;
	for (i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return ctl_errf(ctl, -EINVAL, "tune: '%s' needs a value", k);
		id = vs_tunable_find(k);
		t = vs_tunable(id);
		if (id == VS_TUNE_MAX_QUEUED) {
			if ((err = arg_max_queued(ctl, "tune", v, &a->v[id])))
				return err;
		} else if (t) {
			if (parse_count(v, t->max, &a->v[id]))
				return ctl_errf(ctl, -EINVAL,
						"tune: %s '%s': expected a count from 1 to %llu, or off",
						k, v, (unsigned long long)t->max);
		} else {
			for (id = 0; id < VS_TUNE_COUNT; id++)
				snprintf(names + strlen(names), sizeof(names) - strlen(names),
					 "%s%s", id ? ", " : "", vs_tunable(id)->name);
			return ctl_errf(ctl, -EINVAL, "tune: unknown setting '%s' (%s)", k,
					names);
		}
	}
	return 0;
}

int upgrade_parse(struct ctl *ctl, int argc, char **argv, struct upgrade_args *a)
{
	__u64 v;
	int i;

	memset(a, 0, sizeof(*a));
	a->wait_ms = 30000;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run")) {
			a->flags |= LOADER_UPGRADE_DRY_RUN;
		} else if (!strcmp(argv[i], "--force")) {
			a->flags |= LOADER_UPGRADE_FORCE;
		} else if (!strcmp(argv[i], "--migrate")) {
			a->migrate = true;
		} else if (!strcmp(argv[i], "--wait")) {
			if (i + 1 == argc || arg_u64(argv[++i], 0, 3600, &v))
				return ctl_errf(ctl, -EINVAL,
						"upgrade: --wait needs seconds (0..3600)");
			a->wait_ms = (int)v * 1000;
		} else
			return ctl_errf(ctl, -EINVAL,
					"upgrade: unknown argument '%s'; see 'vsockctl help upgrade'",
					argv[i]);
	}
	return 0;
}

int handles_parse(struct ctl *ctl, int argc, char **argv, __u64 *pid)
{
	*pid = 0;
	if (argc > 2)
		return ctl_errf(ctl, -EINVAL, "handles: unexpected argument '%s'; see 'vsockctl help handles'",
				argv[2]);
	if (argc == 2 && arg_u64(argv[1], 1, INT_MAX, pid))
		return ctl_errf(ctl, -EINVAL, "handles: invalid pid '%s': expected a positive integer",
				argv[1]);
	return 0;
}

int proxy_add_parse(struct ctl *ctl, int argc, char **argv, struct proxy_args *a)
{
	char err[SVC_ERR_LEN];
	bool have_svc = false, have_mode = false;
	int i;

	memset(a, 0, sizeof(*a));
	a->rule.mode = VS_SVC_DIRECT;
	for (i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--backend") || !strcmp(o, "--mode")) {
			if (!v)
				return ctl_errf(ctl, -EINVAL, "proxy add: '%s' needs a value", o);
			i++;
			if (o[2] == 'b' && svc_rule_add_backend(&a->rule, v, err, sizeof(err)))
				return ctl_errf(ctl, -EINVAL, "proxy add: %s", err);
			if (o[2] == 'm') {
				if (have_mode)
					return ctl_errf(ctl, -EINVAL, "proxy add: --mode given twice");
				have_mode = true;
				if (svc_parse_mode(v, &a->rule.mode, err, sizeof(err)))
					return ctl_errf(ctl, -EINVAL, "proxy add: %s", err);
			}
		} else if (!strcmp(o, "--replace")) {
			a->replace = true;
		} else if (o[0] == '-') {
			return ctl_errf(ctl, -EINVAL,
					"proxy add: unknown option '%s'; see 'vsockctl proxy -h'", o);
		} else if (have_svc) {
			return ctl_errf(ctl, -EINVAL, "proxy add: unexpected argument '%s'", o);
		} else {
			have_svc = true;
			if (svc_parse_addr(o, &a->rule.svc, err, sizeof(err)))
				return ctl_errf(ctl, -EINVAL, "proxy add: service %s", err);
		}
	}
	if (!have_svc)
		return ctl_errf(ctl, -EINVAL, "proxy add: missing SERVICE (ADDRESS:PORT)");
	if (!a->rule.nbackends)
		return ctl_errf(ctl, -EINVAL, "proxy add: missing --backend ADDRESS");
	if (svc_rule_check(&a->rule, err, sizeof(err)))
		return ctl_errf(ctl, -EINVAL, "proxy add: %s", err);
	return 0;
}

int proxy_del_parse(struct ctl *ctl, int argc, char **argv, struct vs_addr *svc)
{
	char err[SVC_ERR_LEN];

	if (argc != 3)
		return ctl_errf(ctl, -EINVAL, argc < 3 ? "proxy del: missing SERVICE (ADDRESS:PORT)"
					      : "proxy del: unexpected argument '%s'",
				argc > 3 ? argv[3] : "");
	if (svc_parse_addr(argv[2], svc, err, sizeof(err)))
		return ctl_errf(ctl, -EINVAL, "proxy del: service %s", err);
	return 0;
}

int proxy_list_parse(struct ctl *ctl, int argc, char **argv)
{
	if (argc > 2)
		return ctl_errf(ctl, -EINVAL, "proxy list: unexpected argument '%s'", argv[2]);
	return 0;
}

/* "unconnected, bound, ..." for the error message. */
static void status_list(char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < VS_ST_MAX && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
				vs_status_name(i));
}

static int parse_one(struct ctl *ctl, const char *name, const char *val,
		     struct sock_filter *f)
{
	char list[256];
	__u64 v;
	int st;

	if (!strcmp(name, "cgroup")) {
		if (f->cgroup)
			return ctl_errf(ctl, -EINVAL, "filter 'cgroup' given twice");
		if (!val[0])
			return ctl_errf(ctl, -EINVAL, "invalid cgroup '': expected a cgroup v2 directory");
		f->cgroup = val;
	} else if (!strcmp(name, "pid")) {
		if (f->pid)
			return ctl_errf(ctl, -EINVAL, "filter 'pid' given twice");
		if (arg_u64(val, 1, INT_MAX, &v))
			return ctl_errf(ctl, -EINVAL,
					"invalid pid '%s': expected a positive integer", val);
		f->pid = (__u32)v;
	} else if (!strcmp(name, "status")) {
		if (f->status >= 0)
			return ctl_errf(ctl, -EINVAL, "filter 'status' given twice");
		st = vs_status_parse(val);
		if (st < 0) {
			status_list(list, sizeof(list));
			return ctl_errf(ctl, -EINVAL,
					"invalid status '%s': expected one of %s", val, list);
		}
		f->status = st;
	} else {	/* port */
		if (f->port)
			return ctl_errf(ctl, -EINVAL, "filter 'port' given twice");
		if (arg_u64(val, 1, 65535, &v))
			return ctl_errf(ctl, -EINVAL,
					"invalid port '%s': expected 1..65535", val);
		f->port = (__u16)v;
	}
	return 0;
}

int sockets_parse_filter(struct ctl *ctl, int argc, char **argv,
			 struct sock_filter *f)
{
	static const char *const keys[] = { "cgroup", "pid", "status", "port" };
	unsigned int k;
	int i, err;

	memset(f, 0, sizeof(*f));
	f->status = -1;
	for (i = 1; i < argc; i++) {
		/* "all" is every socket, the default; kept for ss habits */
		if (!strcmp(argv[i], "all"))
			continue;
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(argv[i], keys[k]))
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			return ctl_errf(ctl, -EINVAL,
					"unknown filter '%s'; see 'vsockctl help sockets'",
					argv[i]);
		if (i + 1 >= argc)
			return ctl_errf(ctl, -EINVAL, "filter '%s' needs a value", argv[i]);
		err = parse_one(ctl, keys[k], argv[i + 1], f);
		if (err)
			return err;
		i++;
	}
	return 0;
}
