/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Cgroup paths as users type them and as vs_cgcfg records them
 * (cgpath.c); docs/hardening.md, "Cgroup paths". */
#ifndef VSOCK_LOADER_CGPATH_H
#define VSOCK_LOADER_CGPATH_H

#include <stdbool.h>
#include <linux/types.h>
#include "loader.h"

/* 0, or -ENAMETOOLONG with err saying which limit path breaks: PATH_MAX
 * for the whole, NAME_MAX for one component (a shortened path shown). */
int vs_cg_path_check_len(const char *path, struct vs_err *err);

/* A path relative to the cgroup2 mount as vs_cgcfg.path records it: as is
 * when it fits, else "..." and its last VS_CG_PATH_MAX - 4 bytes (the
 * leaf is what tells deep cgroups apart). out has VS_CG_PATH_MAX bytes. */
void vs_cg_record_path(const char *rel, char *out);
/* Whether a recorded path was shortened (so it names no directory). */
bool vs_cg_path_shortened(const char *recorded);

/* Whether the cgroup with this id still exists under the cgroup2 mount
 * root (by file handle: its path may be too long to record). */
bool vs_cg_id_exists(const char *cg2_root, __u64 id);

#endif /* VSOCK_LOADER_CGPATH_H */
