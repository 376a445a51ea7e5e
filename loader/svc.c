// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Virtual-service rules in the pinned maps vs_svc and vs_backends
 * (vsock/svc.h). A service's backends are written before the service entry
 * that names them, and a replacement takes a new service id, so the
 * connect hook sees the old rule or the new one, never a mix. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "internal.h"
#include "vsock/policy.h"

static void svc_key(struct vs_svc_key *k, const struct vs_addr *a)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->ip, a->ip, 16);
	k->port = a->port;
}

struct id_scan {
	int fd;
	__u32 max_id;
};

static int scan_id(const void *key, void *ctx)
{
	struct id_scan *s = ctx;
	struct vs_svc v;

	if (!bpf_map_lookup_elem(s->fd, key, &v) && v.id > s->max_id)
		s->max_id = v.id;
	return 0;
}

/* One past the highest id in use (ids are never 0). */
static int next_id(struct vs_loader *ld, __u32 *id)
{
	struct id_scan s = { .fd = ld->map_fds[VS_MAP_SVC] };
	int ret = vs_map_for_each_key(s.fd, sizeof(struct vs_svc_key), scan_id, &s);

	if (ret)
		return ret;
	if (s.max_id >= 0x7fffffffu)
		return -ENOSPC;
	*id = s.max_id + 1;
	return 0;
}

static void del_backends(struct vs_loader *ld, __u32 id, int n)
{
	struct vs_backend_key k = { .svc_id = id };

	for (k.slot = 0; k.slot < (__u32)n; k.slot++)
		bpf_map_delete_elem(ld->map_fds[VS_MAP_BACKENDS], &k);
}

static int add_locked(struct vs_loader *ld, const struct vs_svc_rule *r, bool replace,
		      struct vs_err *err)
{
	struct vs_svc old, v = { .mode = r->mode, .nbackends = (__u8)r->nbackends };
	struct vs_backend_key bk;
	struct vs_svc_key k;
	bool exists;
	int i, ret;

	svc_key(&k, &r->svc);
	exists = !bpf_map_lookup_elem(ld->map_fds[VS_MAP_SVC], &k, &old);
	if (exists && !replace)
		return vs_fail(err, EEXIST, "the service exists already");
	if ((ret = next_id(ld, &v.id)))
		return vs_fail(err, -ret, "read %s: %s", vs_maps[VS_MAP_SVC].name,
			       strerror(-ret));
	for (i = 0; i < r->nbackends; i++) {
		struct vs_backend b = { .addr = r->backends[i] };

		bk.svc_id = v.id;
		bk.slot = (__u32)i;
		if (bpf_map_update_elem(ld->map_fds[VS_MAP_BACKENDS], &bk, &b, BPF_ANY)) {
			ret = -errno;
			del_backends(ld, v.id, i);
			return vs_fail(err, -ret, "write %s: %s", vs_maps[VS_MAP_BACKENDS].name,
				       strerror(-ret));
		}
	}
	/* the switch: one element update, seen whole by the connect hook */
	if (bpf_map_update_elem(ld->map_fds[VS_MAP_SVC], &k, &v, exists ? BPF_EXIST : BPF_NOEXIST)) {
		ret = -errno;
		del_backends(ld, v.id, r->nbackends);
		if (ret == -E2BIG)
			return vs_fail(err, ENOSPC, "too many services (at most %d)", VS_SVC_MAX);
		return vs_fail(err, -ret, "write %s: %s", vs_maps[VS_MAP_SVC].name,
			       strerror(-ret));
	}
	if (exists)
		del_backends(ld, old.id, old.nbackends);
	return 0;
}

int loader_svc_add(struct vs_loader *ld, const struct vs_svc_rule *r, bool replace,
		   struct vs_err *err)
{
	int ret;

	if (r->nbackends < 1 || r->nbackends > VS_SVC_MAX_BACKENDS ||
	    (r->mode != VS_SVC_DIRECT && r->mode != VS_SVC_PROXY))
		return vs_fail(err, EINVAL, "invalid service rule");
	if ((ret = vs_lock(ld, err)))
		return ret;
	ret = add_locked(ld, r, replace, err);
	vs_unlock(ld);
	return ret;
}

