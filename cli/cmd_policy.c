// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* policy add|del|list: who may use the fast path (vsock/rules.h,
 * docs/operations.md "Policy"). Rules live in the pinned maps and work
 * without vsockd; the programs must be loaded (vsockctl attach). A rule is
 * parsed in full before anything is opened, so bad input changes nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "policyrule.h"

const char policy_help[] =
	"Allow or deny the fast path by port, address, cgroup and user. A denied\n"
	"connection keeps working on TCP; vsockctl sockets shows reason policy\n"
	"and the rule.\n"
	"\n"
	"  add allow|deny [port N|N-M] [cidr A/B] [cgroup PATH] [uid U] [--priority P]\n"
	"      port and cidr match the server end of a connection (the connect()\n"
	"      destination, IPv4 or IPv6), cgroup a socket's own cgroup or the\n"
	"      attached cgroup it falls under, uid the socket's owner. Fields\n"
	"      given together must all match; none: every socket.\n"
	"  del ID\n"
	"  list\n"
	"      id, action, match, priority, origin (vsockctl or vsockd's config)\n"
	"      and hits: the sockets the rule decided when they connected.\n"
	"\n"
	"Order: the lowest --priority (0-65535, default 100) decides first; at the\n"
	"same priority the rule with more fields, then the older one. No rule\n"
	"matches: allow. A connection is accelerated only when both of its sockets\n"
	"are allowed. A change applies to new connections at once and to\n"
	"accelerated ones from their next message: they go on over TCP, with no\n"
	"byte lost or reordered. At most 64 rules.\n"
	"\n"
	"Examples:\n"
	"  vsockctl policy add deny port 5432\n"
	"  vsockctl policy add allow cidr 10.0.0.0/8 port 6379-6380\n"
	"  vsockctl policy add deny cgroup /sys/fs/cgroup/batch uid 1000 --priority 10\n"
	"  vsockctl -j policy list\n"
	"  vsockctl policy del 3";

static int do_add(struct ctl *ctl, int argc, char **argv)
{
	char err[POLICY_ERR_LEN], match[POLICY_MATCH_STRLEN];
	struct vs_loader *ld = NULL;
	struct vs_err e = { "" };
	struct out_row *r;
	struct vs_rule rule;
	int ret;

	if (policy_rule_parse(argc - 2, argv + 2, &rule, err, sizeof(err)))
		return ctl_errf(ctl, -EINVAL, "policy add: %s", err);
	if ((ret = ctl_open(ctl, &ld, false)))
		return ret;
	ret = loader_policy_add(ld, &rule, &e);
	loader_close(ld);
	if (ret)
		return ctl_errf(ctl, ret, "policy add: %s", e.msg[0] ? e.msg : strerror(-ret));
	policy_rule_match_str(&rule, match, sizeof(match));
	out_textf(&ctl->doc, "added rule %u: %s %s", rule.id, policy_action_name(rule.action),
		  match);
	r = out_record(&ctl->doc, NULL, NULL);
	out_num(r, NULL, "id", rule.id, NULL);
	return 0;
}

static int do_del(struct ctl *ctl, int argc, char **argv)
{
	struct vs_loader *ld = NULL;
	struct vs_err e = { "" };
	__u64 id;
	int ret;

	if (argc != 3)
		return ctl_errf(ctl, -EINVAL, argc < 3 ? "policy del: missing ID (vsockctl policy list)"
					      : "policy del: unexpected argument '%s'",
				argc > 3 ? argv[3] : "");
	if (arg_u64(argv[2], 1, 0xffffffffu, &id))
		return ctl_errf(ctl, -EINVAL, "policy del: bad rule id '%s'", argv[2]);
	if ((ret = ctl_open(ctl, &ld, false)))
		return ret;
	ret = loader_policy_del(ld, (__u32)id, &e);
	loader_close(ld);
	if (ret)
		return ctl_errf(ctl, ret, "policy del: %s", e.msg[0] ? e.msg : strerror(-ret));
	out_textf(&ctl->doc, "deleted rule %llu", (unsigned long long)id);
	return 0;
}

static int do_list(struct ctl *ctl, int argc, char **argv)
{
	static const char *const cols[] = { "ID", "Action", "Match", "Priority", "Origin",
					    "Hits", NULL };
	char match[POLICY_MATCH_STRLEN];
	struct vs_loader *ld = NULL;
	struct vs_rule_info *v = NULL;
	struct vs_err e = { "" };
	struct out_sect *t;
	struct out_row *r;
	int n, i, ret;

	if (argc > 2)
		return ctl_errf(ctl, -EINVAL, "policy list: unexpected argument '%s'", argv[2]);
	if ((ret = ctl_open(ctl, &ld, false)))
		return ret;
	n = loader_policy_list(ld, &v, &e);
	loader_close(ld);
	if (n < 0)
		return ctl_loader_err(ctl, n, &e);
	t = out_table(&ctl->doc, NULL, NULL, cols);
	for (i = 0; i < n; i++) {
		const struct vs_rule *ru = &v[i].rule;

		r = out_row_add(&ctl->doc, t);
		out_num(r, "ID", "id", ru->id, NULL);
		out_str(r, "Action", "action", policy_action_name(ru->action));
		out_str(r, "Match", "match", policy_rule_match_str(ru, match, sizeof(match)));
		out_num(r, "Priority", "priority", ru->priority, NULL);
		out_str(r, "Origin", "origin", ru->origin == VS_RULE_CONFIG ? "config" : "vsockctl");
		out_num(r, "Hits", "hits", v[i].hits, NULL);
	}
	free(v);
	return 0;
}

int do_policy(struct ctl *ctl, int argc, char **argv)
{
	static const struct cmd_verb verbs[] = {
		{ "add", do_add }, { "del", do_del }, { "list", do_list }, { NULL, NULL },
	};

	return cmd_verb_dispatch(ctl, verbs, argc, argv);
}
