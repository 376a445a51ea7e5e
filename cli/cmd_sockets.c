// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sockets: the socket table, like ss. Filters are keywords (iproute2
 * style), AND-ed; receive counters come from the peer's send counters,
 * since a redirected byte is counted once, by its sender. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "vsock/names.h"
#include "cmd.h"
#include "sockjson.h"

static const char *const sockets_cols[] = {
	"Cookie", "Status", "State", "Local", "Peer", "Process", "Path",
	"Reason", "TX-Redir", "TX-Pass", "RX-Redir", "RX-Pass", "Options", NULL,
};

bool sockets_match(const struct sock_filter *f, const struct vs_sock_entry *e)
{
	if (f->cgroup && e->cgroup_id != f->cgroup_id &&
	    e->attach_cgroup_id != f->cgroup_id)
		return false;
	if (f->pid && e->owner_tgid != f->pid)
		return false;
	if (f->status >= 0 && e->status != f->status)
		return false;
	if (f->port && e->local.port != f->port && e->remote.port != f->port)
		return false;
	return true;
}

/* Every entry, sorted by cookie so peers can be found by bsearch and the
 * output is stable between runs. */
struct sock_list {
	struct vs_sock_entry *e;
	size_t n, cap;
	int err;
};

static int collect(const struct vs_sock_entry *e, void *ctx)
{
	struct sock_list *l = ctx;
	struct vs_sock_entry *tmp;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		tmp = realloc(l->e, l->cap * sizeof(*l->e));
		if (!tmp) {
			l->err = -ENOMEM;
			return 1;
		}
		l->e = tmp;
	}
	l->e[l->n++] = *e;
	return 0;
}

static int cmp_cookie(const void *a, const void *b)
{
	const struct vs_sock_entry *x = a, *y = b;

	return x->cookie < y->cookie ? -1 : x->cookie > y->cookie;
}

static const struct vs_sock_entry *find(const struct sock_list *l, __u64 cookie)
{
	struct vs_sock_entry key = { .cookie = cookie };

	if (!cookie)
		return NULL;
	return bsearch(&key, l->e, l->n, sizeof(*l->e), cmp_cookie);
}

/* The socket's JSON, with "rx" from the peer's send counters. */
static void add_socket(struct ctl *ctl, struct out_sect *t,
		       const struct vs_sock_entry *e, const struct vs_sock_entry *peer)
{
	json_t *j = vs_sock_to_json(e);

	json_object_set_new(j, "rx", peer ? vs_sock_tx_json(peer) : json_null());
	sock_row(out_row_add(&ctl->doc, t), j);
}

/* Under the table, text only: what each reason shown means and what would
 * let those sockets join the fast path. */
static void add_reason_legend(struct ctl *ctl, __u64 reasons)
{
	unsigned int i;

	for (i = 0; i < VS_R_MAX && i < 64; i++) {
		if (!(reasons & (1ull << i)) || !vs_reason_join(i))
			continue;
		out_textf(&ctl->doc, "%s: %s. To join: %s", vs_reason_name(i),
			  vs_reason_text(i), vs_reason_join(i));
	}
}

int do_sockets(struct ctl *ctl, int argc, char **argv)
{
	struct sock_list l = { 0 };
	struct vs_loader *ld = NULL;
	struct sock_filter f;
	struct out_sect *t;
	__u64 reasons = 0;	/* of the sockets shown off the fast path */
	size_t i;
	int err;

	err = sockets_parse_filter(ctl, argc, argv, &f);
	if (err)
		return err;
	if (f.cgroup) {
		err = loader_cgroup_id(f.cgroup, &f.cgroup_id);
		if (err)
			return ctl_errf(ctl, err, "cgroup '%s': %s", f.cgroup,
					strerror(-err));
	}
	err = ctl_open(ctl, &ld, false);
	if (err)
		return err;
	err = loader_for_each_socket(ld, collect, &l);
	if (l.err)
		err = l.err;
	if (err < 0) {
		ctl_errf(ctl, err, "read map %s: %s", loader_map_name(VS_MAP_SOCKTBL),
			 strerror(-err));
		goto out;
	}
	err = 0;
	qsort(l.e, l.n, sizeof(*l.e), cmp_cookie);
	t = out_table(&ctl->doc, NULL, NULL, sockets_cols);
	for (i = 0; i < l.n; i++) {
		if (!sockets_match(&f, &l.e[i]))
			continue;
		add_socket(ctl, t, &l.e[i], find(&l, l.e[i].peer_cookie));
		if (!l.e[i].in_sockhash && l.e[i].reason < 64)
			reasons |= 1ull << l.e[i].reason;
	}
	add_reason_legend(ctl, reasons);
out:
	free(l.e);
	loader_close(ld);
	return err;
}
