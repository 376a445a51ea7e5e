// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* daemon/proctbl.c, daemon/u64map.c and the /proc stat parser: the
 * handle tables' operations, pid reuse, the bounds, generations. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "proctbl.h"
#include "procfs.h"
#include "u64map.h"

static const struct proctbl_limits lim = {
	.max_procs = 4, .max_handles_per_proc = 8, .max_handles = 20,
};

static struct proc_info pinfo(__u32 tgid, __u64 start)
{
	struct proc_info i;

	memset(&i, 0, sizeof(i));
	i.tgid = tgid;
	i.start = start;
	snprintf(i.comm, sizeof(i.comm), "p%u", tgid);
	snprintf(i.cgroup, sizeof(i.cgroup), "/app");
	return i;
}

/* n handles: fd base+i → cookie 1000*base + i */
static void fill(struct proc_handle *h, unsigned int n, int base)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		h[i].fd = base + (int)(n - 1 - i);	/* unsorted on purpose */
		h[i].pad = 0;
		h[i].cookie = 1000ull * base + (n - 1 - i);
	}
}

static void test_set_get_lookup(void **state)
{
	struct proctbl *t = proctbl_new(&lim);
	struct proc_info i = pinfo(100, 5);
	struct proc_handle h[5];
	struct proc *p;
	__u64 cookie;

	(void)state;
	fill(h, 5, 3);
	assert_int_equal(proctbl_set(t, &i, h, 5), 0);
	assert_int_equal(proctbl_nprocs(t), 1);
	assert_int_equal(proctbl_nhandles(t), 5);
	p = proctbl_get(t, 100, 0);
	assert_non_null(p);
	assert_string_equal(p->info.comm, "p100");
	assert_int_equal(p->nh, 5);
	/* sorted by fd */
	assert_int_equal(p->h[0].fd, 3);
	assert_int_equal(p->h[4].fd, 7);
	assert_true(proc_lookup_fd(p, 5, &cookie));
	assert_int_equal(cookie, 3002);
	assert_false(proc_lookup_fd(p, 8, &cookie));
	proctbl_put(t, p);
	/* exact lookups check the start time */
	assert_null(proctbl_get(t, 100, 6));
	p = proctbl_get(t, 100, 5);
	assert_non_null(p);
	proctbl_put(t, p);
	assert_null(proctbl_get(t, 101, 0));
	proctbl_free(t);
}

static void test_replace_and_remove(void **state)
{
	struct proctbl *t = proctbl_new(&lim);
	struct proc_info i = pinfo(100, 5);
	struct proc_handle h[5];
	struct proc *p;

	(void)state;
	fill(h, 5, 3);
	assert_int_equal(proctbl_set(t, &i, h, 5), 0);
	/* a refresh replaces the private table */
	assert_int_equal(proctbl_set(t, &i, h, 2), 0);
	assert_int_equal(proctbl_nhandles(t), 2);
	/* no handle left: the process leaves the master table */
	assert_int_equal(proctbl_set(t, &i, NULL, 0), 0);
	assert_int_equal(proctbl_nprocs(t), 0);
	assert_int_equal(proctbl_nhandles(t), 0);
	assert_int_equal(proctbl_set(t, &i, h, 1), 0);
	assert_int_equal(proctbl_remove(t, 100, 9), -ENOENT);	/* not that process */
	assert_int_equal(proctbl_remove(t, 100, 5), 0);
	assert_int_equal(proctbl_remove(t, 100, 0), -ENOENT);
	p = proctbl_get(t, 100, 0);
	assert_null(p);
	/* duplicate fds keep one */
	h[1].fd = h[0].fd;
	assert_int_equal(proctbl_set(t, &i, h, 2), 0);
	assert_int_equal(proctbl_nhandles(t), 1);
	assert_int_equal(proctbl_set(t, &(struct proc_info){ 0 }, h, 1), -EINVAL);
	proctbl_free(t);
}

