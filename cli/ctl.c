// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The command table, lookup by prefix, help, and the one place that turns
 * a command's result into output, an error line and an exit status. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cmd.h"
#include "jsonstr.h"

/* Each synopsis is a line of docs/vsockctl.8's SYNOPSIS, word for word
 * (tests/unit/test_cli_args.c compares them). */
const struct cmd cmd_table[] = {
	{ "attach",  do_attach,
	  "vsockctl [OPTIONS] attach CGROUP [max_queued BYTES] [--secure [--allow-cgroup CGROUP]...]" },
	{ "detach",  do_detach,  "vsockctl [OPTIONS] detach CGROUP" },
	{ "status",  do_status,  "vsockctl [OPTIONS] status" },
	{ "sockets", do_sockets,
	  "vsockctl [OPTIONS] sockets [cgroup PATH] [pid PID] [status NAME] [port PORT] [all]" },
	{ "stats",   do_stats,   "vsockctl [OPTIONS] stats [--prometheus]" },
	{ "unload",  do_unload,  "vsockctl [OPTIONS] unload [--force] [--wait SECONDS]" },
	{ "tune",    do_tune,
	  "vsockctl [OPTIONS] tune [max_queued BYTES] [small_run N|off] [busy_poll N|off]" },
	{ "handles", do_handles, "vsockctl [OPTIONS] handles [PID]" },
	{ "proxy",   do_proxy,
	  "vsockctl [OPTIONS] proxy { add SERVICE --backend ADDRESS [--backend ADDRESS]... "
	  "[--mode direct|proxy] [--replace] | del SERVICE | list }" },
	{ "upgrade", do_upgrade, "vsockctl [OPTIONS] upgrade [--dry-run] [--force] [--migrate [--wait SECONDS]]" },
	{ "policy",  do_policy,
	  "vsockctl [OPTIONS] policy { add allow|deny [port N|N-M] [cidr A/B] [cgroup PATH] "
	  "[uid U] [--priority P] | del ID | list }" },
	{ "enable",  do_enable,  "vsockctl [OPTIONS] enable [CGROUP]" },
	{ "disable", do_disable, "vsockctl [OPTIONS] disable [CGROUP]" },
	{ "version", do_version, "vsockctl [OPTIONS] version" },
	{ "help",    do_help,    "vsockctl [OPTIONS] help [COMMAND]" },
	{ NULL, NULL, NULL },
};

const char ctl_options_synopsis[] =
	"OPTIONS := { -j | --json | -p | --pretty | -d | --debug | "
	"--pin-root PATH | -V | --version | -h | --help }";

void ctl_init(struct ctl *ctl)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->out = stdout;
	ctl->errout = stderr;
	out_init(&ctl->doc);
}

void ctl_free(struct ctl *ctl)
{
	out_free(&ctl->doc);
}

int ctl_errf(struct ctl *ctl, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctl->err, sizeof(ctl->err), fmt, ap);
	va_end(ap);
	return err;
}

int ctl_loader_err(struct ctl *ctl, int err, const struct vs_err *e)
{
	/* as non-root, EPERM/EACCES says nothing about the object: say why */
	if ((err == -EPERM || err == -EACCES) && geteuid() != 0)
		return ctl_errf(ctl, err, "must run as root (CAP_BPF, CAP_NET_ADMIN)");
	if (e && e->msg[0])
		return ctl_errf(ctl, err, "%s", e->msg);
	return ctl_errf(ctl, err, "%s", strerror(-err));
}

void ctl_loader_opts(const struct ctl *ctl, struct vs_loader_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->pin_root = ctl->pin_root;
	o->max_queued = ctl->max_queued;
}

int ctl_open(struct ctl *ctl, struct vs_loader **ld, bool create)
{
	struct vs_loader_opts o;
	struct vs_err e = { "" };
	int err;

	*ld = NULL;
	ctl_loader_opts(ctl, &o);
	err = loader_open(ld, &o, create, &e);
	if (err == -ENOENT && !create && !e.msg[0])
		return ctl_errf(ctl, err, "vsock is not loaded");
	if (err)
		return ctl_loader_err(ctl, err, &e);
	return 0;
}

