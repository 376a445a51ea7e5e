// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* status: what is loaded, what vsockd says, and the preflight checks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vsock/names.h"
#include "cmd.h"
#include "ctlsock.h"
#include "fmt.h"
#include "jsonstr.h"

/* CLOCK_REALTIME nanoseconds as "2024-05-01T12:00:00Z". */
static char *fmt_time(char *buf, size_t len, __u64 ns)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	if (!ns || !gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "-");
	return buf;
}

static void add_checks(struct ctl *ctl, const struct vs_preflight *pf)
{
	static const char *const cols[] = { "Check", "Result", "Detail", NULL };
	struct out_sect *t;
	struct out_row *r;
	int i;

	t = out_table(&ctl->doc, "checks", "Checks", cols);
	for (i = 0; i < pf->n && i < VS_MAX_CHECKS; i++) {
		const struct vs_check *c = &pf->checks[i];

		r = out_row_add(&ctl->doc, t);
		out_str(r, "Check", "name", c->name);
		out_cell(r, "Result", c->ok ? "ok" : "FAIL", false);
		out_bool(r, NULL, "ok", c->ok);
		out_str(r, "Detail", "detail", c->detail);
	}
}

/* Attached cgroup paths are recorded relative to the cgroup2 mount. */
static void cgroup_abs_path(char *buf, size_t len, const char *root,
			    const struct vs_cgroup_cfg *cfg)
{
	int n = (int)strnlen(cfg->path, sizeof(cfg->path));

	if (!root[0])
		snprintf(buf, len, "%.*s", n, cfg->path);
	else if (n == 0 || (n == 1 && cfg->path[0] == '/'))
		snprintf(buf, len, "%s", root);
	else
		snprintf(buf, len, "%s%s%.*s", root, cfg->path[0] == '/' ? "" : "/",
			 n, cfg->path);
}

static json_t *allowed_json(struct vs_loader *ld, __u64 cg)
{
	__u64 ids[VS_SECURE_ALLOW_MAX];
	int n = loader_secure_allowed(ld, cg, ids, VS_SECURE_ALLOW_MAX), i;
	json_t *arr = json_array();

	for (i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_integer((json_int_t)ids[i]));
	return arr;
}

static int add_attached(struct ctl *ctl, struct vs_loader *ld, const char *root)
{
	static const char *const cols[] = { "Cgroup", "ID", "Exists", "Enabled", "Disabled",
					    "Secure", NULL };
	struct vs_attachment *a;
	struct vs_err e = { "" };
	struct out_sect *t;
	struct out_row *r;
	int n, i;
	char path[512];

	n = loader_list_attached_all(ld, &a, &e);
	if (n < 0)
		return ctl_loader_err(ctl, n, &e);
	t = out_table(&ctl->doc, "attached", "Attached cgroups", cols);
	for (i = 0; i < n; i++) {
		r = out_row_add(&ctl->doc, t);
		cgroup_abs_path(path, sizeof(path), root, &a[i].cfg);
		out_str(r, "Cgroup", "path", path);
		out_num(r, "ID", "cgroup_id", a[i].cgroup_id, NULL);
		out_bool(r, "Exists", "exists", a[i].exists);
		out_bool(r, "Enabled", "enabled", a[i].cfg.flags & VS_CG_ENABLED);
		/* its own kill switch (vsockctl disable CGROUP) */
		out_bool(r, "Disabled", "disabled", a[i].cfg.flags & VS_CG_DISABLED);
		/* secure mode (attach --secure) and the cgroup ids it allows */
		out_bool(r, "Secure", "secure", a[i].cfg.flags & VS_CG_SECURE);
		out_json(r, "allow_cgroup_ids", allowed_json(ld, a[i].cgroup_id));
		out_num(r, NULL, "attached_ns", a[i].cfg.attached_ns, NULL);
	}
	free(a);
	return 0;
}

