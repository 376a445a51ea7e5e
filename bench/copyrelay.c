// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * copyrelay: the plain epoll copy relay of the bench's proxy rows, the
 * baseline issue 12 names for vsockd's kernel relay.
 *
 *   copyrelay [-c CPU] [ADDR:]PORT BACKEND-ADDR:PORT
 *
 * Listens on ADDR:PORT (default 127.0.0.1; port 0: any, and the line
 * "listening ADDR:PORT" on stdout says which), and for every accepted
 * connection dials the backend and copies bytes both ways with read() and
 * write() through a 64 KiB buffer per direction. One thread, level-triggered
 * epoll, pinned to CPU with -c. A direction reads only while its buffer is
 * empty and writes only what it read, so a slow reader stops the relay from
 * reading the writer (backpressure through the buffer, not the heap); a
 * direction's EOF becomes shutdown(SHUT_WR) of the other leg once its
 * buffer is written (half-close); an error or reset on either leg resets
 * both (SO_LINGER 0). TCP_NODELAY on both legs: a relay must not add Nagle
 * delays to small messages. IPv4 only. Runs until SIGINT or SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE	(64 * 1024)
#define MAX_EVENTS	64

/* One direction: bytes read from leg `from`, written to the other leg. */
struct dir {
	char *buf;
	size_t off, len;	/* unwritten bytes: buf[off, off + len) */
	bool eof;		/* `from` said EOF */
	bool shut;		/* and the other leg got SHUT_WR */
};

struct conn;

/* What an epoll event points to: one leg of one connection (leg[0] the
 * client, leg[1] the backend). */
struct leg {
	struct conn *c;
	int fd;
	unsigned int events;	/* registered interest; 0: not registered */
};

struct conn {
	struct leg leg[2];
	struct dir dir[2];	/* dir[s]: leg[s] -> leg[!s] */
	bool connecting;	/* the backend's connect() is in progress */
	struct conn *next_dead;	/* closed, freed after the epoll batch */
};

static int ep;
static struct sockaddr_in backend;
static volatile sig_atomic_t stop;
/* Closed connections wait here until the end of the epoll batch: a later
 * event of the same batch may point to one of their legs. */
static struct conn dead_end, *dead = &dead_end;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Close both legs; with RST, so that a reset or error on one leg reaches
 * the other end as a reset and not as a clean EOF. */
static void conn_close(struct conn *c, bool reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	for (int s = 0; s < 2; s++) {
		if (c->leg[s].fd < 0)
			continue;
		if (reset)
			setsockopt(c->leg[s].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c->leg[s].fd);	/* also leaves the epoll set */
		c->leg[s].fd = -1;
	}
	c->next_dead = dead;
	dead = c;
}

static void free_dead(void)
{
	struct conn *c;

	while (dead != &dead_end) {
		c = dead;
		dead = c->next_dead;
		free(c->dir[0].buf);
		free(c->dir[1].buf);
		free(c);
	}
}

/* Register what leg s waits for now: readable while the buffer it reads
 * into is empty, writable while the other direction has bytes for it. A
 * leg with nothing to wait for leaves the set (a fully shut-down socket
 * reports EPOLLHUP at every epoll_wait otherwise). */
static int update(struct conn *c, int s)
{
	struct leg *l = &c->leg[s];
	struct epoll_event ev = { .data.ptr = l };
	unsigned int want = 0;
	int op;

	if (c->connecting) {
		want = s == 1 ? EPOLLOUT : 0;
	} else {
		if (!c->dir[s].eof && !c->dir[s].len)
			want |= EPOLLIN;
		if (c->dir[!s].len)
			want |= EPOLLOUT;
	}
	if (want == l->events)
		return 0;
	op = !want ? EPOLL_CTL_DEL : l->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	ev.events = want;
	if (epoll_ctl(ep, op, l->fd, &ev)) {
		perror("copyrelay: epoll_ctl");
		return -1;
	}
	l->events = want;
	return 0;
}

/* Move what can be moved in direction s without blocking. 0, or -1 when
 * the connection is to be reset. */
static int pump(struct conn *c, int s)
{
	struct dir *d = &c->dir[s];
	int from = c->leg[s].fd, to = c->leg[!s].fd;
	ssize_t n;

	for (;;) {
		if (d->len) {
			n = send(to, d->buf + d->off, d->len, MSG_NOSIGNAL);
			if (n < 0)
				return errno == EAGAIN || errno == EINTR ? 0 : -1;
			d->off += n;
			d->len -= n;
			if (d->len)
				continue;
		}
		if (d->eof) {
			if (!d->shut && shutdown(to, SHUT_WR) && errno != ENOTCONN)
				return -1;
			d->shut = true;
			return 0;
		}
		n = recv(from, d->buf, BUF_SIZE, 0);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		d->off = 0;
		d->len = n;
		d->eof = n == 0;
	}
}

