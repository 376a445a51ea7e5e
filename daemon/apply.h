/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A configuration's effects on the running parts (loader, log, tables),
 * shared by start-up (old is NULL) and reload (old is the running one). */
#ifndef VSOCKD_APPLY_H
#define VSOCKD_APPLY_H

#include <stddef.h>
#include "config.h"
#include "loader.h"
#include "proctbl.h"

/* The fast-path policy of [bpf] into vs_meta: all of it at start, what
 * changed at a reload (vsockctl tune may have set the rest). */
void apply_policy(struct vs_loader *ld, const struct cfg *old, const struct cfg *c);
/* -v/-vv win over log_level. */
void apply_log_level(int cli_level, const struct cfg *c);
struct proctbl_limits apply_limits_of(const struct cfg *c);
/* Configured cgroups that are not cgroup v2 directories fail the start
 * before anything is loaded. */
int apply_check_cgroups(const struct cfg *c);
/* Attach each cgroup of c that old does not list. On failure, the ones
 * this call attached are detached again and err says what failed. */
int apply_attach(struct vs_loader *ld, const struct cfg *c, const struct cfg *old,
		 char *err, size_t errlen);
/* Detach the cgroups old attached and c no longer lists. */
void apply_detach_dropped(struct vs_loader *ld, const struct cfg *old, const struct cfg *c);

/* The [proxy] services of c into the pinned maps: new and changed ones
 * (replacing a rule vsockctl wrote for the same address), and at a reload
 * the removal of those old listed and c does not. Services added with
 * vsockctl under other addresses are left alone. Stops at the first
 * failure, err saying which. */
int apply_services(struct vs_loader *ld, const struct cfg *c, const struct cfg *old,
		   char *err, size_t errlen);

/* The [policy] rules of c replace the rules of the previous config in the
 * pinned maps (vsockctl's own rules stay); unchanged rules are left alone
 * (their hits stay). err says why they could not be written. */
int apply_rules(struct vs_loader *ld, const struct cfg *c, const struct cfg *old,
		char *err, size_t errlen);

#endif /* VSOCKD_APPLY_H */
