// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Relayed connections outlive vsockd (docs/proxy.md, "Restart"): vsockd
 * keeps each pair's legs, and the ring of a direction it copies, in
 * systemd's file-descriptor store, which daemonlib plays as PID 1 does.
 * vsockd is killed with -9 (or stopped) in the middle of a duplex stream;
 * the kernel goes on relaying, a client that connects meanwhile is
 * refused at once, a new vsockd takes the pair over, and every byte
 * arrives, in order, both ways. */
#include "testlib.h"
#include "daemonlib.h"
#include "proxylib.h"

/* Wait up to 1 s for the store to hold n descriptors (it reads vsockd's
 * messages on its own thread). */
static int store_wait(int n)
{
	int i, got = 0;

	for (i = 0; i < 100 && (got = dl_store_count()) != n; i++)
		tl_sleep_ms(10);
	return got;
}

struct restart_plan {
	const char *conf;	/* extra config lines */
	int stops;		/* vsockd stopped and started again this often */
	int sig;		/* SIGKILL or SIGTERM */
	unsigned int away_ms;	/* how long vsockd stays away each time */
	unsigned int up_ms;	/* how long it runs in between */
	bool copies;		/* slow readers: the bound is reached and vsockd
				 * copies (it must have, at some stop) */
};

/* A duplex stream through the proxy across plan->stops restarts. */
static int stream_across_restarts(const struct restart_plan *plan)
{
	struct tl_duplex_run j = {
		.d = {
			/* paced: about 1.5 s each way, so that every stop falls
			 * inside the stream */
			.c_tx = { .seed = 71, .len = 96 << 20, .min_io = 1, .max_io = 256 << 10,
				  .timeout_ms = 60000, .pause_pct = 20, .pause_max_ms = 20,
				  .shut_wr = true },
			.s_rx = { .seed = 71, .len = 96 << 20, .min_io = 1, .max_io = 1 << 20,
				  .timeout_ms = 60000, .expect_eof = true },
			.s_tx = { .seed = 72, .len = 32 << 20, .min_io = 1, .max_io = 65536,
				  .timeout_ms = 60000, .pause_pct = 20, .pause_max_ms = 20,
				  .shut_wr = true },
			.c_rx = { .seed = 72, .len = 32 << 20, .min_io = 1, .max_io = 1 << 20,
				  .timeout_ms = 60000, .expect_eof = true },
		},
	};
	struct dl_daemon d;
	int lfd = -1, c = -1, s = -1, c2, stored, rc, st, i;
	long long copied = 0, ring = 0;
	char log[32];

	TL_EXPECT(!pl_pair(&d, "restart-0.log", plan->conf, &lfd, &c, &s), "set-up");
	stored = store_wait(2);
	TL_EXPECT(stored == 2, "vsockd stored %d descriptors of the pair, not 2", stored);
	if (plan->copies) {
		struct tl_xfer *rx[2] = { &j.d.s_rx, &j.d.c_rx };

		for (i = 0; i < 2; i++) {
			rx[i]->max_io = 65536;
			rx[i]->pause_pct = 20;
			rx[i]->pause_max_ms = 20;
		}
	}
	j.d.c_tx.fd = j.d.c_rx.fd = c;
	j.d.s_tx.fd = j.d.s_rx.fd = s;
	TL_EXPECT(!tl_duplex_start(&j), "thread");
	for (i = 1; i <= plan->stops; i++) {
		tl_sleep_ms(plan->up_ms);
		copied += pl_status_num("relay_copied_bytes") > 0;
		st = dl_daemon_stop(&d, plan->sig);
		dl_daemon_free(&d);
		/* leaving its pairs to the store, vsockd ends cleanly */
		TL_EXPECT(plan->sig != SIGTERM || (WIFEXITED(st) && !WEXITSTATUS(st)),
			  "vsockd's exit after SIGTERM: status %#x", st);
		/* away: a new client is refused at once, the pair keeps relaying */
		c2 = tl_connect(AF_INET, SVC_ADDR, SVC_PORT, false);
		if (c2 >= 0)
			tl_close(c2);
		TL_EXPECT(c2 == -ECONNREFUSED, "a client while vsockd is away got %d (%s), not "
			  "ECONNREFUSED", c2, c2 < 0 ? strerror(-c2) : "connected");
		tl_sleep_ms(plan->away_ms);
		snprintf(log, sizeof(log), "restart-%d.log", i);
		dl_daemon_init(&d);
		rc = dl_daemon_start(&d, log);
		TL_EXPECT(!rc, "vsockd did not start again: %s", strerror(-rc));
		/* the pair may have ended while vsockd was away (its FINs wait
		 * for vsockd): taken over, or nothing was left to take */
		if (pl_status_num("relay_adopted") != 1)
			dl_show_log(&d);
		ring += pl_status_num("relay_adopted_ring_bytes");
		TL_EXPECT(pl_status_num("relay_adopted") == 1 &&
			  !pl_status_num("relay_adopt_failed"),
			  "restart %d: the new vsockd took over %lld pairs (%lld failed), not 1", i,
			  pl_status_num("relay_adopted"), pl_status_num("relay_adopt_failed"));
	}
	TL_EXPECT(!tl_duplex_join(&j), "the stream across %d restarts: %s", plan->stops, j.why);
	TL_EXPECT(!plan->copies || (copied && ring > 0),
		  "vsockd held no copied byte at any stop (copying at %lld of %d): the kept ring "
		  "was not tried", copied, plan->stops);
	tl_diag("%d stops; vsockd was copying at %lld of them; %lld bytes read and not yet "
		"written were written from the kept ring", plan->stops, copied, ring);
	TL_EXPECT(store_wait(0) == 0, "the pair ended, yet the store still holds %d descriptors",
		  dl_store_count());
out:
	tl_duplex_join(&j);
	tl_close(c);
	tl_close(s);
	tl_close(lfd);
	dl_stop(&d);
	return tl_verdict();
}

/* The kernel relays alone while vsockd is away. */
static int case_relay_survives_kill9(void)
{
	const struct restart_plan plan = { .stops = 1, .sig = SIGKILL, .up_ms = 30,
					   .away_ms = 500 };

	return stream_across_restarts(&plan);
}

/* A small bound sends both directions to vsockd's copy early; it is
 * killed three times while it copies, with bytes read into its ring and
 * not yet written: the next vsockd writes them from the kept ring. */
static int case_copied_direction_survives_kill9_thrice(void)
{
	const struct restart_plan plan = { .conf = "[proxy]\nrelay_bound = 65536\n",
					   .stops = 3, .sig = SIGKILL, .up_ms = 150,
					   .away_ms = 100, .copies = true };

	return stream_across_restarts(&plan);
}

/* systemctl restart: SIGTERM leaves the kept pairs to the next vsockd. */
static int case_relay_survives_sigterm_restart(void)
{
	const struct restart_plan plan = { .stops = 1, .sig = SIGTERM, .up_ms = 30,
					   .away_ms = 200 };

	return stream_across_restarts(&plan);
}

static const struct tl_case cases[] = {
	{ "relay_survives_kill9", case_relay_survives_kill9, 120 },
	{ "copied_direction_survives_kill9_thrice", case_copied_direction_survives_kill9_thrice,
	  180 },
	{ "relay_survives_sigterm_restart", case_relay_survives_sigterm_restart, 120 },
};

int main(void)
{
	return dl_main("test_proxy_restart", cases, sizeof(cases) / sizeof(cases[0]));
}