/* Same pid, another start time: another process. Its table must not
 * inherit a single handle of the one that had the pid before. */
static void test_pid_reuse(void **state)
{
	struct proctbl *t = proctbl_new(&lim);
	struct proc_info old = pinfo(100, 5), new = pinfo(100, 77);
	struct proc_handle h[4];
	struct proc *p;

	(void)state;
	fill(h, 4, 3);
	assert_int_equal(proctbl_set(t, &old, h, 4), 0);
	fill(h, 1, 9);
	snprintf(new.comm, sizeof(new.comm), "newer");
	assert_int_equal(proctbl_set(t, &new, h, 1), 0);
	assert_int_equal(proctbl_nprocs(t), 1);
	assert_int_equal(proctbl_nhandles(t), 1);
	assert_null(proctbl_get(t, 100, 5));
	p = proctbl_get(t, 100, 0);
	assert_non_null(p);
	assert_int_equal(p->info.start, 77);
	assert_string_equal(p->info.comm, "newer");
	assert_int_equal(p->nh, 1);
	assert_false(proc_lookup_fd(p, 3, NULL));
	assert_true(proc_lookup_fd(p, 9, NULL));
	proctbl_put(t, p);
	/* removing the old process by its identity leaves the new one */
	assert_int_equal(proctbl_remove(t, 100, 5), -ENOENT);
	assert_int_equal(proctbl_nprocs(t), 1);
	proctbl_free(t);
}

static void test_bounds(void **state)
{
	struct proctbl *t = proctbl_new(&lim);
	struct proc_handle h[12];
	struct proc_info i;
	struct proc *p;
	unsigned int k;

	(void)state;
	/* per process: 12 offered, 8 kept, 4 counted */
	fill(h, 12, 3);
	i = pinfo(1, 1);
	assert_int_equal(proctbl_set(t, &i, h, 12), 0);
	p = proctbl_get(t, 1, 0);
	assert_int_equal(p->nh, 8);
	assert_int_equal(p->dropped, 4);
	assert_int_equal(p->h[7].fd, 10);	/* the lowest fds are kept */
	proctbl_put(t, p);
	assert_int_equal(t->handles_refused, 4);
	/* in all: 20 handles; the third process of 8 gets the 4 left */
	i = pinfo(2, 1);
	assert_int_equal(proctbl_set(t, &i, h, 8), 0);
	i = pinfo(3, 1);
	assert_int_equal(proctbl_set(t, &i, h, 8), 0);
	assert_int_equal(proctbl_nhandles(t), 20);
	p = proctbl_get(t, 3, 0);
	assert_int_equal(p->nh, 4);
	proctbl_put(t, p);
	/* a process whose table is full keeps its room on a refresh */
	i = pinfo(1, 1);
	assert_int_equal(proctbl_set(t, &i, h, 8), 0);
	assert_int_equal(proctbl_nhandles(t), 20);
	/* processes: 4 at most; a new one once the handles ran out has no room
	 * for a single handle and is not kept */
	i = pinfo(4, 1);
	assert_int_equal(proctbl_set(t, &i, h, 1), 0);
	assert_int_equal(proctbl_nprocs(t), 3);
	i = pinfo(3, 1);
	assert_int_equal(proctbl_set(t, &i, h, 1), 0);	/* frees 3 handles */
	for (k = 4; k <= 5; k++) {
		i = pinfo(k, 1);
		assert_int_equal(proctbl_set(t, &i, h, 1), k == 4 ? 0 : -ENOSPC);
	}
	assert_int_equal(proctbl_nprocs(t), 4);
	assert_int_equal(t->procs_refused, 1);
	proctbl_free(t);
}

