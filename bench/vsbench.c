// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vsbench: one driver for loopback TCP, vsock-accelerated TCP and AF_UNIX.
 *
 * A run forks a server and a client. Each joins its cgroup (writes its pid
 * to CGROUP/cgroup.procs) and pins itself to a CPU *before* it creates a
 * socket, so vsock sees the socket's cgroup at sock_create. By default all
 * sockets are non-blocking from socket()/accept4() on and driven with
 * poll(): the same event-loop code runs for every mode, so the comparison
 * is fair. -M late makes them with blocking files and switches them to
 * O_NONBLOCK after connect()/accept(), before the first byte (PostgreSQL
 * backends, asyncio, Java NIO: vsockd's joiner takes them in); -M blocking
 * leaves them blocking (vsock keeps those on TCP: spurious EAGAIN from
 * tcp_bpf_recvmsg on 6.x), which measures what tracking alone costs.
 *
 * Tests:
 *   rr      ping-pong of SIZE bytes, per round trip clock_gettime;
 *           prints p50/p99/mean in microseconds (after a warm-up); with
 *           -B both ends busy-poll (retry an empty read at once) instead
 *           of sleeping in poll()
 *   stream  client writes SIZE-byte buffers for TIME seconds, server reads
 *           with a 1 MiB buffer; Gbit/s at the receiver, CPU-seconds of
 *           both processes per GB (1e9 bytes), and of the whole machine
 *           (/proc/stat, from the server's first byte to its EOF: a relay
 *           in between and its kworkers included)
 *   churn   connect, 64 B each way, close, for TIME seconds; connections/s
 *
 * --listen PORT and --connect ADDR:PORT put something between the two ends
 * (bench/run.sh's proxy rows: a relay listening on ADDR:PORT forwards to
 * 127.0.0.1:PORT, where the server listens).
 *
 * The result is one line of key=value pairs on stdout; errors go to stderr
 * and the exit status is 1. Every wait is bounded: poll() timeouts inside,
 * alarm() around each process.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"

#define POLL_MS		5000		/* no single wait may take longer */
#define RR_MAX		(1 << 22)	/* round trips kept for percentiles */
#define CHURN_MSG	64
#define STREAM_RBUF	(1 << 20)	/* the receiver reads with 1 MiB */

enum test { T_RR, T_STREAM, T_CHURN };

struct opts {
	enum test test;
	bool unix_family;
	const char *server_cg;		/* NULL: stay where we are */
	const char *client_cg;
	int server_cpu;
	int client_cpu;
	size_t size;
	long iters;
	long warmup;
	double secs;
	unsigned int timeout;		/* seconds, per process */
	bool nodelay;			/* stream: TCP_NODELAY on the sender */
	bool busy_poll;			/* rr: retry reads at once, no poll() */
	enum { SM_NONBLOCK, SM_LATE, SM_BLOCKING } sock_mode;
	int listen_port;		/* 0: any free port */
	struct sockaddr_in dest;	/* --connect; port 0: the server */
};

/* What each child sends back to the parent through its pipe (< PIPE_BUF). */
struct result {
	int ok;
	double v[6];
	char err[200];
};

enum {	/* struct result v[] slots */
	R_P50, R_P99, R_MEAN,		/* rr, client */
	R_BYTES = 0, R_SECS, R_CPU,	/* stream and churn, both ends */
	R_COUNT = 3,			/* churn, client */
	R_SYSCPU = 4,			/* stream, server: the whole machine */
};

static struct opts o = {
	.test = T_RR,
	.server_cpu = 0,
	.client_cpu = 1,
	.size = 64,
	.iters = 20000,
	.warmup = 1000,
	.secs = 2.0,
};

static struct result res;		/* this process's result */
static char unix_name[108];		/* abstract AF_UNIX name */
static pid_t kids[2];

/* Record the first error of this process; the caller then bails out. */
static int fail(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	if (!res.err[0]) {
		va_start(ap, fmt);
		vsnprintf(res.err, sizeof(res.err), fmt, ap);
		va_end(ap);
	}
	errno = err;
	return -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static int join_cgroup(const char *cg)
{
	int r = bu_join_cgroup(cg);

	return r ? fail("join %s: %s", cg, strerror(-r)) : 0;
}

static int pin_cpu(int cpu)
{
	int r = bu_pin_cpu(cpu);

	return r ? fail("pin to CPU %d: %s", cpu, strerror(-r)) : 0;
}

/* Busy polling (rr -B): a read that found nothing is retried at once, as
 * sockperf's --nonblocked client does, so a round trip has no wake-up in
 * it. Still bounded: the spin fails after POLL_MS without data. */
static unsigned long spins;
static double spin_t0;

static int spin(const char *what)
{
	if (spins++ == 0)
		spin_t0 = now();
	else if (!(spins & 4095) && now() - spin_t0 > POLL_MS / 1000.0)
		return fail("%s: no progress in %d ms (busy polling)", what, POLL_MS);
	return 0;
}

static int wait_fd(int fd, short events, const char *what)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	if (o.busy_poll && events == POLLIN)
		return spin(what);
	do
		n = poll(&p, 1, POLL_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail("poll (%s): %s", what, strerror(errno));
	if (n == 0)
		return fail("%s: no progress in %d ms", what, POLL_MS);
	return 0;
}

/* Read exactly len bytes; 0 on success, 1 on EOF before the first byte. */
static int read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n > 0) {
			got += n;
			spins = 0;
		} else if (n == 0) {
			if (got == 0)
				return 1;
			return fail("read: EOF after %zu of %zu bytes", got, len);
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (wait_fd(fd, POLLIN, "read"))
				return -1;
		} else if (errno != EINTR) {
			return fail("read: %s", strerror(errno));
		}
	}
	return 0;
}

