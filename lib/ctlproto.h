/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vsockd's control protocol, shared by vsockd and its clients (vsockctl,
 * tests). A Unix stream socket carries frames both ways: a 4-byte length
 * in network byte order, then that many bytes of one JSON object. A
 * request is {"request": NAME, ...}; a reply is {"ok": true, ...} or
 * {"ok": false, "error": TEXT, "errno": N, "code": "EPERM"}. docs/daemon.md
 * lists every request. */
#ifndef VSOCK_LIB_CTLPROTO_H
#define VSOCK_LIB_CTLPROTO_H

#include <stdint.h>

#define VS_CTL_SOCKET_DEFAULT	"/run/vsock/vsockd.sock"
#define VS_CTL_SOCKET_ENV	"VSOCK_CONTROL_SOCKET"	/* clients: another path */
#define VS_CTL_HDR_LEN		4
#define VS_CTL_MAX_REQUEST	(64u << 10)	/* bytes of JSON in a request */
#define VS_CTL_MAX_RESPONSE	(64u << 20)	/* ... and in a reply */

static inline void vs_ctl_put_len(unsigned char hdr[VS_CTL_HDR_LEN], uint32_t len)
{
	hdr[0] = (unsigned char)(len >> 24);
	hdr[1] = (unsigned char)(len >> 16);
	hdr[2] = (unsigned char)(len >> 8);
	hdr[3] = (unsigned char)len;
}

static inline uint32_t vs_ctl_get_len(const unsigned char hdr[VS_CTL_HDR_LEN])
{
	return (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	       (uint32_t)hdr[2] << 8 | hdr[3];
}

#endif /* VSOCK_LIB_CTLPROTO_H */
