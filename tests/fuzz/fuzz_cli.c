// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target for vsockctl's command line: the input is argv after
 * the program name, NUL-separated. It goes through what main() does up to
 * the point where a command would touch anything: the global options,
 * command lookup (exact or unique prefix), help and version, and each
 * command's argument parser (cli/cmdargs.c). The commands themselves never
 * run. Then ctl_finish() prints the result (to /dev/null), as vsockctl
 * would, JSON errors included. A refusal must be a negative errno with an
 * error line; an accepted command must hold what its parser promises. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "policyrule.h"
#include "svcrule.h"

#define MAX_ARGS 32
#define MAX_TEXT 4096

static FILE *devnull;

static int p_attach(struct ctl *ctl, int argc, char **argv)
{
	const struct vs_tunable *t = vs_tunable(VS_TUNE_MAX_QUEUED);
	struct attach_args a;
	int r = attach_parse(ctl, argc, argv, &a);

	if (!r && (!a.cgroup || !a.cgroup[0] ||
		   (a.max_queued && (a.max_queued < t->min || a.max_queued > t->max))))
		abort();
	return r;
}

static int p_detach(struct ctl *ctl, int argc, char **argv)
{
	const char *cg = NULL;
	int r = arg_one(ctl, "detach", "CGROUP", argc, argv, &cg);

	if (!r && (!cg || !cg[0]))
		abort();
	return r;
}

static int p_none(struct ctl *ctl, int argc, char **argv)
{
	return arg_none(ctl, argc, argv);
}

static int p_sockets(struct ctl *ctl, int argc, char **argv)
{
	struct sock_filter f;
	int r = sockets_parse_filter(ctl, argc, argv, &f);

	if (!r && (f.status >= VS_ST_MAX || f.status < -1 || f.pid > INT32_MAX ||
		   (f.cgroup && !f.cgroup[0])))
		abort();
	return r;
}

static int p_stats(struct ctl *ctl, int argc, char **argv)
{
	struct stats_args a;
	int r = stats_parse(ctl, argc, argv, &a);

	if (!r && a.prometheus && ctl->mode != OUT_TEXT)
		abort();
	return r;
}

static int p_unload(struct ctl *ctl, int argc, char **argv)
{
	struct unload_args a;
	int r = unload_parse(ctl, argc, argv, &a);

	if (!r && a.wait_ms < 0)
		abort();
	return r;
}

static int p_tune(struct ctl *ctl, int argc, char **argv)
{
	struct tune_args a;
	int r = tune_parse(ctl, argc, argv, &a), id;

	for (id = 0; !r && id < VS_TUNE_COUNT; id++)
		if (a.v[id] != TUNE_KEEP && a.v[id] > vs_tunable(id)->max)
			abort();
	return r;
}

static int p_handles(struct ctl *ctl, int argc, char **argv)
{
	__u64 pid;
	int r = handles_parse(ctl, argc, argv, &pid);

	if (!r && pid > INT32_MAX)
		abort();
	return r;
}

static int p_upgrade(struct ctl *ctl, int argc, char **argv)
{
	struct upgrade_args a;
	int r = upgrade_parse(ctl, argc, argv, &a);

	if (!r && ((a.flags & ~(unsigned int)(LOADER_UPGRADE_DRY_RUN | LOADER_UPGRADE_FORCE)) ||
		   a.wait_ms < 0 || a.wait_ms > 3600 * 1000))
		abort();
	return r;
}

static int p_proxy_add(struct ctl *ctl, int argc, char **argv)
{
	struct proxy_args a;
	char err[SVC_ERR_LEN];
	int r = proxy_add_parse(ctl, argc, argv, &a);

	if (!r && (svc_rule_check(&a.rule, err, sizeof(err)) || !a.rule.svc.port))
		abort();
	return r;
}

static int p_proxy_del(struct ctl *ctl, int argc, char **argv)
{
	struct vs_addr svc = { .port = 0 };
	int r = proxy_del_parse(ctl, argc, argv, &svc);

	if (!r && !svc.port)
		abort();
	return r;
}

