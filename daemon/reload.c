// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Reload: the new config is applied in full or not at all (an attach
 * failure undoes its attaches); systemd hears RELOADING=1, then READY=1
 * either way. */
#include <stdio.h>
#include <string.h>
#include "apply.h"
#include "log.h"
#include "reload.h"
#include "status.h"

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
	vsd_notify_ready(d);
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
	r = apply_attach(d->ld, &c, &d->cfg, msg, sizeof(msg));
	if (r) {
		cfg_free(&c);
		return reload_failed(d, r, msg, err, errlen);
	}
	r = ctlsrv_set_access(&d->srv, c.control_mode, c.control_group[0], c.control_gid);
	if (r)
		pr_warn("reload: control socket mode/group: %s", strerror(-r));
	apply_detach_dropped(d->ld, &d->cfg, &c);
	/* after the attaches, which cannot be undone once rules changed */
	r = apply_services(d->ld, &c, &d->cfg, msg, sizeof(msg));
	if (r)
		pr_warn("reload: %s; the other services are applied", msg);
	if (apply_rules(d->ld, &c, &d->cfg, msg, sizeof(msg)))
		pr_warn("reload: %s; the rules in force stay", msg);
	lim = apply_limits_of(&c);
	proctbl_set_limits(d->tbl, &lim);
	events_reschedule(&d->ev, c.rescan_interval,
			  c.max_processes != d->cfg.max_processes ||
			  c.max_handles_per_process != d->cfg.max_handles_per_process ||
			  c.max_handles != d->cfg.max_handles);
	apply_policy(d->ld, &d->cfg, &c);
	if (c.max_sockets != d->cfg.max_sockets)
		pr_warn("reload: max_sockets applies when the maps are loaded; unload to change it");
	cfg_free(&d->cfg);
	d->cfg = c;
	apply_log_level(d->cli_level, &d->cfg);
	d->reloads++;
	d->last_reload_error[0] = '\0';
	vsd_notify_ready(d);
	pr_info("reloaded %s", d->cfg_path);
	return 0;
}
