// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vsockd against the real kernel: the daemon runs with the harness's
 * private pin root, a private control socket and a NOTIFY_SOCKET this test
 * reads; it lives in the original network namespace while the test's
 * sockets live in the runner's own, so its sock_diag helper must enter
 * that namespace. Every daemon is a child of the runner, killed by pid at
 * the end of its case (and by the supervisor's cgroup sweep if the runner
 * dies). */
#include <grp.h>
#include <sys/un.h>
#include <jansson.h>
#include "testlib.h"
#include "daemonctl.h"
#include "ctlproto.h"

/* ------------------------------------------------------------------ */
/* Programs in the kernel                                              */

/* vsock programs loaded anywhere on the host (bpftool prog list | grep). */
static int count_vsock_progs(void)
{
	struct bpf_prog_info info;
	__u32 id = 0, len;
	int fd, n = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strncmp(info.name, "vsock_", 6))
			n++;
		close(fd);
	}
	return n;
}

/* IDs of the programs pinned under our pin root, summed: the same set of
 * programs gives the same sum, a reloaded set does not (IDs only grow). */
static __u64 pinned_prog_ids(void)
{
	char path[PATH_MAX + 300];
	struct bpf_prog_info info;
	struct dirent *de;
	__u64 sum = 0;
	__u32 len;
	DIR *d;
	int fd;

	snprintf(path, sizeof(path), "%s/progs", tl.pin_root);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/progs/%s", tl.pin_root, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			sum += info.id;
		close(fd);
	}
	closedir(d);
	return sum;
}

/* ------------------------------------------------------------------ */
/* Cases                                                               */

static int case_start_ready_status(void)
{
	struct dl_daemon d;
	struct stat st;
	json_t *r = NULL;
	char out[4096];
	int rc;

	rc = dl_start(&d, "start.log");
	TL_EXPECT(!rc, "vsockd did not send READY=1: %s", strerror(-rc));
	tl_diag("start-up to READY=1 (pins adopted, 1 cgroup): %llu ms",
		(unsigned long long)d.ready_ms);
	TL_EXPECT(dl_wait_note(&d, 0, "STATUS=attached 1 cgroup;", 1000),
		  "no STATUS= with the attached cgroup in: %s", d.notes);
	/* WATCHDOG_USEC=1s: a ping at least every 0.5 s */
	TL_EXPECT(dl_wait_note(&d, 0, "WATCHDOG=1", 2000), "no WATCHDOG=1 in: %s", d.notes);
	TL_EXPECT(!stat(dl.sock, &st) && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0666,
		  "control socket %s: mode %o", dl.sock, st.st_mode & 0777);
	r = dl_call("{\"request\":\"status\"}");
	TL_EXPECT(r && dl_ok(r), "status request failed");
	TL_EXPECT(!strcmp(json_string_value(json_object_get(r, "pin_root")), tl.pin_root),
		  "pin_root %s", json_string_value(json_object_get(r, "pin_root")));
	TL_EXPECT(dl_jnum(r, "pid") == (__u64)d.pid, "pid %llu, started %d",
		  (unsigned long long)dl_jnum(r, "pid"), (int)d.pid);
	TL_EXPECT(dl_jnum(r, "attached_cgroups") == 1, "attached_cgroups %llu",
		  (unsigned long long)dl_jnum(r, "attached_cgroups"));
	/* vsockctl status shows it */
	rc = dl_run_ctl(out, sizeof(out), "%s -j --pin-root %s status", dl.vsockctl, tl.pin_root);
	TL_EXPECT(rc == 0 && strstr(out, "\"daemon\":{\"running\":true"),
		  "vsockctl status (%d): %.300s", rc, out);
	rc = dl_daemon_stop(&d, SIGTERM);
	TL_EXPECT(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "SIGTERM: wait status %#x", rc);
	TL_EXPECT(dl_wait_note(&d, 0, "STOPPING=1", 1000), "no STOPPING=1 in: %s", d.notes);
	TL_EXPECT(stat(dl.sock, &st) && errno == ENOENT, "control socket left behind");
	/* the fast path needs no daemon: pins and attachment stay */
	snprintf(out, sizeof(out), "%s/vs_meta", tl.pin_root);
	TL_EXPECT(!access(out, F_OK), "pins gone after SIGTERM");
	rc = dl_run_ctl(out, sizeof(out), "%s -j --pin-root %s status", dl.vsockctl, tl.pin_root);
	TL_EXPECT(rc == 0 && strstr(out, "\"daemon\":{\"running\":false"),
		  "vsockctl status without vsockd (%d): %.300s", rc, out);
out:
	json_decref(r);
	dl_daemon_end(&d);
	return tl_verdict();
}

/* A process with known descriptors: a listener, a connection's two ends
 * and a dup of the client end, on fds 100..103. */
struct holder {
	int rep[2];	/* child → parent: pid and cookies */
	int cmd[2];	/* parent → child: 'c' close 102 and 103, 'x' exit */
};

struct holder_rep {
	pid_t pid;
	__u64 cookie[4];
};

/* Close what a forked child inherited (the runner's sockets), so /proc
 * lists only what the child made itself. */
