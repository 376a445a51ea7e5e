// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target for vsockd's configuration parser (daemon/config.c over
 * libinih): the input is a whole vsockd.conf. A file is taken whole or
 * refused whole: on success every value is in the range vsockd.8 documents,
 * on refusal the configuration is exactly the defaults and the error is
 * one "NAME:LINE: message" line. A copy (cfg_copy, as a reload makes one)
 * must equal its source. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "log.h"

#define MAX_TEXT 65536

static void check_ranges(const struct cfg *c)
{
	int i;

	if (c->pin_root[0] != '/' || c->control_socket[0] != '/' ||
	    c->log_level < 0 || c->log_level > LOG_DEBUG ||
	    c->control_mode > 0777 || !c->max_processes ||
	    !c->max_handles_per_process || !c->max_handles ||
	    c->rescan_interval > 86400 || c->max_sockets < 1024 ||
	    c->nattach < 0 || c->nservices < 0 || c->nservices > VS_SVC_MAX)
		abort();
	for (i = 0; i < c->nattach; i++)
		if (c->attach[i][0] != '/')
			abort();
	for (i = 0; i < c->nservices; i++)
		if (c->services[i].nbackends < 1 ||
		    c->services[i].nbackends > VS_SVC_MAX_BACKENDS)
			abort();
}

static void check_copy(const struct cfg *c)
{
	struct cfg d;
	int i;

	if (cfg_copy(&d, c))
		return;	/* out of memory */
	if (d.nattach != c->nattach || d.nservices != c->nservices ||
	    strcmp(d.pin_root, c->pin_root) ||
	    (c->nservices && memcmp(d.services, c->services,
				    c->nservices * sizeof(*c->services))))
		abort();
	for (i = 0; i < c->nattach; i++)
		if (strcmp(d.attach[i], c->attach[i]))
			abort();
	cfg_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[MAX_TEXT + 1], err[CFG_ERR_LEN];
	struct cfg c, def;

	if (size > MAX_TEXT)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!cfg_load_string(&c, "fuzz.conf", text, err, sizeof(err))) {
		check_ranges(&c);
		check_copy(&c);
	} else {
		cfg_defaults(&def);
		if (strncmp(err, "fuzz.conf:", 10) || strchr(err, '\n') ||
		    c.attach || c.services || memcmp(&c, &def, sizeof(c)))
			abort();
	}
	cfg_free(&c);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERR);	/* no log line per input */
	return 0;
}
