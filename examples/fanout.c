// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* examples/fanout.c: a publisher sends each line of stdin to every
 * subscriber with one vsock_send_multi() call.
 *
 *   fanout PORT            listen on 127.0.0.1:PORT, accept subscribers,
 *                          publish stdin's lines to them
 *
 *   $ build/examples/fanout 7000 &
 *   $ nc 127.0.0.1 7000 & nc 127.0.0.1 7000 &
 *   $ echo hello > /proc/<fanout's pid>/fd/0   (or type into its terminal)
 *
 * Build: cc fanout.c $(pkg-config --cflags --libs vsock). A subscriber
 * whose buffer is full misses the rest of that line and is dropped: a
 * publisher must not block on its slowest reader (the sockets are
 * non-blocking, as vsock's fast path wants them). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* accept4 */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vsock/vsock.h>

#define MAX_SUBS 1024

static int subs[MAX_SUBS];
static size_t nsubs;

static int listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 128)) {
		perror("fanout: listen");
		exit(1);
	}
	return fd;
}

/* Send one line to every subscriber; drop those that did not take it. */
static void publish(const char *line, size_t len)
{
	struct vsock_send_result res[MAX_SUBS];
	size_t i, kept = 0;

	if (vsock_send_multi(subs, nsubs, line, len, MSG_NOSIGNAL | MSG_DONTWAIT, res) < 0) {
		perror("fanout: vsock_send_multi");
		exit(1);
	}
	for (i = 0; i < nsubs; i++) {
		if (res[i].err) {
			fprintf(stderr, "fanout: dropping subscriber %d after %zu of %zu bytes: %s\n",
				subs[i], res[i].sent, len, strerror(res[i].err));
			close(subs[i]);
			continue;
		}
		subs[kept++] = subs[i];
	}
	nsubs = kept;
}

int main(int argc, char **argv)
{
	char line[4096];
	int lfd;

	if (argc != 2) {
		fprintf(stderr, "usage: fanout PORT\n");
		return 1;
	}
	lfd = listen_on(atoi(argv[1]));
	for (;;) {
		struct pollfd p[2] = { { lfd, POLLIN, 0 }, { 0, POLLIN, 0 } };

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return 1;
		if (p[0].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

			if (fd >= 0 && nsubs < MAX_SUBS)
				subs[nsubs++] = fd;
			else if (fd >= 0)
				close(fd);
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			if (!fgets(line, sizeof(line), stdin))
				break;
			publish(line, strlen(line));
			fprintf(stderr, "fanout: %zu subscribers got it (%s)\n", nsubs,
				vsock_backend_name(vsock_send_multi_backend()));
		}
	}
	return 0;
}
