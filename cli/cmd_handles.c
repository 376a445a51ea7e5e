// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* handles: vsockd's handle tables. Without PID, the master table (one row
 * per process); with PID, that process's private table: its descriptors,
 * each with the socket cookie it refers to and what the socket table says
 * about that socket now. Only vsockd has these tables. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "ctlsock.h"
#include "jsonstr.h"

static const char *const procs_cols[] = {
	"PID", "Command", "Cgroup", "Handles", "Accelerated", NULL,
};

static const char *const handle_cols[] = {
	"FD", "Cookie", "Status", "State", "Local", "Peer", "Path", "Reason",
	"TX-Redir", "TX-Pass", NULL,
};

/* A JSON string member, or null. */
static void add_str(struct out_row *r, const char *col, const char *key,
		    json_t *o, const char *member)
{
	const char *s = json_get_str(o, member);

	if (s)
		out_str(r, col, key, s);
	else
		out_null(r, col, key);
}

/* A handle is its fd, then the socket as `sockets` shows it. */
static void add_handle(struct ctl *ctl, struct out_sect *t, json_t *h)
{
	struct out_row *r = out_row_add(&ctl->doc, t);

	out_num(r, "FD", NULL, json_get_u64(h, "fd"), NULL);
	sock_row(r, json_incref(h));
}

static void add_proc_fields(struct out_row *r, json_t *p, bool table)
{
	out_num(r, table ? "PID" : "pid", "pid", json_get_u64(p, "pid"), NULL);
	out_num(r, NULL, "start_time", json_get_u64(p, "start_time"), NULL);
	add_str(r, table ? "Command" : "command", "comm", p, "comm");
	add_str(r, table ? "Cgroup" : "cgroup", "cgroup", p, "cgroup");
}

static void add_processes(struct ctl *ctl, json_t *reply)
{
	struct out_sect *t = out_table(&ctl->doc, NULL, NULL, procs_cols);
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(reply, "processes"), i, p) {
		struct out_row *r = out_row_add(&ctl->doc, t);

		add_proc_fields(r, p, true);
		out_num(r, "Handles", "handles", json_get_u64(p, "handles"), NULL);
		out_num(r, "Accelerated", "accelerated", json_get_u64(p, "accelerated"), NULL);
	}
}

static void add_private(struct ctl *ctl, json_t *reply)
{
	struct out_row *r = out_record(&ctl->doc, NULL, NULL);
	struct out_sect *t;
	json_t *h;
	size_t i;

	add_proc_fields(r, reply, false);
	out_num(r, "handles", NULL, json_array_size(json_object_get(reply, "handles")), NULL);
	out_num(r, "accelerated", "accelerated", json_get_u64(reply, "accelerated"), NULL);
	if (json_get_u64(reply, "dropped"))
		out_num(r, "left out (over a bound)", "dropped", json_get_u64(reply, "dropped"), NULL);
	else
		out_num(r, NULL, "dropped", 0, NULL);
	t = out_table(&ctl->doc, "handles", NULL, handle_cols);
	json_array_foreach(json_object_get(reply, "handles"), i, h)
		add_handle(ctl, t, h);
}

int do_handles(struct ctl *ctl, int argc, char **argv)
{
	char err[CTL_ERR_LEN];
	json_t *req, *reply = NULL;
	__u64 pid = 0;
	int r;

	r = handles_parse(ctl, argc, argv, &pid);
	if (r)
		return r;
	req = pid ? json_pack("{s:s, s:I}", "request", "handles", "pid", (json_int_t)pid) :
		    json_pack("{s:s}", "request", "handles");
	r = ctlsock_call(ctlsock_path(), req, &reply, CTLSOCK_TIMEOUT_MS, err, sizeof(err));
	json_decref(req);
	if (r == -ENOTCONN)
		return ctl_errf(ctl, r, "'handles' needs vsockd: %s", err);
	if (r)
		return ctl_errf(ctl, r, "%s", err);
	r = ctlsock_reply_err(reply, err, sizeof(err));
	if (r)
		ctl_errf(ctl, r, "vsockd: %s", err);
	else if (pid)
		add_private(ctl, reply);
	else
		add_processes(ctl, reply);
	json_decref(reply);
	return r;
}
