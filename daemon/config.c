// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* INI configuration through libinih. inih's handler is not told the line
 * it is on, so the lines are fed by our own reader, which counts them and
 * refuses lines longer than inih would read in one piece (it would
 * silently parse the rest as a new line). */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>
#include "loader.h"
#include "config.h"
#include "log.h"
#include "svcrule.h"
#include "policyrule.h"

enum key_id {
	K_PIN_ROOT, K_LOG_LEVEL, K_CONTROL_SOCKET, K_CONTROL_GROUP,
	K_CONTROL_MODE, K_MAX_PROCESSES, K_MAX_HANDLES_PER_PROCESS,
	K_MAX_HANDLES, K_RESCAN_INTERVAL, K_MAX_SOCKETS, K_MAX_QUEUED,
	K_SMALL_RUN, K_BUSY_POLL, K_ATTACH, K_SERVICE, K_CONNECT_TIMEOUT,
	K_IDLE_TIMEOUT, K_RELAY_BOUND, K_RULE,
	K_COUNT,
};

static const struct key {
	const char *section;
	const char *name;
	unsigned int min, max;	/* numeric keys */
} keys[K_COUNT] = {
	[K_PIN_ROOT]		= { "vsockd", "pin_root" },
	[K_LOG_LEVEL]		= { "vsockd", "log_level" },
	[K_CONTROL_SOCKET]	= { "vsockd", "control_socket" },
	[K_CONTROL_GROUP]	= { "vsockd", "control_group" },
	[K_CONTROL_MODE]	= { "vsockd", "control_socket_mode", 0, 0777 },
	[K_MAX_PROCESSES]	= { "vsockd", "max_processes", 1, 1u << 20 },
	[K_MAX_HANDLES_PER_PROCESS] = { "vsockd", "max_handles_per_process", 1, 1u << 24 },
	[K_MAX_HANDLES]		= { "vsockd", "max_handles", 1, 1u << 26 },
	[K_RESCAN_INTERVAL]	= { "vsockd", "rescan_interval", 0, 86400 },
	[K_MAX_SOCKETS]		= { "bpf", "max_sockets", 1024, 1u << 22 },
#define TUNE_KEY(id, name, min, max, def) [K_##id] = { "bpf", #name, min, max },
	VS_TUNABLES(TUNE_KEY)	/* K_MAX_QUEUED, K_SMALL_RUN, K_BUSY_POLL */
#undef TUNE_KEY
	[K_ATTACH]		= { "cgroups", "attach" },
	[K_SERVICE]		= { "proxy", "service" },
	[K_CONNECT_TIMEOUT]	= { "proxy", "connect_timeout_ms", 50, 600000 },
	[K_IDLE_TIMEOUT]	= { "proxy", "idle_timeout", 0, 7 * 86400 },
	[K_RELAY_BOUND]		= { "proxy", "relay_bound", 0, 1u << 31 },
	[K_RULE]		= { "policy", "rule" },
};

struct parse {
	struct cfg *c;
	const char *name;	/* file name for messages */
	FILE *f;		/* or text */
	const char *text;
	char *line;		/* getline buffer */
	size_t line_cap;
	int lineno;
	int seen[K_COUNT];	/* line of a scalar key, 0 if not seen */
	int err_line;		/* first error */
	char *err;
	size_t errlen;
};

void cfg_defaults(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->pin_root, sizeof(c->pin_root), "%s", VS_PIN_ROOT_DEFAULT);
	c->log_level = LOG_INFO;
	snprintf(c->control_socket, sizeof(c->control_socket), "%s",
		 "/run/vsock/vsockd.sock");
	c->control_mode = 0660;
	c->max_processes = 4096;
	c->max_handles_per_process = 65536;
	c->max_handles = 262144;
	c->rescan_interval = 60;
	c->max_sockets = VS_MAX_SOCKS_DEFAULT;
	c->max_queued = VS_MAX_QUEUED_DEFAULT;
	c->small_run = VS_SMALL_RUN;
	c->busy_poll = VS_SPIN_MSGS;
	c->connect_timeout_ms = 3000;
	c->idle_timeout = 0;
}

