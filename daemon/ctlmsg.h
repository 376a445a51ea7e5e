/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Control messages: finding frames in a byte stream, validating requests,
 * encoding replies. No I/O and no daemon state, so the unit tests and the
 * fuzz target drive it directly. Every input, however malformed, gives a
 * request or an error text; nothing here aborts. */
#ifndef VSOCKD_CTLMSG_H
#define VSOCKD_CTLMSG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <linux/types.h>

enum ctl_req_type {
	CTL_REQ_STATUS,
	CTL_REQ_HANDLES,
	CTL_REQ_ATTACH,
	CTL_REQ_DETACH,
	CTL_REQ_RELOAD,
};

struct ctl_req {
	enum ctl_req_type type;
	bool has_pid;
	__u32 pid;			/* handles */
	char cgroup[PATH_MAX];		/* attach, detach */
	char pin_root[PATH_MAX];	/* attach, detach: "" if not given */
	__u64 max_queued;		/* attach: bytes, 0 if not given */
};

/* Look for one complete frame at the start of buf. Returns its total size
 * (header included) with *payload and *plen set, 0 when more bytes are
 * needed, -EMSGSIZE when the announced length exceeds max, -EBADMSG when it
 * is 0. */
long ctlmsg_frame(const unsigned char *buf, size_t len, size_t max,
		  const unsigned char **payload, size_t *plen);

/* Validate one request. Returns 0, -EINVAL (malformed: err says why) or
 * -EOPNOTSUPP (unknown request name). */
int ctlmsg_parse(const void *payload, size_t len, struct ctl_req *req,
		 char *err, size_t errlen);

const char *ctlmsg_type_name(enum ctl_req_type t);
/* attach, detach and reload change things: root or the control group only. */
bool ctlmsg_needs_privilege(enum ctl_req_type t);

/* {"ok": false, "error": msg, "errno": -err, "code": "E..."}; NULL on ENOMEM. */
json_t *ctlmsg_error(int err, const char *msg);
/* {"ok": true} to add members to. */
json_t *ctlmsg_ok(void);

/* One frame holding reply (not consumed), malloc'ed. A reply larger than
 * VS_CTL_MAX_RESPONSE becomes an error reply. Returns 0 or -ENOMEM. */
int ctlmsg_encode(json_t *reply, unsigned char **out, size_t *outlen);

#endif /* VSOCKD_CTLMSG_H */
