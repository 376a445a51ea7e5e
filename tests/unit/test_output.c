// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cli/output.c (and lib/jsonstr.c under it) against golden strings: JSON escaping,
 * compact and pretty layout, nested keys, table alignment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "jsonstr.h"
#include "output.h"

/* Output of one render, as a string the test frees. */
static char *render(const struct out_doc *d, enum out_mode mode)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(out_render(d, f, mode), 0);
	fclose(f);
	return buf;
}

/* A string member as the JSON output writes it, without the quotes. */
static char *escape(const char *s, size_t len)
{
	struct out_doc d;
	char *got, *body;
	size_t n;

	out_init(&d);
	out_json(out_record(&d, NULL, NULL), "s", json_strn_repaired(s, len));
	got = render(&d, OUT_JSON);
	out_free(&d);
	n = strlen(got);
	assert_true(n >= 9 && !strncmp(got, "{\"s\":\"", 6) && !strcmp(got + n - 3, "\"}\n"));
	body = strndup(got + 6, n - 9);
	free(got);
	return body;
}

static void expect_escape(const char *in, const char *want)
{
	char *got = escape(in, strlen(in));

	assert_string_equal(got, want);
	free(got);
}

/* jansson's escapes: the short ones, else \u with upper-case hex; DEL is
 * not a control character in JSON and stays as is. */
static void test_escape_specials(void **state)
{
	(void)state;
	expect_escape("plain /path", "plain /path");
	expect_escape("a\"b", "a\\\"b");
	expect_escape("back\\slash", "back\\\\slash");
	expect_escape("\b\f\n\r\t", "\\b\\f\\n\\r\\t");
	expect_escape("\x01\x1f\x7f", "\\u0001\\u001F\x7f");
}

