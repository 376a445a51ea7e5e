/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* libvsockload: load, pin, adopt, attach, detach and unload vsock's BPF
 * objects. Used by vsockctl and vsockd alike. No printing policy, no argv:
 * functions return 0 or a negative errno and fill an error message buffer
 * (struct vs_err) that names object and action. libbpf's own messages go
 * to whatever the caller set with libbpf_set_print(). */
#ifndef VSOCK_LOADER_H
#define VSOCK_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "vsock/abi.h"
#include "vsock/maps.h"
#include "vsock/tunables.h"

/* The pin root when neither opts nor $VSOCK_PIN_ROOT name one: the build's
 * (make PIN_ROOT=..., which passes -DVS_PIN_ROOT), for vsockctl and
 * vsockd's configuration alike. */
#ifdef VS_PIN_ROOT
#define VS_PIN_ROOT_DEFAULT VS_PIN_ROOT
#else
#define VS_PIN_ROOT_DEFAULT "/sys/fs/bpf/vsock"
#endif

struct vs_err {
	char msg[512];		/* one line, no trailing newline; "" if none */
};

struct vs_loader_opts {
	const char *pin_root;	/* NULL: $VSOCK_PIN_ROOT or VS_PIN_ROOT_DEFAULT */
	__u64 max_queued;	/* 0: VS_MAX_QUEUED_DEFAULT; applied at load */
	__u32 max_socks;	/* entries of vs_socks, vs_socktbl, vs_rxstate;
				 * 0: VS_MAX_SOCKS_DEFAULT; applied at load only */
};

/* Result of one preflight check. */
struct vs_check {
	const char *name;	/* "btf", "cgroup2", "bpffs", "privileges", "prog:sockops", ... */
	bool ok;
	char detail[160];	/* path found, or why not */
};

#define VS_MAX_CHECKS 16
struct vs_preflight {
	int n;
	struct vs_check checks[VS_MAX_CHECKS];
	char cgroup2_root[256];	/* mount point of cgroup2, "" if none */
};

/* Run every check; never mounts anything. Returns 0 if all passed, else
 * -ENOTSUP (or -EPERM for privileges) with err naming the first failure. */
int loader_preflight(struct vs_preflight *pf, struct vs_err *err);

/* Whether FIONREAD on a sockhash member without an sk_skb verdict counts
 * the bytes TCP queued on it (false on 6.18.14+, the 929e30f93125
 * regression). Measured on a loopback pair in the caller's network
 * namespace; needs CAP_BPF. 0 or -errno. */
int loader_probe_fionread(bool *tcp_bytes_counted);

/* Mount point of the cgroup2 hierarchy from /proc/self/mountinfo. */
int loader_cgroup2_root(char *buf, size_t len);

/* Resolve the pin root (opts, $VSOCK_PIN_ROOT, default). */
const char *loader_pin_root(const struct vs_loader_opts *opts);

struct vs_loader;

/* Load the programs and pin them, or adopt what is pinned (after the ABI
 * check). With create=false only adopt: -ENOENT when nothing is pinned.
 * Mounts bpffs on /sys/fs/bpf when it is absent and create is true. */
int loader_open(struct vs_loader **ld, const struct vs_loader_opts *opts,
		bool create, struct vs_err *err);
void loader_close(struct vs_loader *ld);

/* loader_upgrade(): this build's programs in place of the pinned ones,
 * while connections run (loader/upgrade.c says how each kind is switched).
 * Refused (-EPROTO) when the pins are of another ABI: a layout change
 * needs the pins made again (docs/operations.md, "Upgrades"). */
#define LOADER_UPGRADE_DRY_RUN	1u	/* load and verify, change nothing */
#define LOADER_UPGRADE_FORCE	2u	/* switch programs whose code is the same too */
#define LOADER_UPGRADE_MAX	32
struct loader_upgrade_report {
	int programs;		/* of this build */
	int nchanged;		/* whose code differs from the pinned (or all,
				 * forced): switched, or to be switched (dry run) */
	char changed[LOADER_UPGRADE_MAX][48];
	int replaced;		/* switched */
	bool rolled_back;	/* a switch failed: every program is the old one */
};
int loader_upgrade(struct vs_loader *ld, unsigned int flags,
		   struct loader_upgrade_report *rep, struct vs_err *err);

/* loader_migrate(): pins of another ABI replaced by this build's
 * (loader/migrate.c): their kill switch drains the fast path (connections
 * go on over TCP), at most wait_ms; then the configuration (tunables,
 * cgroups, services, switches, policy, secure mode) is carried over by BTF
 * member names into a fresh load. -EBUSY with nothing changed when the
 * fast path did not drain in time. */
struct loader_migrate_report {
	int drained;		/* sockets on the old fast path at the start */
	int waited_ms;
	int cgroups;		/* attached again */
	int entries;		/* services, backends, rules, switches, allow-list
				 * pairs carried (not counting empty array slots) */
};
int loader_migrate(const struct vs_loader_opts *opts, int wait_ms,
		   struct loader_migrate_report *rep, struct vs_err *err);

