// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Policy rules as text (policyrule.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policyrule.h"
#include "ruleerr.h"
#include "vsock/svc.h"

#define MAX_WORDS 16	/* the longest rule has 11 */

const char *policy_action_name(unsigned int action)
{
	return action == VS_RULE_ALLOW ? "allow" : action == VS_RULE_DENY ? "deny" : "?";
}

/* Strict decimal in [min, max]: no sign, no blanks, no suffix. */
static int parse_num(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_port(const char *s, __u16 *port, char *err, size_t len)
{
	unsigned long long v;

	if (parse_num(s, 65535, &v) || !v)
		return rule_errf(err, len, "port: bad port '%s' (1 to 65535)", s);
	*port = (__u16)v;
	return 0;
}

/* N or N-M */
static int parse_ports(const char *s, struct vs_rule *r, char *err, size_t len)
{
	char lo[16];
	const char *dash = strchr(s, '-');
	size_t n = dash ? (size_t)(dash - s) : strlen(s);

	if (n >= sizeof(lo))
		return rule_errf(err, len, "port: bad port '%.*s' (1 to 65535)", (int)n, s);
	memcpy(lo, s, n);
	lo[n] = 0;
	if (parse_port(lo, &r->port_lo, err, len))
		return -EINVAL;
	r->port_hi = r->port_lo;
	if (dash && parse_port(dash + 1, &r->port_hi, err, len))
		return -EINVAL;
	if (r->port_hi < r->port_lo)
		return rule_errf(err, len, "port: range '%s' ends before it starts", s);
	return 0;
}

/* A/B, IPv4 or IPv6; host bits must be 0 (a typo would match elsewhere). */
static int parse_cidr(const char *s, struct vs_rule *r, char *err, size_t len)
{
	const char *slash = strchr(s, '/');
	unsigned long long plen;
	__u8 addr[16], masked[16];
	unsigned int i;
	char host[64];
	bool v6 = strchr(s, ':') != NULL;
	__u32 ip4;
	size_t n;

	if (!slash)
		return rule_errf(err, len, "cidr: '%s': expected ADDRESS/PREFIX", s);
	n = (size_t)(slash - s);
	if (!n || n >= sizeof(host))
		return rule_errf(err, len, "cidr: '%s': bad address", s);
	memcpy(host, s, n);
	host[n] = 0;
	if (v6 ? inet_pton(AF_INET6, host, addr) != 1 : inet_pton(AF_INET, host, &ip4) != 1)
		return rule_errf(err, len, "cidr: '%s': bad %s address '%s'", s,
				 v6 ? "IPv6" : "IPv4", host);
	if (parse_num(slash + 1, v6 ? 128 : 32, &plen))
		return rule_errf(err, len, "cidr: '%s': bad prefix length '%s' (0 to %d)", s,
				 slash + 1, v6 ? 128 : 32);
	if (!v6) {
		vs_ip_from_v4(addr, ip4);
		plen += 96;
	}
	/* the bits after the prefix: zero when a zero address matches them */
	memset(masked, 0, sizeof(masked));
	for (i = 0; i < 16; i++)
		masked[i] = addr[i] & (__u8)(i < plen / 8 ? 0xff :
					    i == plen / 8 ? 0xff00 >> (plen % 8) : 0);
	if (memcmp(masked, addr, 16))
		return rule_errf(err, len, "cidr: '%s': host bits are set (the network is "
				 "written with zeros after the prefix)", s);
	memcpy(r->addr, addr, 16);
	r->plen = (__u8)plen;
	return 0;
}

static int parse_uid(const char *s, struct vs_rule *r, char *err, size_t len)
{
	unsigned long long v;

	/* (uid_t)-1 is no user: setresuid()'s "unchanged" */
	if (parse_num(s, 4294967294ull, &v))
		return rule_errf(err, len, "uid: bad uid '%s' (0 to 4294967294)", s);
	r->uid = (__u32)v;
	return 0;
}

static int parse_cgroup(const char *s, struct vs_rule *r, char *err, size_t len)
{
	if (!*s)
		return rule_errf(err, len, "cgroup: empty path");
	if (strlen(s) >= sizeof(r->cgroup))
		return rule_errf(err, len, "cgroup: path too long (at most %zu characters)",
				 sizeof(r->cgroup) - 1);
	snprintf(r->cgroup, sizeof(r->cgroup), "%s", s);
	return 0;
}

static int parse_priority(const char *s, struct vs_rule *r, char *err, size_t len)
{
	unsigned long long v;

	if (parse_num(s, VS_RULE_PRIO_MAX, &v))
		return rule_errf(err, len, "--priority: bad priority '%s' (0 to %d)", s,
				 VS_RULE_PRIO_MAX);
	r->priority = (__u16)v;
	return 0;
}

/* The keywords after the action: each takes one value, each at most once. */
static const struct {
	const char *name;
	__u8 bit;		/* VS_RM_*, 0 for --priority */
	int (*parse)(const char *s, struct vs_rule *r, char *err, size_t len);
} keys[] = {
	{ "port", VS_RM_PORT, parse_ports },
	{ "cidr", VS_RM_CIDR, parse_cidr },
	{ "cgroup", VS_RM_CGROUP, parse_cgroup },
	{ "uid", VS_RM_UID, parse_uid },
	{ "--priority", 0, parse_priority },
};

int policy_rule_parse(int argc, char **argv, struct vs_rule *out, char *err, size_t len)
{
	struct vs_rule r = { .priority = VS_RULE_PRIO_DEFAULT };
	bool prio_given = false;
	unsigned int k;
	int i;

	if (argc < 1 || !argv[0])
		return rule_errf(err, len, "missing action (allow, deny)");
	if (!strcmp(argv[0], "allow"))
		r.action = VS_RULE_ALLOW;
	else if (!strcmp(argv[0], "deny"))
		r.action = VS_RULE_DENY;
	else
		return rule_errf(err, len, "unknown action '%s' (allow, deny)", argv[0]);
	for (i = 1; i < argc; i += 2) {
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(argv[i], keys[k].name))
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			return rule_errf(err, len, "unknown keyword '%s' (port, cidr, cgroup, uid, "
					 "--priority)", argv[i]);
		if (keys[k].bit ? (r.match & keys[k].bit) != 0 : prio_given)
			return rule_errf(err, len, "'%s' given twice", argv[i]);
		if (i + 1 >= argc)
			return rule_errf(err, len, "'%s' needs a value", argv[i]);
		if (keys[k].parse(argv[i + 1], &r, err, len))
			return -EINVAL;
		r.match |= keys[k].bit;
		prio_given |= !keys[k].bit;
	}
	*out = r;
	return 0;
}

