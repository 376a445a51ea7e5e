// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Virtual-service rules as text (svcrule.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ruleerr.h"
#include "svcrule.h"
#include "vsock/policy.h"

static int parse_port(const char *s, const char *whole, __u16 *port, char *err,
		      size_t len)
{
	unsigned long v;
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return rule_errf(err, len, "'%s': missing port (ADDRESS:PORT)", whole);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v > 65535)
		return rule_errf(err, len, "'%s': bad port '%s' (1 to 65535)", whole, s);
	if (!v)
		return rule_errf(err, len, "'%s': port 0 is not allowed", whole);
	*port = (__u16)v;
	return 0;
}

int svc_parse_addr(const char *s, struct vs_addr *out, char *err, size_t len)
{
	static const __u8 zero[16];
	char host[64];
	const char *colon, *port;
	struct vs_addr a = { 0 };
	size_t n;
	__u32 ip4;

	if (!s || !*s)
		return rule_errf(err, len, "empty address (ADDRESS:PORT)");
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return rule_errf(err, len, "'%s': expected [IPV6]:PORT", s);
		n = (size_t)(close - s - 1);
		port = close + 2;
		if (n >= sizeof(host))
			return rule_errf(err, len, "'%s': bad IPv6 address", s);
		memcpy(host, s + 1, n);
		host[n] = 0;
		if (inet_pton(AF_INET6, host, a.ip) != 1)
			return rule_errf(err, len, "'%s': bad IPv6 address '%s'", s, host);
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return rule_errf(err, len, "'%s': expected A.B.C.D:PORT or [IPV6]:PORT", s);
		n = (size_t)(colon - s);
		if (memchr(s, ':', n))
			return rule_errf(err, len, "'%s': an IPv6 address needs brackets: [IPV6]:PORT", s);
		port = colon + 1;
		if (n >= sizeof(host))
			return rule_errf(err, len, "'%s': bad IPv4 address", s);
		memcpy(host, s, n);
		host[n] = 0;
		if (inet_pton(AF_INET, host, &ip4) != 1)
			return rule_errf(err, len, "'%s': bad IPv4 address '%s'", s, host);
		vs_ip_from_v4(a.ip, ip4);
	}
	if (!memcmp(a.ip, zero, 16) || (vs_ip_is_v4(a.ip) && !memcmp(a.ip + 12, zero, 4)))
		return rule_errf(err, len, "'%s': the unspecified address is not allowed", s);
	if (parse_port(port, s, &a.port, err, len))
		return -EINVAL;
	*out = a;
	return 0;
}

const char *svc_mode_name(unsigned int mode)
{
	return mode == VS_SVC_DIRECT ? "direct" : mode == VS_SVC_PROXY ? "proxy" : "?";
}

int svc_parse_mode(const char *s, __u8 *mode, char *err, size_t len)
{
	if (!strcmp(s, "direct"))
		*mode = VS_SVC_DIRECT;
	else if (!strcmp(s, "proxy"))
		*mode = VS_SVC_PROXY;
	else
		return rule_errf(err, len, "unknown mode '%s' (direct, proxy)", s);
	return 0;
}

static bool addr_eq(const struct vs_addr *a, const struct vs_addr *b)
{
	return !memcmp(a->ip, b->ip, 16) && a->port == b->port;
}

int svc_rule_add_backend(struct vs_svc_rule *r, const char *s, char *err, size_t len)
{
	struct vs_addr a;
	char buf[SVC_ADDR_STRLEN];
	int i;

	if (svc_parse_addr(s, &a, err, len))
		return -EINVAL;
	for (i = 0; i < r->nbackends; i++)
		if (addr_eq(&r->backends[i], &a))
			return rule_errf(err, len, "backend %s given twice",
				    svc_addr_str(&a, buf, sizeof(buf)));
	if (r->nbackends >= VS_SVC_MAX_BACKENDS)
		return rule_errf(err, len, "too many backends (at most %d)", VS_SVC_MAX_BACKENDS);
	r->backends[r->nbackends++] = a;
	return 0;
}

int svc_rule_check(const struct vs_svc_rule *r, char *err, size_t len)
{
	if (r->mode != VS_SVC_DIRECT && r->mode != VS_SVC_PROXY)
		return rule_errf(err, len, "unknown mode %u", r->mode);
	if (r->nbackends < 1)
		return rule_errf(err, len, "a service needs at least one backend");
	return 0;
}

/* backends=A,B,C; an empty element ("A,,B", "A,") is an error */
static int parse_backends(struct vs_svc_rule *r, char *list, char *err, size_t len)
{
	char *tok;

	if (!*list)
		return rule_errf(err, len, "backends= is empty");
	while ((tok = strsep(&list, ","))) {
		if (!*tok)
			return rule_errf(err, len, "backends=: empty address in the list");
		if (svc_rule_add_backend(r, tok, err, len))
			return -EINVAL;
	}
	return 0;
}

int svc_rule_parse_line(const char *s, struct vs_svc_rule *out, char *err, size_t len)
{
	struct vs_svc_rule r = { .mode = VS_SVC_DIRECT };
	bool have_backends = false, have_mode = false;
	char buf[1024], *save = NULL, *tok;
	int ret = 0;

	if (strlen(s) >= sizeof(buf))
		return rule_errf(err, len, "rule too long (at most %zu characters)", sizeof(buf) - 1);
	strcpy(buf, s);
	tok = strtok_r(buf, " \t", &save);
	if (!tok)
		return rule_errf(err, len, "empty rule: expected ADDRESS:PORT backends=ADDRESS:PORT[,...] [mode=direct|proxy]");
	if (strchr(tok, '='))
		return rule_errf(err, len, "'%s': the rule starts with the service ADDRESS:PORT", tok);
	if (svc_parse_addr(tok, &r.svc, err, len))
		return -EINVAL;
	while (!ret && (tok = strtok_r(NULL, " \t", &save))) {
		if (!strncmp(tok, "backends=", 9)) {
			if (have_backends)
				return rule_errf(err, len, "backends= given twice");
			have_backends = true;
			ret = parse_backends(&r, tok + 9, err, len);
		} else if (!strncmp(tok, "mode=", 5)) {
			if (have_mode)
				return rule_errf(err, len, "mode= given twice");
			have_mode = true;
			ret = svc_parse_mode(tok + 5, &r.mode, err, len);
		} else {
			return rule_errf(err, len, "unknown field '%s' (backends=, mode=)", tok);
		}
	}
	if (ret || svc_rule_check(&r, err, len))
		return -EINVAL;
	*out = r;
	return 0;
}

const char *svc_addr_str(const struct vs_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (vs_ip_is_v4(a->ip)) {
		inet_ntop(AF_INET, a->ip + 12, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, a->port);
	} else {
		inet_ntop(AF_INET6, a->ip, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	}
	return buf;
}
