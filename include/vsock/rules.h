/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Policy rules (vsockctl policy, vsockd's [policy]): who may use the fast
 * path. The rule layout the programs read (map vs_rules) and the match,
 * a pure function compiled into the programs and into the unit tests.
 *
 * Order: the rules of a set are kept sorted by userspace (loader/policy.c,
 * vs_rule_before): lowest priority number first, then the most specific
 * (more fields given), then the oldest (lowest id). The first rule that
 * matches a socket decides; no rule matches: allow. A connection takes the
 * fast path only when both of its sockets are allowed.
 *
 * What a rule matches, for one socket of a connection:
 *   port N|N-M  the server end's port (the connect() destination)
 *   cidr A/B    the server end's address (IPv4 or IPv6)
 *   cgroup P    the socket's own cgroup, or the attached cgroup it falls under
 *   uid U       the socket's owner (sk_uid: who created it, or the listener) */
#ifndef VSOCK_RULES_H
#define VSOCK_RULES_H

#include "abi.h"
#include "policy.h"

#define VS_RULES_MAX 64			/* rules in force at once */
#define VS_RULE_PRIO_DEFAULT 100
#define VS_RULE_PRIO_MAX 65535

enum vs_rule_action {
	VS_RULE_ALLOW = 1,
	VS_RULE_DENY = 2,
};

/* vs_rule.match: which fields a rule tests; none: every socket */
#define VS_RM_PORT   (1u << 0)
#define VS_RM_CIDR   (1u << 1)
#define VS_RM_CGROUP (1u << 2)
#define VS_RM_UID    (1u << 3)

/* Where a rule came from: vsockd replaces its config's rules on reload
 * and leaves the operator's alone. */
enum vs_rule_origin {
	VS_RULE_CLI = 0,	/* vsockctl policy add */
	VS_RULE_CONFIG = 1,	/* vsockd's [policy] rule = ... */
};

/* One rule (map vs_rules: two sets of VS_RULES_MAX slots; the set in
 * force is vs_ctl.policy_gen & 1, sorted, ended by a rule with id 0). */
struct vs_rule {
	__u32 id;		/* 1, 2, ...: never reused (vs_ctl.next_rule_id) */
	__u8  action;		/* enum vs_rule_action */
	__u8  match;		/* VS_RM_* */
	__u16 priority;		/* lower wins */
	__u16 port_lo;		/* server port range, host order, inclusive */
	__u16 port_hi;
	__u32 uid;
	__u64 cgroup_id;	/* kernfs id of cgroup */
	__u8  addr[16];		/* network order, IPv4 as ::ffff:a.b.c.d */
	__u8  plen;		/* prefix on the 128-bit form (IPv4 /n: 96 + n) */
	__u8  origin;		/* enum vs_rule_origin */
	__u8  pad[6];
	char  cgroup[VS_CG_PATH_MAX];	/* cgroup as resolved, for listing */
};

/* What a rule is matched against: one socket (bpf/rules.bpf.h fills it
 * from the socket's state). */
struct vs_rule_subject {
	__u8  addr[16];		/* the server end's address */
	__u16 port;		/* the server end's port */
	__u16 pad;
	__u32 uid;
	__u64 cgroup_id;	/* the socket's own cgroup */
	__u64 attach_cg;	/* the attached cgroup it falls under */
};

/* Network-order mask of 32-bit word w (0..3) of a prefix of plen bits. */
static inline __u32 vs_prefix_word_mask(__u32 plen, __u32 w)
{
	__u32 bits = plen > 32 * w ? plen - 32 * w : 0;

	if (bits >= 32)
		return 0xffffffffu;
	if (!bits)
		return 0;
	return vs_be32_to_host(0xffffffffu << (32 - bits));
}

/* Whether a and b agree on their first plen bits. */
static inline bool vs_prefix_match(const __u8 a[16], const __u8 b[16], __u32 plen)
{
	__u32 w, x, y;

	for (w = 0; w < 4; w++) {
		__builtin_memcpy(&x, a + 4 * w, 4);
		__builtin_memcpy(&y, b + 4 * w, 4);
		if ((x ^ y) & vs_prefix_word_mask(plen, w))
			return false;
	}
	return true;
}

static inline bool vs_rule_matches(const struct vs_rule *r, const struct vs_rule_subject *s)
{
	if ((r->match & VS_RM_PORT) && (s->port < r->port_lo || s->port > r->port_hi))
		return false;
	if ((r->match & VS_RM_CIDR) && !vs_prefix_match(r->addr, s->addr, r->plen))
		return false;
	if ((r->match & VS_RM_CGROUP) && r->cgroup_id != s->cgroup_id &&
	    r->cgroup_id != s->attach_cg)
		return false;
	if ((r->match & VS_RM_UID) && r->uid != s->uid)
		return false;
	return true;
}

static inline __u32 vs_rule_fields(const struct vs_rule *r)
{
	return !!(r->match & VS_RM_PORT) + !!(r->match & VS_RM_CIDR) +
	       !!(r->match & VS_RM_CGROUP) + !!(r->match & VS_RM_UID);
}

/* The order of a set: does a decide before b? */
static inline bool vs_rule_before(const struct vs_rule *a, const struct vs_rule *b)
{
	if (a->priority != b->priority)
		return a->priority < b->priority;
	if (vs_rule_fields(a) != vs_rule_fields(b))
		return vs_rule_fields(a) > vs_rule_fields(b);
	return a->id < b->id;
}

#ifndef __bpf__
_Static_assert(sizeof(struct vs_rule) == 48 + VS_CG_PATH_MAX, "vs_rule ABI");
_Static_assert(sizeof(struct vs_rule_subject) == 40, "vs_rule_subject ABI");
#endif

#endif /* VSOCK_RULES_H */
