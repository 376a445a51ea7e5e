/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Start-up and shutdown: the modules opened and wired to the loop. */
#ifndef VSOCKD_DAEMON_H
#define VSOCKD_DAEMON_H

#include "vsockd.h"

/* d->cfg, cfg_path and cli_level are set; the rest is zero. */
int vsd_init(struct vsd *d);
void vsd_fini(struct vsd *d);

#endif /* VSOCKD_DAEMON_H */
