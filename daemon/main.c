// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vsockd: options and config, then the daemon. Exit status 0, or 1 on any
 * error (with one message saying what failed). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "version.h"

static const char usage[] =
	"Usage: vsockd [OPTIONS]\n"
	"vsock's daemon: keeps the BPF programs loaded and the configured cgroups\n"
	"attached, tracks which process holds which accelerated socket (the handle\n"
	"tables) and answers vsockctl on its control socket.\n"
	"\n"
	"  -c, --config FILE    configuration (default " CFG_PATH_DEFAULT ";\n"
	"                       missing: the embedded defaults)\n"
	"  -t, --check-config   parse the configuration, print problems, exit\n"
	"  -f, --foreground     run in the foreground (the default; systemd wants it)\n"
	"  -v, --verbose        debug messages; -vv also libbpf's\n"
	"  -V, --version        print the version\n"
	"  -h, --help           print this help\n"
	"\n"
	"Signals: SIGHUP reloads the configuration (a bad one keeps the running\n"
	"one), SIGTERM and SIGINT stop the daemon; the fast path keeps working.\n";

static const struct option opts[] = {
	{ "config",       required_argument, NULL, 'c' },
	{ "check-config", no_argument,       NULL, 't' },
	{ "foreground",   no_argument,       NULL, 'f' },
	{ "verbose",      no_argument,       NULL, 'v' },
	{ "version",      no_argument,       NULL, 'V' },
	{ "help",         no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	struct vsd d;
	char err[CFG_ERR_LEN];
	bool check = false;
	int c, verbose = 0, r;

	memset(&d, 0, sizeof(d));
	d.cfg_path = CFG_PATH_DEFAULT;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:tfvVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.cfg_path = optarg;
			d.cfg_explicit = true;
			break;
		case 't':
			check = true;
			break;
		case 'f':
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("vsockd %s (abi %u)\n", VSOCK_VERSION, VS_ABI_VERSION);
			return 0;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case ':':
			fprintf(stderr, "vsockd: option '%s' needs a value\n", argv[optind - 1]);
			return 1;
		default:
			fprintf(stderr, "vsockd: unknown option '%s'; see 'vsockd --help'\n",
				argv[optind - 1]);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vsockd: unexpected argument '%s'; see 'vsockd --help'\n",
			argv[optind]);
		return 1;
	}
	d.cli_level = verbose ? (verbose > 1 ? LOG_TRACE : LOG_DEBUG) : 0;
	r = cfg_load(&d.cfg, d.cfg_path, !d.cfg_explicit, err, sizeof(err));
	if (r) {
		pr_err("%s", err);
		return 1;
	}
	if (check) {
		cfg_free(&d.cfg);
		printf("%s: ok\n", d.cfg_path);
		return 0;
	}
	r = vsd_init(&d);
	if (!r)
		r = loop_run(&d.loop);
	vsd_fini(&d);
	return r ? 1 : 0;
}
