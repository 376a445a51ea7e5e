/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Harness for vsock's kernel integration tests, modelled on the kernel's
 * sockmap selftests. Each tests/integration/test_*.c is its own binary, so
 * everything here is static.
 *
 * Process layout of one test binary:
 *
 *   supervisor (original cgroup, original netns)
 *     creates cgroup <cg2>/vsock-test-<pid> and pin root
 *     /sys/fs/bpf/vsock-test-<pid>, loader_open(create) + loader_attach,
 *     forks the runner, waits, and always cleans up afterwards: kill what is
 *     left in the test cgroups (by pid), detach, loader_unload(force),
 *     rmdir. Cleanup also runs from atexit and on SIGINT/SIGTERM/SIGALRM.
 *   runner (the test cases)
 *     joins the attached cgroup, then unshare(CLONE_NEWNET) (in that order:
 *     the cgroup is a file write under /sys, not tied to the netns), brings
 *     lo up, runs each case under an alarm() watchdog.
 *
 * Cleanup living in a separate, single-threaded process means a case that
 * crashes, hangs or is killed still leaves nothing behind.
 *
 * Output: one line per case, "ok - NAME", "not ok - NAME: WHY" or
 * "skip - NAME: WHY" (a skip fails under CI=true). Diagnostics start "# ".
 * TL_ONLY=name1,name2 runs only the named cases; TL_TIMEOUT=seconds
 * overrides every case's watchdog. */
#ifndef VSOCK_TESTLIB_H
#define VSOCK_TESTLIB_H

#include <arpa/inet.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "vsock/abi.h"
#include "vsock/policy.h"
#include "loader.h"
#include "vsock/names.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#define TL_API static __attribute__((unused))
#define TL_PRINTF(a, b) __attribute__((format(printf, a, b)))

#define TL_MAX_CGROUPS	8
#define TL_MAX_FDS	4096
#define TL_MAX_CHILDREN	16
#define TL_IO_TIMEOUT_MS 20000

#define KiB (1024ull)
#define MiB (1024ull * 1024)

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

/* One test case: returns tl_verdict() (0 ok, -1 failed, 1 skipped). */
struct tl_case {
	const char *name;
	int (*fn)(void);
	int timeout_s;		/* alarm() watchdog */
};

/* Shared between supervisor and runner (MAP_SHARED): what to clean up and
 * which case was running if the runner dies. */
struct tl_shared {
	char cur_case[96];
	int in_case;
	int verdict_printed;
	int ncg;
	char cg[TL_MAX_CGROUPS][PATH_MAX];	/* every cgroup we created */
};

static struct {
	const char *bin;
	bool ci;
	bool is_runner;
	pid_t supervisor;
	pid_t runner;
	char cg_root[256];		/* cgroup2 mount */
	char cg_orig[PATH_MAX];		/* supervisor's own cgroup dir */
	char cg_main[PATH_MAX];		/* the attached test cgroup */
	char pin_root[PATH_MAX];
	struct vs_loader_opts opts;
	struct vs_loader *ld;
	struct tl_shared *sh;
	volatile int abort;		/* a transfer of the case failed: stop waiting */
	char first_why[300];		/* what the first failed transfer said */
	volatile sig_atomic_t cleaned;
	volatile sig_atomic_t got_signal;
	/* per case */
	int failed;
	int skipped;
	char why[768];
	int fds[TL_MAX_FDS];
	int nfds;
	pid_t children[TL_MAX_CHILDREN];
	int nchildren;
	int timeout_s;
} tl;

/* ------------------------------------------------------------------ */
/* Verdicts and messages                                               */

TL_API TL_PRINTF(1, 2) void tl_diag(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("# %s: %s\n", tl.sh ? tl.sh->cur_case : tl.bin, buf);
	fflush(stdout);
}

/* Record a failure; the first one is the reported reason. */
TL_API TL_PRINTF(2, 3) void tl_fail_at(int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (tl.failed++)
		return;
	n = snprintf(tl.why, sizeof(tl.why), "line %d: ", line);
	va_start(ap, fmt);
	vsnprintf(tl.why + n, sizeof(tl.why) - n, fmt, ap);
	va_end(ap);
}

#define TL_FAIL(...) tl_fail_at(__LINE__, __VA_ARGS__)

/* In a case: record the failure and jump to its "out:" cleanup label. */
#define TL_EXPECT(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			tl_fail_at(__LINE__, __VA_ARGS__);		\
			goto out;					\
		}							\
	} while (0)

/* Skip the current case (only for a missing kernel feature). */
#define TL_SKIP(...)							\
	do {								\
		tl.skipped = 1;						\
		snprintf(tl.why, sizeof(tl.why), __VA_ARGS__);		\
		goto out;						\
	} while (0)

