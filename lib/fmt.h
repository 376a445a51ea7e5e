/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Formatting of socket-table values for humans and for JSON, shared by
 * vsockctl and vsockd. Every function writes a NUL-terminated string into
 * buf (truncating if it must) and returns buf, so calls can be nested in
 * argument lists. */
#ifndef VSOCK_LIB_FMT_H
#define VSOCK_LIB_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Large enough for "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535". */
#define FMT_ADDR_LEN 56

/* True for ::ffff:a.b.c.d. */
bool fmt_ip_is_v4mapped(const __u8 ip[16]);
/* True for :: and ::ffff:0.0.0.0 (the wildcard of either family). */
bool fmt_ip_is_any(const __u8 ip[16]);

/* Address without port, for JSON: "127.0.0.1", "::1"; the wildcard is
 * "0.0.0.0" when family is AF_INET, else "::". */
char *fmt_ip(char *buf, size_t len, const __u8 ip[16], unsigned int family);

/* "a.b.c.d:port", "[v6]:port"; a wildcard address or port 0 is "*", as ss. */
char *fmt_addr(char *buf, size_t len, const __u8 ip[16], __u16 port);
/* The same from host as fmt_ip() wrote it (the JSON of a socket). */
char *fmt_hostport(char *buf, size_t len, const char *host, __u16 port);

/* Byte count for tables: exact below 1024, else one decimal and a binary
 * unit ("1.5K", "12.0M"), no decimal from 100 units up ("512K"). */
char *fmt_bytes(char *buf, size_t len, __u64 bytes);

/* "nonblock,nodelay,keepalive" from VS_OPT_* bits; "" when none. */
char *fmt_options(char *buf, size_t len, __u32 options);

/* Process column: "1234/comm", "-" when the owner is unknown. comm need
 * not be NUL-terminated (it is a fixed 16-byte kernel field). */
char *fmt_owner(char *buf, size_t len, __u32 tgid, const char comm[16]);

/* Copy a kernel comm[16] into a C string. */
char *fmt_comm(char *buf, size_t len, const char comm[16]);

#endif /* VSOCK_LIB_FMT_H */
