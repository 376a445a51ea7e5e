// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vsockd control-socket client. Blocking I/O with a timeout on each call,
 * so a daemon that hangs makes vsockctl fail, not hang. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "ctlsock.h"
#include "ctlproto.h"

const char *ctlsock_path(void)
{
	const char *p = getenv(VS_CTL_SOCKET_ENV);

	return p && *p ? p : VS_CTL_SOCKET_DEFAULT;
}

static int connect_to(const char *path, int timeout_ms, char *err, size_t errlen)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return r;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	r = -errno;
	close(fd);
	/* no file, or a file left by a daemon that is gone: nobody listens */
	if (r == -ENOENT || r == -ECONNREFUSED) {
		snprintf(err, errlen, "vsockd is not running (nothing listens on %s)", path);
		return -ENOTCONN;
	}
	snprintf(err, errlen, "connect to vsockd at %s: %s", path, strerror(-r));
	return r;
}

static int io_all(int fd, void *buf, size_t len, bool out)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = out ? send(fd, (char *)buf + done, len - done, MSG_NOSIGNAL) :
			  recv(fd, (char *)buf + done, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n == 0)
			return -ECONNRESET;
		done += (size_t)n;
	}
	return 0;
}

static int send_req(int fd, json_t *req)
{
	unsigned char hdr[VS_CTL_HDR_LEN];
	char *s = json_dumps(req, JSON_COMPACT);
	size_t n;
	int r;

	if (!s)
		return -ENOMEM;
	n = strlen(s);
	vs_ctl_put_len(hdr, (uint32_t)n);
	r = n > VS_CTL_MAX_REQUEST ? -EMSGSIZE : io_all(fd, hdr, sizeof(hdr), true);
	if (!r)
		r = io_all(fd, s, n, true);
	free(s);
	return r;
}

static int recv_reply(int fd, json_t **reply)
{
	unsigned char hdr[VS_CTL_HDR_LEN];
	json_error_t jerr;
	uint32_t n;
	char *buf;
	int r;

	r = io_all(fd, hdr, sizeof(hdr), false);
	if (r)
		return r;
	n = vs_ctl_get_len(hdr);
	if (!n || n > VS_CTL_MAX_RESPONSE)
		return -EBADMSG;
	buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	r = io_all(fd, buf, n, false);
	if (!r) {
		*reply = json_loadb(buf, n, 0, &jerr);
		if (!*reply || !json_is_object(*reply)) {
			json_decref(*reply);
			*reply = NULL;
			r = -EBADMSG;
		}
	}
	free(buf);
	return r;
}

int ctlsock_call(const char *path, json_t *req, json_t **reply, int timeout_ms,
		 char *err, size_t errlen)
{
	int fd, r;

	*reply = NULL;
	if (!req) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	fd = connect_to(path, timeout_ms, err, errlen);
	if (fd < 0)
		return fd;
	r = send_req(fd, req);
	if (!r)
		r = recv_reply(fd, reply);
	close(fd);
	if (r)
		snprintf(err, errlen, "vsockd at %s: %s", path,
			 r == -EBADMSG ? "malformed reply" : strerror(-r));
	return r;
}

int ctlsock_reply_err(json_t *reply, char *err, size_t errlen)
{
	json_t *e;
	json_int_t n;

	if (json_is_true(json_object_get(reply, "ok")))
		return 0;
	e = json_object_get(reply, "error");
	snprintf(err, errlen, "%s", json_is_string(e) ? json_string_value(e) :
		 "vsockd gave an error without a message");
	n = json_integer_value(json_object_get(reply, "errno"));
	return n > 0 && n < 4096 ? -(int)n : -EIO;
}
