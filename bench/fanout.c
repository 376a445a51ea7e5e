// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fanout: the fan-out rows of `make bench` (bench/fanout.sh). One process
 * joins a cgroup and makes N connected loopback TCP pairs (non-blocking
 * from socket()/accept4() on, as vsock's fast path wants them); then, for
 * TIME seconds, it sends SIZE bytes to all N senders, either with one
 * vsock_send_multi() call (-M multi) or a loop of send() (-M loop), and
 * waits until a receiver thread, on another CPU, has read all N copies.
 *
 * Figures, after a warm-up:
 *   p50_us, p99_us         latency of a fan-out: from just before the
 *                          send call to the receiver's read of the last
 *                          byte of the last copy
 *   cpu_us_per_fanout      CPU time of the sending thread per fan-out
 *                          (the call and a resume of short sends)
 *   sys_cpu_us_per_fanout  busy CPU of the whole machine per fan-out
 *                          (/proc/stat: the receiver and kworkers too)
 * printed as one line of key=value pairs; errors on stderr, exit 1.
 *
 *   fanout [-C CGROUP] [-s SEND_CPU] [-r RECV_CPU] -n N -m SIZE -t SECS -M multi|loop
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <vsock/vsock.h>

#include "benchutil.h"

#define FO_MAX_N	4096
#define FO_WARMUP	50
#define FO_MAX_ROUNDS	(1 << 20)
#define FO_WAIT_MS	5000		/* no single wait may take longer */
#define FO_RBUF		(256 * 1024)

struct fo {
	int n;
	size_t size;
	bool multi;
	int c[FO_MAX_N], s[FO_MAX_N];
	int done_fd;			/* eventfd: the receiver has a whole round */
	volatile uint64_t t_last;	/* ns when the round's last byte was read */
	volatile int stop;
	int recv_cpu;
	int err;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int die(const char *what, int err)
{
	fprintf(stderr, "fanout: %s: %s\n", what, strerror(err));
	return 1;
}

static int make_pairs(struct fo *f)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int big = 4 << 20, l;

	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, al) || listen(l, 4096) ||
	    getsockname(l, (struct sockaddr *)&a, &al))
		return -errno;
	for (int i = 0; i < f->n; i++) {
		struct pollfd p;

		f->c[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (f->c[i] < 0)
			return -errno;
		/* room for a round: a short send would be resumed, but
		 * measures the buffer, not the call */
		setsockopt(f->c[i], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
		if (connect(f->c[i], (struct sockaddr *)&a, al) && errno != EINPROGRESS)
			return -errno;
		p = (struct pollfd){ l, POLLIN, 0 };
		if (poll(&p, 1, FO_WAIT_MS) != 1)
			return -ETIMEDOUT;
		f->s[i] = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (f->s[i] < 0)
			return -errno;
		setsockopt(f->s[i], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
		p = (struct pollfd){ f->c[i], POLLOUT, 0 };
		if (poll(&p, 1, FO_WAIT_MS) != 1)
			return -ETIMEDOUT;
	}
	close(l);
	return 0;
}

/* The receiver: read every socket; when a round is complete (n * size
 * bytes), note the time and tell the sender. */
static void *receiver(void *arg)
{
	struct fo *f = arg;
	uint64_t want = (uint64_t)f->n * f->size, have = 0, one = 1;
	char *buf = malloc(FO_RBUF);
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (!buf || ep < 0 || bu_pin_cpu(f->recv_cpu)) {
		f->err = ENOMEM;
		goto out;
	}
	for (int i = 0; i < f->n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };

		epoll_ctl(ep, EPOLL_CTL_ADD, f->s[i], &ev);
	}
	while (!f->stop) {
		struct epoll_event evs[256];
		int k = epoll_wait(ep, evs, 256, 100);

		for (int j = 0; j < k; j++) {
			ssize_t r;

			while ((r = recv(f->s[evs[j].data.u32], buf, FO_RBUF, MSG_DONTWAIT)) > 0)
				have += r;
			if (r == 0) {
				f->err = ECONNRESET;
				goto out;
			}
		}
		if (have >= want) {
			if (have > want) {	/* rounds never overlap */
				f->err = EPROTO;
				goto out;
			}
			have = 0;
			f->t_last = now_ns();
			if (write(f->done_fd, &one, sizeof(one)) != sizeof(one))
				break;
		}
	}
out:
	close(ep);
	free(buf);
	if (f->err) {	/* wake the sender, which then sees f->err */
		one = 1;
		if (write(f->done_fd, &one, sizeof(one)) < 0)
			f->err = errno;
	}
	return NULL;
}

/* What a socket did not take of buf (a full buffer): the rest when it
 * has room again. Counted in the sender's CPU; rare with 4 MiB buffers. */
static int resume(int fd, const char *buf, size_t len, size_t done)
{
	while (done < len) {
		struct pollfd p = { fd, POLLOUT, 0 };
		ssize_t r;

		if (poll(&p, 1, FO_WAIT_MS) != 1)
			return -ETIMEDOUT;
		r = send(fd, buf + done, len - done, MSG_NOSIGNAL);
		if (r < 0 && errno != EAGAIN)
			return -errno;
		if (r > 0)
			done += r;
	}
	return 0;
}

static int fan_out(struct fo *f, const char *buf, struct vsock_send_result *res,
		   unsigned long *resumed)
{
	int r;

	if (f->multi) {
		if (vsock_send_multi(f->c, f->n, buf, f->size, MSG_NOSIGNAL, res) < 0)
			return -errno;
		for (int i = 0; i < f->n; i++) {
			if (!res[i].err)
				continue;
			if (res[i].err != EAGAIN)
				return -res[i].err;
			++*resumed;
			if ((r = resume(f->c[i], buf, f->size, res[i].sent)))
				return r;
		}
		return 0;
	}
	for (int i = 0; i < f->n; i++) {
		ssize_t s = send(f->c[i], buf, f->size, MSG_NOSIGNAL);

		if (s < 0 && errno != EAGAIN)
			return -errno;
		if (s < 0)
			s = 0;
		if ((size_t)s < f->size) {
			++*resumed;
			if ((r = resume(f->c[i], buf, f->size, s)))
				return r;
		}
	}
	return 0;
}

static int wait_round(struct fo *f)
{
	struct pollfd p = { f->done_fd, POLLIN, 0 };
	uint64_t v;

	if (poll(&p, 1, FO_WAIT_MS) != 1)
		return -ETIMEDOUT;
	if (read(f->done_fd, &v, sizeof(v)) != sizeof(v))
		return -errno;
	return f->err ? -f->err : 0;
}

static struct fo fo;

int main(int argc, char **argv)
{
	const char *cg = NULL, *mode = "multi";
	struct vsock_send_result *res;
	unsigned long resumed = 0;
	double secs = 1, m0, m1, *lat;
	int opt, send_cpu = 1, r;
	long rounds = 0;
	uint64_t cpu = 0, end;
	pthread_t th;
	char *buf;

	fo.size = 1024;
	fo.n = 16;
	fo.recv_cpu = 0;
	while ((opt = getopt(argc, argv, "C:s:r:n:m:t:M:")) != -1) {
		switch (opt) {
		case 'C': cg = optarg; break;
		case 's': send_cpu = atoi(optarg); break;
		case 'r': fo.recv_cpu = atoi(optarg); break;
		case 'n': fo.n = atoi(optarg); break;
		case 'm': fo.size = strtoul(optarg, NULL, 0); break;
		case 't': secs = atof(optarg); break;
		case 'M': mode = optarg; break;
		default:
			fprintf(stderr, "usage: fanout [-C CGROUP] [-s SEND_CPU] [-r RECV_CPU] "
				"-n N -m SIZE -t SECS -M multi|loop\n");
			return 1;
		}
	}
	if (fo.n < 1 || fo.n > FO_MAX_N || !fo.size || secs <= 0 ||
	    (strcmp(mode, "multi") && strcmp(mode, "loop"))) {
		fprintf(stderr, "fanout: bad arguments (N 1..%d, SIZE > 0, -M multi|loop)\n",
			FO_MAX_N);
		return 1;
	}
	fo.multi = !strcmp(mode, "multi");
	alarm((unsigned int)secs + 60);
	{
		struct rlimit rl = { 2 * FO_MAX_N + 64, 2 * FO_MAX_N + 64 };

		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* the cgroup before the first socket: vsock sees it at sock_create */
	if ((r = bu_join_cgroup(cg)))
		return die("join cgroup", -r);
	if ((r = bu_pin_cpu(send_cpu)))
		return die("pin", -r);
	if ((r = make_pairs(&fo)))
		return die("connect", -r);
	fo.done_fd = eventfd(0, EFD_CLOEXEC);
	buf = malloc(fo.size);
	res = calloc(fo.n, sizeof(*res));
	lat = calloc(FO_MAX_ROUNDS, sizeof(*lat));
	if (fo.done_fd < 0 || !buf || !res || !lat)
		return die("memory", ENOMEM);
	memset(buf, 'f', fo.size);
	if (pthread_create(&th, NULL, receiver, &fo))
		return die("thread", EAGAIN);
	for (int w = 0; w < FO_WARMUP; w++)
		if ((r = fan_out(&fo, buf, res, &resumed)) || (r = wait_round(&fo)))
			return die("warm-up", -r);
	resumed = 0;
	m0 = bu_machine_cpu_now();
	end = now_ns() + (uint64_t)(secs * 1e9);
	while (rounds < FO_MAX_ROUNDS && now_ns() < end) {
		uint64_t c0 = thread_cpu_ns(), t0 = now_ns();

		if ((r = fan_out(&fo, buf, res, &resumed)))
			return die("fan-out", -r);
		cpu += thread_cpu_ns() - c0;
		if ((r = wait_round(&fo)))
			return die("receiver", -r);
		lat[rounds++] = (fo.t_last - t0) / 1e3;
	}
	m1 = bu_machine_cpu_now();
	fo.stop = 1;
	pthread_join(th, NULL);
	/* the multi rows measure io_uring; the fallback is not what they say */
	if (fo.multi && vsock_send_multi_backend() != VSOCK_BACKEND_IO_URING)
		return die("vsock_send_multi did not use io_uring (VSOCK_NO_IO_URING set, or "
			   "io_uring disabled)", EOPNOTSUPP);
	qsort(lat, rounds, sizeof(*lat), bu_cmp_double);
	printf("mode=%s n=%d size=%zu fanouts=%ld backend=%s resumed=%lu p50_us=%.2f p99_us=%.2f "
	       "cpu_us_per_fanout=%.3f", mode, fo.n, fo.size, rounds,
	       fo.multi ? vsock_backend_name(vsock_send_multi_backend()) : "send", resumed,
	       bu_pct(lat, rounds, 0.50), bu_pct(lat, rounds, 0.99), cpu / 1e3 / rounds);
	if (m0 >= 0 && m1 >= 0)
		printf(" sys_cpu_us_per_fanout=%.3f", (m1 - m0) * 1e6 / rounds);
	printf("\n");
	return 0;
}