static int p_proxy_list(struct ctl *ctl, int argc, char **argv)
{
	return proxy_list_parse(ctl, argc, argv);
}

/* The verbs through vsockctl's own verb dispatch, with parsers for verbs. */
static int p_proxy(struct ctl *ctl, int argc, char **argv)
{
	static const struct cmd_verb verbs[] = {
		{ "add", p_proxy_add }, { "del", p_proxy_del }, { "list", p_proxy_list },
		{ NULL, NULL },
	};

	return cmd_verb_dispatch(ctl, verbs, argc, argv);
}

/* policy add: the rule syntax (lib/policyrule.c) as the command calls it. */
static int p_policy_add(struct ctl *ctl, int argc, char **argv)
{
	char err[POLICY_ERR_LEN] = "";
	struct vs_rule r;

	if (argc < 3)
		return 0;	/* the command's own message; nothing to parse */
	if (policy_rule_parse(argc - 2, argv + 2, &r, err, sizeof(err)))
		return ctl_errf(ctl, -EINVAL, "policy add: %s", err);
	return 0;
}

static int p_policy(struct ctl *ctl, int argc, char **argv)
{
	static const struct cmd_verb verbs[] = {
		{ "add", p_policy_add }, { NULL, NULL },
	};

	return argc > 1 && strcmp(argv[1], "add") ? 0 : cmd_verb_dispatch(ctl, verbs, argc, argv);
}

/* Each command's parser, by the function the command table names. A
 * command missing here is looked up but not parsed: add a line. */
static const struct {
	cmd_fn cmd;
	cmd_fn parse;
} parsers[] = {
	{ do_attach, p_attach },   { do_detach, p_detach },
	{ do_status, p_none },     { do_sockets, p_sockets },
	{ do_stats, p_stats },     { do_unload, p_unload },
	{ do_tune, p_tune },       { do_handles, p_handles },
	{ do_proxy, p_proxy },     { do_policy, p_policy },
	{ do_upgrade, p_upgrade },
};

/* cmd_dispatch() without running the command: help and version (which
 * only fill the document) run for real, others only parse. */
static int dispatch(struct ctl *ctl, int argc, char **argv)
{
	const struct cmd *c;
	size_t i;
	int a;

	if (argc < 1)
		return cmd_dispatch(ctl, argc, argv);
	c = cmd_find(ctl, argv[0]);
	if (!c)
		return -EINVAL;
	for (a = 1; a < argc; a++)
		if (arg_is_help(argv[a]))
			return cmd_dispatch(ctl, argc, argv);
	if (c->func == do_help || c->func == do_version)
		return cmd_dispatch(ctl, argc, argv);
	argv[0] = (char *)c->name;
	for (i = 0; i < sizeof(parsers) / sizeof(parsers[0]); i++)
		if (parsers[i].cmd == c->func)
			return parsers[i].parse(ctl, argc, argv);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[MAX_TEXT + 1], *argv[MAX_ARGS + 2], *implied_argv[2] = { NULL, NULL };
	const char *implied = NULL;
	struct ctl ctl;
	size_t off = 0;
	int argc = 0, err;

	if (size > MAX_TEXT)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	argv[argc++] = "vsockctl";
	while (off < size && argc <= MAX_ARGS) {
		argv[argc++] = text + off;
		off += strlen(text + off) + 1;
	}
	argv[argc] = NULL;

	ctl_init(&ctl);
	ctl.out = devnull;
	ctl.errout = devnull;
	err = ctl_parse_global(&ctl, argc, argv, &implied);
	if (err >= 0 && err > argc)
		abort();
	if (err >= 0 && implied) {
		implied_argv[0] = (char *)implied;
		err = cmd_dispatch(&ctl, 1, implied_argv);
	} else if (err >= 0) {
		err = dispatch(&ctl, argc - err, argv + err);
	}
	if (err > 0 || (err < 0 && !ctl.err[0]))
		abort();	/* 0, or a negative errno with its line */
	if (ctl_finish(&ctl, err) != (err ? 1 : 0))
		abort();
	ctl_free(&ctl);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	return devnull ? 0 : -1;
}
