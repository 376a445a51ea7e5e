/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Descriptors that must outlive vsockd: the relay legs. systemd keeps them
 * in the unit's file-descriptor store (FDSTORE=1 with a name;
 * FileDescriptorStoreMax= in vsockd.service) across a crash or a restart
 * and hands them back at the next start (LISTEN_FDS, LISTEN_FDNAMES), so
 * the kernel keeps relaying while vsockd is away and the new vsockd picks
 * the pairs up again. PID 1 drops a stored descriptor itself on POLLHUP or
 * POLLERR. Outside systemd ($NOTIFY_SOCKET unset) nothing is stored and a
 * restart ends the relays. */
#ifndef VSOCKD_FDSTORE_H
#define VSOCKD_FDSTORE_H

#include <stdbool.h>

#define FDSTORE_NAME_MAX	160	/* systemd allows 255 */

struct fdstore_fd {
	int fd;
	char name[FDSTORE_NAME_MAX];
};

/* Whether a store is there to keep anything. */
bool fdstore_available(void);
/* Keep duplicates of fds[0..n) under name (one message: all or none).
 * 0, or -errno (-EOPNOTSUPP: no store). */
int fdstore_put(const int *fds, int n, const char *name);
/* Forget every descriptor kept under name (its pair ended). */
void fdstore_remove(const char *name);
/* The descriptors handed to this start, once (the environment is cleared).
 * *out is malloc'ed; returns how many, or -errno. */
int fdstore_take(struct fdstore_fd **out);

#endif /* VSOCKD_FDSTORE_H */