TL_API int tl_verdict(void)
{
	if (tl.failed)
		return -1;
	return tl.skipped ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Time, random numbers, data patterns                                 */

TL_API uint64_t tl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

TL_API uint64_t tl_now_ms(void)
{
	return tl_now_ns() / 1000000;
}

TL_API void tl_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline uint64_t tl_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* xorshift64*: sizes and delays; state must not be 0. */
TL_API uint64_t tl_rand(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x853c49e6748fea9bull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [lo, hi]. */
TL_API uint64_t tl_rand_range(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return lo + tl_rand(s) % (hi - lo + 1);
}

/* Byte i of the stream "seed" is a pure function of (seed, i), so a reader
 * can verify any range in order and name the first wrong offset. */
static inline uint64_t tl_pat_word(uint64_t seed, uint64_t blk)
{
	return tl_mix64(blk + seed * 0x9e3779b97f4a7c15ull);
}

TL_API void tl_pat_fill(uint64_t seed, uint64_t off, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len && (off & 7)) {
		*p++ = tl_pat_word(seed, off >> 3) >> (8 * (off & 7));
		off++;
		len--;
	}
	while (len >= 8) {
		uint64_t w = htole64(tl_pat_word(seed, off >> 3));

		memcpy(p, &w, 8);
		p += 8;
		off += 8;
		len -= 8;
	}
	while (len) {
		*p++ = tl_pat_word(seed, off >> 3) >> (8 * (off & 7));
		off++;
		len--;
	}
}

/* Index of the first byte of buf that is not stream "seed" at off, or -1. */
TL_API long long tl_pat_check(uint64_t seed, uint64_t off, const void *buf,
			      size_t len)
{
	const unsigned char *b = buf;
	unsigned char tmp[16384];
	size_t done = 0, i, n;

	while (done < len) {
		n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);
		tl_pat_fill(seed, off + done, tmp, n);
		if (memcmp(tmp, b + done, n)) {
			for (i = 0; i < n && tmp[i] == b[done + i]; i++)
				;
			return (long long)(done + i);
		}
		done += n;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Small file helpers                                                  */

TL_API int tl_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

/* ------------------------------------------------------------------ */
/* File descriptors and children owned by the current case            */

TL_API int tl_track(int fd)
{
	if (fd >= 0 && tl.nfds < TL_MAX_FDS)
		tl.fds[tl.nfds++] = fd;
	return fd;
}

/* Hand fd over to code that closes it itself (a thread). */
TL_API void tl_untrack(int fd)
{
	int i;

	for (i = 0; i < tl.nfds; i++) {
		if (tl.fds[i] == fd) {
			tl.fds[i] = tl.fds[--tl.nfds];
			break;
		}
	}
}

TL_API void tl_close(int fd)
{
	if (fd < 0)
		return;
	tl_untrack(fd);
	close(fd);
}

TL_API void tl_close_all(void)
{
	while (tl.nfds)
		close(tl.fds[--tl.nfds]);
}

/* ------------------------------------------------------------------ */
/* Cgroups                                                             */

/* Path of our throwaway cgroup "vsock-test-<pid>[-suffix]". */
TL_API void tl_cg_path(const char *suffix, char *buf, size_t len)
{
	snprintf(buf, len, "%s/vsock-test-%d%s%s", tl.cg_root, (int)tl.supervisor,
		 suffix && *suffix ? "-" : "", suffix ? suffix : "");
}

/* Create (and register for cleanup) a cgroup directly under the cgroup2
 * root. Returns 0 or -errno; path filled in. */
TL_API int tl_cg_create(const char *suffix, char *path, size_t len)
{
	tl_cg_path(suffix, path, len);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	if (tl.sh && tl.sh->ncg < TL_MAX_CGROUPS) {
		int i;

		for (i = 0; i < tl.sh->ncg; i++)
			if (!strcmp(tl.sh->cg[i], path))
				return 0;
		snprintf(tl.sh->cg[tl.sh->ncg], PATH_MAX, "%s", path);
		__atomic_add_fetch(&tl.sh->ncg, 1, __ATOMIC_SEQ_CST);
	}
	return 0;
}

/* Move the whole calling process (all threads) into a cgroup. Sockets keep
 * the cgroup they were created in. */
TL_API int tl_cg_enter(const char *path)
{
	char f[PATH_MAX + 16], pid[24];

	snprintf(f, sizeof(f), "%s/cgroup.procs", path);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	return tl_write_file(f, pid);
}

/* Move into a sibling cgroup that is never attached ("...-plain"):
 * sockets created there take the normal TCP path. */
TL_API int tl_enter_plain(void)
{
	char path[PATH_MAX];
	int r = tl_cg_create("plain", path, sizeof(path));

	return r ? r : tl_cg_enter(path);
}

/* Back into the attached test cgroup. */
TL_API int tl_enter_main(void)
{
	return tl_cg_enter(tl.cg_main);
}

TL_API int tl_cg_attach(const char *path)
{
	struct vs_err err = { "" };
	int r = loader_attach(tl.ld, path, &err);

	if (r < 0)
		TL_FAIL("loader_attach %s: %s (%d)", path, err.msg, r);
	return r;
}

TL_API int tl_cg_detach(const char *path)
{
	struct vs_err err = { "" };
	int r = loader_detach(tl.ld, path, &err);

	if (r < 0)
		TL_FAIL("loader_detach %s: %s (%d)", path, err.msg, r);
	return r;
}

/* Cgroup directory of the calling process (cgroup2 "0::" line). */
TL_API int tl_cg_self(char *buf, size_t len)
{
	char line[PATH_MAX + 8];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(buf, len, "%s%s", tl.cg_root, strcmp(line + 3, "/") ? line + 3 : "");
		err = 0;
	}
	fclose(f);
	return err;
}

/* ------------------------------------------------------------------ */
/* Network namespace                                                   */

TL_API int tl_lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		err = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			err = -errno;
	}
	close(fd);
	return err;
}

/* Fresh network namespace for the calling thread (do it before threads
 * exist: they inherit it), with lo up. */
TL_API int tl_netns_new(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	return tl_lo_up();
}

/* ------------------------------------------------------------------ */
/* Sockets                                                             */

TL_API int tl_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) ? -errno : 0;
}

/* Fill a sockaddr for family with "addr" (NULL: loopback) and port. */
TL_API socklen_t tl_sockaddr(int family, const char *addr, int port,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, addr ? addr : "127.0.0.1", &a->sin_addr);
		return sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, addr ? addr : "::1", &a->sin6_addr);
		return sizeof(*a);
	}
}

TL_API int tl_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -errno;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* Listening socket, O_NONBLOCK like an event loop's (vsock predicts the
 * blocking mode of accepted sockets from their listener; make it blocking
 * with tl_set_nonblock(fd, false) for a blocking server). Accept with
 * tl_accept. family AF_INET or AF_INET6; addr NULL = loopback; "::" with
 * v6only=false = dual stack. */
TL_API int tl_listen(int family, const char *addr, int port, bool v6only)
{
	struct sockaddr_storage ss;
	socklen_t len = tl_sockaddr(family, addr, port, &ss);
	int fd, one = 1, v6 = v6only;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6, sizeof(v6)))
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 4096))
		goto fail;
	return tl_track(fd);
fail:
	one = -errno;
	close(fd);
	return one;
}

/* Wait for events on fd until deadline (ms, tl_now_ms clock). Returns
 * revents, 0 on timeout, -errno on error. */
