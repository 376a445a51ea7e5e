// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The one error helper of the rule parsers (ruleerr.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include "ruleerr.h"

int rule_errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}
