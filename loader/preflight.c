// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Kernel preflight: everything vsock needs, checked before anything loads. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "internal.h"

int loader_cgroup2_root(char *buf, size_t len)
{
	char line[4096], mnt[PATH_MAX], fstype[64];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = 0;

	if (!f)
		return -errno;
	/* "36 35 98:0 / /mnt rw,noatime master:1 - cgroup2 cgroup2 rw" */
	while (!found && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 ||
		    strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
			found = snprintf(buf, len, "%s", mnt) < (int)len;
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

static struct vs_check *add(struct vs_preflight *pf, const char *name, bool ok,
			    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct vs_check *add(struct vs_preflight *pf, const char *name, bool ok,
			    const char *fmt, ...)
{
	struct vs_check *c;
	va_list ap;

	if (pf->n >= VS_MAX_CHECKS)
		return NULL;
	c = &pf->checks[pf->n++];
	c->name = name;
	c->ok = ok;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	return c;
}

static bool btf_has(const struct btf *btf, const char *name, int kind)
{
	return btf && btf__find_by_name_kind(btf, name, kind) > 0;
}

/* struct sk_psock has msg_tot_len (the fast-path queue length, 6.x). */
static bool psock_has_queue_len(const struct btf *btf)
{
	const struct btf_member *m;
	const struct btf_type *t;
	int id, i;

	id = btf ? btf__find_by_name_kind(btf, "sk_psock", BTF_KIND_STRUCT) : -1;
	if (id <= 0)
		return false;
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), "msg_tot_len"))
			return true;
	return false;
}

/* Informational: vsock's receive verdict (vsock_rx) keeps FIONREAD right
 * either way; the check says whether this kernel needs it to. */
static void check_fionread(struct vs_preflight *pf, bool root)
{
	bool counted = false;
	int r = root ? loader_probe_fionread(&counted) : -EPERM;

	if (r)
		add(pf, "fionread", true, "not probed (%s)",
		    root ? strerror(-r) : "needs root");
	else if (counted)
		add(pf, "fionread", true, "counts TCP-queued bytes on sockhash members");
	else
		add(pf, "fionread", true,
		    "broken: counts only the fast-path queue (6.18.14+ regression); "
		    "vsock's receive verdict keeps it right");
}

static void check_kernel(struct vs_preflight *pf, bool root)
{
	static const struct { const char *name; enum bpf_prog_type t; } progs[] = {
		{ "prog:sock_ops", BPF_PROG_TYPE_SOCK_OPS },
		{ "prog:sk_msg", BPF_PROG_TYPE_SK_MSG },
		{ "prog:sk_skb", BPF_PROG_TYPE_SK_SKB },
		{ "prog:cgroup_sock", BPF_PROG_TYPE_CGROUP_SOCK },
		{ "prog:cgroup_sock_addr", BPF_PROG_TYPE_CGROUP_SOCK_ADDR },	/* services */
	};
	static const struct { const char *name; enum bpf_map_type t; } maps[] = {
		{ "map:sockhash", BPF_MAP_TYPE_SOCKHASH },
		{ "map:sk_storage", BPF_MAP_TYPE_SK_STORAGE },
	};
	struct btf *btf = btf__load_vmlinux_btf();
	bool ok;
	size_t i;

	add(pf, "btf", btf != NULL, btf ? "/sys/kernel/btf/vmlinux" :
	    "no kernel BTF (CONFIG_DEBUG_INFO_BTF)");
	add(pf, "tracepoints", btf_has(btf, "btf_trace_tcp_destroy_sock", BTF_KIND_TYPEDEF) &&
	    btf_has(btf, "btf_trace_sock_recv_length", BTF_KIND_TYPEDEF),
	    "tcp_destroy_sock, sock_recv_length, sock_send_length");
	add(pf, "psock_queue", psock_has_queue_len(btf),
	    "struct sk_psock.msg_tot_len (fast-path backpressure)");
	btf__free(btf);
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		ok = root && libbpf_probe_bpf_prog_type(progs[i].t, NULL) == 1;
		add(pf, progs[i].name, ok, ok ? "supported" : root ?
		    "not supported by this kernel" : "not probed (needs root)");
	}
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		ok = root && libbpf_probe_bpf_map_type(maps[i].t, NULL) == 1;
		add(pf, maps[i].name, ok, ok ? "supported" : root ?
		    "not supported by this kernel" : "not probed (needs root)");
	}
	check_fionread(pf, root);
}

int loader_preflight(struct vs_preflight *pf, struct vs_err *err)
{
	bool root = geteuid() == 0;
	struct statfs sfs;
	int i;

	memset(pf, 0, sizeof(*pf));
	if (err)
		err->msg[0] = '\0';
	add(pf, "privileges", root, root ? "root" :
	    "not root: loading and attaching need CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN");
	if (!loader_cgroup2_root(pf->cgroup2_root, sizeof(pf->cgroup2_root)))
		add(pf, "cgroup2", true, "%s", pf->cgroup2_root);
	else
		add(pf, "cgroup2", false, "no cgroup2 mount in /proc/self/mountinfo");
	if (!statfs("/sys/fs/bpf", &sfs) &&
	    (unsigned long)sfs.f_type == BPF_FS_MAGIC_NUM)
		add(pf, "bpffs", true, "/sys/fs/bpf");
	else
		add(pf, "bpffs", true, "/sys/fs/bpf not mounted: 'vsockctl attach' mounts it");
	check_kernel(pf, root);

	for (i = 0; i < pf->n; i++)
		if (!pf->checks[i].ok)
			return vs_fail(err, i == 0 ? EPERM : ENOTSUP, "preflight %s: %s",
				       pf->checks[i].name, pf->checks[i].detail);
	return 0;
}
