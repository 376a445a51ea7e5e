// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Full rescans and per-process refreshes of the handle tables. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "fdcookie.h"
#include "log.h"
#include "procfs.h"
#include "scan.h"
#include "sockdiag.h"

/* The negative cache is only an optimisation: drop it when it gets big. */
#define UNTRACKED_MAX 262144
#define PIDFD_UNSET INT_MIN	/* resolve_new() opens it at the first need */

/* One process's socket descriptors, read once per pass. */
struct pfds {
	__u32 pid;
	__u64 netns;
	struct fd_inode *v;
	unsigned int n, cap;
};

struct pass {
	struct pfds *p;
	unsigned int n, cap;
	struct u64map want;	/* inode → 1: resolve these through sock_diag */
	struct u64map tracked;	/* cookie → 1, full rescan only */
	struct u64map *ino;	/* where resolved inodes go */
	struct u64map *cookies;	/* their reverse */
	struct scan *s;
	bool full;
	int err;
};

int scan_init(struct scan *s, struct vs_loader *ld, struct proctbl *tbl)
{
	memset(s, 0, sizeof(*s));
	s->ld = ld;
	s->tbl = tbl;
	u64map_init(&s->ino2cookie);
	u64map_init(&s->cookie2ino);
	u64map_init(&s->untracked);
	return procfs_netns((__u32)getpid(), &s->own_netns);
}

void scan_free(struct scan *s)
{
	u64map_free(&s->ino2cookie);
	u64map_free(&s->cookie2ino);
	u64map_free(&s->untracked);
}

static void pass_free(struct pass *ps)
{
	unsigned int i;

	for (i = 0; i < ps->n; i++)
		free(ps->p[i].v);
	free(ps->p);
	u64map_free(&ps->want);
	u64map_free(&ps->tracked);
}

