/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* libvsock: what applications call (man 3 vsock_send_multi, docs/libvsock.md).
 * Link with `pkg-config --libs vsock`. Independent of the rest of vsock: it
 * works on any host, accelerated or not; sockets on vsock's fast path get
 * their bytes through redirect, the others through TCP. */
#ifndef VSOCK_VSOCK_H
#define VSOCK_VSOCK_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The flags vsock_send_multi() accepts; any other bit is EINVAL. */
#define VSOCK_SEND_FLAGS (MSG_NOSIGNAL | MSG_DONTWAIT | MSG_MORE)

/* At most this many descriptors per call (EINVAL above). */
#define VSOCK_SEND_MULTI_MAX 65536

/* What one descriptor of the list got. */
struct vsock_send_result {
	size_t sent;	/* bytes of buf this socket accepted: always the first
			 * `sent` bytes, in order; 0..len */
	int err;	/* 0 when sent == len, else the errno that stopped it
			 * (EAGAIN: a non-blocking socket's buffer was full) */
};

/* Send the same len bytes of buf to each of the n connected TCP sockets
 * fds[0..n-1], with one entry into the kernel for all of them (io_uring;
 * a send() per socket where io_uring is unavailable). res[i] says what
 * fds[i] got. Returns how many sockets took all len bytes, or -1 with
 * errno EINVAL (bad arguments or flags: nothing is sent, res untouched). */
int vsock_send_multi(const int *fds, size_t n, const void *buf, size_t len,
		     int flags, struct vsock_send_result *res);

/* How the calling thread's last vsock_send_multi() reached the kernel. */
enum vsock_backend {
	VSOCK_BACKEND_NONE = 0,		/* no call yet in this thread */
	VSOCK_BACKEND_IO_URING = 1,	/* one io_uring submission per pass */
	VSOCK_BACKEND_SEND = 2,		/* fallback: a send() per socket */
};

enum vsock_backend vsock_send_multi_backend(void);
/* "io_uring", "send" or "none". */
const char *vsock_backend_name(enum vsock_backend b);

#ifdef __cplusplus
}
#endif

#endif /* VSOCK_VSOCK_H */
