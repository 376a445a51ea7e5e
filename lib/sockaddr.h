/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A socket address as the maps keep it (struct vs_addr: IPv6, or IPv4 as
 * ::ffff:a.b.c.d, port in host order) and as the socket calls take it. */
#ifndef VSOCK_SOCKADDR_H
#define VSOCK_SOCKADDR_H

#include <sys/socket.h>
#include "vsock/abi.h"

/* Older C libraries' headers lack these (Linux 5.14 and 2.6.x). */
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

/* fd's socket cookie (SO_COOKIE: the key the maps know it by), 0 if none. */
__u64 vs_sock_cookie(int fd);
/* 0, or -EAFNOSUPPORT (a is zeroed) for a family other than inet/inet6. */
int vs_addr_from_sockaddr(struct vs_addr *a, const struct sockaddr_storage *ss);
/* AF_INET for an IPv4(-mapped) address, else AF_INET6; returns the length. */
socklen_t vs_addr_to_sockaddr(const struct vs_addr *a, struct sockaddr_storage *ss);

#endif /* VSOCK_SOCKADDR_H */