/* Read pid's socket fds into a new slot; a process without any is not kept. */
static int read_proc(struct pass *ps, __u32 pid)
{
	struct pfds *p, *tmp;
	int r;

	if (ps->n == ps->cap) {
		unsigned int c = ps->cap ? ps->cap * 2 : 64;

		tmp = realloc(ps->p, (size_t)c * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		ps->p = tmp;
		ps->cap = c;
	}
	p = &ps->p[ps->n];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	r = procfs_socket_fds(pid, &p->v, &p->n, &p->cap);
	if (r == -ENOMEM)
		return r;
	if (r || !p->n || procfs_netns(pid, &p->netns)) {
		free(p->v);
		return r ? r : -ENOENT;
	}
	ps->n++;
	return 0;
}

static int collect_cb(__u32 pid, void *ctx)
{
	struct pass *ps = ctx;

	return read_proc(ps, pid) == -ENOMEM ? -ENOMEM : 0;
}

static int tracked_cb(const struct vs_sock_entry *e, void *ctx)
{
	struct pass *ps = ctx;

	return u64map_put(&ps->tracked, e->cookie, 1);
}

static bool is_tracked(struct pass *ps, __u64 cookie)
{
	struct vs_sock_entry e;

	if (ps->full)
		return u64map_get(&ps->tracked, cookie, NULL);
	return loader_lookup_socket(ps->s->ld, cookie, &e) == 0;
}

/* inode is socket cookie: a handle if the socket table tracks it. */
static int found(struct pass *ps, __u64 inode, __u64 cookie)
{
	int r = 0;

	if (is_tracked(ps, cookie)) {
		r = u64map_put(ps->ino, inode, cookie);
		if (!r)
			r = u64map_put(ps->cookies, cookie, inode);
	} else if (!ps->full) {
		r = u64map_put(&ps->s->untracked, inode, 1);
	}
	if (r)
		ps->err = r;
	return r;
}

static int dump_cb(__u64 inode, __u64 cookie, void *ctx)
{
	struct pass *ps = ctx;

	return u64map_get(&ps->want, inode, NULL) ? found(ps, inode, cookie) : 0;
}

/* One dump per network namespace that has an inode to resolve. */
static void resolve(struct pass *ps)
{
	struct u64map done;
	unsigned int i, j;
	int fd, r;

	u64map_init(&done);
	for (i = 0; i < ps->n; i++) {
		struct pfds *p = &ps->p[i];
		bool need = false;

		if (u64map_get(&done, p->netns, NULL))
			continue;
		for (j = 0; j < p->n && !need; j++)
			need = u64map_get(&ps->want, p->v[j].inode, NULL);
		if (!need)
			continue;
		if (u64map_put(&done, p->netns, 1)) {
			ps->err = -ENOMEM;
			break;
		}
		fd = sockdiag_open(p->pid, p->netns, ps->s->own_netns);
		if (fd < 0) {
			/* the process left, or its namespace is not ours to enter;
			 * another process in that namespace may do */
			u64map_del(&done, p->netns);
			ps->s->dump_errors++;
			pr_debug("sock_diag for pid %u (netns %llu): %s", p->pid,
				 (unsigned long long)p->netns, strerror(-fd));
			continue;
		}
		ps->s->dumps++;
		r = sockdiag_dump(fd, dump_cb, ps);
		close(fd);
		if (r < 0) {
			ps->s->dump_errors++;
			pr_warn("sock_diag dump in netns %llu: %s",
				(unsigned long long)p->netns, strerror(-r));
		}
	}
	u64map_free(&done);
}

static void hook_new(struct scan *s, __u32 pid, __u64 start)
{
	struct proc *p;

	if (!s->on_new_proc)
		return;
	p = proctbl_get(s->tbl, pid, start);
	if (p && p->pidfd < 0)
		s->on_new_proc(s->ctx, p);
	proctbl_put(s->tbl, p);
}

/* Turn one process's fds into its private table. */
static int apply(struct scan *s, struct pfds *p, struct u64map *ino)
{
	struct proc_handle *h;
	struct proc_info info;
	unsigned int i, n = 0;
	__u64 cookie;
	int r;

	h = malloc((size_t)(p->n ? p->n : 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (i = 0; i < p->n; i++) {
		if (!u64map_get(ino, p->v[i].inode, &cookie))
			continue;
		h[n].fd = p->v[i].fd;
		h[n].pad = 0;
		h[n].cookie = cookie;
		n++;
	}
	r = procfs_info(p->pid, &info);
	if (r) {
		proctbl_remove(s->tbl, p->pid, 0);	/* exited meanwhile */
		free(h);
		return 0;
	}
	r = proctbl_set(s->tbl, &info, h, n);
	free(h);
	if (r == -ENOSPC) {
		pr_debug("master table full: pid %u left out", p->pid);
		return 0;
	}
	if (!r && n)
		hook_new(s, p->pid, info.start);
	return r;
}

int scan_full(struct scan *s)
{
	struct u64map ino, cookies;
	struct pass ps = { .s = s, .full = true };
	unsigned int i, j, gen, gone;
	__u64 t0 = clock_now_us(CLOCK_MONOTONIC);
	int r;

	u64map_init(&ino);
	u64map_init(&cookies);
	ps.ino = &ino;
	ps.cookies = &cookies;
	r = loader_for_each_socket(s->ld, tracked_cb, &ps);
	if (r) {
		r = r < 0 ? r : -ENOMEM;
		pr_warn("rescan: read socket table: %s", strerror(-r));
		goto out;
	}
	r = procfs_for_each_pid(collect_cb, &ps);
	if (r)
		goto out;
	for (i = 0; i < ps.n && !r; i++)
		for (j = 0; j < ps.p[i].n && !r; j++)
			r = u64map_put(&ps.want, ps.p[i].v[j].inode, 1);
	if (r)
		goto out;
	if (ps.tracked.n)
		resolve(&ps);
	if (ps.err) {
		r = ps.err;
		goto out;
	}
	gen = proctbl_begin_gen(s->tbl);
	for (i = 0; i < ps.n && !r; i++)
		r = apply(s, &ps.p[i], &ino);
	gone = proctbl_end_gen(s->tbl, gen);
	if (r)
		goto out;
	u64map_free(&s->ino2cookie);
	u64map_free(&s->cookie2ino);
	s->ino2cookie = ino;
	s->cookie2ino = cookies;
	u64map_init(&ino);
	u64map_init(&cookies);
	u64map_clear(&s->untracked);
	s->tracked = (unsigned int)ps.tracked.n;
	s->rescans++;
	s->last_rescan_us = clock_now_us(CLOCK_MONOTONIC) - t0;
	pr_debug("rescan: %u tracked sockets, %u processes with %u handles (%u left), %llu us",
		 s->tracked, proctbl_nprocs(s->tbl), proctbl_nhandles(s->tbl), gone,
		 (unsigned long long)s->last_rescan_us);
out:
	if (r)
		pr_warn("rescan: %s", strerror(-r));
	u64map_free(&ino);
	u64map_free(&cookies);
	pass_free(&ps);
	return r;
}

/* One new descriptor, asked of the kernel alone (fdcookie.h); what it
 * will not lend goes to the sock_diag dump. */
static int resolve_fd(struct pass *ps, struct pfds *p, int *pidfd, unsigned int j)
{
	__u64 inode = p->v[j].inode, cookie;
	int r = -ENOSYS;

	if (*pidfd == PIDFD_UNSET)
		*pidfd = fdcookie_pidfd(p->pid);
	if (*pidfd >= 0)
		r = fdcookie_get(*pidfd, p->v[j].fd, inode, &cookie);
	if (!r) {
		ps->s->fd_lookups++;
		return found(ps, inode, cookie);
	}
	if (r == -ENOTSOCK)
		return u64map_put(&ps->s->untracked, inode, 1);
	if (r == -ESTALE || *pidfd == -ESRCH)
		return 0;	/* closed meanwhile, or the process left */
	if (!procfs_fd_is_tcp(p->pid, p->v[j].fd))
		return u64map_put(&ps->s->untracked, inode, 1);
	return u64map_put(&ps->want, inode, 1);
}

/* The descriptors of p that no earlier pass has seen. */
static int resolve_new(struct pass *ps, struct pfds *p)
{
	int pidfd = PIDFD_UNSET, r = 0;
	unsigned int j;

	for (j = 0; j < p->n && !r; j++) {
		__u64 inode = p->v[j].inode;

		if (u64map_get(&ps->s->ino2cookie, inode, NULL) ||
		    u64map_get(&ps->s->untracked, inode, NULL))
			continue;
		r = resolve_fd(ps, p, &pidfd, j);
	}
	if (pidfd >= 0)
		close(pidfd);
	return r;
}

int scan_refresh(struct scan *s, const __u32 *pids, unsigned int n)
{
	struct pass ps = { .s = s, .ino = &s->ino2cookie, .cookies = &s->cookie2ino };
	unsigned int i;
	int r = 0;

	if (s->untracked.n > UNTRACKED_MAX)
		u64map_clear(&s->untracked);
	for (i = 0; i < n && !r; i++) {
		r = read_proc(&ps, pids[i]);
		if (r == -ENOMEM)
			break;
		if (r)	/* gone, or no socket left at all */
			proctbl_remove(s->tbl, pids[i], 0);
		r = 0;
	}
	for (i = 0; i < ps.n && !r; i++)
		r = resolve_new(&ps, &ps.p[i]);
	if (!r && ps.want.n)
		resolve(&ps);
	if (!r)
		r = ps.err;
	for (i = 0; i < ps.n && !r; i++)
		r = apply(s, &ps.p[i], &s->ino2cookie);
	if (!r)
		s->refreshes++;
	pass_free(&ps);
	return r;
}

void scan_forget(struct scan *s, __u64 cookie)
{
	__u64 inode;

	if (u64map_get(&s->cookie2ino, cookie, &inode)) {
		u64map_del(&s->cookie2ino, cookie);
		u64map_del(&s->ino2cookie, inode);
	}
}
