/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vsockd's configuration: an INI file (libinih) over embedded defaults.
 * Every key is checked; the first unknown key or bad value is reported as
 * "FILE:LINE: message" and the whole file is refused. */
#ifndef VSOCKD_CONFIG_H
#define VSOCKD_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>
#include "vsock/svc.h"
#include "vsock/rules.h"

#define CFG_PATH_DEFAULT "/etc/vsock/vsockd.conf"
#define CFG_ERR_LEN 512
#define CFG_SOCK_PATH_MAX 108	/* sizeof(sun_path) */

struct cfg {
	char pin_root[PATH_MAX];
	int log_level;			/* LOG_ERR .. LOG_DEBUG */
	char control_socket[CFG_SOCK_PATH_MAX];
	char control_group[64];		/* "" when none: root only */
	gid_t control_gid;		/* valid when control_group[0] */
	unsigned int control_mode;	/* socket file mode, 0660 */
	unsigned int max_processes;	/* master table entries */
	unsigned int max_handles_per_process;
	unsigned int max_handles;	/* handles in all private tables */
	unsigned int rescan_interval;	/* seconds; 0: only on lost events */
	unsigned int max_sockets;	/* [bpf] socket map entries, at load */
	unsigned int max_queued;	/* [bpf] fast-path queue floor, bytes */
	unsigned int small_run;		/* [bpf] small writes before passing; 0 off */
	unsigned int busy_poll;		/* [bpf] busy-polled messages before a
					 * reader leaves; 0 off */
	char **attach;			/* cgroups to attach at start */
	int nattach;
	struct vs_svc_rule *services;	/* [proxy] service lines (lib/svcrule.h) */
	int nservices;
	struct vs_rule *rules;		/* [policy] rule lines (lib/policyrule.h),
					 * cgroups not resolved yet */
	int nrules;
	unsigned int connect_timeout_ms; /* [proxy] per backend attempt */
	unsigned int idle_timeout;	/* [proxy] seconds a relayed pair may carry
					 * no byte before both legs are reset; 0 never */
	unsigned int relay_bound;	/* [proxy] bytes a relayed direction may have
					 * in the kernel's backlog; 0: tcp_rmem max */
};

/* Embedded defaults. */
void cfg_defaults(struct cfg *c);
/* Parse path over the defaults into c. A missing file is the defaults
 * when missing_ok, else an error. On error c is left as the defaults (the
 * caller keeps whatever config it ran with) and err holds one line. */
int cfg_load(struct cfg *c, const char *path, bool missing_ok, char *err,
	     size_t errlen);
/* Parse from memory (tests); name is used in messages. */
int cfg_load_string(struct cfg *c, const char *name, const char *text,
		    char *err, size_t errlen);
void cfg_free(struct cfg *c);
/* Deep copy; 0 or -ENOMEM. */
int cfg_copy(struct cfg *dst, const struct cfg *src);
/* True when path is in c's attach list. */
bool cfg_has_attach(const struct cfg *c, const char *path);
/* c's rule for the service address svc, or NULL. */
const struct vs_svc_rule *cfg_service(const struct cfg *c, const struct vs_addr *svc);

#endif /* VSOCKD_CONFIG_H */
