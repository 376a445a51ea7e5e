// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Master and private handle tables. Lock order: master, then one process. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proctbl.h"

static unsigned int nbuckets_for(unsigned int max_procs)
{
	unsigned int n = 64;

	while (n < max_procs / 2 && n < (1u << 20))
		n <<= 1;
	return n;
}

static unsigned int bucket(const struct proctbl *t, __u32 tgid)
{
	return (tgid * 2654435761u) & (t->nbuckets - 1);
}

struct proctbl *proctbl_new(const struct proctbl_limits *lim)
{
	struct proctbl *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->lim = *lim;
	t->nbuckets = nbuckets_for(lim->max_procs);
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets || pthread_rwlock_init(&t->lock, NULL)) {
		free(t->buckets);
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

static void proc_free(struct proc *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	pthread_mutex_destroy(&p->lock);
	free(p->h);
	free(p);
}

static void proc_unref(struct proc *p)
{
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0)
		proc_free(p);
}

/* Master lock held for writing. */
static void unlink_proc(struct proctbl *t, struct proc **pp)
{
	struct proc *p = *pp;

	*pp = p->next;
	p->next = NULL;
	pthread_mutex_lock(&p->lock);
	p->dead = true;
	t->nhandles -= p->nh;
	pthread_mutex_unlock(&p->lock);
	t->nprocs--;
	proc_unref(p);
}

static void clear_all(struct proctbl *t)
{
	unsigned int i;

	for (i = 0; i < t->nbuckets; i++)
		while (t->buckets[i])
			unlink_proc(t, &t->buckets[i]);
}

void proctbl_free(struct proctbl *t)
{
	if (!t)
		return;
	clear_all(t);
	pthread_rwlock_destroy(&t->lock);
	free(t->buckets);
	free(t);
}

void proctbl_set_limits(struct proctbl *t, const struct proctbl_limits *lim)
{
	pthread_rwlock_wrlock(&t->lock);
	if (lim->max_procs < t->lim.max_procs ||
	    lim->max_handles_per_proc < t->lim.max_handles_per_proc ||
	    lim->max_handles < t->lim.max_handles)
		clear_all(t);
	t->lim = *lim;
	pthread_rwlock_unlock(&t->lock);
}

static struct proc **find_slot(struct proctbl *t, __u32 tgid)
{
	struct proc **pp;

	for (pp = &t->buckets[bucket(t, tgid)]; *pp; pp = &(*pp)->next)
		if ((*pp)->info.tgid == tgid)
			return pp;
	return NULL;
}

