// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Smallest reproducer of the EFAULT after a sockhash leave (6.18), without
 * vsock: raw bpf(2), two 2-instruction programs that return SK_PASS.
 *
 *   cc -O2 -Wall -o psock_fin_efault tests/repro/psock_fin_efault.c -lpthread
 *   ./psock_fin_efault          (root)
 *
 * 1. b (one end of a loopback TCP pair) joins a sockhash that has an sk_msg
 *    and an sk_skb verdict program, like vs_socks. b's proto becomes
 *    TCP_BPF_TXRX: recvmsg = tcp_bpf_recvmsg_parser.
 * 2. a shuts down: the FIN skb (0 bytes) goes through the verdict and is
 *    queued on b's psock as a 0-byte sk_msg (sk_psock_skb_ingress_enqueue,
 *    len 0). msg_tot_len and FIONREAD say 0: "the queue is empty".
 * 3. A thread of b holds a psock reference: it is asleep in
 *    tcp_bpf_sendmsg() -> sk_stream_wait_memory() (a does not read).
 * 4. b is deleted from the sockhash. sock_map_del_link() ->
 *    sk_psock_stop_verdict() clears progs.skb_verdict, then
 *    tcp_bpf_update_proto(restore=false) installs TCP_BPF_TX, whose recvmsg
 *    is tcp_bpf_recvmsg (no is_next_msg_fin()); the psock itself lives on
 *    (the sender's reference), the 0-byte FIN msg stays on it.
 * 5. recv(b, MSG_DONTWAIT) -> tcp_bpf_recvmsg -> sk_msg_recvmsg: the first
 *    sge has length 0, copy_page_to_iter() copies 0 -> -EFAULT.
 * 6. The sender gives up (SO_SNDTIMEO), drops the last reference:
 *    sk_psock_drop() restores tcp_prot, the msg is purged, recv -> 0.
 *
 * With argument "noref" step 3 is skipped: the delete drops the psock at
 * once and recv returns 0, as for plain TCP. */
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <arpa/inet.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

static int prog_pass(enum bpf_prog_type type)
{
	struct bpf_insn insn[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a = { 0 };

	a.prog_type = type;
	a.insns = (uintptr_t)insn;
	a.insn_cnt = 2;
	a.license = (uintptr_t)"GPL";
	return sys_bpf(BPF_PROG_LOAD, &a);
}

static int b_fd;
static volatile int sender_done;

static void *sender(void *arg)
{
	static char buf[8 << 20];
	ssize_t w = send(b_fd, buf, sizeof(buf), MSG_NOSIGNAL);	/* blocks */

	(void)arg;
	fprintf(stderr, "  sender returned %zd (%s)\n", w, w < 0 ? strerror(errno) : "ok");
	sender_done = 1;
	return NULL;
}

#define CHECK(c, what) do { if (!(c)) { perror(what); exit(2); } } while (0)

int main(int argc, char **argv)
{
	int noref = argc > 1 && !strcmp(argv[1], "noref");
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int lfd, a, map, pmsg, pskb, one = 1, small = 4096, inq = -1, key = 0;
	union bpf_attr at = { 0 };
	struct timeval tv = { .tv_sec = 2 };
	pthread_t th;
	char c;
	ssize_t r;
	uint64_t val;

	at.map_type = BPF_MAP_TYPE_SOCKHASH;
	at.key_size = 4;
	at.value_size = 8;
	at.max_entries = 2;
	map = sys_bpf(BPF_MAP_CREATE, &at);
	CHECK(map >= 0, "map");
	pmsg = prog_pass(BPF_PROG_TYPE_SK_MSG);
	pskb = prog_pass(BPF_PROG_TYPE_SK_SKB);
	CHECK(pmsg >= 0 && pskb >= 0, "prog load");
	memset(&at, 0, sizeof(at));
	at.target_fd = map;
	at.attach_bpf_fd = pmsg;
	at.attach_type = BPF_SK_MSG_VERDICT;
	CHECK(!sys_bpf(BPF_PROG_ATTACH, &at), "attach msg");
	at.attach_bpf_fd = pskb;
	at.attach_type = BPF_SK_SKB_VERDICT;
	CHECK(!sys_bpf(BPF_PROG_ATTACH, &at), "attach skb");

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(!bind(lfd, (void *)&sa, sizeof(sa)) && !listen(lfd, 1), "listen");
	CHECK(!getsockname(lfd, (void *)&sa, &sl), "getsockname");
	a = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(a, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	CHECK(!connect(a, (void *)&sa, sizeof(sa)), "connect");
	b_fd = accept(lfd, NULL, NULL);
	CHECK(b_fd >= 0, "accept");
	setsockopt(b_fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(b_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(b_fd, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof(one));

	/* 1. b joins the sockhash */
	memset(&at, 0, sizeof(at));
	val = b_fd;
	at.map_fd = map;
	at.key = (uintptr_t)&key;
	at.value = (uintptr_t)&val;
	CHECK(!sys_bpf(BPF_MAP_UPDATE_ELEM, &at), "sockhash insert");

	/* 2. a's FIN lands on b's psock as a 0-byte msg */
	shutdown(a, SHUT_WR);
	usleep(100 * 1000);
	ioctl(b_fd, FIONREAD, &inq);
	fprintf(stderr, "b: FIN queued on the psock; FIONREAD %d (0 bytes: looks empty)\n", inq);

	/* 3. a thread of b asleep in tcp_bpf_sendmsg holds a psock reference */
	if (!noref) {
		CHECK(!pthread_create(&th, NULL, sender, NULL), "thread");
		usleep(300 * 1000);
		fprintf(stderr, "b: sender asleep in tcp_bpf_sendmsg: %s\n",
			sender_done ? "no" : "yes");
	}

	/* 4. the leave */
	memset(&at, 0, sizeof(at));
	at.map_fd = map;
	at.key = (uintptr_t)&key;
	CHECK(!sys_bpf(BPF_MAP_DELETE_ELEM, &at), "sockhash delete");
	fprintf(stderr, "b: deleted from the sockhash\n");

	/* 5. */
	r = recv(b_fd, &c, 1, MSG_DONTWAIT);
	fprintf(stderr, "b: recv -> %zd %s\n", r, r < 0 ? strerror(errno) : "(EOF)");
	if (!noref) {
		int first = r < 0 ? errno : 0;

		pthread_join(th, NULL);	/* 6. */
		r = recv(b_fd, &c, 1, MSG_DONTWAIT);
		fprintf(stderr, "b: after the last psock reference: recv -> %zd %s\n", r,
			r < 0 ? strerror(errno) : "(EOF)");
		printf("%s\n", first == EFAULT ? "REPRODUCED: EFAULT, then EOF" : "not reproduced");
		return first == EFAULT ? 0 : 1;
	}
	printf("%s\n", r == 0 ? "noref: EOF as plain TCP" : "noref: unexpected");
	return r == 0 ? 0 : 1;
}
