// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Verdicts, the case runner and the supervisor that sets up and always
 * cleans up (process layout: testlib.h). */
#include "testlib.h"

struct tl_state tl;

void tl_diag(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("# %s: %s\n", tl.sh ? tl.sh->cur_case : tl.bin, buf);
	fflush(stdout);
}

/* Record a failure; the first one is the reported reason. */
void tl_fail_at(int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (tl.failed++)
		return;
	n = snprintf(tl.why, sizeof(tl.why), "line %d: ", line);
	va_start(ap, fmt);
	vsnprintf(tl.why + n, sizeof(tl.why) - n, fmt, ap);
	va_end(ap);
}

int tl_verdict(void)
{
	if (tl.failed)
		return -1;
	return tl.skipped ? 1 : 0;
}

void tl_line(const char *verdict, const char *name, const char *why)
{
	if (why && *why)
		printf("%s - %s: %s\n", verdict, name, why);
	else
		printf("%s - %s\n", verdict, name);
	fflush(stdout);
}

/* Kill (by pid, one by one) what is left in one of our cgroups. */
static void tl_cg_kill_procs(const char *cg)
{
	char f[PATH_MAX + 16], line[32];
	int round;

	snprintf(f, sizeof(f), "%s/cgroup.procs", cg);
	for (round = 0; round < 50; round++) {
		FILE *fp = fopen(f, "re");
		int n = 0;

		if (!fp)
			return;
		while (fgets(line, sizeof(line), fp)) {
			pid_t pid = atoi(line);

			if (pid > 0 && pid != getpid()) {
				kill(pid, SIGKILL);
				n++;
			}
		}
		fclose(fp);
		if (!n)
			return;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		tl_sleep_ms(20);
	}
}

/* Everything the supervisor set up goes away; reports failures as one
 * "not ok - cleanup" line. Idempotent. */
static int tl_cleanup(void)
{
	struct vs_err err = { "" };
	char problems[1024] = "";
	size_t pl = 0;
	struct stat st;
	int i, r, tries;

	if (tl.cleaned || tl.is_runner || getpid() != tl.supervisor)
		return 0;
	tl.cleaned = 1;
	if (tl.runner > 0) {
		kill(tl.runner, SIGKILL);
		waitpid(tl.runner, NULL, 0);
		tl.runner = 0;
	}
	if (tl.sh) {
		for (i = tl.sh->ncg - 1; i >= 0; i--)
			tl_cg_kill_procs(tl.sh->cg[i]);
		if (tl.ld) {
			for (i = tl.sh->ncg - 1; i >= 0; i--) {
				r = loader_detach(tl.ld, tl.sh->cg[i], &err);
				if (r < 0 && r != -ENOENT)
					pl += snprintf(problems + pl, sizeof(problems) - pl,
						       "detach %s: %s; ", tl.sh->cg[i], err.msg);
			}
		}
	}
	if (tl.ld) {
		loader_close(tl.ld);
		tl.ld = NULL;
	}
	if (tl.pin_root[0] && !stat(tl.pin_root, &st)) {
		r = loader_unload(&tl.opts, true, 0, &err);
		if (r < 0 && pl < sizeof(problems))
			pl += snprintf(problems + pl, sizeof(problems) - pl,
				       "unload: %s (%d); ", err.msg, r);
	}
	if (tl.pin_root[0] && !stat(tl.pin_root, &st) && pl < sizeof(problems))
		pl += snprintf(problems + pl, sizeof(problems) - pl,
			       "pin root %s still exists; ", tl.pin_root);
	if (tl.sh) {
		for (i = tl.sh->ncg - 1; i >= 0; i--) {
			for (tries = 0; tries < 100; tries++) {
				if (!rmdir(tl.sh->cg[i]) || errno == ENOENT)
					break;
				if (errno != EBUSY)
					break;
				tl_cg_kill_procs(tl.sh->cg[i]);
				tl_sleep_ms(20);
			}
			if (!stat(tl.sh->cg[i], &st) && pl < sizeof(problems))
				pl += snprintf(problems + pl, sizeof(problems) - pl,
					       "rmdir %s: %s; ", tl.sh->cg[i],
					       strerror(errno));
		}
	}
	if (pl) {
		tl_line("not ok", "cleanup", problems);
		return -1;
	}
	return 0;
}