TL_API int tl_wait(int fd, short events, uint64_t deadline_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	uint64_t now;
	int r;

	for (;;) {
		now = tl_now_ms();
		if (now >= deadline_ms)
			return 0;
		if (tl.abort)
			return -ECANCELED;
		/* slices, so that a failed transfer in another thread stops us */
		r = poll(&p, 1, deadline_ms - now > 100 ? 100 : (int)(deadline_ms - now));
		if (r > 0)
			return p.revents;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

/* Start a connection. nonblock: the file is O_NONBLOCK before connect()
 * (as the fast path requires at establishment) and the call returns at
 * once; wait with tl_wait_connected(). */
TL_API int tl_connect(int family, const char *addr, int port, bool nonblock)
{
	struct sockaddr_storage ss;
	socklen_t len = tl_sockaddr(family, addr, port, &ss);
	int fd, err;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		return err;
	}
	return tl_track(fd);
}

TL_API int tl_wait_connected(int fd, int timeout_ms)
{
	int r = tl_wait(fd, POLLOUT, tl_now_ms() + timeout_ms), soerr = 0;
	socklen_t l = sizeof(soerr);

	if (r < 0)
		return r;
	if (r == 0)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l))
		return -errno;
	return -soerr;
}

/* Accept one connection within timeout_ms; nonblock sets O_NONBLOCK on the
 * new file atomically (accept4), as the fast path requires. */
TL_API int tl_accept(int lfd, bool nonblock, int timeout_ms)
{
	int r = tl_wait(lfd, POLLIN, tl_now_ms() + timeout_ms), fd;

	if (r < 0)
		return r;
	if (r == 0)
		return -ETIMEDOUT;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
	if (fd < 0)
		return -errno;
	return tl_track(fd);
}

/* A connected pair on loopback of family through a temporary listener.
 * nonblock: both files O_NONBLOCK (the accelerated path); else both
 * blocking (plain TCP by design). */
TL_API int tl_pair(int family, bool nonblock, int *cfd, int *sfd)
{
	int lfd, c, s, err;

	*cfd = *sfd = -1;
	lfd = tl_listen(family, NULL, 0, true);
	if (lfd < 0)
		return lfd;
	if (!nonblock)
		tl_set_nonblock(lfd, false);	/* a blocking server */
	/* blocking: a plain blocking connect(), so the file is blocking when
	 * the connection is established */
	c = tl_connect(family, NULL, tl_port(lfd), nonblock);
	if (c < 0) {
		err = c;
		goto out;
	}
	err = tl_wait_connected(c, 5000);
	if (err) {
		tl_close(c);
		goto out;
	}
	s = tl_accept(lfd, nonblock, 5000);
	if (s < 0) {
		err = s;
		tl_close(c);
		goto out;
	}
	*cfd = c;
	*sfd = s;
out:
	tl_close(lfd);
	return err;
}

/* Send all of buf; blocking or not (EAGAIN waits in poll). MSG_NOSIGNAL.
 * Returns len, or -errno (-ETIMEDOUT) with *sent set to what went out. */
TL_API ssize_t tl_send_all(int fd, const void *buf, size_t len, int timeout_ms,
			   size_t *sent)
{
	uint64_t deadline = tl_now_ms() + timeout_ms;
	const char *p = buf;
	size_t done = 0;
	ssize_t n;
	int r;

	while (done < len) {
		n = send(fd, p + done, len - done, MSG_NOSIGNAL);
		if (n > 0) {
			done += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			r = tl_wait(fd, POLLOUT, deadline);
			if (r < 0) {
				n = r;
				goto err;
			}
			if (r == 0) {
				n = -ETIMEDOUT;
				goto err;
			}
			continue;
		}
		n = n < 0 ? -errno : -EIO;
		goto err;
	}
	if (sent)
		*sent = done;
	return done;
err:
	if (sent)
		*sent = done;
	return n;
}

/* Read exactly len bytes (less only at EOF). For a nonblocking fd EAGAIN
 * waits in poll; for a blocking fd any EAGAIN is an error (plain TCP never
 * returns it without a timeout: DESIGN.md "Spurious EAGAIN").
 * Returns bytes read (< len at EOF) or -errno. */
TL_API ssize_t tl_recv_all(int fd, void *buf, size_t len, int timeout_ms)
{
	uint64_t deadline = tl_now_ms() + timeout_ms;
	bool nb = fcntl(fd, F_GETFL) & O_NONBLOCK;
	char *p = buf;
	size_t done = 0;
	ssize_t n;
	int r;

	while (done < len) {
		n = recv(fd, p + done, len - done, 0);
		if (n > 0) {
			done += n;
			continue;
		}
		if (n == 0)
			return done;
		if (errno == EINTR)
			continue;
		/* the file may have changed mode since (fcntl by the test):
		 * EAGAIN is an answer only for a non-blocking one */
		nb = fcntl(fd, F_GETFL) & O_NONBLOCK;
		if (errno == EAGAIN && nb) {
			r = tl_wait(fd, POLLIN, deadline);
			if (r < 0)
				return r;
			if (r == 0)
				return -ETIMEDOUT;
			continue;
		}
		return -errno;
	}
	return done;
}

/* Expect end of stream: recv returns 0. Returns 0, -EPROTO when data came
 * instead, or -errno. */
TL_API int tl_expect_eof(int fd, int timeout_ms)
{
	char c;
	ssize_t n = tl_recv_all(fd, &c, 1, timeout_ms);

	if (n == 0)
		return 0;
	return n > 0 ? -EPROTO : (int)n;
}

/* ------------------------------------------------------------------ */
/* Pattern transfers (one side each, usable as a thread)               */