static void close_inherited(int keep1, int keep2, int keep3)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int fd;

	if (!d)
		return;
	while ((de = readdir(d))) {
		fd = atoi(de->d_name);
		if (fd > 2 && fd != dirfd(d) && fd != keep1 && fd != keep2 && fd != keep3)
			close(fd);
	}
	closedir(d);
}

static int holder_fn(void *arg, int wfd)
{
	struct holder *h = arg;
	struct holder_rep rep = { .pid = getpid() };
	int l, c, a, i;
	char cmd;

	close_inherited(wfd, h->rep[1], h->cmd[0]);
	l = tl_listen(AF_INET, NULL, 0, false);
	c = l < 0 ? -1 : tl_connect(AF_INET, NULL, tl_port(l), true);
	if (c < 0 || tl_wait_connected(c, 2000))
		return tl_child_fail(wfd, "connect");
	a = tl_accept(l, true, 2000);
	if (a < 0)
		return tl_child_fail(wfd, "accept");
	if (dup2(l, 100) < 0 || dup2(c, 101) < 0 || dup2(a, 102) < 0 || dup2(c, 103) < 0)
		return tl_child_fail(wfd, "dup2: %s", strerror(errno));
	close(l);
	close(c);
	close(a);
	for (i = 0; i < 4; i++)
		rep.cookie[i] = tl_cookie(100 + i);
	if (write(h->rep[1], &rep, sizeof(rep)) != sizeof(rep))
		return tl_child_fail(wfd, "report");
	while (read(h->cmd[0], &cmd, 1) == 1) {
		if (cmd == 'x')
			return 0;
		if (cmd == 'c') {
			close(102);
			close(103);
			if (write(h->rep[1], "k", 1) != 1)
				return tl_child_fail(wfd, "ack");
		}
	}
	return tl_child_fail(wfd, "parent went away");
}

/* The socket fds /proc lists for pid, as a bit set of fd numbers < 128. */
static int proc_socket_fds(pid_t pid, __u64 set[2])
{
	char path[64], link[64];
	struct dirent *de;
	DIR *d;
	int fd, n = 0;

	set[0] = set[1] = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		ssize_t l = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);

		if (l <= 0)
			continue;
		link[l] = '\0';
		fd = atoi(de->d_name);
		if (!strncmp(link, "socket:", 7) && fd < 128) {
			set[fd / 64] |= 1ull << (fd % 64);
			n++;
		}
	}
	closedir(d);
	return n;
}

/* deny_getfd: vsockd resolves new descriptors with sock_diag dumps, as it
 * must where a syscall filter refuses pidfd_getfd() (daemon/fdcookie.h). */
