/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* SIGHUP and the reload request: the config read again and applied. */
#ifndef VSOCKD_RELOAD_H
#define VSOCKD_RELOAD_H

#include <stddef.h>
#include "vsockd.h"

/* Re-read the config; on any error the running one stays (err says why). */
int vsd_reload(struct vsd *d, char *err, size_t errlen);

#endif /* VSOCKD_RELOAD_H */
