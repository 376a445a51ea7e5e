/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vsockctl's arguments, parsed with no side effect: no kernel, no vsockd,
 * no file, no output. Each parser fills its struct, or records the error
 * line in ctl (ctl_errf) and returns a negative errno. Commands parse
 * everything before they touch anything, so bad input changes nothing;
 * tests/fuzz/fuzz_cli.c runs these parsers on arbitrary argv. */
#ifndef VSOCKCTL_CMDARGS_H
#define VSOCKCTL_CMDARGS_H

#include <stdbool.h>
#include <linux/types.h>
#include "vsock/svc.h"
#include "vsock/tunables.h"
#include "loader.h"

struct ctl;

/* Global options (before the command). Returns the index of the command
 * in argv, or a negative errno. -V and -h set *implied to the version and
 * help commands, so they print like them. */
int ctl_parse_global(struct ctl *ctl, int argc, char **argv, const char **implied);

/* attach CGROUP [max_queued BYTES] [--secure [--allow-cgroup CGROUP]...];
 * the --allow-cgroup paths are checked (loader_check_cgroup) by the
 * command, before it attaches anything. */
struct attach_args {
	const char *cgroup;
	__u64 max_queued;	/* 0: default */
	bool secure;
	const char *allow[VS_SECURE_ALLOW_MAX];
	int nallow;
};
int attach_parse(struct ctl *ctl, int argc, char **argv, struct attach_args *a);

/* stats [--prometheus] (not with -j) */
struct stats_args {
	bool prometheus;
};
int stats_parse(struct ctl *ctl, int argc, char **argv, struct stats_args *a);

/* unload [--force] [--wait SECONDS] */
struct unload_args {
	bool force;
	int wait_ms;
};
int unload_parse(struct ctl *ctl, int argc, char **argv, struct unload_args *a);

/* tune [NAME VALUE]...: one value per tunable, TUNE_KEEP: unchanged. */
#define TUNE_KEEP (~0ull)
struct tune_args {
	__u64 v[VS_TUNE_COUNT];
};
int tune_parse(struct ctl *ctl, int argc, char **argv, struct tune_args *a);

/* upgrade [--dry-run] [--force]: LOADER_UPGRADE_* flags. */
struct upgrade_args {
	unsigned int flags;
	bool migrate;		/* pins of another ABI: loader_migrate() */
	int wait_ms;		/* its drain, 30 s by default */
};
int upgrade_parse(struct ctl *ctl, int argc, char **argv, struct upgrade_args *a);

/* handles [PID]; *pid 0 when absent. */
int handles_parse(struct ctl *ctl, int argc, char **argv, __u64 *pid);

/* proxy add SERVICE --backend ADDRESS... [--mode M] [--replace] */
struct proxy_args {
	struct vs_svc_rule rule;
	bool replace;
};
int proxy_add_parse(struct ctl *ctl, int argc, char **argv, struct proxy_args *a);
/* proxy del SERVICE */
int proxy_del_parse(struct ctl *ctl, int argc, char **argv, struct vs_addr *svc);
/* proxy list */
int proxy_list_parse(struct ctl *ctl, int argc, char **argv);

#endif /* VSOCKCTL_CMDARGS_H */
