// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target for the virtual-service rule syntax (lib/svcrule.c),
 * as vsockctl proxy and vsockd's [proxy] section read it. The input is one
 * text: a whole config rule line, one address, one mode, and (split on
 * newlines) a list of --backend values. Whatever parses must print back to
 * an address that parses to the same bytes, and a rule must hold what
 * svc_rule_check() promises; every refusal says why (quoting the input,
 * newlines and all). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "svcrule.h"

#define MAX_TEXT 4096

static void refused(const char *err)
{
	if (!err[0])
		abort();	/* a refusal says why */
}

/* An address that parsed prints back to one that parses the same. */
static void round_trip(const struct vs_addr *a)
{
	char buf[SVC_ADDR_STRLEN], err[SVC_ERR_LEN];
	struct vs_addr b;

	svc_addr_str(a, buf, sizeof(buf));
	if (svc_parse_addr(buf, &b, err, sizeof(err)) ||
	    memcmp(a->ip, b.ip, 16) || a->port != b.port || !a->port)
		abort();
}

/* Backends as --backend builds them: parsed, distinct, within the bound. */
static void check_backends(const struct vs_svc_rule *r)
{
	char err[SVC_ERR_LEN];
	int i, j;

	if (r->nbackends < 1 || r->nbackends > VS_SVC_MAX_BACKENDS ||
	    svc_rule_check(r, err, sizeof(err)))
		abort();
	for (i = 0; i < r->nbackends; i++) {
		round_trip(&r->backends[i]);
		for (j = 0; j < i; j++)
			if (!memcmp(&r->backends[i], &r->backends[j], sizeof(r->backends[i])))
				abort();	/* duplicates are refused */
	}
}

static void check_rule(const struct vs_svc_rule *r)
{
	round_trip(&r->svc);
	check_backends(r);
}

static void backends(char *text)
{
	struct vs_svc_rule r = { .mode = VS_SVC_DIRECT };
	char err[SVC_ERR_LEN], *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		err[0] = '\0';
		if (svc_rule_add_backend(&r, line, err, sizeof(err)))
			refused(err);
		if (r.nbackends > VS_SVC_MAX_BACKENDS)
			abort();
	}
	if (r.nbackends)
		check_backends(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[MAX_TEXT + 1], err[SVC_ERR_LEN];
	struct vs_svc_rule r;
	struct vs_addr a;
	__u8 mode;

	if (size > MAX_TEXT)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';	/* C strings: the input up to its first NUL */

	err[0] = '\0';
	if (!svc_rule_parse_line(text, &r, err, sizeof(err)))
		check_rule(&r);
	else
		refused(err);

	err[0] = '\0';
	if (!svc_parse_addr(text, &a, err, sizeof(err)))
		round_trip(&a);
	else
		refused(err);

	err[0] = '\0';
	if (!svc_parse_mode(text, &mode, err, sizeof(err))) {
		if (strcmp(svc_mode_name(mode), text))
			abort();
	} else {
		refused(err);
	}

	backends(text);
	return 0;
}
