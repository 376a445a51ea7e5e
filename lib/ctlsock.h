/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Client side of vsockd's control socket (protocol: ctlproto.h):
 * one request, one reply, over a fresh connection. */
#ifndef VSOCK_LIB_CTLSOCK_H
#define VSOCK_LIB_CTLSOCK_H

#include <stddef.h>
#include <jansson.h>

#define CTLSOCK_TIMEOUT_MS 30000	/* attach may load the programs first */

/* $VSOCK_CONTROL_SOCKET, else /run/vsock/vsockd.sock. */
const char *ctlsock_path(void);

/* Send req and wait for the reply. Returns 0 with *reply set (the caller
 * owns it, and "ok" may still be false), -ENOTCONN when no vsockd listens
 * at path (no socket file, or one nobody answers on), or another negative
 * errno with err saying what failed. */
int ctlsock_call(const char *path, json_t *req, json_t **reply, int timeout_ms,
		 char *err, size_t errlen);

/* 0 for {"ok": true}; else the reply's negative errno (-EIO if it has
 * none), with its "error" text copied into err. */
int ctlsock_reply_err(json_t *reply, char *err, size_t errlen);

#endif /* VSOCK_LIB_CTLSOCK_H */