/* 0 when cg_path is a cgroup v2 directory, else a negative errno with err
 * saying why (missing, not a directory, cgroup v1, not a cgroup). */
int loader_check_cgroup(const char *cg_path, struct vs_err *err);

/* True when loader_open() loaded and pinned the programs itself (nothing was
 * pinned before), so a caller whose next step fails can unload again. */
bool loader_created(const struct vs_loader *ld);

/* Attach all cgroup programs to the cgroup v2 directory cg_path through
 * pinned bpf_links. Already attached: returns 1 and changes nothing. */
int loader_attach(struct vs_loader *ld, const char *cg_path, struct vs_err *err);

/* Stop new redirects for the cgroup, then remove its links. Sockets already
 * accelerated keep their queued bytes and leave the map when they close.
 * cg_path may name a cgroup that no longer exists (matched by recorded path).
 * Not attached: -ENOENT. */
int loader_detach(struct vs_loader *ld, const char *cg_path, struct vs_err *err);

/* The kill switch (loader/killswitch.c): enabled=false stops every new
 * redirect at once, for the attached cgroup cg_path or, with cg_path NULL,
 * everywhere; joined sockets leave the sockhash without losing a byte
 * (bpf/leave.bpf.h) and their connections go on over TCP. enabled=true
 * lets new connections use the fast path again. Kept in the pinned maps.
 * 0 when it changed, 1 when it already was so, -ENOENT when cg_path is
 * not attached. */
int loader_set_fast_path(struct vs_loader *ld, const char *cg_path, bool enabled,
			 struct vs_err *err);
/* The switches (vs_ctl): flags & VS_CTL_DISABLED is the global kill switch. */
int loader_read_ctl(struct vs_loader *ld, struct vs_ctl *out);

/* Policy rules (loader/policy.c, vsock/rules.h), applied to new sockets at
 * once and to joined ones at their next message (they leave the sockhash
 * without losing a byte). add: r as policy_rule_parse() made it; its
 * cgroup path is resolved here (a precise error when it is no cgroup v2
 * directory) and r->id is set. -ENOSPC beyond VS_RULES_MAX rules. del:
 * -ENOENT when no rule has that id. replace: every rule of origin becomes
 * rules[0..n) (vsockd's [policy] section), the others stay. */
int loader_policy_add(struct vs_loader *ld, struct vs_rule *r, struct vs_err *err);
int loader_policy_del(struct vs_loader *ld, __u32 id, struct vs_err *err);
int loader_policy_replace(struct vs_loader *ld, __u8 origin, struct vs_rule *rules, int n,
			  struct vs_err *err);
/* A rule in force and the sockets it decided at establishment. */
struct vs_rule_info {
	struct vs_rule rule;
	__u64 hits;
};
/* The rules in force, in the order they decide, in *out (malloc'ed, NULL
 * when none); returns the count or a negative errno. */
int loader_policy_list(struct vs_loader *ld, struct vs_rule_info **out, struct vs_err *err);

/* Secure mode (loader/secure.c): sockets under the attached cgroup cg_path
 * are redirected only to peers under the same attached cgroup or one of
 * allow[0..nallow) (cgroup v2 directories, matched against the peer's
 * attached cgroup); every other connection of theirs stays on TCP. A
 * second call replaces the allow list. Kept until detach. */
#define VS_SECURE_ALLOW_MAX 16
int loader_set_secure(struct vs_loader *ld, const char *cg_path, const char *const *allow,
		      int nallow, struct vs_err *err);
/* The attached cgroups cg allows, at most max ids; the count or -errno. */
int loader_secure_allowed(struct vs_loader *ld, __u64 cg, __u64 *out, int max);

/* One attached cgroup. */
struct vs_attachment {
	__u64 cgroup_id;
	struct vs_cgroup_cfg cfg;	/* path relative to the cgroup2 root */
	bool exists;			/* the cgroup directory still exists */
};

/* Fill up to max attachments; returns the count or a negative errno. */
int loader_list_attached(struct vs_loader *ld, struct vs_attachment *out,
			 int max, struct vs_err *err);
/* Every attachment, in *out (malloc'ed, the caller frees it, NULL when
 * none); returns the count or a negative errno. */
int loader_list_attached_all(struct vs_loader *ld, struct vs_attachment **out,
			     struct vs_err *err);

/* Number of sockets currently in the sockhash. */
int loader_count_sockhash(struct vs_loader *ld);

/* Detach every cgroup and remove every pin. Refuses with -EBUSY while
 * sockets are still in the sockhash (their queued bytes would be dropped)
 * unless force; wait_ms > 0 first waits up to that long for them to close. */
int loader_unload(const struct vs_loader_opts *opts, bool force, int wait_ms,
		  struct vs_err *err);

/* File descriptors of the pinned maps, owned by the loader: one per line
 * of VS_MAPS (vsock/maps.h), VS_MAP_SOCKS for vs_socks and so on. */