static void test_generations(void **state)
{
	struct proctbl *t = proctbl_new(&lim);
	struct proc_handle h[2];
	struct proc_info i;
	unsigned int gen;

	(void)state;
	fill(h, 2, 3);
	for (i = pinfo(1, 1); i.tgid <= 3; i = pinfo(i.tgid + 1, 1))
		assert_int_equal(proctbl_set(t, &i, h, 2), 0);
	/* a rebuild that saw only process 2 */
	gen = proctbl_begin_gen(t);
	i = pinfo(2, 1);
	assert_int_equal(proctbl_set(t, &i, h, 1), 0);
	assert_int_equal(proctbl_end_gen(t, gen), 2);
	assert_int_equal(proctbl_nprocs(t), 1);
	assert_int_equal(proctbl_nhandles(t), 1);
	proctbl_free(t);
}

static int count_cb(struct proc *p, void *ctx)
{
	*(unsigned int *)ctx += p->nh;
	return 0;
}

static void test_for_each_and_limits(void **state)
{
	struct proctbl_limits small = { .max_procs = 2, .max_handles_per_proc = 8,
					.max_handles = 20 };
	struct proctbl *t = proctbl_new(&lim);
	struct proc_handle h[3];
	struct proc_info i;
	unsigned int n = 0;

	(void)state;
	fill(h, 3, 3);
	for (i = pinfo(1, 1); i.tgid <= 3; i = pinfo(i.tgid + 1, 1))
		assert_int_equal(proctbl_set(t, &i, h, 3), 0);
	assert_int_equal(proctbl_for_each(t, count_cb, &n), 0);
	assert_int_equal(n, 9);
	/* growing keeps the table; shrinking empties it for a rescan */
	proctbl_set_limits(t, &(struct proctbl_limits){ 8, 8, 40 });
	assert_int_equal(proctbl_nprocs(t), 3);
	proctbl_set_limits(t, &small);
	assert_int_equal(proctbl_nprocs(t), 0);
	assert_int_equal(proctbl_nhandles(t), 0);
	proctbl_free(t);
}

struct remover {
	struct proctbl *t;
	volatile int done;
};

static void *remove_thread(void *arg)
{
	struct remover *r = arg;

	proctbl_remove(r->t, 7, 0);
	r->done = 1;
	return NULL;
}

/* A lookup locks only the process it found: another process can be read
 * meanwhile, and a removal waits for the reader instead of freeing the
 * table under it. */
static void test_lookup_locks_one(void **state)
{
	struct proctbl *t = proctbl_new(&lim);
	struct proc_info a = pinfo(7, 1), b = pinfo(8, 1);
	struct remover rm = { .t = t };
	struct proc_handle h[3];
	struct proc *p, *q;
	pthread_t th;

	(void)state;
	fill(h, 3, 3);
	assert_int_equal(proctbl_set(t, &a, h, 3), 0);
	assert_int_equal(proctbl_set(t, &b, h, 1), 0);
	p = proctbl_get(t, 7, 0);
	assert_non_null(p);
	q = proctbl_get(t, 8, 0);	/* would deadlock if p held more than itself */
	assert_non_null(q);
	assert_int_equal(q->nh, 1);
	proctbl_put(t, q);

	assert_int_equal(pthread_create(&th, NULL, remove_thread, &rm), 0);
	usleep(50000);
	assert_int_equal(rm.done, 0);	/* waits for the reader */
	assert_int_equal(p->nh, 3);
	assert_true(proc_lookup_fd(p, 4, NULL));
	proctbl_put(t, p);
	pthread_join(th, NULL);
	assert_int_equal(rm.done, 1);
	assert_null(proctbl_get(t, 7, 0));
	assert_int_equal(proctbl_nhandles(t), 1);
	proctbl_free(t);
}

