// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* daemon/ctlmsg.c and daemon/ctlsrv.c: framing, request validation, reply
 * encoding, and a real control socket (in /tmp) that answers malformed,
 * oversized, truncated and pipelined input and keeps serving. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <cmocka.h>
#include "ctlmsg.h"
#include "ctlproto.h"
#include "ctlsrv.h"
#include "tags.h"

static char err[256];

static int parse(const char *json, struct ctl_req *r)
{
	err[0] = '\0';
	return ctlmsg_parse(json, strlen(json), r, err, sizeof(err));
}

static void expect_bad(const char *json, int code, const char *msg)
{
	struct ctl_req r;

	assert_int_equal(parse(json, &r), code);
	if (!strstr(err, msg))
		fail_msg("'%s': error '%s' does not contain '%s'", json, err, msg);
}

static void test_frame(void **state)
{
	unsigned char buf[32] = { 0, 0, 0, 3, '{', '}', ' ', 0, 0, 0, 1, 'x' };
	const unsigned char *p;
	size_t n;

	(void)state;
	assert_int_equal(ctlmsg_frame(buf, 0, 100, &p, &n), 0);
	assert_int_equal(ctlmsg_frame(buf, 3, 100, &p, &n), 0);
	assert_int_equal(ctlmsg_frame(buf, 6, 100, &p, &n), 0);	/* 2 of 3 */
	assert_int_equal(ctlmsg_frame(buf, 12, 100, &p, &n), 7);
	assert_ptr_equal(p, buf + 4);
	assert_int_equal(n, 3);
	/* the next frame starts right after */
	assert_int_equal(ctlmsg_frame(buf + 7, 5, 100, &p, &n), 5);
	assert_int_equal(n, 1);
	/* length limits: exactly max is fine, one more is not; 0 is never */
	vs_ctl_put_len(buf, 100);
	assert_int_equal(ctlmsg_frame(buf, 4, 100, &p, &n), 0);
	vs_ctl_put_len(buf, 101);
	assert_int_equal(ctlmsg_frame(buf, 4, 100, &p, &n), -EMSGSIZE);
	vs_ctl_put_len(buf, 0xffffffffu);
	assert_int_equal(ctlmsg_frame(buf, 4, 100, &p, &n), -EMSGSIZE);
	vs_ctl_put_len(buf, 0);
	assert_int_equal(ctlmsg_frame(buf, 4, 100, &p, &n), -EBADMSG);
	/* big-endian */
	vs_ctl_put_len(buf, 0x01020304);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[3], 4);
	assert_int_equal(vs_ctl_get_len(buf), 0x01020304);
}

static void test_parse_valid(void **state)
{
	struct ctl_req r;

	(void)state;
	assert_int_equal(parse("{\"request\":\"status\"}", &r), 0);
	assert_int_equal(r.type, CTL_REQ_STATUS);
	assert_int_equal(parse(" {\"request\" : \"handles\"} \n", &r), 0);
	assert_int_equal(r.type, CTL_REQ_HANDLES);
	assert_false(r.has_pid);
	assert_int_equal(parse("{\"pid\":4242,\"request\":\"handles\"}", &r), 0);
	assert_true(r.has_pid);
	assert_int_equal(r.pid, 4242);
	assert_int_equal(parse("{\"request\":\"attach\",\"cgroup\":\"/sys/fs/cgroup/a\","
			       "\"pin_root\":\"/sys/fs/bpf/x\",\"max_queued\":65536}", &r), 0);
	assert_int_equal(r.type, CTL_REQ_ATTACH);
	assert_string_equal(r.cgroup, "/sys/fs/cgroup/a");
	assert_string_equal(r.pin_root, "/sys/fs/bpf/x");
	assert_int_equal(r.max_queued, 65536);
	assert_int_equal(parse("{\"request\":\"detach\",\"cgroup\":\"/c\"}", &r), 0);
	assert_int_equal(r.type, CTL_REQ_DETACH);
	assert_string_equal(r.pin_root, "");
	assert_int_equal(parse("{\"request\":\"reload\"}", &r), 0);
	assert_int_equal(r.type, CTL_REQ_RELOAD);
}

