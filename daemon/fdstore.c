// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* systemd's file-descriptor store (fdstore.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include "fdstore.h"

bool fdstore_available(void)
{
	const char *e = getenv("NOTIFY_SOCKET");

	return e && *e;
}

int fdstore_put(const int *fds, int n, const char *name)
{
	char msg[FDSTORE_NAME_MAX + 32];
	int r;

	if (!fdstore_available())
		return -EOPNOTSUPP;
	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", name);
	r = sd_pid_notify_with_fds(0, 0, msg, fds, (unsigned int)n);
	return r > 0 ? 0 : r < 0 ? r : -EOPNOTSUPP;
}

void fdstore_remove(const char *name)
{
	if (fdstore_available())
		sd_notifyf(0, "FDSTOREREMOVE=1\nFDNAME=%s", name);
}

int fdstore_take(struct fdstore_fd **out)
{
	char **names = NULL;
	int n, i;

	*out = NULL;
	n = sd_listen_fds_with_names(1, &names);
	if (n <= 0)
		return n;
	*out = calloc((size_t)n, sizeof(**out));
	for (i = 0; *out && i < n; i++) {
		(*out)[i].fd = SD_LISTEN_FDS_START + i;
		snprintf((*out)[i].name, sizeof((*out)[i].name), "%s",
			 names && names[i] ? names[i] : "");
	}
	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
	return *out ? n : -ENOMEM;
}
