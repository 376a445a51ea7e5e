/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Harness for vsock's kernel integration tests, modelled on the kernel's
 * sockmap selftests; built once into $(O)/tests/libvstest.a and linked into
 * every kernel test. One file per job:
 *
 *   testlib_run.c      verdicts, the case runner, supervisor setup/cleanup
 *   testlib_child.c    forked children of a case
 *   testlib_env.c      cgroups, the network namespace, /proc and rlimits
 *   testlib_sock.c     descriptors owned by a case, sockets, whole sends/reads
 *   testlib_clock.c    monotonic time
 *   testlib_pattern.c  random numbers and the verifiable byte stream
 *   testlib_xfer.c     pattern transfers (tl_xfer_*)
 *   testlib_table.c    the socket table, counters, accounting checks
 *   testlib_rtx.c      retransmissions on demand (nft rules in a private netns)
 *
 * Process layout of one test binary:
 *
 *   supervisor (original cgroup, original netns)
 *     creates cgroup <cg2>/vsock-test-<pid> and pin root
 *     /sys/fs/bpf/vsock-test-<pid>, loader_open(create) + loader_attach,
 *     forks the runner, waits, and always cleans up afterwards: kill what is
 *     left in the test cgroups (by pid), detach, loader_unload(force),
 *     rmdir. Cleanup also runs from atexit and on SIGINT/SIGTERM/SIGALRM.
 *   runner (the test cases)
 *     joins the attached cgroup, then unshare(CLONE_NEWNET) (in that order:
 *     the cgroup is a file write under /sys, not tied to the netns), brings
 *     lo up, runs each case under an alarm() watchdog.
 *
 * Cleanup living in a separate, single-threaded process means a case that
 * crashes, hangs or is killed still leaves nothing behind.
 *
 * Output: one line per case, "ok - NAME", "not ok - NAME: WHY" or
 * "skip - NAME: WHY" (a skip fails under CI=true). Diagnostics start "# ".
 * TL_ONLY=name1,name2 runs only the named cases; TL_TIMEOUT=seconds
 * overrides every case's watchdog. */
#ifndef VSOCK_TESTLIB_H
#define VSOCK_TESTLIB_H

#include <arpa/inet.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "vsock/abi.h"
#include "vsock/policy.h"
#include "loader.h"
#include "vsock/names.h"

/* Messages are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#define TL_PRINTF(a, b) __attribute__((format(printf, a, b)))

#define TL_MAX_CGROUPS	8
#define TL_MAX_FDS	4096
#define TL_MAX_CHILDREN	16
#define TL_IO_TIMEOUT_MS 20000

#define KiB (1024ull)
#define MiB (1024ull * 1024)

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

#define TL_NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* One test case: returns tl_verdict() (0 ok, -1 failed, 1 skipped). */
struct tl_case {
	const char *name;
	int (*fn)(void);
	int timeout_s;		/* alarm() watchdog */
};

/* Shared between supervisor and runner (MAP_SHARED): what to clean up and
 * which case was running if the runner dies. */
struct tl_shared {
	char cur_case[96];
	int in_case;
	int verdict_printed;
	int ncg;
	char cg[TL_MAX_CGROUPS][PATH_MAX];	/* every cgroup we created */
};

/* The harness's state, one per process (supervisor, runner, children). */
struct tl_state {
	const char *bin;
	bool ci;
	bool is_runner;
	pid_t supervisor;
	pid_t runner;
	char cg_root[256];		/* cgroup2 mount */
	char cg_orig[PATH_MAX];		/* supervisor's own cgroup dir */
	char cg_main[PATH_MAX];		/* the attached test cgroup */
	char pin_root[PATH_MAX];
	struct vs_loader_opts opts;
	struct vs_loader *ld;
	struct tl_shared *sh;
	volatile int abort;		/* a transfer of the case failed: stop waiting */
	char first_why[300];		/* what the first failed transfer said */
	volatile sig_atomic_t cleaned;
	volatile sig_atomic_t got_signal;
	/* per case */
	int failed;
	int skipped;
	char why[768];
	int fds[TL_MAX_FDS];
	int nfds;
	pid_t children[TL_MAX_CHILDREN];
	int nchildren;
	int timeout_s;
};

