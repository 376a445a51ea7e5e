// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What this kernel allows for the slow-path proxy (docs/proxy.md,
 * "What this kernel allows for the proxy"; /work/shared/research/proxy.md),
 * measured without vsock: raw bpf(2), hand-written instructions, no libbpf.
 *
 *   flock /tmp/vsock-ktest.lock build/tests/repro/proxy_probe     (root)
 *
 * One line per fact, "yes" or "no (errno ...)":
 * 1. cgroup sock_addr hooks load and attach (bpf_link) to a throwaway cgroup;
 *    a connect4 program rewrites 127.0.0.2:P (nothing listens) to
 *    127.0.0.1:Q (a listener) for a child in that cgroup, and a getpeername4
 *    program makes getpeername() say 127.0.0.2:P again.
 * 2. An sk_skb verdict on a SOCKMAP relays two TCP connections in the
 *    kernel by redirecting each proxy leg to the other's egress (flags 0):
 *    client -> leg1 ~> leg2 -> server echoes -> leg2 ~> leg1 -> client,
 *    no userspace read on the legs. Then: is the relay bounded when the
 *    server stops reading, is nothing lost after that stall, is FIN relayed.
 * 3. iter/tcp loads and runs; one calling bpf_sock_destroy loads (never run).
 *
 * Everything is held by fds (bpf_links detach on close, a SOCKMAP releases
 * its programs when its last fd closes), so no exit, not even SIGKILL,
 * leaves an attachment; the cgroup is removed at exit, SIGINT or SIGTERM. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_IMM(d, i)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s)	INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define LDX_W(d, s, o)	INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define LDX_DW(d, s, o)	INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define STX_W(d, s, o)	INSN(BPF_STX | BPF_MEM | BPF_W, d, s, o, 0)
#define JNE32(d, i, o)	INSN(BPF_JMP32 | BPF_JNE | BPF_K, d, 0, o, i)
#define JEQ(d, i, o)	INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define LD_MAP(d, fd)	INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)
#define CALL(f)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define KFUNC(id)	INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, id)
#define EXIT()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define N(a)		(sizeof(a) / sizeof((a)[0]))
#define LO(a, b, c, d)	htonl((a) << 24 | (b) << 16 | (c) << 8 | (d))

static long sys_bpf(int cmd, union bpf_attr a)
{
	return syscall(__NR_bpf, cmd, &a, sizeof(a));
}

/* ---- reporting and cleanup ---------------------------------------------- */

static int fails;

/* err: 0 yes, > 0 no with that errno, < 0 no for a reason the note gives */
static void report(const char *fact, int err, const char *note)
{
	printf("%-70s %s", fact, err ? "no" : "yes");
	if (err > 0)
		printf(" (errno %d %s)", err, strerror(err));
	printf("%s%s\n", note && *note ? (err > 0 ? " " : ", ") : "", note ? note : "");
	fflush(stdout);
	fails += !!err;
}

static int held[64], nheld;
static char cg_path[256];

/* Remember an fd so that release_all() closes it; returns fd or -errno. */
static int hold(int fd)
{
	if (fd < 0)
		return -errno;
	if (nheld < (int)N(held))
		held[nheld++] = fd;
	return fd;
}

static void release_all(void)
{
	while (nheld)
		close(held[--nheld]);
}

static void cleanup(void)
{
	release_all();	/* links first: the cgroup then has nothing attached */
	if (cg_path[0] && rmdir(cg_path))
		fprintf(stderr, "rmdir %s: %s\n", cg_path, strerror(errno));
	cg_path[0] = 0;
}

static void on_signal(int sig)
{
	(void)sig;
	exit(3);	/* runs cleanup() */
}

/* ---- bpf objects --------------------------------------------------------- */

static char vlog[1 << 16];

