/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A tiny streaming JSON writer: no external library for a few objects.
 * Compact output has no spaces; pretty output indents by two spaces. */
#ifndef VSOCKCTL_JSON_H
#define VSOCKCTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#define JW_MAX_DEPTH 16

struct jw {
	FILE *f;
	bool pretty;
	bool after_key;		/* next value belongs to the key just written */
	int depth;
	int count[JW_MAX_DEPTH + 1];	/* members written at each depth */
};

void jw_init(struct jw *w, FILE *f, bool pretty);
void jw_object_begin(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w);
void jw_array_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_keyn(struct jw *w, const char *key, size_t len);
void jw_string(struct jw *w, const char *s);	/* NULL writes null */
void jw_u64(struct jw *w, __u64 v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* End of the top-level value: a newline, so output is line-oriented. */
void jw_end(struct jw *w);
/* Write s as JSON string contents: escapes quotes, backslashes and control
 * characters; bytes that are not valid UTF-8 become U+FFFD. */
void jw_escape(FILE *f, const char *s, size_t len);
/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid:
 * rejects overlong forms, surrogates and code points above U+10FFFF. */
size_t json_utf8_len(const unsigned char *s, size_t n);

#endif /* VSOCKCTL_JSON_H */