int policy_rule_parse_line(const char *s, struct vs_rule *r, char *err, size_t len)
{
	char buf[1024], *words[MAX_WORDS], *save = NULL, *tok;
	int n = 0;

	if (strlen(s) >= sizeof(buf))
		return rule_errf(err, len, "rule too long (at most %zu characters)",
				 sizeof(buf) - 1);
	strcpy(buf, s);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (n == MAX_WORDS)
			return rule_errf(err, len, "too many words in the rule (at most %d)",
					 MAX_WORDS);
		words[n++] = tok;
	}
	if (!n)
		return rule_errf(err, len, "empty rule: expected allow|deny [port N|N-M] "
				 "[cidr A/B] [cgroup PATH] [uid U] [--priority P]");
	return policy_rule_parse(n, words, r, err, len);
}

static void cidr_str(const struct vs_rule *r, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (vs_ip_is_v4(r->addr) && r->plen >= 96) {
		inet_ntop(AF_INET, r->addr + 12, ip, sizeof(ip));
		snprintf(buf, len, "%s/%u", ip, r->plen - 96u);
	} else {
		inet_ntop(AF_INET6, r->addr, ip, sizeof(ip));
		snprintf(buf, len, "%s/%u", ip, r->plen);
	}
}

const char *policy_rule_match_str(const struct vs_rule *r, char *buf, size_t len)
{
	char cidr[INET6_ADDRSTRLEN + 8];
	size_t n = 0;

	buf[0] = 0;
#define ADD(...) (n += (size_t)snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__))
	if (r->match & VS_RM_PORT) {
		if (r->port_lo == r->port_hi)
			ADD("port %u ", r->port_lo);
		else
			ADD("port %u-%u ", r->port_lo, r->port_hi);
	}
	if (r->match & VS_RM_CIDR) {
		cidr_str(r, cidr, sizeof(cidr));
		ADD("cidr %s ", cidr);
	}
	if (r->match & VS_RM_CGROUP)
		ADD("cgroup %.*s ", (int)sizeof(r->cgroup), r->cgroup);
	if (r->match & VS_RM_UID)
		ADD("uid %u ", r->uid);
#undef ADD
	if (!n)
		snprintf(buf, len, "any");
	else if (n <= len)
		buf[n - 1] = 0;	/* the last blank */
	return buf;
}
