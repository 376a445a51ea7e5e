// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target for the policy rule syntax (lib/policyrule.c), both
 * forms: one line as vsockd.conf's [policy] rule = gives it, and argv as
 * vsockctl policy add does (the input split on NULs). A rule that parses
 * is well-formed (an action, known match bits, a port range in order, a
 * prefix within 128 bits, a terminated cgroup) and prints, with
 * policy_rule_match_str(), as text that parses back to the same rule
 * (unless its cgroup holds a blank, which only argv can carry); every
 * refusal says why. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policyrule.h"

#define MAX_TEXT 2048
#define MAX_ARGS 32

static void check(const struct vs_rule *r)
{
	char match[POLICY_MATCH_STRLEN], line[POLICY_MATCH_STRLEN + 64], err[POLICY_ERR_LEN];
	struct vs_rule back;

	if ((r->action != VS_RULE_ALLOW && r->action != VS_RULE_DENY) ||
	    (r->match & ~(VS_RM_PORT | VS_RM_CIDR | VS_RM_CGROUP | VS_RM_UID)) ||
	    ((r->match & VS_RM_PORT) && r->port_lo > r->port_hi) ||
	    ((r->match & VS_RM_CIDR) && r->plen > 128) ||
	    !memchr(r->cgroup, '\0', sizeof(r->cgroup)))
		abort();
	if (strpbrk(r->cgroup, " \t"))
		return;	/* a line cannot say it */
	policy_rule_match_str(r, match, sizeof(match));
	snprintf(line, sizeof(line), "%s %s --priority %u", policy_action_name(r->action),
		 strcmp(match, "any") ? match : "", r->priority);
	if (policy_rule_parse_line(line, &back, err, sizeof(err)) ||
	    back.action != r->action || back.match != r->match || back.priority != r->priority ||
	    back.port_lo != r->port_lo || back.port_hi != r->port_hi || back.uid != r->uid ||
	    back.plen != r->plen || memcmp(back.addr, r->addr, 16) ||
	    strcmp(back.cgroup, r->cgroup))
		abort();	/* what is listed is what was given */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[MAX_TEXT + 1], err[POLICY_ERR_LEN], *argv[MAX_ARGS + 1];
	struct vs_rule r;
	size_t off = 0;
	int argc = 0;

	if (size > MAX_TEXT)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (!policy_rule_parse_line(text, &r, err, sizeof(err)))
		check(&r);
	else if (!err[0])
		abort();
	while (off < size && argc < MAX_ARGS) {
		argv[argc++] = text + off;
		off += strlen(text + off) + 1;
	}
	argv[argc] = NULL;
	err[0] = '\0';
	if (!policy_rule_parse(argc, argv, &r, err, sizeof(err)))
		check(&r);
	else if (!err[0])
		abort();
	return 0;
}