extern struct tl_state tl;

/* ------------------------------------------------------------------ */
/* Verdicts and the case runner (testlib_run.c)                        */

/* Print "# CASE: text" (a diagnostic line). */
void tl_diag(const char *fmt, ...) TL_PRINTF(1, 2);
/* Record a failure of the current case; the first one is its reason. */
void tl_fail_at(int line, const char *fmt, ...) TL_PRINTF(2, 3);
/* The current case's result: 0 ok, -1 failed, 1 skipped. */
int tl_verdict(void);
/* Print one result line: "VERDICT - NAME[: WHY]". */
void tl_line(const char *verdict, const char *name, const char *why);
/* Whether TL_ONLY (a comma list) selects the case name. */
bool tl_selected(const char *name);
/* Skip every selected case with why; the exit status for main(). */
int tl_skip_all(const struct tl_case *cases, int n, const char *why);
/* main() of a test binary: set up, run the cases in a runner, clean up. */
int tl_main(const char *bin, const struct tl_case *cases, int n);

#define TL_FAIL(...) tl_fail_at(__LINE__, __VA_ARGS__)

/* In a case: record the failure and jump to its "out:" cleanup label. */
#define TL_EXPECT(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			tl_fail_at(__LINE__, __VA_ARGS__);		\
			goto out;					\
		}							\
	} while (0)

/* Skip the current case (only for a missing kernel feature). */
#define TL_SKIP(...)							\
	do {								\
		tl.skipped = 1;						\
		snprintf(tl.why, sizeof(tl.why), __VA_ARGS__);		\
		goto out;						\
	} while (0)

/* ------------------------------------------------------------------ */
/* Child processes of a case (testlib_child.c)                         */

struct tl_child {
	pid_t pid;
	int rfd;		/* reads the child's failure text */
};

/* Fork a child that runs fn(arg, wfd); it reports failure by writing text
 * to wfd and returning non-zero. It shares the loader handle and inherits
 * the runner's cgroup and netns. */
int tl_child_start(struct tl_child *c, int (*fn)(void *arg, int wfd), void *arg);
/* Wait up to timeout_ms; 0 if the child succeeded, else -1 with why
 * filled (its text, its exit status, or "timeout" after killing it). */
int tl_child_wait(struct tl_child *c, int timeout_ms, char *why, size_t len);
/* In a child: report a failure text to the parent; returns -1. */
int tl_child_fail(int wfd, const char *fmt, ...) TL_PRINTF(2, 3);
/* Own pid as a child of the case: killed when the case ends or times out. */
void tl_child_adopt(pid_t pid);
/* pid was reaped by its owner: the case no longer kills it. */
void tl_child_forget(pid_t pid);

/* ------------------------------------------------------------------ */
/* Cgroups, network namespace, host state (testlib_env.c)              */

/* Write s to a file (cgroup and /proc knobs). 0 or -errno. */
int tl_write_file(const char *path, const char *s);
/* Create (and register for cleanup) the cgroup "vsock-test-<pid>[-suffix]"
 * under the cgroup2 root; path filled in. 0 or -errno. */
int tl_cg_create(const char *suffix, char *path, size_t len);
/* Move the whole calling process (all threads) into a cgroup. Sockets keep
 * the cgroup they were created in. */
int tl_cg_enter(const char *path);
/* Move into a sibling cgroup that is never attached ("...-plain"):
 * sockets created there take the normal TCP path. */
int tl_enter_plain(void);
/* Back into the attached test cgroup. */
int tl_enter_main(void);
/* loader_attach / loader_detach a cgroup; a failure fails the case. */
int tl_cg_attach(const char *path);
int tl_cg_detach(const char *path);
/* Cgroup directory of the calling process (cgroup2 "0::" line). */
int tl_cg_self(char *buf, size_t len);
/* Fresh network namespace for the calling thread (do it before threads
 * exist: they inherit it), with lo up. */
