// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Policy rules in the pinned maps (vsock/rules.h): vs_rules holds two sets
 * of VS_RULES_MAX slots; the programs read the set vs_ctl.policy_gen & 1.
 * A change, under the pin-root lock, reads the set in force, writes the new
 * one sorted into the other set, then bumps the generation: the programs
 * see the old set or the new one, never a mix, and every socket matches
 * the rules again at its next message (bpf/rules.bpf.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "internal.h"

struct rule_set {
	struct vs_ctl ctl;
	int n;
	struct vs_rule r[VS_RULES_MAX];
};

static int read_set(struct vs_loader *ld, struct rule_set *s, struct vs_err *err)
{
	__u32 base, i, k;
	int ret;

	memset(s, 0, sizeof(*s));
	if ((ret = loader_read_ctl(ld, &s->ctl)))
		return vs_fail(err, -ret, "read %s: %s", vs_maps[VS_MAP_CTL].name,
			       strerror(-ret));
	base = (s->ctl.policy_gen & 1) * VS_RULES_MAX;
	for (i = 0; i < VS_RULES_MAX; i++) {
		k = base + i;
		if (bpf_map_lookup_elem(ld->map_fds[VS_MAP_RULES], &k, &s->r[s->n]))
			return vs_fail(err, errno, "read %s: %s", vs_maps[VS_MAP_RULES].name,
				       strerror(errno));
		if (!s->r[s->n].id)
			break;
		s->n++;
	}
	return 0;
}

static int rule_cmp(const void *a, const void *b)
{
	return vs_rule_before(a, b) ? -1 : vs_rule_before(b, a) ? 1 : 0;
}

/* Write s sorted into the set not in force, then make it the one. */
static int commit_set(struct vs_loader *ld, struct rule_set *s, struct vs_err *err)
{
	static const struct vs_rule none;
	__u32 base = ((s->ctl.policy_gen + 1) & 1) * VS_RULES_MAX, i, k, zero = 0;

	qsort(s->r, (size_t)s->n, sizeof(s->r[0]), rule_cmp);
	for (i = 0; i < VS_RULES_MAX; i++) {
		k = base + i;
		if (bpf_map_update_elem(ld->map_fds[VS_MAP_RULES], &k,
					(int)i < s->n ? &s->r[i] : &none, BPF_ANY))
			return vs_fail(err, errno, "write %s: %s", vs_maps[VS_MAP_RULES].name,
				       strerror(errno));
	}
	s->ctl.policy_gen++;
	if (bpf_map_update_elem(ld->map_fds[VS_MAP_CTL], &zero, &s->ctl, BPF_EXIST))
		return vs_fail(err, errno, "write %s: %s", vs_maps[VS_MAP_CTL].name,
			       strerror(errno));
	return 0;
}

/* The cgroup of a rule, from the path the parser kept to its id. */
static int resolve_cgroup(struct vs_rule *r, struct vs_err *err)
{
	char abs[PATH_MAX];
	int ret;

	if (!(r->match & VS_RM_CGROUP))
		return 0;
	if ((ret = loader_check_cgroup(r->cgroup, err)))
		return ret;
	if (!realpath(r->cgroup, abs))
		return vs_fail(err, errno, "%s: %s", r->cgroup, strerror(errno));
	if (strlen(abs) >= sizeof(r->cgroup))
		return vs_fail(err, ENAMETOOLONG, "cgroup %s: path too long (at most %zu characters)",
			       abs, sizeof(r->cgroup) - 1);
	if ((ret = loader_cgroup_id(abs, &r->cgroup_id)))
		return vs_fail(err, -ret, "cgroup id of %s: %s", abs, strerror(-ret));
	snprintf(r->cgroup, sizeof(r->cgroup), "%s", abs);
	return 0;
}

/* Append rules[0..n) to s, each with a new id. */
static int add_rules(struct rule_set *s, struct vs_rule *rules, int n, struct vs_err *err)
{
	int i;

	if (s->n + n > VS_RULES_MAX)
		return vs_fail(err, ENOSPC, "too many policy rules (at most %d)", VS_RULES_MAX);
	for (i = 0; i < n; i++) {
		if (!s->ctl.next_rule_id)
			s->ctl.next_rule_id = 1;
		rules[i].id = s->ctl.next_rule_id++;
		s->r[s->n++] = rules[i];
	}
	return 0;
}

static void forget_hits(struct vs_loader *ld, __u32 id)
{
	bpf_map_delete_elem(ld->map_fds[VS_MAP_RULE_HITS], &id);
}

int loader_policy_add(struct vs_loader *ld, struct vs_rule *r, struct vs_err *err)
{
	struct rule_set s;
	int ret;

	if ((ret = resolve_cgroup(r, err)))
		return ret;
	r->origin = VS_RULE_CLI;
	if ((ret = vs_lock(ld, err)))
		return ret;
	if (!(ret = read_set(ld, &s, err)) && !(ret = add_rules(&s, r, 1, err)))
		ret = commit_set(ld, &s, err);
	vs_unlock(ld);
	return ret;
}

int loader_policy_del(struct vs_loader *ld, __u32 id, struct vs_err *err)
{
	struct rule_set s;
	int ret, i;

	if ((ret = vs_lock(ld, err)))
		return ret;
	if ((ret = read_set(ld, &s, err)))
		goto out;
	for (i = 0; i < s.n && s.r[i].id != id; i++)
		;
	if (i == s.n) {
		ret = vs_fail(err, ENOENT, "no policy rule %u", id);
		goto out;
	}
	s.r[i] = s.r[--s.n];
	if (!(ret = commit_set(ld, &s, err)))
		forget_hits(ld, id);
out:
	vs_unlock(ld);
	return ret;
}

int loader_policy_replace(struct vs_loader *ld, __u8 origin, struct vs_rule *rules, int n,
			  struct vs_err *err)
{
	__u32 gone[VS_RULES_MAX];
	struct rule_set s;
	int ret, i, kept = 0, ngone = 0;

	for (i = 0; i < n; i++) {
		if ((ret = resolve_cgroup(&rules[i], err)))
			return ret;
		rules[i].origin = origin;
	}
	if ((ret = vs_lock(ld, err)))
		return ret;
	if ((ret = read_set(ld, &s, err)))
		goto out;
	for (i = 0; i < s.n; i++) {
		if (s.r[i].origin == origin)
			gone[ngone++] = s.r[i].id;
		else
			s.r[kept++] = s.r[i];
	}
	s.n = kept;
	if ((ret = add_rules(&s, rules, n, err)) || (ret = commit_set(ld, &s, err)))
		goto out;
	for (i = 0; i < ngone; i++)
		forget_hits(ld, gone[i]);
out:
	vs_unlock(ld);
	return ret;
}

int loader_policy_list(struct vs_loader *ld, struct vs_rule_info **out, struct vs_err *err)
{
	struct rule_set s;
	int ret, i;

	*out = NULL;
	if ((ret = read_set(ld, &s, err)))
		return ret;
	if (!s.n)
		return 0;
	*out = calloc((size_t)s.n, sizeof(**out));
	if (!*out)
		return vs_fail(err, ENOMEM, "list policy rules: %s", strerror(ENOMEM));
	for (i = 0; i < s.n; i++) {
		(*out)[i].rule = s.r[i];
		if (bpf_map_lookup_elem(ld->map_fds[VS_MAP_RULE_HITS], &s.r[i].id, &(*out)[i].hits))
			(*out)[i].hits = 0;
	}
	return s.n;
}
