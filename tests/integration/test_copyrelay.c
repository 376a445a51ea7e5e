// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench/copyrelay, the baseline of the bench's proxy rows, relays
 * correctly: every byte checked both ways (testlib's position-dependent
 * pattern), half-close each way, both directions at once, a bounded
 * buffer when the backend stops reading, resets passed on, a refused
 * backend, 64 connections at once, bad arguments refused.
 *
 * No BPF and no cgroup: plain loopback TCP through $O/bench/copyrelay
 * (started here with port 0, killed by pid at the end; PR_SET_PDEATHSIG
 * ends it should this test die). Uses only testlib's pattern and clock.
 * Prints "ok - NAME" / "not ok - NAME: WHY" (tests/run.sh counts them).
 */
#include "testlib.h"

#define STALL_MS	5000	/* no progress for this long: the relay hangs */
#define NCONN		64

/* One end of a connection under test, driven by drive(). */
struct end {
	int fd;
	uint64_t tx_seed, tx_len, sent;	/* what it writes */
	bool shut;			/* shutdown(SHUT_WR) once all is sent */
	uint64_t rx_seed, rx_len, got;	/* what it must read */
	bool want_eof, eof;		/* then EOF */
	bool shut_done;
};

static const char *relay_bin;
static pid_t relay_pid;
static int relay_port, backend_lfd, fails;
static char why[256];

static void ok(const char *name, bool pass)
{
	if (pass) {
		printf("ok - copyrelay: %s\n", name);
	} else {
		printf("not ok - copyrelay: %s: %s\n", name, why);
		fails++;
	}
	fflush(stdout);
	why[0] = '\0';
}

static bool bad(const char *fmt, ...)
{
	va_list ap;

	if (!why[0]) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
	}
	return false;
}

static int nonblock(int fd)
{
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* A client through the relay and the backend's side of it, both
 * non-blocking. The backend's side is matched by an 8-byte tag. */
static bool pair(int *cfd, int *bfd)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(relay_port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uint64_t tag = tl_now_ns(), back = 0;
	struct pollfd p = { .fd = backend_lfd, .events = POLLIN };

	*cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*cfd < 0 || connect(*cfd, (struct sockaddr *)&sin, sizeof(sin)))
		return bad("connect to the relay: %s", strerror(errno));
	if (send(*cfd, &tag, sizeof(tag), 0) != sizeof(tag))
		return bad("send the tag: %s", strerror(errno));
	if (poll(&p, 1, STALL_MS) != 1)
		return bad("the relay did not dial the backend");
	*bfd = accept4(backend_lfd, NULL, NULL, SOCK_CLOEXEC);
	if (*bfd < 0)
		return bad("accept: %s", strerror(errno));
	p = (struct pollfd){ .fd = *bfd, .events = POLLIN };
	if (poll(&p, 1, STALL_MS) != 1 || recv(*bfd, &back, sizeof(back), MSG_WAITALL) != sizeof(back) ||
	    back != tag)
		return bad("the backend did not get the tag");
	nonblock(*cfd);
	nonblock(*bfd);
	return true;
}

/* Move bytes at every end until each has sent, shut down and received what
 * its struct says, verifying every byte read; false if a byte is wrong,
 * data or EOF comes that should not, or nothing moves for STALL_MS. */