static int handles_match_proc(bool deny_getfd)
{
	static const char *const status[4] = { "listening", "connected", "connected", "connected" };
	struct holder h = { { -1, -1 }, { -1, -1 } };
	struct holder_rep rep = { 0 };
	struct tl_child child = { 0 };
	struct dl_daemon d;
	json_t *r = NULL, *e;
	__u64 set[2];
	char out[8192], why[256];
	int i, rc;

	dl_daemon_init(&d);
	d.deny_getfd = deny_getfd;
	rc = dl_write_conf(NULL);
	if (!rc)
		rc = dl_daemon_start(&d, deny_getfd ? "handles-nogetfd.log" : "handles.log");
	TL_EXPECT(!rc, "vsockd did not start: %s", strerror(-rc));
	TL_EXPECT(!pipe2(h.rep, O_CLOEXEC) && !pipe2(h.cmd, O_CLOEXEC), "pipe");
	TL_EXPECT(!tl_child_start(&child, holder_fn, &h), "fork");
	TL_EXPECT(read(h.rep[0], &rep, sizeof(rep)) == sizeof(rep), "holder did not report");

	/* built from events only: rescan_interval is an hour */
	r = dl_wait_handles(rep.pid, 4, 3000);
	TL_EXPECT(r && json_array_size(json_object_get(r, "handles")) == 4,
		  "daemon lists %zu handles for pid %d, want 4",
		  json_array_size(json_object_get(r, "handles")), (int)rep.pid);
	TL_EXPECT(proc_socket_fds(rep.pid, set) == 4 && set[1] == (0xfull << 36),
		  "/proc/%d/fd: sockets are not exactly 100..103", (int)rep.pid);
	for (i = 0; i < 4; i++) {
		e = dl_handle_by_fd(r, 100 + i);
		TL_EXPECT(e, "fd %d missing", 100 + i);
		TL_EXPECT(dl_jnum(e, "cookie") == rep.cookie[i], "fd %d: cookie %llu, SO_COOKIE %llu",
			  100 + i, (unsigned long long)dl_jnum(e, "cookie"),
			  (unsigned long long)rep.cookie[i]);
		TL_EXPECT(!strcmp(json_string_value(json_object_get(e, "status")) ?: "", status[i]),
			  "fd %d: status %s", 100 + i,
			  json_string_value(json_object_get(e, "status")));
	}
	TL_EXPECT(dl_jnum(r, "start_time") > 0, "no start time");
	json_decref(r);
	/* which way the refreshes named the sockets */
	r = dl_call("{\"request\":\"status\"}");
	TL_EXPECT(r, "status request");
	TL_EXPECT(deny_getfd ? dl_jnum(r, "fd_lookups") == 0 && dl_jnum(r, "diag_dumps") > 1
			     : dl_jnum(r, "fd_lookups") >= 4,
		  "fd_lookups %llu, diag_dumps %llu", (unsigned long long)dl_jnum(r, "fd_lookups"),
		  (unsigned long long)dl_jnum(r, "diag_dumps"));
	json_decref(r);
	r = NULL;

	/* the same through vsockctl, table and JSON */
	rc = dl_run_ctl(out, sizeof(out), "%s -j handles %d", dl.vsockctl, (int)rep.pid);
	TL_EXPECT(rc == 0, "vsockctl -j handles: %d %.300s", rc, out);
	r = json_loads(out, 0, NULL);
	TL_EXPECT(r && json_array_size(json_object_get(r, "handles")) == 4 &&
		  dl_jnum(json_array_get(json_object_get(r, "handles"), 0), "fd") == 100 &&
		  dl_jnum(json_array_get(json_object_get(r, "handles"), 0), "cookie") == rep.cookie[0],
		  "vsockctl -j handles: %.400s", out);
	json_decref(r);
	r = NULL;
	rc = dl_run_ctl(out, sizeof(out), "%s -j handles", dl.vsockctl);
	snprintf(why, sizeof(why), "{\"pid\":%d,", (int)rep.pid);
	TL_EXPECT(rc == 0 && strstr(out, why) && strstr(out, "\"handles\":4,"),
		  "vsockctl -j handles (master): %.400s", out);
	rc = dl_run_ctl(out, sizeof(out), "%s handles %d", dl.vsockctl, (int)rep.pid);
	TL_EXPECT(rc == 0 && strstr(out, "listening") && strstr(out, "\n103 "),
		  "vsockctl handles: %.400s", out);

	/* closing the last fd of the accepted socket is an event: the
	 * process is re-read, and the dup 103 goes with it */
	TL_EXPECT(write(h.cmd[1], "c", 1) == 1 && read(h.rep[0], out, 1) == 1, "close");
	r = dl_wait_handles(rep.pid, 2, 3000);
	TL_EXPECT(r && json_array_size(json_object_get(r, "handles")) == 2 &&
		  dl_handle_by_fd(r, 100) && dl_handle_by_fd(r, 101),
		  "after close: %zu handles", json_array_size(json_object_get(r, "handles")));
	json_decref(r);
	r = NULL;

	/* the process exits: it leaves the master table */
	TL_EXPECT(write(h.cmd[1], "x", 1) == 1, "exit");
	rc = tl_child_wait(&child, 5000, why, sizeof(why));
	TL_EXPECT(!rc, "holder: %s", why);
	for (i = 0; i < 40; i++) {
		r = dl_call("{\"request\":\"handles\"}");
		snprintf(why, sizeof(why), "{\"pid\":%d,", (int)rep.pid);
		if (r && !strstr(json_dumps(r, 0) ?: "", why))
			break;
		json_decref(r);
		r = NULL;
		tl_sleep_ms(50);
	}
	TL_EXPECT(i < 40, "pid %d still in the master table after exit", (int)rep.pid);
out:
	json_decref(r);
	dl_daemon_end(&d);
	for (i = 0; i < 2; i++) {
		if (h.rep[i] >= 0)
			close(h.rep[i]);
		if (h.cmd[i] >= 0)
			close(h.cmd[i]);
	}
	return tl_verdict();
}

static int case_handles_match_proc(void)
{
	return handles_match_proc(false);
}

static int case_handles_without_pidfd_getfd(void)
{
	return handles_match_proc(true);
}