static int prog_load(enum bpf_prog_type type, enum bpf_attach_type eat, int btf_id,
		     const struct bpf_insn *insn, size_t n)
{
	int fd, e;
	size_t l;

	vlog[0] = 0;
	fd = sys_bpf(BPF_PROG_LOAD, (union bpf_attr){ .prog_type = type,
		.expected_attach_type = eat, .attach_btf_id = btf_id,
		.insns = (uintptr_t)insn, .insn_cnt = n, .license = (uintptr_t)"GPL",
		.log_buf = (uintptr_t)vlog, .log_size = sizeof(vlog), .log_level = 1 });
	if (fd < 0) {	/* the verifier's reason (the log's tail) for stderr */
		e = errno;
		l = strlen(vlog);
		fprintf(stderr, "verifier: %s\n", vlog + (l > 300 ? l - 300 : 0));
		errno = e;
	}
	return hold(fd);
}

static int link_create(int prog, int target, enum bpf_attach_type type)
{
	return hold(sys_bpf(BPF_LINK_CREATE, (union bpf_attr){ .link_create = {
		.prog_fd = prog, .target_fd = target, .attach_type = type } }));
}

/* ---- 1. cgroup sock_addr --------------------------------------------------- */

static int cgroup_make(void)
{
	const char *roots[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	struct statfs st;

	for (size_t i = 0; i < N(roots); i++) {
		if (statfs(roots[i], &st) || st.f_type != 0x63677270 /* CGROUP2 */)
			continue;
		snprintf(cg_path, sizeof(cg_path), "%s/proxy_probe.%d", roots[i], getpid());
		if (mkdir(cg_path, 0755)) {
			cg_path[0] = 0;
			return -errno;
		}
		return hold(open(cg_path, O_RDONLY | O_DIRECTORY));
	}
	return -ENOENT;
}

/* Loads a sock_addr program that turns from_ip:from_port into to_ip:to_port
 * (network order); with from_port 0 it only returns 1 ("allow"). Stores into
 * the context need a register: BPF_ST into ctx is refused by the verifier. */
static int sock_addr_prog(enum bpf_attach_type t, uint32_t from_ip, uint16_t from_port,
			  uint32_t to_ip, uint16_t to_port)
{
	struct bpf_insn rw[] = {
		MOV_REG(BPF_REG_6, BPF_REG_1),
		LDX_W(BPF_REG_2, BPF_REG_6, offsetof(struct bpf_sock_addr, user_ip4)),
		JNE32(BPF_REG_2, from_ip, 6),
		LDX_W(BPF_REG_2, BPF_REG_6, offsetof(struct bpf_sock_addr, user_port)),
		JNE32(BPF_REG_2, from_port, 4),
		MOV_IMM(BPF_REG_2, to_ip),
		STX_W(BPF_REG_6, BPF_REG_2, offsetof(struct bpf_sock_addr, user_ip4)),
		MOV_IMM(BPF_REG_2, to_port),
		STX_W(BPF_REG_6, BPF_REG_2, offsetof(struct bpf_sock_addr, user_port)),
		MOV_IMM(BPF_REG_0, 1),
		EXIT(),
	};
	const struct bpf_insn *insn = from_port ? rw : rw + N(rw) - 2;

	return prog_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, t, 0, insn, from_port ? N(rw) : 2);
}

static void hook_attach(int cg, const char *name, enum bpf_attach_type t, uint32_t fip,
			uint16_t fport, uint32_t tip, uint16_t tport)
{
	char fact[96];
	int p = sock_addr_prog(t, fip, fport, tip, tport);
	int l = p < 0 ? p : link_create(p, cg, t);

	snprintf(fact, sizeof(fact), "1. cgroup sock_addr %s: load + link to a cgroup", name);
	report(fact, l < 0 ? -l : 0, p < 0 ? "at load" : l < 0 ? "at link" : "");
}

static int tcp_listen(uint32_t ip, uint16_t *port, int backlog)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = ip };
	socklen_t sl = sizeof(sa);
	int fd = hold(socket(AF_INET, SOCK_STREAM, 0));

	if (fd < 0 || bind(fd, (void *)&sa, sl) || (backlog && listen(fd, backlog)) ||
	    getsockname(fd, (void *)&sa, &sl))
		return -errno;
	*port = sa.sin_port;
	return fd;
}

