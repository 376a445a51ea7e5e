// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* handles: vsockd's handle tables. Without PID, the master table (one row
 * per process); with PID, that process's private table: its descriptors,
 * each with the socket cookie it refers to and what the socket table says
 * about that socket now. Only vsockd has these tables. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "ctlsock.h"
#include "fmt.h"

static const char *const procs_cols[] = {
	"PID", "Command", "Cgroup", "Handles", "Accelerated", NULL,
};

static const char *const handle_cols[] = {
	"FD", "Cookie", "Status", "State", "Local", "Peer", "Path", "Reason",
	"TX-Redir", "TX-Pass", NULL,
};

static __u64 jnum(json_t *o, const char *key)
{
	return (__u64)json_integer_value(json_object_get(o, key));
}

static const char *jstring(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A JSON string member, or null. */
static void add_str(struct out_row *r, const char *col, const char *key,
		    json_t *o, const char *member)
{
	const char *s = jstring(o, member);

	if (s)
		out_str(r, col, key, s);
	else
		out_null(r, col, key);
}

/* {"address", "port"} back into a cell like `sockets` prints. */
static void add_addr(struct out_row *r, const char *col, const char *addr_key,
		     const char *port_key, json_t *a)
{
	const char *s = jstring(a, "address");
	__u8 ip[16] = { 0 };
	char buf[FMT_ADDR_LEN];
	__u16 port = (__u16)jnum(a, "port");

	if (!s) {
		out_cell(r, col, "-", false);
		out_null(r, NULL, addr_key);
		out_null(r, NULL, port_key);
		return;
	}
	if (strchr(s, ':')) {
		inet_pton(AF_INET6, s, ip);
	} else {
		ip[10] = ip[11] = 0xff;
		inet_pton(AF_INET, s, ip + 12);
	}
	out_cell(r, col, fmt_addr(buf, sizeof(buf), ip, port), false);
	out_str(r, NULL, addr_key, s);
	out_num(r, NULL, port_key, port, NULL);
}

static void add_tx(struct out_row *r, json_t *tx)
{
	static const char *const keys[4] = {
		"tx.redirected_bytes", "tx.redirected_msgs",
		"tx.passed_bytes", "tx.passed_msgs",
	};
	char b[16], cell[48];
	__u64 v[4];
	int i;

	for (i = 0; i < 4; i++) {
		v[i] = jnum(tx, keys[i] + 3);
		out_num(r, NULL, keys[i], v[i], NULL);
	}
	snprintf(cell, sizeof(cell), "%s/%llu", fmt_bytes(b, sizeof(b), v[0]),
		 (unsigned long long)v[1]);
	out_cell(r, "TX-Redir", cell, true);
	snprintf(cell, sizeof(cell), "%s/%llu", fmt_bytes(b, sizeof(b), v[2]),
		 (unsigned long long)v[3]);
	out_cell(r, "TX-Pass", cell, true);
}

static void add_options(struct out_row *r, json_t *opts)
{
	char csv[128] = "";
	size_t i, off = 0;
	json_t *o;

	json_array_foreach(opts, i, o)
		if (json_is_string(o) && off < sizeof(csv))
			off += snprintf(csv + off, sizeof(csv) - off, "%s%s",
					off ? "," : "", json_string_value(o));
	out_list(r, NULL, "options", csv);
}

static void add_handle(struct ctl *ctl, struct out_sect *t, json_t *h)
{
	struct out_row *r = out_row_add(&ctl->doc, t);
	bool accel = json_is_true(json_object_get(h, "accelerated"));
	const char *reason = jstring(h, "reason");
	json_t *peer = json_object_get(h, "peer_cookie");

	out_num(r, "FD", "fd", jnum(h, "fd"), NULL);
	out_num(r, "Cookie", "cookie", jnum(h, "cookie"), NULL);
	if (json_is_integer(peer))
		out_num(r, NULL, "peer_cookie", jnum(h, "peer_cookie"), NULL);
	else
		out_null(r, NULL, "peer_cookie");
	/* null: the socket left the table after the daemon saw the fd */
	add_str(r, "Status", "status", h, "status");
	add_str(r, "State", "tcp_state", h, "tcp_state");
	add_addr(r, "Local", "local.address", "local.port", json_object_get(h, "local"));
	add_addr(r, "Peer", "remote.address", "remote.port", json_object_get(h, "remote"));
	out_bool(r, NULL, "accelerated", accel);
	add_str(r, "Path", "path", h, "path");
	if (reason)
		out_str(r, NULL, "reason", reason);
	else
		out_null(r, NULL, "reason");
	out_cell(r, "Reason", !reason ? "-" : strcmp(reason, "none") ? reason :
		 accel ? "accelerated" : "-", false);
	add_options(r, json_object_get(h, "options"));
	if (json_is_object(json_object_get(h, "tx"))) {
		add_tx(r, json_object_get(h, "tx"));
	} else {
		out_cell(r, "TX-Redir", "-", true);
		out_cell(r, "TX-Pass", "-", true);
		out_null(r, NULL, "tx");
	}
}

static void add_proc_fields(struct out_row *r, json_t *p, bool table)
{
	out_num(r, table ? "PID" : "pid", "pid", jnum(p, "pid"), NULL);
	out_num(r, NULL, "start_time", jnum(p, "start_time"), NULL);
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
		out_num(r, "Handles", "handles", jnum(p, "handles"), NULL);
		out_num(r, "Accelerated", "accelerated", jnum(p, "accelerated"), NULL);
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
	out_num(r, "accelerated", "accelerated", jnum(reply, "accelerated"), NULL);
	if (jnum(reply, "dropped"))
		out_num(r, "left out (over a bound)", "dropped", jnum(reply, "dropped"), NULL);
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

	if (argc > 2)
		return ctl_errf(ctl, -EINVAL, "handles: unexpected argument '%s'; see 'vsockctl help handles'",
				argv[2]);
	if (argc == 2 && arg_u64(argv[1], 1, INT_MAX, &pid))
		return ctl_errf(ctl, -EINVAL, "handles: invalid pid '%s': expected a positive integer",
				argv[1]);
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
