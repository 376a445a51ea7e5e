// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sockops: classify a connection when it is established, put it into the
 * sockhash when both ends are local and safe to accelerate, and keep the
 * socket table's status in step with the TCP state machine. */
#include "join.bpf.h"
#include "status.bpf.h"
#include "svc.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline void key_from_ops(struct vs_sock_key *k,
					 struct bpf_sock_ops *ops, __u64 netns)
{
	__u32 l6[4] = { ops->local_ip6[0], ops->local_ip6[1],
			ops->local_ip6[2], ops->local_ip6[3] };
	__u32 r6[4] = { ops->remote_ip6[0], ops->remote_ip6[1],
			ops->remote_ip6[2], ops->remote_ip6[3] };

	vs_key_build(k, netns, ops->family, ops->local_ip4, l6,
		     ops->remote_ip4, r6, ops->local_port, ops->remote_port);
}

/* Entry of this socket; passive sockets get theirs here (no sock_create),
 * born established: no lookup of the entry they cannot have yet. */
static __always_inline struct vs_sock_entry *
entry_for(struct bpf_sock_ops *ops, __u64 cookie, bool active)
{
	struct vs_sock_entry *e = active ? vs_entry(cookie) : NULL;
	struct vs_sock_entry init = {};

	if (e)
		return e;
	init.cookie = cookie;
	init.family = ops->family;
	init.type = VS_SOCK_STREAM;
	init.protocol = VS_IPPROTO_TCP;
	init.created_ns = bpf_ktime_get_ns();
	init.status = VS_ST_CONNECTED;
	init.tcp_state = VS_TCP_ESTABLISHED;
	if (bpf_map_update_elem(&vs_socktbl, &cookie, &init, BPF_NOEXIST) &&
	    !vs_entry(cookie)) {
		vs_count(VS_C_SOCKTBL_FULL, 1);
		return NULL;
	}
	return vs_entry(cookie);
}

static __always_inline __u32 read_options(struct tcp_sock *tp, long fflags)
{
	__u32 opt = 0;

	if (fflags >= 0) {
		opt |= VS_OPT_HAS_FILE;
		if (fflags & VS_O_NONBLOCK)
			opt |= VS_OPT_NONBLOCK;
	}
	if (BPF_CORE_READ_BITFIELD_PROBED(tp, nonagle) & 1)	/* TCP_NAGLE_OFF */
		opt |= VS_OPT_NODELAY;
	if (BPF_CORE_READ(vs_sk(tp), __sk_common.skc_flags) & (1UL << SOCK_KEEPOPEN))
		opt |= VS_OPT_KEEPALIVE;
	return opt;
}

/* Remember where a listener lives, to predict its children's blocking
 * mode. vsock_destroy looks for listeners among sockets without a
 * connection state, and among those that listened after a connection
 * (connect(AF_UNSPEC), then listen()): marked here. */
static __always_inline void record_listener(struct bpf_sock_ops *ops)
{
	struct vs_listen_key lk = {
		.netns_cookie = bpf_get_netns_cookie(ops),
		.port = ops->local_port,
	};
	struct bpf_sock *sk = ops->sk;
	struct vs_sk_state *st;
	struct tcp_sock *tp;
	__u64 addr;

	if (!sk || !(tp = bpf_skc_to_tcp_sock(sk)))
		return;
	st = vs_state(sk);
	if (st)
		st->listened = 1;
	addr = (__u64)(unsigned long)tp;
	bpf_map_update_elem(&vs_listeners, &lk, &addr, BPF_ANY);
}

/* File flags of the listener that accepted this passive socket, as they are
 * now (servers often set O_NONBLOCK after listen()); -1 when unknown. The
 * stored address is only trusted while it is still a listener on the port. */
static __always_inline long listener_flags(struct bpf_sock_ops *ops)
{
	struct vs_listen_key lk = {
		.netns_cookie = bpf_get_netns_cookie(ops),
		.port = ops->local_port,
	};
	struct sock *lsk;
	__u64 *addr;

	addr = bpf_map_lookup_elem(&vs_listeners, &lk);
	if (!addr)
		return -1;
	lsk = (struct sock *)(unsigned long)*addr;
	if (BPF_CORE_READ(lsk, __sk_common.skc_state) != VS_TCP_LISTEN ||
	    BPF_CORE_READ(lsk, __sk_common.skc_num) != ops->local_port)
		return -1;
	return vs_file_flags_probed(lsk);
}