int tl_netns_new(void);
/* TCP memory in bytes from /proc/net/sockstat, or -errno. */
long long tl_tcp_mem_bytes(void);
/* Raise RLIMIT_NOFILE to at least want. */
int tl_raise_nofile(rlim_t want);

/* ------------------------------------------------------------------ */
/* Time (testlib_clock.c) and data patterns (testlib_pattern.c)        */

uint64_t tl_now_ns(void);
uint64_t tl_now_ms(void);
/* Sleep ms, resumed across signals. */
void tl_sleep_ms(unsigned int ms);
/* splitmix64 finaliser: a well-mixed 64-bit value from x (seeds). */
uint64_t tl_mix64(uint64_t x);
/* xorshift64*: sizes and delays; state must not be 0. */
uint64_t tl_rand(uint64_t *s);
/* Uniform in [lo, hi]. */
uint64_t tl_rand_range(uint64_t *s, uint64_t lo, uint64_t hi);
/* Bytes off..off+len of the stream "seed": a pure function of (seed,
 * offset), so a reader can verify any range and name the first bad byte. */
void tl_pat_fill(uint64_t seed, uint64_t off, void *buf, size_t len);
/* Index of the first byte of buf that is not stream "seed" at off, or -1. */
long long tl_pat_check(uint64_t seed, uint64_t off, const void *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Descriptors and sockets (testlib_sock.c)                            */

/* Own fd for the current case (closed when it ends); returns fd. */
int tl_track(int fd);
/* Hand fd over to code that closes it itself (a thread). */
void tl_untrack(int fd);
/* Close an owned fd (negative: nothing). */
void tl_close(int fd);
/* Close every fd the case owns. */
void tl_close_all(void);
int tl_set_nonblock(int fd, bool on);
/* Fill a sockaddr for family with "addr" (NULL: loopback) and port. */
socklen_t tl_sockaddr(int family, const char *addr, int port, struct sockaddr_storage *ss);
/* Local port of fd, or -errno. */
int tl_port(int fd);
/* Listening socket, O_NONBLOCK like an event loop's (vsock predicts the
 * blocking mode of accepted sockets from their listener; make it blocking
 * with tl_set_nonblock(fd, false) for a blocking server). Accept with
 * tl_accept. family AF_INET or AF_INET6; addr NULL = loopback; "::" with
 * v6only=false = dual stack. */
int tl_listen(int family, const char *addr, int port, bool v6only);
/* Wait for events on fd until deadline (ms, tl_now_ms clock). Returns
 * revents, 0 on timeout, -errno on error (-ECANCELED: the case aborted). */
int tl_wait(int fd, short events, uint64_t deadline_ms);
/* Start a connection. nonblock: the file is O_NONBLOCK before connect()
 * (as the fast path requires at establishment) and the call returns at
 * once; wait with tl_wait_connected(). */
int tl_connect(int family, const char *addr, int port, bool nonblock);
/* 0 once the connect of fd completed, else -errno (-ETIMEDOUT). */
int tl_wait_connected(int fd, int timeout_ms);
/* Accept one connection within timeout_ms; nonblock sets O_NONBLOCK on the
 * new file atomically (accept4), as the fast path requires. */
int tl_accept(int lfd, bool nonblock, int timeout_ms);
/* A connected pair on loopback of family through a temporary listener.
 * nonblock: both files O_NONBLOCK (the accelerated path); else both
 * blocking (plain TCP by design). */
int tl_pair(int family, bool nonblock, int *cfd, int *sfd);
/* Send all of buf; blocking or not (EAGAIN waits in poll). MSG_NOSIGNAL.
 * Returns len, or -errno (-ETIMEDOUT) with *sent set to what went out. */
ssize_t tl_send_all(int fd, const void *buf, size_t len, int timeout_ms, size_t *sent);
/* Read exactly len bytes (less only at EOF). For a nonblocking fd EAGAIN
 * waits in poll; for a blocking fd any EAGAIN is an error (plain TCP never
 * returns it without a timeout: DESIGN.md "Spurious EAGAIN").
 * Returns bytes read (< len at EOF) or -errno. */
ssize_t tl_recv_all(int fd, void *buf, size_t len, int timeout_ms);
/* Expect end of stream: recv returns 0. Returns 0, -EPROTO when data came
 * instead, or -errno. */
int tl_expect_eof(int fd, int timeout_ms);

/* ------------------------------------------------------------------ */
/* Pattern transfers, one side each, usable as a thread (testlib_xfer.c) */

struct tl_xfer {
	int fd;
	uint64_t seed;		/* pattern stream */
	uint64_t off;		/* first stream offset */
	uint64_t len;		/* bytes to move */
	size_t min_io, max_io;	/* random size of each send / recv buffer */
	uint64_t rng;		/* sizes */
	int timeout_ms;		/* whole transfer */
	bool shut_wr;		/* sender: shutdown(SHUT_WR) at the end */
	bool expect_eof;	/* reader: then recv must return 0 */
	bool log_io;		/* sizes log-uniform in [min_io, max_io]: as
				 * many 10 B as 10 KiB I/Os */
	int delay_ms;		/* before the first I/O (a late first read) */
	int pause_pct;		/* chance in % of a pause before an I/O */
	int pause_max_ms;	/* pauses last 0..pause_max_ms */
	bool spin;		/* reader: busy-polls (MSG_DONTWAIT, retried at once) */
	bool fionread;		/* reader: as nginx and Java NIO do, edge-
				 * triggered epoll, read what FIONREAD says is
				 * there, wait for the next edge when it says 0 */
	bool eagain_ok;		/* reader: count an EAGAIN of a blocking file
				 * and read on (a socket leaving the sockhash
				 * after it turned blocking: the kernel's) */
	/* results */
	uint64_t done;
	uint64_t eagains;	/* EAGAINs of a blocking file, with eagain_ok */
	uint64_t nio;		/* send/recv calls that moved bytes */
	double secs;
	int err;		/* 0 or -errno */
	char why[256];
};

/* Send x->len bytes of the stream; 0 or -errno with x->why. A failure
 * aborts the case's other transfers. */
int tl_xfer_send(struct tl_xfer *x);
/* Read and verify x->len bytes of the stream (then EOF if expect_eof);
 * 0 or -errno with x->why naming the first wrong offset. */
int tl_xfer_recv(struct tl_xfer *x);
/* The same as pthread start routines. */
void *tl_xfer_send_thread(void *arg);
void *tl_xfer_recv_thread(void *arg);
/* Send tx on c while a thread reads rx on s; 0 when the thread could start
 * (then it has been joined). A failed sender shuts s so the reader stops. */
int tl_xfer_stream(int c, int s, struct tl_xfer *tx, struct tl_xfer *rx);

/* Both directions of a connection at once; each tl_xfer names its fd. */
struct tl_duplex {
	struct tl_xfer c_tx, s_rx;	/* client to server */
	struct tl_xfer s_tx, c_rx;	/* server to client */
};

/* Run the four transfers of d together; 0, or -1 with why naming the first
 * failed one (readers before senders). */
int tl_xfer_duplex(struct tl_duplex *d, char *why, size_t len);

/* len bytes each way on c and s from stream offset off (seeds 71 c -> s,
 * 72 s -> c), in writes of 16 KiB to 256 KiB the fast path takes. paced:
 * a pause of up to 4 ms before every write (about a second for 32 MiB),
 * so both directions still run when a case changes something midway. */
void tl_duplex_fill(struct tl_duplex *d, int c, int s, uint64_t len, uint64_t off, bool paced);

/* tl_xfer_duplex() in a thread, while the case does something else. */
struct tl_duplex_run {
	struct tl_duplex d;
	pthread_t th;
	bool started;
	int r;
	char why[400];
};
/* 0 once the thread runs. */
int tl_duplex_start(struct tl_duplex_run *run);
/* Wait for it (nothing if it never started); its tl_xfer_duplex() result. */
int tl_duplex_join(struct tl_duplex_run *run);
/* For a case's cleanup: make a still-running transfer stop, then join. */
void tl_duplex_abort(struct tl_duplex_run *run);
/* One byte each way (c to s, then back): a callback of each socket. */
int tl_ping(int c, int s);

/* ------------------------------------------------------------------ */
/* Socket table and counters (testlib_table.c)                         */

const char *tl_reason_name(unsigned int r);
/* SO_COOKIE of fd, 0 when it has none. */
__u64 tl_cookie(int fd);
/* Socket-table entry by cookie, through loader_for_each_socket(). */
int tl_entry_by_cookie(__u64 cookie, struct vs_sock_entry *e);
/* Socket-table entry of fd. */
int tl_entry(int fd, struct vs_sock_entry *e);
/* Entries in the socket table, or -errno. */
long tl_table_count(void);
/* The global counters (vs_stats, summed over CPUs). */
int tl_stats(__u64 out[VS_C_MAX]);
/* An entry as one line of text. */
void tl_entry_str(const struct vs_sock_entry *e, char *buf, size_t len);
/* The receiver facts (vs_rxstate) of fd: what its senders read about it.
 * Returns 0, or -ENOENT when it has none (not in the sockhash). */
int tl_rx_state(int fd, struct vs_rx_state *rx);
/* Print the entry of fd as a diagnostic. */
void tl_show(const char *what, int fd);
/* Fails the case unless fd's entry is on the fast path: in the sockhash,
 * reason none, and (if min_redir) at least min_redir bytes redirected. */
bool tl_check_accel(const char *what, int fd, __u64 min_redir, int line);
/* Every byte sent on fd went one way or the other, exactly once:
 * redirected + passed == sent. 0, or -1 with why filled; e (may be NULL)
 * receives the entry. Safe in threads: it records nothing. */
int tl_accounting(const char *what, int fd, __u64 sent, struct vs_sock_entry *e,
		  char *why, size_t len);
/* tl_accounting() that fails the case at line. */
bool tl_check_accounting(const char *what, int fd, __u64 sent, int line);

/* ------------------------------------------------------------------ */
/* Retransmissions on demand (testlib_rtx.c): nft rules, netns          */
/* ------------------------------------------------------------------ */

/* Run "nft -f -" with script; 0, or -1 with why filled. */
int tl_nft_run(const char *script, char *why, size_t len);
/* In this namespace only: drop the FIN-only segments from port sender to
 * port receiver and the receiver's pure ACKs back; count FINs with data. */
int tl_rtx_rules_add(int sender, int receiver, char *why, size_t len);
int tl_rtx_rules_del(char *why, size_t len);
/* Packets counted by the named counter of the rules, or -1. */
long long tl_rtx_counter(const char *name);
long long tl_rtx_counter_wait(const char *name, long long min, int timeout_ms);
__u32 tl_tcp_total_retrans(int fd);
/* Shut fd (the sender) down under the rules until it retransmitted its
 * last data with the FIN, then lift them. 0; -EAGAIN when no
 * retransmission carried the FIN (TCP does not always collapse it: try a
 * fresh connection); -1 with why. */
int tl_rtx_fin_collapsed(int fd, char *why, size_t len);
#define TL_RTX_ATTEMPTS 4	/* connections a case tries for one collapsed FIN */
/* Enter a fresh network namespace (lo up); the old one's fd, or -errno.
 * tl_netns_return() goes back and closes it (fd < 0: nothing). */
int tl_netns_enter_fresh(void);
void tl_netns_return(int fd);

#define TL_EXPECT_ACCEL(what, fd, min_redir)				\
	do {								\
		if (!tl_check_accel(what, fd, min_redir, __LINE__))	\
			goto out;					\
	} while (0)

#define TL_EXPECT_ACCOUNTING(what, fd, sent)				\
	do {								\
		if (!tl_check_accounting(what, fd, sent, __LINE__))	\
			goto out;					\
	} while (0)

#endif /* VSOCK_TESTLIB_H */
