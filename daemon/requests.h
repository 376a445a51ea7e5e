/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The control requests: status, handles, attach, detach, reload. */
#ifndef VSOCKD_REQUESTS_H
#define VSOCKD_REQUESTS_H

#include <jansson.h>
#include "ctlsrv.h"
#include "vsockd.h"

/* One control request, one reply (never NULL unless ENOMEM). */
json_t *requests_handle(struct vsd *d, const struct ctl_req *req,
			const struct ctl_peer *peer);

#endif /* VSOCKD_REQUESTS_H */
