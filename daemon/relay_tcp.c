// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* TCP byte counts and endings for the relay (relay_tcp.h). */
#include <errno.h>
#include <poll.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/tcp.h>	/* struct tcp_info with the byte counts (glibc's has none) */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include "relay_tcp.h"
#include "vsock/policy.h"	/* VS_TCP_* */

static int info(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) ? -errno : 0;
}

int tcp_taken(int fd, __u64 *out)
{
	struct tcp_info a, b;
	int outq, tries, r;

	for (tries = 0; tries < 8; tries++) {
		if ((r = info(fd, &a)))
			return r;
		if (ioctl(fd, SIOCOUTQ, &outq))
			return -errno;
		if ((r = info(fd, &b)))
			return r;
		if (a.tcpi_bytes_acked == b.tcpi_bytes_acked) {
			*out = a.tcpi_bytes_acked + (__u64)outq;
			return 0;
		}
	}
	return -EAGAIN;
}

int tcp_received(int fd, __u64 *out)
{
	struct tcp_info ti;
	int r = info(fd, &ti);

	if (!r)
		*out = ti.tcpi_bytes_received;
	return r;
}

int tcp_unread(int fd, __u64 *out)
{
	int n;

	if (ioctl(fd, SIOCINQ, &n))
		return -errno;
	*out = (__u64)n;
	return 0;
}

bool tcp_sent_fin(int fd)
{
	struct tcp_info ti;

	if (info(fd, &ti))
		return false;
	switch (ti.tcpi_state) {
	case VS_TCP_FIN_WAIT1: case VS_TCP_FIN_WAIT2: case VS_TCP_CLOSING:
	case VS_TCP_TIME_WAIT: case VS_TCP_LAST_ACK:
		return true;
	}
	return false;
}

bool tcp_peer_shut(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

int tcp_error(int fd)
{
	socklen_t len = sizeof(int);
	int e = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len))
		return -errno;
	return e;
}

void tcp_abort(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}
