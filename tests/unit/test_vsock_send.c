// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libvsock's vsock_send_multi(): argument checks, the round plan for a
 * descriptor listed twice, what each check and send result means, and the
 * per-descriptor results for descriptors of every kind, partial sends,
 * SIGPIPE and MSG_MORE, through both backends (io_uring, and send() with VSOCK_NO_IO_URING=1). Loopback TCP
 * and socketpairs only: no privileges, no vsock programs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vsock/vsock.h"
#include "plan.h"

/* ---- argument checks and the plan (no descriptors) ---- */

static void test_bad_arguments_send_nothing(void **state)
{
	struct vsock_send_result res[2] = { { 7, 7 }, { 7, 7 } };
	int fds[2] = { 0, 1 };
	char b = 'x';

	(void)state;
	errno = 0;
	assert_int_equal(vsock_send_multi(NULL, 2, &b, 1, 0, res), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(vsock_send_multi(fds, 2, &b, 1, 0, NULL), -1);
	assert_int_equal(vsock_send_multi(fds, 2, NULL, 1, 0, res), -1);
	assert_int_equal(vsock_send_multi(fds, 2, &b, (size_t)INT32_MAX + 1, 0, res), -1);
	assert_int_equal(vsock_send_multi(fds, VSOCK_SEND_MULTI_MAX + 1, &b, 1, 0, res), -1);
	/* flags beyond MSG_NOSIGNAL, MSG_DONTWAIT, MSG_MORE */
	assert_int_equal(vsock_send_multi(fds, 2, &b, 1, MSG_OOB, res), -1);
	assert_int_equal(vsock_send_multi(fds, 2, &b, 1, MSG_WAITALL, res), -1);
	assert_int_equal(errno, EINVAL);
	/* res untouched */
	assert_int_equal(res[0].sent, 7);
	assert_int_equal(res[1].err, 7);
	/* nothing to do is not an error */
	assert_int_equal(vsock_send_multi(NULL, 0, NULL, 0, 0, NULL), 0);
}

static void test_plan_without_duplicates_is_one_round(void **state)
{
	int fds[4] = { 9, 3, 5, 4 };
	size_t order[4], prev[4];
	unsigned int round[4];

	(void)state;
	assert_int_equal(vs_plan_rounds(fds, 4, order, round, prev), 1);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(round[i], 0);
		assert_true(prev[i] == VS_NO_PREV);
	}
	assert_int_equal(vs_plan_rounds(fds, 0, order, round, prev), 0);
}

static void test_plan_puts_copies_in_later_rounds(void **state)
{
	int fds[6] = { 5, 7, 5, 8, 5, 7 };
	size_t order[6], prev[6];
	unsigned int round[6];

	(void)state;
	assert_int_equal(vs_plan_rounds(fds, 6, order, round, prev), 3);
	assert_int_equal(round[0], 0);
	assert_int_equal(round[2], 1);
	assert_int_equal(prev[2], 0);
	assert_int_equal(round[4], 2);
	assert_int_equal(prev[4], 2);
	assert_int_equal(round[5], 1);
	assert_int_equal(prev[5], 1);
	assert_int_equal(round[3], 0);
	assert_true(prev[3] == VS_NO_PREV);
}

static void test_check_verdicts(void **state)
{
	(void)state;
	assert_int_equal(vs_check_verdict(4, IPPROTO_TCP), 0);
	assert_int_equal(vs_check_verdict(-EBADF, 0), EBADF);
	assert_int_equal(vs_check_verdict(-ENOTSOCK, 0), ENOTSOCK);
	assert_int_equal(vs_check_verdict(4, IPPROTO_UDP), EPROTOTYPE);
	assert_int_equal(vs_check_verdict(4, 0), EPROTOTYPE);	/* AF_UNIX */
	assert_int_equal(vs_check_verdict(4, IPPROTO_MPTCP), EPROTOTYPE);
	/* EPIPE of a socket without a peer */
	assert_int_equal(vs_epipe_verdict(-ENOTCONN), ENOTCONN);
	assert_int_equal(vs_epipe_verdict(2), EPIPE);
}

