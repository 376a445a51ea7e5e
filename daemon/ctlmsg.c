// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Control-message framing and validation (see ctlproto.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vsock/tunables.h"
#include "ctlmsg.h"
#include "ctlproto.h"

/* The largest pid Linux hands out (PID_MAX_LIMIT). */
#define PID_MAX 4194304

static const struct req_desc {
	const char *name;
	enum ctl_req_type type;
	const char *const members[4];	/* besides "request"; NULL-terminated */
	bool privileged;
} reqs[] = {
	{ "status",  CTL_REQ_STATUS,  { NULL }, false },
	{ "handles", CTL_REQ_HANDLES, { "pid", NULL }, false },
	{ "attach",  CTL_REQ_ATTACH,  { "cgroup", "pin_root", "max_queued", NULL }, true },
	{ "detach",  CTL_REQ_DETACH,  { "cgroup", "pin_root", NULL }, true },
	{ "reload",  CTL_REQ_RELOAD,  { NULL }, true },
};

#define NREQS (sizeof(reqs) / sizeof(reqs[0]))

long ctlmsg_frame(const unsigned char *buf, size_t len, size_t max,
		  const unsigned char **payload, size_t *plen)
{
	uint32_t n;

	if (len < VS_CTL_HDR_LEN)
		return 0;
	n = vs_ctl_get_len(buf);
	if (!n)
		return -EBADMSG;
	if (n > max)
		return -EMSGSIZE;
	if (len - VS_CTL_HDR_LEN < n)
		return 0;
	*payload = buf + VS_CTL_HDR_LEN;
	*plen = n;
	return (long)(VS_CTL_HDR_LEN + n);
}

const char *ctlmsg_type_name(enum ctl_req_type t)
{
	size_t i;

	for (i = 0; i < NREQS; i++)
		if (reqs[i].type == t)
			return reqs[i].name;
	return "?";
}

bool ctlmsg_needs_privilege(enum ctl_req_type t)
{
	size_t i;

	for (i = 0; i < NREQS; i++)
		if (reqs[i].type == t)
			return reqs[i].privileged;
	return true;
}