static void test_parse_invalid(void **state)
{
	char big[PATH_MAX + 64];

	(void)state;
	expect_bad("", -EINVAL, "malformed JSON");
	expect_bad("{\"request\":\"status\"", -EINVAL, "malformed JSON");
	expect_bad("{\"request\":\"status\"} {}", -EINVAL, "malformed JSON");
	expect_bad("[\"status\"]", -EINVAL, "a request is a JSON object");
	expect_bad("\"status\"", -EINVAL, "malformed JSON");
	expect_bad("{}", -EINVAL, "'request' must be a string");
	expect_bad("{\"request\":7}", -EINVAL, "'request' must be a string");
	expect_bad("{\"request\":\"frobnicate\"}", -EOPNOTSUPP, "unknown request 'frobnicate'");
	expect_bad("{\"request\":\"stat\\u0000us\"}", -EINVAL, "malformed JSON");
	expect_bad("{\"request\":\"status\",\"request\":\"reload\"}", -EINVAL, "malformed JSON");
	expect_bad("{\"request\":\"status\",\"pid\":1}", -EINVAL,
		   "unknown member 'pid' in a 'status' request");
	expect_bad("{\"request\":\"handles\",\"pid\":\"12\"}", -EINVAL, "'pid' must be an integer");
	expect_bad("{\"request\":\"handles\",\"pid\":1.5}", -EINVAL, "'pid' must be an integer");
	expect_bad("{\"request\":\"handles\",\"pid\":0}", -EINVAL, "'pid' must be in 1..4194304");
	expect_bad("{\"request\":\"handles\",\"pid\":-3}", -EINVAL, "'pid' must be in");
	expect_bad("{\"request\":\"handles\",\"pid\":4194305}", -EINVAL, "'pid' must be in");
	expect_bad("{\"request\":\"handles\",\"pid\":99999999999999999999}", -EINVAL,
		   "malformed JSON");
	expect_bad("{\"request\":\"attach\"}", -EINVAL, "'attach' needs 'cgroup'");
	expect_bad("{\"request\":\"attach\",\"cgroup\":\"app\"}", -EINVAL,
		   "'cgroup' must be an absolute path");
	expect_bad("{\"request\":\"attach\",\"cgroup\":\"\"}", -EINVAL, "absolute path");
	expect_bad("{\"request\":\"detach\",\"cgroup\":null}", -EINVAL, "'cgroup' must be a string");
	expect_bad("{\"request\":\"attach\",\"cgroup\":\"/a\",\"max_queued\":1}", -EINVAL,
		   "'max_queued' must be an integer in");
	expect_bad("{\"request\":\"reload\",\"cgroup\":\"/a\"}", -EINVAL, "unknown member 'cgroup'");
	memset(big, 'a', sizeof(big));
	memcpy(big, "{\"request\":\"attach\",\"cgroup\":\"/", 31);
	memcpy(big + sizeof(big) - 3, "\"}", 3);
	expect_bad(big, -EINVAL, "'cgroup' is longer than 4095 bytes");
	/* deep nesting is refused by the parser's depth limit, not the stack */
	{
		size_t n = 60000, i;
		char *deep = malloc(n + 1);

		for (i = 0; i < n; i++)
			deep[i] = i < n / 2 ? '[' : ']';
		deep[n] = '\0';
		expect_bad(deep, -EINVAL, "malformed JSON");
		free(deep);
	}
}

static void test_privilege(void **state)
{
	(void)state;
	assert_false(ctlmsg_needs_privilege(CTL_REQ_STATUS));
	assert_false(ctlmsg_needs_privilege(CTL_REQ_HANDLES));
	assert_true(ctlmsg_needs_privilege(CTL_REQ_ATTACH));
	assert_true(ctlmsg_needs_privilege(CTL_REQ_DETACH));
	assert_true(ctlmsg_needs_privilege(CTL_REQ_RELOAD));
	assert_string_equal(ctlmsg_type_name(CTL_REQ_RELOAD), "reload");
}