static int tcp_connect(uint32_t ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = ip, .sin_port = port };
	int fd = hold(socket(AF_INET, SOCK_STREAM, 0));

	if (fd < 0 || connect(fd, (void *)&sa, sizeof(sa)))
		return -errno;
	return fd;
}

struct child_result { int join_err, connect_err; struct sockaddr_in peer; };

/* Child: joins the cgroup, connects to 127.0.0.2:P, sends one byte. */
static void child_connect(const char *procs, uint16_t p, int out)
{
	struct child_result r = { 0 };
	socklen_t sl = sizeof(r.peer);
	FILE *f = fopen(procs, "w");
	int fd;

	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
		r.join_err = errno ? errno : EIO;
	fd = tcp_connect(LO(127, 0, 0, 2), p);
	if (fd < 0)
		r.connect_err = -fd;
	else if (getpeername(fd, (void *)&r.peer, &sl) || send(fd, "x", 1, 0) != 1)
		r.connect_err = errno;
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);	/* not exit(): cleanup() belongs to the parent */
}

static void probe_sock_addr(void)
{
	uint16_t q, p;
	int cg = cgroup_make(), lfd, rfd, pipefd[2], acc, ctl;
	struct child_result r = { .connect_err = EIO };
	struct pollfd pf;
	char procs[300], note[96], c = 0;
	pid_t pid;

	report("1. cgroup2 throwaway cgroup created", cg < 0 ? -cg : 0, cg_path);
	if (cg < 0)
		return;
	lfd = tcp_listen(LO(127, 0, 0, 1), &q, 4);
	rfd = tcp_listen(LO(127, 0, 0, 2), &p, 0);	/* bound, not listening: P refuses */
	if (lfd < 0 || rfd < 0) {
		report("1. listeners", lfd < 0 ? -lfd : -rfd, "");
		return;
	}
	hook_attach(cg, "INET4_CONNECT (rewrite)", BPF_CGROUP_INET4_CONNECT,
		    LO(127, 0, 0, 2), p, LO(127, 0, 0, 1), q);
	hook_attach(cg, "INET4_GETPEERNAME (rewrite back)", BPF_CGROUP_INET4_GETPEERNAME,
		    LO(127, 0, 0, 1), q, LO(127, 0, 0, 2), p);
	hook_attach(cg, "INET6_CONNECT", BPF_CGROUP_INET6_CONNECT, 0, 0, 0, 0);
	hook_attach(cg, "INET6_GETPEERNAME", BPF_CGROUP_INET6_GETPEERNAME, 0, 0, 0, 0);
	hook_attach(cg, "UDP4_RECVMSG", BPF_CGROUP_UDP4_RECVMSG, 0, 0, 0, 0);

	/* control: outside the cgroup nothing rewrites, 127.0.0.2:P refuses */
	ctl = tcp_connect(LO(127, 0, 0, 2), p);
	report("1. control: outside the cgroup connect(127.0.0.2:P) is refused",
	       ctl == -ECONNREFUSED ? 0 : ctl < 0 ? -ctl : -1, "");

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg_path);
	fflush(stdout);
	if (pipe(pipefd) || (pid = fork()) < 0) {
		report("1. fork", errno, "");
		return;
	}
	if (pid == 0)
		child_connect(procs, p, pipefd[1]);
	close(pipefd[1]);
	if (read(pipefd[0], &r, sizeof(r)) != sizeof(r))
		r.connect_err = EIO;
	close(pipefd[0]);
	waitpid(pid, NULL, 0);	/* reaped: the cgroup is empty again */
	pf = (struct pollfd){ .fd = lfd, .events = POLLIN };
	acc = poll(&pf, 1, 1000) == 1 ? hold(accept(lfd, NULL, NULL)) : -ETIMEDOUT;
	if (acc >= 0 && recv(acc, &c, 1, 0) != 1)
		acc = -errno;
	report("1. child in cgroup: connect(127.0.0.2:P) lands on 127.0.0.1:Q",
	       r.join_err ? r.join_err : r.connect_err ? r.connect_err :
	       acc < 0 ? -acc : c != 'x' ? -1 : 0, "");
	snprintf(note, sizeof(note), "got %s:%u", inet_ntoa(r.peer.sin_addr), ntohs(r.peer.sin_port));
	report("1. child in cgroup: getpeername() says 127.0.0.2:P again",
	       r.connect_err ? r.connect_err : (r.peer.sin_addr.s_addr == LO(127, 0, 0, 2) &&
	       r.peer.sin_port == p) ? 0 : -1, note);
	release_all();
	cleanup();
}

