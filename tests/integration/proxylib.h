/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the proxy tests (test_proxy, test_proxy_restart) share: vsockd with
 * one proxy-mode service in front of a local backend, and its clients. */
#ifndef VSOCK_TEST_PROXYLIB_H
#define VSOCK_TEST_PROXYLIB_H

#include "daemonlib.h"

#define SVC_ADDR	"10.96.0.10"
#define SVC_PORT	6379

/* vsockctl ARGS against the test's pins and vsockd; its exit status
 * (output shown on failure). */
int pl_ctl(const char *fmt, ...) TL_PRINTF(1, 2);
/* A number in the JSON of `vsockctl -j CMD` (the first KEY), or -1. */
long long pl_ctl_num(const char *cmd, const char *key);
long long pl_status_num(const char *key);
/* vsockd learns of a network namespace when a process of an attached
 * cgroup connects there (docs/proxy.md, "The service proxy"): one
 * throwaway connection, then wait for its listener record. 0 or -1. */
int pl_warm_up(void);
/* A connected client of the service: blocking connect, checked peer name;
 * the fd or -errno. */
int pl_svc_connect(int family);
/* vsockd running (conf: extra config lines, may be NULL), a backend
 * listening on *lfd, and the proxy-mode service naming that one backend,
 * served in this namespace. 0, or -1 after TL_FAIL. */
int pl_service(struct dl_daemon *d, const char *log, const char *conf, int *lfd);
/* A client *c of the service through the proxy, and the backend's end *s
 * of it (accepted on lfd). 0, or -1 after TL_FAIL. */
int pl_connect(int lfd, int *c, int *s);
/* pl_service(), and pl_connect(). */
int pl_pair(struct dl_daemon *d, const char *log, const char *conf, int *lfd, int *c, int *s);

#endif /* VSOCK_TEST_PROXYLIB_H */