static void test_account_short_and_errors(void **state)
{
	struct vsock_send_result r = { 0, 0 };

	(void)state;
	vs_account(&r, 100, 300);
	assert_int_equal(r.sent, 100);
	assert_int_equal(r.err, EAGAIN);
	assert_true(vs_short_of_space(&r, 300));
	vs_account(&r, 200, 300);
	assert_int_equal(r.sent, 300);
	assert_int_equal(r.err, 0);
	vs_account(&r, -EPIPE, 300);
	assert_int_equal(r.err, EPIPE);
	assert_int_equal(r.sent, 300);
	assert_false(vs_short_of_space(&r, 300));
}

/* ---- real descriptors, through each backend ---- */

static void tcp_pair(int *c, int *s, bool nonblock)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, al), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
	*c = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
	assert_true(*c >= 0);
	assert_true(connect(*c, (struct sockaddr *)&a, al) == 0 || errno == EINPROGRESS);
	*s = accept4(l, NULL, NULL, nonblock ? SOCK_NONBLOCK : 0);
	assert_true(*s >= 0);
	close(l);
}

static int use_backend(void **state)
{
	const char *b = *state;

	if (strcmp(b, "send") == 0)
		return setenv("VSOCK_NO_IO_URING", "1", 1);
	return unsetenv("VSOCK_NO_IO_URING");
}

static void expect_backend(void **state)
{
	assert_string_equal(vsock_backend_name(vsock_send_multi_backend()), (const char *)*state);
}

static void read_exactly(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = recv(fd, buf + got, len - got, 0);

		if (r < 0 && errno == EAGAIN) {
			usleep(1000);
			continue;
		}
		assert_true(r > 0);
		got += r;
	}
}

