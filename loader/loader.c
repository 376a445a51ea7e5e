// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Load and pin vsock's BPF objects, or adopt what is already pinned. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

#define BPF_FS_MAGIC_NUM 0xcafe4a11

const char *loader_pin_root(const struct vs_loader_opts *opts)
{
	const char *env = getenv("VSOCK_PIN_ROOT");

	if (opts && opts->pin_root && *opts->pin_root)
		return opts->pin_root;
	if (env && *env)
		return env;
	return VS_PIN_ROOT_DEFAULT;
}

static struct vs_loader *loader_new(const char *root)
{
	struct vs_loader *ld = calloc(1, sizeof(*ld));
	int i;

	if (!ld)
		return NULL;
	snprintf(ld->root, sizeof(ld->root), "%s", root);
	ld->lock_fd = -1;
	for (i = 0; i < VS_MAP_COUNT; i++)
		ld->map_fds[i] = -1;
	for (i = 0; i < (int)(sizeof(ld->prog_fds) / sizeof(ld->prog_fds[0])); i++)
		ld->prog_fds[i] = -1;
	return ld;
}

void loader_close(struct vs_loader *ld)
{
	int i;

	if (!ld)
		return;
	for (i = 0; i < VS_MAP_COUNT; i++)
		if (ld->map_fds[i] >= 0)
			close(ld->map_fds[i]);
	for (i = 0; i < vs_nprogs; i++)
		if (ld->prog_fds[i] >= 0)
			close(ld->prog_fds[i]);
	if (ld->lock_fd >= 0)
		close(ld->lock_fd);	/* releases the flock */
	free(ld);
}

bool loader_created(const struct vs_loader *ld)
{
	return ld->created;
}

int loader_map_fd(struct vs_loader *ld, enum vs_map_id id)
{
	return (unsigned int)id < VS_MAP_COUNT ? ld->map_fds[id] : -EINVAL;
}

int vs_open_pinned_maps(struct vs_loader *ld, struct vs_err *err)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < VS_MAP_COUNT; i++) {
		if (ld->map_fds[i] >= 0)
			continue;
		vs_pin_path(path, sizeof(path), ld->root, NULL, loader_map_name(i));
		ld->map_fds[i] = bpf_obj_get(path);
		if (ld->map_fds[i] < 0)
			return vs_fail(err, errno, "open pinned map %s: %s%s", path,
				       strerror(errno), errno == ENOENT ?
				       " (incomplete pins: run 'vsockctl unload --force')" : "");
	}
	return 0;
}

static int open_pinned_progs(struct vs_loader *ld, struct vs_err *err)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < vs_nprogs; i++) {
		vs_pin_path(path, sizeof(path), ld->root, "progs", vs_progs[i].name);
		ld->prog_fds[i] = bpf_obj_get(path);
		if (ld->prog_fds[i] < 0)
			return vs_fail(err, errno, "open pinned program %s: %s%s",
				       path, strerror(errno), errno == ENOENT ?
				       " (incomplete pins: run 'vsockctl unload --force')" : "");
	}
	return 0;
}

/* The most plain TCP lets a reading receiver buffer: tcp_rmem's maximum. */
static __u64 tcp_rmem_max(void)
{
	unsigned long long lo, def, max = 0;
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_rmem", "re");

	if (f) {
		if (fscanf(f, "%llu %llu %llu", &lo, &def, &max) != 3)
			max = 0;
		fclose(f);
	}
	return max;
}

int vs_write_meta(struct vs_loader *ld, __u64 max_queued)
{
	struct vs_meta meta = {
		.abi_version = VS_ABI_VERSION,
		.max_queued = max_queued ? max_queued : VS_MAX_QUEUED_DEFAULT,
	};
	struct timespec ts;
	__u32 zero = 0;

	meta.small_run = VS_SMALL_RUN;
	meta.spin_msgs = VS_SPIN_MSGS;
	meta.max_queued_cap = tcp_rmem_max();
	if (meta.max_queued_cap < meta.max_queued)
		meta.max_queued_cap = meta.max_queued;
	clock_gettime(CLOCK_REALTIME, &ts);
	meta.loaded_ns = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	return bpf_map_update_elem(ld->map_fds[VS_MAP_META], &zero, &meta, 0)
	       ? -errno : 0;
}

int loader_read_meta(struct vs_loader *ld, struct vs_meta *out)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(ld->map_fds[VS_MAP_META], &zero, out) ? -errno : 0;
}

/* Read-modify-write of the one vs_meta element. */
static int meta_edit(struct vs_loader *ld, void (*edit)(struct vs_meta *, __u64),
		     __u64 arg)
{
	struct vs_meta meta;
	__u32 zero = 0;
	int ret;

	if ((ret = loader_read_meta(ld, &meta)))
		return ret;
	edit(&meta, arg);
	return bpf_map_update_elem(ld->map_fds[VS_MAP_META], &zero, &meta, BPF_EXIST)
	       ? -errno : 0;
}