enum vs_map_id {
#define VS_MAP_ID(id, name, key_size, sized) VS_MAP_##id,
	VS_MAPS(VS_MAP_ID)
#undef VS_MAP_ID
	VS_MAP_COUNT,
};
int loader_map_fd(struct vs_loader *ld, enum vs_map_id id);
const char *loader_map_name(enum vs_map_id id);
/* File descriptor of the pinned program called name (owned by the loader),
 * or -ENOENT. */
int loader_prog_fd(struct vs_loader *ld, const char *name);

/* Sum the per-CPU counters into out[VS_C_MAX]. */
int loader_read_stats(struct vs_loader *ld, __u64 out[VS_C_MAX]);
/* The relay verdict's per-CPU counters (vs_relay_ctr), summed. */
int loader_read_relay_counters(struct vs_loader *ld, __u64 out[VS_RC_MAX]);
/* Coverage by reason (abi.h, struct vs_coverage): closed sockets summed
 * over CPUs, plus the live connected ones of the socket table. */
int loader_read_coverage(struct vs_loader *ld, struct vs_coverage out[VS_R_MAX]);

/* The tunables (vsock/tunables.h), applied from the next message of every
 * connection. Values above the tunable's max: -ERANGE. max_queued: the
 * fast-path queue bound in bytes, > 0 (tests go below the users' 64 KiB
 * floor). small_run: small writes in a row before a direction passes for
 * good; busy_poll: busy-polled messages in a row before a reader leaves the
 * sockhash (vs_meta.spin_msgs); 0 turns either rule off. */
int loader_set_max_queued(struct vs_loader *ld, __u64 bytes);
int loader_set_small_run(struct vs_loader *ld, __u32 n);
int loader_set_busy_poll(struct vs_loader *ld, __u32 n);
/* Which socket events (VS_EV_BIT) the programs publish; 0 stops them all.
 * vsockd sets what it consumes and clears it when it stops. */
int loader_set_event_mask(struct vs_loader *ld, __u32 mask);

/* vsockd's joiner beats (alive) and stops beating (!alive). While it
 * beats, accepted sockets join on their own file flags. */
int loader_joiner_beat(struct vs_loader *ld, bool alive);
/* Whether the beat in m is recent: the same test the programs make
 * (VS_JOINER_TIMEOUT_NS). */
bool loader_joiner_alive(const struct vs_meta *m);

/* The joiner (loader/join.c): a link of the vsock_join iterator, created
 * once; each run reads a fresh iterator, which takes the sockets queued in
 * vs_joinq of the caller's network namespace into the sockhash, and a
 * second one when some joined with TCP bytes queued. */
int loader_join_link(struct vs_loader *ld);
int loader_join_run(int link_fd);
/* Sockets queued for the joiner (all namespaces), or -errno. */
int loader_join_queued(struct vs_loader *ld);

/* Read the metadata element (ABI version, tunables, joiner beat). */
int loader_read_meta(struct vs_loader *ld, struct vs_meta *out);

/* Iterate the socket table; cb returns non-zero to stop. */
typedef int (*vs_sock_cb)(const struct vs_sock_entry *e, void *ctx);
int loader_for_each_socket(struct vs_loader *ld, vs_sock_cb cb, void *ctx);
/* One socket-table entry by cookie (loader/lookup.c); -ENOENT if absent. */
int loader_lookup_socket(struct vs_loader *ld, __u64 cookie,
			 struct vs_sock_entry *out);

/* Cgroup id of a cgroup v2 directory (the kernfs node id). */
int loader_cgroup_id(const char *cg_path, __u64 *id);

/* Virtual services (loader/svc.c, vsock/svc.h). add: a rule that passed
 * svc_rule_check(); an existing service is -EEXIST unless replace, which
 * swaps its backends atomically (their health and counters start afresh).
 * del: -ENOENT when there is no such service. Established connections are
 * never touched. */
int loader_svc_add(struct vs_loader *ld, const struct vs_svc_rule *r, bool replace,
		   struct vs_err *err);
int loader_svc_del(struct vs_loader *ld, const struct vs_addr *svc, struct vs_err *err);
/* One service with its backends as the maps hold them. */
struct vs_svc_info {
	struct vs_svc_key key;
	struct vs_svc svc;
	int nbackends;
	struct vs_backend backends[VS_SVC_MAX_BACKENDS];
};
/* Every service, sorted by address, in *out (malloc'ed, NULL when none);
 * returns the count or a negative errno. */
int loader_svc_list(struct vs_loader *ld, struct vs_svc_info **out, struct vs_err *err);
/* vsockd's proxy listener for a network namespace (vs_proxy_listen): while
 * one is set, proxy-mode connects from that netns go to it. 0 or -errno. */
int loader_proxy_listen_set(struct vs_loader *ld, __u64 netns_cookie,
			    const struct vs_proxy_listen *v);
int loader_proxy_listen_del(struct vs_loader *ld, __u64 netns_cookie);
/* The original destination of the client whose connection the proxy
 * accepted, by the accepted socket's own key (netns cookie, its local and
 * peer address): 0, or -ENOENT when it is no proxied client. */
int loader_proxy_orig(struct vs_loader *ld, const struct vs_sock_key *accepted,
		      struct vs_proxy_orig *out);

#endif /* VSOCK_LOADER_H */
