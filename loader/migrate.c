// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Pins of another ABI replaced by this build's, with the configuration
 * carried over and no connection dropped (loader.h, loader_migrate;
 * docs/operations.md, "Upgrades").
 *
 * A layout changed, so the running programs' maps cannot be reused:
 *  1. the old pins' kill switch (vs_ctl.flags bit VS_CTL_DISABLED: a
 *     contract every ABI keeps) stops every redirect; joined sockets leave
 *     the old sockhash at their next message without losing a byte, and
 *     their connections go on over TCP;
 *  2. once the old sockhash is empty (bounded wait: an idle joined socket
 *     leaves only when it sends or reads), the configuration is read: the
 *     tunables, attached cgroups, services and backends, switches, policy
 *     rules and secure-mode allow-lists, keys and values in the old
 *     layout, each map's BTF with them;
 *  3. the old pins go (nothing is left in their sockhash to lose), this
 *     build loads, and every entry is written again converted member by
 *     member by name (btfcopy.c); the cgroups are attached again.
 * Connections made while this runs stay on TCP. If the sockhash does not
 * empty in time, the old switch is set back and nothing else changed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "internal.h"

/* What is carried: configuration, not the state of live sockets. */
static const enum vs_map_id carried[] = {
	VS_MAP_META, VS_MAP_CGCFG, VS_MAP_SVC, VS_MAP_BACKENDS, VS_MAP_CTL,
	VS_MAP_RULES, VS_MAP_RULE_HITS, VS_MAP_CGALLOW,
};
#define NCARRIED (sizeof(carried) / sizeof(carried[0]))

/* One old map, read whole. */
struct old_map {
	struct btf *btf;
	__u32 key_type, value_type, key_size, value_size, n;
	char *keys, *values;	/* n of each */
};

/* Every entry of map id pinned under root (none when it is not pinned: an
 * older ABI may not have it). */
static int read_old(const char *root, enum vs_map_id id, struct old_map *m)
{
	struct bpf_map_info info;
	char *key, *prev = NULL;
	int fd = vs_open_map_pin(root, id), ret = 0;
	bool first = true;
	__u32 cap = 0;

	memset(m, 0, sizeof(*m));
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if ((ret = vs_map_info(fd, &info)))
		goto out;
	if (!info.btf_id || !info.btf_value_type_id) {
		ret = -ENOTSUP;	/* no BTF: its layout cannot be read */
		goto out;
	}
	m->btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!m->btf) {
		ret = -errno;
		goto out;
	}
	m->key_type = info.btf_key_type_id;
	m->value_type = info.btf_value_type_id;
	m->key_size = info.key_size;
	m->value_size = info.value_size;
	key = malloc(m->key_size);
	prev = malloc(m->key_size);
	while (key && prev && !bpf_map_get_next_key(fd, first ? NULL : prev, key)) {
		first = false;
		memcpy(prev, key, m->key_size);
		if (m->n == cap) {
			char *k, *v;

			cap = cap ? 2 * cap : 64;
			k = realloc(m->keys, (size_t)cap * m->key_size);
			if (k)
				m->keys = k;
			v = realloc(m->values, (size_t)cap * m->value_size);
			if (v)
				m->values = v;
			if (!k || !v) {
				ret = -ENOMEM;
				break;
			}
		}
		if (bpf_map_lookup_elem(fd, key, m->values + (size_t)m->n * m->value_size))
			continue;	/* deleted meanwhile */
		memcpy(m->keys + (size_t)m->n * m->key_size, key, m->key_size);
		m->n++;
	}
	free(prev);
	free(key);
out:
	close(fd);
	return ret;
}