static bool drive(struct end *e, int n)
{
	static char buf[256 * 1024];
	struct pollfd p[2 * NCONN];
	uint64_t last = tl_now_ms();
	long long bad_at;
	size_t len;
	ssize_t r;
	int i, busy;

	for (;;) {
		busy = 0;
		for (i = 0; i < n; i++) {
			p[i] = (struct pollfd){ .fd = e[i].fd };
			if (e[i].sent < e[i].tx_len)
				p[i].events |= POLLOUT;
			if (e[i].got < e[i].rx_len || (e[i].want_eof && !e[i].eof))
				p[i].events |= POLLIN;
			if (p[i].events)
				busy++;
			else
				p[i].fd = -1;
		}
		if (!busy)
			return true;
		if (poll(p, n, 100) < 0 && errno != EINTR)
			return bad("poll: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			struct end *x = &e[i];

			if (p[i].revents & POLLOUT) {
				len = x->tx_len - x->sent;
				if (len > sizeof(buf))
					len = sizeof(buf);
				tl_pat_fill(x->tx_seed, x->sent, buf, len);
				r = send(x->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
				if (r < 0 && errno != EAGAIN)
					return bad("end %d: send: %s", i, strerror(errno));
				if (r > 0) {
					x->sent += r;
					last = tl_now_ms();
				}
			}
			if (x->sent == x->tx_len && x->shut && !x->shut_done) {
				if (shutdown(x->fd, SHUT_WR))
					return bad("end %d: shutdown: %s", i, strerror(errno));
				x->shut_done = true;
			}
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = recv(x->fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r < 0 && errno != EAGAIN)
				return bad("end %d: recv: %s", i, strerror(errno));
			if (r == 0) {
				if (x->got != x->rx_len || !x->want_eof)
					return bad("end %d: EOF after %llu of %llu bytes", i,
						   (unsigned long long)x->got,
						   (unsigned long long)x->rx_len);
				x->eof = true;
			} else if (r > 0) {
				if (x->got + r > x->rx_len)
					return bad("end %d: %llu bytes more than sent", i,
						   (unsigned long long)(x->got + r - x->rx_len));
				bad_at = tl_pat_check(x->rx_seed, x->got, buf, r);
				if (bad_at >= 0)
					return bad("end %d: wrong byte at offset %llu", i,
						   (unsigned long long)(x->got + bad_at));
				x->got += r;
				last = tl_now_ms();
			}
		}
		if (tl_now_ms() - last > STALL_MS)
			return bad("no progress for %d ms", STALL_MS);
	}
}

/* c sends len to b with seed, then b sends len back with seed + 1 */
static void one_way(struct end *c, struct end *b, uint64_t len, uint64_t seed, bool c_shut)
{
	*c = (struct end){ .fd = c->fd, .tx_seed = seed, .tx_len = len, .shut = c_shut };
	*b = (struct end){ .fd = b->fd, .rx_seed = seed, .rx_len = len, .want_eof = c_shut };
}

static bool half_close(bool client_first)
{
	struct end e[2] = { { .fd = -1 }, { .fd = -1 } };
	int w = client_first ? 0 : 1;	/* writes and half-closes first */
	bool pass = false;

	if (!pair(&e[0].fd, &e[1].fd))
		goto out;
	/* 8 MiB one way and EOF, then 8 MiB back on the half-closed connection */
	one_way(&e[w], &e[!w], 8 << 20, 1, true);
	if (!drive(e, 2))
		goto out;
	one_way(&e[!w], &e[w], 8 << 20, 2, true);
	pass = drive(e, 2);
out:
	close(e[0].fd);
	close(e[1].fd);
	return pass;
}

static bool both_ways(void)
{
	struct end e[2] = { { .fd = -1 }, { .fd = -1 } };
	bool pass = false;

	if (!pair(&e[0].fd, &e[1].fd))
		goto out;
	for (int s = 0; s < 2; s++)
		e[s] = (struct end){ .fd = e[s].fd, .tx_seed = 10 + s, .tx_len = 32 << 20,
				     .shut = true, .rx_seed = 11 - s, .rx_len = 32 << 20,
				     .want_eof = true };
	pass = drive(e, 2);
out:
	close(e[0].fd);
	close(e[1].fd);
	return pass;
}

/* The backend stops reading: the client's writes must stop after a bounded
 * amount (socket buffers and the relay's 64 KiB), then all of it arrives. */
static bool backpressure(void)
{
	struct end e[2] = { { .fd = -1 }, { .fd = -1 } };
	const uint64_t cap = 256ull << 20, bound = 64ull << 20;
	static char buf[64 * 1024];
	uint64_t sent = 0, last;
	bool pass = false;
	ssize_t r;

	if (!pair(&e[0].fd, &e[1].fd))
		goto out;
	last = tl_now_ms();
	while (sent < cap && tl_now_ms() - last < 300) {
		tl_pat_fill(20, sent, buf, sizeof(buf));
		r = send(e[0].fd, buf, sizeof(buf), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r > 0) {
			sent += r;
			last = tl_now_ms();
		} else if (r < 0 && errno != EAGAIN) {
			bad("send: %s", strerror(errno));
			goto out;
		} else {
			usleep(1000);
		}
	}
	printf("# copyrelay: the client could write %llu KiB before the relay stopped reading\n",
	       (unsigned long long)(sent >> 10));
	if (sent >= bound) {
		bad("%llu MiB went in while the backend read nothing", (unsigned long long)(sent >> 20));
		goto out;
	}
	one_way(&e[0], &e[1], sent, 20, true);
	e[0].sent = sent;
	pass = drive(e, 2);
out:
	close(e[0].fd);
	close(e[1].fd);
	return pass;
}

/* A reset of one leg reaches the other end as a reset, not as an EOF. */
static bool reset_passed(bool backend_resets)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int fd[2] = { -1, -1 }, s = backend_resets, err = 0;
	struct pollfd p;
	char c;
	bool pass = false;

	if (!pair(&fd[0], &fd[1]))
		goto out;
	setsockopt(fd[s], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd[s]);
	fd[s] = -1;
	p = (struct pollfd){ .fd = fd[!s], .events = POLLIN };
	if (poll(&p, 1, STALL_MS) != 1) {
		bad("the other end saw nothing");
		goto out;
	}
	if (recv(fd[!s], &c, 1, 0) == 0)
		bad("the other end saw an EOF");
	else if ((err = errno) != ECONNRESET)
		bad("the other end saw %s", strerror(err));
	else
		pass = true;
out:
	close(fd[0]);
	close(fd[1]);
	return pass;
}

