// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Formatting of addresses, byte counts and option bits. Pure functions:
 * unit tested in tests/unit/test_fmt.c. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "vsock/abi.h"
#include "fmt.h"

static const __u8 v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

bool fmt_ip_is_v4mapped(const __u8 ip[16])
{
	return !memcmp(ip, v4mapped_prefix, sizeof(v4mapped_prefix));
}

bool fmt_ip_is_any(const __u8 ip[16])
{
	static const __u8 zero[16];

	if (fmt_ip_is_v4mapped(ip))
		return !memcmp(ip + 12, zero, 4);
	return !memcmp(ip, zero, 16);
}

/* Non-wildcard address in its own family's notation. */
static void ntop(char *buf, size_t len, const __u8 ip[16])
{
	if (fmt_ip_is_v4mapped(ip))
		inet_ntop(AF_INET, ip + 12, buf, len);
	else
		inet_ntop(AF_INET6, ip, buf, len);
}

char *fmt_ip(char *buf, size_t len, const __u8 ip[16], unsigned int family)
{
	char tmp[INET6_ADDRSTRLEN];

	if (fmt_ip_is_any(ip))
		snprintf(buf, len, "%s", family == AF_INET ? "0.0.0.0" : "::");
	else {
		ntop(tmp, sizeof(tmp), ip);
		snprintf(buf, len, "%s", tmp);
	}
	return buf;
}

char *fmt_hostport(char *buf, size_t len, const char *host, __u16 port)
{
	char svc[8];

	if (port)
		snprintf(svc, sizeof(svc), "%u", port);
	else
		snprintf(svc, sizeof(svc), "*");
	/* fmt_ip() writes a wildcard so and nothing else */
	if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::"))
		snprintf(buf, len, "*:%s", svc);
	else if (strchr(host, ':'))
		snprintf(buf, len, "[%s]:%s", host, svc);
	else
		snprintf(buf, len, "%s:%s", host, svc);
	return buf;
}

char *fmt_addr(char *buf, size_t len, const __u8 ip[16], __u16 port)
{
	char host[INET6_ADDRSTRLEN];

	return fmt_hostport(buf, len, fmt_ip(host, sizeof(host), ip, AF_INET6), port);
}

char *fmt_bytes(char *buf, size_t len, __u64 bytes)
{
	static const char units[] = "KMGTPE";
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
		return buf;
	}
	/* from 100 units on there is no decimal, so 1023.5K would round to
	 * "1024K": move up one more unit from there */
	while (v >= 1023.5 && u < (int)sizeof(units) - 2) {
		v /= 1024;
		u++;
	}
	if (v >= 99.95)
		snprintf(buf, len, "%.0f%c", v, units[u]);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

char *fmt_options(char *buf, size_t len, __u32 options)
{
	static const struct { __u32 bit; const char *name; } opts[] = {
		{ VS_OPT_NONBLOCK, "nonblock" },
		{ VS_OPT_NODELAY, "nodelay" },
		{ VS_OPT_KEEPALIVE, "keepalive" },
	};
	size_t i, off = 0;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (!(options & opts[i].bit))
			continue;
		if (off >= len)
			break;
		off += snprintf(buf + off, len - off, "%s%s",
				off ? "," : "", opts[i].name);
	}
	return buf;
}

char *fmt_comm(char *buf, size_t len, const char comm[16])
{
	snprintf(buf, len, "%.16s", comm);
	return buf;
}

char *fmt_owner(char *buf, size_t len, __u32 tgid, const char comm[16])
{
	if (!tgid)
		snprintf(buf, len, "-");
	else if (!comm[0])
		snprintf(buf, len, "%u", tgid);
	else
		snprintf(buf, len, "%u/%.16s", tgid, comm);
	return buf;
}
