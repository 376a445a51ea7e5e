// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vsockctl argument handling: command lookup, sockets filters, option
 * errors (exact messages), the error output contract, and the man page
 * SYNOPSIS matching each command's help. Nothing here reaches the kernel:
 * every case fails or finishes before a loader call. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cmd.h"
#include "version.h"

/* argv arrays are modified by cmd_dispatch (argv[0] = full name). */
#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define RUN(ctl, ...) cmd_dispatch(ctl, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

struct cap {
	struct ctl ctl;
	char *out, *err;
	size_t out_len, err_len;
};

static int setup(void **state)
{
	struct cap *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	ctl_init(&c->ctl);
	c->ctl.out = open_memstream(&c->out, &c->out_len);
	c->ctl.errout = open_memstream(&c->err, &c->err_len);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct cap *c = *state;

	fclose(c->ctl.out);
	fclose(c->ctl.errout);
	free(c->out);
	free(c->err);
	ctl_free(&c->ctl);
	free(c);
	return 0;
}

/* Finish the command as main() does and return the exit status. */
static int finish(struct cap *c, int err)
{
	int status = ctl_finish(&c->ctl, err);

	fflush(c->ctl.out);
	fflush(c->ctl.errout);
	return status;
}

static void expect_error(void **state, int argc, char **argv, const char *msg)
{
	struct cap *c = *state;
	int err = cmd_dispatch(&c->ctl, argc, argv);

	assert_true(err < 0);
	assert_string_equal(c->ctl.err, msg);
}

#define EXPECT_ERR(msg, ...) expect_error(state, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), msg)

static int parse(struct ctl *ctl, struct sock_filter *f, int argc, char **argv)
{
	return sockets_parse_filter(ctl, argc, argv, f);
}

#define PARSE(ctl, f, ...) parse(ctl, f, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void test_filter_none(void **state)
{
	struct cap *c = *state;
	struct sock_filter f;

	assert_int_equal(PARSE(&c->ctl, &f, "sockets"), 0);
	assert_null(f.cgroup);
	assert_int_equal(f.pid, 0);
	assert_int_equal(f.status, -1);
	assert_int_equal(f.port, 0);
	assert_int_equal(PARSE(&c->ctl, &f, "sockets", "all"), 0);
	assert_int_equal(f.status, -1);
}

static void test_filter_all_kinds(void **state)
{
	struct cap *c = *state;
	struct sock_filter f;

	assert_int_equal(PARSE(&c->ctl, &f, "sockets", "cgroup", "/sys/fs/cgroup/a",
			       "pid", "4194304", "status", "Connected", "port", "65535",
			       "all"), 0);
	assert_string_equal(f.cgroup, "/sys/fs/cgroup/a");
	assert_int_equal(f.pid, 4194304);
	assert_int_equal(f.status, VS_ST_CONNECTED);
	assert_int_equal(f.port, 65535);
	assert_int_equal(PARSE(&c->ctl, &f, "sockets", "port", "1", "pid", "1"), 0);
	assert_int_equal(f.port, 1);
	assert_int_equal(f.pid, 1);
}

