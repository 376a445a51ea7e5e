// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vsockctl as an unprivileged user (nobody, through setpriv) against a
 * running vsockd and the pinned maps: every command that changes anything
 * fails with one clear line and changes nothing (tunables, services, cgroup
 * attachments and pins compared before and after, as root); the commands
 * that read the kernel's tables are refused too, so they leak nothing; and
 * `vsockctl handles` shows exactly the processes of the caller's own user,
 * not root's, not another user's, not a setuid one's. */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "daemonlib.h"

#define NOBODY 65534
#define OTHER_UID 4242	/* a user that is not nobody */
#define AS_NOBODY "setpriv --reuid=65534 --regid=65534 --clear-groups "

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* "P1 P2 ...": the sorted pids of the master table, as `vsockctl -j
 * handles` prints it (an array of processes, each with "pid":N). */
static const char *pids_of(const char *json, char *buf, size_t len)
{
	int pid[64], n = 0, i;
	size_t off = 0;
	const char *p;

	for (p = json; n < 64 && (p = strstr(p, "\"pid\":")); p += 6)
		pid[n++] = atoi(p + 6);
	qsort(pid, n, sizeof(pid[0]), cmp_int);
	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%d", i ? " " : "", pid[i]);
	return buf;
}

/* How many times needle occurs in s. */
static int count_of(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* What root sees of everything a command could change. */
static int snapshot(char *out, size_t len)
{
	/* tunables, services (counters do not move: nobody connects), the
	 * programs on the test cgroup, the pins */
	return dl_run_ctl(out, len,
			  "%s --pin-root %s -j tune && %s --pin-root %s -j proxy list && "
			  "bpftool cgroup show %s && ls %s",
			  dl.vsockctl, tl.pin_root, dl.vsockctl, tl.pin_root, tl.cg_main,
			  tl.pin_root);
}

/* cmd as nobody: exit 1 and one line "vsockctl: ...want...". */
static void expect_refused(const char *cmd, const char *want)
{
	char out[2048];
	int rc;

	rc = dl_run_ctl(out, sizeof(out), AS_NOBODY "%s --pin-root %s %s", dl.vsockctl,
			tl.pin_root, cmd);
	if (rc != 1 || strncmp(out, "vsockctl: ", 10) || !strstr(out, want) ||
	    strchr(out, '\n') != out + strlen(out) - 1)
		TL_FAIL("'%s' as nobody: exit %d, '%s' (expected exit 1 and one line with '%s')",
			cmd, rc, out, want);
}

static int case_nobody_changes_nothing(void)
{
	static const struct {
		const char *cmd, *want;
	} cmds[] = {
		/* through vsockd, which refuses */
		{ "attach %s", "vsockd: 'attach' needs root or the control group" },
		{ "attach %s max_queued 1M", "vsockd: 'attach' needs root or the control group" },
		{ "detach %s", "vsockd: 'detach' needs root or the control group" },
		/* through the pins, which the kernel refuses */
		{ "unload", "must run as root" },
		{ "unload --force", "must run as root" },
		{ "tune small_run 5 busy_poll 2", "must run as root" },
		{ "tune max_queued 64K", "must run as root" },
		{ "proxy add 10.96.7.8:80 --backend 127.0.0.1:9", "must run as root" },
		{ "proxy add 10.96.7.7:80 --backend 127.0.0.1:10 --replace", "must run as root" },
		{ "proxy del 10.96.7.7:80", "must run as root" },
		/* reads of the whole socket table leak other users' sockets */
		{ "sockets", "must run as root" },
		{ "stats", "must run as root" },
		{ "proxy list", "must run as root" },
	};
	char before[8192], after[8192], cmd[PATH_MAX + 64], out[1024];
	struct dl_daemon d;
	size_t i;
	int rc;

	rc = dl_start(&d, "unpriv.log");
	TL_EXPECT(!rc, "vsockd did not start: %s", strerror(-rc));
	rc = dl_run_ctl(out, sizeof(out), "%s --pin-root %s proxy add 10.96.7.7:80 --backend 127.0.0.1:9",
			dl.vsockctl, tl.pin_root);
	TL_EXPECT(rc == 0, "proxy add as root (%d): %s", rc, out);
	TL_EXPECT(!snapshot(before, sizeof(before)), "state as root: %s", before);
	TL_EXPECT(strstr(before, "10.96.7.7:80") && strstr(before, "vsock_"),
		  "the state to protect is not there: %s", before);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(cmd, sizeof(cmd), cmds[i].cmd, tl.cg_main);
		expect_refused(cmd, cmds[i].want);
	}
	TL_EXPECT(!snapshot(after, sizeof(after)), "state as root: %s", after);
	TL_EXPECT(!strcmp(before, after), "nobody changed something:\nbefore %s\nafter %s",
		  before, after);
	TL_EXPECT(!dl_daemon_signal(&d, 0), "vsockd died");
out:
	dl_stop(&d);
	return tl_verdict();
}

