/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What vsockd says about itself in one line (systemd's STATUS=). */
#ifndef VSOCKD_STATUS_H
#define VSOCKD_STATUS_H

#include <stddef.h>
#include "vsockd.h"

/* Cgroups with our programs attached, or -errno. */
int vsd_attached_count(struct vsd *d);
void vsd_status_line(struct vsd *d, char *buf, size_t len);
/* STATUS= with the line above, then READY=1. */
void vsd_notify_ready(struct vsd *d);

#endif /* VSOCKD_STATUS_H */
