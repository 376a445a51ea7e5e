// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* proxy add|del|list: virtual services in the pinned maps (vsock/svc.h,
 * docs/operations.md "Virtual services"). Works without vsockd; the
 * programs must be loaded (vsockctl attach). Arguments are checked in full
 * before anything is opened, so bad input changes nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "cmd.h"
#include "svcrule.h"

const char proxy_help[] =
	"Declare virtual services: a connect() from an attached cgroup to SERVICE\n"
	"goes to one of its backends instead.\n"
	"\n"
	"  add SERVICE --backend ADDRESS [--backend ADDRESS]... [--mode direct|proxy] [--replace]\n"
	"      SERVICE and ADDRESS are A.B.C.D:PORT or [IPV6]:PORT, port 1-65535;\n"
	"      up to 16 distinct backends. direct (default): connect() is rewritten\n"
	"      to a healthy backend, round robin; a local backend then gets the\n"
	"      fast path, and getpeername() still shows SERVICE. proxy: connect()\n"
	"      goes to vsockd's proxy listener in the client's network namespace;\n"
	"      without vsockd it fails with ECONNREFUSED. A service that exists\n"
	"      is an error unless --replace, which swaps its backends atomically.\n"
	"      An IPv4 SERVICE may list IPv6 backends: dual-stack (AF_INET6)\n"
	"      clients can use them, AF_INET clients only its IPv4 backends.\n"
	"  del SERVICE\n"
	"      New connects to SERVICE are no longer rewritten; established\n"
	"      connections are left alone.\n"
	"  list\n"
	"      Services, mode, backends, health, connections and failures; for\n"
	"      proxy mode also the relayed connections open now and the bytes\n"
	"      of closed ones (both ways; JSON: each way).\n"
	"\n"
	"A backend that refused or timed out 3 connects in a row is down for 10 s,\n"
	"then tried again; one established connect marks it up.\n"
	"\n"
	"Examples:\n"
	"  vsockctl proxy add 10.96.0.10:6379 --backend 127.0.0.1:7001 --backend 127.0.0.1:7002\n"
	"  vsockctl proxy add [fd00::10]:80 --backend [::1]:8080 --mode proxy\n"
	"  vsockctl -j proxy list\n"
	"  vsockctl proxy del 10.96.0.10:6379";

static int do_add(struct ctl *ctl, int argc, char **argv)
{
	struct vs_loader *ld = NULL;
	struct vs_err e = { "" };
	struct proxy_args a;
	char buf[SVC_ADDR_STRLEN];
	int err;

	if ((err = proxy_add_parse(ctl, argc, argv, &a)))
		return err;
	if ((err = ctl_open(ctl, &ld, false)))
		return err;
	err = loader_svc_add(ld, &a.rule, a.replace, &e);
	loader_close(ld);
	svc_addr_str(&a.rule.svc, buf, sizeof(buf));
	if (err == -EEXIST)
		return ctl_errf(ctl, err, "proxy add: service %s exists already (--replace swaps its backends)",
				buf);
	if (err)
		return ctl_errf(ctl, err, "proxy add %s: %s", buf, e.msg[0] ? e.msg : strerror(-err));
	out_textf(&ctl->doc, "%s service %s, %s, %d backend%s", a.replace ? "set" : "added",
		  buf, svc_mode_name(a.rule.mode), a.rule.nbackends,
		  a.rule.nbackends == 1 ? "" : "s");
	return 0;
}

static int do_del(struct ctl *ctl, int argc, char **argv)
{
	struct vs_loader *ld = NULL;
	struct vs_err e = { "" };
	char buf[SVC_ADDR_STRLEN];
	struct vs_addr svc;
	int err;

	if ((err = proxy_del_parse(ctl, argc, argv, &svc)))
		return err;
	if ((err = ctl_open(ctl, &ld, false)))
		return err;
	err = loader_svc_del(ld, &svc, &e);
	loader_close(ld);
	svc_addr_str(&svc, buf, sizeof(buf));
	if (err == -ENOENT)
		return ctl_errf(ctl, err, "proxy del: no service %s", buf);
	if (err)
		return ctl_errf(ctl, err, "proxy del %s: %s", buf, e.msg[0] ? e.msg : strerror(-err));
	out_textf(&ctl->doc, "deleted service %s", buf);
	return 0;
}