/* A process with a connected pair as (ruid, euid), until the parent ends it. */
struct holder {
	uid_t ruid, euid;
	int go[2];	/* the parent closes go[1]: time to exit */
};

static int holder_fn(void *arg, int wfd)
{
	struct holder *h = arg;
	int c, s;
	char b;

	close(h->go[1]);
	if (tl_pair(AF_INET, true, &c, &s))
		return tl_child_fail(wfd, "pair");
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(h->ruid, h->euid, h->euid))
		return tl_child_fail(wfd, "setresuid(%u, %u): %s", h->ruid, h->euid,
				     strerror(errno));
	while (read(h->go[0], &b, 1) < 0 && errno == EINTR)
		;
	return 0;
}

static int start_holder(struct tl_child *c, struct holder *h, uid_t ruid, uid_t euid)
{
	h->ruid = ruid;
	h->euid = euid;
	if (pipe(h->go))
		return -errno;
	if (tl_child_start(c, holder_fn, h))
		return -ECHILD;
	close(h->go[0]);
	return 0;
}

/* Whether the pid list ("P1 P2 ...") holds pid. */
static bool lists(const char *list, pid_t pid)
{
	char tok[16];
	size_t n = strlen(list);
	const char *p;

	snprintf(tok, sizeof(tok), "%d", pid);
	for (p = list; (p = strstr(p, tok)); p++)
		if ((p == list || p[-1] == ' ') && (p[strlen(tok)] == ' ' || p + strlen(tok) == list + n))
			return true;
	return false;
}

/* Wait until root's master table lists every one of the n pids (vsockd,
 * a child of the case, may be listed too: it holds sockets of its own). */
static bool wait_tracked(const pid_t *pid, int n, char *got, size_t len)
{
	char out[4096];
	int i, j;

	for (i = 0; i < 50; i++) {
		if (!dl_run_ctl(out, sizeof(out), "%s -j handles", dl.vsockctl)) {
			pids_of(out, got, len);
			for (j = 0; j < n && lists(got, pid[j]); j++)
				;
			if (j == n)
				return true;
		}
		usleep(100 * 1000);
	}
	return false;
}