static void free_old(struct old_map *m)
{
	btf__free(m->btf);
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

/* The old pins' kill switch: set (on=true) or put back. *was: its state. */
static int old_switch(const char *root, bool on, bool *was)
{
	struct old_map m;
	__u32 off = 0;
	int fd, ret, i;
	const struct btf_type *t;

	if ((ret = read_old(root, VS_MAP_CTL, &m)))
		return ret;
	if (!m.n) {
		free_old(&m);
		return -ENOENT;	/* pins from before the kill switch */
	}
	t = btf__type_by_id(m.btf, m.value_type);
	for (i = 0; t && btf_is_struct(t) && i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(m.btf, btf_members(t)[i].name_off), "flags"))
			off = btf_member_bit_offset(t, i) / 8;
	{
		__u32 *flags = (__u32 *)(m.values + off);

		if (on)
			*was = *flags & VS_CTL_DISABLED;
		*flags = on || *was ? *flags | VS_CTL_DISABLED : *flags & ~VS_CTL_DISABLED;
	}
	fd = vs_open_map_pin(root, VS_MAP_CTL);
	ret = fd < 0 ? fd : bpf_map_update_elem(fd, m.keys, m.values, BPF_EXIST) ? -errno : 0;
	if (fd >= 0)
		close(fd);
	free_old(&m);
	return ret;
}

/* This build's BTF type ids of map id's key and value. */
static struct btf *new_types(struct vs_loader *ld, enum vs_map_id id, __u32 *kt, __u32 *vt)
{
	struct bpf_map_info info;

	if (vs_map_info(ld->map_fds[id], &info) || !info.btf_id)
		return NULL;
	*kt = info.btf_key_type_id;
	*vt = info.btf_value_type_id;
	return btf__load_from_kernel_by_id(info.btf_id);
}

/* The old tunables into the fresh vs_meta; the rest of it is this load's. */
static int carry_meta(struct vs_loader *ld, const struct old_map *m, const struct btf *nb,
		      __u32 vt)
{
	struct vs_meta fresh, old;
	__u32 zero = 0;

	if (!m->n || loader_read_meta(ld, &fresh) ||
	    vs_btf_copy(m->btf, m->value_type, m->values, nb, vt, &old))
		return -EINVAL;
	fresh.max_queued = old.max_queued;
	fresh.small_run = old.small_run;
	fresh.spin_msgs = old.spin_msgs;
	return bpf_map_update_elem(ld->map_fds[VS_MAP_META], &zero, &fresh, BPF_EXIST) ? -errno : 0;
}

/* Every entry of one old map into its new map. 0 or -errno; *n carried. */
static int carry(struct vs_loader *ld, enum vs_map_id id, const struct old_map *m, bool was_off,
		 int *n)
{
	__u32 kt = 0, vt = 0, i;
	struct btf *nb = new_types(ld, id, &kt, &vt);
	struct bpf_map_info info;
	char *k = NULL, *v = NULL, *zeros = NULL;
	int ret = 0;

	*n = 0;
	if (!nb || vs_map_info(ld->map_fds[id], &info))
		ret = -ENOTSUP;
	else if (id == VS_MAP_META)
		ret = carry_meta(ld, m, nb, vt);
	else if (!(k = calloc(1, info.key_size)) || !(v = calloc(1, info.value_size)) ||
		 !(zeros = calloc(1, info.value_size)))
		ret = -ENOMEM;
	for (i = 0; !ret && id != VS_MAP_META && i < m->n; i++) {
		const char *ok = m->keys + (size_t)i * m->key_size;

		/* integer keys by value; structs by member */
		if ((kt && m->key_type ? vs_btf_copy(m->btf, m->key_type, ok, nb, kt, k) :
		     (m->key_size == info.key_size ? (memcpy(k, ok, m->key_size), 0) : -EINVAL)) ||
		    vs_btf_copy(m->btf, m->value_type, m->values + (size_t)i * m->value_size, nb,
				vt, v)) {
			ret = -EINVAL;
			break;
		}
		if (id == VS_MAP_CTL) {	/* our own switch comes off again */
			struct vs_ctl *c = (struct vs_ctl *)v;

			c->flags = was_off ? c->flags | VS_CTL_DISABLED : c->flags & ~VS_CTL_DISABLED;
		}
		if (id == VS_MAP_CGCFG)
			continue;	/* written after the attach, below */
		if (bpf_map_update_elem(ld->map_fds[id], k, v, BPF_ANY))
			ret = -errno;
		else if (memcmp(v, zeros, info.value_size))
			(*n)++;	/* an array's empty slots are not counted */
	}
	free(k);
	free(v);
	free(zeros);
	btf__free(nb);
	return ret;
}

/* The old cgroups attached again, each with its old record (switches,
 * secure mode), converted. */