/* Why this socket must stay off the fast path, VS_R_NONE if it may join. */
static __always_inline __u8 classify(struct bpf_sock_ops *ops,
				     struct tcp_sock *tp, bool active,
				     long fflags, const struct vs_sock_key *peer)
{
	bool joiner = vs_joiner_alive(vs_get_meta());

	if (BPF_CORE_READ(tp, is_mptcp)) {
		vs_count(VS_C_MPTCP, 1);
		return VS_R_MPTCP;
	}
	if (BPF_CORE_READ(tp, inet_conn.icsk_ulp_ops)) {
		vs_count(VS_C_SKIP_ULP, 1);
		return VS_R_ULP;
	}
	/* A blocking reader of a socket in a sockmap gets spurious EAGAIN
	 * (tcp_bpf_recvmsg, 6.18). The active side has its file now; the
	 * passive side gets none before accept(): without a joiner, its mode
	 * is predicted from the listener's, whose O_NONBLOCK event loops pass
	 * on to what they accept. sk_msg re-checks both. */
	if (!active && !joiner) {
		fflags = listener_flags(ops);
		if (fflags < 0) {
			vs_count(VS_C_SKIP_LISTENER_UNKNOWN, 1);
			return VS_R_LISTENER_UNKNOWN;
		}
	}
	if (fflags >= 0 && !(fflags & VS_O_NONBLOCK)) {
		vs_count(VS_C_SKIP_BLOCKING, 1);
		return VS_R_BLOCKING;
	}
	/* With vsockd's joiner, every socket joins on its first use with a
	 * non-blocking file (join.bpf.h): a file may turn blocking between
	 * connect() and its first read (hiredis does), and a socket that is
	 * in the map then cannot leave before that read sleeps on tcp_bpf,
	 * with no callback in between. */
	if (joiner)
		return VS_R_NOT_USED;
	/* a psock queue makes it readable below the mark (plain TCP waits
	 * for it); set before connect(), or inherited from the listener */
	if (BPF_CORE_READ(vs_sk(tp), sk_rcvlowat) > 1) {
		vs_count(VS_C_SKIP_RCVLOWAT, 1);
		return VS_R_RCVLOWAT;
	}
	/* The active end is established first; a passive socket whose peer is
	 * not tracked could never be redirected to and would only pay tcp_bpf. */
	if (!active && !bpf_map_lookup_elem(&vs_rxstate, peer)) {
		vs_count(VS_C_SKIP_NO_PEER, 1);
		return VS_R_NO_PEER;
	}
	return VS_R_NONE;
}

/* Secure mode at establishment, for the passive end: may it meet its
 * (tracked) peer? An untracked peer is no fast-path peer anyway. */
static __always_inline bool secure_pair_ok(__u64 attach_cg, const struct vs_sock_key *peer)
{
	__u64 *peer_cg = bpf_map_lookup_elem(&vs_tracked, peer);

	return !peer_cg || vs_cgroup_pair_ok(attach_cg, *peer_cg);
}

static __always_inline __u8 insert_error_reason(long err)
{
	if (err == -VS_EBUSY) {
		vs_count(VS_C_SKIP_OTHER_MAP, 1);
		return VS_R_OTHER_MAP;
	}
	if (err == -VS_E2BIG || err == -VS_ENOMEM) {
		vs_count(VS_C_SKIP_MAP_FULL, 1);
		return VS_R_MAP_FULL;
	}
	vs_count(VS_C_SKIP_INSERT_ERR, 1);
	return VS_R_INSERT_FAILED;
}

/* Per-socket state for every connected socket (sk_msg reads it; the I/O
 * tracepoints use it to name the owner of an accepted socket). */
static __always_inline struct vs_sk_state *
sk_state(struct bpf_sock *sk, __u64 cookie, __u64 attach_cg,
	 const struct vs_sock_key *key, const struct vs_sock_key *peer,
	 const struct vs_sock_entry *e)
{
	struct vs_sk_state *st;

	st = bpf_sk_storage_get(&vs_skstate, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st)
		return NULL;
	st->cookie = cookie;
	st->attach_cg = attach_cg;
	st->key = *key;
	st->peer_key = *peer;
	st->tx_mode = VS_TX_UNDECIDED;
	st->tx_reason = VS_R_NONE;
	st->owner_known = e && e->owner_tgid;	/* sock_create named it */
	st->join_queued = 0;
	st->join_wait_rxq = 0;
	st->join_clock = 0;
	st->proxied = 0;
	return st;
}

/* In the map: also watch every segment it sends or receives. Redirected
 * traffic has none, so this costs only traffic already on TCP, and it is
 * where a sockops program (sk_msg cannot delete) sees that the fast path
 * is over. */
