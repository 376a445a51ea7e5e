/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Requests to the test's vsockd over its control socket (daemonctl.c),
 * through vsockctl's client; replies are jansson objects the caller frees. */
#ifndef VSOCK_DAEMONCTL_H
#define VSOCK_DAEMONCTL_H

#include <jansson.h>
#include "daemonlib.h"

/* Send one request (JSON text); the reply, or NULL with a diagnostic. */
json_t *dl_call(const char *req_json);
/* Whether a reply says "ok": true. */
bool dl_ok(json_t *j);
/* An integer member of j (0 when absent). */
__u64 dl_jnum(json_t *j, const char *key);
/* The "handles" reply for pid's private table. */
json_t *dl_handles_of(pid_t pid);
/* Poll until pid's private table has n handles; returns the last reply. */
json_t *dl_wait_handles(pid_t pid, size_t n, int ms);
/* The handle of fd in a "handles" reply, or NULL. */
json_t *dl_handle_by_fd(json_t *reply, int fd);
/* Whether a "handles" reply lists the socket cookie. */
bool dl_has_cookie(json_t *reply, __u64 cookie);

#endif /* VSOCK_DAEMONCTL_H */