struct tl_xfer {
	int fd;
	uint64_t seed;		/* pattern stream */
	uint64_t off;		/* first stream offset */
	uint64_t len;		/* bytes to move */
	size_t min_io, max_io;	/* random size of each send / recv buffer */
	uint64_t rng;		/* sizes */
	int timeout_ms;		/* whole transfer */
	bool shut_wr;		/* sender: shutdown(SHUT_WR) at the end */
	bool expect_eof;	/* reader: then recv must return 0 */
	bool log_io;		/* sizes log-uniform in [min_io, max_io]: as
				 * many 10 B as 10 KiB I/Os */
	int delay_ms;		/* before the first I/O (a late first read) */
	int pause_pct;		/* chance in % of a pause before an I/O */
	int pause_max_ms;	/* pauses last 0..pause_max_ms */
	bool spin;		/* reader: busy-polls (MSG_DONTWAIT, retried at once) */
	bool fionread;		/* reader: as nginx and Java NIO do, edge-
				 * triggered epoll, read what FIONREAD says is
				 * there, wait for the next edge when it says 0 */
	bool eagain_ok;		/* reader: count an EAGAIN of a blocking file
				 * and read on (a socket leaving the sockhash
				 * after it turned blocking: the kernel's) */
	/* results */
	uint64_t done;
	uint64_t eagains;	/* EAGAINs of a blocking file, with eagain_ok */
	uint64_t nio;		/* send/recv calls that moved bytes */
	double secs;
	int err;		/* 0 or -errno */
	char why[256];
};

/* Other transfers of the case stop; the first failure is the cause. */
static void tl_xfer_failed(const struct tl_xfer *x)
{
	if (!__atomic_exchange_n(&tl.abort, 1, __ATOMIC_SEQ_CST))
		snprintf(tl.first_why, sizeof(tl.first_why), "%s", x->why);
}

/* Size of the next I/O of x, at most cap. */
static size_t tl_xfer_size(struct tl_xfer *x, size_t cap)
{
	size_t lo = x->min_io ? x->min_io : cap;
	unsigned int bits, lb = 0, hb = 0;

	if (lo >= cap)
		return cap;
	if (!x->log_io)
		return tl_rand_range(&x->rng, lo, cap);
	while ((2ull << lb) <= lo)
		lb++;
	while ((2ull << hb) <= cap)
		hb++;
	bits = tl_rand_range(&x->rng, lb, hb);	/* a power-of-two band, then a size in it */
	lo = lo > (1ull << bits) ? lo : 1ull << bits;
	cap = cap < (2ull << bits) - 1 ? cap : (2ull << bits) - 1;
	return lo >= cap ? cap : tl_rand_range(&x->rng, lo, cap);
}

/* The delay before the first I/O, and the random pauses between I/Os. */
static void tl_xfer_pause(struct tl_xfer *x, bool first)
{
	if (first && x->delay_ms)
		tl_sleep_ms(x->delay_ms);
	else if (x->pause_pct && (int)tl_rand_range(&x->rng, 1, 100) <= x->pause_pct)
		tl_sleep_ms(tl_rand_range(&x->rng, 0, x->pause_max_ms));
}

TL_API int tl_xfer_send(struct tl_xfer *x)
{
	size_t cap = x->max_io ? x->max_io : 65536, n;
	uint64_t t0 = tl_now_ns(), deadline;
	char *buf = malloc(cap);
	ssize_t r;
	size_t s;

	x->done = 0;
	x->err = 0;
	if (!buf) {
		x->err = -ENOMEM;
		snprintf(x->why, sizeof(x->why), "malloc");
		return x->err;
	}
	deadline = tl_now_ms() + (x->timeout_ms ? x->timeout_ms : TL_IO_TIMEOUT_MS);
	while (x->done < x->len) {
		tl_xfer_pause(x, !x->nio);
		n = tl_xfer_size(x, cap);
		if (n > x->len - x->done)
			n = x->len - x->done;
		tl_pat_fill(x->seed, x->off + x->done, buf, n);
		r = tl_send_all(x->fd, buf, n, (int)(deadline > tl_now_ms() ?
						     deadline - tl_now_ms() : 1), &s);
		x->done += s;
		x->nio++;
		if (r < 0) {
			x->err = (int)r;
			snprintf(x->why, sizeof(x->why), "send at %llu of %llu: %s",
				 (unsigned long long)x->done, (unsigned long long)x->len,
				 strerror((int)-r));
			break;
		}
	}
	if (!x->err && x->shut_wr && shutdown(x->fd, SHUT_WR)) {
		x->err = -errno;
		snprintf(x->why, sizeof(x->why), "shutdown: %s", strerror(errno));
	}
	x->secs = (tl_now_ns() - t0) / 1e9;
	free(buf);
	if (x->err && x->err != -ECANCELED)
		tl_xfer_failed(x);
	return x->err;
}

/* Where in x's stream the bytes that came instead of the expected ones
 * belong: tells a loss (they are later bytes) from a duplicate (earlier). */
static const char *tl_pat_whence(const struct tl_xfer *x, uint64_t bad_off,
				 const char *got, size_t n)
{
	static __thread char msg[96];
	size_t k = n < 16 ? n : 16;
	char *all;
	void *at;

	snprintf(msg, sizeof(msg), "not from this stream");
	if (k < 4 || x->len > 256 * MiB || !(all = malloc(x->len)))
		return k < 4 ? "too short to place" : msg;
	tl_pat_fill(x->seed, x->off, all, x->len);
	at = memmem(all, x->len, got, k);
	if (at) {
		long long d = (long long)((char *)at - all) - (long long)(x->done + bad_off);

		snprintf(msg, sizeof(msg), "they belong at offset %llu: %lld bytes %s",
			 (unsigned long long)(x->off + ((char *)at - all)),
			 d < 0 ? -d : d, d > 0 ? "skipped (lost or overtaken)" : "again (duplicated)");
	}
	free(all);
	return msg;
}

/* Check n bytes read by x against its stream; 0, or -1 with x->err set. */
static int tl_xfer_take(struct tl_xfer *x, const char *buf, size_t n)
{
	long long bad;

	if (x->done + n > x->len) {
		x->err = -EPROTO;
		snprintf(x->why, sizeof(x->why), "%zu bytes beyond the %llu expected", n,
			 (unsigned long long)x->len);
		return -1;
	}
	bad = tl_pat_check(x->seed, x->off + x->done, buf, n);
	if (bad >= 0) {
		x->err = -EILSEQ;
		snprintf(x->why, sizeof(x->why),
			 "wrong byte at stream offset %llu (read of %zu at %llu; %s)",
			 (unsigned long long)(x->off + x->done + bad), n,
			 (unsigned long long)(x->off + x->done),
			 tl_pat_whence(x, bad, buf + bad, n - bad));
		return -1;
	}
	x->done += n;
	x->nio++;
	return 0;
}