static void test_filter_errors(void **state)
{
	EXPECT_ERR("filter 'pid' needs a value", "sockets", "pid");
	EXPECT_ERR("filter 'cgroup' needs a value", "sockets", "all", "cgroup");
	EXPECT_ERR("invalid pid '0': expected a positive integer", "sockets", "pid", "0");
	EXPECT_ERR("invalid pid '-1': expected a positive integer", "sockets", "pid", "-1");
	EXPECT_ERR("invalid pid '+5': expected a positive integer", "sockets", "pid", "+5");
	EXPECT_ERR("invalid pid ' 5': expected a positive integer", "sockets", "pid", " 5");
	EXPECT_ERR("invalid pid '12ab': expected a positive integer", "sockets", "pid", "12ab");
	EXPECT_ERR("invalid pid '': expected a positive integer", "sockets", "pid", "");
	EXPECT_ERR("invalid pid '2147483648': expected a positive integer",
		   "sockets", "pid", "2147483648");
	EXPECT_ERR("invalid pid '99999999999999999999': expected a positive integer",
		   "sockets", "pid", "99999999999999999999");
	EXPECT_ERR("invalid port '0': expected 1..65535", "sockets", "port", "0");
	EXPECT_ERR("invalid port '65536': expected 1..65535", "sockets", "port", "65536");
	EXPECT_ERR("invalid port 'http': expected 1..65535", "sockets", "port", "http");
	EXPECT_ERR("invalid status 'up': expected one of unconnected, bound, listening, "
		   "connecting, connected, sending, receiving, shutdown, disconnected, terminated",
		   "sockets", "status", "up");
	EXPECT_ERR("invalid cgroup '': expected a cgroup v2 directory", "sockets", "cgroup", "");
	EXPECT_ERR("unknown filter 'user'; see 'vsockctl help sockets'", "sockets", "user", "x");
	EXPECT_ERR("unknown filter '6379'; see 'vsockctl help sockets'", "sockets", "6379");
	EXPECT_ERR("filter 'port' given twice", "sockets", "port", "1", "port", "2");
	EXPECT_ERR("filter 'status' given twice", "sockets", "status", "bound", "status", "bound");
}

static void test_filter_match(void **state)
{
	struct vs_sock_entry e = {
		.cgroup_id = 10, .attach_cgroup_id = 5, .owner_tgid = 42,
		.status = VS_ST_CONNECTED,
		.local = { .port = 40000 }, .remote = { .port = 6379 },
	};
	struct sock_filter f = { .status = -1 };

	(void)state;
	assert_true(sockets_match(&f, &e));
	f.cgroup = "x";
	f.cgroup_id = 5;	/* the attached ancestor */
	assert_true(sockets_match(&f, &e));
	f.cgroup_id = 10;	/* its own cgroup */
	assert_true(sockets_match(&f, &e));
	f.cgroup_id = 11;
	assert_false(sockets_match(&f, &e));
	f.cgroup = NULL;
	f.port = 6379;
	assert_true(sockets_match(&f, &e));
	f.port = 40000;
	assert_true(sockets_match(&f, &e));
	f.port = 80;
	assert_false(sockets_match(&f, &e));
	f.port = 0;
	f.pid = 42;
	f.status = VS_ST_CONNECTED;
	assert_true(sockets_match(&f, &e));
	f.status = VS_ST_LISTENING;	/* AND: one mismatch excludes */
	assert_false(sockets_match(&f, &e));
	f.status = -1;
	f.pid = 43;
	assert_false(sockets_match(&f, &e));
}