static int case_nobody_reads_own_handles(void)
{
	struct holder hn = { .go = { -1, -1 } }, ho = { .go = { -1, -1 } },
		      hs = { .go = { -1, -1 } };
	struct tl_child cn = { 0 }, co = { 0 }, cs = { 0 };
	char want[128], got[128], out[16384], why[256];
	struct dl_daemon d;
	int rc, c, s;

	rc = dl_start(&d, "own.log");
	TL_EXPECT(!rc, "vsockd did not start: %s", strerror(-rc));
	/* root's pair (the runner), nobody's, another user's, and a setuid-like
	 * process whose real uid is nobody but whose effective uid is root */
	TL_EXPECT(!start_holder(&cn, &hn, NOBODY, NOBODY), "nobody's holder");
	TL_EXPECT(!start_holder(&co, &ho, OTHER_UID, OTHER_UID), "uid %d's holder", OTHER_UID);
	TL_EXPECT(!start_holder(&cs, &hs, NOBODY, 0), "setuid holder");
	/* after the forks: a holder holds its own pair only */
	TL_EXPECT(!tl_pair(AF_INET, true, &c, &s), "pair");
	{
		pid_t p[4] = { getpid(), cn.pid, co.pid, cs.pid };

		TL_EXPECT(wait_tracked(p, 4, got, sizeof(got)),
			  "root's master table: '%s', expected pids %d %d %d %d among them",
			  got, p[0], p[1], p[2], p[3]);
	}
	/* nobody's master table: its own process only */
	rc = dl_run_ctl(out, sizeof(out), AS_NOBODY "%s -j handles", dl.vsockctl);
	snprintf(want, sizeof(want), "%d", cn.pid);
	TL_EXPECT(rc == 0 && !strcmp(pids_of(out, got, sizeof(got)), want),
		  "nobody's master table (%d): %s, expected pid %s", rc, out, want);
	/* its process's private table: both ends of the pair */
	rc = dl_run_ctl(out, sizeof(out), AS_NOBODY "%s -j handles %d", dl.vsockctl, cn.pid);
	TL_EXPECT(rc == 0 && count_of(out, "\"fd\":") == 2, "nobody's own table (%d): %d handles: %s",
		  rc, count_of(out, "\"fd\":"), out);
	/* anyone else's: refused */
	snprintf(want, sizeof(want), "%d", co.pid);
	rc = dl_run_ctl(out, sizeof(out), AS_NOBODY "%s handles %s", dl.vsockctl, want);
	TL_EXPECT(rc == 1 && strstr(out, "may read only the handles of its own user's processes (uid 65534)"),
		  "another user's table as nobody (%d): %s", rc, out);
	rc = dl_run_ctl(out, sizeof(out), AS_NOBODY "%s handles %d", dl.vsockctl, cs.pid);
	TL_EXPECT(rc == 1 && strstr(out, "may read only the handles"),
		  "a setuid process's table as nobody (%d): %s", rc, out);
	rc = dl_run_ctl(out, sizeof(out), AS_NOBODY "%s handles %d", dl.vsockctl, getpid());
	TL_EXPECT(rc == 1 && strstr(out, "may read only the handles"),
		  "root's table as nobody (%d): %s", rc, out);
	/* uid 4242 sees its own, not nobody's */
	rc = dl_run_ctl(out, sizeof(out), "setpriv --reuid=%d --regid=%d --clear-groups %s -j handles",
			OTHER_UID, NOBODY, dl.vsockctl);
	snprintf(want, sizeof(want), "%d", co.pid);
	TL_EXPECT(rc == 0 && !strcmp(pids_of(out, got, sizeof(got)), want),
		  "uid %d's master table (%d): %s, expected pid %s", OTHER_UID, rc, out, want);
out:
	close(hn.go[1]);
	close(ho.go[1]);
	close(hs.go[1]);
	if (cn.pid && tl_child_wait(&cn, 3000, why, sizeof(why)))
		TL_FAIL("nobody's holder: %s", why);
	if (co.pid && tl_child_wait(&co, 3000, why, sizeof(why)))
		TL_FAIL("uid %d's holder: %s", OTHER_UID, why);
	if (cs.pid && tl_child_wait(&cs, 3000, why, sizeof(why)))
		TL_FAIL("setuid holder: %s", why);
	dl_stop(&d);
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "nobody_changes_nothing", case_nobody_changes_nothing, 60 },
	{ "nobody_reads_own_handles", case_nobody_reads_own_handles, 60 },
};

int main(void)
{
	return dl_main("test_unprivileged", cases, TL_NCASES(cases));
}