static __always_inline void mark_in_map(struct bpf_sock_ops *ops,
					struct bpf_sock *sk)
{
	struct vs_sk_state *st = vs_state(sk);

	if (st) {
		st->in_map = 1;
		st->joined_ns = bpf_ktime_get_ns();
	}
	bpf_sock_ops_cb_flags_set(ops, ops->bpf_sock_ops_cb_flags |
				  BPF_SOCK_OPS_STATE_CB_FLAG | VS_LEAVE_CB_FLAGS);
}

static __always_inline void on_established(struct bpf_sock_ops *ops, bool active)
{
	__u64 cookie, netns, own_cg = 0, attach_cg;
	struct vs_sk_state *st;
	struct vs_sock_key key, peer;
	struct vs_sock_entry *e;
	struct vs_svc_sk *svc;
	struct vs_rule_subject subj;
	struct vs_ctl *c = vs_get_ctl();
	struct vs_cgroup_cfg *cfg = NULL;
	struct tcp_sock *tp;
	struct bpf_sock *sk;
	long fflags, err;
	__u32 gen, uid, deny;
	__u8 reason;

	if (ops->family != VS_AF_INET && ops->family != VS_AF_INET6)
		return;
	sk = ops->sk;
	if (!sk)
		return;
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return;
	vs_count(VS_C_ESTABLISHED, 1);

	cookie = bpf_get_socket_cookie(ops);
	netns = bpf_get_netns_cookie(ops);
	key_from_ops(&key, ops, netns);
	vs_key_reverse(&peer, &key);
	attach_cg = vs_attached_ancestor(tp, &own_cg, &cfg);
	fflags = vs_file_flags(vs_sk(tp));

	e = entry_for(ops, cookie, active);
	if (e) {
		e->netns_cookie = netns;
		e->cgroup_id = own_cg;
		e->attach_cgroup_id = attach_cg;
		e->options = read_options(tp, fflags);
		vs_addr_set(&e->local, key.local_ip, key.local_port);
		vs_addr_set(&e->remote, key.peer_ip, key.peer_port);
	}
	/* follow state changes to keep the status current */
	bpf_sock_ops_cb_flags_set(ops, ops->bpf_sock_ops_cb_flags |
				  BPF_SOCK_OPS_STATE_CB_FLAG);

	svc = active ? vs_svc_on_active(sk) : NULL;
	if (vs_svc_proxied(sk, svc, &peer, active)) {
		vs_count(VS_C_SKIP_PROXIED, 1);
		reason = VS_R_PROXIED;
	} else {
		reason = vs_cgroup_cfg_off(c, cfg);
		if (reason == VS_R_DISABLED)
			vs_count(VS_C_SKIP_DISABLED, 1);
	}
	/* the policy rules: once now, again only when they change */
	gen = c ? c->policy_gen : 0;
	uid = BPF_CORE_READ(vs_sk(tp), sk_uid.val);
	vs_rule_subject_of(&subj, &key, active, uid, own_cg, attach_cg);
	deny = vs_rules_eval(gen, &subj, true);
	if (deny && reason == VS_R_NONE) {
		vs_count(VS_C_SKIP_POLICY, 1);
		reason = VS_R_POLICY;
	}
	if (reason == VS_R_NONE)
		reason = classify(ops, tp, active, fflags, &peer);
	/* secure mode: the passive end sees its peer's attached cgroup (a
	 * refused passive end evicts its active one, below) */
	if (!active && (reason == VS_R_NONE || reason == VS_R_NOT_USED) &&
	    !secure_pair_ok(attach_cg, &peer)) {
		vs_count(VS_C_SKIP_SECURE, 1);
		reason = VS_R_SECURE;
	}
	st = sk_state(sk, cookie, attach_cg, &key, &peer, e);
	if (st) {
		st->own_cg = own_cg;
		st->uid = uid;
		st->active = active;
		st->policy_gen = gen;
		st->policy_deny = deny;
	}
	/* vsockd finds where a proxied client wanted to go by its key; the
	 * entry goes with the socket (vsock_destroy), so only with a state */
	if (st && svc && svc->mode == VS_SVC_PROXY)
		st->proxied = vs_svc_record_orig(svc, &key, cookie);
	if (!st && reason == VS_R_NONE)
		reason = VS_R_NO_STATE;
	if (reason == VS_R_NONE && !vs_publish_rx(tp, cookie, attach_cg, &key))
		reason = VS_R_MAP_FULL;
	if (reason == VS_R_NONE) {
		err = bpf_sock_hash_update(ops, &vs_socks, &key, BPF_NOEXIST);
		if (err) {
			reason = insert_error_reason(err);
			bpf_map_delete_elem(&vs_rxstate, &key);
		} else {
			vs_count(VS_C_INSERTED, 1);
			mark_in_map(ops, sk);
			/* the receive verdict counts from copied_seq afresh */
			bpf_map_delete_elem(&vs_rxseq, &cookie);
		}
	}
	/* a refused passive end evicts its active one; one that waits for its
	 * file keeps it: the two may join together */
	if (!active && reason != VS_R_NONE && reason != VS_R_NO_PEER &&
	    reason != VS_R_NOT_USED && reason != VS_R_PROXIED)
		vs_leave_evict_peer(&peer, reason);
	if (st) {
		st->off_reason = reason;
		/* a proxied socket is no fast-path peer: its peer is never
		 * queued for the joiner on its account */
		if (reason != VS_R_PROXIED)
			bpf_map_update_elem(&vs_tracked, &key, &attach_cg, BPF_ANY);
	}
	if (!e)
		return;
	e->reason = reason;
	e->rule_id = reason == VS_R_POLICY ? deny : 0;
	e->in_sockhash = reason == VS_R_NONE;
	e->joined |= e->in_sockhash;
	if (reason == VS_R_NONE && !active)
		vs_link_peer(e, &peer);
	/* last: its event says whether it is accelerated, and why not */
	vs_set_tcp_state(e, VS_TCP_ESTABLISHED, VS_STF_ANNOUNCE);
}

