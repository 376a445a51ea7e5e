/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vsockd for kernel tests (daemonlib.c): started by a test case with the
 * harness's private pin root, a private control socket and a NOTIFY_SOCKET
 * the test reads, in the original network namespace (the test's sockets
 * live in the runner's own, so the daemon's namespace helpers are
 * exercised). Every daemon is a child of the runner, killed by pid at the
 * end of its case and by the supervisor's cgroup sweep if the runner dies.
 * main() calls dl_main() instead of tl_main(). Requests on the control
 * socket: daemonctl.h. */
#ifndef VSOCK_DAEMONLIB_H
#define VSOCK_DAEMONLIB_H

#include <sys/un.h>
#include "testlib.h"

/* Where the daemons of this test binary live. */
struct dl_paths {
	char dir[PATH_MAX];		/* /tmp/vsock-test-<supervisor pid> */
	char conf[PATH_MAX + 16];	/* dir/vsockd.conf */
	char sock[PATH_MAX + 16];	/* dir/vsockd.sock: the control socket */
	char notify[PATH_MAX + 16];	/* dir/notify: NOTIFY_SOCKET */
	char vsockd[PATH_MAX];		/* the binaries next to this test */
	char vsockctl[PATH_MAX];
};

extern struct dl_paths dl;

struct dl_daemon {
	pid_t pid;
	int nfd;		/* our end of NOTIFY_SOCKET */
	/* A thread reads NOTIFY_SOCKET all the time, as systemd does: a unix
	 * datagram queue holds 10 messages, and sd_notify() blocks on a full one. */
	pthread_t reader;
	bool reading;
	volatile bool stop_reading;
	pthread_mutex_t mu;
	char notes[16384];	/* every notification, one per line */
	size_t nlen;
	uint64_t t0_ns;
	uint64_t ready_ms;
	bool exited;		/* reaped while waiting for READY=1 */
	int status;
	char log[PATH_MAX + 32];
	/* set after dl_daemon_init(), before dl_daemon_start() (which keeps
	 * it): vsockd's pidfd_getfd() fails with
	 * EPERM, as under a syscall filter without it (seccomp in the child) */
	bool deny_getfd;
};

/* main() of a test binary whose cases start vsockd. */
int dl_main(const char *bin, const struct tl_case *cases, int n);

/* The config every case starts from, plus extra lines for [vsockd]. */
int dl_write_conf(const char *extra);
/* d before anything else: dl_daemon_free() may then run whatever failed. */
void dl_daemon_init(struct dl_daemon *d);
/* Start vsockd with the current config in the original network namespace,
 * output to dir/logname; 0 once READY=1 came, -ECHILD when it exited. */
int dl_daemon_start(struct dl_daemon *d, const char *logname);
/* Send sig (0: is it alive?). Never kill(0, ...): that is our whole
 * process group, supervisor included. */
int dl_daemon_signal(struct dl_daemon *d, int sig);
/* Signal the daemon and reap it; returns its wait status or -1. */
int dl_daemon_stop(struct dl_daemon *d, int sig);
/* Kill what still runs, stop the notification reader. */
void dl_daemon_free(struct dl_daemon *d);
/* End of a case: the log as diagnostics if the case failed, then free. */
void dl_daemon_end(struct dl_daemon *d);
/* Offset of the next notification, for dl_wait_note(). */
size_t dl_notes_mark(struct dl_daemon *d);
/* Wait up to ms for a notification line starting with what, after from. */
bool dl_wait_note(struct dl_daemon *d, size_t from, const char *what, int ms);
/* Print the daemon's log as diagnostics (after a failure). */
void dl_show_log(const struct dl_daemon *d);

/* vsockd with the default config, for a case that needs it running;
 * dl_stop() ends it cleanly (its joiner stops beating at once). d must be
 * passed to dl_stop() whatever this returned. */
int dl_start(struct dl_daemon *d, const char *logname);
void dl_stop(struct dl_daemon *d);

/* The emulated file-descriptor store of systemd (the daemon's FDSTORE=1
 * messages): descriptors held, and dropping them all (dl_stop does). */
int dl_store_count(void);
void dl_store_clear(void);

/* Run a command with the test's control socket; output (stdout and
 * stderr) into out. Returns its exit status, or -1. */
int dl_run_ctl(char *out, size_t len, const char *fmt, ...) TL_PRINTF(3, 4);

#endif /* VSOCK_DAEMONLIB_H */
