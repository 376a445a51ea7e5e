/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The one error helper of the rule parsers (svcrule.c, policyrule.c). */
#ifndef VSOCK_RULEERR_H
#define VSOCK_RULEERR_H

#include <stddef.h>

/* Format one error line into err (if any); returns -EINVAL. */
int rule_errf(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* VSOCK_RULEERR_H */
