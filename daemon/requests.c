// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The control requests: status, handles, attach, detach, reload. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "clock.h"
#include "jsonstr.h"
#include "log.h"
#include "procfs.h"
#include "reload.h"
#include "requests.h"
#include "sockjson.h"
#include "proxy_status.h"
#include "status.h"
#include "version.h"
#include "vsockd.h"

/* One handle: its fd, then what the socket table says now, in the shape
 * of `vsockctl -j sockets` (lib/sockjson.c). */
static json_t *handle_json(struct vsd *d, const struct proc_handle *h, bool *accel)
{
	struct vs_sock_entry e;
	json_t *j;

	j = json_pack("{s:i, s:I}", "fd", h->fd, "cookie", (json_int_t)h->cookie);
	if (!j)
		return NULL;
	*accel = false;
	if (loader_lookup_socket(d->ld, h->cookie, &e)) {
		/* released since the table was built */
		json_object_set_new(j, "status", json_null());
		return j;
	}
	*accel = e.in_sockhash;
	json_object_update_new(j, vs_sock_to_json(&e));
	return j;
}

/* A private table copied under its lock, so the socket-table lookups that
 * follow hold no lock at all. */
struct snapshot {
	struct proc_info info;
	struct proc_handle *h;
	unsigned int nh, dropped;
};

static int snap_of(struct proc *p, struct snapshot *s)
{
	s->info = p->info;
	s->nh = p->nh;
	s->dropped = p->dropped;
	s->h = malloc((size_t)(p->nh ? p->nh : 1) * sizeof(*s->h));
	if (!s->h)
		return -ENOMEM;
	memcpy(s->h, p->h, (size_t)p->nh * sizeof(*s->h));
	return 0;
}

static json_t *proc_json(struct vsd *d, const struct snapshot *s, bool detail)
{
	json_t *j, *hs = json_array();
	unsigned int i, accel = 0;
	bool a = false;

	j = json_pack("{s:i, s:I}", "pid", (int)s->info.tgid,
		      "start_time", (json_int_t)s->info.start);
	if (!j || !hs) {
		json_decref(j);
		json_decref(hs);
		return NULL;
	}
	json_object_set_new(j, "comm", json_str_repaired(s->info.comm, sizeof(s->info.comm)));
	json_object_set_new(j, "cgroup", json_str_repaired(s->info.cgroup, sizeof(s->info.cgroup)));
	for (i = 0; i < s->nh; i++) {
		json_t *h = handle_json(d, &s->h[i], &a);

		accel += a;
		if (detail)
			json_array_append_new(hs, h);
		else
			json_decref(h);
	}
	json_object_set_new(j, "handles", detail ? hs : json_integer(s->nh));
	if (!detail)
		json_decref(hs);
	json_object_set_new(j, "accelerated", json_integer(accel));
	json_object_set_new(j, "dropped", json_integer(s->dropped));
	return j;
}

struct collect {
	struct snapshot *s;
	unsigned int n, cap;
	int err;
};

static int collect_cb(struct proc *p, void *ctx)
{
	struct collect *c = ctx;
	struct snapshot *tmp;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		tmp = realloc(c->s, (size_t)c->cap * sizeof(*tmp));
		if (!tmp)
			return c->err = -ENOMEM;
		c->s = tmp;
	}
	c->err = snap_of(p, &c->s[c->n]);
	if (!c->err)
		c->n++;
	return c->err;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct snapshot *x = a, *y = b;

	return (x->info.tgid > y->info.tgid) - (x->info.tgid < y->info.tgid);
}

/* A client without privilege reads the processes of its own user only:
 * those whose real, effective and saved uids are all its uid (a setuid
 * program belongs to no unprivileged user), and itself. start (0: any)
 * ties the answer to the process the table holds, not to a later one that
 * reused its pid. */
static bool peer_may_read(const struct ctl_peer *peer, __u32 pid, __u64 start)
{
	__u64 now;
	__u32 uid;

	if (peer->privileged || pid == (__u32)peer->pid)
		return true;
	if (procfs_owner(pid, &uid) || uid != (__u32)peer->uid)
		return false;
	return !start || (!procfs_start(pid, &now) && now == start);
}