static void test_encode(void **state)
{
	const unsigned char *p;
	unsigned char *buf;
	json_t *j, *back;
	size_t len, n;

	(void)state;
	j = ctlmsg_error(-EPERM, "no");
	assert_int_equal(ctlmsg_encode(j, &buf, &len), 0);
	json_decref(j);
	assert_int_equal(ctlmsg_frame(buf, len, VS_CTL_MAX_RESPONSE, &p, &n), (long)len);
	back = json_loadb((const char *)p, n, 0, NULL);
	assert_non_null(back);
	assert_true(json_is_false(json_object_get(back, "ok")));
	assert_string_equal(json_string_value(json_object_get(back, "error")), "no");
	assert_int_equal(json_integer_value(json_object_get(back, "errno")), EPERM);
	assert_string_equal(json_string_value(json_object_get(back, "code")), "EPERM");
	json_decref(back);
	free(buf);
	/* non-ASCII is escaped: replies are always plain ASCII */
	j = json_pack("{s:s}", "comm", "\xc3\xa9t\xc3\xa9");
	assert_int_equal(ctlmsg_encode(j, &buf, &len), 0);
	json_decref(j);
	assert_non_null(memmem(buf, len, "\\u00E9t\\u00E9", 13));
	free(buf);
}

/* --- a real control socket ------------------------------------------ */

struct srv {
	char dir[64], path[96];
	int epfd;
	struct ctlsrv s;
	int handled;
};

static json_t *handler(void *ctx, const struct ctl_req *req, const struct ctl_peer *peer)
{
	struct srv *t = ctx;

	t->handled++;
	return json_pack("{s:b, s:s, s:i}", "ok", 1, "type", ctlmsg_type_name(req->type),
			 "uid", (int)peer->uid);
}

static int srv_setup(void **state)
{
	struct srv *t = calloc(1, sizeof(*t));

	snprintf(t->dir, sizeof(t->dir), "/tmp/vsockd-ctl-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/run/ctl.sock", t->dir);
	t->epfd = epoll_create1(0);
	t->s.handler = handler;
	t->s.ctx = t;
	assert_int_equal(ctlsrv_open(&t->s, t->epfd, t->path, 0660, false, 0), 0);
	*state = t;
	return 0;
}

static int srv_teardown(void **state)
{
	struct srv *t = *state;
	char run[96];

	ctlsrv_close(&t->s);
	close(t->epfd);
	snprintf(run, sizeof(run), "%s/run", t->dir);
	rmdir(run);
	rmdir(t->dir);
	free(t);
	return 0;
}

/* Run the server's side of epoll until nothing is left to do. */
static void pump(struct srv *t)
{
	struct epoll_event ev[8];
	int n, i, rounds;

	for (rounds = 0; rounds < 50; rounds++) {
		n = epoll_wait(t->epfd, ev, 8, 20);
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			if (VSD_TAG_KIND(ev[i].data.u64) == TAG_LISTEN)
				ctlsrv_accept(&t->s, 0);
			else
				ctlsrv_client_event(&t->s, VSD_TAG_LOW(ev[i].data.u64),
						    ev[i].events, 0);
		}
	}
}

static int client(struct srv *t)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, t->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pump(t);
	return fd;
}

static void send_frame(int fd, const char *json)
{
	unsigned char hdr[4];

	vs_ctl_put_len(hdr, (uint32_t)strlen(json));
	assert_int_equal(send(fd, hdr, 4, 0), 4);
	assert_int_equal(send(fd, json, strlen(json), 0), (ssize_t)strlen(json));
}

/* The next reply, or NULL at EOF. */
static json_t *reply(int fd)
{
	unsigned char hdr[4];
	char buf[4096];
	uint32_t n;

	if (recv(fd, hdr, 4, MSG_WAITALL) != 4)
		return NULL;
	n = vs_ctl_get_len(hdr);
	assert_true(n < sizeof(buf));
	assert_int_equal(recv(fd, buf, n, MSG_WAITALL), (ssize_t)n);
	return json_loadb(buf, n, 0, NULL);
}

static void expect_error(int fd, const char *code, const char *text)
{
	json_t *r = reply(fd);

	assert_non_null(r);
	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(r, "code")), code);
	if (!strstr(json_string_value(json_object_get(r, "error")), text))
		fail_msg("error '%s' lacks '%s'", json_string_value(json_object_get(r, "error")),
			 text);
	json_decref(r);
}

static bool at_eof(int fd)
{
	char c;

	return recv(fd, &c, 1, 0) == 0;
}