/* The FIONREAD reader (x->fionread): returns when done or failed. A
 * FIONREAD that says 0 while bytes wait makes it stall: the transfer
 * deadline then fails it with what MSG_PEEK finds. */
static void tl_xfer_recv_fionread(struct tl_xfer *x, char *buf, size_t cap,
				  uint64_t deadline)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET };
	bool first = true, hup = false;
	int ep = epoll_create1(EPOLL_CLOEXEC), avail, r;
	ssize_t n;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, x->fd, &ev)) {
		x->err = -errno;
		snprintf(x->why, sizeof(x->why), "epoll: %s", strerror(errno));
		goto out;
	}
	while (x->done < x->len || x->expect_eof) {
		tl_xfer_pause(x, first);
		first = false;
		if (ioctl(x->fd, FIONREAD, &avail)) {
			x->err = -errno;
			snprintf(x->why, sizeof(x->why), "FIONREAD: %s", strerror(errno));
			break;
		}
		if (avail > 0) {
			size_t want = tl_xfer_size(x, cap);

			if ((size_t)avail < want)
				want = avail;
			n = recv(x->fd, buf, want, MSG_DONTWAIT);
			if (n <= 0) {
				x->err = n ? -errno : -EPROTO;
				snprintf(x->why, sizeof(x->why),
					 "FIONREAD said %d, recv of %zu returned %zd (%s) after %llu bytes",
					 avail, want, n, n ? strerror(errno) : "EOF",
					 (unsigned long long)x->done);
				break;
			}
			if (tl_xfer_take(x, buf, n))
				break;
			continue;
		}
		if (hup) {	/* FIONREAD 0 after the peer's FIN: end of stream */
			n = recv(x->fd, buf, 1, MSG_DONTWAIT);
			if (n == 0 && x->done == x->len)
				break;
			x->err = -EPROTO;
			snprintf(x->why, sizeof(x->why),
				 "FIONREAD 0 after FIN at %llu of %llu bytes, then recv returned %zd",
				 (unsigned long long)x->done, (unsigned long long)x->len, n);
			break;
		}
		r = 0;
		while (!r && tl_now_ms() < deadline && !tl.abort)
			r = epoll_wait(ep, &ev, 1, 100);
		if (r > 0) {
			hup = ev.events & (EPOLLRDHUP | EPOLLHUP);
			continue;
		}
		n = recv(x->fd, buf, cap, MSG_PEEK | MSG_DONTWAIT);
		x->err = tl.abort ? -ECANCELED : -ETIMEDOUT;
		snprintf(x->why, sizeof(x->why),
			 "stalled after %llu of %llu bytes: FIONREAD 0 and no edge, "
			 "while recv(MSG_PEEK) finds %zd bytes",
			 (unsigned long long)x->done, (unsigned long long)x->len, n);
		break;
	}
out:
	if (ep >= 0)
		close(ep);
}

TL_API int tl_xfer_recv(struct tl_xfer *x)
{
	size_t cap = x->max_io ? x->max_io : 65536, want;
	uint64_t t0 = tl_now_ns(), deadline;
	bool nb = fcntl(x->fd, F_GETFL) & O_NONBLOCK, first = true;
	char *buf = malloc(cap);
	ssize_t n;
	int r;

	x->done = 0;
	x->err = 0;
	if (!buf) {
		x->err = -ENOMEM;
		snprintf(x->why, sizeof(x->why), "malloc");
		return x->err;
	}
	deadline = tl_now_ms() + (x->timeout_ms ? x->timeout_ms : TL_IO_TIMEOUT_MS);
	if (x->fionread)
		tl_xfer_recv_fionread(x, buf, cap, deadline);
	while (!x->fionread && (x->done < x->len || x->expect_eof)) {
		tl_xfer_pause(x, first);
		first = false;
		want = tl_xfer_size(x, cap);
		if (x->done < x->len && want > x->len - x->done)
			want = x->len - x->done;
		n = recv(x->fd, buf, want, x->spin ? MSG_DONTWAIT : 0);
		if (n > 0) {
			if (tl_xfer_take(x, buf, n))
				break;
			continue;
		}
		if (n < 0 && errno == EAGAIN && x->spin && tl_now_ms() < deadline && !tl.abort)
			continue;
		if (n == 0) {
			if (x->done < x->len) {
				x->err = -EPIPE;
				snprintf(x->why, sizeof(x->why), "EOF after %llu of %llu bytes",
					 (unsigned long long)x->done,
					 (unsigned long long)x->len);
			}
			break;
		}
		if (errno == EINTR)
			continue;
		/* the file may have changed mode since (fcntl by the test):
		 * EAGAIN is an answer only for a non-blocking one */
		nb = fcntl(x->fd, F_GETFL) & O_NONBLOCK;
		if (errno == EAGAIN && !nb && x->eagain_ok && tl_now_ms() < deadline) {
			x->eagains++;
			continue;
		}
		if (errno == EAGAIN && nb) {
			r = tl_wait(x->fd, POLLIN, deadline);
			if (r > 0)
				continue;
			x->err = r ? r : -ETIMEDOUT;
		} else {
			x->err = -errno;
		}
		snprintf(x->why, sizeof(x->why), "recv after %llu of %llu bytes%s: %s",
			 (unsigned long long)x->done, (unsigned long long)x->len,
			 x->done >= x->len ? " (waiting for EOF)" : "",
			 strerror(-x->err));
		break;
	}
	x->secs = (tl_now_ns() - t0) / 1e9;
	free(buf);
	if (x->err && x->err != -ECANCELED)
		tl_xfer_failed(x);
	return x->err;
}

TL_API void *tl_xfer_send_thread(void *arg)
{
	tl_xfer_send(arg);
	return NULL;
}

TL_API void *tl_xfer_recv_thread(void *arg)
{
	tl_xfer_recv(arg);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Socket table and counters                                           */

TL_API const char *tl_reason_name(unsigned int r)
{
	return vs_reason_name(r);
}

TL_API __u64 tl_cookie(int fd)
{
	__u64 c = 0;
	socklen_t l = sizeof(c);

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &l))
		return 0;
	return c;
}

struct tl_find {
	__u64 cookie;
	struct vs_sock_entry *out;
	int found;
	long count;
};

