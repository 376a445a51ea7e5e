// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Descriptors owned by a case and the socket calls of the tests:
 * listen/connect/accept/pair, whole sends and reads under deadlines. */
#include "testlib.h"

int tl_track(int fd)
{
	if (fd >= 0 && tl.nfds < TL_MAX_FDS)
		tl.fds[tl.nfds++] = fd;
	return fd;
}

/* Hand fd over to code that closes it itself (a thread). */
void tl_untrack(int fd)
{
	int i;

	for (i = 0; i < tl.nfds; i++) {
		if (tl.fds[i] == fd) {
			tl.fds[i] = tl.fds[--tl.nfds];
			break;
		}
	}
}

void tl_close(int fd)
{
	if (fd < 0)
		return;
	tl_untrack(fd);
	close(fd);
}

void tl_close_all(void)
{
	while (tl.nfds)
		close(tl.fds[--tl.nfds]);
}

int tl_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) ? -errno : 0;
}

/* Fill a sockaddr for family with "addr" (NULL: loopback) and port. */
socklen_t tl_sockaddr(int family, const char *addr, int port,
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

int tl_port(int fd)
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
int tl_listen(int family, const char *addr, int port, bool v6only)
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
int tl_wait(int fd, short events, uint64_t deadline_ms)
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
int tl_connect(int family, const char *addr, int port, bool nonblock)
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

int tl_wait_connected(int fd, int timeout_ms)
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
int tl_accept(int lfd, bool nonblock, int timeout_ms)
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
int tl_pair(int family, bool nonblock, int *cfd, int *sfd)
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
ssize_t tl_send_all(int fd, const void *buf, size_t len, int timeout_ms,
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
ssize_t tl_recv_all(int fd, void *buf, size_t len, int timeout_ms)
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
int tl_expect_eof(int fd, int timeout_ms)
{
	char c;
	ssize_t n = tl_recv_all(fd, &c, 1, timeout_ms);

	if (n == 0)
		return 0;
	return n > 0 ? -EPROTO : (int)n;
}