static void test_arg_u64(void **state)
{
	__u64 v = 0;

	(void)state;
	assert_int_equal(arg_u64("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(arg_u64("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(arg_u64("007", 0, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(arg_u64("11", 0, 10, &v), -EINVAL);
	assert_int_equal(arg_u64("0", 1, 10, &v), -EINVAL);
	assert_int_equal(arg_u64("", 0, 10, &v), -EINVAL);
	assert_int_equal(arg_u64(NULL, 0, 10, &v), -EINVAL);
	assert_int_equal(arg_u64("1.5", 0, 10, &v), -EINVAL);
	assert_int_equal(arg_u64("0x1", 0, 10, &v), -EINVAL);
	assert_int_equal(arg_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(arg_u64("18446744073709551616", 0, UINT64_MAX, &v), -EINVAL);
}

static void test_command_lookup(void **state)
{
	struct cap *c = *state;
	const struct cmd *cmd;

	cmd = cmd_find(&c->ctl, "sockets");
	assert_non_null(cmd);
	assert_string_equal(cmd->name, "sockets");
	cmd = cmd_find(&c->ctl, "att");
	assert_non_null(cmd);
	assert_string_equal(cmd->name, "attach");
	cmd = cmd_find(&c->ctl, "so");
	assert_non_null(cmd);
	assert_string_equal(cmd->name, "sockets");
	cmd = cmd_find(&c->ctl, "stat");	/* status, stats: ambiguous */
	assert_null(cmd);
	assert_string_equal(c->ctl.err,
			    "ambiguous command 'stat' (status, stats); see 'vsockctl help'");
	cmd = cmd_find(&c->ctl, "stats");	/* exact wins over longer matches */
	assert_non_null(cmd);
	assert_string_equal(cmd->name, "stats");
	cmd = cmd_find(&c->ctl, "det");	/* detach, the only det... command */
	assert_non_null(cmd);
	assert_string_equal(cmd->name, "detach");
	assert_null(cmd_find(&c->ctl, "s"));
	assert_string_equal(c->ctl.err,
			    "ambiguous command 's' (status, sockets, stats); see 'vsockctl help'");
	assert_null(cmd_find(&c->ctl, "attachx"));
	assert_string_equal(c->ctl.err, "unknown command 'attachx'; see 'vsockctl help'");
	assert_null(cmd_find(&c->ctl, ""));
	assert_string_equal(c->ctl.err, "unknown command ''; see 'vsockctl help'");
}

static void test_command_errors(void **state)
{
	EXPECT_ERR("unknown command 'frob'; see 'vsockctl help'", "frob");
	EXPECT_ERR("attach: missing CGROUP; see 'vsockctl help attach'", "attach");
	EXPECT_ERR("detach: unknown option '--force'; see 'vsockctl help detach'",
		   "detach", "--force");
	EXPECT_ERR("attach: unexpected argument 'b'; see 'vsockctl help attach'",
		   "att", "a", "b");
	EXPECT_ERR("status: unexpected argument 'now'; see 'vsockctl help status'",
		   "status", "now");
	EXPECT_ERR("version: unexpected argument 'x'; see 'vsockctl help version'",
		   "version", "x");
	EXPECT_ERR("stats: unknown argument '--json'; see 'vsockctl help stats'",
		   "stats", "--json");
	EXPECT_ERR("unload: unknown argument 'now'; see 'vsockctl help unload'",
		   "unload", "now");
	EXPECT_ERR("unload: '--wait' needs a value", "unload", "--wait");
	EXPECT_ERR("unload: invalid --wait 'soon': expected seconds (0..2147483)",
		   "unload", "--force", "--wait", "soon");
	EXPECT_ERR("unload: invalid --wait '2147484': expected seconds (0..2147483)",
		   "unload", "--wait=2147484");
	EXPECT_ERR("help: unexpected argument 'b'; see 'vsockctl help help'",
		   "help", "a", "b");
	EXPECT_ERR("unknown command 'x'; see 'vsockctl help'", "help", "x");
}

/* policy, proxy, enable and disable were stubs; they come back when they
 * work. Until then they are unknown, like any other word. */
static void test_unknown_not_stubbed(void **state)
{
	/* policy parses a rule in full before it opens anything */
	EXPECT_ERR("policy: missing add, del or list; see 'vsockctl policy -h'", "policy");
	EXPECT_ERR("policy: unknown verb 'show' (add, del, list)", "policy", "show");
	EXPECT_ERR("policy add: unknown action 'permit' (allow, deny)", "policy", "add", "permit");
	EXPECT_ERR("policy add: 'port' needs a value", "policy", "add", "deny", "port");
	EXPECT_ERR("policy del: bad rule id 'x'", "policy", "del", "x");
	EXPECT_ERR("policy del: missing ID (vsockctl policy list)", "policy", "del");
	EXPECT_ERR("policy list: unexpected argument 'x'", "policy", "list", "x");
	EXPECT_ERR("proxy: missing add, del or list; see 'vsockctl proxy -h'", "proxy");
	/* handles talks to vsockd; its arguments are checked before */
	EXPECT_ERR("handles: invalid pid 'x': expected a positive integer", "handles", "x");
	EXPECT_ERR("handles: invalid pid '0': expected a positive integer", "handles", "0");
	EXPECT_ERR("handles: unexpected argument '2'; see 'vsockctl help handles'",
		   "handles", "1", "2");
	/* enable and disable check their arguments before opening anything */
	EXPECT_ERR("disable: unexpected argument 'b'; see 'vsockctl help disable'",
		   "disable", "a", "b");
	EXPECT_ERR("enable: unknown option '--now'; see 'vsockctl help enable'",
		   "enable", "--now");
	EXPECT_ERR("disable: empty CGROUP", "disable", "");
	EXPECT_ERR("unknown command 'pox'; see 'vsockctl help'", "help", "pox");
}

/* proxy: every bad argument is refused before anything is opened (these
 * run without vsock loaded and never reach the loader). */
static void test_proxy_errors(void **state)
{
	EXPECT_ERR("proxy: unknown verb 'show' (add, del, list)", "proxy", "show");
	EXPECT_ERR("proxy add: missing SERVICE (ADDRESS:PORT)", "proxy", "add",
		   "--backend", "127.0.0.1:1");
	EXPECT_ERR("proxy add: missing --backend ADDRESS", "proxy", "add", "10.96.0.10:6379");
	EXPECT_ERR("proxy add: '--backend' needs a value", "proxy", "add", "10.96.0.10:6379",
		   "--backend");
	EXPECT_ERR("proxy add: service '10.96.0.10:0': port 0 is not allowed", "proxy", "add",
		   "10.96.0.10:0", "--backend", "127.0.0.1:1");
	EXPECT_ERR("proxy add: '10.96.0.300:1': bad IPv4 address '10.96.0.300'", "proxy", "add",
		   "10.96.0.10:1", "--backend", "10.96.0.300:1");
	EXPECT_ERR("proxy add: backend 127.0.0.1:7001 given twice", "proxy", "add",
		   "10.96.0.10:1", "--backend", "127.0.0.1:7001", "--backend", "127.0.0.1:7001");
	EXPECT_ERR("proxy add: unknown mode 'fast' (direct, proxy)", "proxy", "add",
		   "10.96.0.10:1", "--backend", "127.0.0.1:1", "--mode", "fast");
	EXPECT_ERR("proxy add: --mode given twice", "proxy", "add", "10.96.0.10:1",
		   "--backend", "127.0.0.1:1", "--mode", "direct", "--mode", "proxy");
	EXPECT_ERR("proxy add: unknown option '--weight'; see 'vsockctl proxy -h'", "proxy",
		   "add", "10.96.0.10:1", "--weight", "2");
	EXPECT_ERR("proxy add: unexpected argument '10.96.0.11:1'", "proxy", "add",
		   "10.96.0.10:1", "10.96.0.11:1");
	EXPECT_ERR("proxy del: missing SERVICE (ADDRESS:PORT)", "proxy", "del");
	EXPECT_ERR("proxy del: unexpected argument 'x'", "proxy", "del", "10.96.0.10:1", "x");
	EXPECT_ERR("proxy del: service 'fd00::1:80': an IPv6 address needs brackets: [IPV6]:PORT",
		   "proxy", "del", "fd00::1:80");
	EXPECT_ERR("proxy list: unexpected argument 'all'", "proxy", "list", "all");
}

/* proxy -h prints the synopsis and then the verbs, options and examples. */
static void test_proxy_help(void **state)
{
	struct cap *c = *state;

	assert_int_equal(RUN(&c->ctl, "proxy", "add", "-h"), 0);
	assert_int_equal(finish(c, 0), 0);
	assert_non_null(strstr(c->out, "vsockctl [OPTIONS] proxy { add SERVICE"));
	assert_non_null(strstr(c->out, "ECONNREFUSED"));
	assert_non_null(strstr(c->out, "Examples:"));
}

static void test_prometheus_excludes_json(void **state)
{
	struct cap *c = *state;

	c->ctl.mode = OUT_JSON;
	EXPECT_ERR("stats: --prometheus and -j/--json exclude each other",
		   "stats", "--prometheus");
}

static void test_command_help(void **state)
{
	struct cap *c = *state;

	assert_int_equal(RUN(&c->ctl, "sockets", "pid", "-h"), 0);
	assert_int_equal(finish(c, 0), 0);
	assert_string_equal(c->out,
		"vsockctl [OPTIONS] sockets [cgroup PATH] [pid PID] [status NAME] [port PORT] [all]\n");
	assert_string_equal(c->err, "");
}

static void test_help_under_json_is_text(void **state)
{
	struct cap *c = *state;

	c->ctl.mode = OUT_PRETTY;
	assert_int_equal(RUN(&c->ctl, "help", "unl"), 0);
	assert_int_equal(finish(c, 0), 0);
	assert_string_equal(c->out, "vsockctl [OPTIONS] unload [--force] [--wait SECONDS]\n");
}

static void test_version_json(void **state)
{
	struct cap *c = *state;
	char want[128];

	c->ctl.mode = OUT_JSON;
	assert_int_equal(RUN(&c->ctl, "version"), 0);
	assert_int_equal(finish(c, 0), 0);
	snprintf(want, sizeof(want), "{\"version\":\"%s\",\"abi_version\":%u,",
		 VSOCK_VERSION, VS_ABI_VERSION);
	assert_non_null(strstr(c->out, want));
}

/* Text mode: one line on stderr, nothing on stdout, exit 1. */
static void test_error_text(void **state)
{
	struct cap *c = *state;
	int err = RUN(&c->ctl, "sockets", "port", "0");

	assert_int_equal(finish(c, err), 1);
	assert_string_equal(c->out, "");
	assert_string_equal(c->err, "vsockctl: invalid port '0': expected 1..65535\n");
}

/* -j: the error is also JSON on stdout, and nothing else is. */
static void test_error_json(void **state)
{
	struct cap *c = *state;
	int err;

	c->ctl.mode = OUT_JSON;
	err = RUN(&c->ctl, "sockets", "status", "x\"y");
	assert_int_equal(finish(c, err), 1);
	assert_string_equal(c->out,
		"{\"error\":\"invalid status 'x\\\"y': expected one of unconnected, bound, "
		"listening, connecting, connected, sending, receiving, shutdown, "
		"disconnected, terminated\"}\n");
	assert_non_null(strstr(c->err, "vsockctl: invalid status 'x\"y'"));
	assert_ptr_equal(strchr(c->err, '\n'), c->err + strlen(c->err) - 1);	/* one line */
}

static void test_error_without_message(void **state)
{
	struct cap *c = *state;

	assert_int_equal(finish(c, -ENOENT), 1);
	assert_string_equal(c->err, "vsockctl: No such file or directory\n");
}

static void test_loader_error_mapping(void **state)
{
	struct cap *c = *state;
	struct vs_err e = { "attach sockops to /x: Device or resource busy" };
	struct vs_err none = { "" };

	assert_int_equal(ctl_loader_err(&c->ctl, -EBUSY, &e), -EBUSY);
	assert_string_equal(c->ctl.err, e.msg);
	ctl_loader_err(&c->ctl, -EEXIST, &none);
	assert_string_equal(c->ctl.err, "File exists");
	ctl_loader_err(&c->ctl, -EPERM, &e);
	if (geteuid() != 0)
		assert_string_equal(c->ctl.err, "must run as root (CAP_BPF, CAP_NET_ADMIN)");
	else
		assert_string_equal(c->ctl.err, e.msg);
}

static void test_prometheus_format(void **state)
{
	__u64 counters[VS_C_MAX] = { [VS_C_MSG_REDIRECTED] = 12 };
	struct cap *c = *state;

	stats_prometheus(&c->ctl.doc, counters);
	assert_int_equal(finish(c, 0), 0);
	assert_non_null(strstr(c->out,
		"# HELP vsock_msg_redirected_total Messages sent through the fast path\n"
		"# TYPE vsock_msg_redirected_total counter\n"
		"vsock_msg_redirected_total 12\n"));
	assert_non_null(strstr(c->out, "\nvsock_sock_created_total 0\n"));
}

/* Coverage rows: a row per reason with sockets and "all" in JSON; every
 * reason as a labelled gauge in Prometheus. */
static void test_coverage_output(void **state)
{
	struct vs_coverage rows[VS_R_MAX] = {
		[VS_R_NONE] = { .sockets = 2, .joined = 2, .redir_bytes = 3000, .pass_bytes = 1000 },
		[VS_R_BLOCKING] = { .sockets = 1, .pass_bytes = 50 },
	};
	struct cap *c = *state;

	c->ctl.mode = OUT_JSON;
	coverage_table(&c->ctl, rows);
	assert_int_equal(finish(c, 0), 0);
	assert_non_null(strstr(c->out, "{\"reason\":\"none\",\"sockets\":2,\"joined\":2,"
				       "\"redirected_bytes\":3000,\"passed_bytes\":1000,"
				       "\"to_join\":null}"));
	assert_non_null(strstr(c->out, "\"reason\":\"blocking\",\"sockets\":1,"));
	assert_non_null(strstr(c->out, "{\"reason\":\"all\",\"sockets\":3,\"joined\":2,"
				       "\"redirected_bytes\":3000,\"passed_bytes\":1050,"));
	assert_null(strstr(c->out, "\"reason\":\"mptcp\""));
}

static void test_coverage_prometheus(void **state)
{
	struct vs_coverage rows[VS_R_MAX] = { [VS_R_BLOCKING] = { .sockets = 4, .pass_bytes = 9 } };
	struct cap *c = *state;

	coverage_prometheus(&c->ctl.doc, rows);
	assert_int_equal(finish(c, 0), 0);
	assert_non_null(strstr(c->out, "# TYPE vsock_coverage_sockets gauge\n"));
	assert_non_null(strstr(c->out, "\nvsock_coverage_sockets{reason=\"blocking\"} 4\n"));
	assert_non_null(strstr(c->out, "\nvsock_coverage_passed_bytes{reason=\"blocking\"} 9\n"));
	assert_non_null(strstr(c->out, "\nvsock_coverage_sockets{reason=\"none\"} 0\n"));
}

/* Remove roff font escapes and turn "\-" into "-". */
static void unroff(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] == 'f' && s[2]) {
			s += 3;
		} else if (s[0] == '\\' && s[1] == '-') {
			*d++ = '-';
			s += 2;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

static FILE *open_man(void)
{
	/* the build passes the source tree: tests run from anywhere */
	return fopen(VS_SRCDIR "/docs/vsockctl.8", "r");
}

/* Each command's help is its SYNOPSIS line, word for word, and the
 * SYNOPSIS has no line that is not a command's help. */
static void test_man_synopsis_matches_help(void **state)
{
	const struct cmd *c;
	char line[512];
	bool in = false, options = false;
	int ncmd = 0, nlines = 0;
	FILE *f = open_man();

	(void)state;
	if (!f) {
		if (getenv("CI") && !strcmp(getenv("CI"), "true"))
			fail_msg("docs/vsockctl.8 not found (run from the source tree)");
		skip();
	}
	for (c = cmd_table; c->name; c++)
		ncmd += c->synopsis != NULL;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, ".SH", 3)) {
			in = !strcmp(line, ".SH SYNOPSIS");
			continue;
		}
		if (!in || line[0] == '.' || !line[0])
			continue;
		unroff(line);
		if (!strcmp(line, ctl_options_synopsis)) {
			options = true;
			continue;
		}
		for (c = cmd_table; c->name; c++)
			if (c->synopsis && !strcmp(c->synopsis, line))
				break;
		if (!c->name)
			fail_msg("SYNOPSIS line is no command's help: '%s'", line);
		nlines++;
	}
	fclose(f);
	assert_int_equal(nlines, ncmd);
	assert_true(options);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_filter_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_all_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_errors, setup, teardown),
		cmocka_unit_test(test_filter_match),
		cmocka_unit_test(test_arg_u64),
		cmocka_unit_test_setup_teardown(test_command_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_not_stubbed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prometheus_excludes_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_under_json_is_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_without_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loader_error_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prometheus_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coverage_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coverage_prometheus, setup, teardown),
		cmocka_unit_test(test_man_synopsis_matches_help),
	};

	return cmocka_run_group_tests_name("cli_args", tests, NULL, NULL);
}