/* Invalid UTF-8 becomes U+FFFD (written as UTF-8), one per bad byte. */
static void test_escape_utf8(void **state)
{
	char *got;

	(void)state;
	/* valid UTF-8 passes as is: 2, 3 and 4-byte sequences */
	expect_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
#define FFFD "\xef\xbf\xbd"
	expect_escape("bad\xff", "bad" FFFD);
	expect_escape("\xc0\x80", FFFD FFFD);			/* overlong NUL */
	expect_escape("\xed\xa0\x80", FFFD FFFD FFFD);		/* surrogate */
	expect_escape("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);	/* > U+10FFFF */
	expect_escape("\xe2\x82", FFFD FFFD);			/* truncated */
#undef FFFD
	/* a NUL inside the length is a control character, not the end */
	got = escape("a\0b", 3);
	assert_string_equal(got, "a\\u0000b");
	free(got);
}

/* Layout of both JSON modes; jansson's integers are signed 64-bit, so the
 * largest number is INT64_MAX (no counter comes near it). */
static void test_json_compact_and_pretty(void **state)
{
	struct out_doc d;
	struct out_row *r;
	char *got;

	(void)state;
	out_init(&d);
	r = out_record(&d, NULL, NULL);
	out_num(r, NULL, "a", INT64_MAX, NULL);
	out_json(r, "e", json_array());
	out_json(r, "o", json_object());
	out_json(r, "l", json_pack("[bnn]", 1));
	got = render(&d, OUT_JSON);
	assert_string_equal(got,
		"{\"a\":9223372036854775807,\"e\":[],\"o\":{},\"l\":[true,null,null]}\n");
	free(got);
	got = render(&d, OUT_PRETTY);
	assert_string_equal(got,
		"{\n"
		"  \"a\": 9223372036854775807,\n"
		"  \"e\": [],\n"
		"  \"o\": {},\n"
		"  \"l\": [\n"
		"    true,\n"
		"    null,\n"
		"    null\n"
		"  ]\n"
		"}\n");
	free(got);
	out_free(&d);
}

/* A document like 'sockets' builds: one unnamed table, dotted keys. */
static void sockets_like(struct out_doc *d)
{
	static const char *const cols[] = { "Cookie", "Local", "Reason", NULL };
	struct out_sect *t;
	struct out_row *r;

	out_init(d);
	t = out_table(d, NULL, NULL, cols);
	r = out_row_add(d, t);
	out_num(r, "Cookie", "cookie", 7, NULL);
	out_cell(r, "Local", "127.0.0.1:80", false);
	out_str(r, NULL, "local.address", "127.0.0.1");
	out_num(r, NULL, "local.port", 80, NULL);
	out_str(r, NULL, "remote.address", "::1");
	out_str(r, "Reason", "reason", "no_peer");
	out_list(r, NULL, "options", "nonblock,nodelay");
	out_num(r, NULL, "tx.redirected_bytes", 1, NULL);
	out_num(r, NULL, "tx.deep.x", 2, NULL);
	out_null(r, NULL, "rx");
	r = out_row_add(d, t);
	out_num(r, "Cookie", "cookie", 12345, NULL);
	out_cell(r, "Local", "[::1]:8080", false);
	out_str(r, "Reason", "reason", NULL);
	out_list(r, NULL, "options", "");
}

static void test_doc_json_compact(void **state)
{
	struct out_doc d;
	char *got;

	(void)state;
	sockets_like(&d);
	got = render(&d, OUT_JSON);
	assert_string_equal(got,
		"[{\"cookie\":7,\"local\":{\"address\":\"127.0.0.1\",\"port\":80},"
		"\"remote\":{\"address\":\"::1\"},\"reason\":\"no_peer\","
		"\"options\":[\"nonblock\",\"nodelay\"],"
		"\"tx\":{\"redirected_bytes\":1,\"deep\":{\"x\":2}},\"rx\":null},"
		"{\"cookie\":12345,\"reason\":null,\"options\":[]}]\n");
	free(got);
	out_free(&d);
}

static void test_doc_json_pretty(void **state)
{
	struct out_doc d;
	struct out_row *r;
	char *got;

	(void)state;
	out_init(&d);
	out_textf(&d, "attached %s", "/x");	/* text only */
	r = out_record(&d, NULL, NULL);
	out_str(r, NULL, "cgroup", "/x");
	out_bool(r, NULL, "changed", false);
	r = out_record(&d, "counters", "Counters");
	out_num(r, "a", "a", 1, NULL);
	out_num(r, NULL, "b.c", 0, NULL);
	out_table(&d, "empty", NULL, NULL);
	got = render(&d, OUT_PRETTY);
	assert_string_equal(got,
		"{\n"
		"  \"cgroup\": \"/x\",\n"
		"  \"changed\": false,\n"
		"  \"counters\": {\n"
		"    \"a\": 1,\n"
		"    \"b\": {\n"
		"      \"c\": 0\n"
		"    }\n"
		"  },\n"
		"  \"empty\": []\n"
		"}\n");
	free(got);
	out_free(&d);
}

static void test_empty_docs(void **state)
{
	static const char *const cols[] = { "A", "Long header", NULL };
	struct out_doc d;
	char *got;

	(void)state;
	out_init(&d);
	out_table(&d, NULL, NULL, cols);
	got = render(&d, OUT_JSON);
	assert_string_equal(got, "[]\n");
	free(got);
	got = render(&d, OUT_PRETTY);
	assert_string_equal(got, "[]\n");
	free(got);
	got = render(&d, OUT_TEXT);
	assert_string_equal(got, "A  Long header\n");
	free(got);
	out_free(&d);

	out_init(&d);
	got = render(&d, OUT_JSON);
	assert_string_equal(got, "{}\n");
	free(got);
	out_free(&d);
}

/* Numbers right, text left, '-' for empty, no blanks at line ends. */
static void test_table_alignment(void **state)
{
	struct out_doc d;
	char *got;

	(void)state;
	sockets_like(&d);
	got = render(&d, OUT_TEXT);
	assert_string_equal(got,
		"Cookie  Local         Reason\n"
		"     7  127.0.0.1:80  no_peer\n"
		" 12345  [::1]:8080    -\n");
	free(got);
	out_free(&d);
}

/* Kernel strings may hold control bytes or invalid UTF-8: one '?' each,
 * and the width counts characters, not bytes. */
static void test_table_sanitizes(void **state)
{
	static const char *const cols[] = { "Comm", "N", NULL };
	struct out_doc d;
	struct out_row *r;
	struct out_sect *t;
	char *got;

	(void)state;
	out_init(&d);
	t = out_table(&d, NULL, NULL, cols);
	r = out_row_add(&d, t);
	out_str(r, "Comm", "comm", "a\tb\xff");
	out_num(r, "N", "n", 1, NULL);
	r = out_row_add(&d, t);
	out_str(r, "Comm", "comm", "caf\xc3\xa9");
	out_num(r, "N", "n", 22, NULL);
	got = render(&d, OUT_TEXT);
	assert_string_equal(got,
		"Comm   N\n"
		"a?b?   1\n"
		"caf\xc3\xa9  22\n");
	free(got);
	out_free(&d);
}

/* Titled sections: a blank line before, contents indented. */
static void test_record_text(void **state)
{
	static const char *const cols[] = { "Cgroup", "ID", NULL };
	struct out_sect *t;
	struct out_doc d;
	struct out_row *r;
	char *got;

	(void)state;
	out_init(&d);
	r = out_record(&d, NULL, NULL);
	out_bool(r, "loaded", "loaded", true);
	out_str(r, "pin root", "pin_root", "/sys/fs/bpf/vsock");
	out_num(r, "max queued", "max_queued", 4194304, "4.0M");
	out_num(r, NULL, "json_only", 1, NULL);
	r = out_record(&d, "hidden", "Hidden");	/* JSON only: no title either */
	out_num(r, NULL, "x", 0, NULL);
	r = out_record(&d, "counters", "Counters");
	out_num(r, "msg_redirected", "msg_redirected", 10, NULL);
	out_num(r, "to_pass", "to_pass", 2, NULL);
	t = out_table(&d, "attached", "Attached", cols);
	r = out_row_add(&d, t);
	out_str(r, "Cgroup", "path", "/sys/fs/cgroup/a");
	out_num(r, "ID", "cgroup_id", 42, NULL);
	got = render(&d, OUT_TEXT);
	assert_string_equal(got,
		"loaded:     yes\n"
		"pin root:   /sys/fs/bpf/vsock\n"
		"max queued: 4.0M\n"
		"\n"
		"Counters:\n"
		"  msg_redirected: 10\n"
		"  to_pass:        2\n"
		"\n"
		"Attached:\n"
		"  Cgroup            ID\n"
		"  /sys/fs/cgroup/a  42\n");
	free(got);
	out_free(&d);
}

/* help and Prometheus text stay text under -j. */
static void test_text_only(void **state)
{
	struct out_doc d;
	char *got;

	(void)state;
	out_init(&d);
	d.text_only = true;
	out_textf(&d, "line %d", 1);
	out_textf(&d, "%s", "");
	got = render(&d, OUT_JSON);
	assert_string_equal(got, "line 1\n\n");
	free(got);
	out_free(&d);
}

static void test_null_row_is_ignored(void **state)
{
	(void)state;
	out_str(NULL, "A", "a", "x");
	out_num(NULL, "A", "a", 1, NULL);
	out_bool(NULL, "A", "a", true);
	out_null(NULL, "A", "a");
	out_list(NULL, "A", "a", "x");
	out_cell(NULL, "A", "x", false);
	assert_null(out_row_add(NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_specials),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_json_compact_and_pretty),
		cmocka_unit_test(test_doc_json_compact),
		cmocka_unit_test(test_doc_json_pretty),
		cmocka_unit_test(test_empty_docs),
		cmocka_unit_test(test_table_alignment),
		cmocka_unit_test(test_table_sanitizes),
		cmocka_unit_test(test_record_text),
		cmocka_unit_test(test_text_only),
		cmocka_unit_test(test_null_row_is_ignored),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
