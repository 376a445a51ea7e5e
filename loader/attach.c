// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Attach and detach a cgroup v2 through pinned bpf_links. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"
#include "cgpath.h"

#define CGROUP2_MAGIC 0x63677270
#define CGROUP1_MAGIC 0x27e0eb

int loader_cgroup_id(const char *cg_path, __u64 *id)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	int mount_id;

	/* cgroup2's file handle is the kernfs node id, bpf_get_current_cgroup_id() */
	if (name_to_handle_at(AT_FDCWD, cg_path, &h.fh, &mount_id, 0))
		return -errno;
	*id = h.id;
	return 0;
}

/* A cgroup v2 directory, or a precise reason why not. */
int loader_check_cgroup(const char *path, struct vs_err *err)
{
	struct statfs sfs;
	struct stat st;
	int ret;

	if ((ret = vs_cg_path_check_len(path, err)))
		return ret;
	if (stat(path, &st))
		return vs_fail(err, errno, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return vs_fail(err, ENOTDIR, "%s: not a directory (expected a cgroup v2 directory)",
			       path);
	if (statfs(path, &sfs))
		return vs_fail(err, errno, "statfs %s: %s", path, strerror(errno));
	if ((unsigned long)sfs.f_type == CGROUP1_MAGIC)
		return vs_fail(err, EINVAL, "%s is a cgroup v1 directory: vsock needs cgroup v2",
			       path);
	if ((unsigned long)sfs.f_type != CGROUP2_MAGIC)
		return vs_fail(err, EINVAL, "%s is not a cgroup (not on a cgroup2 filesystem)",
			       path);
	return 0;
}

/* Path of the cgroup relative to the cgroup2 mount ("/" for the root). */
static void relative_path(const struct vs_loader *ld, const char *abs, char *out,
			  size_t len)
{
	size_t n = strlen(ld->cg2_root);

	if (n && !strncmp(abs, ld->cg2_root, n) && (abs[n] == '/' || !abs[n]))
		snprintf(out, len, "%s", abs[n] ? abs + n : "/");
	else
		snprintf(out, len, "%s", abs);
}

static void link_pin(const struct vs_loader *ld, __u64 cg_id, const char *prog,
		     char *buf, size_t len)
{
	char name[128];

	snprintf(name, sizeof(name), "cg%llu_%s", (unsigned long long)cg_id, prog);
	vs_pin_path(buf, len, ld->root, "links", name);
}

static int unpin_cgroup_links(const struct vs_loader *ld, __u64 cg_id)
{
	char path[PATH_MAX];
	int i, err = 0;

	for (i = 0; i < vs_nprogs; i++) {
		if (vs_progs[i].kind != VS_ATTACH_CGROUP)
			continue;
		link_pin(ld, cg_id, vs_progs[i].name, path, sizeof(path));
		/* the pin is the link's only reference: unlinking detaches */
		if (unlink(path) && errno != ENOENT)
			err = -errno;
	}
	return err;
}

static int set_cgroup_cfg(struct vs_loader *ld, __u64 cg_id, const char *rel)
{
	struct vs_cgroup_cfg cfg = { .flags = VS_CG_ENABLED }, old;
	struct timespec ts;

	/* attach again (idempotent) keeps a kill switch on (only enable clears
	 * it) and secure mode (until detach) */
	if (!bpf_map_lookup_elem(ld->map_fds[VS_MAP_CGCFG], &cg_id, &old))
		cfg.flags |= old.flags & (VS_CG_DISABLED | VS_CG_SECURE);

	clock_gettime(CLOCK_REALTIME, &ts);
	cfg.attached_ns = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	vs_cg_record_path(rel, cfg.path);	/* shortened when too long */
	return bpf_map_update_elem(ld->map_fds[VS_MAP_CGCFG], &cg_id, &cfg, BPF_ANY)
	       ? -errno : 0;
}

static int attach_locked(struct vs_loader *ld, const char *cg_path, struct vs_err *err)
{
	char abs[PATH_MAX], rel[PATH_MAX], pin[PATH_MAX];
	int i, cg_fd, link_fd, created = 0, ret;
	__u64 cg_id;

	if ((ret = loader_check_cgroup(cg_path, err)))
		return ret;
	if (!realpath(cg_path, abs))
		return vs_fail(err, errno, "%s: %s", cg_path, strerror(errno));
	if ((ret = loader_cgroup_id(abs, &cg_id)))
		return vs_fail(err, -ret, "cgroup id of %s: %s", abs, strerror(-ret));
	relative_path(ld, abs, rel, sizeof(rel));
	cg_fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0)
		return vs_fail(err, errno, "open %s: %s", abs, strerror(errno));

	/* enabled before the links exist: the first connection must see it */
	if ((ret = set_cgroup_cfg(ld, cg_id, rel))) {
		vs_fail(err, -ret, "record %s in vs_cgcfg: %s", abs, strerror(-ret));
		goto out;
	}
	for (i = 0; i < vs_nprogs; i++) {
		if (vs_progs[i].kind != VS_ATTACH_CGROUP)
			continue;
		link_pin(ld, cg_id, vs_progs[i].name, pin, sizeof(pin));
		if (vs_path_exists(pin))
			continue;	/* idempotent: never attach twice */
		link_fd = bpf_link_create(ld->prog_fds[i], cg_fd, vs_progs[i].type, NULL);
		if (link_fd < 0) {
			ret = vs_fail(err, errno, "attach %s to %s: %s", vs_progs[i].name,
				      abs, strerror(errno));
			goto out;
		}
		ret = bpf_obj_pin(link_fd, pin) ? -errno : 0;
		close(link_fd);
		if (ret) {
			vs_fail(err, -ret, "pin %s: %s", pin, strerror(-ret));
			goto out;
		}
		created++;
	}
out:
	if (ret && created) {
		/* leave no partial state behind */
		unpin_cgroup_links(ld, cg_id);
		bpf_map_delete_elem(ld->map_fds[VS_MAP_CGCFG], &cg_id);
	}
	close(cg_fd);
	return ret ? ret : created == 0;
}

