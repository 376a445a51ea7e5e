// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The proxy tests' set-up (proxylib.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "testlib.h"
#include "daemonlib.h"
#include "proxylib.h"

int pl_ctl(const char *fmt, ...)
{
	char args[512], out[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	rc = dl_run_ctl(out, sizeof(out), "%s --pin-root %s %s", dl.vsockctl, tl.pin_root, args);
	if (rc)
		tl_diag("vsockctl %s: exit %d: %s", args, rc, out);
	return rc;
}

int pl_warm_up(void)
{
	int mfd = loader_map_fd(tl.ld, VS_MAP_PROXY_LISTEN), c, s, i;
	socklen_t len = sizeof(__u64);
	struct vs_proxy_listen v;
	__u64 netns;

	if (tl_pair(AF_INET, true, &c, &s))
		return -1;
	i = getsockopt(c, SOL_SOCKET, SO_NETNS_COOKIE, &netns, &len);
	tl_close(c);
	tl_close(s);
	if (i || mfd < 0)
		return -1;
	for (i = 0; i < 200; i++) {
		if (!bpf_map_lookup_elem(mfd, &netns, &v))
			return 0;
		tl_sleep_ms(10);
	}
	TL_FAIL("vsockd does not listen in this network namespace after 2 s");
	return -1;
}

int pl_svc_connect(int family)
{
	struct sockaddr_storage ss;
	char host[INET6_ADDRSTRLEN];
	socklen_t len = sizeof(ss);
	int fd = tl_connect(family, family == AF_INET ? SVC_ADDR : "::ffff:" SVC_ADDR,
			    SVC_PORT, false);

	if (fd < 0)
		return fd;
	if (getpeername(fd, (struct sockaddr *)&ss, &len)) {
		tl_close(fd);
		return -errno;
	}
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	if (!strstr(host, SVC_ADDR) || tl_port(fd) < 0) {
		tl_diag("getpeername() says %s, not the service address %s", host, SVC_ADDR);
		tl_close(fd);
		return -EINVAL;
	}
	return fd;
}

long long pl_ctl_num(const char *cmd, const char *key)
{
	char out[16384], pat[64];
	const char *p;

	if (dl_run_ctl(out, sizeof(out), "%s --pin-root %s -j %s", dl.vsockctl, tl.pin_root, cmd))
		return -1;
	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(out, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	while (*p == ' ' || *p == ':' || *p == '[')	/* an array: its first */
		p++;
	return strtoll(p, NULL, 10);
}

long long pl_status_num(const char *key)
{
	return pl_ctl_num("status", key);
}

int pl_service(struct dl_daemon *d, const char *log, const char *conf, int *lfd)
{
	int rc;

	dl_daemon_init(d);
	rc = dl_write_conf(conf);
	if (!rc)
		rc = dl_daemon_start(d, log);

	if (rc) {
		TL_FAIL("vsockd did not start: %s", strerror(-rc));
		return -1;
	}
	*lfd = tl_listen(AF_INET, "127.0.0.1", 0, false);
	if (*lfd < 0 || pl_ctl("proxy add %s:%d --backend 127.0.0.1:%d --mode proxy --replace", SVC_ADDR,
			    SVC_PORT, tl_port(*lfd))) {
		TL_FAIL("backend or service set-up failed");
		return -1;
	}
	return pl_warm_up();
}

int pl_pair(struct dl_daemon *d, const char *log, const char *conf, int *lfd, int *c, int *s)
{
	if (pl_service(d, log, conf, lfd))
		return -1;
	return pl_connect(*lfd, c, s);
}

int pl_connect(int lfd, int *c, int *s)
{
	*c = pl_svc_connect(AF_INET);
	*s = *c >= 0 ? tl_accept(lfd, false, 3000) : -1;
	if (*c < 0 || *s < 0) {
		TL_FAIL("no proxied connection (client %d, backend %d)", *c, *s);
		return -1;
	}
	return 0;
}