/* "3d 4h", "5m 12s": uptime for people. */
static char *fmt_uptime(char *buf, size_t len, __u64 s)
{
	if (s >= 86400)
		snprintf(buf, len, "%llud %lluh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%lluh %llum", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%llum %llus", s / 60, s % 60);
	return buf;
}

/* Both directions of a [client to backend, backend to client] count. */
static uint64_t pair_sum(const json_t *a)
{
	return json_integer_value(json_array_get(a, 0)) + json_integer_value(json_array_get(a, 1));
}

/* vsockd, when it answers: pid, uptime and what its handle tables hold.
 * Not running is not an error, as "loaded: no" is not. */
static void add_daemon(struct ctl *ctl)
{
	struct out_row *r = out_record(&ctl->doc, "daemon", "vsockd");
	char err[CTL_ERR_LEN], buf[32];
	json_t *req, *reply = NULL, *px;
	int e;

	req = json_pack("{s:s}", "request", "status");
	e = ctlsock_call(ctlsock_path(), req, &reply, 5000, err, sizeof(err));
	json_decref(req);
	if (!e)
		e = ctlsock_reply_err(reply, err, sizeof(err));
	out_bool(r, "running", "running", !e);
	out_str(r, "socket", "socket", ctlsock_path());
	if (e) {
		if (e != -ENOTCONN)
			out_str(r, "error", "error", err);
		json_decref(reply);
		return;
	}
#define NUM(col, key) out_num(r, col, key, json_get_u64(reply, key), NULL)
	NUM("pid", "pid");
	out_num(r, "uptime", "uptime_s", json_get_u64(reply, "uptime_s"),
		fmt_uptime(buf, sizeof(buf), json_get_u64(reply, "uptime_s")));
	NUM("processes", "processes");
	NUM("handles", "handles");
	NUM("sockets tracked", "sockets");
	NUM("events", "events");
	NUM("events lost", "events_lost");
	NUM("rescans", "rescans");
	NUM("reload failures", "reload_failures");
#undef NUM
	px = json_object_get(reply, "proxy");	/* null: vsockd runs no proxy */
	if (json_is_object(px)) {
		out_num(r, "proxy listeners", "proxy_listeners", json_get_u64(px, "listeners"), NULL);
		out_num(r, "proxied connections", "proxy_paired", json_get_u64(px, "paired"), NULL);
		out_num(r, "relayed now", "relay_active", json_get_u64(px, "relay_active"), NULL);
		out_num(r, "relayed bytes, kernel", "relay_kernel_bytes",
			pair_sum(json_object_get(px, "kernel_bytes")), NULL);
		out_num(r, "relayed bytes, copied", "relay_copied_bytes",
			pair_sum(json_object_get(px, "copied_bytes")), NULL);
		out_num(r, "relays taken over", "relay_adopted",
			json_get_u64(px, "relay_adopted"), NULL);
		out_num(r, "relays lost at restart", "relay_adopt_failed",
			json_get_u64(px, "relay_adopt_failed"), NULL);
		out_num(r, NULL, "relay_adopted_ring_bytes",
			json_get_u64(px, "relay_adopted_ring_bytes"), NULL);
		out_num(r, "proxy: no backend", "proxy_no_backend",
			json_get_u64(px, "no_backend"), NULL);
	}
	json_decref(reply);
}

/* vsockd's joiner beats in vs_meta while it runs (loader.h). */
static const char *joiner_state(const struct vs_meta *m)
{
	if (loader_joiner_alive(m))
		return "on (vsockd): sockets join once used without blocking";
	return "off (vsockd not running): sockets join at establishment, accepted ones "
	       "predicted from their listener";
}

static int count_entry(const struct vs_sock_entry *e, void *ctx)
{
	(void)e;
	(*(long *)ctx)++;
	return 0;
}

static int add_loaded(struct ctl *ctl, struct vs_loader *ld, struct out_row *r,
		      const char *cg_root)
{
	struct vs_coverage cov[VS_R_MAX];
	__u64 c[VS_C_MAX];
	struct vs_meta m;
	struct vs_ctl sw;
	char buf[64];
	long entries = 0;
	int err, inmap, queued;

	err = loader_read_meta(ld, &m);
	if (err)
		return ctl_errf(ctl, err, "read map %s: %s",
				loader_map_name(VS_MAP_META), strerror(-err));
	queued = loader_join_queued(ld);
	inmap = loader_count_sockhash(ld);
	if (inmap < 0)
		return ctl_errf(ctl, inmap, "read map %s: %s",
				loader_map_name(VS_MAP_SOCKS), strerror(-inmap));
	err = loader_for_each_socket(ld, count_entry, &entries);
	if (err < 0)
		return ctl_errf(ctl, err, "read map %s: %s",
				loader_map_name(VS_MAP_SOCKTBL), strerror(-err));
	err = loader_read_stats(ld, c);
	if (err)
		return ctl_errf(ctl, err, "read map %s: %s",
				loader_map_name(VS_MAP_STATS), strerror(-err));

	err = loader_read_ctl(ld, &sw);
	if (err)
		return ctl_errf(ctl, err, "read map %s: %s",
				loader_map_name(VS_MAP_CTL), strerror(-err));

	out_num(r, "abi version", "abi_version", m.abi_version, NULL);
	/* the global kill switch (vsockctl disable); per cgroup: Disabled */
	out_str(r, "fast path", "fast_path", sw.flags & VS_CTL_DISABLED ?
		"disabled (vsockctl enable turns it back on)" : "enabled");
	out_bool(r, NULL, "disabled", sw.flags & VS_CTL_DISABLED);
	if (m.loaded_ns)
		out_str(r, "loaded at", "loaded_at", fmt_time(buf, sizeof(buf), m.loaded_ns));
	else
		out_null(r, "loaded at", "loaded_at");
	out_num(r, NULL, "loaded_ns", m.loaded_ns, NULL);
	out_num(r, "max queued", "max_queued", m.max_queued,
		fmt_bytes(buf, sizeof(buf), m.max_queued));
	out_str(r, "join late", "join_late", joiner_state(&m));
	out_num(r, "waiting to join", "join_queued", (__u64)(queued > 0 ? queued : 0), NULL);
	out_num(r, "accelerated sockets", "sockhash_sockets", (__u64)inmap, NULL);
	out_num(r, "socket table entries", "socket_table_entries", (__u64)entries, NULL);

	err = add_attached(ctl, ld, cg_root);
	if (!err)
		err = coverage_read(ctl, ld, cov);
	if (err)
		return err;
	coverage_table(ctl, cov);
	stats_counters(ctl, c, false, "counters", "Counters");
	return 0;
}

int do_status(struct ctl *ctl, int argc, char **argv)
{
	struct vs_loader_opts o;
	struct vs_loader *ld = NULL;
	struct vs_preflight pf;
	struct vs_err e = { "" };
	struct out_row *r;
	int err;

	err = arg_none(ctl, argc, argv);
	if (err)
		return err;
	memset(&pf, 0, sizeof(pf));
	loader_preflight(&pf, &e);	/* failed checks are shown, not fatal */

	ctl_loader_opts(ctl, &o);
	e.msg[0] = '\0';
	err = loader_open(&ld, &o, false, &e);
	if (err && err != -ENOENT)
		return ctl_loader_err(ctl, err, &e);

	r = out_record(&ctl->doc, NULL, NULL);
	out_bool(r, "loaded", "loaded", !err);
	out_str(r, "pin root", "pin_root", loader_pin_root(&o));
	out_str(r, "cgroup2 root", "cgroup2_root",
		pf.cgroup2_root[0] ? pf.cgroup2_root : NULL);
	if (!err)
		err = add_loaded(ctl, ld, r, pf.cgroup2_root);
	else
		err = 0;
	add_daemon(ctl);
	add_checks(ctl, &pf);
	loader_close(ld);
	return err;
}
