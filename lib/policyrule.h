/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Policy rules as text (vsockctl policy add, vsockd's [policy] rule =):
 *
 *   allow|deny [port N|N-M] [cidr A/B] [cgroup PATH] [uid U] [--priority P]
 *
 * Parsed without touching the kernel or the file system: pure functions of
 * their input, for the CLI, the config and a fuzzer. The cgroup stays a
 * path in r->cgroup; the loader resolves it (loader_policy_add). Errors
 * are one line in err (no trailing newline); *r is written only on success. */
#ifndef VSOCK_POLICYRULE_H
#define VSOCK_POLICYRULE_H

#include <stddef.h>
#include "vsock/rules.h"

#define POLICY_ERR_LEN 256
#define POLICY_MATCH_STRLEN (80 + VS_CG_PATH_MAX)

/* argv[0] is the action. 0 or -EINVAL. */
int policy_rule_parse(int argc, char **argv, struct vs_rule *r, char *err, size_t len);
/* The same from one line (words separated by blanks). 0 or -EINVAL. */
int policy_rule_parse_line(const char *s, struct vs_rule *r, char *err, size_t len);
/* "port 6379-6380 cidr 10.0.0.0/8", "any" for a rule without a match. */
const char *policy_rule_match_str(const struct vs_rule *r, char *buf, size_t len);
/* "allow", "deny" or "?" */
const char *policy_action_name(unsigned int action);

#endif /* VSOCK_POLICYRULE_H */