static void test_socket_file(void **state)
{
	struct srv *t = *state;
	struct ctlsrv other = { 0 };
	struct stat st;

	assert_int_equal(stat(t->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	/* a second daemon on the same path is refused, not a thief */
	assert_int_equal(ctlsrv_open(&other, t->epfd, t->path, 0660, false, 0), -EADDRINUSE);
}

static void test_socket_requests(void **state)
{
	struct srv *t = *state;
	int fd = client(t);
	json_t *r;

	/* pipelined: replies in order */
	send_frame(fd, "{\"request\":\"status\"}");
	send_frame(fd, "{\"request\":\"handles\",\"pid\":1}");
	send_frame(fd, "not json");
	send_frame(fd, "{\"request\":\"nope\"}");
	send_frame(fd, "{\"request\":\"status\"}");
	pump(t);
	r = reply(fd);
	assert_string_equal(json_string_value(json_object_get(r, "type")), "status");
	assert_int_equal(json_integer_value(json_object_get(r, "uid")), (int)getuid());
	json_decref(r);
	r = reply(fd);
	assert_string_equal(json_string_value(json_object_get(r, "type")), "handles");
	json_decref(r);
	expect_error(fd, "EINVAL", "malformed JSON");
	expect_error(fd, "EOPNOTSUPP", "unknown request 'nope'");
	r = reply(fd);
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	assert_int_equal(t->handled, 3);
	close(fd);
	pump(t);
	assert_int_equal(ctlsrv_nclients(&t->s), 0);
}

static void test_socket_oversized(void **state)
{
	struct srv *t = *state;
	unsigned char hdr[4];
	int fd = client(t);

	vs_ctl_put_len(hdr, VS_CTL_MAX_REQUEST + 1);
	assert_int_equal(send(fd, hdr, 4, 0), 4);
	pump(t);
	expect_error(fd, "EMSGSIZE", "larger than");
	assert_true(at_eof(fd));
	close(fd);
	/* zero length: the same */
	fd = client(t);
	vs_ctl_put_len(hdr, 0);
	assert_int_equal(send(fd, hdr, 4, 0), 4);
	pump(t);
	expect_error(fd, "EBADMSG", "empty request");
	assert_true(at_eof(fd));
	close(fd);
	pump(t);
	assert_int_equal(ctlsrv_nclients(&t->s), 0);
}

static void test_socket_truncated(void **state)
{
	struct srv *t = *state;
	unsigned char hdr[4];
	int fd = client(t);

	vs_ctl_put_len(hdr, 100);
	assert_int_equal(send(fd, hdr, 4, 0), 4);
	assert_int_equal(send(fd, "{\"req", 5, 0), 5);
	shutdown(fd, SHUT_WR);
	pump(t);
	expect_error(fd, "EBADMSG", "truncated request: stream ended after 9 bytes");
	assert_true(at_eof(fd));
	close(fd);
	/* a partial header, too */
	fd = client(t);
	assert_int_equal(send(fd, hdr, 2, 0), 2);
	shutdown(fd, SHUT_WR);
	pump(t);
	expect_error(fd, "EBADMSG", "after 2 bytes");
	close(fd);
	/* and a client that disappears mid-request costs nothing */
	fd = client(t);
	assert_int_equal(send(fd, hdr, 3, 0), 3);
	close(fd);
	pump(t);
	assert_int_equal(ctlsrv_nclients(&t->s), 0);
}

/* A started request must finish in time; an idle client is let go. */
static void test_socket_stalled(void **state)
{
	struct srv *t = *state;
	unsigned char hdr[4];
	int fd = client(t), fd2 = client(t);

	vs_ctl_put_len(hdr, 100);
	assert_int_equal(send(fd, hdr, 4, 0), 4);
	pump(t);
	assert_int_equal(ctlsrv_nclients(&t->s), 2);
	ctlsrv_tick(&t->s, CTLSRV_PARTIAL_MS + 1);
	assert_int_equal(ctlsrv_nclients(&t->s), 1);
	ctlsrv_tick(&t->s, CTLSRV_IDLE_MS + 1);
	assert_int_equal(ctlsrv_nclients(&t->s), 0);
	assert_true(at_eof(fd));
	close(fd);
	close(fd2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_privilege),
		cmocka_unit_test(test_encode),
		cmocka_unit_test_setup_teardown(test_socket_file, srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_socket_requests, srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_socket_oversized, srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_socket_truncated, srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_socket_stalled, srv_setup, srv_teardown),
	};

	return cmocka_run_group_tests_name("ctlmsg", tests, NULL, NULL);
}