static json_t *handles_all(struct vsd *d, const struct ctl_peer *peer)
{
	struct collect c = { 0 };
	json_t *r, *arr;
	unsigned int i;

	proctbl_for_each(d->tbl, collect_cb, &c);
	r = c.err ? NULL : ctlmsg_ok();
	arr = json_array();
	if (c.n)
		qsort(c.s, c.n, sizeof(*c.s), cmp_pid);
	for (i = 0; i < c.n; i++) {
		/* without privilege, its own user's processes only */
		if (r && arr && peer_may_read(peer, c.s[i].info.tgid, c.s[i].info.start))
			json_array_append_new(arr, proc_json(d, &c.s[i], false));
		free(c.s[i].h);
	}
	free(c.s);
	if (!r || !arr) {
		json_decref(r);
		json_decref(arr);
		return ctlmsg_error(-ENOMEM, "out of memory");
	}
	json_object_set_new(r, "processes", arr);
	return r;
}

static json_t *handles_one(struct vsd *d, __u32 pid, const struct ctl_peer *peer)
{
	struct snapshot s = { 0 };
	struct proc *p;
	char msg[128];
	__u64 start;
	json_t *r, *j;
	int err = 0;

	if (!peer_may_read(peer, pid, 0)) {
		snprintf(msg, sizeof(msg),
			 "may read only the handles of its own user's processes (uid %u), not those of pid %u",
			 (unsigned int)peer->uid, pid);
		return ctlmsg_error(-EPERM, msg);
	}
	p = proctbl_get(d->tbl, pid, 0);
	if (p)
		err = snap_of(p, &s);
	proctbl_put(d->tbl, p);
	if (err)
		return ctlmsg_error(err, "out of memory");
	if (!p) {
		/* a live process without tracked sockets has an empty table */
		if (procfs_info(pid, &s.info) || procfs_start(pid, &start)) {
			snprintf(msg, sizeof(msg), "no process %u", pid);
			return ctlmsg_error(-ESRCH, msg);
		}
	}
	r = ctlmsg_ok();
	j = proc_json(d, &s, true);
	free(s.h);
	if (!r || !j) {
		json_decref(r);
		json_decref(j);
		return ctlmsg_error(-ENOMEM, "out of memory");
	}
	json_object_update(r, j);
	json_decref(j);
	return r;
}

static json_t *status(struct vsd *d)
{
	json_t *r = ctlmsg_ok(), *cg = json_array();
	int i;

	if (!r || !cg) {
		json_decref(r);
		json_decref(cg);
		return ctlmsg_error(-ENOMEM, "out of memory");
	}
	for (i = 0; i < d->cfg.nattach; i++)
		json_array_append_new(cg, json_str_repaired(d->cfg.attach[i], PATH_MAX));
	json_object_update_new(r, json_pack(
		"{s:i, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:i, s:o, s:i, s:i, s:i,"
		" s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
		"pid", (int)getpid(),
		"version", VSOCK_VERSION,
		"started_ns", (json_int_t)d->started_realtime_ns,
		"uptime_s", (json_int_t)((clock_now_ms() - d->started_ms) / 1000),
		"startup_us", (json_int_t)d->ready_us,
		"config", d->cfg_path,
		"pin_root", d->cfg.pin_root,
		"control_socket", d->cfg.control_socket,
		"attached_cgroups", vsd_attached_count(d),
		"configured_cgroups", cg,
		"processes", (int)proctbl_nprocs(d->tbl),
		"handles", (int)proctbl_nhandles(d->tbl),
		"sockets", (int)d->scan.cookie2ino.n,
		"events", (json_int_t)d->ev.events,
		"events_lost", (json_int_t)d->ev.events_lost,
		"rescans", (json_int_t)d->scan.rescans,
		"last_rescan_us", (json_int_t)d->scan.last_rescan_us,
		"refreshes", (json_int_t)d->scan.refreshes,
		"fd_lookups", (json_int_t)d->scan.fd_lookups,
		"diag_dumps", (json_int_t)d->scan.dumps,
		"procs_refused", (json_int_t)d->tbl->procs_refused,
		"handles_refused", (json_int_t)d->tbl->handles_refused,
		"reloads", (json_int_t)d->reloads,
		"reload_failures", (json_int_t)d->reload_failures,
		"requests", (json_int_t)d->srv.requests,
		"request_errors", (json_int_t)d->srv.errors,
		"log_level", log_level_name(log_get_level()) ?: "debug"));
	json_object_set_new(r, "last_reload_error", d->last_reload_error[0] ?
			    json_string(d->last_reload_error) : json_null());
	json_object_set_new(r, "limits", json_pack("{s:i, s:i, s:i, s:i}",
		"max_processes", d->cfg.max_processes,
		"max_handles_per_process", d->cfg.max_handles_per_process,
		"max_handles", d->cfg.max_handles,
		"rescan_interval", d->cfg.rescan_interval));
	proxy_status_add(r, d->proxy, d->relay);
	return r;
}

