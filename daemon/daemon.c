// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Start-up, reload and shutdown. The order of start-up matters: pins first
 * (loaded or adopted), then the configured cgroups, then the ring buffer
 * (so no event between the first rescan and the loop is missed), the first
 * rescan, the control socket, and only then READY=1. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include "log.h"
#include "vsockd.h"

/* The fast-path policy of [bpf] into vs_meta: all of it at start (old is
 * NULL), what changed at a reload (vsockctl tune may have set the rest). */
static void apply_policy(struct vsd *d, const struct cfg *old, const struct cfg *c)
{
	const char *when = old ? "reload: " : "";
	int r;

	if ((!old || c->max_queued != old->max_queued) &&
	    (r = loader_set_max_queued(d->ld, c->max_queued)))
		pr_warn("%sset max_queued: %s", when, strerror(-r));
	if ((!old || c->small_run != old->small_run) &&
	    (r = loader_set_small_run(d->ld, c->small_run)))
		pr_warn("%sset small_run: %s", when, strerror(-r));
	if ((!old || c->busy_poll != old->busy_poll) &&
	    (r = loader_set_busy_poll(d->ld, c->busy_poll)))
		pr_warn("%sset busy_poll: %s", when, strerror(-r));
}

static void apply_level(struct vsd *d)
{
	log_set_level(d->cli_level ? d->cli_level : d->cfg.log_level);
}

static struct proctbl_limits limits_of(const struct cfg *c)
{
	return (struct proctbl_limits){
		.max_procs = c->max_processes,
		.max_handles_per_proc = c->max_handles_per_process,
		.max_handles = c->max_handles,
	};
}

int vsd_attached_count(struct vsd *d)
{
	struct vs_attachment *a;
	struct vs_err e;
	int n = loader_list_attached_all(d->ld, &a, &e);

	free(a);
	return n;
}

/* Attach each cgroup of c that is not attached yet. On failure, the ones
 * this call attached are detached again and err says what failed. */
static int attach_all(struct vsd *d, const struct cfg *c, const struct cfg *old,
		      char *err, size_t errlen)
{
	struct vs_err e = { "" };
	bool *fresh;
	int i, r = 0;

	fresh = calloc(c->nattach ? c->nattach : 1, sizeof(*fresh));
	if (!fresh) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < c->nattach; i++) {
		fresh[i] = false;
		if (old && cfg_has_attach(old, c->attach[i]))
			continue;
		r = loader_check_cgroup(c->attach[i], &e);
		if (!r)
			r = loader_attach(d->ld, c->attach[i], &e);
		if (r < 0)
			break;
		fresh[i] = r == 0;
		pr_info("attached %s%s", c->attach[i], r == 1 ? " (already attached)" : "");
		r = 0;
	}
	if (r) {
		snprintf(err, errlen, "attach %s: %s", c->attach[i],
			 e.msg[0] ? e.msg : strerror(-r));
		while (--i >= 0)
			if (fresh[i])
				loader_detach(d->ld, c->attach[i], &e);
	}
	free(fresh);
	return r;
}

/* Cgroups the old config attached and the new one does not list. */
static void detach_dropped(struct vsd *d, const struct cfg *old, const struct cfg *c)
{
	struct vs_err e = { "" };
	int i, r;

	for (i = 0; i < old->nattach; i++) {
		if (cfg_has_attach(c, old->attach[i]))
			continue;
		r = loader_detach(d->ld, old->attach[i], &e);
		if (r && r != -ENOENT)
			pr_warn("detach %s: %s", old->attach[i], e.msg[0] ? e.msg : strerror(-r));
		else
			pr_info("detached %s (no longer in the config)", old->attach[i]);
	}
}

static int setup_fds(struct vsd *d)
{
	struct itimerspec its = {
		.it_interval = { 0, VSD_TICK_MS * 1000000L },
		.it_value = { 0, VSD_TICK_MS * 1000000L },
	};
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->epfd < 0 || d->sigfd < 0 || d->timerfd < 0)
		return -errno;
	if (timerfd_settime(d->timerfd, 0, &its, NULL))
		return -errno;
	r = vsd_epoll_add(d, d->sigfd, EPOLLIN, VSD_TAG(TAG_SIGNAL, 0));
	if (!r)
		r = vsd_epoll_add(d, d->timerfd, EPOLLIN, VSD_TAG(TAG_TIMER, 0));
	return r;
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

