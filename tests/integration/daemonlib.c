// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vsockd as a child of a test case: its config, its notifications, its
 * start, stop and log (daemonlib.h). */
#include <stddef.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "daemonlib.h"

struct dl_paths dl;

static void dl_remove_dir(void)
{
	char cmd[PATH_MAX + 16];

	/* supervisor only: the runner _exit()s */
	if (dl.dir[0] && getpid() == tl.supervisor) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dl.dir);
		if (system(cmd))
			fprintf(stderr, "# could not remove %s\n", dl.dir);
	}
}

/* The binaries next to ours: $(O)/tests/integration/test_daemon. */
static int dl_find_bins(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return -errno;
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(dl.vsockd, sizeof(dl.vsockd), "%s/../../vsockd", exe);
	snprintf(dl.vsockctl, sizeof(dl.vsockctl), "%s/../../vsockctl", exe);
	return access(dl.vsockd, X_OK) ? -errno : 0;
}

/* Replace a file at once (write a sibling, rename), as an editor would. */
static int dl_put_file(const char *path, const char *text)
{
	char tmp[PATH_MAX + 32];
	FILE *f;
	int r;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	r = fputs(text, f) < 0 ? -EIO : 0;
	if (fclose(f) && !r)
		r = -errno;
	if (!r && rename(tmp, path))
		r = -errno;
	return r;
}

/* The config every case starts from, plus extra lines for [vsockd]. */
int dl_write_conf(const char *extra)
{
	char buf[4096];

	snprintf(buf, sizeof(buf),
		 "# written by test_daemon\n"
		 "[vsockd]\n"
		 "pin_root = %s\n"
		 "control_socket = %s\n"
		 "control_socket_mode = 0666\n"
		 "log_level = debug\n"
		 "rescan_interval = 3600\n"
		 "%s"
		 "[cgroups]\n"
		 "attach = %s\n", tl.pin_root, dl.sock, extra ? extra : "", tl.cg_main);
	return dl_put_file(dl.conf, buf);
}

/* systemd's file-descriptor store, as PID 1 keeps it for a unit: what a
 * daemon stored (FDSTORE=1, FDNAME=) outlives it and is handed to its next
 * start; FDSTOREREMOVE=1 drops a name. One store per test binary. */
#define DL_STORE_MAX	4096
static struct {
	pthread_mutex_t mu;
	int n;
	int fd[DL_STORE_MAX];
	char name[DL_STORE_MAX][64];
} dl_store = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void dl_store_note(const char *msg, const int *fds, int nfds)
{
	const char *p = strstr(msg, "FDNAME=");
	char name[64] = "stored";
	int i, j;

	if (p)
		sscanf(p + 7, "%63[^\n]", name);
	pthread_mutex_lock(&dl_store.mu);
	if (strstr(msg, "FDSTOREREMOVE=1")) {
		for (i = j = 0; i < dl_store.n; i++) {
			if (!strcmp(dl_store.name[i], name)) {
				close(dl_store.fd[i]);
				continue;
			}
			dl_store.fd[j] = dl_store.fd[i];
			memcpy(dl_store.name[j++], dl_store.name[i], 64);
		}
		dl_store.n = j;
	} else if (strstr(msg, "FDSTORE=1")) {
		for (i = 0; i < nfds; i++) {
			if (dl_store.n == DL_STORE_MAX) {
				close(fds[i]);
				continue;
			}
			dl_store.fd[dl_store.n] = fds[i];
			memcpy(dl_store.name[dl_store.n++], name, 64);
		}
		nfds = 0;
	}
	pthread_mutex_unlock(&dl_store.mu);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

int dl_store_count(void)
{
	int n;

	pthread_mutex_lock(&dl_store.mu);
	n = dl_store.n;
	pthread_mutex_unlock(&dl_store.mu);
	return n;
}

void dl_store_clear(void)
{
	int i;

	pthread_mutex_lock(&dl_store.mu);
	for (i = 0; i < dl_store.n; i++)
		close(dl_store.fd[i]);
	dl_store.n = 0;
	pthread_mutex_unlock(&dl_store.mu);
}

/* Before a start: PID 1 drops what hung up or failed, as systemd does. */
static void dl_store_prune(void)
{
	struct pollfd p;
	int i, j;

	pthread_mutex_lock(&dl_store.mu);
	for (i = j = 0; i < dl_store.n; i++) {
		p.fd = dl_store.fd[i];
		p.events = 0;
		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR))) {
			close(dl_store.fd[i]);
			continue;
		}
		dl_store.fd[j] = dl_store.fd[i];
		memcpy(dl_store.name[j++], dl_store.name[i], 64);
	}
	dl_store.n = j;
	pthread_mutex_unlock(&dl_store.mu);
}

/* In the child, before exec: the stored descriptors from 3 on, with
 * LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID (sd_listen_fds_with_names()). */