TL_API int tl_find_cb(const struct vs_sock_entry *e, void *ctx)
{
	struct tl_find *f = ctx;

	f->count++;
	if (f->cookie && e->cookie == f->cookie) {
		*f->out = *e;
		f->found = 1;
		return 1;
	}
	return 0;
}

/* Socket-table entry by cookie, through loader_for_each_socket(). */
TL_API int tl_entry_by_cookie(__u64 cookie, struct vs_sock_entry *e)
{
	struct tl_find f = { .cookie = cookie, .out = e };
	int r;

	memset(e, 0, sizeof(*e));
	if (!cookie)
		return -EINVAL;
	r = loader_for_each_socket(tl.ld, tl_find_cb, &f);
	if (r < 0)
		return r;
	return f.found ? 0 : -ENOENT;
}

TL_API int tl_entry(int fd, struct vs_sock_entry *e)
{
	return tl_entry_by_cookie(tl_cookie(fd), e);
}

/* Entries in the socket table, or -errno. */
TL_API long tl_table_count(void)
{
	struct vs_sock_entry dummy;
	struct tl_find f = { .out = &dummy };
	int r = loader_for_each_socket(tl.ld, tl_find_cb, &f);

	return r < 0 ? r : f.count;
}

TL_API int tl_stats(__u64 out[VS_C_MAX])
{
	memset(out, 0, sizeof(__u64) * VS_C_MAX);
	return loader_read_stats(tl.ld, out);
}

TL_API void tl_entry_str(const struct vs_sock_entry *e, char *buf, size_t len)
{
	snprintf(buf, len,
		 "cookie=%llu peer=%llu status=%u tcp=%u reason=%s in_sockhash=%u tx_mode=%u "
		 "redir=%lluB/%llu pass=%lluB/%llu opts=%#x",
		 (unsigned long long)e->cookie, (unsigned long long)e->peer_cookie,
		 e->status, e->tcp_state, tl_reason_name(e->reason), e->in_sockhash,
		 e->tx_mode, (unsigned long long)e->tx_redir_bytes,
		 (unsigned long long)e->tx_redir_msgs,
		 (unsigned long long)e->tx_pass_bytes,
		 (unsigned long long)e->tx_pass_msgs, e->options);
}

/* One end of a vs_sock_key from a socket address, as the programs write
 * it (IPv4 as IPv4-mapped IPv6); returns the port in host order. */
static __u16 tl_key_end(const struct sockaddr_storage *a, __u8 ip[16])
{
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;

	if (a->ss_family == AF_INET) {
		vs_ip_from_v4(ip, a4->sin_addr.s_addr);
		return ntohs(a4->sin_port);
	}
	vs_ip_from_v6(ip, (const __u32 *)&a6->sin6_addr);
	return ntohs(a6->sin6_port);
}

/* The receiver facts (vs_rxstate) of fd: what its senders read about it.
 * Returns 0, or -ENOENT when it has none (not in the sockhash). */
TL_API int tl_rx_state(int fd, struct vs_rx_state *rx)
{
	struct sockaddr_storage l, p;
	socklen_t ll = sizeof(l), pl = sizeof(p), cl = sizeof(__u64);
	struct vs_sock_key k;
	__u64 netns = 0;

	memset(&k, 0, sizeof(k));
	if (getsockname(fd, (struct sockaddr *)&l, &ll) ||
	    getpeername(fd, (struct sockaddr *)&p, &pl) ||
	    getsockopt(fd, SOL_SOCKET, 71 /* SO_NETNS_COOKIE */, &netns, &cl))
		return -errno;
	k.netns_cookie = netns;
	k.local_port = tl_key_end(&l, k.local_ip);
	k.peer_port = tl_key_end(&p, k.peer_ip);
	return bpf_map_lookup_elem(loader_map_fd(tl.ld, VS_MAP_RXSTATE), &k, rx) ? -errno : 0;
}

/* Print the entry of fd as a diagnostic. */
TL_API void tl_show(const char *what, int fd)
{
	struct vs_sock_entry e;
	char s[400];

	if (tl_entry(fd, &e)) {
		tl_diag("%s: no socket-table entry (cookie %llu)", what,
			(unsigned long long)tl_cookie(fd));
		return;
	}
	tl_entry_str(&e, s, sizeof(s));
	tl_diag("%s: %s", what, s);
}

/* Fails the case unless fd's entry is on the fast path: in the sockhash,
 * reason none, and (if min_redir) at least min_redir bytes redirected. */
TL_API bool tl_check_accel(const char *what, int fd, __u64 min_redir, int line)
{
	struct vs_sock_entry e;
	char s[400];
	int r = tl_entry(fd, &e);

	if (r) {
		tl_fail_at(line, "%s: no socket-table entry: %s", what, strerror(-r));
		return false;
	}
	tl_entry_str(&e, s, sizeof(s));
	if (!e.in_sockhash || e.reason != VS_R_NONE || e.tx_redir_bytes < min_redir) {
		tl_fail_at(line, "%s not accelerated (want in_sockhash=1 reason=none redir>=%llu): %s",
			   what, (unsigned long long)min_redir, s);
		return false;
	}
	return true;
}

#define TL_EXPECT_ACCEL(what, fd, min_redir)				\
	do {								\
		if (!tl_check_accel(what, fd, min_redir, __LINE__))	\
			goto out;					\
	} while (0)

/* TCP memory in bytes from /proc/net/sockstat ("TCP: ... mem N", pages). */
TL_API long long tl_tcp_mem_bytes(void)
{
	char line[256];
	long long pages = -1;
	FILE *f = fopen("/proc/net/sockstat", "re");
	char *p;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "TCP:", 4))
			continue;
		p = strstr(line, " mem ");
		if (p)
			pages = atoll(p + 5);
	}
	fclose(f);
	return pages < 0 ? -ENOENT : pages * sysconf(_SC_PAGESIZE);
}