static void tl_atexit(void)
{
	tl_cleanup();
}

static void tl_supervisor_signal(int sig)
{
	tl.got_signal = sig;
	if (tl.runner > 0)
		kill(tl.runner, SIGKILL);
}

/* Runner: a case ran past its alarm(). Async-signal-safe only. */
static void tl_runner_alarm(int sig)
{
	char buf[256];
	int i, n;

	(void)sig;
	for (i = 0; i < tl.nchildren; i++)
		kill(tl.children[i], SIGKILL);
	n = snprintf(buf, sizeof(buf), "not ok - %s: timeout: still running after %d s\n",
		     tl.sh->cur_case, tl.timeout_s);
	if (write(STDOUT_FILENO, buf, n) < 0)
		n = 0;
	tl.sh->verdict_printed = 1;
	_exit(1);
}

bool tl_selected(const char *name)
{
	const char *only = getenv("TL_ONLY"), *p;
	size_t l = strlen(name);

	if (!only || !*only)
		return true;
	for (p = only; (p = strstr(p, name)); p += l)
		if ((p == only || p[-1] == ',') && (p[l] == ',' || p[l] == 0))
			return true;
	return false;
}

static int tl_runner_main(const struct tl_case *cases, int n)
{
	struct sigaction sa = { 0 };
	int i, r, fails = 0, skips = 0;

	tl.is_runner = true;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sa.sa_handler = tl_runner_alarm;
	sigaction(SIGALRM, &sa, NULL);

	snprintf(tl.sh->cur_case, sizeof(tl.sh->cur_case), "setup");
	r = tl_cg_enter(tl.cg_main);
	if (!r)
		r = tl_netns_new();
	if (r) {
		tl_line("not ok", "setup", strerror(-r));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (!tl_selected(cases[i].name))
			continue;
		snprintf(tl.sh->cur_case, sizeof(tl.sh->cur_case), "%s", cases[i].name);
		tl.sh->verdict_printed = 0;
		tl.sh->in_case = 1;
		tl.failed = tl.skipped = 0;
		tl.abort = 0;
		tl.first_why[0] = 0;
		tl.why[0] = 0;
		tl.timeout_s = cases[i].timeout_s > 0 ? cases[i].timeout_s : 30;
		if (getenv("TL_TIMEOUT") && atoi(getenv("TL_TIMEOUT")) > 0)
			tl.timeout_s = atoi(getenv("TL_TIMEOUT"));	/* debugging */
		alarm(tl.timeout_s);
		r = cases[i].fn();
		alarm(0);
		if (r < 0 || tl.failed) {
			tl_line("not ok", cases[i].name, tl.why[0] ? tl.why : "failed");
			fails++;
		} else if (r > 0) {
			tl_line("skip", cases[i].name, tl.why);
			skips++;
		} else {
			tl_line("ok", cases[i].name, NULL);
		}
		tl.sh->verdict_printed = 1;
		tl.sh->in_case = 0;
		/* leftovers of a failed case must not disturb the next one */
		tl_close_all();
		while (tl.nchildren) {
			pid_t pid = tl.children[--tl.nchildren];

			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		tl_cg_enter(tl.cg_main);
	}
	return fails || (skips && tl.ci) ? 1 : 0;
}

/* Skip every case: this machine lacks what the tests need. */
int tl_skip_all(const struct tl_case *cases, int n, const char *why)
{
	int i;

	for (i = 0; i < n; i++)
		if (tl_selected(cases[i].name))
			tl_line("skip", cases[i].name, why);
	return tl.ci ? 1 : 77;
}

/* Load, pin and attach into fresh throwaway places (supervisor side). */
static int tl_setup(char *why, size_t len)
{
	struct vs_err err = { "" };
	int r;

	snprintf(tl.pin_root, sizeof(tl.pin_root), "/sys/fs/bpf/vsock-test-%d",
		 (int)tl.supervisor);
	tl.opts.pin_root = tl.pin_root;
	r = tl_cg_create(NULL, tl.cg_main, sizeof(tl.cg_main));
	if (r) {
		snprintf(why, len, "mkdir %s: %s", tl.cg_main, strerror(-r));
		return r;
	}
	r = loader_open(&tl.ld, &tl.opts, true, &err);
	if (r) {
		snprintf(why, len, "loader_open %s: %s (%d)", tl.pin_root, err.msg, r);
		return r;
	}
	r = loader_attach(tl.ld, tl.cg_main, &err);
	if (r < 0) {
		snprintf(why, len, "loader_attach %s: %s (%d)", tl.cg_main, err.msg, r);
		return r;
	}
	return 0;
}

/* main() of a test binary. */
int tl_main(const char *bin, const struct tl_case *cases, int n)
{
	struct sigaction sa = { 0 };
	struct vs_preflight pf;
	struct vs_err err = { "" };
	char why[1024];
	int st = 0, rc, r, i, total_s = 30;
	pid_t w;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tl.bin = bin;
	tl.ci = getenv("CI") && !strcmp(getenv("CI"), "true");
	tl.supervisor = getpid();

	if (geteuid() != 0)
		return tl_skip_all(cases, n, "needs root (BPF, cgroup and netns)");
	memset(&pf, 0, sizeof(pf));
	if (loader_preflight(&pf, &err) < 0) {
		for (i = 0; i < pf.n; i++)
			if (!pf.checks[i].ok && strcmp(pf.checks[i].name, "bpffs"))
				return tl_skip_all(cases, n, err.msg);
	}
	r = loader_cgroup2_root(tl.cg_root, sizeof(tl.cg_root));
	if (r)
		return tl_skip_all(cases, n, "no cgroup2 mount");
	tl_cg_self(tl.cg_orig, sizeof(tl.cg_orig));

	tl.sh = mmap(NULL, sizeof(*tl.sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tl.sh == MAP_FAILED) {
		tl.sh = NULL;
		tl_line("not ok", "setup", "mmap");
		return 1;
	}
	memset(tl.sh, 0, sizeof(*tl.sh));
	atexit(tl_atexit);
	sa.sa_handler = tl_supervisor_signal;	/* no SA_RESTART: waitpid returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (tl_setup(why, sizeof(why))) {
		tl_line("not ok", "setup", why);
		tl_cleanup();
		return 1;
	}
	for (i = 0; i < n; i++)
		total_s += cases[i].timeout_s > 0 ? cases[i].timeout_s : 30;

	fflush(stdout);
	tl.runner = fork();
	if (tl.runner < 0) {
		tl_line("not ok", "setup", "fork");
		tl_cleanup();
		return 1;
	}
	if (tl.runner == 0)
		_exit(tl_runner_main(cases, n));

	alarm(total_s);
	for (;;) {
		w = waitpid(tl.runner, &st, 0);
		if (w == tl.runner)
			break;
		if (w < 0 && errno != EINTR) {
			st = -1;
			break;
		}
		if (tl.got_signal && tl.runner > 0)
			kill(tl.runner, SIGKILL);
	}
	alarm(0);
	tl.runner = 0;
	if (tl.sh->in_case && !tl.sh->verdict_printed) {
		snprintf(why, sizeof(why), "runner died (%s %d)",
			 tl.got_signal ? "supervisor got signal" :
			 WIFSIGNALED(st) ? "signal" : "exit",
			 tl.got_signal ? (int)tl.got_signal :
			 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		tl_line("not ok", tl.sh->cur_case, why);
	}
	rc = (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : 1;
	if (tl_cleanup())
		rc = 1;
	if (tl.got_signal)
		rc = 128 + tl.got_signal;
	return rc;
}
