/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Policy rules (include/vsock/rules.h) where sockets join and per message.
 *
 * A socket is matched against the rules in force once at establishment
 * (sockops: a denied one never joins) and again only when the rules
 * change: every message compares its socket's policy_gen with
 * vs_ctl.policy_gen, one word of an array element the sender already
 * reads for the kill switch. A socket that a new rule denies passes from
 * its next message on (VS_R_POLICY is final, like detached) and leaves the
 * sockhash through bpf/leave.bpf.h; a reader that only reads starts its
 * leave at its next read. */
#ifndef VSOCK_RULES_BPF_H
#define VSOCK_RULES_BPF_H

#include "common.bpf.h"

/* The subject of a socket: its server end and its owner. active: it
 * connected, so the server end is the peer of key. */
static __always_inline void vs_rule_subject_of(struct vs_rule_subject *s,
					       const struct vs_sock_key *key, bool active,
					       __u32 uid, __u64 own_cg, __u64 attach_cg)
{
	__builtin_memcpy(s->addr, active ? key->peer_ip : key->local_ip, 16);
	s->port = active ? key->peer_port : key->local_port;
	s->pad = 0;
	s->uid = uid;
	s->cgroup_id = own_cg;
	s->attach_cg = attach_cg;
}

/* bpf_loop() over the set in force: its callback is verified once, where
 * an inlined loop of 64 rules at every call site exceeds the verifier's
 * budget for sockops. */
struct vs_rules_walk {
	struct vs_rule_subject s;
	__u32 base;		/* first slot of the set */
	__u32 id;		/* the first rule that matched, 0 none */
	__u8  action;
};

static long vs_rules_step(__u64 i, void *arg)
{
	struct vs_rules_walk *w = arg;
	__u32 k = w->base + (__u32)i;
	struct vs_rule *r = bpf_map_lookup_elem(&vs_rules, &k);

	if (!r || !r->id)
		return 1;	/* the end of the set */
	if (!vs_rule_matches(r, &w->s))
		return 0;
	w->id = r->id;
	w->action = r->action;
	return 1;
}

/* Id of the rule of generation gen that denies s, 0 when it is allowed
 * (a rule allows it, or none matches). hit: count the deciding rule. */
static __always_inline __u32 vs_rules_eval(__u32 gen, const struct vs_rule_subject *s,
					   bool hit)
{
	__u32 base = (gen & 1) * VS_RULES_MAX;
	struct vs_rule *first = bpf_map_lookup_elem(&vs_rules, &base);
	struct vs_rules_walk w;
	__u64 one = 1, *n;

	/* no rules, the common case: sockops runs this at every connection
	 * (the walk and the copy of the subject cost it 0.15 us) */
	if (!first || !first->id)
		return 0;
	w = (struct vs_rules_walk){ .s = *s, .base = base };
	bpf_loop(VS_RULES_MAX, vs_rules_step, &w, 0);
	if (!w.id)
		return 0;
	if (hit) {
		n = bpf_map_lookup_elem(&vs_rule_hits, &w.id);
		if (n)
			__sync_fetch_and_add(n, 1);
		else
			bpf_map_update_elem(&vs_rule_hits, &w.id, &one, BPF_NOEXIST);
	}
	return w.action == VS_RULE_DENY ? w.id : 0;
}

/* Does a rule in force deny the socket of st? Matches again only when the
 * rules changed since its last verdict; the entry names the denying rule. */
static __always_inline bool vs_rules_deny(struct vs_sk_state *st, const struct vs_ctl *c)
{
	struct vs_rule_subject s;
	struct vs_sock_entry *e;
	__u32 gen;

	if (!c || st->policy_gen == (gen = c->policy_gen))
		return st->policy_deny != 0;
	vs_rule_subject_of(&s, &st->key, st->active, st->uid, st->own_cg, st->attach_cg);
	st->policy_deny = vs_rules_eval(gen, &s, false);
	st->policy_gen = gen;
	e = vs_entry(st->cookie);
	if (e && st->policy_deny)
		e->rule_id = st->policy_deny;
	return st->policy_deny != 0;
}

#endif /* VSOCK_RULES_BPF_H */
