/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The fast-path tunables of vs_meta: name, range and default, one line
 * each, for vsockctl tune and attach, vsockd's [bpf] section and control
 * protocol, and the loader's setters. Userspace only. */
#ifndef VSOCK_TUNABLES_H
#define VSOCK_TUNABLES_H

#include <string.h>
#include "abi.h"

/* X(ID, name, min, max, default); a min of 0 means 0 turns the rule off.
 * max_queued (bytes): below 64 KiB a single write would already pass to
 * TCP and the fast path would never be used; above 2 GiB the bound is
 * never reached, as the kernel counts a psock's queue in 32 bits
 * (sk_psock.msg_tot_len) and socket buffers in an int. busy_poll is
 * vs_meta.spin_msgs, whose run the programs count in a byte. */
#define VS_TUNABLES(X)							\
	X(MAX_QUEUED, max_queued, 64u << 10, 1u << 31, VS_MAX_QUEUED_DEFAULT) \
	X(SMALL_RUN,  small_run,  0,         1u << 30, VS_SMALL_RUN)	\
	X(BUSY_POLL,  busy_poll,  0,  VS_SPIN_MSGS_MAX, VS_SPIN_MSGS)

enum vs_tunable_id {
#define VS_TUNE_ID(id, name, min, max, def) VS_TUNE_##id,
	VS_TUNABLES(VS_TUNE_ID)
#undef VS_TUNE_ID
	VS_TUNE_COUNT,
};

struct vs_tunable {
	const char *name;	/* in vsockctl tune, vsockd.conf and JSON */
	__u64 min, max;		/* accepted from users */
	__u64 def;		/* what the loader writes at load */
};

/* The tunable id, or NULL when id is out of range. */
static inline const struct vs_tunable *vs_tunable(enum vs_tunable_id id)
{
	static const struct vs_tunable t[VS_TUNE_COUNT] = {
#define VS_TUNE_ROW(id, name, min, max, def) [VS_TUNE_##id] = { #name, min, max, def },
		VS_TUNABLES(VS_TUNE_ROW)
#undef VS_TUNE_ROW
	};

	return (unsigned int)id < VS_TUNE_COUNT ? &t[id] : NULL;
}

/* The id of the tunable called name, or -1. */
static inline int vs_tunable_find(const char *name)
{
	int i;

	for (i = 0; i < VS_TUNE_COUNT; i++)
		if (!strcmp(vs_tunable(i)->name, name))
			return i;
	return -1;
}

#endif /* VSOCK_TUNABLES_H */