/* A client that works on other pins must not change ours. */
static json_t *check_pin_root(struct vsd *d, const struct ctl_req *req)
{
	char msg[PATH_MAX + 64];

	if (!req->pin_root[0] || !strcmp(req->pin_root, d->cfg.pin_root))
		return NULL;
	snprintf(msg, sizeof(msg), "vsockd uses the pins under %s", d->cfg.pin_root);
	return ctlmsg_error(-EXDEV, msg);
}

static json_t *attach(struct vsd *d, const struct ctl_req *req)
{
	struct vs_err e = { "" };
	json_t *r = check_pin_root(d, req);
	int err;

	if (r)
		return r;
	err = loader_check_cgroup(req->cgroup, &e);
	if (!err)
		err = loader_attach(d->ld, req->cgroup, &e);
	if (err < 0)
		return ctlmsg_error(err, e.msg[0] ? e.msg : strerror(-err));
	pr_info("attached %s%s", req->cgroup, err == 1 ? " (already attached)" : "");
	if (req->max_queued) {
		int r2 = loader_set_max_queued(d->ld, req->max_queued);

		if (r2)
			return ctlmsg_error(r2, "attached, but setting max_queued failed");
	}
	return json_pack("{s:b, s:s, s:b, s:b}", "ok", 1, "cgroup", req->cgroup,
			 "attached", 1, "changed", err == 0);
}

static json_t *detach(struct vsd *d, const struct ctl_req *req)
{
	struct vs_err e = { "" };
	char msg[PATH_MAX + 32];
	json_t *r = check_pin_root(d, req);
	int err;

	if (r)
		return r;
	err = loader_detach(d->ld, req->cgroup, &e);
	if (err == -ENOENT && !e.msg[0]) {
		snprintf(msg, sizeof(msg), "%s: not attached", req->cgroup);
		return ctlmsg_error(err, msg);
	}
	if (err)
		return ctlmsg_error(err, e.msg[0] ? e.msg : strerror(-err));
	pr_info("detached %s", req->cgroup);
	return json_pack("{s:b, s:s, s:b}", "ok", 1, "cgroup", req->cgroup,
			 "detached", 1);
}

static json_t *reload(struct vsd *d)
{
	char err[CFG_ERR_LEN];
	int r = vsd_reload(d, err, sizeof(err));

	return r ? ctlmsg_error(r, err) : ctlmsg_ok();
}

json_t *requests_handle(struct vsd *d, const struct ctl_req *req,
			const struct ctl_peer *peer)
{
	switch (req->type) {
	case CTL_REQ_STATUS:
		return status(d);
	case CTL_REQ_HANDLES:
		return req->has_pid ? handles_one(d, req->pid, peer) : handles_all(d, peer);
	case CTL_REQ_ATTACH:
		return attach(d, req);
	case CTL_REQ_DETACH:
		return detach(d, req);
	case CTL_REQ_RELOAD:
		return reload(d);
	}
	return ctlmsg_error(-EOPNOTSUPP, "unknown request");
}
