// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The pin-root lock: an flock on the pin root directory serialises changes
 * (load, attach, detach, unload) between processes. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "internal.h"

/* The pin root directory, for flock: an fd or a negative errno. */
int vs_open_root(const char *root, struct vs_err *err)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return vs_fail(err, ENOENT, "vsock is not loaded (no pins under %s)", root);
	return vs_fail(err, errno, "open pin root %s: %s", root, strerror(errno));
}

int vs_lock_root_fd(const char *root, struct vs_err *err)
{
	int fd = vs_open_root(root, err), e;

	if (fd < 0 || !flock(fd, LOCK_EX))
		return fd;
	e = errno;
	close(fd);
	return vs_fail(err, e, "lock %s: %s", root, strerror(e));
}

int vs_lock(struct vs_loader *ld, struct vs_err *err)
{
	if (flock(ld->lock_fd, LOCK_EX))
		return vs_fail(err, errno, "lock %s: %s", ld->root, strerror(errno));
	return 0;
}

void vs_unlock(struct vs_loader *ld)
{
	flock(ld->lock_fd, LOCK_UN);
}

/* Open the pin root (creating it, and bpffs, when create) and lock it. */
int vs_lock_root(struct vs_loader *ld, bool create, struct vs_err *err)
{
	struct statfs sfs;
	int ret;

	if (create) {
		if ((ret = vs_ensure_bpffs(ld->root, err)))
			return ret;
		if ((ret = vs_mkdir_p(ld->root, 0700)))
			return vs_fail(err, -ret, "create pin root %s: %s", ld->root,
				       strerror(-ret));
	}
	ld->lock_fd = vs_open_root(ld->root, err);
	if (ld->lock_fd < 0)
		return ld->lock_fd;
	if (fstatfs(ld->lock_fd, &sfs) == 0 &&
	    (unsigned long)sfs.f_type != BPF_FS_MAGIC_NUM)
		return vs_fail(err, EINVAL, "pin root %s is not on a bpf filesystem",
			       ld->root);
	return vs_lock(ld, err);
}
