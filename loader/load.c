// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Load vsock's BPF objects, pin maps and programs under the pin root, and
 * attach the programs that are global (sockhash verdicts, tracepoints). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

/* Open one object from its skeleton's ELF; maps are pinned by name under
 * the root (created by the first object, reused by the others). */
int vs_load_object(struct vs_loader *ld, const struct vs_object_desc *od,
		   __u32 max_socks, struct bpf_object **objp, struct vs_err *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = od->name,
		    .pin_root_path = ld->root);
	struct bpf_object *obj;
	const void *elf;
	size_t sz;
	int i, ret;

	elf = od->elf_bytes(&sz);
	obj = bpf_object__open_mem(elf, sz, &opts);
	if (!obj)
		return vs_fail(err, errno, "open BPF object %s: %s", od->name,
			       strerror(errno));
	/* the objects that declare the maps must agree for pin reuse */
	for (i = 0; i < VS_MAP_COUNT && max_socks; i++) {
		struct bpf_map *m;

		if (!vs_maps[i].sized)
			continue;
		m = bpf_object__find_map_by_name(obj, vs_maps[i].name);
		if (m)	/* not every object declares every map */
			bpf_map__set_max_entries(m, max_socks);
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
		if (vs_progs[i].kind == VS_ATTACH_SOCKHASH ||
		    vs_progs[i].kind == VS_ATTACH_RELAY) {
			int m = vs_progs[i].kind == VS_ATTACH_RELAY ? VS_MAP_RELAY_SH
								   : VS_MAP_SOCKS;

			if (bpf_prog_attach(ld->prog_fds[i], ld->map_fds[m],
					    vs_progs[i].type, 0))
				return vs_fail(err, errno, "attach %s to %s: %s",
					       vs_progs[i].name, vs_maps[m].name,
					       strerror(errno));
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

static int mkdir_pins(const struct vs_loader *ld, const char *sub, struct vs_err *err)
{
	char path[PATH_MAX];
	int ret;

	vs_pin_path(path, sizeof(path), ld->root, NULL, sub);
	if ((ret = vs_mkdir_p(path, 0700)))
		return vs_fail(err, -ret, "mkdir %s: %s", path, strerror(-ret));
	return 0;
}

int vs_load_all(struct vs_loader *ld, const struct vs_loader_opts *opts,
		struct vs_err *err)
{
	struct bpf_object *obj = NULL;
	int i, ret;

	if ((ret = mkdir_pins(ld, "progs", err)) || (ret = mkdir_pins(ld, "links", err)))
		return ret;
	for (i = 0; i < vs_nobjects && !ret; i++) {
		ret = vs_load_object(ld, &vs_objects[i], opts ? opts->max_socks : 0,
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
		vs_fail(err, -ret, "write %s: %s", vs_maps[VS_MAP_META].name,
			strerror(-ret));
	return ret;
}