static void test_parse_stat(void **state)
{
	char comm[16];
	__u64 start = 0;

	(void)state;
	/* comm may hold spaces and parentheses: the last ')' ends it */
	assert_int_equal(procfs_parse_stat(
		"4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
		"987654321 1000 100 18446744073709551615", comm, &start), 0);
	assert_string_equal(comm, "a) b (c");
	assert_int_equal(start, 987654321ull);
	assert_int_equal(procfs_parse_stat("1 (x) S 1 2", comm, &start), -EINVAL);
	assert_int_equal(procfs_parse_stat("garbage", comm, &start), -EINVAL);
	/* a line that ends at ')': nothing past its NUL is read (fuzz_procstat
	 * found it; the fields behind the NUL here were parsed before) */
	{
		static const char cut[] = "1 (x)\0 S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 77 0";

		assert_int_equal(procfs_parse_stat(cut, comm, &start), -EINVAL);
	}
	/* our own stat parses, and its start time is stable */
	{
		__u64 a = 0, b = 0;

		assert_int_equal(procfs_start((__u32)getpid(), &a), 0);
		assert_int_equal(procfs_start((__u32)getpid(), &b), 0);
		assert_true(a > 0);
		assert_int_equal(a, b);
	}
}

/* The user a control client must be to read a process's handles. */
static void test_parse_uid(void **state)
{
	__u32 uid = 7;

	(void)state;
	assert_int_equal(procfs_parse_uid("Name:\tx\nUid:\t1000\t1000\t1000\t1000\nGid:\t1\n",
					  &uid), 0);
	assert_int_equal(uid, 1000);
	/* setuid root run by 1000, or able to switch back: nobody's */
	assert_int_equal(procfs_parse_uid("Uid:\t1000\t0\t0\t0\n", &uid), 0);
	assert_int_equal(uid, (__u32)-1);
	assert_int_equal(procfs_parse_uid("Uid:\t1000\t1000\t0\t1000\n", &uid), 0);
	assert_int_equal(uid, (__u32)-1);
	assert_int_equal(procfs_parse_uid("Name:\tUid:\t5\n", &uid), -EINVAL);
	assert_int_equal(procfs_parse_uid("Uid:\t1\t2\n", &uid), -EINVAL);
	assert_int_equal(procfs_parse_uid("Uid:\t-1\t-1\t-1\t-1\n", &uid), -EINVAL);
	assert_int_equal(procfs_parse_uid("", &uid), -EINVAL);
	/* ours */
	assert_int_equal(procfs_owner((__u32)getpid(), &uid), 0);
	assert_int_equal(uid, getuid() == geteuid() ? getuid() : (__u32)-1);
}

static void test_u64map(void **state)
{
	struct u64map m;
	__u64 v, k;

	(void)state;
	u64map_init(&m);
	assert_false(u64map_get(&m, 1, &v));
	assert_int_equal(u64map_put(&m, 0, 1), -EINVAL);
	for (k = 1; k <= 5000; k++)
		assert_int_equal(u64map_put(&m, k * 7919, k), 0);
	assert_int_equal(m.n, 5000);
	assert_int_equal(u64map_put(&m, 7919, 42), 0);
	assert_int_equal(m.n, 5000);
	assert_true(u64map_get(&m, 7919, &v));
	assert_int_equal(v, 42);
	/* deletion keeps every other key reachable (backward shift) */
	for (k = 1; k <= 5000; k += 2)
		assert_true(u64map_del(&m, k * 7919));
	assert_false(u64map_del(&m, 7919));
	for (k = 1; k <= 5000; k++)
		assert_int_equal(u64map_get(&m, k * 7919, &v), k % 2 == 0);
	assert_int_equal(m.n, 2500);
	u64map_clear(&m);
	assert_int_equal(m.n, 0);
	assert_false(u64map_get(&m, 2 * 7919, NULL));
	u64map_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_get_lookup),
		cmocka_unit_test(test_replace_and_remove),
		cmocka_unit_test(test_pid_reuse),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_generations),
		cmocka_unit_test(test_for_each_and_limits),
		cmocka_unit_test(test_lookup_locks_one),
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_parse_uid),
		cmocka_unit_test(test_u64map),
	};

	return cmocka_run_group_tests_name("proctbl", tests, NULL, NULL);
}