/* ---- 2. sk_skb relay ---------------------------------------------------------- */

#define RELAY_BYTES	(8u << 20)
#define CHUNK		(64u << 10)

struct relay { int map, client, leg1, leg2, server; uint16_t px; };
struct xfer { struct relay *r; size_t off, len, got; int err; };

static uint8_t pat(size_t i)
{
	return (uint8_t)(i * 131 + (i >> 13));
}

/* Verdict: a segment received by leg1 (local port = the proxy's listener X)
 * goes out of leg2 (key 1); anything else (leg2) out of leg1 (key 0). */
static int relay_prog(int map, uint16_t px)
{
	struct bpf_insn insn[] = {
		MOV_REG(BPF_REG_6, BPF_REG_1),
		LDX_W(BPF_REG_7, BPF_REG_6, offsetof(struct __sk_buff, local_port)),
		MOV_IMM(BPF_REG_3, 0),
		JNE32(BPF_REG_7, ntohs(px), 1),
		MOV_IMM(BPF_REG_3, 1),
		LD_MAP(BPF_REG_2, map),
		MOV_REG(BPF_REG_1, BPF_REG_6),
		MOV_IMM(BPF_REG_4, 0),	/* flags 0: the target's egress */
		CALL(BPF_FUNC_sk_redirect_map),
		EXIT(),
	};
	return prog_load(BPF_PROG_TYPE_SK_SKB, 0, 0, insn, N(insn));
}

static int map_put(int map, uint32_t key, int fd)
{
	uint64_t val = fd;

	return sys_bpf(BPF_MAP_UPDATE_ELEM, (union bpf_attr){ .map_fd = map,
		.key = (uintptr_t)&key, .value = (uintptr_t)&val }) ? errno : 0;
}

static void timeouts(int fd, int sec)
{
	struct timeval tv = { .tv_sec = sec };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* client -> proxy listener (leg1) and proxy -> server (leg2), legs in the map */
static int relay_setup(struct relay *r, enum bpf_attach_type t)
{
	uint16_t ps;
	int lp, ls, prog, err;

	r->map = hold(sys_bpf(BPF_MAP_CREATE, (union bpf_attr){ .map_type = BPF_MAP_TYPE_SOCKMAP,
		.key_size = 4, .value_size = 8, .max_entries = 2 }));
	lp = tcp_listen(LO(127, 0, 0, 1), &r->px, 1);
	ls = tcp_listen(LO(127, 0, 0, 1), &ps, 1);
	if (r->map < 0 || lp < 0 || ls < 0)
		return EIO;
	prog = relay_prog(r->map, r->px);
	if (prog < 0)
		return -prog;
	if (sys_bpf(BPF_PROG_ATTACH, (union bpf_attr){ .target_fd = r->map,
		.attach_bpf_fd = prog, .attach_type = t }))
		return errno;
	r->client = tcp_connect(LO(127, 0, 0, 1), r->px);
	r->leg1 = hold(accept(lp, NULL, NULL));
	r->leg2 = tcp_connect(LO(127, 0, 0, 1), ps);
	r->server = hold(accept(ls, NULL, NULL));
	if (r->client < 0 || r->leg1 < 0 || r->leg2 < 0 || r->server < 0)
		return EIO;
	timeouts(r->client, 3);
	timeouts(r->server, 3);
	err = map_put(r->map, 0, r->leg1);
	return err ? err : map_put(r->map, 1, r->leg2);
}

static void *client_write(void *arg)
{
	static uint8_t buf[CHUNK];
	struct xfer *x = arg;

	while (x->got < x->len) {
		size_t n = x->len - x->got < CHUNK ? x->len - x->got : CHUNK;
		ssize_t w;

		for (size_t i = 0; i < n; i++)
			buf[i] = pat(x->off + x->got + i);
		w = send(x->r->client, buf, n, MSG_NOSIGNAL);
		if (w <= 0)
			return x->err = w ? errno : EPIPE, NULL;
		x->got += w;
	}
	return NULL;
}

/* Reads len bytes of the pattern from fd, checking each; echo: send back. */
static int read_check(int fd, int echo_fd, size_t off, size_t len, size_t *got)
{
	static __thread uint8_t buf[CHUNK];

	for (*got = 0; *got < len;) {
		ssize_t n = recv(fd, buf, CHUNK, 0);

		if (n <= 0)
			return n ? errno : ECONNRESET;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pat(off + *got + i))
				return EBADMSG;
		if (echo_fd >= 0 && send(echo_fd, buf, n, MSG_NOSIGNAL) != n)
			return errno;
		*got += n;
	}
	return 0;
}