static __u64 now_us(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

/* Configured cgroups that are not cgroup v2 directories fail the start
 * before anything is loaded. */
static int check_cgroups(const struct cfg *c)
{
	struct vs_err e = { "" };
	int i, r;

	for (i = 0; i < c->nattach; i++) {
		r = loader_check_cgroup(c->attach[i], &e);
		if (r) {
			pr_err("attach %s: %s", c->attach[i], e.msg[0] ? e.msg : strerror(-r));
			return r;
		}
	}
	return 0;
}

int vsd_init(struct vsd *d)
{
	struct vs_loader_opts o = {
		.pin_root = d->cfg.pin_root,
		.max_socks = d->cfg.max_sockets,
		.max_queued = d->cfg.max_queued,
	};
	struct proctbl_limits lim = limits_of(&d->cfg);
	struct vs_err e = { "" };
	char err[CFG_ERR_LEN];
	__u64 t0 = now_us(CLOCK_MONOTONIC), c[VS_C_MAX];
	int r;

	d->epfd = d->sigfd = d->timerfd = -1;
	d->srv.lfd = -1;
	d->started_ms = vsd_now_ms();
	d->started_realtime_ns = now_us(CLOCK_REALTIME) * 1000;
	u64map_init(&d->dirty);
	u64map_init(&d->listeners);
	u64map_init(&d->listener_keys);
	apply_level(d);
	log_libbpf();
	raise_nofile(d->cfg.max_processes + CTLSRV_MAX_CLIENTS);

	r = check_cgroups(&d->cfg);
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
	apply_policy(d, NULL, &d->cfg);
	r = attach_all(d, &d->cfg, NULL, err, sizeof(err));
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
	d->scan.on_new_proc = events_watch_proc;
	d->scan.ctx = d;
	r = setup_fds(d);
	if (r) {
		pr_err("event loop: %s", strerror(-r));
		return r;
	}
	/* the joiner before the events: VS_EV_JOIN is among them */
	d->join = joiner_open(d->ld, d->scan.own_netns);
	if (!d->join)
		pr_warn("join-late: %s: accepted sockets are predicted from their listener",
			strerror(errno));
	r = events_open(d);
	if (r) {
		pr_err("ring buffer %s: %s", loader_map_name(VS_MAP_EVENTS), strerror(-r));
		return r;
	}
	d->srv.handler = (ctlsrv_handler)requests_handle;
	d->srv.ctx = d;
	r = ctlsrv_open(&d->srv, d->epfd, d->cfg.control_socket, d->cfg.control_mode,
			d->cfg.control_group[0], d->cfg.control_gid);
	if (r) {
		pr_err("control socket %s: %s%s", d->cfg.control_socket, strerror(-r),
		       r == -EADDRINUSE ? " (is another vsockd running?)" : "");
		return r;
	}
	/* losses before we ran are history: the first rescan covers them */
	if (!loader_read_stats(d->ld, c))
		d->events_lost = c[VS_C_EVENTS_LOST];
	scan_full(&d->scan);
	d->next_rescan_ms = vsd_now_ms() + d->cfg.rescan_interval * 1000ull;
	notify_init(d);
	d->ready_us = now_us(CLOCK_MONOTONIC) - t0;
	d->ready = true;
	notify_ready(d);
	pr_info("ready in %llu ms: %s", (unsigned long long)d->ready_us / 1000, d->status);
	return 0;
}

void vsd_fini(struct vsd *d)
{
	notify_stopping();
	ctlsrv_close(&d->srv);
	events_close(d);
	joiner_close(d->join);
	d->join = NULL;
	scan_free(&d->scan);
	proctbl_free(d->tbl);
	d->tbl = NULL;
	u64map_free(&d->dirty);
	u64map_free(&d->listeners);
	u64map_free(&d->listener_keys);
	if (d->timerfd >= 0)
		close(d->timerfd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->epfd >= 0)
		close(d->epfd);
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

/* Settings that only a restart can change keep their running value. */
static void keep_restart_only(const struct cfg *old, struct cfg *c)
{
	if (strcmp(old->pin_root, c->pin_root))
		pr_warn("reload: pin_root change to %s needs a restart; keeping %s",
			c->pin_root, old->pin_root);
	if (strcmp(old->control_socket, c->control_socket))
		pr_warn("reload: control_socket change to %s needs a restart; keeping %s",
			c->control_socket, old->control_socket);
	memcpy(c->pin_root, old->pin_root, sizeof(c->pin_root));
	memcpy(c->control_socket, old->control_socket, sizeof(c->control_socket));
}

static int reload_failed(struct vsd *d, int r, const char *err, char *out, size_t len)
{
	d->reload_failures++;
	snprintf(d->last_reload_error, sizeof(d->last_reload_error), "%s", err);
	snprintf(out, len, "%s", err);
	pr_err("reload: %s; keeping the running configuration", err);
	notify_ready(d);
	return r;
}

int vsd_reload(struct vsd *d, char *err, size_t errlen)
{
	struct proctbl_limits lim;
	struct cfg c;
	char msg[CFG_ERR_LEN];
	int r;

	notify_reloading();
	pr_info("reloading %s", d->cfg_path);
	r = cfg_load(&c, d->cfg_path, !d->cfg_explicit, msg, sizeof(msg));
	if (r)
		return reload_failed(d, r, msg, err, errlen);
	keep_restart_only(&d->cfg, &c);
	r = attach_all(d, &c, &d->cfg, msg, sizeof(msg));
	if (r) {
		cfg_free(&c);
		return reload_failed(d, r, msg, err, errlen);
	}
	r = ctlsrv_set_access(&d->srv, c.control_mode, c.control_group[0], c.control_gid);
	if (r)
		pr_warn("reload: control socket mode/group: %s", strerror(-r));
	detach_dropped(d, &d->cfg, &c);
	lim = limits_of(&c);
	proctbl_set_limits(d->tbl, &lim);
	if (c.max_processes != d->cfg.max_processes ||
	    c.max_handles_per_process != d->cfg.max_handles_per_process ||
	    c.max_handles != d->cfg.max_handles)
		d->need_rescan = true;
	d->next_rescan_ms = vsd_now_ms() + c.rescan_interval * 1000ull;
	apply_policy(d, &d->cfg, &c);
	if (c.max_sockets != d->cfg.max_sockets)
		pr_warn("reload: max_sockets applies when the maps are loaded; unload to change it");
	cfg_free(&d->cfg);
	d->cfg = c;
	apply_level(d);
	d->reloads++;
	d->last_reload_error[0] = '\0';
	notify_ready(d);
	pr_info("reloaded %s", d->cfg_path);
	return 0;
}