void cfg_free(struct cfg *c)
{
	int i;

	for (i = 0; i < c->nattach; i++)
		free(c->attach[i]);
	free(c->attach);
	c->attach = NULL;
	c->nattach = 0;
	free(c->services);
	c->services = NULL;
	c->nservices = 0;
	free(c->rules);
	c->rules = NULL;
	c->nrules = 0;
}

int cfg_copy(struct cfg *dst, const struct cfg *src)
{
	int i;

	*dst = *src;
	dst->attach = NULL;
	dst->nattach = 0;
	dst->services = NULL;
	dst->nservices = 0;
	dst->rules = NULL;
	dst->nrules = 0;
	if (src->nrules) {
		dst->rules = malloc(src->nrules * sizeof(*dst->rules));
		if (!dst->rules)
			return -ENOMEM;
		memcpy(dst->rules, src->rules, src->nrules * sizeof(*dst->rules));
		dst->nrules = src->nrules;
	}
	if (src->nservices) {
		dst->services = malloc(src->nservices * sizeof(*dst->services));
		if (!dst->services)
			return -ENOMEM;
		memcpy(dst->services, src->services, src->nservices * sizeof(*dst->services));
		dst->nservices = src->nservices;
	}
	if (!src->nattach)
		return 0;
	dst->attach = calloc(src->nattach, sizeof(*dst->attach));
	if (!dst->attach)
		return -ENOMEM;
	for (i = 0; i < src->nattach; i++) {
		dst->attach[i] = strdup(src->attach[i]);
		if (!dst->attach[i]) {
			cfg_free(dst);
			return -ENOMEM;
		}
		dst->nattach++;
	}
	return 0;
}

bool cfg_has_attach(const struct cfg *c, const char *path)
{
	int i;

	for (i = 0; i < c->nattach; i++)
		if (!strcmp(c->attach[i], path))
			return true;
	return false;
}

const struct vs_svc_rule *cfg_service(const struct cfg *c, const struct vs_addr *svc)
{
	int i;

	for (i = 0; i < c->nservices; i++)
		if (!memcmp(c->services[i].svc.ip, svc->ip, 16) &&
		    c->services[i].svc.port == svc->port)
			return &c->services[i];
	return NULL;
}

/* First error wins: it is the one inih's return value points at. */
static __attribute__((format(printf, 2, 3)))
int perr(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->err_line)
		return 0;
	p->err_line = p->lineno;
	n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, p->lineno);
	if (n < 0 || (size_t)n >= p->errlen)
		return 0;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return 0;	/* inih: handler failed */
}

