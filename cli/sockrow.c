// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A socket as a table row, read from its JSON (lib/sockjson.c): `sockets`
 * builds that JSON from the socket table, `handles` gets it from vsockd,
 * and both print it through here, so the two show a socket alike. */
#include <string.h>
#include "cmd.h"
#include "fmt.h"
#include "jsonstr.h"

/* {"address", "port"} as "a.b.c.d:port"; "-" when absent. */
static void addr_cell(struct out_row *r, const char *col, const json_t *a)
{
	const char *host = json_get_str(a, "address");
	char buf[FMT_ADDR_LEN];

	out_cell(r, col, host ? fmt_hostport(buf, sizeof(buf), host, json_get_u64(a, "port")) : "-",
		 false);
}

/* "bytes/msgs" (bytes only for the receive side); "-" when absent. */
static void counter_cell(struct out_row *r, const char *col, const json_t *dir,
			 const char *what, bool with_msgs)
{
	char key[32], b[16], cell[48];

	if (!json_is_object(dir)) {
		out_cell(r, col, "-", true);
		return;
	}
	snprintf(key, sizeof(key), "%s_bytes", what);
	fmt_bytes(b, sizeof(b), json_get_u64(dir, key));
	snprintf(key, sizeof(key), "%s_msgs", what);
	if (with_msgs)
		snprintf(cell, sizeof(cell), "%s/%llu", b, (unsigned long long)json_get_u64(dir, key));
	else
		snprintf(cell, sizeof(cell), "%s", b);
	out_cell(r, col, cell, true);
}

/* The Process column from "pid" and "comm", as fmt_owner() writes it. */
static void owner_cell(struct out_row *r, const json_t *sock)
{
	const char *c = json_get_str(sock, "comm");
	char comm[16] = "", buf[64];

	if (c)
		memcpy(comm, c, strnlen(c, sizeof(comm)));
	out_cell(r, "Process", fmt_owner(buf, sizeof(buf), json_get_u64(sock, "pid"), comm), false);
}

static void options_cell(struct out_row *r, const json_t *opts)
{
	char csv[128] = "";
	size_t i, off = 0;
	json_t *o;

	json_array_foreach(opts, i, o)
		if (json_is_string(o) && off < sizeof(csv))
			off += snprintf(csv + off, sizeof(csv) - off, "%s%s",
					off ? "," : "", json_string_value(o));
	out_cell(r, "Options", csv, false);
}

void sock_row(struct out_row *r, json_t *sock)
{
	const char *reason = json_get_str(sock, "reason");
	bool accel = json_is_true(json_object_get(sock, "accelerated"));
	char buf[24], rbuf[48];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)json_get_u64(sock, "cookie"));
	out_cell(r, "Cookie", buf, true);
	/* null status: the socket left the table after vsockd saw its fd */
	out_cell(r, "Status", json_get_str(sock, "status"), false);
	out_cell(r, "State", json_get_str(sock, "tcp_state"), false);
	addr_cell(r, "Local", json_object_get(sock, "local"));
	addr_cell(r, "Peer", json_object_get(sock, "remote"));
	owner_cell(r, sock);
	out_cell(r, "Path", json_get_str(sock, "path"), false);
	/* a policy deny names its rule: "policy:3" */
	if (reason && json_get_u64(sock, "rule"))
		snprintf(rbuf, sizeof(rbuf), "%s:%llu", reason,
			 (unsigned long long)json_get_u64(sock, "rule"));
	else
		snprintf(rbuf, sizeof(rbuf), "%s", !reason ? "-" : strcmp(reason, "none") ? reason :
			 accel ? "accelerated" : "-");
	out_cell(r, "Reason", rbuf, false);
	counter_cell(r, "TX-Redir", json_object_get(sock, "tx"), "redirected", true);
	counter_cell(r, "TX-Pass", json_object_get(sock, "tx"), "passed", true);
	counter_cell(r, "RX-Redir", json_object_get(sock, "rx"), "redirected", false);
	counter_cell(r, "RX-Pass", json_object_get(sock, "rx"), "passed", false);
	options_cell(r, json_object_get(sock, "options"));
	out_json(r, NULL, sock);
}