int loader_svc_del(struct vs_loader *ld, const struct vs_addr *svc, struct vs_err *err)
{
	struct vs_svc_key k;
	struct vs_svc v;
	int ret;

	svc_key(&k, svc);
	if ((ret = vs_lock(ld, err)))
		return ret;
	if (bpf_map_lookup_elem(ld->map_fds[VS_MAP_SVC], &k, &v)) {
		ret = vs_fail(err, ENOENT, "no such service");
	} else if (bpf_map_delete_elem(ld->map_fds[VS_MAP_SVC], &k)) {
		ret = vs_fail(err, errno, "delete from %s: %s", vs_maps[VS_MAP_SVC].name,
			      strerror(errno));
	} else {
		/* connects already past the lookup find no backend and are
		 * left alone; established connections are not touched */
		del_backends(ld, v.id, v.nbackends);
	}
	vs_unlock(ld);
	return ret;
}

struct list_ctx {
	struct vs_loader *ld;
	struct vs_svc_info *v;
	int n, cap, err;
};

static int list_one(const void *key, void *arg)
{
	struct list_ctx *c = arg;
	struct vs_svc_info *i, *nv;
	struct vs_backend_key bk;
	int s;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		nv = realloc(c->v, (size_t)c->cap * sizeof(*nv));
		if (!nv)
			return c->err = -ENOMEM;
		c->v = nv;
	}
	i = &c->v[c->n];
	memset(i, 0, sizeof(*i));
	memcpy(&i->key, key, sizeof(i->key));
	if (bpf_map_lookup_elem(c->ld->map_fds[VS_MAP_SVC], key, &i->svc))
		return 0;	/* deleted meanwhile */
	for (s = 0; s < i->svc.nbackends && s < VS_SVC_MAX_BACKENDS; s++) {
		bk.svc_id = i->svc.id;
		bk.slot = (__u32)s;
		if (bpf_map_lookup_elem(c->ld->map_fds[VS_MAP_BACKENDS], &bk, &i->backends[s]))
			return 0;	/* replaced meanwhile: leave it out */
	}
	i->nbackends = s;
	c->n++;
	return 0;
}

static int cmp_info(const void *a, const void *b)
{
	const struct vs_svc_info *x = a, *y = b;
	int r = memcmp(x->key.ip, y->key.ip, 16);

	return r ? r : (int)x->key.port - (int)y->key.port;
}

int loader_svc_list(struct vs_loader *ld, struct vs_svc_info **out, struct vs_err *err)
{
	struct list_ctx c = { .ld = ld };
	int ret;

	*out = NULL;
	ret = vs_map_for_each_key(ld->map_fds[VS_MAP_SVC], sizeof(struct vs_svc_key),
				  list_one, &c);
	if (ret || c.err) {
		free(c.v);
		ret = ret ? ret : c.err;
		return vs_fail(err, -ret, "read %s: %s", vs_maps[VS_MAP_SVC].name,
			       strerror(-ret));
	}
	if (c.n)
		qsort(c.v, (size_t)c.n, sizeof(*c.v), cmp_info);
	*out = c.v;
	return c.n;
}

int loader_proxy_listen_set(struct vs_loader *ld, __u64 netns_cookie,
			    const struct vs_proxy_listen *v)
{
	return bpf_map_update_elem(ld->map_fds[VS_MAP_PROXY_LISTEN], &netns_cookie, v, BPF_ANY)
	       ? -errno : 0;
}

int loader_proxy_listen_del(struct vs_loader *ld, __u64 netns_cookie)
{
	return bpf_map_delete_elem(ld->map_fds[VS_MAP_PROXY_LISTEN], &netns_cookie) ? -errno : 0;
}

int loader_proxy_orig(struct vs_loader *ld, const struct vs_sock_key *accepted,
		      struct vs_proxy_orig *out)
{
	struct vs_sock_key client;

	vs_key_reverse(&client, accepted);
	return bpf_map_lookup_elem(ld->map_fds[VS_MAP_PROXY_ORIG], &client, out) ? -errno : 0;
}