static void close_all(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/* Every kind of descriptor in one list: each gets its own errno, the
 * good ones their bytes. */
static void test_each_descriptor_gets_its_own_errno(void **state)
{
	int c1, s1, c2, s2, un[2], p[2], udp, idle, lst;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct vsock_send_result res[9];
	char got[5];
	int fds[9];

	assert_int_equal(use_backend(state), 0);
	tcp_pair(&c1, &s1, false);
	tcp_pair(&c2, &s2, true);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, un), 0);
	assert_int_equal(pipe(p), 0);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = htons(9);
	assert_int_equal(connect(udp, (struct sockaddr *)&a, sizeof(a)), 0);
	idle = socket(AF_INET, SOCK_STREAM, 0);
	lst = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = 0;
	assert_int_equal(bind(lst, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lst, 1), 0);

	fds[0] = c1;
	fds[1] = un[0];
	fds[2] = p[1];
	fds[3] = 1000000;	/* not open */
	fds[4] = udp;
	fds[5] = idle;
	fds[6] = lst;
	fds[7] = c2;
	fds[8] = -1;
	assert_int_equal(vsock_send_multi(fds, 9, "hello", 5, MSG_NOSIGNAL, res), 2);
	expect_backend(state);
	assert_int_equal(res[0].err, 0);
	assert_int_equal(res[0].sent, 5);
	assert_int_equal(res[1].err, EPROTOTYPE);
	assert_int_equal(res[2].err, ENOTSOCK);
	assert_int_equal(res[3].err, EBADF);
	assert_int_equal(res[4].err, EPROTOTYPE);
	assert_int_equal(res[5].err, ENOTCONN);
	assert_int_equal(res[6].err, ENOTCONN);
	assert_int_equal(res[7].err, 0);
	assert_int_equal(res[8].err, EBADF);
	for (int i = 1; i < 7; i++)
		assert_int_equal(res[i].sent, 0);
	read_exactly(s1, got, 5);
	assert_memory_equal(got, "hello", 5);
	read_exactly(s2, got, 5);
	assert_memory_equal(got, "hello", 5);
	/* nothing reached the wrong ones */
	assert_int_equal(recv(un[1], got, 5, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	close_all((int[]){ c1, s1, c2, s2, un[0], un[1], p[0], p[1], udp, idle, lst }, 11);
}

/* A descriptor listed three times gets buf three times, in list order. */
static void test_duplicates_arrive_in_order(void **state)
{
	struct vsock_send_result res[4];
	char got[12];
	int c, s, c2, s2, fds[4];

	assert_int_equal(use_backend(state), 0);
	tcp_pair(&c, &s, true);
	tcp_pair(&c2, &s2, true);
	fds[0] = c;
	fds[1] = c2;
	fds[2] = c;
	fds[3] = c;
	assert_int_equal(vsock_send_multi(fds, 4, "abcd", 4, 0, res), 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(res[i].err, 0);
		assert_int_equal(res[i].sent, 4);
	}
	read_exactly(s, got, 12);
	assert_memory_equal(got, "abcdabcdabcd", 12);
	read_exactly(s2, got, 4);
	assert_memory_equal(got, "abcd", 4);
	close_all((int[]){ c, s, c2, s2 }, 4);
}

#define BIG (8u << 20)

static char *pattern(void)
{
	char *b = malloc(BIG);

	assert_non_null(b);
	for (size_t i = 0; i < BIG; i++)
		b[i] = (char)(i * 7 + i / 251);
	return b;
}

/* A non-blocking socket whose buffer fills: it gets a prefix and EAGAIN,
 * the others all of it; a copy listed after it is cancelled. */
static void test_full_nonblocking_socket_is_partial(void **state)
{
	struct vsock_send_result res[3];
	int c, s, c2, s2, fds[3], size = 64 * 1024;
	char *buf = pattern(), *got = malloc(BIG);

	assert_int_equal(use_backend(state), 0);
	tcp_pair(&c, &s, true);
	tcp_pair(&c2, &s2, true);
	assert_int_equal(setsockopt(c, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
	assert_int_equal(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)), 0);
	fds[0] = c;
	fds[1] = c2;
	fds[2] = c;
	/* c2's reader drains while we send */
	assert_int_equal(vsock_send_multi(fds, 2, buf, 4096, 0, res), 2);
	read_exactly(s2, got, 4096);
	assert_int_equal(vsock_send_multi(fds, 3, buf, BIG, 0, res), 0);
	assert_int_equal(res[0].err, EAGAIN);
	assert_true(res[0].sent > 0 && res[0].sent < BIG);
	assert_int_equal(res[2].err, ECANCELED);
	assert_int_equal(res[2].sent, 0);
	/* c2 (non-blocking, buffer 8 MiB away from full?) may be short too:
	 * whatever it got is a prefix */
	assert_true(res[1].err == 0 || res[1].err == EAGAIN);
	read_exactly(s, got, 4096);
	assert_memory_equal(got, buf, 4096);
	read_exactly(s, got, res[0].sent);
	assert_memory_equal(got, buf, res[0].sent);
	read_exactly(s2, got, res[1].sent);
	assert_memory_equal(got, buf, res[1].sent);
	free(buf);
	free(got);
	close_all((int[]){ c, s, c2, s2 }, 4);
}

struct drain {
	int fd;
	size_t len;
	char *buf;
};

static void *drain_slowly(void *arg)
{
	struct drain *d = arg;
	size_t got = 0;

	usleep(50 * 1000);	/* let the sender find the buffer full */
	while (got < d->len) {
		ssize_t r = recv(d->fd, d->buf + got, d->len - got, 0);

		if (r <= 0)
			break;
		got += r;
	}
	d->len = got;
	return NULL;
}

/* A blocking socket whose buffer fills: the call waits until it took all,
 * like a blocking send(); a non-blocking one in the same list keeps its
 * prefix and EAGAIN, unless MSG_DONTWAIT makes every socket non-blocking. */
static void test_full_blocking_socket_waits(void **state)
{
	struct vsock_send_result res[2];
	struct drain d;
	pthread_t t;
	int c, s, c2, s2, fds[2], size = 64 * 1024;
	char *buf = pattern();

	assert_int_equal(use_backend(state), 0);
	tcp_pair(&c, &s, false);
	tcp_pair(&c2, &s2, true);
	assert_int_equal(setsockopt(c2, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
	assert_int_equal(setsockopt(s2, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)), 0);
	d = (struct drain){ s, BIG, malloc(BIG) };
	assert_int_equal(pthread_create(&t, NULL, drain_slowly, &d), 0);
	fds[0] = c;
	fds[1] = c2;
	assert_int_equal(vsock_send_multi(fds, 2, buf, BIG, MSG_NOSIGNAL, res), 1);
	assert_int_equal(res[0].err, 0);
	assert_int_equal(res[0].sent, BIG);
	assert_int_equal(res[1].err, EAGAIN);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(d.len, BIG);
	assert_memory_equal(d.buf, buf, BIG);

	/* MSG_DONTWAIT: the blocking socket stops at a full buffer too */
	assert_int_equal(vsock_send_multi(fds, 1, buf, BIG, MSG_DONTWAIT, res), 0);
	assert_int_equal(res[0].err, EAGAIN);
	assert_true(res[0].sent < BIG);
	free(d.buf);
	free(buf);
	close_all((int[]){ c, s, c2, s2 }, 4);
}

static volatile sig_atomic_t pipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	pipes++;
}

/* A closed peer: EPIPE (or ECONNRESET) for that socket only; SIGPIPE
 * unless MSG_NOSIGNAL, as send() does. */
static void test_closed_peer_and_sigpipe(void **state)
{
	struct sigaction sa = { .sa_handler = on_sigpipe }, old;
	struct vsock_send_result res[2];
	int c, s, c2, s2, fds[2];
	char got[3];

	assert_int_equal(use_backend(state), 0);
	tcp_pair(&c, &s, true);
	tcp_pair(&c2, &s2, true);
	close(s);	/* with nothing unread: FIN */
	usleep(10 * 1000);
	/* the first send after a FIN is taken, the peer answers RST */
	assert_int_equal(send(c, "x", 1, MSG_NOSIGNAL), 1);
	usleep(10 * 1000);
	fds[0] = c;
	fds[1] = c2;
	assert_int_equal(sigaction(SIGPIPE, &sa, &old), 0);
	pipes = 0;
	assert_int_equal(vsock_send_multi(fds, 2, "abc", 3, MSG_NOSIGNAL, res), 1);
	assert_true(res[0].err == EPIPE || res[0].err == ECONNRESET);
	assert_int_equal(res[1].err, 0);
	assert_int_equal(pipes, 0);
	assert_int_equal(vsock_send_multi(fds, 2, "abc", 3, 0, res), 1);
	assert_int_equal(res[0].err, EPIPE);
	assert_int_equal(pipes, 1);
	assert_int_equal(sigaction(SIGPIPE, &old, NULL), 0);
	read_exactly(s2, got, 3);
	read_exactly(s2, got, 3);
	assert_memory_equal(got, "abc", 3);
	close_all((int[]){ c, c2, s2 }, 3);
}

/* MSG_MORE reaches the kernel: TCP holds a small send back (corked)
 * until a send without it; both then arrive together. */
static void test_msg_more_corks(void **state)
{
	struct vsock_send_result res;
	char got[4];
	int c, s;

	assert_int_equal(use_backend(state), 0);
	tcp_pair(&c, &s, true);
	assert_int_equal(vsock_send_multi(&c, 1, "ab", 2, MSG_MORE, &res), 1);
	usleep(50 * 1000);
	assert_int_equal(recv(s, got, sizeof(got), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(vsock_send_multi(&c, 1, "cd", 2, 0, &res), 1);
	read_exactly(s, got, 4);
	assert_memory_equal(got, "abcd", 4);
	expect_backend(state);
	close_all((int[]){ c, s }, 2);
}

#define BOTH(fn)							\
	{ #fn "/io_uring", fn, NULL, NULL, "io_uring" },		\
	{ #fn "/send", fn, NULL, NULL, "send" }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_arguments_send_nothing),
		cmocka_unit_test(test_plan_without_duplicates_is_one_round),
		cmocka_unit_test(test_plan_puts_copies_in_later_rounds),
		cmocka_unit_test(test_check_verdicts),
		cmocka_unit_test(test_account_short_and_errors),
		BOTH(test_each_descriptor_gets_its_own_errno),
		BOTH(test_duplicates_arrive_in_order),
		BOTH(test_full_nonblocking_socket_is_partial),
		BOTH(test_full_blocking_socket_waits),
		BOTH(test_closed_peer_and_sigpipe),
		BOTH(test_msg_more_corks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
