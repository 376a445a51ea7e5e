// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A configuration applied to the loader, the log and the tables: at start
 * and at every reload. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apply.h"
#include "log.h"
#include "svcrule.h"

void apply_policy(struct vs_loader *ld, const struct cfg *old, const struct cfg *c)
{
	const char *when = old ? "reload: " : "";
	int r;

	if ((!old || c->max_queued != old->max_queued) &&
	    (r = loader_set_max_queued(ld, c->max_queued)))
		pr_warn("%sset max_queued: %s", when, strerror(-r));
	if ((!old || c->small_run != old->small_run) &&
	    (r = loader_set_small_run(ld, c->small_run)))
		pr_warn("%sset small_run: %s", when, strerror(-r));
	if ((!old || c->busy_poll != old->busy_poll) &&
	    (r = loader_set_busy_poll(ld, c->busy_poll)))
		pr_warn("%sset busy_poll: %s", when, strerror(-r));
}

void apply_log_level(int cli_level, const struct cfg *c)
{
	log_set_level(cli_level ? cli_level : c->log_level);
}

struct proctbl_limits apply_limits_of(const struct cfg *c)
{
	return (struct proctbl_limits){
		.max_procs = c->max_processes,
		.max_handles_per_proc = c->max_handles_per_process,
		.max_handles = c->max_handles,
	};
}

int apply_check_cgroups(const struct cfg *c)
{
	struct vs_err e = { "" };
	int i, r;

	for (i = 0; i < c->nattach; i++) {
		r = loader_check_cgroup(c->attach[i], &e);
		if (r) {
			pr_err("attach %s: %s", c->attach[i], e.msg[0] ? e.msg : strerror(-r));
			return r;
		}
	}
	return 0;
}

int apply_attach(struct vs_loader *ld, const struct cfg *c, const struct cfg *old,
		 char *err, size_t errlen)
{
	struct vs_err e = { "" };
	bool *fresh;
	int i, r = 0;

	fresh = calloc(c->nattach ? c->nattach : 1, sizeof(*fresh));
	if (!fresh) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < c->nattach; i++) {
		fresh[i] = false;
		if (old && cfg_has_attach(old, c->attach[i]))
			continue;
		r = loader_check_cgroup(c->attach[i], &e);
		if (!r)
			r = loader_attach(ld, c->attach[i], &e);
		if (r < 0)
			break;
		fresh[i] = r == 0;
		pr_info("attached %s%s", c->attach[i], r == 1 ? " (already attached)" : "");
		r = 0;
	}
	if (r) {
		snprintf(err, errlen, "attach %s: %s", c->attach[i],
			 e.msg[0] ? e.msg : strerror(-r));
		while (--i >= 0)
			if (fresh[i])
				loader_detach(ld, c->attach[i], &e);
	}
	free(fresh);
	return r;
}

void apply_detach_dropped(struct vs_loader *ld, const struct cfg *old, const struct cfg *c)
{
	struct vs_err e = { "" };
	int i, r;

	for (i = 0; i < old->nattach; i++) {
		if (cfg_has_attach(c, old->attach[i]))
			continue;
		r = loader_detach(ld, old->attach[i], &e);
		if (r && r != -ENOENT)
			pr_warn("detach %s: %s", old->attach[i], e.msg[0] ? e.msg : strerror(-r));
		else
			pr_info("detached %s (no longer in the config)", old->attach[i]);
	}
}

static bool same_rule(const struct vs_svc_rule *a, const struct vs_svc_rule *b)
{
	return a && b && a->mode == b->mode && a->nbackends == b->nbackends &&
	       !memcmp(a->backends, b->backends, a->nbackends * sizeof(a->backends[0]));
}

int apply_services(struct vs_loader *ld, const struct cfg *c, const struct cfg *old,
		   char *err, size_t errlen)
{
	const struct vs_svc_rule *r;
	struct vs_err e = { "" };
	char buf[SVC_ADDR_STRLEN];
	int i, ret;

	for (i = 0; i < c->nservices; i++) {
		r = &c->services[i];
		if (old && same_rule(r, cfg_service(old, &r->svc)))
			continue;	/* unchanged: keep its health and counters */
		ret = loader_svc_add(ld, r, true, &e);
		svc_addr_str(&r->svc, buf, sizeof(buf));
		if (ret) {
			snprintf(err, errlen, "service %s: %s", buf, e.msg[0] ? e.msg : strerror(-ret));
			return ret;
		}
		pr_info("service %s: %s, %d backend%s", buf, svc_mode_name(r->mode),
			r->nbackends, r->nbackends == 1 ? "" : "s");
	}
	for (i = 0; old && i < old->nservices; i++) {
		r = &old->services[i];
		if (cfg_service(c, &r->svc))
			continue;
		svc_addr_str(&r->svc, buf, sizeof(buf));
		ret = loader_svc_del(ld, &r->svc, &e);
		if (ret && ret != -ENOENT)
			pr_warn("service %s: %s", buf, e.msg[0] ? e.msg : strerror(-ret));
		else
			pr_info("service %s removed (no longer in the config)", buf);
	}
	return 0;
}

int apply_rules(struct vs_loader *ld, const struct cfg *c, const struct cfg *old,
		char *err, size_t errlen)
{
	struct vs_rule rules[VS_RULES_MAX];
	struct vs_err e = { "" };
	int ret;

	if (old && old->nrules == c->nrules &&
	    !memcmp(old->rules, c->rules, c->nrules * sizeof(c->rules[0])))
		return 0;
	memcpy(rules, c->rules, c->nrules * sizeof(c->rules[0]));
	ret = loader_policy_replace(ld, VS_RULE_CONFIG, rules, c->nrules, &e);
	if (ret) {
		snprintf(err, errlen, "policy: %s", e.msg[0] ? e.msg : strerror(-ret));
		return ret;
	}
	pr_info("policy: %d rule%s from the config", c->nrules, c->nrules == 1 ? "" : "s");
	return 0;
}
