/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Virtual-service rules as text: addresses, modes and whole rules, parsed
 * and validated without touching the kernel. vsockctl proxy and vsockd's
 * [proxy] section share it, so one rule means the same thing in both.
 * Errors are one line in err (no trailing newline); nothing is half-set. */
#ifndef VSOCK_SVCRULE_H
#define VSOCK_SVCRULE_H

#include <stddef.h>
#include "vsock/svc.h"

#define SVC_ERR_LEN 256
/* "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535" and a NUL */
#define SVC_ADDR_STRLEN 56

/* "A.B.C.D:PORT" or "[IPV6]:PORT", port 1..65535, into canonical form
 * (IPv4 as ::ffff:a.b.c.d). 0 or -EINVAL. */
int svc_parse_addr(const char *s, struct vs_addr *out, char *err, size_t len);
/* "direct" or "proxy". 0 or -EINVAL. */
int svc_parse_mode(const char *s, __u8 *mode, char *err, size_t len);
/* Append a backend: refused when it is there already or the rule is full. */
int svc_rule_add_backend(struct vs_svc_rule *r, const char *s, char *err, size_t len);
/* A rule ready to be written: at least one backend. 0 or -EINVAL. */
int svc_rule_check(const struct vs_svc_rule *r, char *err, size_t len);
/* One config value: "ADDR backends=ADDR[,ADDR...] [mode=direct|proxy]"
 * (fields separated by blanks; mode defaults to direct). 0 or -EINVAL. */
int svc_rule_parse_line(const char *s, struct vs_svc_rule *r, char *err, size_t len);
/* "10.96.0.10:6379" or "[fd00::10]:80"; buf of SVC_ADDR_STRLEN bytes. */
const char *svc_addr_str(const struct vs_addr *a, char *buf, size_t len);
/* "direct", "proxy" or "?" */
const char *svc_mode_name(unsigned int mode);

#endif /* VSOCK_SVCRULE_H */
