// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Child processes of a case: forked, reported on through a pipe,
 * killed when the case ends. */
#include "testlib.h"

void tl_child_adopt(pid_t pid)
{
	if (tl.nchildren < TL_MAX_CHILDREN)
		tl.children[tl.nchildren++] = pid;
}

void tl_child_forget(pid_t pid)
{
	int i;

	for (i = 0; i < tl.nchildren; i++) {
		if (tl.children[i] == pid) {
			tl.children[i] = tl.children[--tl.nchildren];
			break;
		}
	}
}

/* Fork a child that runs fn(arg, wfd); it reports failure by writing text
 * to wfd and returning non-zero. It shares the loader handle and inherits
 * the runner's cgroup and netns. */
int tl_child_start(struct tl_child *c, int (*fn)(void *arg, int wfd), void *arg)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		int r;

		close(p[0]);
		alarm(0);
		tl.nfds = 0;
		tl.nchildren = 0;
		r = fn(arg, p[1]);
		_exit(r ? 1 : 0);
	}
	close(p[1]);
	c->pid = pid;
	c->rfd = p[0];
	tl_child_adopt(pid);
	return 0;
}

/* Wait up to timeout_ms; returns 0 if the child succeeded, else -1 with
 * why filled (its text, its exit status, or "timeout" after killing it). */
int tl_child_wait(struct tl_child *c, int timeout_ms, char *why, size_t len)
{
	uint64_t deadline = tl_now_ms() + timeout_ms;
	char msg[512] = "";
	int st = 0;
	ssize_t n;
	pid_t r;

	for (;;) {
		r = waitpid(c->pid, &st, WNOHANG);
		if (r == c->pid)
			break;
		if (r < 0 && errno != EINTR)
			break;
		if (tl_now_ms() >= deadline) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &st, 0);
			snprintf(why, len, "child %d timed out after %d ms", (int)c->pid,
				 timeout_ms);
			r = -2;
			break;
		}
		tl_sleep_ms(5);
	}
	tl_child_forget(c->pid);
	n = read(c->rfd, msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = 0;
	close(c->rfd);
	c->rfd = -1;
	if (r == -2)
		return -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (*msg)
		snprintf(why, len, "%s", msg);
	else if (WIFSIGNALED(st))
		snprintf(why, len, "child killed by signal %d", WTERMSIG(st));
	else
		snprintf(why, len, "child exited with %d", WEXITSTATUS(st));
	return -1;
}

/* In a child: report a failure text to the parent; returns -1. */
int tl_child_fail(int wfd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	ssize_t r;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	r = write(wfd, buf, n);
	(void)r;
	return -1;
}
