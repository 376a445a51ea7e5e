/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vsockd's logging: one function, a level from the config or -v/-vv, and
 * journald priority prefixes ("<3>") when stderr is the journal. */
#ifndef VSOCKD_LOG_H
#define VSOCKD_LOG_H

#include <syslog.h>

/* Levels are syslog priorities; LOG_TRACE is below debug: libbpf's own
 * messages, shown only at -vv. */
#define LOG_TRACE (LOG_DEBUG + 1)

void log_set_level(int level);
int log_get_level(void);
/* Name of a level ("info"), or NULL. */
const char *log_level_name(int level);
/* Parse "err", "warning", "info", "debug" (and "error", "warn");
 * returns the level or -1. */
int log_level_parse(const char *name);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Route libbpf's messages through log_msg(), one level quieter: libbpf
 * warnings are our debug, the rest trace (verifier logs only at -vv). */
void log_libbpf(void);

#define pr_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define pr_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* VSOCKD_LOG_H */