static int case_sighup_bad_config_keeps_old(void)
{
	struct dl_daemon d;
	json_t *r = NULL;
	size_t mark;
	int rc;

	dl_daemon_init(&d);
	TL_EXPECT(!dl_write_conf("max_processes = 100\n"), "write %s", dl.conf);
	rc = dl_daemon_start(&d, "reload.log");
	TL_EXPECT(!rc, "vsockd did not start: %s", strerror(-rc));

	/* an unknown key on line 9: refused, the old config stays */
	TL_EXPECT(!dl_write_conf("max_processes = 200\nfrobnicate = 1\n"), "write");
	mark = dl_notes_mark(&d);
	dl_daemon_signal(&d, SIGHUP);
	TL_EXPECT(dl_wait_note(&d, mark, "RELOADING=1", 3000), "no RELOADING=1: %s", d.notes + mark);
	TL_EXPECT(strstr(d.notes + mark, "MONOTONIC_USEC="), "RELOADING=1 without MONOTONIC_USEC");
	TL_EXPECT(dl_wait_note(&d, mark, "READY=1", 3000), "no READY=1 after the reload");
	TL_EXPECT(!dl_daemon_signal(&d, 0), "vsockd died on a bad config");
	r = dl_call("{\"request\":\"status\"}");
	TL_EXPECT(r && dl_ok(r), "status after a bad reload");
	TL_EXPECT(dl_jnum(r, "reload_failures") == 1 && dl_jnum(r, "reloads") == 0,
		  "reloads %llu, failures %llu", (unsigned long long)dl_jnum(r, "reloads"),
		  (unsigned long long)dl_jnum(r, "reload_failures"));
	TL_EXPECT(strstr(json_string_value(json_object_get(r, "last_reload_error")) ?: "",
			 "vsockd.conf:9: unknown key 'frobnicate' in [vsockd]"),
		  "last_reload_error: %s",
		  json_string_value(json_object_get(r, "last_reload_error")));
	TL_EXPECT(dl_jnum(json_object_get(r, "limits"), "max_processes") == 100,
		  "max_processes changed to %llu by a refused config",
		  (unsigned long long)dl_jnum(json_object_get(r, "limits"), "max_processes"));
	json_decref(r);

	/* a good one is applied, by signal and by request */
	TL_EXPECT(!dl_write_conf("max_processes = 300\n"), "write");
	mark = dl_notes_mark(&d);
	dl_daemon_signal(&d, SIGHUP);
	TL_EXPECT(dl_wait_note(&d, mark, "READY=1", 3000), "no READY=1 after a good reload");
	r = dl_call("{\"request\":\"status\"}");
	TL_EXPECT(r && dl_jnum(json_object_get(r, "limits"), "max_processes") == 300 &&
		  dl_jnum(r, "reloads") == 1 &&
		  json_is_null(json_object_get(r, "last_reload_error")),
		  "good reload not applied");
	json_decref(r);
	TL_EXPECT(!dl_write_conf("max_processes = 400\n"), "write");
	r = dl_call("{\"request\":\"reload\"}");
	TL_EXPECT(r && dl_ok(r), "reload request refused");
	json_decref(r);
	TL_EXPECT(!dl_write_conf("max_processes = nine\n"), "write");
	r = dl_call("{\"request\":\"reload\"}");
	TL_EXPECT(r && !dl_ok(r) && strstr(json_string_value(json_object_get(r, "error")) ?: "",
					"max_processes: 'nine' is not a number"),
		  "bad reload request: %s", r ? json_dumps(r, 0) : "no reply");
	json_decref(r);
	r = dl_call("{\"request\":\"status\"}");
	TL_EXPECT(r && dl_jnum(json_object_get(r, "limits"), "max_processes") == 400,
		  "limits after the reload request");
out:
	json_decref(r);
	dl_daemon_end(&d);
	return tl_verdict();
}

/* --- [proxy] services ------------------------------------------------ */

/* "10.96.0.20:90=127.0.0.1:1001,... " for every service in the maps. */
static void svc_summary(char *buf, size_t len)
{
	struct vs_svc_info *v = NULL;
	struct vs_err e = { "" };
	size_t off = 0;
	int n, i, j;

	buf[0] = 0;
	n = loader_svc_list(tl.ld, &v, &e);
	for (i = 0; i < n && off < len; i++) {
		off += snprintf(buf + off, len - off, "%u.%u.%u.%u:%u=", v[i].key.ip[12],
				v[i].key.ip[13], v[i].key.ip[14], v[i].key.ip[15], v[i].key.port);
		for (j = 0; j < v[i].nbackends && off < len; j++)
			off += snprintf(buf + off, len - off, "%s%u", j ? "," : "",
					v[i].backends[j].addr.port);
		if (off < len)
			off += snprintf(buf + off, len - off, "%s ",
					v[i].svc.mode == VS_SVC_PROXY ? "/proxy" : "");
	}
	free(v);
}

/* The [proxy] section is applied at start and at a reload (changed and
 * removed services), and a bad service line changes nothing. */
static int case_proxy_config_start_reload(void)
{
	struct dl_daemon d;
	char got[512];
	size_t mark;
	int rc;

	dl_daemon_init(&d);
	TL_EXPECT(!dl_write_conf("[proxy]\n"
				 "service = 10.96.0.20:90 backends=127.0.0.1:1001,127.0.0.1:1002\n"
				 "service = 10.96.0.21:91 backends=127.0.0.1:1003 mode=proxy\n"),
		  "write %s", dl.conf);
	rc = dl_daemon_start(&d, "proxy.log");
	TL_EXPECT(!rc, "vsockd did not start: %s", strerror(-rc));
	svc_summary(got, sizeof(got));
	TL_EXPECT(!strcmp(got, "10.96.0.20:90=1001,1002 10.96.0.21:91=1003/proxy "),
		  "services after start: '%s'", got);

	/* 20 changes, 21 goes, 22 comes */
	TL_EXPECT(!dl_write_conf("[proxy]\n"
				 "service = 10.96.0.20:90 backends=127.0.0.1:1004\n"
				 "service = 10.96.0.22:92 backends=127.0.0.1:1005\n"), "write");
	mark = dl_notes_mark(&d);
	dl_daemon_signal(&d, SIGHUP);
	TL_EXPECT(dl_wait_note(&d, mark, "READY=1", 3000), "no READY=1 after the reload");
	svc_summary(got, sizeof(got));
	TL_EXPECT(!strcmp(got, "10.96.0.20:90=1004 10.96.0.22:92=1005 "),
		  "services after the reload: '%s'", got);

	/* a bad line: the reload is refused, the maps stay */
	TL_EXPECT(!dl_write_conf("[proxy]\nservice = 10.96.0.23:0 backends=127.0.0.1:1\n"), "write");
	mark = dl_notes_mark(&d);
	dl_daemon_signal(&d, SIGHUP);
	TL_EXPECT(dl_wait_note(&d, mark, "READY=1", 3000), "no READY=1 after the bad reload");
	svc_summary(got, sizeof(got));
	TL_EXPECT(!strcmp(got, "10.96.0.20:90=1004 10.96.0.22:92=1005 "),
		  "services after a refused reload: '%s'", got);
	rc = dl_run_ctl(got, sizeof(got), "%s --check-config -c %s", dl.vsockd, dl.conf);
	TL_EXPECT(rc == 1 && strstr(got, "vsockd.conf:9: service: '10.96.0.23:0': port 0 is not allowed"),
		  "--check-config: exit %d, '%s'", rc, got);
out:
	dl_daemon_end(&d);
	loader_svc_del(tl.ld, &(struct vs_addr){ .ip = { [10] = 0xff, [11] = 0xff, 10, 96, 0, 20 },
						.port = 90 }, NULL);
	loader_svc_del(tl.ld, &(struct vs_addr){ .ip = { [10] = 0xff, [11] = 0xff, 10, 96, 0, 22 },
						.port = 92 }, NULL);
	return tl_verdict();
}