static int cmp_fd(const void *a, const void *b)
{
	const struct proc_handle *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* Sorted, unique copy of h, cut to max entries; *cut counts what did not fit. */
static struct proc_handle *copy_handles(const struct proc_handle *h, unsigned int n,
					unsigned int max, unsigned int *out_n,
					unsigned int *cut)
{
	struct proc_handle *c;
	unsigned int i, k = 0;

	c = malloc((size_t)n * sizeof(*c));
	if (!c)
		return NULL;
	memcpy(c, h, (size_t)n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_fd);
	for (i = 0; i < n; i++) {
		if (k && c[k - 1].fd == c[i].fd) {
			c[k - 1] = c[i];
			continue;
		}
		c[k++] = c[i];
	}
	*cut = k > max ? k - max : 0;
	*out_n = k - *cut;
	return c;
}

/* Master lock held for writing: a new, empty process. */
static struct proc *insert_proc(struct proctbl *t, const struct proc_info *info)
{
	struct proc *p;
	unsigned int b = bucket(t, info->tgid);

	if (t->nprocs >= t->lim.max_procs) {
		t->procs_refused++;
		errno = ENOSPC;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p || pthread_mutex_init(&p->lock, NULL)) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->refs = 1;
	p->pidfd = -1;
	p->info = *info;
	p->next = t->buckets[b];
	t->buckets[b] = p;
	t->nprocs++;
	return p;
}

int proctbl_set(struct proctbl *t, const struct proc_info *info,
		const struct proc_handle *h, unsigned int n)
{
	struct proc_handle *c = NULL;
	struct proc **pp, *p;
	unsigned int nc = 0, cut = 0, room, others;
	int err = 0;

	if (!info->tgid || (n && !h))
		return -EINVAL;
	pthread_rwlock_wrlock(&t->lock);
	pp = find_slot(t, info->tgid);
	if (pp && (*pp)->info.start != info->start) {
		unlink_proc(t, pp);	/* the pid was reused */
		pp = NULL;
	}
	if (!n) {
		if (pp)
			unlink_proc(t, pp);
		goto out;
	}
	p = pp ? *pp : insert_proc(t, info);
	if (!p) {
		err = -errno;
		goto out;
	}
	others = t->nhandles - p->nh;
	room = t->lim.max_handles > others ? t->lim.max_handles - others : 0;
	if (room > t->lim.max_handles_per_proc)
		room = t->lim.max_handles_per_proc;
	c = copy_handles(h, n, room, &nc, &cut);
	if (!c) {
		err = -ENOMEM;
		if (!pp)
			unlink_proc(t, find_slot(t, info->tgid));
		goto out;
	}
	pthread_mutex_lock(&p->lock);
	t->nhandles += nc - p->nh;
	free(p->h);
	p->h = c;
	p->nh = nc;
	p->dropped = cut;
	p->gen = t->gen;
	/* comm and cgroup may have changed (exec, cgroup move); identity not */
	memcpy(p->info.comm, info->comm, sizeof(p->info.comm));
	memcpy(p->info.cgroup, info->cgroup, sizeof(p->info.cgroup));
	p->info.netns = info->netns;
	pthread_mutex_unlock(&p->lock);
	t->handles_refused += cut;
	if (!nc)
		unlink_proc(t, find_slot(t, info->tgid));
out:
	pthread_rwlock_unlock(&t->lock);
	return err;
}

int proctbl_remove(struct proctbl *t, __u32 tgid, __u64 start)
{
	struct proc **pp;
	int err = -ENOENT;

	pthread_rwlock_wrlock(&t->lock);
	pp = find_slot(t, tgid);
	if (pp && (!start || (*pp)->info.start == start)) {
		unlink_proc(t, pp);
		err = 0;
	}
	pthread_rwlock_unlock(&t->lock);
	return err;
}

unsigned int proctbl_begin_gen(struct proctbl *t)
{
	unsigned int gen;

	pthread_rwlock_wrlock(&t->lock);
	gen = ++t->gen;
	pthread_rwlock_unlock(&t->lock);
	return gen;
}

unsigned int proctbl_end_gen(struct proctbl *t, unsigned int gen)
{
	struct proc **pp;
	unsigned int i, n = 0;

	pthread_rwlock_wrlock(&t->lock);
	for (i = 0; i < t->nbuckets; i++) {
		pp = &t->buckets[i];
		while (*pp) {
			if ((*pp)->gen != gen) {
				unlink_proc(t, pp);
				n++;
			} else {
				pp = &(*pp)->next;
			}
		}
	}
	pthread_rwlock_unlock(&t->lock);
	return n;
}

struct proc *proctbl_get(struct proctbl *t, __u32 tgid, __u64 start)
{
	struct proc **pp, *p = NULL;

	pthread_rwlock_rdlock(&t->lock);
	pp = find_slot(t, tgid);
	if (pp && (!start || (*pp)->info.start == start)) {
		p = *pp;
		__atomic_add_fetch(&p->refs, 1, __ATOMIC_ACQ_REL);
	}
	pthread_rwlock_unlock(&t->lock);
	if (p)
		pthread_mutex_lock(&p->lock);
	return p;
}

void proctbl_put(struct proctbl *t, struct proc *p)
{
	(void)t;
	if (!p)
		return;
	pthread_mutex_unlock(&p->lock);
	proc_unref(p);
}

bool proc_lookup_fd(const struct proc *p, int fd, __u64 *cookie)
{
	struct proc_handle key = { .fd = fd }, *h;

	h = bsearch(&key, p->h, p->nh, sizeof(*p->h), cmp_fd);
	if (h && cookie)
		*cookie = h->cookie;
	return h != NULL;
}

int proctbl_for_each(struct proctbl *t, int (*cb)(struct proc *p, void *ctx),
		     void *ctx)
{
	struct proc *p;
	unsigned int i;
	int r = 0;

	pthread_rwlock_rdlock(&t->lock);
	for (i = 0; i < t->nbuckets && !r; i++) {
		for (p = t->buckets[i]; p && !r; p = p->next) {
			pthread_mutex_lock(&p->lock);
			r = cb(p, ctx);
			pthread_mutex_unlock(&p->lock);
		}
	}
	pthread_rwlock_unlock(&t->lock);
	return r;
}

unsigned int proctbl_nprocs(struct proctbl *t)
{
	unsigned int n;

	pthread_rwlock_rdlock(&t->lock);
	n = t->nprocs;
	pthread_rwlock_unlock(&t->lock);
	return n;
}

unsigned int proctbl_nhandles(struct proctbl *t)
{
	unsigned int n;

	pthread_rwlock_rdlock(&t->lock);
	n = t->nhandles;
	pthread_rwlock_unlock(&t->lock);
	return n;
}
