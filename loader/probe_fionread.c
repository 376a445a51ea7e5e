// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Does FIONREAD on a sockhash member count the bytes TCP queued on it?
 * 6.18.14+ (929e30f93125, also 6.12.75+ and 6.6.128+) answers only the
 * fast-path queue when the map has no sk_skb verdict; 04af4efde58a fixed
 * it in mainline. Measured, not guessed from a version: a loopback pair in
 * the caller's network namespace, the receiver alone in a throwaway
 * sockhash with no program, a few bytes through TCP, FIONREAD against
 * MSG_PEEK. Needs CAP_BPF (the map). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "internal.h"

#define PROBE_BYTES 100

static int loopback_pair(int fd[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l, r = 0;

	fd[0] = fd[1] = -1;
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -errno;
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len) ||
	    (fd[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd[0], (struct sockaddr *)&a, sizeof(a)) ||
	    (fd[1] = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0)
		r = -errno;
	close(l);
	return r;
}

int loader_probe_fionread(bool *tcp_bytes_counted)
{
	struct pollfd p = { .events = POLLIN };
	char buf[PROBE_BYTES] = { 0 };
	int fd[2], map, inq = -1, r;
	__u32 key = 0;
	__u64 val;
	ssize_t peek = -1;

	map = bpf_map_create(BPF_MAP_TYPE_SOCKHASH, "vs_probe", sizeof(key), sizeof(val), 1, NULL);
	if (map < 0)
		return -errno;
	r = loopback_pair(fd);
	if (r)
		goto out;	/* both fds are -1 or valid: close() below copes */
	val = (__u64)fd[1];
	if (bpf_map_update_elem(map, &key, &val, BPF_ANY)) {
		r = -errno;
		goto out;
	}
	if (send(fd[0], buf, sizeof(buf), MSG_NOSIGNAL) != sizeof(buf)) {
		r = -errno;
		goto out;
	}
	p.fd = fd[1];
	if (poll(&p, 1, 1000) != 1) {
		r = -ETIMEDOUT;
		goto out;
	}
	peek = recv(fd[1], buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	if (ioctl(fd[1], FIONREAD, &inq) || peek != PROBE_BYTES) {
		r = -EIO;
		goto out;
	}
	*tcp_bytes_counted = inq == PROBE_BYTES;
out:
	close(fd[0]);
	close(fd[1]);	/* close() takes it out of the map, too */
	close(map);
	return r;
}
