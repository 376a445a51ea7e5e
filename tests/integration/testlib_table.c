// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The socket table and global counters as tests check them. */
#include "testlib.h"

const char *tl_reason_name(unsigned int r)
{
	return vs_reason_name(r);
}

__u64 tl_cookie(int fd)
{
	__u64 c = 0;
	socklen_t l = sizeof(c);

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &l))
		return 0;
	return c;
}

struct tl_find {
	__u64 cookie;
	struct vs_sock_entry *out;
	int found;
	long count;
};

static int tl_find_cb(const struct vs_sock_entry *e, void *ctx)
{
	struct tl_find *f = ctx;

	f->count++;
	if (f->cookie && e->cookie == f->cookie) {
		*f->out = *e;
		f->found = 1;
		return 1;
	}
	return 0;
}

/* Socket-table entry by cookie, through loader_for_each_socket(). */
int tl_entry_by_cookie(__u64 cookie, struct vs_sock_entry *e)
{
	struct tl_find f = { .cookie = cookie, .out = e };
	int r;

	memset(e, 0, sizeof(*e));
	if (!cookie)
		return -EINVAL;
	r = loader_for_each_socket(tl.ld, tl_find_cb, &f);
	if (r < 0)
		return r;
	return f.found ? 0 : -ENOENT;
}

int tl_entry(int fd, struct vs_sock_entry *e)
{
	return tl_entry_by_cookie(tl_cookie(fd), e);
}

/* Entries in the socket table, or -errno. */
long tl_table_count(void)
{
	struct vs_sock_entry dummy;
	struct tl_find f = { .out = &dummy };
	int r = loader_for_each_socket(tl.ld, tl_find_cb, &f);

	return r < 0 ? r : f.count;
}

int tl_stats(__u64 out[VS_C_MAX])
{
	memset(out, 0, sizeof(__u64) * VS_C_MAX);
	return loader_read_stats(tl.ld, out);
}

void tl_entry_str(const struct vs_sock_entry *e, char *buf, size_t len)
{
	snprintf(buf, len,
		 "cookie=%llu peer=%llu status=%u tcp=%u reason=%s in_sockhash=%u tx_mode=%u "
		 "redir=%lluB/%llu pass=%lluB/%llu opts=%#x",
		 (unsigned long long)e->cookie, (unsigned long long)e->peer_cookie,
		 e->status, e->tcp_state, tl_reason_name(e->reason), e->in_sockhash,
		 e->tx_mode, (unsigned long long)e->tx_redir_bytes,
		 (unsigned long long)e->tx_redir_msgs,
		 (unsigned long long)e->tx_pass_bytes,
		 (unsigned long long)e->tx_pass_msgs, e->options);
}

/* One end of a vs_sock_key from a socket address, as the programs write
 * it (IPv4 as IPv4-mapped IPv6); returns the port in host order. */
static __u16 tl_key_end(const struct sockaddr_storage *a, __u8 ip[16])
{
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;

	if (a->ss_family == AF_INET) {
		vs_ip_from_v4(ip, a4->sin_addr.s_addr);
		return ntohs(a4->sin_port);
	}
	vs_ip_from_v6(ip, (const __u32 *)&a6->sin6_addr);
	return ntohs(a6->sin6_port);
}

/* The receiver facts (vs_rxstate) of fd: what its senders read about it.
 * Returns 0, or -ENOENT when it has none (not in the sockhash). */
int tl_rx_state(int fd, struct vs_rx_state *rx)
{
	struct sockaddr_storage l, p;
	socklen_t ll = sizeof(l), pl = sizeof(p), cl = sizeof(__u64);
	struct vs_sock_key k;
	__u64 netns = 0;

	memset(&k, 0, sizeof(k));
	if (getsockname(fd, (struct sockaddr *)&l, &ll) ||
	    getpeername(fd, (struct sockaddr *)&p, &pl) ||
	    getsockopt(fd, SOL_SOCKET, 71 /* SO_NETNS_COOKIE */, &netns, &cl))
		return -errno;
	k.netns_cookie = netns;
	k.local_port = tl_key_end(&l, k.local_ip);
	k.peer_port = tl_key_end(&p, k.peer_ip);
	return bpf_map_lookup_elem(loader_map_fd(tl.ld, VS_MAP_RXSTATE), &k, rx) ? -errno : 0;
}

/* Print the entry of fd as a diagnostic. */
void tl_show(const char *what, int fd)
{
	struct vs_sock_entry e;
	char s[400];

	if (tl_entry(fd, &e)) {
		tl_diag("%s: no socket-table entry (cookie %llu)", what,
			(unsigned long long)tl_cookie(fd));
		return;
	}
	tl_entry_str(&e, s, sizeof(s));
	tl_diag("%s: %s", what, s);
}

/* Fails the case unless fd's entry is on the fast path: in the sockhash,
 * reason none, and (if min_redir) at least min_redir bytes redirected. */
bool tl_check_accel(const char *what, int fd, __u64 min_redir, int line)
{
	struct vs_sock_entry e;
	char s[400];
	int r = tl_entry(fd, &e);

	if (r) {
		tl_fail_at(line, "%s: no socket-table entry: %s", what, strerror(-r));
		return false;
	}
	tl_entry_str(&e, s, sizeof(s));
	if (!e.in_sockhash || e.reason != VS_R_NONE || e.tx_redir_bytes < min_redir) {
		tl_fail_at(line, "%s not accelerated (want in_sockhash=1 reason=none redir>=%llu): %s",
			   what, (unsigned long long)min_redir, s);
		return false;
	}
	return true;
}

int tl_accounting(const char *what, int fd, __u64 sent, struct vs_sock_entry *e,
		  char *why, size_t len)
{
	struct vs_sock_entry own;
	char s[400];
	int r;

	if (!e)
		e = &own;
	/* a direct lookup, not a table walk: duplex checks thousands */
	r = loader_lookup_socket(tl.ld, tl_cookie(fd), e);
	if (r) {
		snprintf(why, len, "%s: no socket-table entry: %s", what, strerror(-r));
		return -1;
	}
	if (e->tx_redir_bytes + e->tx_pass_bytes != sent) {
		tl_entry_str(e, s, sizeof(s));
		snprintf(why, len, "%s: send() accepted %llu B but redir+pass = %llu B (%+lld) "
			 "were counted: %s", what, (unsigned long long)sent,
			 (unsigned long long)(e->tx_redir_bytes + e->tx_pass_bytes),
			 (long long)(e->tx_redir_bytes + e->tx_pass_bytes - sent), s);
		return -1;
	}
	return 0;
}

bool tl_check_accounting(const char *what, int fd, __u64 sent, int line)
{
	char why[600];

	if (!tl_accounting(what, fd, sent, NULL, why, sizeof(why)))
		return true;
	tl_fail_at(line, "%s", why);
	return false;
}
