// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Cgroups, the network namespace and host state (/proc, rlimits). */
#include "testlib.h"

int tl_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

/* Path of our throwaway cgroup "vsock-test-<pid>[-suffix]". */
static void tl_cg_path(const char *suffix, char *buf, size_t len)
{
	snprintf(buf, len, "%s/vsock-test-%d%s%s", tl.cg_root, (int)tl.supervisor,
		 suffix && *suffix ? "-" : "", suffix ? suffix : "");
}

/* Create (and register for cleanup) a cgroup directly under the cgroup2
 * root. Returns 0 or -errno; path filled in. */
int tl_cg_create(const char *suffix, char *path, size_t len)
{
	tl_cg_path(suffix, path, len);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	if (tl.sh && tl.sh->ncg < TL_MAX_CGROUPS) {
		int i;

		for (i = 0; i < tl.sh->ncg; i++)
			if (!strcmp(tl.sh->cg[i], path))
				return 0;
		snprintf(tl.sh->cg[tl.sh->ncg], PATH_MAX, "%s", path);
		__atomic_add_fetch(&tl.sh->ncg, 1, __ATOMIC_SEQ_CST);
	}
	return 0;
}

/* Move the whole calling process (all threads) into a cgroup. Sockets keep
 * the cgroup they were created in. */
int tl_cg_enter(const char *path)
{
	char f[PATH_MAX + 16], pid[24];

	snprintf(f, sizeof(f), "%s/cgroup.procs", path);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	return tl_write_file(f, pid);
}

/* Move into a sibling cgroup that is never attached ("...-plain"):
 * sockets created there take the normal TCP path. */
int tl_enter_plain(void)
{
	char path[PATH_MAX];
	int r = tl_cg_create("plain", path, sizeof(path));

	return r ? r : tl_cg_enter(path);
}

/* Back into the attached test cgroup. */
int tl_enter_main(void)
{
	return tl_cg_enter(tl.cg_main);
}

int tl_cg_attach(const char *path)
{
	struct vs_err err = { "" };
	int r = loader_attach(tl.ld, path, &err);

	if (r < 0)
		TL_FAIL("loader_attach %s: %s (%d)", path, err.msg, r);
	return r;
}

int tl_cg_detach(const char *path)
{
	struct vs_err err = { "" };
	int r = loader_detach(tl.ld, path, &err);

	if (r < 0)
		TL_FAIL("loader_detach %s: %s (%d)", path, err.msg, r);
	return r;
}

/* Cgroup directory of the calling process (cgroup2 "0::" line). */
int tl_cg_self(char *buf, size_t len)
{
	char line[PATH_MAX + 8];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(buf, len, "%s%s", tl.cg_root, strcmp(line + 3, "/") ? line + 3 : "");
		err = 0;
	}
	fclose(f);
	return err;
}

static int tl_lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		err = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			err = -errno;
	}
	close(fd);
	return err;
}

/* Fresh network namespace for the calling thread (do it before threads
 * exist: they inherit it), with lo up. */
int tl_netns_new(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	return tl_lo_up();
}

/* TCP memory in bytes from /proc/net/sockstat ("TCP: ... mem N", pages). */
long long tl_tcp_mem_bytes(void)
{
	char line[256];
	long long pages = -1;
	FILE *f = fopen("/proc/net/sockstat", "re");
	char *p;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "TCP:", 4))
			continue;
		p = strstr(line, " mem ");
		if (p)
			pages = atoll(p + 5);
	}
	fclose(f);
	return pages < 0 ? -ENOENT : pages * sysconf(_SC_PAGESIZE);
}

int tl_raise_nofile(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	rl.rlim_cur = want;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}