/* Strict decimal: no sign, blanks or suffix. */
static int parse_uint(const char *s, unsigned int min, unsigned int max,
		      int base, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int set_path(struct parse *p, const struct key *k, char *dst,
		    size_t len, const char *v)
{
	if (v[0] != '/')
		return perr(p, "%s: '%s' is not an absolute path", k->name, v);
	if (strlen(v) >= len)
		return perr(p, "%s: path longer than %zu bytes", k->name, len - 1);
	snprintf(dst, len, "%s", v);
	return 1;
}

static int set_group(struct parse *p, const char *v)
{
	struct group *g;
	unsigned int gid;

	if (strlen(v) >= sizeof(p->c->control_group))
		return perr(p, "control_group: name too long");
	if (!parse_uint(v, 0, 0x7fffffff, 10, &gid)) {
		p->c->control_gid = gid;
	} else {
		errno = 0;
		g = getgrnam(v);
		if (!g)
			return perr(p, "control_group: no group '%s'", v);
		p->c->control_gid = g->gr_gid;
	}
	snprintf(p->c->control_group, sizeof(p->c->control_group), "%s", v);
	return 1;
}

static int add_attach(struct parse *p, const char *v)
{
	struct cfg *c = p->c;
	char **tmp;

	if (v[0] != '/')
		return perr(p, "attach: '%s' is not an absolute path", v);
	if (strlen(v) >= PATH_MAX)
		return perr(p, "attach: path too long");
	if (cfg_has_attach(c, v))
		return perr(p, "attach: '%s' is listed twice", v);
	tmp = realloc(c->attach, (c->nattach + 1) * sizeof(*tmp));
	if (!tmp)
		return perr(p, "out of memory");
	c->attach = tmp;
	c->attach[c->nattach] = strdup(v);
	if (!c->attach[c->nattach])
		return perr(p, "out of memory");
	c->nattach++;
	return 1;
}

/* service = ADDRESS:PORT backends=ADDRESS:PORT[,...] [mode=direct|proxy] */
static int add_service(struct parse *p, const char *v)
{
	struct cfg *c = p->c;
	struct vs_svc_rule r, *tmp;
	char err[SVC_ERR_LEN], buf[SVC_ADDR_STRLEN];

	if (svc_rule_parse_line(v, &r, err, sizeof(err)))
		return perr(p, "service: %s", err);
	if (cfg_service(c, &r.svc))
		return perr(p, "service %s: listed twice",
			    svc_addr_str(&r.svc, buf, sizeof(buf)));
	if (c->nservices >= VS_SVC_MAX)
		return perr(p, "service: more than %d services", VS_SVC_MAX);
	tmp = realloc(c->services, (c->nservices + 1) * sizeof(*tmp));
	if (!tmp)
		return perr(p, "out of memory");
	c->services = tmp;
	c->services[c->nservices++] = r;
	return 1;
}

/* rule = allow|deny [port N|N-M] [cidr A/B] [cgroup PATH] [uid U] [--priority P] */
static int add_rule(struct parse *p, const char *v)
{
	struct cfg *c = p->c;
	struct vs_rule r, *tmp;
	char err[POLICY_ERR_LEN];

	if (policy_rule_parse_line(v, &r, err, sizeof(err)))
		return perr(p, "rule: %s", err);
	if (c->nrules >= VS_RULES_MAX)
		return perr(p, "rule: more than %d rules", VS_RULES_MAX);
	tmp = realloc(c->rules, (c->nrules + 1) * sizeof(*tmp));
	if (!tmp)
		return perr(p, "out of memory");
	c->rules = tmp;
	c->rules[c->nrules++] = r;
	return 1;
}

static int set_number(struct parse *p, enum key_id id, const char *v)
{
	const struct key *k = &keys[id];
	unsigned int n;
	int base = id == K_CONTROL_MODE ? 8 : 10;

	if (parse_uint(v, k->min, k->max, base, &n)) {
		if (id == K_CONTROL_MODE)
			return perr(p, "%s: '%s' is not an octal mode (0000..0777)",
				    k->name, v);
		return perr(p, "%s: '%s' is not a number in %u..%u", k->name, v,
			    k->min, k->max);
	}
	switch (id) {
	case K_CONTROL_MODE:		p->c->control_mode = n; break;
	case K_MAX_PROCESSES:		p->c->max_processes = n; break;
	case K_MAX_HANDLES_PER_PROCESS:	p->c->max_handles_per_process = n; break;
	case K_MAX_HANDLES:		p->c->max_handles = n; break;
	case K_MAX_SOCKETS:		p->c->max_sockets = n; break;
	case K_MAX_QUEUED:		p->c->max_queued = n; break;
	case K_SMALL_RUN:		p->c->small_run = n; break;
	case K_BUSY_POLL:		p->c->busy_poll = n; break;
	case K_CONNECT_TIMEOUT:		p->c->connect_timeout_ms = n; break;
	case K_IDLE_TIMEOUT:		p->c->idle_timeout = n; break;
	case K_RELAY_BOUND:		p->c->relay_bound = n; break;
	default:			p->c->rescan_interval = n; break;
	}
	return 1;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse *p = user;
	struct cfg *c = p->c;
	enum key_id id;
	int lvl;

	for (id = 0; id < K_COUNT; id++)
		if (!strcmp(keys[id].section, section) && !strcmp(keys[id].name, name))
			break;
	if (id == K_COUNT) {
		if (!section[0])
			return perr(p, "'%s' is outside a section", name);
		if (strcmp(section, "vsockd") && strcmp(section, "cgroups") &&
		    strcmp(section, "bpf") && strcmp(section, "proxy") && strcmp(section, "policy"))
			return perr(p, "unknown section [%s] (expected [vsockd], [bpf], [cgroups], [proxy] or [policy])",
				    section);
		return perr(p, "unknown key '%s' in [%s]", name, section);
	}
	if (id != K_ATTACH && id != K_SERVICE && id != K_RULE) {
		if (p->seen[id])
			return perr(p, "%s: given twice (first at line %d)", name,
				    p->seen[id]);
		p->seen[id] = p->lineno;
	}
	if (!value[0] && id != K_CONTROL_GROUP)
		return perr(p, "%s: empty value", name);
	switch (id) {
	case K_PIN_ROOT:
		return set_path(p, &keys[id], c->pin_root, sizeof(c->pin_root), value);
	case K_CONTROL_SOCKET:
		return set_path(p, &keys[id], c->control_socket,
				sizeof(c->control_socket), value);
	case K_LOG_LEVEL:
		lvl = log_level_parse(value);
		if (lvl < 0 || lvl > LOG_DEBUG)
			return perr(p, "log_level: '%s' is not one of err, warning, info, debug",
				    value);
		c->log_level = lvl;
		return 1;
	case K_CONTROL_GROUP:
		if (!value[0]) {
			c->control_group[0] = '\0';
			return 1;
		}
		return set_group(p, value);
	case K_ATTACH:
		return add_attach(p, value);
	case K_SERVICE:
		return add_service(p, value);
	case K_RULE:
		return add_rule(p, value);
	default:
		return set_number(p, id, value);
	}
}

/* One line per call, as fgets would give it to inih. */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *src, *nl;
	size_t n;
	ssize_t r;

	if (p->f) {
		r = getline(&p->line, &p->line_cap, p->f);
		if (r < 0)
			return NULL;
		src = p->line;
		n = (size_t)r;
	} else {
		if (!*p->text)
			return NULL;
		src = p->text;
		nl = strchr(src, '\n');
		n = nl ? (size_t)(nl - src) + 1 : strlen(src);
		p->text += n;
	}
	p->lineno++;
	if (n && src[n - 1] == '\n')
		n--;
	if (memchr(src, '\0', n)) {
		perr(p, "NUL byte in line");
		n = 0;
	} else if (n >= (size_t)num - 1) {
		perr(p, "line longer than %d bytes", num - 2);
		n = 0;
	}
	memcpy(str, src, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

static int run(struct cfg *c, struct parse *p)
{
	int r;

	cfg_defaults(c);
	p->c = c;
	r = ini_parse_stream(reader, p, handler, p);
	free(p->line);
	if (r == 0 && !p->err_line)
		return 0;
	if (r > 0 && (!p->err_line || r < p->err_line)) {
		p->err_line = 0;
		p->lineno = r;
		perr(p, "syntax error: expected '[section]' or 'key = value'");
	} else if (r < 0 && !p->err_line) {
		snprintf(p->err, p->errlen, "%s: out of memory", p->name);
	}
	cfg_free(c);
	cfg_defaults(c);
	return -EINVAL;
}

int cfg_load_string(struct cfg *c, const char *name, const char *text,
		    char *err, size_t errlen)
{
	struct parse p = { .name = name, .text = text, .err = err, .errlen = errlen };

	err[0] = '\0';
	return run(c, &p);
}

int cfg_load(struct cfg *c, const char *path, bool missing_ok, char *err,
	     size_t errlen)
{
	struct parse p = { .name = path, .err = err, .errlen = errlen };
	int r;

	err[0] = '\0';
	p.f = fopen(path, "re");
	if (!p.f) {
		r = -errno;
		cfg_defaults(c);
		if (r == -ENOENT && missing_ok)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	r = run(c, &p);
	fclose(p.f);
	return r;
}
