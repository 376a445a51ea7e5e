/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The service proxy's and the relay's counters in vsockd's status reply
 * (`vsockctl status`, the control socket's "status" request). */
#ifndef VSOCKD_PROXY_STATUS_H
#define VSOCKD_PROXY_STATUS_H

#include <jansson.h>

struct proxy;
struct relay;

/* Adds "proxy": {...} to r; null when the proxy did not start. */
void proxy_status_add(json_t *r, const struct proxy *p, struct relay *rl);

#endif /* VSOCKD_PROXY_STATUS_H */