/* --- kill -9 mid-stream --------------------------------------------- */

#define STREAM_BYTES (6ull << 30)

struct stream {
	int port[2];	/* server → parent → client: listening port */
	int srep[2];	/* server → parent: its cookie */
	int crep[2];	/* client → parent: its cookie */
	int go[2];	/* parent → children: exit (one byte each) */
};

/* One end of the stream on fd: report its cookie on rep, move every byte,
 * then stay until the restarted daemon was checked. */
static int stream_end(struct stream *s, int wfd, int fd, int rep, bool sender)
{
	struct tl_xfer x = { .fd = fd, .seed = 0xd0, .len = STREAM_BYTES, .timeout_ms = 60000,
			     .max_io = 1 << 20 };
	__u64 c = tl_cookie(fd);
	char b;

	if (write(rep, &c, sizeof(c)) != sizeof(c))
		return tl_child_fail(wfd, "report");
	if (sender ? tl_xfer_send(&x) : tl_xfer_recv(&x))
		return tl_child_fail(wfd, "%s: %s", sender ? "send" : "receive", x.why);
	return read(s->go[0], &b, 1) == 1 ? 0 : tl_child_fail(wfd, "go");
}

static int stream_server(void *arg, int wfd)
{
	struct stream *s = arg;
	int l, port, fd;

	l = tl_listen(AF_INET, NULL, 0, false);
	port = l < 0 ? -1 : tl_port(l);
	if (write(s->port[1], &port, sizeof(port)) != sizeof(port) || l < 0)
		return tl_child_fail(wfd, "listen");
	fd = tl_accept(l, true, 5000);
	if (fd < 0)
		return tl_child_fail(wfd, "accept");
	return stream_end(s, wfd, fd, s->srep[1], false);
}

static int stream_client(void *arg, int wfd)
{
	struct stream *s = arg;
	int port, fd;

	if (read(s->port[0], &port, sizeof(port)) != sizeof(port) || port <= 0)
		return tl_child_fail(wfd, "no port");
	fd = tl_connect(AF_INET, NULL, port, true);
	if (fd < 0 || tl_wait_connected(fd, 2000))
		return tl_child_fail(wfd, "connect");
	return stream_end(s, wfd, fd, s->crep[1], true);
}

