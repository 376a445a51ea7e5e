// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target for lib/'s JSON input handling: kernel bytes (a comm,
 * a cgroup path) made into JSON strings (jsonstr.c), a comma list made
 * into an array, and a control-socket reply as vsockctl reads it
 * (ctlsock_reply_err). A repaired string must dump as JSON that loads back
 * to the same string, and equal the input when that was valid UTF-8. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ctlsock.h"
#include "jsonstr.h"

#define MAX_TEXT 65536

static bool valid_utf8(const uint8_t *s, size_t n)
{
	size_t i = 0, l;

	while (i < n) {
		l = utf8_seq_len(s + i, n - i);
		if (!l || l > n - i)
			return false;
		i += l;
	}
	return true;
}

static void repaired(const uint8_t *data, size_t size)
{
	json_t *j = json_strn_repaired((const char *)data, size), *back;
	char *dump;

	if (!j)
		return;
	if (valid_utf8(data, size) &&
	    (json_string_length(j) != size || memcmp(json_string_value(j), data, size)))
		abort();
	dump = json_dumps(j, JSON_ENCODE_ANY);
	if (!dump)
		abort();
	back = json_loads(dump, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!back || !json_equal(back, j))
		abort();
	json_decref(back);
	free(dump);
	json_decref(j);
}

static void csv(const uint8_t *data, size_t size)
{
	char text[MAX_TEXT + 1];
	json_t *a, *v;
	size_t i;

	memcpy(text, data, size);
	text[size] = '\0';
	a = json_csv_array(text);
	json_array_foreach(a, i, v)
		if (!json_string_length(v) || strchr(json_string_value(v), ','))
			abort();	/* empty items are skipped, commas split */
	json_decref(a);
}

static void reply(const uint8_t *data, size_t size)
{
	json_t *r = json_loadb((const char *)data, size, 0, NULL);
	char err[256];
	int n;

	if (!r)
		return;
	err[0] = 'x';
	n = ctlsock_reply_err(r, err, sizeof(err));
	if (n > 0 || n <= -4096 || (n && !memchr(err, '\0', sizeof(err))))
		abort();
	json_decref(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_TEXT)
		return 0;
	repaired(data, size);
	csv(data, size);
	reply(data, size);
	return 0;
}