static void *server_echo(void *arg)
{
	struct xfer *x = arg;

	x->err = read_check(x->r->server, x->r->server, x->off, x->len, &x->got);
	return NULL;
}

static void relay_echo(struct relay *r, const char *name)
{
	struct xfer w = { .r = r, .len = RELAY_BYTES }, s = w;
	pthread_t tw, ts;
	char fact[96], note[96];
	struct timespec t0, t1;
	size_t got = 0;
	double dt;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&ts, NULL, server_echo, &s);
	pthread_create(&tw, NULL, client_write, &w);
	err = read_check(r->client, -1, 0, RELAY_BYTES, &got);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dt = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	pthread_join(tw, NULL);
	pthread_join(ts, NULL);
	err = err ? err : w.err ? w.err : s.err;
	snprintf(fact, sizeof(fact), "2. %s relay: %u MiB client->server->client byte-exact",
		 name, RELAY_BYTES >> 20);
	snprintf(note, sizeof(note), "%.0f MiB/s each way (%zu/%zu bytes at server/client)",
		 err ? 0 : RELAY_BYTES / dt / (1 << 20), s.got, got);
	report(fact, err, note);
}

/* The server stops reading: how much does the client get rid of before a
 * send blocks for 0.3 s? proxy.md pitfall 7 [src] says the relayed skb stays
 * charged to the source's receive memory, so a few socket buffers at most.
 * Then: does all of it arrive after the stall, and is the client's FIN
 * relayed (pitfall 3 says no)? */
