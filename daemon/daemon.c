// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Start-up and shutdown. The order of start-up matters: pins first
 * (loaded or adopted), then the configured cgroups, then the ring buffer
 * (so no event between the first rescan and the loop is missed), the first
 * rescan, the control socket, and only then READY=1. Here the modules are
 * wired to the loop; none of them calls back into this file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include "apply.h"
#include "clock.h"
#include "daemon.h"
#include "fdstore.h"
#include "joiner.h"
#include "log.h"
#include "proxy.h"
#include "relay.h"
#include "reload.h"
#include "requests.h"
#include "status.h"

/* Housekeeping, in this order: events first (their consumer runs the
 * joiner), then the joiner's heartbeat, idle clients, systemd. */
static void on_tick(void *ctx, __u64 now_ms)
{
	struct vsd *d = ctx;
	char line[NOTIFY_STATUS_LEN];

	events_tick(&d->ev, now_ms);
	joiner_tick(d->join, now_ms);
	if (d->proxy)
		proxy_tick(d->proxy, now_ms);
	ctlsrv_tick(&d->srv, now_ms);
	vsd_status_line(d, line, sizeof(line));
	notify_tick(&d->notify, now_ms, line);
}

static void on_hup(void *ctx)
{
	char err[CFG_ERR_LEN];

	vsd_reload(ctx, err, sizeof(err));
}

static void on_listen(void *ctx, __u32 low, __u32 events)
{
	(void)low;
	(void)events;
	ctlsrv_accept(ctx, clock_now_ms());
}

static void on_client(void *ctx, __u32 slot, __u32 events)
{
	ctlsrv_client_event(ctx, slot, events, clock_now_ms());
}

/* A pidfd per tracked process: as many descriptors as processes. */
static void raise_nofile(unsigned int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < want + 256) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want + 256 ?
			      want + 256 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The relay and the service proxy in front of it. Without them the fast
 * path and the tables still work: direct-mode services too, proxy-mode
 * ones are refused (no listener is published). */
static void open_proxy(struct vsd *d)
{
	struct proxy_opts po = {
		.connect_timeout_ms = d->cfg.connect_timeout_ms,
		.idle_ms = d->cfg.idle_timeout * 1000,
		.relay_bound = d->cfg.relay_bound,
		.max_pending = PROXY_MAX_PENDING,
	};
	int r = relay_open(&d->relay, &d->loop, d->ld);

	if (r) {
		d->relay = NULL;
		pr_warn("relay: %s: proxy-mode services are refused", strerror(-r));
		return;
	}
	d->proxy = proxy_open(d->ld, &d->loop, d->relay, d->scan.own_netns, &po);
	if (!d->proxy) {
		pr_warn("service proxy: %s: proxy-mode services are refused", strerror(errno));
		return;
	}
	d->ev.proxy = d->proxy;
}

/* What the last vsockd left in systemd's fd store: relayed pairs, which
 * the kernel went on relaying meanwhile (relay_keep.h). Anything else
 * there is dropped. */
static void adopt_kept(struct vsd *d)
{
	struct fdstore_fd *fds;
	int n = fdstore_take(&fds), i, got;

	if (n <= 0)
		return;
	got = d->proxy ? proxy_adopt(d->proxy, fds, n) : 0;
	for (i = 0; i < n; i++) {
		if (fds[i].fd < 0)
			continue;
		pr_warn("fd store: \"%s\" is not ours (or the proxy is off): dropped",
			fds[i].name);
		close(fds[i].fd);
		fdstore_remove(fds[i].name);
	}
	free(fds);
	pr_info("relay: %d pair(s) taken over from the last vsockd", got);
}

