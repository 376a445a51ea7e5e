/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vsockd's state: one struct of the modules' own, one thread, one loop.
 * The functions live with their modules: daemon.h (start, stop),
 * reload.h, status.h, requests.h. */
#ifndef VSOCKD_H
#define VSOCKD_H

#include <stdbool.h>
#include <linux/types.h>
#include "config.h"
#include "ctlsrv.h"
#include "events.h"
#include "loop.h"
#include "notify.h"
#include "scan.h"

struct relay;
struct proxy;

#define VSD_TICK_MS	250	/* housekeeping period */

struct vsd {
	struct cfg cfg;
	const char *cfg_path;
	bool cfg_explicit;		/* --config given: a missing file is an error */
	int cli_level;			/* -v/-vv, 0 if none */
	struct vs_loader *ld;
	struct proctbl *tbl;
	struct scan scan;
	struct joiner *join;		/* join-late; NULL if it could not start */
	struct relay *relay;		/* kernel-spliced relays of proxied pairs */
	struct proxy *proxy;		/* the service proxy; NULL if it could not start */
	struct ctlsrv srv;
	struct loop loop;
	struct events ev;
	struct notify notify;
	bool ready;			/* READY=1 was sent */

	__u64 started_ms;		/* CLOCK_MONOTONIC */
	__u64 started_realtime_ns;
	__u64 ready_us;			/* start-up time to READY=1 */
	__u64 reloads, reload_failures;
	char last_reload_error[CFG_ERR_LEN];
};

#endif /* VSOCKD_H */