static void relay_after(struct relay *r, const char *name)
{
	struct xfer w = { .r = r, .off = RELAY_BYTES, .len = 256u << 20 };
	struct timeval tv = { .tv_usec = 300 * 1000 };
	struct pollfd pf = { .fd = r->server, .events = POLLIN };
	char fact[96], note[96], c;
	size_t sent, got = 0;
	int err;

	setsockopt(r->client, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	client_write(&w);
	sent = w.got;
	snprintf(fact, sizeof(fact), "2. %s relay: bounded when the server does not read", name);
	snprintf(note, sizeof(note), "the client queued %.0f MiB (the probe's cap), none read", sent / 1048576.0);
	report(fact, sent < (64u << 20) ? 0 : -1, note);
	err = read_check(r->server, -1, RELAY_BYTES, sent, &got);
	snprintf(fact, sizeof(fact), "2. %s relay: after that stall all of it arrives in order", name);
	snprintf(note, sizeof(note), "%zu of %zu bytes", got, sent);
	report(fact, err, note);
	shutdown(r->client, SHUT_WR);
	snprintf(fact, sizeof(fact), "2. %s relay: client's FIN reaches the server", name);
	err = poll(&pf, 1, 500) == 1 && recv(r->server, &c, 1, MSG_DONTWAIT) == 0 ? 0 : -1;
	report(fact, err, err ? "no EOF in 0.5 s: vsockd must relay FIN" : "");
}

static void probe_relay(enum bpf_attach_type t, const char *name)
{
	struct relay r;
	char fact[96];
	int err = relay_setup(&r, t);

	snprintf(fact, sizeof(fact), "2. %s on a SOCKMAP: load, attach, both legs in", name);
	report(fact, err, "");
	if (!err) {
		relay_echo(&r, name);
		relay_after(&r, name);
	}
	release_all();	/* sockets, then the map, which drops the program */
}

/* ---- 3. iter/tcp --------------------------------------------------------------- */

/* Type id of the FUNC called name in vmlinux BTF, by walking the type section
 * (each kind is followed by a kind-specific tail). */
static int btf_func_id(const char *name)
{
	static char buf[32 << 20];
	FILE *f = fopen("/sys/kernel/btf/vmlinux", "r");
	size_t len = f ? fread(buf, 1, sizeof(buf), f) : 0;
	struct btf_header *h = (void *)buf;
	char *p, *end, *str;
	int id = 1;

	if (f)
		fclose(f);
	if (len < sizeof(*h) || h->magic != BTF_MAGIC)
		return -ENOENT;
	p = buf + h->hdr_len + h->type_off;
	end = p + h->type_len;
	str = buf + h->hdr_len + h->str_off;
	for (; p < end; id++) {
		struct btf_type *t = (void *)p;
		int kind = BTF_INFO_KIND(t->info), vlen = BTF_INFO_VLEN(t->info);

		if (kind == BTF_KIND_FUNC && !strcmp(str + t->name_off, name))
			return id;
		p += sizeof(*t);
		switch (kind) {
		case BTF_KIND_INT: case BTF_KIND_VAR: case BTF_KIND_DECL_TAG: p += 4; break;
		case BTF_KIND_ARRAY: p += 12; break;
		case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_DATASEC:
		case BTF_KIND_ENUM64: p += 12 * vlen; break;
		case BTF_KIND_ENUM: case BTF_KIND_FUNC_PROTO: p += 8 * vlen; break;
		default: break;
		}
	}
	return -ENOENT;
}

static void probe_iter(void)
{
	struct bpf_insn noop[] = { MOV_IMM(BPF_REG_0, 0), EXIT() };
	int it = btf_func_id("bpf_iter_tcp"), kf = btf_func_id("bpf_sock_destroy");
	struct bpf_insn destroy[] = {
		LDX_DW(BPF_REG_1, BPF_REG_1, 8),	/* ctx->sk_common */
		JEQ(BPF_REG_1, 0, 1),
		KFUNC(kf),
		MOV_IMM(BPF_REG_0, 0),
		EXIT(),
	};
	int p, l, fd, n = 0, e = 0;
	char buf[4096];

	if (it < 0) {
		report("3. vmlinux BTF has bpf_iter_tcp", -it, "");
		return;
	}
	p = prog_load(BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, it, noop, N(noop));
	l = p < 0 ? p : link_create(p, 0, BPF_TRACE_ITER);
	fd = l < 0 ? l : hold(sys_bpf(BPF_ITER_CREATE, (union bpf_attr){ .iter_create.link_fd = l }));
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		;
	e = fd < 0 ? -fd : n < 0 ? errno : 0;
	report("3. iter/tcp: load, link, read to the end", e,
	       p < 0 ? "at load" : l < 0 ? "at link" : fd < 0 ? "at iter_create" : "");
	/* load only: running it would destroy every TCP socket of the host */
	p = kf < 0 ? kf : prog_load(BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, it, destroy, N(destroy));
	report("3. iter/tcp calling kfunc bpf_sock_destroy: loads (not run)", p < 0 ? -p : 0,
	       kf < 0 ? "kfunc not in BTF" : "");
	release_all();
}

int main(void)
{
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	printf("kernel facts for the proxy (%s)\n", "yes = works here");
	probe_sock_addr();
	probe_relay(BPF_SK_SKB_VERDICT, "SK_SKB_VERDICT");
	probe_relay(BPF_SK_SKB_STREAM_VERDICT, "SK_SKB_STREAM_VERDICT");
	probe_iter();
	return fails ? 1 : 0;
}
