// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Remove everything vsock pinned, without dropping queued bytes unless told. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

int vs_open_map_pin(const char *root, enum vs_map_id id)
{
	char path[PATH_MAX];
	int fd;

	vs_pin_path(path, sizeof(path), root, NULL, vs_maps[id].name);
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

static int sockhash_count(const char *root)
{
	int fd = vs_open_map_pin(root, VS_MAP_SOCKS), n;

	if (fd < 0)
		return 0;
	n = vs_count_keys(fd, vs_maps[VS_MAP_SOCKS].key_size);
	close(fd);
	return n < 0 ? 0 : n;
}

int vs_wait_sockhash_empty(const char *root, int wait_ms, int step_ms, int *waited_ms)
{
	struct timespec delay = { step_ms / 1000, (step_ms % 1000) * 1000000L };
	int n, waited = 0;

	while ((n = sockhash_count(root)) > 0 && waited < wait_ms) {
		nanosleep(&delay, NULL);
		waited += step_ms;
	}
	if (waited_ms)
		*waited_ms = waited;
	return n;
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
	int fd = vs_open_map_pin(root, VS_MAP_CGCFG);

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
	int fd, n, ret;

	if (err)
		err->msg[0] = '\0';
	fd = vs_lock_root_fd(root, err);
	if (fd < 0)
		return fd;
	n = force ? 0 : vs_wait_sockhash_empty(root, wait_ms, 50, NULL);
	if (n > 0) {
		ret = vs_fail(err, EBUSY,
			      "%d socket%s still accelerated: they keep working until they close; "
			      "retry with --wait SECONDS, or --force (drops bytes queued on the fast path)",
			      n, n == 1 ? " is" : "s are");
		close(fd);
		return ret;
	}
	ret = vs_remove_pins(root);
	if (ret)
		vs_fail(err, -ret, "remove pins under %s: %s", root, strerror(-ret));
	close(fd);
	return ret;
}