static void dl_store_hand_over(void)
{
	static char names[DL_STORE_MAX * 65];
	int i, tmp, n = dl_store.n;
	char buf[32];
	size_t off = 0;

	names[0] = '\0';
	for (i = 0; i < n; i++) {	/* above any target first, then into place */
		tmp = fcntl(dl_store.fd[i], F_DUPFD_CLOEXEC, 3 + n);
		if (tmp < 0)
			_exit(125);
		dl_store.fd[i] = tmp;
	}
	for (i = 0; i < n; i++) {
		if (dup2(dl_store.fd[i], 3 + i) < 0)
			_exit(125);
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", i ? ":" : "",
					dl_store.name[i]);
	}
	if (!n)
		return;
	snprintf(buf, sizeof(buf), "%d", n);
	setenv("LISTEN_FDS", buf, 1);
	setenv("LISTEN_FDNAMES", names, 1);
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	setenv("LISTEN_PID", buf, 1);
}

static void *dl_notes_thread(void *arg)
{
	struct dl_daemon *d = arg;
	struct pollfd p = { .fd = d->nfd, .events = POLLIN };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 253)];
		struct cmsghdr align;
	} ctl;
	char buf[4096];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int fds[253], nfds;
	ssize_t n;

	while (!d->stop_reading) {
		if (poll(&p, 1, 50) <= 0)
			continue;
		for (;;) {
			mh.msg_control = ctl.buf;
			mh.msg_controllen = sizeof(ctl.buf);
			n = recvmsg(d->nfd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
			if (n <= 0)
				break;
			buf[n] = '\0';
			nfds = 0;
			for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
				if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
					nfds = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
					memcpy(fds, CMSG_DATA(cm), sizeof(int) * (size_t)nfds);
				}
			if (nfds || strstr(buf, "FDSTORE"))
				dl_store_note(buf, fds, nfds);
			pthread_mutex_lock(&d->mu);
			if (d->nlen + n + 2 < sizeof(d->notes)) {
				memcpy(d->notes + d->nlen, buf, n);
				d->nlen += n;
				d->notes[d->nlen++] = '\n';
				d->notes[d->nlen] = '\0';
			}
			pthread_mutex_unlock(&d->mu);
		}
	}
	return NULL;
}

size_t dl_notes_mark(struct dl_daemon *d)
{
	size_t n;

	pthread_mutex_lock(&d->mu);
	n = d->nlen;
	pthread_mutex_unlock(&d->mu);
	return n;
}

/* Wait for a notification line starting with what, after offset from. */
bool dl_wait_note(struct dl_daemon *d, size_t from, const char *what, int ms)
{
	uint64_t deadline = tl_now_ms() + ms;
	size_t l = strlen(what);
	const char *p;
	bool found = false;

	for (;;) {
		pthread_mutex_lock(&d->mu);
		for (p = d->notes + from; !found && (p = strstr(p, what)); p += l)
			found = p == d->notes || p[-1] == '\n';
		pthread_mutex_unlock(&d->mu);
		if (found)
			return true;
		if (tl_now_ms() >= deadline)
			return false;
		tl_sleep_ms(20);
	}
}