static int write_full(int fd, const char *buf, size_t len)
{
	size_t put = 0;
	ssize_t n;

	while (put < len) {
		n = write(fd, buf + put, len - put);
		if (n >= 0) {
			put += n;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (wait_fd(fd, POLLOUT, "write"))
				return -1;
		} else if (errno != EINTR) {
			return fail("write: %s", strerror(errno));
		}
	}
	return 0;
}

/* Wait for the peer's EOF, discarding anything that still arrives. */
static int drain_to_eof(int fd, char *buf, size_t len)
{
	ssize_t n;

	for (;;) {
		n = read(fd, buf, len);
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (wait_fd(fd, POLLIN, "wait for EOF"))
				return -1;
		} else if (errno != EINTR) {
			return fail("read (EOF): %s", strerror(errno));
		}
	}
}

static void set_nodelay(int fd)
{
	int one = 1;

	if (!o.unix_family)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Non-blocking listener on 127.0.0.1:0 or an abstract AF_UNIX name. */
static int make_listener(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len = sizeof(sin);
	int fd, one = 1;

	fd = socket(o.unix_family ? AF_UNIX : AF_INET,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket: %s", strerror(errno));
	if (o.unix_family) {
		memcpy(sun.sun_path, unix_name, sizeof(unix_name));
		if (bind(fd, (struct sockaddr *)&sun,
			 offsetof(struct sockaddr_un, sun_path) + 1 + strlen(unix_name + 1)))
			goto err;
		*port = 0;
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(o.listen_port);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
		    getsockname(fd, (struct sockaddr *)&sin, &len))
			goto err;
		*port = ntohs(sin.sin_port);
	}
	if (listen(fd, 1024))
		goto err;
	return fd;
err:
	fail("listen: %s", strerror(errno));
	close(fd);
	return -1;
}

/* -M late: the file turns non-blocking only now, after connect()/accept(). */
static int switch_late(int fd)
{
	if (o.sock_mode == SM_LATE &&
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)) {
		fail("fcntl: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Accept one connection from the non-blocking listener; the accepted file
 * is non-blocking from accept4() on unless -M says otherwise. */
static int accept_one(int lfd)
{
	int nb = o.sock_mode == SM_NONBLOCK ? SOCK_NONBLOCK : 0, fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, nb | SOCK_CLOEXEC);
		if (fd >= 0)
			return switch_late(fd);
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (wait_fd(lfd, POLLIN, "accept"))
				return -1;
		} else if (errno != EINTR && errno != ECONNABORTED) {
			return fail("accept: %s", strerror(errno));
		}
	}
}

