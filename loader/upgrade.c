// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Replace the pinned programs with this build's while connections run
 * (loader.h, loader_upgrade; docs/operations.md, "Upgrades").
 *
 * The new objects are loaded against the pinned maps (libbpf reuses a pin
 * only when type, key, value and size match: the ABI check of every map),
 * so nothing changes unless every object passes the verifier. Then each
 * program whose code differs (its tag) is switched where it is attached:
 *   cgroup links      bpf_link_update(), the old program named: atomic
 *   sockhash verdicts bpf_prog_attach() to the map: sockets that join from
 *                     now on get the new one; a socket already in the
 *                     sockhash keeps the program it joined with (the kernel
 *                     copies the map's programs into its psock) until it
 *                     leaves, and both work on the same maps
 *   tracepoints       a new link pinned beside the old, renamed over it:
 *                     both run for an instant, none is ever missing
 *   iterators, the relay's state and close programs: their pin only; their
 *                     user (vsockd) picks them up when it opens them again
 * and its pin under progs/ is renamed over. A failure while switching
 * switches the programs already switched back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <bpf/bpf.h>
#include "internal.h"

struct swap {
	int idx;		/* vs_progs */
	int old_fd, new_fd;
	struct bpf_program *prog;
};

static int prog_tag(int fd, __u8 tag[BPF_TAG_SIZE], __u32 *id)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	memcpy(tag, info.tag, BPF_TAG_SIZE);
	if (id)
		*id = info.id;
	return 0;
}

/* Pin fd (a program or a link) at dir/name through a temporary name and a
 * rename, so that the pin is never missing. */
static int pin_over(const struct vs_loader *ld, const char *dir, const char *name, int fd,
		    struct vs_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];

	vs_pin_path(path, sizeof(path), ld->root, dir, name);
	snprintf(tmp, sizeof(tmp), "%s__upgrade", path);	/* bpffs refuses dots */
	unlink(tmp);
	if (bpf_obj_pin(fd, tmp))
		return vs_fail(err, errno, "pin %s: %s", tmp, strerror(errno));
	if (rename(tmp, path)) {
		int e = errno;

		unlink(tmp);
		return vs_fail(err, e, "rename %s over %s: %s", tmp, path, strerror(e));
	}
	return 0;
}

/* Every pinned cgroup link of program name: links/cg<ID>_<name>. All are
 * tried (a rollback must reach each); the first error is returned. */
static int update_cgroup_links(const struct vs_loader *ld, const char *name, int from,
			       int to, struct vs_err *err)
{
	LIBBPF_OPTS(bpf_link_update_opts, o, .flags = BPF_F_REPLACE, .old_prog_fd = from);
	char dir[PATH_MAX], path[PATH_MAX + 256], suffix[128];
	struct dirent *de;
	size_t sl, nl;
	int fd, ret = 0;
	DIR *d;

	vs_pin_path(dir, sizeof(dir), ld->root, NULL, "links");
	d = opendir(dir);
	if (!d)
		return vs_fail(err, errno, "open %s: %s", dir, strerror(errno));
	snprintf(suffix, sizeof(suffix), "_%s", name);
	sl = strlen(suffix);
	while ((de = readdir(d))) {
		nl = strlen(de->d_name);
		if (strncmp(de->d_name, "cg", 2) || nl <= sl || strcmp(de->d_name + nl - sl, suffix))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			if (!ret)
				ret = vs_fail(err, errno, "open link %s: %s", path, strerror(errno));
			continue;
		}
		if (bpf_link_update(fd, to, &o) && !ret)
			ret = vs_fail(err, errno, "update link %s: %s", path, strerror(errno));
		close(fd);
	}
	closedir(d);
	return ret;
}

/* Switch one program from `from` to `to` where it is attached, then its
 * pin. prog: the new program's bpf_program when `to` is it (a tracepoint
 * link needs it), NULL when switching back. */
static int switch_prog(struct vs_loader *ld, int i, int from, int to,
		       struct bpf_program *prog, struct vs_err *err)
{
	const struct vs_prog_desc *pd = &vs_progs[i];
	struct bpf_link *link;
	int ret = 0, m, lfd;