/* The relay dials a port nobody listens on: the client is told at once. */
static bool backend_refused(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(relay_port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	bool pass = false;
	char c;

	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		bad("connect to the relay: %s", strerror(errno));
	} else if (poll(&p, 1, STALL_MS) != 1) {
		bad("no reset or EOF within %d ms", STALL_MS);
	} else if (recv(fd, &c, 1, 0) > 0) {
		bad("data from nowhere");
	} else {
		pass = true;
	}
	close(fd);
	return pass;
}

static bool many(void)
{
	struct end e[2 * NCONN];
	bool pass = false;
	int i, k = 0;

	for (i = 0; i < NCONN; i++, k += 2) {
		if (!pair(&e[k].fd, &e[k + 1].fd))
			goto out;
		for (int s = 0; s < 2; s++)
			e[k + s] = (struct end){ .fd = e[k + s].fd, .tx_seed = 100 + k + s,
						 .tx_len = (256 << 10) + i * 4099, .shut = true,
						 .rx_seed = 100 + k + !s,
						 .rx_len = (256 << 10) + i * 4099, .want_eof = true };
	}
	pass = drive(e, k);
out:
	while (k-- > 0)
		close(e[k].fd);
	return pass;
}

/* Start the relay to backend_lfd's port; its first line gives its port. */
static bool start_relay(void)
{
	char cmd[64], line[128];
	int pfd[2], bport;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	FILE *f;

	backend_lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sin = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (backend_lfd < 0 || bind(backend_lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(backend_lfd, 256) || getsockname(backend_lfd, (struct sockaddr *)&sin, &len))
		return bad("backend listener: %s", strerror(errno));
	bport = ntohs(sin.sin_port);
	snprintf(cmd, sizeof(cmd), "127.0.0.1:%d", bport);
	if (pipe2(pfd, O_CLOEXEC))
		return bad("pipe: %s", strerror(errno));
	relay_pid = fork();
	if (relay_pid < 0)
		return bad("fork: %s", strerror(errno));
	if (relay_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(pfd[1], 1);
		execl(relay_bin, relay_bin, "127.0.0.1:0", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (!f || !fgets(line, sizeof(line), f) ||
	    sscanf(line, "listening 127.0.0.1:%d", &relay_port) != 1)
		return bad("%s did not say where it listens", relay_bin);
	fclose(f);
	return true;
}

/* exit status and stderr of copyrelay with bad arguments */
static bool refuses(const char *a, const char *b, const char *msg)
{
	char cmd[512], out[256] = "";
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s %s 2>&1", relay_bin, a, b);
	f = popen(cmd, "r");
	if (!f)
		return bad("popen: %s", strerror(errno));
	if (!fgets(out, sizeof(out), f))
		out[0] = '\0';
	st = pclose(f);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 1)
		return bad("'%s %s': exit status %d, expected 1", a, b, st);
	if (!strstr(out, msg))
		return bad("'%s %s' said '%s', expected '%s'", a, b, out, msg);
	return true;
}

int main(void)
{
	static char path[PATH_MAX];
	const char *o = getenv("O");
	int st;

	snprintf(path, sizeof(path), "%s/bench/copyrelay", o && *o ? o : "build");
	relay_bin = path;
	signal(SIGPIPE, SIG_IGN);
	if (access(relay_bin, X_OK)) {
		printf("not ok - copyrelay: %s: %s (make %s)\n", relay_bin, strerror(errno), relay_bin);
		return 1;
	}
	ok("bad arguments are refused",
	   refuses("0", "localhost:80", "bad backend") &&
	   refuses("127.0.0.1:99999", "127.0.0.1:80", "bad listen address") &&
	   refuses("-c x 0", "127.0.0.1:80", "bad CPU"));
	if (!start_relay()) {
		ok("starts", false);
		return 1;
	}
	ok("client half-closes, then the backend replies (8 MiB each way)", half_close(true));
	ok("backend half-closes, then the client replies (8 MiB each way)", half_close(false));
	ok("32 MiB both ways at once", both_ways());
	ok("bounded when the backend stops reading; then every byte arrives", backpressure());
	ok("a backend reset reaches the client", reset_passed(true));
	ok("a client reset reaches the backend", reset_passed(false));
	ok("64 connections at once, 256 KiB or more each way", many());
	close(backend_lfd);	/* nobody listens there now */
	ok("a refused backend: the client is told at once", backend_refused());

	kill(relay_pid, SIGTERM);
	if (waitpid(relay_pid, &st, 0) != relay_pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		bad("exit status %d", st);
		ok("exits 0 on SIGTERM", false);
	} else {
		ok("exits 0 on SIGTERM", true);
	}
	return fails ? 1 : 0;
}