static int case_kill9_midstream_restart_adopts(void)
{
	struct stream s = { { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 } };
	struct tl_child srv = { 0 }, cli = { 0 };
	struct vs_sock_entry e0, e1;
	struct dl_daemon d, d2;
	__u64 ck[2], ids;
	json_t *r = NULL;
	char why[256];
	int progs, rc, i;

	dl_daemon_init(&d2);
	rc = dl_start(&d, "kill9-first.log");
	TL_EXPECT(!rc, "vsockd did not start: %s", strerror(-rc));
	progs = count_vsock_progs();
	ids = pinned_prog_ids();
	TL_EXPECT(!pipe2(s.port, O_CLOEXEC) && !pipe2(s.srep, O_CLOEXEC) &&
		  !pipe2(s.crep, O_CLOEXEC) && !pipe2(s.go, O_CLOEXEC), "pipe");
	TL_EXPECT(!tl_child_start(&srv, stream_server, &s), "fork server");
	TL_EXPECT(!tl_child_start(&cli, stream_client, &s), "fork client");
	TL_EXPECT(read(s.srep[0], &ck[0], 8) == 8 && read(s.crep[0], &ck[1], 8) == 8,
		  "no cookies");
	/* mid-stream: the client has sent something through the fast path */
	for (i = 0; i < 100; i++) {
		if (!tl_entry_by_cookie(ck[1], &e0) && e0.tx_redir_bytes > (64ull << 20))
			break;
		tl_sleep_ms(10);
	}
	TL_EXPECT(i < 100 && e0.in_sockhash, "stream is not on the fast path");
	TL_EXPECT(e0.tx_redir_bytes < STREAM_BYTES, "stream ended before the kill");
	rc = dl_daemon_stop(&d, SIGKILL);
	TL_EXPECT(WIFSIGNALED(rc) && WTERMSIG(rc) == SIGKILL, "kill -9: status %#x", rc);
	tl_diag("killed vsockd at %llu MiB of %llu", (unsigned long long)(e0.tx_redir_bytes >> 20),
		(unsigned long long)(STREAM_BYTES >> 20));

	/* restart: the pins are adopted, nothing is loaded twice */
	rc = dl_daemon_start(&d2, "kill9-second.log");
	TL_EXPECT(!rc, "vsockd did not restart: %s", strerror(-rc));
	TL_EXPECT(count_vsock_progs() == progs, "%d vsock programs after the restart, %d before",
		  count_vsock_progs(), progs);
	TL_EXPECT(pinned_prog_ids() == ids, "the pinned programs were replaced");
	TL_EXPECT(strstr(d2.notes, "STATUS=attached 1 cgroup;"), "restart STATUS: %s", d2.notes);

	/* the stream finishes intact: every byte checked against its pattern */
	for (i = 0; i < 6000; i++) {
		if (!tl_entry_by_cookie(e0.cookie, &e1) &&
		    e1.tx_redir_bytes + e1.tx_pass_bytes >= STREAM_BYTES)
			break;
		tl_sleep_ms(10);
	}
	TL_EXPECT(!tl_entry_by_cookie(e0.cookie, &e1), "sender left the table");
	TL_EXPECT(e1.tx_redir_bytes + e1.tx_pass_bytes >= STREAM_BYTES &&
		  e1.tx_redir_bytes > e0.tx_redir_bytes,
		  "after the kill: %llu redirected (%llu at the kill), %llu passed",
		  (unsigned long long)e1.tx_redir_bytes, (unsigned long long)e0.tx_redir_bytes,
		  (unsigned long long)e1.tx_pass_bytes);
	tl_diag("redirected %.1f%% of the stream",
		100.0 * e1.tx_redir_bytes / (double)STREAM_BYTES);

	/* the new daemon rebuilt its tables from the pins and /proc */
	r = dl_wait_handles(srv.pid, 2, 3000);	/* its listener and the stream */
	TL_EXPECT(r && dl_has_cookie(r, ck[0]),
		  "server's table after the restart lacks its socket %llu: %.600s",
		  (unsigned long long)ck[0], r ? json_dumps(r, 0) : "no reply");
	json_decref(r);
	r = dl_wait_handles(cli.pid, 1, 3000);
	TL_EXPECT(r && dl_has_cookie(r, ck[1]), "client's table after the restart lacks its socket");
	TL_EXPECT(write(s.go[1], "xx", 2) == 2, "go");
	rc = tl_child_wait(&srv, 60000, why, sizeof(why));
	TL_EXPECT(!rc, "receiver: %s", why);
out:
	if (tl.failed) {
		dl_show_log(&d);
		dl_show_log(&d2);
	}
	json_decref(r);
	dl_daemon_free(&d);
	dl_daemon_free(&d2);
	for (i = 0; i < 2; i++) {
		if (s.port[i] >= 0)
			close(s.port[i]);
		if (s.srep[i] >= 0)
			close(s.srep[i]);
		if (s.crep[i] >= 0)
			close(s.crep[i]);
		if (s.go[i] >= 0)
			close(s.go[i]);
	}
	return tl_verdict();
}

/* --- an unprivileged client ------------------------------------------ */

static int check_refused(int wfd, const char *req, const char *text)
{
	json_t *r = dl_call(req);
	const char *e = r ? json_string_value(json_object_get(r, "error")) : NULL;
	int ret = 0;

	if (!r || dl_ok(r) || !e || !strstr(e, text) ||
	    strcmp(json_string_value(json_object_get(r, "code")) ?: "", "EPERM"))
		ret = tl_child_fail(wfd, "%s: expected EPERM '%s', got %s", req, text,
				    r ? json_dumps(r, 0) : "no reply");
	json_decref(r);
	return ret;
}

static int nobody_fn(void *arg, int wfd)
{
	char req[256];
	json_t *r, *p;
	int c, s;

	(void)arg;
	close_inherited(wfd, -1, -1);
	/* sockets of our own, then drop every privilege */
	if (tl_pair(AF_INET, true, &c, &s))
		return tl_child_fail(wfd, "pair");
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return tl_child_fail(wfd, "setresuid: %s", strerror(errno));
	snprintf(req, sizeof(req), "{\"request\":\"attach\",\"cgroup\":\"%s\"}", tl.cg_main);
	if (check_refused(wfd, req, "needs root or the control group") ||
	    check_refused(wfd, "{\"request\":\"reload\"}", "needs root") ||
	    check_refused(wfd, "{\"request\":\"detach\",\"cgroup\":\"/x\"}", "needs root") ||
	    check_refused(wfd, "{\"request\":\"handles\",\"pid\":1}",
			  "may read only the handles of its own user"))
		return -1;
	/* its own table: both ends of its pair */
	r = dl_wait_handles(getpid(), 2, 3000);
	if (!r || !dl_ok(r) || json_array_size(json_object_get(r, "handles")) != 2)
		return tl_child_fail(wfd, "own handles: %s", r ? json_dumps(r, 0) : "no reply");
	json_decref(r);
	/* the master table shows it alone */
	r = dl_call("{\"request\":\"handles\"}");
	p = r ? json_object_get(r, "processes") : NULL;
	if (!p || json_array_size(p) != 1 ||
	    dl_jnum(json_array_get(p, 0), "pid") != (__u64)getpid())
		return tl_child_fail(wfd, "master table as nobody: %s",
				     r ? json_dumps(r, 0) : "no reply");
	json_decref(r);
	return 0;
}

