/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vsockctl commands: the context every command gets, the command table and
 * the prototypes shared between the cli sources and the unit tests. */
#ifndef VSOCKCTL_CMD_H
#define VSOCKCTL_CMD_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "loader.h"
#include "output.h"
#include "cmdargs.h"

#define CTL_ERR_LEN 512

/* Global options and the result of one command. A command fills doc (on
 * success) or err (on failure) and returns 0 or a negative errno; only
 * ctl_finish() prints anything. */
struct ctl {
	enum out_mode mode;
	bool debug;
	const char *pin_root;	/* --pin-root or $VSOCK_PIN_ROOT; NULL: default */
	__u64 max_queued;	/* attach ... max_queued BYTES; 0: default */
	FILE *out;		/* stdout; a memory stream in tests */
	FILE *errout;		/* stderr; idem */
	struct out_doc doc;
	char err[CTL_ERR_LEN];	/* the error line, without "vsockctl: " */
};

/* argv[0] is the command name as typed. */
typedef int (*cmd_fn)(struct ctl *ctl, int argc, char **argv);

struct cmd {
	const char *name;
	cmd_fn func;
	const char *synopsis;	/* the man page SYNOPSIS line, word for word */
};

extern const struct cmd cmd_table[];	/* ends with a NULL name */
extern const char ctl_options_synopsis[];	/* the OPTIONS := line */

void ctl_init(struct ctl *ctl);
void ctl_free(struct ctl *ctl);
/* Print the document or the error; returns the exit status (0 or 1). */
int ctl_finish(struct ctl *ctl, int err);

/* Record the error line; returns err (a negative errno) for tail calls. */
int ctl_errf(struct ctl *ctl, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Error line from a loader failure: its message, else strerror. */
int ctl_loader_err(struct ctl *ctl, int err, const struct vs_err *e);
void ctl_loader_opts(const struct ctl *ctl, struct vs_loader_opts *o);
/* loader_open() with vsockctl's messages ("vsock is not loaded"). */
int ctl_open(struct ctl *ctl, struct vs_loader **ld, bool create);
/* Route libbpf's messages to stderr with -d, else drop them: the loader's
 * vs_err already says what failed, in one line. */
void ctl_libbpf_print(bool debug);

/* Command lookup by name or unambiguous prefix; NULL with ctl->err set. */
const struct cmd *cmd_find(struct ctl *ctl, const char *name);
/* Run argv[0] with its arguments (handles COMMAND -h/--help). */
int cmd_dispatch(struct ctl *ctl, int argc, char **argv);

/* Commands with verbs (proxy, policy): argv[1] names one of verbs (a NULL
 * name ends the table), else an error that lists them. */
struct cmd_verb {
	const char *name;
	cmd_fn func;
};
int cmd_verb_dispatch(struct ctl *ctl, const struct cmd_verb *verbs, int argc, char **argv);

/* Argument helpers for commands. */
bool arg_is_help(const char *arg);
/* No argument after the command name, else an error. */
int arg_none(struct ctl *ctl, int argc, char **argv);
/* Exactly one positional argument (e.g. CGROUP), else an error. */
int arg_one(struct ctl *ctl, const char *cmd, const char *what, int argc,
	    char **argv, const char **val);
/* Strict decimal in [min, max]; -EINVAL on anything else. */
int arg_u64(const char *s, __u64 min, __u64 max, __u64 *out);
/* "64K", "4M", "1G" or plain bytes, in max_queued's range (vsock/tunables.h). */
int arg_bytes(const char *s, __u64 *out);
/* arg_bytes, or an error naming cmd, max_queued and its range. */
int arg_max_queued(struct ctl *ctl, const char *cmd, const char *s, __u64 *out);

int do_help(struct ctl *ctl, int argc, char **argv);
int do_attach(struct ctl *ctl, int argc, char **argv);
int do_detach(struct ctl *ctl, int argc, char **argv);
int do_unload(struct ctl *ctl, int argc, char **argv);
int do_upgrade(struct ctl *ctl, int argc, char **argv);
int do_status(struct ctl *ctl, int argc, char **argv);
int do_stats(struct ctl *ctl, int argc, char **argv);
int do_version(struct ctl *ctl, int argc, char **argv);
int do_sockets(struct ctl *ctl, int argc, char **argv);
int do_handles(struct ctl *ctl, int argc, char **argv);
int do_tune(struct ctl *ctl, int argc, char **argv);
int do_proxy(struct ctl *ctl, int argc, char **argv);
int do_policy(struct ctl *ctl, int argc, char **argv);
extern const char policy_help[];	/* policy -h, after its synopsis */
int do_enable(struct ctl *ctl, int argc, char **argv);
int do_disable(struct ctl *ctl, int argc, char **argv);
extern const char proxy_help[];	/* proxy -h, after its synopsis */
extern const char upgrade_help[];	/* upgrade -h */

/* sockets filters; AND-ed. */
struct sock_filter {
	const char *cgroup;	/* cgroup v2 directory, NULL: any */
	__u64 cgroup_id;	/* resolved from cgroup before matching */
	__u32 pid;		/* 0: any */
	int status;		/* enum vs_status, -1: any */
	__u16 port;		/* local or peer port, 0: any */
};

int sockets_parse_filter(struct ctl *ctl, int argc, char **argv,
			 struct sock_filter *f);
bool sockets_match(const struct sock_filter *f, const struct vs_sock_entry *e);

/* The counters as a record (cmd_stats.c): text shows those that moved
 * unless all, JSON shows every one. */
void stats_counters(struct ctl *ctl, const __u64 c[VS_C_MAX], bool all,
		    const char *key, const char *title);
/* A socket row (sockrow.c): the cells of `sockets` and `handles`, read
 * from the socket's JSON, which becomes the row's JSON. Consumes sock. */
void sock_row(struct out_row *r, json_t *sock);

/* stats --prometheus rendering of counters into the document. */
void stats_prometheus(struct out_doc *doc, const __u64 c[VS_C_MAX]);
/* Coverage (coverage.c): read it (errors as ctl errors), show it. */
int coverage_read(struct ctl *ctl, struct vs_loader *ld, struct vs_coverage rows[VS_R_MAX]);
void coverage_table(struct ctl *ctl, const struct vs_coverage rows[VS_R_MAX]);
void coverage_prometheus(struct out_doc *doc, const struct vs_coverage rows[VS_R_MAX]);
/* stats --prometheus: every backend of every virtual service (svcprom.c). */
int svc_prometheus(struct ctl *ctl, struct vs_loader *ld);

#endif /* VSOCKCTL_CMD_H */