static int dl_notify_socket(struct dl_daemon *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	d->nfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (d->nfd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", dl.notify);
	unlink(dl.notify);
	if (bind(d->nfd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	if (pthread_create(&d->reader, NULL, dl_notes_thread, d))
		return -EAGAIN;
	d->reading = true;
	return 0;
}

void dl_daemon_init(struct dl_daemon *d)
{
	memset(d, 0, sizeof(*d));
	d->nfd = -1;
	pthread_mutex_init(&d->mu, NULL);
}

/* In the child, before exec: pidfd_getfd() returns EPERM from now on. */
static int deny_pidfd_getfd(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_getfd, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* Start vsockd in the original network namespace; 0 once READY=1 came. */
int dl_daemon_start(struct dl_daemon *d, const char *logname)
{
	bool deny_getfd = d->deny_getfd;
	char ns[64];
	int nsfd, r;

	dl_daemon_init(d);
	d->deny_getfd = deny_getfd;
	snprintf(d->log, sizeof(d->log), "%s/%s", dl.dir, logname);
	r = dl_notify_socket(d);
	if (r)
		return r;
	snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int)tl.supervisor);
	nsfd = open(ns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -errno;
	d->t0_ns = tl_now_ns();
	dl_store_prune();
	fflush(stdout);
	d->pid = fork();
	if (d->pid < 0) {
		close(nsfd);
		return -errno;
	}
	if (d->pid == 0) {
		int log = open(d->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		alarm(0);
		if (setns(nsfd, CLONE_NEWNET) || log < 0)
			_exit(126);
		dup2(log, 1);
		dup2(log, 2);
		setenv("NOTIFY_SOCKET", dl.notify, 1);
		setenv("WATCHDOG_USEC", "1000000", 1);
		unsetenv("WATCHDOG_PID");
		unsetenv("JOURNAL_STREAM");
		dl_store_hand_over();
		if (d->deny_getfd && deny_pidfd_getfd())
			_exit(125);
		execl(dl.vsockd, "vsockd", "--config", dl.conf, (char *)NULL);
		_exit(127);
	}
	close(nsfd);
	tl_child_adopt(d->pid);
	while (!dl_wait_note(d, 0, "READY=1", 100)) {
		/* a daemon that refused to start says so by exiting */
		if (waitpid(d->pid, &d->status, WNOHANG) == d->pid) {
			d->exited = true;
			return -ECHILD;
		}
		if (tl_now_ns() - d->t0_ns > 15000000000ull)
			return -ETIMEDOUT;
	}
	d->ready_ms = (tl_now_ns() - d->t0_ns) / 1000000;
	return 0;
}

/* Never kill(0, ...): that is our whole process group, supervisor included. */
int dl_daemon_signal(struct dl_daemon *d, int sig)
{
	return d->pid > 0 ? kill(d->pid, sig) : -ESRCH;
}

/* Signal the daemon and reap it; returns its wait status or -1. */
int dl_daemon_stop(struct dl_daemon *d, int sig)
{
	uint64_t deadline = tl_now_ms() + 10000;
	int st;

	if (d->pid <= 0)
		return -1;
	if (d->exited) {
		st = d->status;
		goto reaped;
	}
	dl_daemon_signal(d, sig);
	while (waitpid(d->pid, &st, WNOHANG) == 0) {
		if (tl_now_ms() > deadline) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &st, 0);
			break;
		}
		tl_sleep_ms(10);
	}
reaped:
	tl_child_forget(d->pid);
	d->pid = 0;
	tl_sleep_ms(60);	/* the reader's next poll takes what is left */
	return st;
}

void dl_daemon_free(struct dl_daemon *d)
{
	if (d->pid > 0)
		dl_daemon_stop(d, SIGKILL);
	if (d->reading) {
		d->stop_reading = true;
		pthread_join(d->reader, NULL);
		d->reading = false;
	}
	if (d->nfd >= 0)
		close(d->nfd);
	d->nfd = -1;
}

void dl_daemon_end(struct dl_daemon *d)
{
	if (tl.failed)
		dl_show_log(d);
	dl_daemon_free(d);
}

/* Run vsockctl with the test's control socket; output (stdout and
 * stderr) into out. Returns its exit status, or -1. */
int dl_run_ctl(char *out, size_t len, const char *fmt, ...)
{
	char args[1024], cmd[2048];
	size_t n = 0;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "VSOCK_CONTROL_SOCKET='%s' %s 2>&1", dl.sock, args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Print the daemon's log as diagnostics (after a failure). */
void dl_show_log(const struct dl_daemon *d)
{
	char line[512];
	FILE *f = fopen(d->log, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		tl_diag("log: %s", line);
	}
	fclose(f);
}

/* Private directory, config, control and notify sockets; the binaries next
 * to this test. 0, -ENOENT when vsockd is not built, or -errno. */
static int dl_setup(void)
{
	if (dl_find_bins())
		return -ENOENT;
	snprintf(dl.dir, sizeof(dl.dir), "/tmp/vsock-test-%d", (int)getpid());
	if (mkdir(dl.dir, 0755))
		return -errno;
	atexit(dl_remove_dir);	/* runs after the harness's cleanup */
	snprintf(dl.conf, sizeof(dl.conf), "%s/vsockd.conf", dl.dir);
	snprintf(dl.sock, sizeof(dl.sock), "%s/vsockd.sock", dl.dir);
	snprintf(dl.notify, sizeof(dl.notify), "%s/notify", dl.dir);
	return 0;
}

/* vsockd with the default config, for a case that needs it running;
 * dl_stop() ends it cleanly (its joiner stops beating at once). d must be
 * passed to dl_stop() whatever this returned. */
int dl_start(struct dl_daemon *d, const char *logname)
{
	int r;

	dl_daemon_init(d);
	r = dl_write_conf(NULL);
	return r ? r : dl_daemon_start(d, logname);
}

void dl_stop(struct dl_daemon *d)
{
	dl_daemon_stop(d, SIGTERM);
	dl_daemon_free(d);
	dl_store_clear();
}

/* main() of a test binary whose cases start vsockd. */
int dl_main(const char *bin, const struct tl_case *cases, int n)
{
	int r = geteuid() == 0 ? dl_setup() : 0;

	if (r == -ENOENT)
		return tl_skip_all(cases, n, "vsockd is not built next to this test");
	if (r) {
		printf("not ok - setup: %s: %s\n", dl.dir, strerror(-r));
		return 1;
	}
	return tl_main(bin, cases, n);
}
