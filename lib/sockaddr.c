// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vs_addr <-> struct sockaddr (sockaddr.h). */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include "sockaddr.h"
#include "vsock/svc.h"

__u64 vs_sock_cookie(int fd)
{
	socklen_t len = sizeof(__u64);
	__u64 c = 0;

	return getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len) ? 0 : c;
}

int vs_addr_from_sockaddr(struct vs_addr *a, const struct sockaddr_storage *ss)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		a->ip[10] = a->ip[11] = 0xff;
		memcpy(&a->ip[12], &in->sin_addr, 4);
		a->port = ntohs(in->sin_port);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		memcpy(a->ip, &in6->sin6_addr, 16);
		a->port = ntohs(in6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

socklen_t vs_addr_to_sockaddr(const struct vs_addr *a, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (void *)ss;
	struct sockaddr_in *s4 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (vs_ip_is_v4(a->ip)) {
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a->ip + 12, 4);
		s4->sin_port = htons(a->port);
		return sizeof(*s4);
	}
	s6->sin6_family = AF_INET6;
	memcpy(&s6->sin6_addr, a->ip, 16);
	s6->sin6_port = htons(a->port);
	return sizeof(*s6);
}
