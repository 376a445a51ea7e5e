// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Paths under the pin root, bpffs mounting and removal of pins. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "internal.h"

int vs_fail(struct vs_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -errnum;
}

int vs_pin_path(char *buf, size_t len, const char *root, const char *sub,
		const char *name)
{
	int n = sub ? snprintf(buf, len, "%s/%s/%s", root, sub, name)
		    : snprintf(buf, len, "%s/%s", root, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

bool vs_path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int vs_mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Remove a directory of pins (two levels at most: root/sub/pin). */
int vs_rm_tree(const char *path)
{
	char child[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int err = 0;
	DIR *d;

	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (vs_pin_path(child, sizeof(child), path, NULL, de->d_name))
			continue;
		if (!lstat(child, &st) && S_ISDIR(st.st_mode))
			err = vs_rm_tree(child) ?: err;
		else if (unlink(child) && errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	if (rmdir(path) && errno != ENOENT)
		err = -errno;
	return err;
}

/* The pin root lives on bpffs; mount it on /sys/fs/bpf when nothing is
 * mounted there (some hosts boot without it). */
int vs_ensure_bpffs(const char *root, struct vs_err *err)
{
	const char *mnt = "/sys/fs/bpf";
	struct statfs sfs;

	if (strncmp(root, mnt, strlen(mnt)) != 0)
		return 0;	/* caller chose another bpffs location */
	if (statfs(mnt, &sfs))
		return vs_fail(err, errno, "stat %s: %s", mnt, strerror(errno));
	if ((unsigned long)sfs.f_type == BPF_FS_MAGIC_NUM)
		return 0;
	if (mount("bpf", mnt, "bpf", 0, "mode=0700"))
		return vs_fail(err, errno, "mount bpffs on %s: %s", mnt,
			       strerror(errno));
	return 0;
}