/* in_task: the callback runs in the syscall of the socket's process
 * (listen, connect); state changes may run in softirq. */
static __always_inline struct vs_sock_entry *
follow_tcp_state(struct bpf_sock_ops *ops, __u8 tcp_state, bool in_task)
{
	struct vs_sock_entry *e = vs_entry(bpf_get_socket_cookie(ops));

	if (e)
		vs_set_tcp_state(e, tcp_state, in_task ? VS_STF_IN_TASK : 0);
	return e;
}

/* Once its process closed it (TERMINATED is final), a socket off the
 * sockhash has nothing left for us to follow: its entry keeps the TCP
 * state of this change until the kernel frees it. Nor has one the close
 * took out of the sockhash (no psock left): nothing can be redirected
 * into it and it has nothing to leave. Of the six state changes of a
 * connection, five come after the close() of their socket (FIN_WAIT1,
 * FIN_WAIT2, CLOSE; LAST_ACK, CLOSE), and an accelerated one also stops
 * the per-segment callbacks of its FIN and last ACKs. A socket whose
 * psock another thread still holds keeps them all: its leave needs them. */
static __always_inline void stop_following(struct bpf_sock_ops *ops,
					   struct vs_sock_entry *e)
{
	struct bpf_sock *bsk = ops->sk;
	struct vs_sk_state *st;
	struct tcp_sock *tp;

	if (!e || e->status != VS_ST_TERMINATED || !bsk)
		return;
	st = vs_state(bsk);
	if (e->in_sockhash || (st && st->in_map)) {
		tp = bpf_skc_to_tcp_sock(bsk);
		if (!tp || vs_psock(vs_sk(tp)))
			return;
		e->in_sockhash = 0;	/* the close unhashed it */
	}
	bpf_sock_ops_cb_flags_set(ops, ops->bpf_sock_ops_cb_flags &
				  ~(BPF_SOCK_OPS_STATE_CB_FLAG | VS_LEAVE_CB_FLAGS));
}

SEC("sockops")
int vsock_sockops(struct bpf_sock_ops *ops)
{
	switch (ops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		follow_tcp_state(ops, VS_TCP_SYN_SENT, true);
		vs_svc_on_connect(ops);
		break;
	case BPF_SOCK_OPS_TCP_LISTEN_CB:
		follow_tcp_state(ops, VS_TCP_LISTEN, true);
		record_listener(ops);
		break;
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		on_established(ops, true);
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		on_established(ops, false);
		break;
	case BPF_SOCK_OPS_STATE_CB:
		/* only clients of a service follow SYN_SENT (vs_svc_on_connect) */
		if (ops->args[0] == VS_TCP_SYN_SENT && ops->args[1] == VS_TCP_CLOSE)
			vs_svc_on_close(ops);
		vs_leave_on_callback(ops, ops->args[1], false);
		stop_following(ops, follow_tcp_state(ops, ops->args[1], false));
		break;
	case BPF_SOCK_OPS_HDR_OPT_LEN_CB:
		vs_leave_on_callback(ops, ops->state, true);
		break;
	case BPF_SOCK_OPS_PARSE_HDR_OPT_CB:
		vs_leave_on_callback(ops, ops->state, false);
		break;
	}
	return 1;
}
