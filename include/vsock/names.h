/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Userspace names of the ABI enums: one table each, used by the CLI, the
 * daemon and the tests. Names are stable: JSON output uses them. */
#ifndef VSOCK_NAMES_H
#define VSOCK_NAMES_H

#include "abi.h"

const char *vs_status_name(unsigned int status);	/* "connected" */
const char *vs_reason_name(unsigned int reason);	/* "queue_limit" */
const char *vs_reason_text(unsigned int reason);	/* one line for humans */
/* What would let a socket off the fast path join it; NULL for VS_R_NONE. */
const char *vs_reason_join(unsigned int reason);
const char *vs_counter_name(unsigned int counter);	/* "msg_redirected" */
const char *vs_counter_text(unsigned int counter);	/* one line for humans */
const char *vs_tx_mode_name(unsigned int mode);	/* "redirect" */
const char *vs_tcp_state_name(unsigned int state);	/* "ESTAB" like ss */
/* Parse a status name; returns -1 when unknown. */
int vs_status_parse(const char *name);

#endif /* VSOCK_NAMES_H */