struct path_match {
	int fd;
	const char *rel;
	__u64 id;
};

static int match_path(const void *key, void *ctx)
{
	struct path_match *m = ctx;
	struct vs_cgroup_cfg cfg;

	if (bpf_map_lookup_elem(m->fd, key, &cfg) || strcmp(cfg.path, m->rel))
		return 0;
	m->id = *(const __u64 *)key;
	return 1;
}

/* Find a recorded cgroup by its path, for a cgroup removed while attached. */
static int find_by_path(struct vs_loader *ld, const char *rel, __u64 *id)
{
	char recorded[VS_CG_PATH_MAX];
	struct path_match m = { ld->map_fds[VS_MAP_CGCFG], recorded, 0 };

	vs_cg_record_path(rel, recorded);	/* as attach recorded it */
	if (!vs_map_for_each_key(m.fd, vs_maps[VS_MAP_CGCFG].key_size, match_path, &m))
		return -ENOENT;
	*id = m.id;
	return 0;
}

/* The id of the attached cgroup cg_path names, and its record; a cgroup
 * removed while attached is found by its recorded path. -ENOENT with err
 * set when it is not attached. */
int vs_attached_cgroup(struct vs_loader *ld, const char *cg_path, __u64 *id,
		       struct vs_cgroup_cfg *cfg, struct vs_err *err)
{
	char abs[PATH_MAX], rel[PATH_MAX];
	int ret;

	if ((ret = vs_cg_path_check_len(cg_path, err)))
		return ret;
	if (realpath(cg_path, abs)) {
		if ((ret = loader_check_cgroup(abs, err)))
			return ret;
		if ((ret = loader_cgroup_id(abs, id)))
			return vs_fail(err, -ret, "cgroup id of %s: %s", abs,
				       strerror(-ret));
	} else if (errno == ENOENT) {
		/* removed while attached: the links keep it alive, find it by path */
		snprintf(abs, sizeof(abs), "%s", cg_path);
		relative_path(ld, abs, rel, sizeof(rel));
		if (find_by_path(ld, rel, id))
			return vs_fail(err, ENOENT, "%s: no such cgroup, and none attached by that path",
				       cg_path);
	} else {
		return vs_fail(err, errno, "%s: %s", cg_path, strerror(errno));
	}
	if (bpf_map_lookup_elem(ld->map_fds[VS_MAP_CGCFG], id, cfg))
		return vs_fail(err, ENOENT, "%s is not attached", cg_path);
	return 0;
}

static int detach_locked(struct vs_loader *ld, const char *cg_path, struct vs_err *err)
{
	struct vs_cgroup_cfg cfg;
	__u64 cg_id;
	int ret;

	if ((ret = vs_attached_cgroup(ld, cg_path, &cg_id, &cfg, err)))
		return ret;

	/* stop new redirects at once; accelerated sockets keep their queued
	 * bytes and leave the sockhash when they close (DESIGN.md) */
	cfg.flags &= ~VS_CG_ENABLED;
	bpf_map_update_elem(ld->map_fds[VS_MAP_CGCFG], &cg_id, &cfg, BPF_EXIST);
	if ((ret = unpin_cgroup_links(ld, cg_id)))
		return vs_fail(err, -ret, "remove links of %s: %s", cg_path,
			       strerror(-ret));
	bpf_map_delete_elem(ld->map_fds[VS_MAP_CGCFG], &cg_id);
	vs_secure_forget(ld, cg_id);
	return 0;
}

int loader_attach(struct vs_loader *ld, const char *cg_path, struct vs_err *err)
{
	int ret = vs_lock(ld, err);

	if (ret)
		return ret;
	ret = attach_locked(ld, cg_path, err);
	vs_unlock(ld);
	return ret;
}

int loader_detach(struct vs_loader *ld, const char *cg_path, struct vs_err *err)
{
	int ret = vs_lock(ld, err);

	if (ret)
		return ret;
	ret = detach_locked(ld, cg_path, err);
	vs_unlock(ld);
	return ret;
}
