/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Loader internals shared by the loader sources; not installed. */
#ifndef VSOCK_LOADER_INTERNAL_H
#define VSOCK_LOADER_INTERNAL_H

#include <limits.h>
#include <stdarg.h>
#include <bpf/libbpf.h>
#include "loader.h"

/* How a program is attached. */
enum vs_attach_kind {
	VS_ATTACH_CGROUP,	/* per cgroup, through a pinned bpf_link */
	VS_ATTACH_SOCKHASH,	/* to vs_socks (sk_msg verdict), held by the map */
	VS_ATTACH_TRACE,	/* global BTF tracepoint, pinned link */
	VS_ATTACH_NONE,		/* pinned only: an iterator its user links and reads */
	VS_ATTACH_RELAY,	/* to vs_relay_sh (the relay's sk_skb verdict) */
};

struct vs_prog_desc {
	const char *name;		/* BPF function name, also the pin name */
	enum vs_attach_kind kind;
	enum bpf_attach_type type;	/* for cgroup and sockhash attach */
};

/* One compiled object: the ELF embedded by its skeleton. */
struct vs_object_desc {
	const char *name;
	const void *(*elf_bytes)(size_t *sz);
};

extern const struct vs_prog_desc vs_progs[];
extern const int vs_nprogs;
extern const struct vs_object_desc vs_objects[];
extern const int vs_nobjects;
/* Index of the program called name in vs_progs, or -1. */
int vs_prog_index(const char *name);

/* One line of VS_MAPS (vsock/maps.h), indexed by enum vs_map_id. */
struct vs_map_desc {
	const char *name;	/* pin name, also the BPF map name */
	size_t key_size;	/* 0: a ring buffer, no keys */
	bool sized;		/* max_entries follows vs_loader_opts.max_socks */
};
extern const struct vs_map_desc vs_maps[VS_MAP_COUNT];

/* statfs f_type of bpffs (linux/magic.h BPF_FS_MAGIC) */
#define BPF_FS_MAGIC_NUM 0xcafe4a11

struct vs_loader {
	char root[PATH_MAX];		/* pin root */
	char cg2_root[PATH_MAX];	/* cgroup2 mount point */
	int lock_fd;			/* flock on the pin root, serialises changes */
	bool created;			/* this open loaded and pinned everything */
	int map_fds[VS_MAP_COUNT];
	int prog_fds[32];		/* by vs_progs index: room for more programs */
};

/* errors: fill err (if any) and return -errnum */
int vs_fail(struct vs_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* lock.c: the pin-root lock serialises changes between processes */
int vs_open_root(const char *root, struct vs_err *err);
/* The pin root opened and locked, without a loader (unload, migrate: the
 * pins may not be adoptable); the fd, closing it unlocks; or -errno. */
int vs_lock_root_fd(const char *root, struct vs_err *err);
int vs_lock_root(struct vs_loader *ld, bool create, struct vs_err *err);
int vs_lock(struct vs_loader *ld, struct vs_err *err);
void vs_unlock(struct vs_loader *ld);

/* pins.c */
int vs_pin_path(char *buf, size_t len, const char *root, const char *sub,
		const char *name);
int vs_mkdir_p(const char *path, mode_t mode);
int vs_rm_tree(const char *path);
bool vs_path_exists(const char *path);
int vs_ensure_bpffs(const char *root, struct vs_err *err);

/* mapwalk.c: every key of a map, one bpf_map_get_next_key() call each; cb
 * returns non-zero to stop, which the walk returns (else 0). */
typedef int (*vs_key_cb)(const void *key, void *ctx);
int vs_map_for_each_key(int fd, size_t key_size, vs_key_cb cb, void *ctx);
int vs_count_keys(int fd, size_t key_size);
/* The kernel's description of map fd (sizes, BTF ids). 0 or -errno. */
int vs_map_info(int fd, struct bpf_map_info *info);

/* btfcopy.c: a value of type from_id (BTF from) into one of type to_id
 * (BTF to), member by member by name: members of both are copied (integers
 * widened or narrowed, arrays up to the shorter), members only the new
 * type has are zero, the others dropped. 0, or -EINVAL when the types
 * cannot correspond (a struct against an integer, unions of two sizes). */
struct btf;
int vs_btf_copy(const struct btf *from, __u32 from_id, const void *src,
		const struct btf *to, __u32 to_id, void *dst);

/* abi.c: 0 when the pins under ld->root are of this ABI version */
int vs_check_abi(struct vs_loader *ld, struct vs_err *err);

/* adopt.c: open what is pinned */
int vs_open_pinned_maps(struct vs_loader *ld, struct vs_err *err);
int vs_open_pinned_progs(struct vs_loader *ld, struct vs_err *err);

/* load.c: one object, its maps reused from the pins by name (libbpf
 * refuses a pinned map of another type or size); max_socks 0: as
 * declared (the pinned maps' sizes win anyway) */
int vs_load_object(struct vs_loader *ld, const struct vs_object_desc *od,
		   __u32 max_socks, struct bpf_object **objp, struct vs_err *err);
/* load.c: load every object, pin it, attach the global programs */
int vs_load_all(struct vs_loader *ld, const struct vs_loader_opts *opts,
		struct vs_err *err);

/* meta.c: the vs_meta element of a fresh load (the default tunables) */
int vs_write_meta(struct vs_loader *ld, __u64 max_queued);

/* attach.c: the attached cgroup cg_path names (a removed one by its
 * recorded path) and its vs_cgcfg record; -ENOENT when not attached */
int vs_attached_cgroup(struct vs_loader *ld, const char *cg_path, __u64 *id,
		       struct vs_cgroup_cfg *cfg, struct vs_err *err);

/* secure.c: remove the allow list of attached cgroup cg */
void vs_secure_forget(struct vs_loader *ld, __u64 cg);

/* unload.c: disable every cgroup, then remove every pin under root;
 * the caller holds the pin-root lock */
int vs_remove_pins(const char *root);
/* The map id pinned under root, by path: an fd or -errno. */
int vs_open_map_pin(const char *root, enum vs_map_id id);
/* Sockets in root's vs_socks, waiting up to wait_ms (polling every
 * step_ms) for none to be left; *waited_ms (may be NULL): how long it
 * waited. Returns how many are left. */
int vs_wait_sockhash_empty(const char *root, int wait_ms, int step_ms, int *waited_ms);

#endif /* VSOCK_LOADER_INTERNAL_H */
