// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Log lines go to stderr. Under systemd ($JOURNAL_STREAM set) each line
 * starts with its sd-daemon priority prefix so journald files it at the
 * right level; elsewhere it is plain text for a terminal. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <bpf/libbpf.h>
#include "log.h"

static int cur_level = LOG_INFO;

static const struct {
	const char *name;
	int level;
} levels[] = {
	{ "err", LOG_ERR }, { "error", LOG_ERR },
	{ "warning", LOG_WARNING }, { "warn", LOG_WARNING },
	{ "info", LOG_INFO }, { "debug", LOG_DEBUG }, { "trace", LOG_TRACE },
};

void log_set_level(int level)
{
	cur_level = level;
}

int log_get_level(void)
{
	return cur_level;
}

const char *log_level_name(int level)
{
	size_t i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (levels[i].level == level)
			return levels[i].name;
	return NULL;
}

int log_level_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcasecmp(levels[i].name, name))
			return levels[i].level;
	return -1;
}

static bool journal(void)
{
	static int j = -1;

	/* stderr does not change under us: decide once */
	if (j < 0)
		j = getenv("JOURNAL_STREAM") != NULL;
	return j;
}

static void log_vmsg(int level, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t n;

	if (level > cur_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (journal())
		fprintf(stderr, "<%d>%s\n", level > LOG_DEBUG ? LOG_DEBUG : level, buf);
	else
		fprintf(stderr, "vsockd: %s\n", buf);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	log_vmsg(level == LIBBPF_WARN ? LOG_DEBUG : LOG_TRACE, fmt, ap);
	return 0;
}

void log_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
