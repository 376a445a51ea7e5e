// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* UTF-8 validation and repair for JSON strings (see jsonstr.h). */
#include <stdlib.h>
#include <string.h>
#include "jsonstr.h"

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

json_t *json_strn_repaired(const char *s, size_t n)
{
	size_t i = 0, l, o = 0;
	char *buf = malloc(n * 3 + 1);	/* each byte at worst U+FFFD */
	json_t *j;

	if (!buf)
		return NULL;
	while (i < n) {
		l = utf8_seq_len((const unsigned char *)s + i, n - i);
		if (l) {
			memcpy(buf + o, s + i, l);
			o += l;
			i += l;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	j = json_stringn_nocheck(buf, o);
	free(buf);
	return j;
}

json_t *json_str_repaired(const char *s, size_t max)
{
	if (!s)
		return json_null();
	return json_strn_repaired(s, strnlen(s, max));
}

json_t *json_csv_array(const char *csv)
{
	json_t *a = json_array();
	const char *p, *q;

	for (p = csv; a && p && *p; p = *q ? q + 1 : q) {
		q = strchrnul(p, ',');
		if (q > p && json_array_append_new(a, json_strn_repaired(p, q - p))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
