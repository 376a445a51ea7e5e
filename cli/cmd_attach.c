// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* attach and detach: the commands that change where the programs are
 * attached. Both go through vsockd when it runs (it keeps its view of
 * the attached cgroups and logs the change), else through the loader. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "ctlsock.h"

/* vsockd runs elsewhere: relative paths must become absolute. A path that
 * no longer exists (a removed cgroup, for detach) is kept as typed. */
static void abs_path(const char *p, char *out, size_t len)
{
	char cwd[PATH_MAX], *rp = realpath(p, NULL);

	if (rp) {
		snprintf(out, len, "%s", rp);
		free(rp);
	} else if (p[0] != '/' && getcwd(cwd, sizeof(cwd))) {
		if (snprintf(out, len, "%s/%s", cwd, p) >= (int)len)
			snprintf(out, len, "%s", p);	/* vsockd refuses it */
	} else {
		snprintf(out, len, "%s", p);
	}
}

/* Ask vsockd to attach or detach. Returns 1 when vsockd does not run (or
 * works on other pins, or this user may not reach its socket): the caller
 * then uses the loader itself. Otherwise 0 with *changed set, or a
 * negative errno with ctl->err set. */
static int via_daemon(struct ctl *ctl, const char *verb, const char *cg,
		      __u64 max_queued, bool *changed)
{
	struct vs_loader_opts o;
	char path[PATH_MAX], err[CTL_ERR_LEN];
	json_t *req, *reply = NULL;
	int r;

	ctl_loader_opts(ctl, &o);
	abs_path(cg, path, sizeof(path));
	req = json_pack("{s:s, s:s, s:s}", "request", verb, "cgroup", path,
			"pin_root", loader_pin_root(&o));
	if (req && max_queued)
		json_object_set_new(req, "max_queued", json_integer((json_int_t)max_queued));
	r = ctlsock_call(ctlsock_path(), req, &reply, CTLSOCK_TIMEOUT_MS, err, sizeof(err));
	json_decref(req);
	if (r == -ENOTCONN || r == -EACCES || r == -EPERM)
		return 1;
	if (r)
		return ctl_errf(ctl, r, "%s", err);
	r = ctlsock_reply_err(reply, err, sizeof(err));
	*changed = json_is_true(json_object_get(reply, "changed"));
	json_decref(reply);
	if (r == -EXDEV)
		return 1;	/* vsockd serves other pins than ours */
	if (r == -ENOENT && !strcmp(verb, "detach"))
		return ctl_errf(ctl, r, "%s: not attached", cg);
	if (r)
		return ctl_errf(ctl, r, "vsockd: %s", err);
	return 0;
}

/* attach is idempotent: a second attach is a success that changed nothing */
static void attach_done(struct ctl *ctl, const char *cg, bool already, bool secure)
{
	struct out_row *r;

	if (already)
		out_textf(&ctl->doc, "%s: already attached", cg);
	else
		out_textf(&ctl->doc, "attached %s%s", cg, secure ? " (secure)" : "");
	r = out_record(&ctl->doc, NULL, NULL);
	out_str(r, NULL, "cgroup", cg);
	out_bool(r, NULL, "attached", true);
	out_bool(r, NULL, "changed", !already);
	if (secure)
		out_bool(r, NULL, "secure", true);
}

/* The --allow-cgroup paths, checked before the attach: a bad one must
 * leave nothing behind. */
static int check_allowed(struct ctl *ctl, const struct attach_args *a)
{
	int i, err;

	for (i = 0; i < a->nallow; i++) {
		struct vs_err e = { "" };

		if ((err = loader_check_cgroup(a->allow[i], &e)))
			return ctl_errf(ctl, err, "attach: --allow-cgroup %s", e.msg);
	}
	return 0;
}

/* Secure mode, once the cgroup is attached (by vsockd or by us). */
static int attach_secure(struct ctl *ctl, struct vs_loader *ld, const char *cg,
			 const struct attach_args *a)
{
	struct vs_loader *own = NULL;
	struct vs_err e = { "" };
	int err;

	if (!a->secure)
		return 0;
	if (!ld && (err = ctl_open(ctl, &own, false)))
		return err;
	err = loader_set_secure(ld ? ld : own, cg, a->allow, a->nallow, &e);
	loader_close(own);
	if (err)
		return ctl_errf(ctl, err, "attach --secure: %s", e.msg[0] ? e.msg : strerror(-err));
	return 0;
}

int do_attach(struct ctl *ctl, int argc, char **argv)
{
	struct attach_args a = { 0 };
	struct vs_loader *ld = NULL;
	struct vs_err e = { "" };
	bool changed = false;
	const char *cg;
	int err;

	if ((err = attach_parse(ctl, argc, argv, &a)) || (err = check_allowed(ctl, &a)))
		return err;
	cg = a.cgroup;
	/* a bad path must not leave programs loaded behind it */
	err = loader_check_cgroup(cg, &e);
	if (err)
		return ctl_loader_err(ctl, err, &e);
	err = via_daemon(ctl, "attach", cg, a.max_queued, &changed);
	if (err <= 0) {
		if (!err && !(err = attach_secure(ctl, NULL, cg, &a)))
			attach_done(ctl, cg, !changed && !a.secure, a.secure);
		return err;
	}
	ctl->max_queued = a.max_queued;
	err = ctl_open(ctl, &ld, true);
	if (err)
		return err;
	err = loader_attach(ld, cg, &e);
	if (err < 0) {
		ctl_loader_err(ctl, err, &e);
		if (loader_created(ld)) {
			struct vs_loader_opts o;
			struct vs_err ignored;

			loader_close(ld);
			ld = NULL;
			ctl_loader_opts(ctl, &o);
			loader_unload(&o, true, 0, &ignored);
		}
		goto out;
	}
	changed = err != 1;
	if ((err = attach_secure(ctl, ld, cg, &a)))
		goto out;
	attach_done(ctl, cg, !changed && !a.secure, a.secure);
	if (a.max_queued && (err = loader_set_max_queued(ld, a.max_queued)))
		ctl_errf(ctl, err, "set max_queued: %s", strerror(-err));
out:
	loader_close(ld);
	return err;
}

static void detach_done(struct ctl *ctl, const char *cg)
{
	struct out_row *r;

	out_textf(&ctl->doc, "detached %s", cg);
	r = out_record(&ctl->doc, NULL, NULL);
	out_str(r, NULL, "cgroup", cg);
	out_bool(r, NULL, "detached", true);
}

int do_detach(struct ctl *ctl, int argc, char **argv)
{
	struct vs_loader *ld = NULL;
	struct vs_err e = { "" };
	bool changed;
	const char *cg;
	int err;

	err = arg_one(ctl, "detach", "CGROUP", argc, argv, &cg);
	if (err)
		return err;
	err = via_daemon(ctl, "detach", cg, 0, &changed);
	if (err <= 0) {
		if (!err)
			detach_done(ctl, cg);
		return err;
	}
	err = ctl_open(ctl, &ld, false);
	if (err)
		return err;
	err = loader_detach(ld, cg, &e);
	if (err == -ENOENT && !e.msg[0]) {
		ctl_errf(ctl, err, "%s: not attached", cg);
		goto out;
	}
	if (err) {
		ctl_loader_err(ctl, err, &e);
		goto out;
	}
	detach_done(ctl, cg);
out:
	loader_close(ld);
	return err;
}
