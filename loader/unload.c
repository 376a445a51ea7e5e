// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Remove everything vsock pinned, without dropping queued bytes unless told. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

static int sockhash_count(const char *root)
{
	char path[PATH_MAX];
	int fd, n;

	vs_pin_path(path, sizeof(path), root, NULL, "vs_socks");
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	n = vs_count_keys(fd, sizeof(struct vs_sock_key));
	close(fd);
	return n < 0 ? 0 : n;
}

/* Stop new redirects everywhere before anything disappears. */
static void disable_all(const char *root)
{
	struct vs_cgroup_cfg cfg;
	char path[PATH_MAX];
	__u64 key, next;
	void *prev = NULL;
	int fd;

	vs_pin_path(path, sizeof(path), root, NULL, "vs_cgcfg");
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &cfg) ||
		    cfg.path[sizeof(cfg.path) - 1] != '\0')
			continue;	/* another ABI's layout: leave it be */
		cfg.flags &= ~VS_CG_ENABLED;
		bpf_map_update_elem(fd, &key, &cfg, BPF_EXIST);
	}
	close(fd);
}

int loader_unload(const struct vs_loader_opts *opts, bool force, int wait_ms,
		  struct vs_err *err)
{
	const char *root = loader_pin_root(opts);
	struct timespec delay = { 0, 50 * 1000000 };
	int fd, n, ret, waited = 0;

	if (err)
		err->msg[0] = '\0';
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? vs_fail(err, ENOENT,
				"vsock is not loaded (no pins under %s)", root)
			: vs_fail(err, errno, "open %s: %s", root, strerror(errno));
	if (flock(fd, LOCK_EX)) {
		ret = vs_fail(err, errno, "lock %s: %s", root, strerror(errno));
		goto out;
	}
	while ((n = sockhash_count(root)) > 0 && !force && waited < wait_ms) {
		nanosleep(&delay, NULL);
		waited += 50;
	}
	if (n > 0 && !force) {
		ret = vs_fail(err, EBUSY,
			      "%d socket%s still accelerated: they keep working until they close; "
			      "retry with --wait SECONDS, or --force (drops bytes queued on the fast path)",
			      n, n == 1 ? " is" : "s are");
		goto out;
	}
	disable_all(root);
	ret = vs_rm_tree(root);
	if (ret)
		vs_fail(err, -ret, "remove pins under %s: %s", root, strerror(-ret));
out:
	close(fd);
	return ret;
}
