// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vs_btf_copy(): a value of an older layout into a newer one by member
 * names, with both layouts written as BTF here (what migrate.c reads from
 * the kernel for pinned maps). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include "internal.h"

struct v1 {			/* the old layout */
	uint32_t flags;
	int16_t delta;
	uint64_t attached_ns;
	char path[8];
	uint32_t gone;		/* dropped */
	struct { uint16_t port; uint8_t ip[4]; } addr;
};

struct v2 {			/* the new one: reordered, widened, grown */
	uint64_t attached_ns;
	int64_t delta;		/* wider, signed */
	uint16_t added;		/* new: zero */
	char path[16];
	uint64_t flags;
	struct { uint8_t ip[4]; uint16_t port; uint16_t scope; } addr;
};

/* Both layouts in one BTF; their ids in *id1, *id2. */
static struct btf *layouts(int *id1, int *id2)
{
	struct btf *b = btf__new_empty();
	int u8, u16, s16, u32, u64, s64, ch, path8, path16, ip4, a1, a2;

	u8 = btf__add_int(b, "u8", 1, 0);
	u16 = btf__add_int(b, "u16", 2, 0);
	s16 = btf__add_int(b, "s16", 2, BTF_INT_SIGNED);
	u32 = btf__add_int(b, "u32", 4, 0);
	u64 = btf__add_int(b, "u64", 8, 0);
	s64 = btf__add_int(b, "s64", 8, BTF_INT_SIGNED);
	ch = btf__add_int(b, "char", 1, BTF_INT_CHAR);
	path8 = btf__add_array(b, u32, ch, 8);
	path16 = btf__add_array(b, u32, ch, 16);
	ip4 = btf__add_array(b, u32, u8, 4);
	a1 = btf__add_struct(b, "a1", 6);
	btf__add_field(b, "port", u16, 0, 0);
	btf__add_field(b, "ip", ip4, 16, 0);
	a2 = btf__add_struct(b, "a2", 8);
	btf__add_field(b, "ip", ip4, 0, 0);
	btf__add_field(b, "port", u16, 32, 0);
	btf__add_field(b, "scope", u16, 48, 0);
	*id1 = btf__add_struct(b, "v1", sizeof(struct v1));
	btf__add_field(b, "flags", u32, 8 * offsetof(struct v1, flags), 0);
	btf__add_field(b, "delta", s16, 8 * offsetof(struct v1, delta), 0);
	btf__add_field(b, "attached_ns", u64, 8 * offsetof(struct v1, attached_ns), 0);
	btf__add_field(b, "path", path8, 8 * offsetof(struct v1, path), 0);
	btf__add_field(b, "gone", u32, 8 * offsetof(struct v1, gone), 0);
	btf__add_field(b, "addr", a1, 8 * offsetof(struct v1, addr), 0);
	*id2 = btf__add_struct(b, "v2", sizeof(struct v2));
	btf__add_field(b, "attached_ns", u64, 8 * offsetof(struct v2, attached_ns), 0);
	btf__add_field(b, "delta", s64, 8 * offsetof(struct v2, delta), 0);
	btf__add_field(b, "added", u16, 8 * offsetof(struct v2, added), 0);
	btf__add_field(b, "path", path16, 8 * offsetof(struct v2, path), 0);
	btf__add_field(b, "flags", u64, 8 * offsetof(struct v2, flags), 0);
	btf__add_field(b, "addr", a2, 8 * offsetof(struct v2, addr), 0);
	return b;
}

static void test_older_into_newer(void **state)
{
	struct v1 a = { .flags = 0x80000001u, .delta = -3, .attached_ns = 1234567890123ull,
			.path = "/app", .gone = 7, .addr = { 6379, { 10, 96, 0, 10 } } };
	struct v2 b;
	int id1, id2;
	struct btf *bt = layouts(&id1, &id2);

	(void)state;
	assert_non_null(bt);
	memset(&b, 0xaa, sizeof(b));
	assert_int_equal(vs_btf_copy(bt, id1, &a, bt, id2, &b), 0);
	assert_int_equal(b.attached_ns, 1234567890123ull);
	assert_int_equal(b.delta, -3);		/* sign-extended */
	assert_int_equal(b.added, 0);
	assert_string_equal(b.path, "/app");
	assert_int_equal(b.flags, 0x80000001u);	/* zero-extended */
	assert_int_equal(b.addr.port, 6379);
	assert_memory_equal(b.addr.ip, a.addr.ip, 4);
	assert_int_equal(b.addr.scope, 0);
	btf__free(bt);
}

/* Newer into older: narrowed, the longer array cut, the new member gone. */
static void test_newer_into_older(void **state)
{
	struct v2 b = { .attached_ns = 5, .delta = -2, .added = 9, .path = "/0123456789abcd",
			.flags = 3, .addr = { { 1, 2, 3, 4 }, 80, 1 } };
	struct v1 a;
	int id1, id2;
	struct btf *bt = layouts(&id1, &id2);

	(void)state;
	assert_int_equal(vs_btf_copy(bt, id2, &b, bt, id1, &a), 0);
	assert_int_equal(a.attached_ns, 5);
	assert_int_equal(a.delta, -2);
	assert_memory_equal(a.path, "/0123456", 8);
	assert_int_equal(a.flags, 3);
	assert_int_equal(a.gone, 0);
	assert_int_equal(a.addr.port, 80);
	btf__free(bt);
}

/* A struct against an integer cannot correspond. */
static void test_mismatch_refused(void **state)
{
	struct v1 a = { 0 };
	uint64_t x;
	int id1, id2;
	struct btf *bt = layouts(&id1, &id2);

	(void)state;
	assert_int_equal(vs_btf_copy(bt, id1, &a, bt, 5 /* u64 */, &x), -EINVAL);
	btf__free(bt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_older_into_newer),
		cmocka_unit_test(test_newer_into_older),
		cmocka_unit_test(test_mismatch_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