/* An event on leg l: finish the connect, or move bytes both ways. */
static void on_event(struct leg *l)
{
	struct conn *c = l->c;
	socklen_t elen = sizeof(int);
	int err = 0;

	if (c->next_dead)
		return;		/* closed by an earlier event of this batch */
	if (c->connecting) {
		if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &elen) || err) {
			conn_close(c, true);	/* backend refused: reset the client */
			return;
		}
		c->connecting = false;
	}
	if (pump(c, 0) || pump(c, 1)) {
		conn_close(c, true);
		return;
	}
	if (c->dir[0].shut && c->dir[1].shut) {
		conn_close(c, false);
		return;
	}
	if (update(c, 0) || update(c, 1))
		conn_close(c, true);
}

/* A client arrived: dial the backend, without blocking. */
static void on_accept(int lfd)
{
	struct conn *c;
	int fd, bfd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				perror("copyrelay: accept");
			return;
		}
		c = calloc(1, sizeof(*c));
		bfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c) {
			c->dir[0].buf = malloc(BUF_SIZE);
			c->dir[1].buf = malloc(BUF_SIZE);
		}
		if (!c || !c->dir[0].buf || !c->dir[1].buf || bfd < 0) {
			fprintf(stderr, "copyrelay: no memory or socket for a connection\n");
			if (bfd >= 0)
				close(bfd);
			close(fd);
			if (c) {
				free(c->dir[0].buf);
				free(c->dir[1].buf);
				free(c);
			}
			continue;
		}
		nodelay(fd);
		nodelay(bfd);
		for (int s = 0; s < 2; s++)
			c->leg[s] = (struct leg){ .c = c, .fd = s ? bfd : fd };
		c->connecting = true;
		if (connect(bfd, (struct sockaddr *)&backend, sizeof(backend)) == 0)
			c->connecting = false;
		else if (errno != EINPROGRESS) {
			conn_close(c, true);
			continue;
		}
		if (c->connecting ? update(c, 1) : update(c, 0) || update(c, 1))
			conn_close(c, true);
	}
}

/* ADDR:PORT or, if loopback_default, [ADDR:]PORT, IPv4 */
static int parse_addr(const char *arg, bool loopback_default, struct sockaddr_in *sin)
{
	const char *colon = strrchr(arg, ':'), *port = colon ? colon + 1 : arg;
	char addr[INET_ADDRSTRLEN] = "127.0.0.1", *end;
	long p;

	if (colon) {
		if ((size_t)(colon - arg) >= sizeof(addr))
			return -1;
		memcpy(addr, arg, colon - arg);
		addr[colon - arg] = '\0';
	} else if (!loopback_default) {
		return -1;
	}
	errno = 0;
	p = strtol(port, &end, 10);
	if (errno || end == port || *end || p < 0 || p > 65535 || (!p && !loopback_default))
		return -1;
	*sin = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(p) };
	return inet_pton(AF_INET, addr, &sin->sin_addr) == 1 ? 0 : -1;
}

static int listen_on(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)sin, sizeof(*sin)) || listen(fd, 1024) ||
	    getsockname(fd, (struct sockaddr *)sin, &len)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: copyrelay [-c CPU] [ADDR:]PORT BACKEND-ADDR:PORT\n"
		   "  IPv4; ADDR defaults to 127.0.0.1, PORT 0 picks a free port\n"
		   "  -c, --cpu N   pin the relay to CPU N\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "cpu", required_argument, 0, 'c' },
		{ "help", no_argument, 0, 'h' },
		{ 0 }
	};
	struct epoll_event evs[MAX_EVENTS], lev = { .events = EPOLLIN };
	struct sockaddr_in laddr;
	struct sigaction sa = { .sa_handler = on_stop };
	char abuf[INET_ADDRSTRLEN];
	int c, cpu = -1, lfd, n;
	cpu_set_t set;
	char *end;

	while ((c = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			errno = 0;
			cpu = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || cpu < 0 || cpu >= CPU_SETSIZE) {
				fprintf(stderr, "copyrelay: bad CPU: %s\n", optarg);
				return 1;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 1;
	}
	if (parse_addr(argv[optind], true, &laddr)) {
		fprintf(stderr, "copyrelay: bad listen address: %s ([ADDR:]PORT, IPv4)\n", argv[optind]);
		return 1;
	}
	if (parse_addr(argv[optind + 1], false, &backend)) {
		fprintf(stderr, "copyrelay: bad backend: %s (ADDR:PORT, IPv4)\n", argv[optind + 1]);
		return 1;
	}
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "copyrelay: pin to CPU %d: %s\n", cpu, strerror(errno));
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);	/* no SA_RESTART: epoll_wait returns */
	sigaction(SIGTERM, &sa, NULL);
	lfd = listen_on(&laddr);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (lfd < 0 || ep < 0) {
		fprintf(stderr, "copyrelay: listen on %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	lev.data.ptr = NULL;	/* the listener */
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev)) {
		perror("copyrelay: epoll_ctl");
		return 1;
	}
	printf("listening %s:%d\n", inet_ntop(AF_INET, &laddr.sin_addr, abuf, sizeof(abuf)),
	       ntohs(laddr.sin_port));
	fflush(stdout);

	while (!stop) {
		n = epoll_wait(ep, evs, MAX_EVENTS, -1);
		if (n < 0 && errno != EINTR) {
			perror("copyrelay: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (!evs[i].data.ptr)
				on_accept(lfd);
			else
				on_event(evs[i].data.ptr);
		}
		free_dead();
	}
	return 0;
}