static void edit_max_queued(struct vs_meta *m, __u64 bytes)
{
	m->max_queued = bytes;
	if (m->max_queued_cap < bytes)
		m->max_queued_cap = bytes;
}

int loader_set_max_queued(struct vs_loader *ld, __u64 bytes)
{
	if (!bytes)
		return -EINVAL;
	return meta_edit(ld, edit_max_queued, bytes);
}

static void edit_small_run(struct vs_meta *m, __u64 n)
{
	m->small_run = (__u32)n;
}

static void edit_spin_msgs(struct vs_meta *m, __u64 n)
{
	m->spin_msgs = (__u32)n;
}

int loader_set_small_run(struct vs_loader *ld, __u32 n)
{
	return meta_edit(ld, edit_small_run, n);
}

int loader_set_spin_msgs(struct vs_loader *ld, __u32 n)
{
	if (n > VS_SPIN_MSGS_MAX)
		return -ERANGE;
	return meta_edit(ld, edit_spin_msgs, n);
}

static void edit_event_mask(struct vs_meta *m, __u64 mask)
{
	m->event_mask = (__u32)mask;
}

int loader_set_event_mask(struct vs_loader *ld, __u32 mask)
{
	return meta_edit(ld, edit_event_mask, mask);
}

/* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns(). */
static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void edit_joiner_alive(struct vs_meta *m, __u64 ns)
{
	m->joiner_alive_ns = ns;
}

int loader_joiner_beat(struct vs_loader *ld, bool alive)
{
	return meta_edit(ld, edit_joiner_alive, alive ? mono_ns() : 0);
}

bool loader_joiner_alive(const struct vs_meta *m)
{
	return m->joiner_alive_ns && mono_ns() - m->joiner_alive_ns < VS_JOINER_TIMEOUT_NS;
}

/* Pins of another ABI would be misread: refuse them with what to do. */
static int check_abi(struct vs_loader *ld, struct vs_err *err)
{
	struct vs_meta meta = {};
	char path[PATH_MAX];
	int fd, ret = 0;

	vs_pin_path(path, sizeof(path), ld->root, NULL, "vs_meta");
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &(__u32){0}, &meta) ||
	    meta.abi_version != VS_ABI_VERSION)
		ret = vs_fail(err, EPROTO,
			      "pins under %s are ABI version %u, this vsock uses %u: "
			      "run 'vsockctl unload --force' (drops their accelerated sockets)",
			      ld->root, meta.abi_version, VS_ABI_VERSION);
	close(fd);
	return ret;
}

/* Open one object from its skeleton's ELF; maps are pinned by name under
 * the root (created by the first object, reused by the others). */
static int load_object(struct vs_loader *ld, const struct vs_object_desc *od,
		       __u32 max_socks, struct bpf_object **objp, struct vs_err *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = od->name,
		    .pin_root_path = ld->root);
	struct bpf_object *obj;
	const void *elf;
	size_t sz;
	int ret;

	elf = od->elf_bytes(&sz);
	obj = bpf_object__open_mem(elf, sz, &opts);
	if (!obj)
		return vs_fail(err, errno, "open BPF object %s: %s", od->name,
			       strerror(errno));
	/* the objects that declare the maps must agree for pin reuse */
	if (max_socks) {
		static const char *const sized[] = { "vs_socks", "vs_socktbl", "vs_rxstate",
						     "vs_rxseq", "vs_tracked" };
		size_t i;

		for (i = 0; i < sizeof(sized) / sizeof(sized[0]); i++) {
			struct bpf_map *m = bpf_object__find_map_by_name(obj, sized[i]);

			if (m)	/* vsock_rx declares no map */
				bpf_map__set_max_entries(m, max_socks);
		}
	}
	ret = bpf_object__load(obj);
	if (ret) {
		bpf_object__close(obj);
		return vs_fail(err, -ret, "load BPF object %s: %s (the verifier log shows with vsockctl -d)",
			       od->name, strerror(-ret));
	}
	*objp = obj;
	return 0;
}

/* Pin every program of obj under progs/ and attach the global ones. */
static int pin_and_attach(struct vs_loader *ld, struct bpf_object *obj,
			  struct vs_err *err)
{
	char path[PATH_MAX];
	struct bpf_program *prog;
	struct bpf_link *link;
	int i, ret;