int vsd_init(struct vsd *d)
{
	struct vs_loader_opts o = {
		.pin_root = d->cfg.pin_root,
		.max_socks = d->cfg.max_sockets,
		.max_queued = d->cfg.max_queued,
	};
	struct proctbl_limits lim = apply_limits_of(&d->cfg);
	struct vs_err e = { "" };
	char err[CFG_ERR_LEN];
	__u64 t0 = clock_now_us(CLOCK_MONOTONIC);
	int r;

	loop_init(&d->loop);
	events_init(&d->ev);
	d->srv.lfd = -1;
	d->started_ms = clock_now_ms();
	d->started_realtime_ns = clock_now_us(CLOCK_REALTIME) * 1000;
	apply_log_level(d->cli_level, &d->cfg);
	log_libbpf();
	raise_nofile(d->cfg.max_processes + CTLSRV_MAX_CLIENTS);

	r = apply_check_cgroups(&d->cfg);
	if (r)
		return r;
	r = loader_open(&d->ld, &o, true, &e);
	if (r) {
		pr_err("%s", e.msg[0] ? e.msg : strerror(-r));
		return r;
	}
	pr_info("%s pins under %s", loader_created(d->ld) ? "loaded and pinned" : "adopted",
		d->cfg.pin_root);
	/* max_sockets sizes maps at load only; the policy applies at any time */
	apply_policy(d->ld, NULL, &d->cfg);
	r = apply_attach(d->ld, &d->cfg, NULL, err, sizeof(err));
	if (r) {
		pr_err("%s", err);
		return r;
	}
	r = apply_services(d->ld, &d->cfg, NULL, err, sizeof(err));
	if (r) {
		pr_err("%s", err);
		return r;
	}
	r = apply_rules(d->ld, &d->cfg, NULL, err, sizeof(err));
	if (r) {
		pr_err("%s", err);
		return r;
	}
	d->tbl = proctbl_new(&lim);
	if (!d->tbl)
		return -ENOMEM;
	r = scan_init(&d->scan, d->ld, d->tbl);
	if (r) {
		pr_err("own network namespace: %s", strerror(-r));
		return r;
	}
	r = loop_open(&d->loop, VSD_TICK_MS, on_tick, on_hup, d);
	if (r) {
		pr_err("event loop: %s", strerror(-r));
		return r;
	}
	/* the joiner before the events: VS_EV_JOIN is among them */
	d->join = joiner_open(d->ld, d->scan.own_netns);
	if (!d->join)
		pr_warn("join-late: %s: accepted sockets are predicted from their listener",
			strerror(errno));
	r = events_open(&d->ev, &d->loop, &d->scan, d->join, d->cfg.rescan_interval);
	if (r) {
		pr_err("ring buffer %s: %s", loader_map_name(VS_MAP_EVENTS), strerror(-r));
		return r;
	}
	open_proxy(d);
	adopt_kept(d);
	d->srv.handler = (ctlsrv_handler)requests_handle;
	d->srv.ctx = d;
	loop_handle(&d->loop, TAG_LISTEN, on_listen, &d->srv);
	loop_handle(&d->loop, TAG_CLIENT, on_client, &d->srv);
	r = ctlsrv_open(&d->srv, d->loop.epfd, d->cfg.control_socket, d->cfg.control_mode,
			d->cfg.control_group[0], d->cfg.control_gid);
	if (r) {
		pr_err("control socket %s: %s%s", d->cfg.control_socket, strerror(-r),
		       r == -EADDRINUSE ? " (is another vsockd running?)" : "");
		return r;
	}
	events_first_scan(&d->ev);
	notify_init(&d->notify);
	d->ready_us = clock_now_us(CLOCK_MONOTONIC) - t0;
	d->ready = true;
	vsd_notify_ready(d);
	pr_info("ready in %llu ms: %s", (unsigned long long)d->ready_us / 1000,
		d->notify.status);
	return 0;
}

void vsd_fini(struct vsd *d)
{
	notify_stopping();
	ctlsrv_close(&d->srv);
	/* the relay first: its closing pairs count their bytes in the pins */
	if (d->relay)
		relay_close(d->relay);
	d->relay = NULL;
	d->ev.proxy = NULL;
	proxy_close(d->proxy);
	d->proxy = NULL;
	events_close(&d->ev);
	joiner_close(d->join);
	d->join = NULL;
	scan_free(&d->scan);
	proctbl_free(d->tbl);
	d->tbl = NULL;
	loop_close(&d->loop);
	/* the pins and the attached cgroups stay: the fast path needs no daemon;
	 * but a start that failed leaves no programs it loaded itself */
	if (d->ld && !d->ready && loader_created(d->ld)) {
		struct vs_loader_opts o = { .pin_root = d->cfg.pin_root };
		struct vs_err e = { "" };

		loader_close(d->ld);
		d->ld = NULL;
		if (loader_unload(&o, false, 0, &e))
			pr_warn("unload %s after the failed start: %s", d->cfg.pin_root, e.msg);
	}
	loader_close(d->ld);
	d->ld = NULL;
	cfg_free(&d->cfg);
}
