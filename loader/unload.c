// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Remove everything vsock pinned, without dropping queued bytes unless told. */
#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

/* The pinned map id under root, or a negative errno. */
static int open_map(const char *root, enum vs_map_id id)
{
	char path[PATH_MAX];
	int fd;

	vs_pin_path(path, sizeof(path), root, NULL, vs_maps[id].name);
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

static int sockhash_count(const char *root)
{
	int fd = open_map(root, VS_MAP_SOCKS), n;

	if (fd < 0)
		return 0;
	n = vs_count_keys(fd, vs_maps[VS_MAP_SOCKS].key_size);
	close(fd);
	return n < 0 ? 0 : n;
}

static int disable_one(const void *key, void *ctx)
{
	struct vs_cgroup_cfg cfg;
	int fd = *(int *)ctx;

	if (bpf_map_lookup_elem(fd, key, &cfg) ||
	    cfg.path[sizeof(cfg.path) - 1] != '\0')
		return 0;	/* another ABI's layout: leave it be */
	cfg.flags &= ~VS_CG_ENABLED;
	bpf_map_update_elem(fd, key, &cfg, BPF_EXIST);
	return 0;
}

int vs_remove_pins(const char *root)
{
	int fd = open_map(root, VS_MAP_CGCFG);

	/* stop new redirects everywhere before anything disappears */
	if (fd >= 0) {
		vs_map_for_each_key(fd, vs_maps[VS_MAP_CGCFG].key_size, disable_one, &fd);
		close(fd);
	}
	return vs_rm_tree(root);
}

int loader_unload(const struct vs_loader_opts *opts, bool force, int wait_ms,
		  struct vs_err *err)
{
	const char *root = loader_pin_root(opts);
	struct timespec delay = { 0, 50 * 1000000 };
	int fd, n, ret, waited = 0;

	if (err)
		err->msg[0] = '\0';
	fd = vs_open_root(root, err);
	if (fd < 0)
		return fd;
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
	ret = vs_remove_pins(root);
	if (ret)
		vs_fail(err, -ret, "remove pins under %s: %s", root, strerror(-ret));
out:
	close(fd);
	return ret;
}