TL_API int tl_raise_nofile(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	rl.rlim_cur = want;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

/* ------------------------------------------------------------------ */
/* Child processes of a case                                           */

struct tl_child {
	pid_t pid;
	int rfd;		/* reads the child's failure text */
};

/* Fork a child that runs fn(arg, wfd); it reports failure by writing text
 * to wfd and returning non-zero. It shares the loader handle and inherits
 * the runner's cgroup and netns. */
TL_API int tl_child_start(struct tl_child *c, int (*fn)(void *arg, int wfd), void *arg)
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
	if (tl.nchildren < TL_MAX_CHILDREN)
		tl.children[tl.nchildren++] = pid;
	return 0;
}

/* Wait up to timeout_ms; returns 0 if the child succeeded, else -1 with
 * why filled (its text, its exit status, or "timeout" after killing it). */
TL_API int tl_child_wait(struct tl_child *c, int timeout_ms, char *why, size_t len)
{
	uint64_t deadline = tl_now_ms() + timeout_ms;
	char msg[512] = "";
	int st = 0, i;
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
	for (i = 0; i < tl.nchildren; i++) {
		if (tl.children[i] == c->pid) {
			tl.children[i] = tl.children[--tl.nchildren];
			break;
		}
	}
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
TL_API TL_PRINTF(2, 3) int tl_child_fail(int wfd, const char *fmt, ...)
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

/* ------------------------------------------------------------------ */
/* Supervisor: setup and cleanup                                       */

TL_API void tl_line(const char *verdict, const char *name, const char *why)
{
	if (why && *why)
		printf("%s - %s: %s\n", verdict, name, why);
	else
		printf("%s - %s\n", verdict, name);
	fflush(stdout);
}

/* Kill (by pid, one by one) what is left in one of our cgroups. */
TL_API void tl_cg_kill_procs(const char *cg)
{
	char f[PATH_MAX + 16], line[32];
	int round;

	snprintf(f, sizeof(f), "%s/cgroup.procs", cg);
	for (round = 0; round < 50; round++) {
		FILE *fp = fopen(f, "re");
		int n = 0;

		if (!fp)
			return;
		while (fgets(line, sizeof(line), fp)) {
			pid_t pid = atoi(line);

			if (pid > 0 && pid != getpid()) {
				kill(pid, SIGKILL);
				n++;
			}
		}
		fclose(fp);
		if (!n)
			return;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		tl_sleep_ms(20);
	}
}

/* Everything the supervisor set up goes away; reports failures as one
 * "not ok - cleanup" line. Idempotent. */
TL_API int tl_cleanup(void)
{
	struct vs_err err = { "" };
	char problems[1024] = "";
	size_t pl = 0;
	struct stat st;
	int i, r, tries;

	if (tl.cleaned || tl.is_runner || getpid() != tl.supervisor)
		return 0;
	tl.cleaned = 1;
	if (tl.runner > 0) {
		kill(tl.runner, SIGKILL);
		waitpid(tl.runner, NULL, 0);
		tl.runner = 0;
	}
	if (tl.sh) {
		for (i = tl.sh->ncg - 1; i >= 0; i--)
			tl_cg_kill_procs(tl.sh->cg[i]);
		if (tl.ld) {
			for (i = tl.sh->ncg - 1; i >= 0; i--) {
				r = loader_detach(tl.ld, tl.sh->cg[i], &err);
				if (r < 0 && r != -ENOENT)
					pl += snprintf(problems + pl, sizeof(problems) - pl,
						       "detach %s: %s; ", tl.sh->cg[i], err.msg);
			}
		}
	}
	if (tl.ld) {
		loader_close(tl.ld);
		tl.ld = NULL;
	}
	if (tl.pin_root[0] && !stat(tl.pin_root, &st)) {
		r = loader_unload(&tl.opts, true, 0, &err);
		if (r < 0 && pl < sizeof(problems))
			pl += snprintf(problems + pl, sizeof(problems) - pl,
				       "unload: %s (%d); ", err.msg, r);
	}
	if (tl.pin_root[0] && !stat(tl.pin_root, &st) && pl < sizeof(problems))
		pl += snprintf(problems + pl, sizeof(problems) - pl,
			       "pin root %s still exists; ", tl.pin_root);
	if (tl.sh) {
		for (i = tl.sh->ncg - 1; i >= 0; i--) {
			for (tries = 0; tries < 100; tries++) {
				if (!rmdir(tl.sh->cg[i]) || errno == ENOENT)
					break;
				if (errno != EBUSY)
					break;
				tl_cg_kill_procs(tl.sh->cg[i]);
				tl_sleep_ms(20);
			}
			if (!stat(tl.sh->cg[i], &st) && pl < sizeof(problems))
				pl += snprintf(problems + pl, sizeof(problems) - pl,
					       "rmdir %s: %s; ", tl.sh->cg[i],
					       strerror(errno));
		}
	}
	if (pl) {
		tl_line("not ok", "cleanup", problems);
		return -1;
	}
	return 0;
}

TL_API void tl_atexit(void)
{
	tl_cleanup();
}

TL_API void tl_supervisor_signal(int sig)
{
	tl.got_signal = sig;
	if (tl.runner > 0)
		kill(tl.runner, SIGKILL);
}

/* Runner: a case ran past its alarm(). Async-signal-safe only. */
TL_API void tl_runner_alarm(int sig)
{
	char buf[256];
	int i, n;

	(void)sig;
	for (i = 0; i < tl.nchildren; i++)
		kill(tl.children[i], SIGKILL);
	n = snprintf(buf, sizeof(buf), "not ok - %s: timeout: still running after %d s\n",
		     tl.sh->cur_case, tl.timeout_s);
	if (write(STDOUT_FILENO, buf, n) < 0)
		n = 0;
	tl.sh->verdict_printed = 1;
	_exit(1);
}

TL_API bool tl_selected(const char *name)
{
	const char *only = getenv("TL_ONLY"), *p;
	size_t l = strlen(name);

	if (!only || !*only)
		return true;
	for (p = only; (p = strstr(p, name)); p += l)
		if ((p == only || p[-1] == ',') && (p[l] == ',' || p[l] == 0))
			return true;
	return false;
}

TL_API int tl_runner_main(const struct tl_case *cases, int n)
{
	struct sigaction sa = { 0 };
	int i, r, fails = 0, skips = 0;

	tl.is_runner = true;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sa.sa_handler = tl_runner_alarm;
	sigaction(SIGALRM, &sa, NULL);

	snprintf(tl.sh->cur_case, sizeof(tl.sh->cur_case), "setup");
	r = tl_cg_enter(tl.cg_main);
	if (!r)
		r = tl_netns_new();
	if (r) {
		tl_line("not ok", "setup", strerror(-r));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (!tl_selected(cases[i].name))
			continue;
		snprintf(tl.sh->cur_case, sizeof(tl.sh->cur_case), "%s", cases[i].name);
		tl.sh->verdict_printed = 0;
		tl.sh->in_case = 1;
		tl.failed = tl.skipped = 0;
		tl.abort = 0;
		tl.first_why[0] = 0;
		tl.why[0] = 0;
		tl.timeout_s = cases[i].timeout_s > 0 ? cases[i].timeout_s : 30;
		if (getenv("TL_TIMEOUT") && atoi(getenv("TL_TIMEOUT")) > 0)
			tl.timeout_s = atoi(getenv("TL_TIMEOUT"));	/* debugging */
		alarm(tl.timeout_s);
		r = cases[i].fn();
		alarm(0);
		if (r < 0 || tl.failed) {
			tl_line("not ok", cases[i].name, tl.why[0] ? tl.why : "failed");
			fails++;
		} else if (r > 0) {
			tl_line("skip", cases[i].name, tl.why);
			skips++;
		} else {
			tl_line("ok", cases[i].name, NULL);
		}
		tl.sh->verdict_printed = 1;
		tl.sh->in_case = 0;
		/* leftovers of a failed case must not disturb the next one */
		tl_close_all();
		while (tl.nchildren) {
			pid_t pid = tl.children[--tl.nchildren];

			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		tl_cg_enter(tl.cg_main);
	}
	return fails || (skips && tl.ci) ? 1 : 0;
}

/* Skip every case: this machine lacks what the tests need. */
TL_API int tl_skip_all(const struct tl_case *cases, int n, const char *why)
{
	int i;

	for (i = 0; i < n; i++)
		if (tl_selected(cases[i].name))
			tl_line("skip", cases[i].name, why);
	return tl.ci ? 1 : 77;
}

/* Load, pin and attach into fresh throwaway places (supervisor side). */
TL_API int tl_setup(char *why, size_t len)
{
	struct vs_err err = { "" };
	int r;

	snprintf(tl.pin_root, sizeof(tl.pin_root), "/sys/fs/bpf/vsock-test-%d",
		 (int)tl.supervisor);
	tl.opts.pin_root = tl.pin_root;
	r = tl_cg_create(NULL, tl.cg_main, sizeof(tl.cg_main));
	if (r) {
		snprintf(why, len, "mkdir %s: %s", tl.cg_main, strerror(-r));
		return r;
	}
	r = loader_open(&tl.ld, &tl.opts, true, &err);
	if (r) {
		snprintf(why, len, "loader_open %s: %s (%d)", tl.pin_root, err.msg, r);
		return r;
	}
	r = loader_attach(tl.ld, tl.cg_main, &err);
	if (r < 0) {
		snprintf(why, len, "loader_attach %s: %s (%d)", tl.cg_main, err.msg, r);
		return r;
	}
	return 0;
}

/* main() of a test binary. */
TL_API int tl_main(const char *bin, const struct tl_case *cases, int n)
{
	struct sigaction sa = { 0 };
	struct vs_preflight pf;
	struct vs_err err = { "" };
	char why[1024];
	int st = 0, rc, r, i, total_s = 30;
	pid_t w;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tl.bin = bin;
	tl.ci = getenv("CI") && !strcmp(getenv("CI"), "true");
	tl.supervisor = getpid();

	if (geteuid() != 0)
		return tl_skip_all(cases, n, "needs root (BPF, cgroup and netns)");
	memset(&pf, 0, sizeof(pf));
	if (loader_preflight(&pf, &err) < 0) {
		for (i = 0; i < pf.n; i++)
			if (!pf.checks[i].ok && strcmp(pf.checks[i].name, "bpffs"))
				return tl_skip_all(cases, n, err.msg);
	}
	r = loader_cgroup2_root(tl.cg_root, sizeof(tl.cg_root));
	if (r)
		return tl_skip_all(cases, n, "no cgroup2 mount");
	tl_cg_self(tl.cg_orig, sizeof(tl.cg_orig));

	tl.sh = mmap(NULL, sizeof(*tl.sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tl.sh == MAP_FAILED) {
		tl.sh = NULL;
		tl_line("not ok", "setup", "mmap");
		return 1;
	}
	memset(tl.sh, 0, sizeof(*tl.sh));
	atexit(tl_atexit);
	sa.sa_handler = tl_supervisor_signal;	/* no SA_RESTART: waitpid returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (tl_setup(why, sizeof(why))) {
		tl_line("not ok", "setup", why);
		tl_cleanup();
		return 1;
	}
	for (i = 0; i < n; i++)
		total_s += cases[i].timeout_s > 0 ? cases[i].timeout_s : 30;

	fflush(stdout);
	tl.runner = fork();
	if (tl.runner < 0) {
		tl_line("not ok", "setup", "fork");
		tl_cleanup();
		return 1;
	}
	if (tl.runner == 0)
		_exit(tl_runner_main(cases, n));

	alarm(total_s);
	for (;;) {
		w = waitpid(tl.runner, &st, 0);
		if (w == tl.runner)
			break;
		if (w < 0 && errno != EINTR) {
			st = -1;
			break;
		}
		if (tl.got_signal && tl.runner > 0)
			kill(tl.runner, SIGKILL);
	}
	alarm(0);
	tl.runner = 0;
	if (tl.sh->in_case && !tl.sh->verdict_printed) {
		snprintf(why, sizeof(why), "runner died (%s %d)",
			 tl.got_signal ? "supervisor got signal" :
			 WIFSIGNALED(st) ? "signal" : "exit",
			 tl.got_signal ? (int)tl.got_signal :
			 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		tl_line("not ok", tl.sh->cur_case, why);
	}
	rc = (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : 1;
	if (tl_cleanup())
		rc = 1;
	if (tl.got_signal)
		rc = 128 + tl.got_signal;
	return rc;
}

#define TL_NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

#endif /* VSOCK_TESTLIB_H */