/* Non-blocking connect, completed with poll(); a blocking one with -M late
 * or blocking. */
static int connect_to(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sockaddr *sa;
	socklen_t salen, elen = sizeof(int);
	int fd, err = 0, tries = 0;

	if (o.unix_family) {
		memcpy(sun.sun_path, unix_name, sizeof(unix_name));
		sa = (struct sockaddr *)&sun;
		salen = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(unix_name + 1);
	} else {
		if (o.dest.sin_port) {
			sin = o.dest;
		} else {
			sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			sin.sin_port = htons(port);
		}
		sa = (struct sockaddr *)&sin;
		salen = sizeof(sin);
	}
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC |
		    (o.sock_mode == SM_NONBLOCK ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return fail("socket: %s", strerror(errno));
	while (connect(fd, sa, salen)) {
		if (errno == EINPROGRESS) {
			if (wait_fd(fd, POLLOUT, "connect"))
				goto err_quiet;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
				err = errno;
			if (err) {
				errno = err;
				goto err;
			}
			break;
		}
		/* AF_UNIX: listener backlog full; give the server a moment */
		if (errno == EAGAIN && ++tries < 1000) {
			usleep(1000);
			continue;
		}
		if (errno != EINTR)
			goto err;
	}
	return switch_late(fd);
err:
	fail("connect: %s", strerror(errno));
err_quiet:
	close(fd);
	return -1;
}

/* ---- server roles: called with the listener, return 0 or -1 ---- */

static int server_rr(int lfd, char *buf)
{
	int fd, r;

	fd = accept_one(lfd);
	if (fd < 0)
		return -1;
	set_nodelay(fd);
	for (;;) {
		r = read_full(fd, buf, o.size);
		if (r == 1)
			break;		/* client done */
		if (r || write_full(fd, buf, o.size))
			goto err;
	}
	close(fd);
	return 0;
err:
	close(fd);
	return -1;
}

static int server_stream(int lfd, char *buf)
{
	double t0 = 0, t1, c0 = 0, m0 = 0;
	uint64_t bytes = 0;
	ssize_t n;
	int fd;

	fd = accept_one(lfd);
	if (fd < 0)
		return -1;
	for (;;) {
		n = read(fd, buf, STREAM_RBUF);
		if (n > 0) {
			if (!bytes) {
				t0 = now();
				c0 = cpu_now();
				m0 = bu_machine_cpu_now();
			}
			bytes += n;
		} else if (n == 0) {
			break;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (wait_fd(fd, POLLIN, "stream read"))
				goto err;
		} else if (errno != EINTR) {
			fail("stream read: %s", strerror(errno));
			goto err;
		}
	}
	t1 = now();
	res.v[R_CPU] = cpu_now() - c0;
	res.v[R_SYSCPU] = m0 < 0 ? -1 : bu_machine_cpu_now() - m0;
	res.v[R_BYTES] = bytes;
	res.v[R_SECS] = t1 - t0;
	close(fd);
	if (!bytes)
		return fail("stream: no bytes received");
	return 0;
err:
	close(fd);
	return -1;
}

static int server_churn(int lfd, char *buf)
{
	double c0 = cpu_now();
	bool quit = false;
	int fd;

	while (!quit) {
		fd = accept_one(lfd);
		if (fd < 0)
			return -1;
		if (read_full(fd, buf, CHURN_MSG)) {
			fail("churn: short request");
			goto err;
		}
		quit = buf[0] == 'Q';
		if (write_full(fd, buf, CHURN_MSG) || drain_to_eof(fd, buf, CHURN_MSG))
			goto err;
		close(fd);
	}
	res.v[R_CPU] = cpu_now() - c0;
	return 0;
err:
	close(fd);
	return -1;
}

/* ---- client roles ---- */

static int client_rr(int port, char *buf)
{
	double *lat, t0, sum = 0;
	long i, n = o.iters;
	int fd;

	lat = calloc(n, sizeof(*lat));
	if (!lat)
		return fail("out of memory");
	fd = connect_to(port);
	if (fd < 0)
		goto err_free;
	set_nodelay(fd);
	memset(buf, 'r', o.size);
	for (i = -o.warmup; i < n; i++) {
		t0 = now();
		if (write_full(fd, buf, o.size) || read_full(fd, buf, o.size)) {
			fail("rr: round trip %ld failed", i);
			goto err;
		}
		if (i >= 0)
			lat[i] = (now() - t0) * 1e6;
	}
	shutdown(fd, SHUT_WR);
	if (drain_to_eof(fd, buf, o.size))
		goto err;
	close(fd);
	qsort(lat, n, sizeof(*lat), bu_cmp_double);
	for (i = 0; i < n; i++)
		sum += lat[i];
	res.v[R_P50] = bu_pct(lat, n, 0.50);
	res.v[R_P99] = bu_pct(lat, n, 0.99);
	res.v[R_MEAN] = sum / n;
	free(lat);
	return 0;
err:
	close(fd);
err_free:
	free(lat);
	return -1;
}

static int client_stream(int port, char *buf)
{
	/* look at the clock about every 64 KiB written */
	long every = o.size >= 65536 ? 1 : 65536 / o.size, k = 0;
	double t0, c0, end;
	uint64_t bytes = 0;
	int fd;

	fd = connect_to(port);
	if (fd < 0)
		return -1;
	if (o.nodelay)
		set_nodelay(fd);
	memset(buf, 's', o.size);
	t0 = now();
	c0 = cpu_now();
	end = t0 + o.secs;
	for (;;) {
		if (write_full(fd, buf, o.size))
			goto err;
		bytes += o.size;
		if (++k == every) {
			k = 0;
			if (now() >= end)
				break;
		}
	}
	res.v[R_SECS] = now() - t0;
	shutdown(fd, SHUT_WR);
	if (drain_to_eof(fd, buf, o.size))
		goto err;
	res.v[R_CPU] = cpu_now() - c0;
	res.v[R_BYTES] = bytes;
	close(fd);
	return 0;
err:
	close(fd);
	return -1;
}

static int one_conn(int port, char *buf, char tag)
{
	int fd;

	fd = connect_to(port);
	if (fd < 0)
		return -1;
	set_nodelay(fd);
	memset(buf, tag, CHURN_MSG);
	if (write_full(fd, buf, CHURN_MSG) || read_full(fd, buf, CHURN_MSG)) {
		fail("churn: exchange failed");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int client_churn(int port, char *buf)
{
	double t0 = now(), c0 = cpu_now(), end = t0 + o.secs, t1;
	uint64_t count = 0;

	do {
		if (one_conn(port, buf, 'c'))
			return -1;
		count++;
	} while (now() < end);
	t1 = now();
	res.v[R_CPU] = cpu_now() - c0;
	res.v[R_COUNT] = count;
	res.v[R_SECS] = t1 - t0;
	return one_conn(port, buf, 'Q');	/* tells the server to stop */
}

/* ---- processes ---- */

static size_t buf_size(void)
{
	size_t n = o.size > STREAM_RBUF ? o.size : STREAM_RBUF;

	return n > CHURN_MSG ? n : CHURN_MSG;
}

static void send_result(int fd, int rc)
{
	ssize_t n;

	res.ok = rc == 0;
	n = write(fd, &res, sizeof(res));
	(void)n;
}

/* Each test's two ends: the server gets the listener, the client the port. */
static int (*const server_of[])(int lfd, char *buf) = {
	[T_RR] = server_rr, [T_STREAM] = server_stream, [T_CHURN] = server_churn,
};
static int (*const client_of[])(int port, char *buf) = {
	[T_RR] = client_rr, [T_STREAM] = client_stream, [T_CHURN] = client_churn,
};

/* Common start of both ends: watchdog, buffer, cgroup, CPU, in this order
 * so no socket exists before the process is in its cgroup. */
static char *enter_role(const char *cg, int cpu)
{
	char *buf;

	alarm(o.timeout);
	buf = malloc(buf_size());
	if (!buf) {
		fail("out of memory");
		return NULL;
	}
	if (join_cgroup(cg) || pin_cpu(cpu))
		return NULL;
	return buf;
}

static void run_server(int ready_fd, int res_fd)
{
	int lfd, port = -1, rc = -1;
	char *buf = enter_role(o.server_cg, o.server_cpu);

	if (!buf)
		goto out;
	lfd = make_listener(&port);
	if (lfd < 0)
		goto out;
	if (write(ready_fd, &port, sizeof(port)) != sizeof(port)) {
		fail("report port: %s", strerror(errno));
		goto out;
	}
	rc = server_of[o.test](lfd, buf);
	close(lfd);
out:
	send_result(res_fd, rc);
	_exit(rc ? 1 : 0);
}

static void run_client(int port, int res_fd)
{
	int rc = -1;
	char *buf = enter_role(o.client_cg, o.client_cpu);

	if (!buf)
		goto out;
	rc = client_of[o.test](port, buf);
out:
	send_result(res_fd, rc);
	_exit(rc ? 1 : 0);
}

/*
 * The parent's timeout, and an interrupt: kill the two children it forked
 * (and only them), reap them so nothing is left behind, then go the way the
 * signal says (a shell must see an interrupted vsbench die of SIGINT).
 */
static void on_signal(int sig)
{
	static const char msg[] = "vsbench: timeout, killing the server and client\n";
	ssize_t n;

	for (int i = 0; i < 2; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	for (int i = 0; i < 2; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
	if (sig == SIGALRM) {
		n = write(2, msg, sizeof(msg) - 1);
		(void)n;
		_exit(1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

static void child_signals(void)
{
	signal(SIGALRM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
}

static int read_result(int fd, struct result *r, const char *who)
{
	ssize_t n;

	do
		n = read(fd, r, sizeof(*r));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(*r)) {
		fprintf(stderr, "vsbench: %s: no result (died?)\n", who);
		return -1;
	}
	if (!r->ok) {
		fprintf(stderr, "vsbench: %s: %s\n", who, r->err[0] ? r->err : "failed");
		return -1;
	}
	return 0;
}

static void print_result(const struct result *srv, const struct result *cli)
{
	static const char *names[] = { "rr", "stream", "churn" };
	double bytes, secs, cpu;

	printf("test=%s family=%s size=%zu server_cpu=%d client_cpu=%d",
	       names[o.test], o.unix_family ? "unix" : "inet", o.size,
	       o.server_cpu, o.client_cpu);
	switch (o.test) {
	case T_RR:
		printf(" iters=%ld p50_us=%.3f p99_us=%.3f mean_us=%.3f\n", o.iters,
		       cli->v[R_P50], cli->v[R_P99], cli->v[R_MEAN]);
		break;
	case T_STREAM:
		bytes = srv->v[R_BYTES];
		secs = srv->v[R_SECS];
		cpu = srv->v[R_CPU] + cli->v[R_CPU];
		printf(" bytes=%.0f secs=%.4f gbps=%.4f cpu_s=%.4f cpu_s_per_gb=%.4f"
		       " sent=%.0f", bytes, secs, bytes * 8 / secs / 1e9, cpu,
		       cpu / (bytes / 1e9), cli->v[R_BYTES]);
		if (srv->v[R_SYSCPU] >= 0)
			printf(" sys_cpu_s=%.4f sys_cpu_s_per_gb=%.4f", srv->v[R_SYSCPU],
			       srv->v[R_SYSCPU] / (bytes / 1e9));
		printf("\n");
		break;
	case T_CHURN:
		printf(" conns=%.0f secs=%.4f conn_per_s=%.1f cpu_s=%.4f\n",
		       cli->v[R_COUNT], cli->v[R_SECS],
		       cli->v[R_COUNT] / cli->v[R_SECS], srv->v[R_CPU] + cli->v[R_CPU]);
		break;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vsbench [OPTIONS] rr|stream|churn\n"
"  -f, --family inet|unix   127.0.0.1 TCP (default) or abstract AF_UNIX stream\n"
"  -S, --server-cg DIR      cgroup v2 directory the server joins first\n"
"  -C, --client-cg DIR      cgroup v2 directory the client joins first\n"
"  -s, --server-cpu N       CPU of the server (default 0)\n"
"  -c, --client-cpu N       CPU of the client (default 1)\n"
"  -m, --size BYTES         message (rr) or write (stream) size (default 64)\n"
"  -n, --iters N            timed round trips (rr, default 20000)\n"
"  -w, --warmup N           untimed round trips first (rr, default 1000)\n"
"  -t, --time SECONDS       duration (stream, churn; default 2)\n"
"  -B, --busy-poll          rr: both ends retry an empty read at once instead\n"
"                           of sleeping in poll() (no wake-ups in a round trip)\n"
"  -N, --nodelay            stream: TCP_NODELAY on the sender (rr and churn\n"
"                           always set it; streaming keeps Nagle by default)\n"
"  -M, --sock-mode MODE     nonblocking (default: from socket()/accept4() on),\n"
"                           late (blocking connect/accept, O_NONBLOCK before\n"
"                           the first byte) or blocking (stays blocking)\n"
"  -T, --timeout SECONDS    kill everything after this (default: derived)\n"
"  -L, --listen PORT        the server listens on 127.0.0.1:PORT (default: any)\n"
"  -D, --connect ADDR:PORT  the client connects there (an IPv4 address), not\n"
"                           to the server: a relay in between forwards to it\n");
}

static long num(const char *s, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "vsbench: bad %s: %s\n", what, s);
		exit(1);
	}
	return v;
}

/* --connect ADDR:PORT, an IPv4 address */
static void parse_dest(const char *arg)
{
	const char *colon = strrchr(arg, ':');
	char addr[INET_ADDRSTRLEN];

	if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof(addr)) {
		fprintf(stderr, "vsbench: bad --connect: %s (ADDR:PORT)\n", arg);
		exit(1);
	}
	memcpy(addr, arg, colon - arg);
	addr[colon - arg] = '\0';
	if (inet_pton(AF_INET, addr, &o.dest.sin_addr) != 1) {
		fprintf(stderr, "vsbench: bad --connect address: %s (an IPv4 address)\n", addr);
		exit(1);
	}
	o.dest.sin_family = AF_INET;
	o.dest.sin_port = htons(num(colon + 1, "connect port", 1, 65535));
}

static void parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "family", required_argument, 0, 'f' },
		{ "server-cg", required_argument, 0, 'S' },
		{ "client-cg", required_argument, 0, 'C' },
		{ "server-cpu", required_argument, 0, 's' },
		{ "client-cpu", required_argument, 0, 'c' },
		{ "size", required_argument, 0, 'm' },
		{ "iters", required_argument, 0, 'n' },
		{ "warmup", required_argument, 0, 'w' },
		{ "time", required_argument, 0, 't' },
		{ "timeout", required_argument, 0, 'T' },
		{ "nodelay", no_argument, 0, 'N' },
		{ "busy-poll", no_argument, 0, 'B' },
		{ "sock-mode", required_argument, 0, 'M' },
		{ "listen", required_argument, 0, 'L' },
		{ "connect", required_argument, 0, 'D' },
		{ "help", no_argument, 0, 'h' },
		{ 0 }
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "f:S:C:s:c:m:n:w:t:T:NBM:L:D:h", lo, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "unix"))
				o.unix_family = true;
			else if (strcmp(optarg, "inet")) {
				fprintf(stderr, "vsbench: bad family: %s\n", optarg);
				exit(1);
			}
			break;
		case 'S': o.server_cg = optarg; break;
		case 'C': o.client_cg = optarg; break;
		case 's': o.server_cpu = num(optarg, "CPU", 0, CPU_SETSIZE - 1); break;
		case 'c': o.client_cpu = num(optarg, "CPU", 0, CPU_SETSIZE - 1); break;
		case 'm': o.size = num(optarg, "size", 1, 64 << 20); break;
		case 'n': o.iters = num(optarg, "iters", 1, RR_MAX); break;
		case 'w': o.warmup = num(optarg, "warmup", 0, RR_MAX); break;
		case 't':
			o.secs = strtod(optarg, &end);
			if (*end || !(o.secs > 0 && o.secs <= 600)) {
				fprintf(stderr, "vsbench: bad time: %s\n", optarg);
				exit(1);
			}
			break;
		case 'T': o.timeout = num(optarg, "timeout", 1, 3600); break;
		case 'N': o.nodelay = true; break;
		case 'B': o.busy_poll = true; break;
		case 'M':
			if (!strcmp(optarg, "nonblocking"))
				o.sock_mode = SM_NONBLOCK;
			else if (!strcmp(optarg, "late"))
				o.sock_mode = SM_LATE;
			else if (!strcmp(optarg, "blocking"))
				o.sock_mode = SM_BLOCKING;
			else {
				fprintf(stderr, "vsbench: bad sock-mode: %s (nonblocking, late, blocking)\n",
					optarg);
				exit(1);
			}
			break;
		case 'L': o.listen_port = num(optarg, "listen port", 1, 65535); break;
		case 'D': parse_dest(optarg); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(1);
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		exit(1);
	}
	if (o.unix_family && (o.listen_port || o.dest.sin_port)) {
		fprintf(stderr, "vsbench: --listen and --connect are for -f inet\n");
		exit(1);
	}
	if (!strcmp(argv[optind], "rr"))
		o.test = T_RR;
	else if (!strcmp(argv[optind], "stream"))
		o.test = T_STREAM;
	else if (!strcmp(argv[optind], "churn"))
		o.test = T_CHURN;
	else {
		usage(stderr);
		exit(1);
	}
	if (!o.timeout)	/* generous: a stalled run is the only thing it catches */
		o.timeout = o.test == T_RR ? 60 : (unsigned int)o.secs + 30;
}