static int reattach(struct vs_loader *ld, const struct old_map *m, int *n, struct vs_err *err)
{
	__u32 kt = 0, vt = 0, i;
	struct btf *nb = new_types(ld, VS_MAP_CGCFG, &kt, &vt);
	char path[PATH_MAX + VS_CG_PATH_MAX];
	struct vs_cgroup_cfg cfg;
	int ret = 0;
	__u64 id;

	*n = 0;
	for (i = 0; nb && !ret && i < m->n; i++) {
		if (vs_btf_copy(m->btf, m->value_type, m->values + (size_t)i * m->value_size, nb,
				vt, &cfg))
			continue;
		cfg.path[sizeof(cfg.path) - 1] = '\0';
		snprintf(path, sizeof(path), "%s%s", ld->cg2_root, cfg.path);
		ret = loader_attach(ld, path, err);
		if (ret < 0) {
			ret = 0;	/* gone meanwhile: not attached again */
			continue;
		}
		ret = 0;
		if (!loader_cgroup_id(path, &id) &&
		    !bpf_map_update_elem(ld->map_fds[VS_MAP_CGCFG], &id, &cfg, BPF_EXIST))
			(*n)++;
	}
	btf__free(nb);
	return nb ? ret : -ENOTSUP;
}

int loader_migrate(const struct vs_loader_opts *opts, int wait_ms,
		   struct loader_migrate_report *rep, struct vs_err *err)
{
	const char *root = loader_pin_root(opts);
	struct old_map old[NCARRIED];
	struct vs_loader_opts o = opts ? *opts : (struct vs_loader_opts){ 0 };
	struct bpf_map_info info;
	struct vs_loader *ld = NULL;
	bool was_off = false;
	int fd, lock, ret, i, n;

	memset(rep, 0, sizeof(*rep));
	memset(old, 0, sizeof(old));
	lock = vs_lock_root_fd(root, err);
	if (lock < 0)
		return lock;
	/* before the switch: a joined socket may leave at once after it */
	rep->drained = vs_wait_sockhash_empty(root, 0, 20, NULL);
	ret = old_switch(root, true, &was_off);
	if (ret) {
		ret = vs_fail(err, -ret, "the pins under %s have no kill switch to drain them "
			      "(%s): 'vsockctl unload --wait SECONDS', then attach again",
			      root, strerror(-ret));
		goto out;
	}
	n = vs_wait_sockhash_empty(root, wait_ms, 20, &rep->waited_ms);
	if (n > 0) {
		old_switch(root, false, &was_off);
		ret = vs_fail(err, EBUSY, "%d socket%s still on the fast path after %d ms (an idle "
			      "one leaves at its next message): nothing changed; retry with a "
			      "longer --wait", n, n == 1 ? " is" : "s are", rep->waited_ms);
		goto out;
	}
	for (i = 0; i < (int)NCARRIED && !ret; i++)
		ret = read_old(root, carried[i], &old[i]);
	if (ret) {
		old_switch(root, false, &was_off);
		ret = vs_fail(err, -ret, "read the configuration under %s: %s", root,
			      strerror(-ret));
		goto out;
	}
	/* the new maps as big as the old */
	fd = vs_open_map_pin(root, VS_MAP_SOCKS);
	if (fd >= 0 && !vs_map_info(fd, &info))
		o.max_socks = info.max_entries;
	if (fd >= 0)
		close(fd);
	o.pin_root = root;
	if ((ret = vs_remove_pins(root))) {
		ret = vs_fail(err, -ret, "remove the pins under %s: %s", root, strerror(-ret));
		goto out;
	}
	ret = loader_open(&ld, &o, true, err);
	if (ret)
		goto out;
	for (i = 0; i < (int)NCARRIED && !ret; i++) {
		if (carried[i] == VS_MAP_CGCFG)
			ret = reattach(ld, &old[i], &rep->cgroups, err);
		else
			ret = carry(ld, carried[i], &old[i], was_off, &n);
		if (!ret && carried[i] != VS_MAP_CGCFG && carried[i] != VS_MAP_META)
			rep->entries += n;
		if (ret && !err->msg[0])
			vs_fail(err, -ret, "carry %s: %s", vs_maps[carried[i]].name,
				strerror(-ret));
	}
out:
	for (i = 0; i < (int)NCARRIED; i++)
		free_old(&old[i]);
	if (ld)
		loader_close(ld);
	close(lock);
	return ret;
}