static int libbpf_print_all(enum libbpf_print_level level, const char *fmt,
			    va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_print_none(enum libbpf_print_level level, const char *fmt,
			     va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

void ctl_libbpf_print(bool debug)
{
	/* quiet by default: the preflight's feature probes fail by design */
	libbpf_set_print(debug ? libbpf_print_all : libbpf_print_none);
}

/* Exact name first, then a prefix shared by one command only: "att" is
 * attach, "st" could be status or stats and is refused. */
const struct cmd *cmd_find(struct ctl *ctl, const char *name)
{
	const struct cmd *c, *found = NULL;
	char list[256] = "";
	size_t len = strlen(name), off = 0;
	int n = 0;

	for (c = cmd_table; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	for (c = cmd_table; len && c->name; c++) {
		if (strncmp(c->name, name, len))
			continue;
		found = c;
		n++;
		if (off < sizeof(list))
			off += snprintf(list + off, sizeof(list) - off, "%s%s",
					off ? ", " : "", c->name);
	}
	if (n == 1)
		return found;
	if (n > 1)
		ctl_errf(ctl, -EINVAL, "ambiguous command '%s' (%s); see 'vsockctl help'",
			 name, list);
	else
		ctl_errf(ctl, -EINVAL, "unknown command '%s'; see 'vsockctl help'", name);
	return NULL;
}

bool arg_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int cmd_verb_dispatch(struct ctl *ctl, const struct cmd_verb *verbs, int argc, char **argv)
{
	char list[128] = "";
	size_t n = 0;
	int i;

	for (i = 0; argc > 1 && verbs[i].name; i++)
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].func(ctl, argc, argv);
	for (i = 0; verbs[i].name; i++)
		n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s",
				      i ? ", " : "", verbs[i].name);
	if (argc < 2) {
		/* "add, del or list" */
		char *last = strrchr(list, ',');

		if (last)
			return ctl_errf(ctl, -EINVAL, "%s: missing %.*s or%s; see 'vsockctl %s -h'",
					argv[0], (int)(last - list), list, last + 1, argv[0]);
		return ctl_errf(ctl, -EINVAL, "%s: missing %s; see 'vsockctl %s -h'", argv[0], list,
				argv[0]);
	}
	return ctl_errf(ctl, -EINVAL, "%s: unknown verb '%s' (%s)", argv[0], argv[1], list);
}

/* Commands whose synopsis line needs more words under COMMAND -h. */
static const struct {
	cmd_fn func;
	const char *text;
} more_help[] = {
	{ do_proxy, proxy_help },
	{ do_upgrade, upgrade_help },
	{ do_policy, policy_help },
};

static void help_one(struct ctl *ctl, const struct cmd *c, bool more)
{
	size_t i;

	out_textf(&ctl->doc, "%s", c->synopsis);
	for (i = 0; more && i < sizeof(more_help) / sizeof(more_help[0]); i++) {
		if (more_help[i].func != c->func)
			continue;
		out_textf(&ctl->doc, "%s", "");
		out_textf(&ctl->doc, "%s", more_help[i].text);
	}
}

int do_help(struct ctl *ctl, int argc, char **argv)
{
	const struct cmd *c;

	if (argc > 2)
		return ctl_errf(ctl, -EINVAL, "help: unexpected argument '%s'; see 'vsockctl help help'",
				argv[2]);
	if (argc == 2) {
		c = cmd_find(ctl, argv[1]);
		if (!c)
			return -EINVAL;
		help_one(ctl, c, true);
		ctl->doc.text_only = true;
		return 0;
	}
	ctl->doc.text_only = true;
	for (c = cmd_table; c->name; c++)
		help_one(ctl, c, false);
	out_textf(&ctl->doc, "%s", "");
	out_textf(&ctl->doc, "%s", ctl_options_synopsis);
	return 0;
}

int cmd_dispatch(struct ctl *ctl, int argc, char **argv)
{
	const struct cmd *c;
	int i;

	if (argc < 1)
		return ctl_errf(ctl, -EINVAL, "missing command; see 'vsockctl help'");
	c = cmd_find(ctl, argv[0]);
	if (!c)
		return -EINVAL;
	if (c->func != do_help) {
		for (i = 1; i < argc; i++) {
			if (arg_is_help(argv[i])) {
				ctl->doc.text_only = true;
				help_one(ctl, c, true);
				return 0;
			}
		}
	}
	/* commands see their full name, as help and messages print it */
	argv[0] = (char *)c->name;
	return c->func(ctl, argc, argv);
}

int arg_none(struct ctl *ctl, int argc, char **argv)
{
	if (argc > 1)
		return ctl_errf(ctl, -EINVAL, "%s: unexpected argument '%s'; see 'vsockctl help %s'",
				argv[0], argv[1], argv[0]);
	return 0;
}

int arg_one(struct ctl *ctl, const char *cmd, const char *what, int argc,
	    char **argv, const char **val)
{
	if (argc < 2)
		return ctl_errf(ctl, -EINVAL, "%s: missing %s; see 'vsockctl help %s'",
				cmd, what, cmd);
	if (argv[1][0] == '-' && argv[1][1])
		return ctl_errf(ctl, -EINVAL, "%s: unknown option '%s'; see 'vsockctl help %s'",
				cmd, argv[1], cmd);
	if (argc > 2)
		return ctl_errf(ctl, -EINVAL, "%s: unexpected argument '%s'; see 'vsockctl help %s'",
				cmd, argv[2], cmd);
	if (!argv[1][0])
		return ctl_errf(ctl, -EINVAL, "%s: empty %s", cmd, what);
	*val = argv[1];
	return 0;
}

int arg_u64(const char *s, __u64 min, __u64 max, __u64 *out)
{
	unsigned long long v;
	char *end;

	/* strtoull accepts blanks, a sign and wraps negatives: refuse them */
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "64K", "4M", "1G" or plain bytes, in max_queued's range (vsock/tunables.h). */
int arg_bytes(const char *s, __u64 *out)
{
	const struct vs_tunable *t = vs_tunable(VS_TUNE_MAX_QUEUED);
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
	if (arg_u64(num, 1, t->max >> shift, out))
		return -EINVAL;
	*out <<= shift;
	return *out >= t->min ? 0 : -ERANGE;
}

int arg_max_queued(struct ctl *ctl, const char *cmd, const char *s, __u64 *out)
{
	const struct vs_tunable *t = vs_tunable(VS_TUNE_MAX_QUEUED);

	if (!arg_bytes(s, out))
		return 0;
	return ctl_errf(ctl, -EINVAL,
			"%s: %s '%s': expected bytes from %lluK to %lluG (suffix K, M or G)",
			cmd, t->name, s, (unsigned long long)t->min >> 10,
			(unsigned long long)t->max >> 30);
}

static void print_error_json(struct ctl *ctl)
{
	json_t *j = json_pack("{s:o}", "error",
			      json_str_repaired(ctl->err, sizeof(ctl->err)));

	out_dump_json(j, ctl->out, ctl->mode);
	json_decref(j);
	fflush(ctl->out);
}

int ctl_finish(struct ctl *ctl, int err)
{
	if (!err) {
		err = out_render(&ctl->doc, ctl->out, ctl->mode);
		if (err)
			ctl_errf(ctl, err, "write output: %s", strerror(-err));
	}
	if (!err)
		return 0;
	if (!ctl->err[0])
		ctl_errf(ctl, err, "%s", strerror(err < 0 ? -err : err));
	/* under -j a script reads stdout: the error is there as JSON too */
	if (ctl->mode != OUT_TEXT)
		print_error_json(ctl);
	fprintf(ctl->errout, "vsockctl: %s\n", ctl->err);
	return 1;
}