static int case_unprivileged_client(void)
{
	struct tl_child child = { 0 };
	struct dl_daemon d;
	char out[2048], why[512];
	int rc;

	rc = dl_start(&d, "nobody.log");
	TL_EXPECT(!rc, "vsockd did not start: %s", strerror(-rc));
	TL_EXPECT(!tl_child_start(&child, nobody_fn, NULL), "fork");
	/* root's own sockets, so the master table has more than nobody's */
	TL_EXPECT(!tl_pair(AF_INET, true, &(int){ 0 }, &(int){ 0 }), "pair");
	rc = tl_child_wait(&child, 10000, why, sizeof(why));
	TL_EXPECT(!rc, "as nobody: %s", why);
	/* vsockctl as nobody: the daemon refuses, vsockctl says so */
	rc = dl_run_ctl(out, sizeof(out), "setpriv --reuid=65534 --regid=65534 --clear-groups %s attach %s",
		     dl.vsockctl, tl.cg_main);
	TL_EXPECT(rc == 1 && strstr(out, "vsockctl: vsockd: 'attach' needs root or the control group"),
		  "vsockctl attach as nobody (%d): %s", rc, out);
	rc = dl_run_ctl(out, sizeof(out), "setpriv --reuid=65534 --regid=65534 --clear-groups %s handles 1",
		     dl.vsockctl);
	TL_EXPECT(rc == 1 && strstr(out, "may read only the handles of its own user"),
		  "vsockctl handles 1 as nobody (%d): %s", rc, out);
	/* root may */
	rc = dl_run_ctl(out, sizeof(out), "%s -j handles 1", dl.vsockctl);
	TL_EXPECT(rc == 0, "vsockctl handles 1 as root (%d): %s", rc, out);
out:
	dl_daemon_end(&d);
	return tl_verdict();
}

/* --- bad input on the real socket ------------------------------------ */

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", dl.sock);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The code of the next reply ("" for a success, NULL at EOF). */
static const char *raw_reply(int fd, char *code, size_t len)
{
	unsigned char hdr[4];
	char buf[4096];
	json_t *j;
	uint32_t n;

	if (recv(fd, hdr, 4, MSG_WAITALL) != 4)
		return NULL;
	n = vs_ctl_get_len(hdr);
	if (n >= sizeof(buf) || recv(fd, buf, n, MSG_WAITALL) != (ssize_t)n)
		return NULL;
	j = json_loadb(buf, n, 0, NULL);
	snprintf(code, len, "%s", dl_ok(j) ? "" :
		 json_string_value(json_object_get(j, "code")) ?: "?");
	json_decref(j);
	return code;
}

static int case_malformed_requests(void)
{
	static const struct {
		const char *p;
		size_t n;
		const char *code;
	} bad[] = {
#define BAD(s, code) { s, sizeof(s) - 1, code }	/* an embedded NUL counts */
		BAD("hello", "EINVAL"),
		BAD("[]", "EINVAL"),
		BAD("{\"request\":1", "EINVAL"),
		BAD("{\"request\":\"nuke\"}", "EOPNOTSUPP"),
		BAD("{\"request\":\"status\"}\0", "EINVAL"),
		BAD("{\"request\":\"handles\",\"pid\":-1}", "EINVAL"),
#undef BAD
	};
	unsigned char frame[64];
	struct dl_daemon d;
	const char *c;
	char code[32], junk[64];
	json_t *r = NULL;
	unsigned int i;
	int fd = -1, rc;

	rc = dl_start(&d, "malformed.log");
	TL_EXPECT(!rc, "vsockd did not start: %s", strerror(-rc));
	fd = raw_connect();
	TL_EXPECT(fd >= 0, "connect");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vs_ctl_put_len(frame, (uint32_t)bad[i].n);
		memcpy(frame + 4, bad[i].p, bad[i].n);
		TL_EXPECT(send(fd, frame, 4 + bad[i].n, MSG_NOSIGNAL) == (ssize_t)(4 + bad[i].n),
			  "send");
		c = raw_reply(fd, code, sizeof(code));
		TL_EXPECT(c && !strcmp(c, bad[i].code), "request %u: reply %s, want %s", i,
			  c ?: "none", bad[i].code);
	}
	/* the same connection still serves */
	TL_EXPECT(send(fd, "\x00\x00\x00\x14{\"request\":\"status\"}", 24, MSG_NOSIGNAL) == 24,
		  "send");
	c = raw_reply(fd, code, sizeof(code));
	TL_EXPECT(c && !*c, "status after bad requests: %s", c ?: "no reply");
	/* oversized: answered, then closed */
	TL_EXPECT(send(fd, "\x7f\xff\xff\xff", 4, MSG_NOSIGNAL) == 4, "send");
	c = raw_reply(fd, code, sizeof(code));
	TL_EXPECT(c && !strcmp(c, "EMSGSIZE"), "oversized: %s", c ?: "no reply");
	TL_EXPECT(recv(fd, junk, sizeof(junk), 0) == 0, "not closed after an oversized frame");
	close(fd);
	/* truncated: the stream ends mid-frame */
	fd = raw_connect();
	TL_EXPECT(fd >= 0 && send(fd, "\x00\x00\x01\x00{\"requ", 10, MSG_NOSIGNAL) == 10, "send");
	shutdown(fd, SHUT_WR);
	c = raw_reply(fd, code, sizeof(code));
	TL_EXPECT(c && !strcmp(c, "EBADMSG"), "truncated: %s", c ?: "no reply");
	close(fd);
	/* random bytes from many clients at once */
	for (i = 0; i < 32; i++) {
		int f = raw_connect();
		uint64_t rng = i + 1, k;

		for (k = 0; k < sizeof(junk); k++)
			junk[k] = (char)tl_rand(&rng);
		if (f >= 0) {
			rc = send(f, junk, sizeof(junk), MSG_NOSIGNAL);
			close(f);
		}
	}
	fd = -1;
	r = dl_call("{\"request\":\"status\"}");
	TL_EXPECT(r && dl_ok(r) && !dl_daemon_signal(&d, 0), "vsockd does not serve after bad input");
	TL_EXPECT(dl_jnum(r, "request_errors") >= 7, "request_errors %llu",
		  (unsigned long long)dl_jnum(r, "request_errors"));