	switch (pd->kind) {
	case VS_ATTACH_CGROUP:
		ret = update_cgroup_links(ld, pd->name, from, to, err);
		break;
	case VS_ATTACH_SOCKHASH:
	case VS_ATTACH_RELAY:
		m = pd->kind == VS_ATTACH_RELAY ? VS_MAP_RELAY_SH : VS_MAP_SOCKS;
		if (bpf_prog_attach(to, ld->map_fds[m], pd->type, 0))
			ret = vs_fail(err, errno, "attach %s to %s: %s", pd->name,
				      vs_maps[m].name, strerror(errno));
		break;
	case VS_ATTACH_TRACE:
		if (prog) {
			link = bpf_program__attach(prog);
			if (!link)
				return vs_fail(err, errno, "attach %s: %s", pd->name,
					       strerror(errno));
			ret = pin_over(ld, "links", pd->name, bpf_link__fd(link), err);
			bpf_link__destroy(link);	/* the pin keeps it */
		} else {
			lfd = bpf_raw_tracepoint_open(NULL, to);	/* tp_btf */
			if (lfd < 0)
				return vs_fail(err, errno, "attach %s again: %s", pd->name,
					       strerror(errno));
			ret = pin_over(ld, "links", pd->name, lfd, err);
			close(lfd);
		}
		break;
	case VS_ATTACH_NONE:
		break;
	}
	return ret ? ret : pin_over(ld, "progs", pd->name, to, err);
}

/* The pinned sized maps' entries, for the new objects to declare the same
 * (libbpf reuses a pin only when the sizes match). */
static __u32 pinned_max_socks(const struct vs_loader *ld)
{
	struct bpf_map_info info;

	return vs_map_info(ld->map_fds[VS_MAP_SOCKS], &info) ? 0 : info.max_entries;
}

static int upgrade_locked(struct vs_loader *ld, unsigned int flags,
			  struct loader_upgrade_report *rep, struct vs_err *err)
{
	struct bpf_object *objs[16] = { 0 };
	struct swap sw[32];
	int nsw = 0, done = 0, i, ret = 0;
	__u32 max_socks = pinned_max_socks(ld);
	struct bpf_program *prog;

	memset(rep, 0, sizeof(*rep));
	if ((ret = vs_check_abi(ld, err)))
		return ret;
	/* every object loads and verifies first: until then nothing changes */
	for (i = 0; i < vs_nobjects && !ret; i++)
		ret = vs_load_object(ld, &vs_objects[i], max_socks, &objs[i], err);
	for (i = 0; i < vs_nobjects && !ret; i++) {
		bpf_object__for_each_program(prog, objs[i]) {
			int idx = vs_prog_index(bpf_program__name(prog));
			__u8 told[BPF_TAG_SIZE], tnew[BPF_TAG_SIZE];

			if (idx < 0 || nsw == (int)(sizeof(sw) / sizeof(sw[0]))) {
				ret = vs_fail(err, EINVAL, "unknown program %s",
					      bpf_program__name(prog));
				break;
			}
			if (ld->prog_fds[idx] < 0) {
				ret = vs_fail(err, ENOENT, "program %s is not pinned: the pins "
					      "predate it (unload and load again)", vs_progs[idx].name);
				break;
			}
			rep->programs++;
			if (!prog_tag(ld->prog_fds[idx], told, NULL) &&
			    !prog_tag(bpf_program__fd(prog), tnew, NULL) &&
			    !memcmp(told, tnew, BPF_TAG_SIZE) && !(flags & LOADER_UPGRADE_FORCE))
				continue;	/* the same code */
			sw[nsw++] = (struct swap){ idx, ld->prog_fds[idx], bpf_program__fd(prog), prog };
			snprintf(rep->changed[rep->nchanged++], sizeof(rep->changed[0]), "%s",
				 vs_progs[idx].name);
		}
	}
	if (ret || (flags & LOADER_UPGRADE_DRY_RUN))
		goto out;
	for (done = 0; done < nsw; done++) {
		ret = switch_prog(ld, sw[done].idx, sw[done].old_fd, sw[done].new_fd,
				  sw[done].prog, err);
		if (ret)
			break;
	}
	if (ret) {	/* back to the programs that ran before, newest first */
		struct vs_err ignored;

		for (i = done; i >= 0; i--)
			switch_prog(ld, sw[i].idx, sw[i].new_fd, sw[i].old_fd, NULL, &ignored);
		rep->rolled_back = true;
		goto out;
	}
	for (i = 0; i < nsw; i++) {
		ld->prog_fds[sw[i].idx] = dup(sw[i].new_fd);
		close(sw[i].old_fd);
	}
	rep->replaced = nsw;
out:
	for (i = 0; i < vs_nobjects; i++)
		bpf_object__close(objs[i]);	/* pins and links keep what runs */
	return ret;
}

int loader_upgrade(struct vs_loader *ld, unsigned int flags,
		   struct loader_upgrade_report *rep, struct vs_err *err)
{
	int ret;

	if ((ret = vs_lock(ld, err)))
		return ret;
	ret = upgrade_locked(ld, flags, rep, err);
	vs_unlock(ld);
	return ret;
}
