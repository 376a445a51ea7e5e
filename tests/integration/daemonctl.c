// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Requests to the test's vsockd (daemonctl.h). */
#include "ctlsock.h"
#include "daemonctl.h"

json_t *dl_call(const char *req_json)
{
	json_t *req = json_loads(req_json, 0, NULL), *reply = NULL;
	char err[512];
	int r;

	r = ctlsock_call(dl.sock, req, &reply, 10000, err, sizeof(err));
	json_decref(req);
	if (r) {
		tl_diag("%s: %s", req_json, err);
		return NULL;
	}
	return reply;
}

bool dl_ok(json_t *j)
{
	return json_is_true(json_object_get(j, "ok"));
}

__u64 dl_jnum(json_t *j, const char *key)
{
	return (__u64)json_integer_value(json_object_get(j, key));
}

json_t *dl_handles_of(pid_t pid)
{
	char req[96];

	snprintf(req, sizeof(req), "{\"request\":\"handles\",\"pid\":%d}", (int)pid);
	return dl_call(req);
}

json_t *dl_wait_handles(pid_t pid, size_t n, int ms)
{
	uint64_t deadline = tl_now_ms() + ms;
	json_t *r;

	for (;;) {
		r = dl_handles_of(pid);
		if (r && dl_ok(r) && json_array_size(json_object_get(r, "handles")) == n)
			return r;
		if (tl_now_ms() >= deadline)
			return r;
		json_decref(r);
		tl_sleep_ms(50);
	}
}

json_t *dl_handle_by_fd(json_t *reply, int fd)
{
	json_t *h;
	size_t i;

	json_array_foreach(json_object_get(reply, "handles"), i, h)
		if ((int)dl_jnum(h, "fd") == fd)
			return h;
	return NULL;
}

bool dl_has_cookie(json_t *reply, __u64 cookie)
{
	json_t *h;
	size_t i;

	json_array_foreach(json_object_get(reply, "handles"), i, h)
		if (dl_jnum(h, "cookie") == cookie)
			return true;
	return false;
}
