// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* daemon/fdcookie.c on this process's own descriptors: the cookie of a
 * borrowed socket, and the three ways a descriptor is not (any more) the
 * socket /proc named. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "fdcookie.h"
#include "sockaddr.h"

static __u64 inode_of(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static void test_socket_cookie(void **state)
{
	int sv[2], pidfd = fdcookie_pidfd((__u32)getpid());
	__u64 cookie = 0;

	(void)state;
	assert_true(pidfd >= 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fdcookie_get(pidfd, sv[0], inode_of(sv[0]), &cookie), 0);
	assert_true(cookie != 0);
	assert_true(cookie == vs_sock_cookie(sv[0]));
	assert_true(cookie != vs_sock_cookie(sv[1]));
	close(sv[0]);
	close(sv[1]);
	close(pidfd);
}

static void test_not_the_socket(void **state)
{
	int sv[2], p[2], pidfd = fdcookie_pidfd((__u32)getpid());
	__u64 cookie = 0, ino;

	(void)state;
	assert_true(pidfd >= 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* reused: the number now is another socket */
	assert_int_equal(fdcookie_get(pidfd, sv[0], inode_of(sv[1]), &cookie), -ESTALE);
	/* closed */
	ino = inode_of(sv[1]);
	close(sv[1]);
	assert_int_equal(fdcookie_get(pidfd, sv[1], ino, &cookie), -ESTALE);
	/* no socket at all */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fdcookie_get(pidfd, p[0], inode_of(p[0]), &cookie), -ENOTSOCK);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(pidfd);
}

static void test_gone_process(void **state)
{
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);	/* reaped: no pid left */
	assert_int_equal(fdcookie_pidfd((__u32)pid), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_cookie),
		cmocka_unit_test(test_not_the_socket),
		cmocka_unit_test(test_gone_process),
	};

	return cmocka_run_group_tests_name("fdcookie", tests, NULL, NULL);
}