int main(int argc, char **argv)
{
	int ready[2], rs[2], rc_[2], status, port, rc = 0;
	struct result srv = { 0 }, cli = { 0 };
	struct pollfd p;

	parse(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	snprintf(unix_name, sizeof(unix_name), "%cvsbench-%d", '\0', (int)getpid());
	if (pipe2(ready, O_CLOEXEC) || pipe2(rs, O_CLOEXEC) || pipe2(rc_, O_CLOEXEC)) {
		perror("vsbench: pipe");
		return 1;
	}
	signal(SIGALRM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	alarm(o.timeout + 5);

	fflush(stdout);
	kids[0] = fork();
	if (kids[0] < 0) {
		perror("vsbench: fork");
		return 1;
	}
	if (kids[0] == 0) {
		child_signals();
		run_server(ready[1], rs[1]);
	}
	close(ready[1]);
	close(rs[1]);

	p = (struct pollfd){ .fd = ready[0], .events = POLLIN };
	if (poll(&p, 1, 10000) != 1 || read(ready[0], &port, sizeof(port)) != sizeof(port)) {
		read_result(rs[0], &srv, "server");
		kill(kids[0], SIGKILL);
		waitpid(kids[0], &status, 0);
		fprintf(stderr, "vsbench: server did not start\n");
		return 1;
	}

	kids[1] = fork();
	if (kids[1] < 0) {
		perror("vsbench: fork");
		kill(kids[0], SIGKILL);
		waitpid(kids[0], &status, 0);
		return 1;
	}
	if (kids[1] == 0) {
		child_signals();
		run_client(port, rc_[1]);
	}
	close(rc_[1]);

	if (read_result(rc_[0], &cli, "client"))
		rc = 1;
	if (rc)	/* a failed client leaves the server waiting: stop it, quietly */
		kill(kids[0], SIGKILL);
	else if (read_result(rs[0], &srv, "server"))
		rc = 1;
	for (int i = 0; i < 2; i++) {
		if (waitpid(kids[i], &status, 0) < 0 ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			rc = 1;
		kids[i] = 0;
	}
	alarm(0);
	if (rc)
		return 1;
	print_result(&srv, &cli);
	return 0;
}