	bpf_object__for_each_program(prog, obj) {
		i = vs_prog_index(bpf_program__name(prog));
		if (i < 0)
			return vs_fail(err, EINVAL, "unknown program %s",
				       bpf_program__name(prog));
		vs_pin_path(path, sizeof(path), ld->root, "progs", vs_progs[i].name);
		ret = bpf_program__pin(prog, path);
		if (ret)
			return vs_fail(err, -ret, "pin %s: %s", path, strerror(-ret));
		ld->prog_fds[i] = dup(bpf_program__fd(prog));
		if (vs_progs[i].kind == VS_ATTACH_SOCKHASH) {
			if (bpf_prog_attach(ld->prog_fds[i], ld->map_fds[VS_MAP_SOCKS],
					    vs_progs[i].type, 0))
				return vs_fail(err, errno, "attach %s to vs_socks: %s",
					       vs_progs[i].name, strerror(errno));
		} else if (vs_progs[i].kind == VS_ATTACH_TRACE) {
			link = bpf_program__attach(prog);
			if (!link)
				return vs_fail(err, errno, "attach %s: %s",
					       vs_progs[i].name, strerror(errno));
			vs_pin_path(path, sizeof(path), ld->root, "links", vs_progs[i].name);
			ret = bpf_link__pin(link, path);
			bpf_link__destroy(link);	/* the pin keeps it */
			if (ret)
				return vs_fail(err, -ret, "pin %s: %s", path,
					       strerror(-ret));
		}
	}
	return 0;
}

static int load_all(struct vs_loader *ld, const struct vs_loader_opts *opts,
		    struct vs_err *err)
{
	struct bpf_object *obj = NULL;
	char path[PATH_MAX];
	int i, ret = 0;

	vs_pin_path(path, sizeof(path), ld->root, NULL, "progs");
	if ((ret = vs_mkdir_p(path, 0700)))
		return vs_fail(err, -ret, "mkdir %s: %s", path, strerror(-ret));
	vs_pin_path(path, sizeof(path), ld->root, NULL, "links");
	if ((ret = vs_mkdir_p(path, 0700)))
		return vs_fail(err, -ret, "mkdir %s: %s", path, strerror(-ret));

	for (i = 0; i < vs_nobjects && !ret; i++) {
		ret = load_object(ld, &vs_objects[i], opts ? opts->max_socks : 0,
				  &obj, err);
		if (ret)
			break;
		if (i == 0)
			ret = vs_open_pinned_maps(ld, err);
		if (!ret)
			ret = pin_and_attach(ld, obj, err);
		bpf_object__close(obj);	/* pins and dup'ed fds keep what we need */
	}
	/* written last: its presence marks a complete load for later adopters */
	if (!ret && (ret = vs_write_meta(ld, opts ? opts->max_queued : 0)))
		vs_fail(err, -ret, "write vs_meta: %s", strerror(-ret));
	return ret;
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

static int lock_root(struct vs_loader *ld, bool create, struct vs_err *err)
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
	ld->lock_fd = open(ld->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ld->lock_fd < 0)
		return errno == ENOENT ? vs_fail(err, ENOENT,
				"vsock is not loaded (no pins under %s)", ld->root)
			: vs_fail(err, errno, "open pin root %s: %s", ld->root,
				  strerror(errno));
	if (fstatfs(ld->lock_fd, &sfs) == 0 &&
	    (unsigned long)sfs.f_type != BPF_FS_MAGIC_NUM)
		return vs_fail(err, EINVAL, "pin root %s is not on a bpf filesystem",
			       ld->root);
	return vs_lock(ld, err);
}

int loader_open(struct vs_loader **ldp, const struct vs_loader_opts *opts,
		bool create, struct vs_err *err)
{
	struct vs_loader *ld;
	char meta[PATH_MAX];
	int ret;

	if (err)
		err->msg[0] = '\0';
	ld = loader_new(loader_pin_root(opts));
	if (!ld)
		return vs_fail(err, ENOMEM, "out of memory");
	if (loader_cgroup2_root(ld->cg2_root, sizeof(ld->cg2_root)))
		ld->cg2_root[0] = '\0';
	ret = lock_root(ld, create, err);
	if (ret)
		goto out;

	vs_pin_path(meta, sizeof(meta), ld->root, NULL, "vs_meta");
	if (vs_path_exists(meta)) {
		ret = check_abi(ld, err);
		if (!ret)
			ret = vs_open_pinned_maps(ld, err);
		if (!ret)
			ret = open_pinned_progs(ld, err);
	} else if (!create) {
		ret = vs_fail(err, ENOENT, "vsock is not loaded (no pins under %s)",
			      ld->root);
	} else {
		struct vs_preflight pf;

		ret = loader_preflight(&pf, err);
		if (!ret)
			ret = load_all(ld, opts, err);
		ld->created = ret == 0;
		if (ret) {
			/* leave no partial state: the root had no complete load, and
			 * nothing was attached to a cgroup yet */
			struct vs_err ignored;
			int keep = ret;

			loader_close(ld);
			ld = NULL;
			loader_unload(opts, true, 0, &ignored);
			ret = keep;
		}
	}
out:
	if (ret) {
		loader_close(ld);
		return ret;
	}
	/* readers (and a long-running vsockd) must not block each other:
	 * the lock is taken again only around changes */
	vs_unlock(ld);
	*ldp = ld;
	return 0;
}
