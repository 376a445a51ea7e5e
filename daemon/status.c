// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vsockd's status line (attached cgroups, tracked sockets and handles,
 * lost events, a refused reload) and READY=1 with it. */
#include <stdio.h>
#include <stdlib.h>
#include "notify.h"
#include "status.h"

int vsd_attached_count(struct vsd *d)
{
	struct vs_attachment *a;
	struct vs_err e;
	int n = loader_list_attached_all(d->ld, &a, &e);

	free(a);
	return n;
}

void vsd_status_line(struct vsd *d, char *buf, size_t len)
{
	int n = vsd_attached_count(d);

	snprintf(buf, len, "attached %d cgroup%s; %u socket%s tracked "
		 "(%u handles in %u processes); %llu events lost%s",
		 n < 0 ? 0 : n, n == 1 ? "" : "s",
		 (unsigned int)d->scan.cookie2ino.n, d->scan.cookie2ino.n == 1 ? "" : "s",
		 proctbl_nhandles(d->tbl), proctbl_nprocs(d->tbl),
		 (unsigned long long)d->ev.events_lost,
		 d->last_reload_error[0] ? "; last reload failed" : "");
}

void vsd_notify_ready(struct vsd *d)
{
	char line[NOTIFY_STATUS_LEN];

	vsd_status_line(d, line, sizeof(line));
	notify_ready(&d->notify, line);
}
