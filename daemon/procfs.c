// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* /proc readers. Everything here races with the process exiting or
 * closing descriptors; callers treat a failure as "gone" and move on. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "procfs.h"

int procfs_parse_stat(const char *buf, char comm[16], __u64 *start)
{
	const char *open, *close, *p;
	unsigned long long v;
	size_t n;
	int field;

	open = strchr(buf, '(');
	close = strrchr(buf, ')');
	if (!open || !close || close < open)
		return -EINVAL;
	n = (size_t)(close - open - 1);
	if (n > 15)
		n = 15;
	memcpy(comm, open + 1, n);
	memset(comm + n, 0, 16 - n);
	/* after ") " comes field 3 (state); starttime is field 22. Each step
	 * starts one past a character of the string (')' first, then a
	 * blank), never past its NUL: a line that ends at ')' is refused. */
	p = close;
	for (field = 2; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL;
	}
	if (sscanf(p + 1, "%llu", &v) != 1)
		return -EINVAL;
	*start = v;
	return 0;
}

static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	if (r < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return (int)r;
	buf[r] = '\0';
	return (int)r;
}

int procfs_parse_uid(const char *buf, __u32 *uid)
{
	unsigned long long id[4];
	const char *line;

	for (line = buf; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, "Uid:", 4))
			break;
	if (!line || sscanf(line + 4, "%llu %llu %llu %llu", &id[0], &id[1], &id[2],
			    &id[3]) != 4)
		return -EINVAL;
	if (id[0] > 0xffffffffull || id[1] > 0xffffffffull || id[2] > 0xffffffffull)
		return -EINVAL;
	*uid = id[0] == id[1] && id[1] == id[2] ? (__u32)id[0] : (__u32)-1;
	return 0;
}

/* /proc/PID/name into buf, NUL-terminated; bytes read or -errno. */
static int read_proc(__u32 pid, const char *name, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/%s", pid, name);
	return read_file(path, buf, len);
}

int procfs_owner(__u32 pid, __u32 *uid)
{
	char buf[4096];
	int r = read_proc(pid, "status", buf, sizeof(buf));

	return r < 0 ? r : procfs_parse_uid(buf, uid);
}

static int read_stat(__u32 pid, char comm[16], __u64 *start)
{
	char buf[1024];
	int r = read_proc(pid, "stat", buf, sizeof(buf));

	return r < 0 ? r : procfs_parse_stat(buf, comm, start);
}

int procfs_start(__u32 pid, __u64 *start)
{
	char comm[16];

	return read_stat(pid, comm, start);
}

int procfs_netns(__u32 pid, __u64 *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%u/ns/net", pid);
	if (stat(path, &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

/* The cgroup v2 line "0::/path"; "" on a v1-only host. */
static void read_cgroup(__u32 pid, char *out, size_t len)
{
	char path[64], buf[4096], *l, *save = NULL;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (!strncmp(l, "0::", 3)) {
			snprintf(out, len, "%s", l + 3);
			return;
		}
}

int procfs_info(__u32 pid, struct proc_info *info)
{
	int r;

	memset(info, 0, sizeof(*info));
	info->tgid = pid;
	r = read_stat(pid, info->comm, &info->start);
	if (r)
		return r;
	read_cgroup(pid, info->cgroup, sizeof(info->cgroup));
	if (procfs_netns(pid, &info->netns))
		info->netns = 0;
	return 0;
}

static int push(struct fd_inode **v, unsigned int *n, unsigned int *cap,
		int fd, __u64 inode)
{
	struct fd_inode *tmp;

	if (*n == *cap) {
		unsigned int c = *cap ? *cap * 2 : 64;

		tmp = realloc(*v, (size_t)c * sizeof(**v));
		if (!tmp)
			return -ENOMEM;
		*v = tmp;
		*cap = c;
	}
	(*v)[*n].fd = fd;
	(*v)[*n].pad = 0;
	(*v)[*n].inode = inode;
	(*n)++;
	return 0;
}

int procfs_socket_fds(__u32 pid, struct fd_inode **v, unsigned int *n,
		      unsigned int *cap)
{
	unsigned long long ino;
	char path[64], link[64];
	struct dirent *de;
	DIR *d;
	ssize_t l;
	int dfd, r = 0;

	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	dfd = dirfd(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		l = readlinkat(dfd, de->d_name, link, sizeof(link) - 1);
		if (l <= 0)
			continue;	/* closed meanwhile */
		link[l] = '\0';
		if (strncmp(link, "socket:[", 8) || sscanf(link + 8, "%llu", &ino) != 1)
			continue;
		r = push(v, n, cap, atoi(de->d_name), ino);
		if (r)
			break;
	}
	closedir(d);
	return r;
}

bool procfs_fd_is_tcp(__u32 pid, int fd)
{
	char path[64], name[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/fd/%d", pid, fd);
	n = getxattr(path, "system.sockprotoname", name, sizeof(name) - 1);
	if (n <= 0)
		return true;	/* cannot tell: let sock_diag decide */
	name[n] = '\0';
	return !strcmp(name, "TCP") || !strcmp(name, "TCPv6") || !strcmp(name, "MPTCP");
}

int procfs_for_each_pid(int (*cb)(__u32 pid, void *ctx), void *ctx)
{
	struct dirent *de;
	unsigned long v;
	char *end;
	DIR *d;
	int r = 0;

	d = opendir("/proc");
	if (!d)
		return -errno;
	while (!r && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		v = strtoul(de->d_name, &end, 10);
		if (*end || !v || v > 0xffffffffu)
			continue;
		r = cb((__u32)v, ctx);
	}
	closedir(d);
	return r;
}