static int get_path(json_t *v, const char *name, char *dst, size_t len,
		    char *err, size_t errlen)
{
	const char *s;
	size_t n;

	if (!json_is_string(v)) {
		snprintf(err, errlen, "'%s' must be a string", name);
		return -EINVAL;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (!n || s[0] != '/') {
		snprintf(err, errlen, "'%s' must be an absolute path", name);
		return -EINVAL;
	}
	if (n >= len) {
		snprintf(err, errlen, "'%s' is longer than %zu bytes", name, len - 1);
		return -EINVAL;
	}
	memcpy(dst, s, n + 1);
	return 0;
}

static int get_pid(json_t *v, struct ctl_req *req, char *err, size_t errlen)
{
	json_int_t pid;

	if (!json_is_integer(v)) {
		snprintf(err, errlen, "'pid' must be an integer");
		return -EINVAL;
	}
	pid = json_integer_value(v);
	if (pid < 1 || pid > PID_MAX) {
		snprintf(err, errlen, "'pid' must be in 1..%d", PID_MAX);
		return -EINVAL;
	}
	req->pid = (__u32)pid;
	req->has_pid = true;
	return 0;
}

/* The range vsockctl's attach accepts (vsock/tunables.h). */
static int get_max_queued(json_t *v, struct ctl_req *req, char *err, size_t errlen)
{
	const struct vs_tunable *t = vs_tunable(VS_TUNE_MAX_QUEUED);
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;

	if (n < (json_int_t)t->min || n > (json_int_t)t->max) {
		snprintf(err, errlen, "'max_queued' must be an integer in %llu..%llu",
			 (unsigned long long)t->min, (unsigned long long)t->max);
		return -EINVAL;
	}
	req->max_queued = (__u64)n;
	return 0;
}

static bool allowed(const struct req_desc *d, const char *key)
{
	int i;

	for (i = 0; d->members[i]; i++)
		if (!strcmp(d->members[i], key))
			return true;
	return false;
}

static int members(const struct req_desc *d, json_t *root, struct ctl_req *req,
		   char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	int r = 0;

	json_object_foreach(root, key, v) {
		if (!strcmp(key, "request"))
			continue;
		if (!allowed(d, key)) {
			snprintf(err, errlen, "unknown member '%.64s' in a '%s' request",
				 key, d->name);
			return -EINVAL;
		}
		if (!strcmp(key, "pid"))
			r = get_pid(v, req, err, errlen);
		else if (!strcmp(key, "max_queued"))
			r = get_max_queued(v, req, err, errlen);
		else if (!strcmp(key, "cgroup"))
			r = get_path(v, key, req->cgroup, sizeof(req->cgroup), err, errlen);
		else
			r = get_path(v, key, req->pin_root, sizeof(req->pin_root), err,
				     errlen);
		if (r)
			return r;
	}
	if ((d->type == CTL_REQ_ATTACH || d->type == CTL_REQ_DETACH) && !req->cgroup[0]) {
		snprintf(err, errlen, "'%s' needs 'cgroup'", d->name);
		return -EINVAL;
	}
	return 0;
}

int ctlmsg_parse(const void *payload, size_t len, struct ctl_req *req,
		 char *err, size_t errlen)
{
	const struct req_desc *d = NULL;
	json_error_t jerr;
	json_t *root, *name;
	size_t i;
	int r = -EINVAL;

	memset(req, 0, sizeof(*req));
	root = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "malformed JSON at byte %d: %s", jerr.position,
			 jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "a request is a JSON object");
		goto out;
	}
	name = json_object_get(root, "request");
	if (!json_is_string(name)) {
		snprintf(err, errlen, "'request' must be a string naming the request");
		goto out;
	}
	for (i = 0; i < NREQS; i++)
		if (!strcmp(reqs[i].name, json_string_value(name)) &&
		    strlen(reqs[i].name) == json_string_length(name))
			d = &reqs[i];
	if (!d) {
		snprintf(err, errlen, "unknown request '%.64s' (status, handles, attach, detach, reload)",
			 json_string_value(name));
		r = -EOPNOTSUPP;
		goto out;
	}
	req->type = d->type;
	r = members(d, root, req, err, errlen);
out:
	json_decref(root);
	return r;
}

json_t *ctlmsg_ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

json_t *ctlmsg_error(int err, const char *msg)
{
	const char *code = strerrorname_np(err < 0 ? -err : err);

	return json_pack("{s:b, s:s, s:i, s:s}", "ok", 0, "error", msg,
			 "errno", err < 0 ? -err : err, "code", code ? code : "EIO");
}

static int frame(const char *json, size_t n, unsigned char **out, size_t *outlen)
{
	unsigned char *buf = malloc(VS_CTL_HDR_LEN + n);

	if (!buf)
		return -ENOMEM;
	vs_ctl_put_len(buf, (uint32_t)n);
	memcpy(buf + VS_CTL_HDR_LEN, json, n);
	*out = buf;
	*outlen = VS_CTL_HDR_LEN + n;
	return 0;
}

int ctlmsg_encode(json_t *reply, unsigned char **out, size_t *outlen)
{
	json_t *e;
	char *s;
	int r;

	/* ensure_ascii keeps replies valid UTF-8 whatever a comm or path holds */
	s = json_dumps(reply, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (s && strlen(s) > VS_CTL_MAX_RESPONSE) {
		free(s);
		s = NULL;
		e = ctlmsg_error(-EMSGSIZE, "reply larger than the protocol allows");
		if (e)
			s = json_dumps(e, JSON_COMPACT);
		json_decref(e);
	}
	if (!s)
		return -ENOMEM;
	r = frame(s, strlen(s), out, outlen);
	free(s);
	return r;
}