out:
	if (fd >= 0)
		close(fd);
	json_decref(r);
	dl_daemon_end(&d);
	return tl_verdict();
}

/* --- lost events lead to a rescan ------------------------------------ */

static int case_lost_events_rescan(void)
{
	struct dl_daemon d;
	json_t *r = NULL;
	__u64 rescans = 0, lost;
	int i, c, s, rc;

	rc = dl_start(&d, "lost.log");
	TL_EXPECT(!rc, "vsockd did not start: %s", strerror(-rc));
	r = dl_call("{\"request\":\"status\"}");
	TL_EXPECT(r, "status");
	rescans = dl_jnum(r, "rescans");
	lost = dl_jnum(r, "events_lost");
	json_decref(r);
	r = NULL;
	/* a stopped consumer: the 1 MiB ring overflows (about 10 events per
	 * connection, 48 bytes each) */
	dl_daemon_signal(&d, SIGSTOP);
	for (i = 0; i < 3000; i++) {
		if (tl_pair(AF_INET, true, &c, &s))
			break;
		tl_close(c);
		tl_close(s);
	}
	/* one connection that is still open when the daemon wakes up */
	TL_EXPECT(!tl_pair(AF_INET, true, &c, &s), "pair");
	dl_daemon_signal(&d, SIGCONT);
	TL_EXPECT(i == 3000, "only %d connections", i);
	for (i = 0; i < 60; i++) {
		r = dl_call("{\"request\":\"status\"}");
		if (r && dl_jnum(r, "rescans") > rescans)
			break;
		json_decref(r);
		r = NULL;
		tl_sleep_ms(50);
	}
	TL_EXPECT(r && dl_jnum(r, "events_lost") > lost,
		  "no events lost (%llu)", r ? (unsigned long long)dl_jnum(r, "events_lost") : 0ull);
	TL_EXPECT(i < 60, "no rescan after lost events");
	json_decref(r);
	r = dl_wait_handles(getpid(), 2, 2000);
	TL_EXPECT(r && json_array_size(json_object_get(r, "handles")) == 2,
		  "runner's open connection not in its table after the rescan");
out:
	json_decref(r);
	dl_daemon_end(&d);
	return tl_verdict();
}

/* --- a second daemon on the same socket ------------------------------ */

static int case_second_daemon_refused(void)
{
	struct dl_daemon d, d2;
	char line[512];
	FILE *f = NULL;
	bool said = false;
	int rc;

	dl_daemon_init(&d2);
	rc = dl_start(&d, "first.log");
	TL_EXPECT(!rc, "vsockd did not start: %s", strerror(-rc));
	rc = dl_daemon_start(&d2, "second.log");
	TL_EXPECT(rc == -ECHILD, "a second vsockd did not exit (%d)", rc);
	rc = dl_daemon_stop(&d2, 0);
	TL_EXPECT(WIFEXITED(rc) && WEXITSTATUS(rc) == 1, "second vsockd: status %#x", rc);
	f = fopen(d2.log, "re");
	while (f && fgets(line, sizeof(line), f))
		said |= strstr(line, "is another vsockd running?") != NULL;
	TL_EXPECT(said, "second vsockd did not say why");
	TL_EXPECT(!dl_daemon_signal(&d, 0), "the first vsockd is gone");
	json_decref(dl_call("{\"request\":\"status\"}"));
out:
	if (f)
		fclose(f);
	dl_daemon_free(&d);
	dl_daemon_free(&d2);
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "start_ready_status", case_start_ready_status, 30 },
	{ "handles_match_proc", case_handles_match_proc, 30 },
	{ "handles_without_pidfd_getfd", case_handles_without_pidfd_getfd, 30 },
	{ "sighup_bad_config_keeps_old", case_sighup_bad_config_keeps_old, 30 },
	{ "unprivileged_client", case_unprivileged_client, 30 },
	{ "malformed_requests", case_malformed_requests, 30 },
	{ "lost_events_rescan", case_lost_events_rescan, 30 },
	{ "second_daemon_refused", case_second_daemon_refused, 30 },
	{ "kill9_midstream_restart_adopts", case_kill9_midstream_restart_adopts, 90 },
	{ "proxy_config_start_reload", case_proxy_config_start_reload, 30 },
};

int main(void)
{
	return dl_main("test_daemon", cases, TL_NCASES(cases));
}