/* "up", or "down 7s" while its cool-down runs. */
static const char *health(const struct vs_backend *b, __u64 now, char *buf, size_t len)
{
	if (vs_backend_usable(b, now))
		return "up";
	snprintf(buf, len, "down %llus",
		 (unsigned long long)((b->down_until_ns - now + 999999999ull) / 1000000000ull));
	return buf;
}

static json_t *backend_json(const struct vs_backend *b, __u64 now)
{
	char buf[SVC_ADDR_STRLEN];
	bool up = vs_backend_usable(b, now);

	return json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "address", svc_addr_str(&b->addr, buf, sizeof(buf)),
			 "healthy", up,
			 "down_for_ms", (json_int_t)(up ? 0 : (b->down_until_ns - now) / 1000000),
			 "connections", (json_int_t)b->conns,
			 "failures", (json_int_t)b->failures,
			 "consecutive_failures", (json_int_t)b->consec_fail,
			 /* proxy mode: vsockd's relay */
			 "active", (json_int_t)b->active,
			 "bytes_to_backend", (json_int_t)b->bytes[0],
			 "bytes_to_client", (json_int_t)b->bytes[1]);
}

/* JSON: one object per service with its backends; text: one row per
 * backend, the service named on its first (a service's backends do not fit
 * one text cell, and JSON rows without members would print as {}). */
static void add_service(struct ctl *ctl, struct out_sect *t, const struct vs_svc_info *s,
			__u64 now)
{
	struct vs_addr svc = { .port = s->key.port };
	char sbuf[SVC_ADDR_STRLEN], bbuf[SVC_ADDR_STRLEN], hbuf[32];
	struct out_row *r;
	json_t *arr;
	int i;

	memcpy(svc.ip, s->key.ip, 16);
	svc_addr_str(&svc, sbuf, sizeof(sbuf));
	if (ctl->mode != OUT_TEXT) {
		r = out_row_add(&ctl->doc, t);
		arr = json_array();
		for (i = 0; arr && i < s->nbackends; i++)
			json_array_append_new(arr, backend_json(&s->backends[i], now));
		out_str(r, NULL, "service", sbuf);
		out_str(r, NULL, "mode", svc_mode_name(s->svc.mode));
		out_num(r, NULL, "id", s->svc.id, NULL);
		out_json(r, "backends", arr);
		return;
	}
	for (i = 0; i < s->nbackends; i++) {
		const struct vs_backend *b = &s->backends[i];

		r = out_row_add(&ctl->doc, t);
		out_cell(r, "Service", i ? "" : sbuf, false);
		out_cell(r, "Mode", i ? "" : svc_mode_name(s->svc.mode), false);
		out_cell(r, "Backend", svc_addr_str(&b->addr, bbuf, sizeof(bbuf)), false);
		out_cell(r, "Health", health(b, now, hbuf, sizeof(hbuf)), false);
		out_num(r, "Conns", NULL, b->conns, NULL);
		out_num(r, "Failures", NULL, b->failures, NULL);
		out_num(r, "Active", NULL, b->active, NULL);
		out_num(r, "Bytes", NULL, b->bytes[0] + b->bytes[1], NULL);
	}
}

static int do_list(struct ctl *ctl, int argc, char **argv)
{
	static const char *const cols[] = { "Service", "Mode", "Backend", "Health", "Conns",
					    "Failures", "Active", "Bytes", NULL };
	struct vs_loader *ld = NULL;
	struct vs_svc_info *v = NULL;
	struct vs_err e = { "" };
	struct out_sect *t;
	__u64 now;
	int n, i, err;

	if ((err = proxy_list_parse(ctl, argc, argv)))
		return err;
	if ((err = ctl_open(ctl, &ld, false)))
		return err;
	n = loader_svc_list(ld, &v, &e);
	loader_close(ld);
	if (n < 0)
		return ctl_loader_err(ctl, n, &e);
	now = clock_now_ns(CLOCK_MONOTONIC);
	t = out_table(&ctl->doc, NULL, NULL, cols);
	for (i = 0; i < n; i++)
		add_service(ctl, t, &v[i], now);
	free(v);
	return 0;
}

int do_proxy(struct ctl *ctl, int argc, char **argv)
{
	static const struct cmd_verb verbs[] = {
		{ "add", do_add }, { "del", do_del }, { "list", do_list }, { NULL, NULL },
	};

	return cmd_verb_dispatch(ctl, verbs, argc, argv);
}
