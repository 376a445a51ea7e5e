// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target for vsockd's control-message parser: the input is read
 * both as one request payload and as a stream of frames, as the control
 * socket would see it; every outcome is encoded as a reply. Anything the
 * sanitizers flag (or a request that validates with fields out of range)
 * is a crash. Run: make fuzz (FUZZ_TIME seconds), or briefly in make check. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ctlmsg.h"
#include "ctlproto.h"

static void check(const struct ctl_req *r)
{
	switch (r->type) {
	case CTL_REQ_HANDLES:
		if (r->has_pid && (r->pid < 1 || r->pid > 4194304))
			abort();
		break;
	case CTL_REQ_ATTACH:
	case CTL_REQ_DETACH:
		if (r->cgroup[0] != '/' || strnlen(r->cgroup, sizeof(r->cgroup)) ==
		    sizeof(r->cgroup))
			abort();
		break;
	default:
		break;
	}
}

static void one(const uint8_t *p, size_t n)
{
	struct ctl_req req;
	unsigned char *out;
	size_t outlen;
	char err[256];
	json_t *reply;
	int r;

	r = ctlmsg_parse(p, n, &req, err, sizeof(err));
	if (!r) {
		check(&req);
		reply = json_pack("{s:b, s:s}", "ok", 1, "type", ctlmsg_type_name(req.type));
	} else {
		if (r != -EINVAL && r != -EOPNOTSUPP)
			abort();
		if (!err[0])
			abort();	/* every refusal says why */
		reply = ctlmsg_error(r, err);
	}
	if (reply && !ctlmsg_encode(reply, &out, &outlen)) {
		if (outlen < VS_CTL_HDR_LEN || vs_ctl_get_len(out) != outlen - VS_CTL_HDR_LEN)
			abort();
		free(out);
	}
	json_decref(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *payload;
	size_t off = 0, plen;
	long n;

	one(data, size);
	while (off < size) {
		n = ctlmsg_frame(data + off, size - off, VS_CTL_MAX_REQUEST, &payload, &plen);
		if (n <= 0)
			break;
		if ((size_t)n != VS_CTL_HDR_LEN + plen || (size_t)n > size - off)
			abort();
		one(payload, plen);
		off += (size_t)n;
	}
	return 0;
}
