// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Pairs a previous vsockd left in the fd store, taken over (relay.h,
 * relay_keep.h). While vsockd was away the kernel went on relaying; what
 * this vsockd must know it reads back: the counts before pairing from the
 * name, what was read into each copy ring from the memfd, everything else
 * from the kernel. A pair whose counts do not add up is reset: a
 * connection may end, it never carries a wrong byte. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "log.h"
#include "relay_int.h"
#include "relay_tcp.h"
#include "sockaddr.h"

struct kept {
	int leg[2];	/* by SO_COOKIE: the client leg's is in the name */
	int memfd;
};

/* Every descriptor kept under fds[first]'s name, out of fds. Extra ones
 * (none are ever stored) are closed. */
static void gather(struct fdstore_fd *fds, int n, int first, const struct keep_id *id,
		   struct kept *k)
{
	char name[FDSTORE_NAME_MAX];
	struct stat st;
	int i, fd, *slot;

	snprintf(name, sizeof(name), "%s", fds[first].name);
	k->leg[0] = k->leg[1] = k->memfd = -1;
	for (i = first; i < n; i++) {
		if (fds[i].fd < 0 || strcmp(fds[i].name, name))
			continue;
		fd = fds[i].fd;
		fds[i].fd = -1;
		if (fstat(fd, &st)) {
			close(fd);
			continue;
		}
		slot = !S_ISSOCK(st.st_mode) ? &k->memfd :
		       vs_sock_cookie(fd) == id->client_cookie ? &k->leg[0] : &k->leg[1];
		if (*slot >= 0)
			close(fd);
		else
			*slot = fd;
	}
}

/* What src's direction read before the last vsockd died. The memfd says
 * it exactly unless the kill fell inside a read (inflight set): then the
 * kernel says it, as what src received minus what the verdict redirected
 * and what still waits on src's queue, which must fall inside the read. */
static int dir_read_back(const struct pair *p, const struct rdir *d, int i, __u64 *read)
{
	const struct keep_dir *kd = p->k.dir ? &p->k.dir[i] : NULL;
	__u64 rx, inq, k;

	*read = kd ? kd->read : 0;
	if (!kd || !kd->inflight)
		return 0;
	if (tcp_received(d->src, &rx) || tcp_unread(d->src, &inq))
		return -EIO;
	k = rx - d->base_rx - d->redir - inq - (tcp_peer_shut(d->src) ? 1 : 0);
	if (k < *read || k > *read + kd->inflight)
		return -EIO;
	*read = k;
	return 0;
}

/* One direction's state back. What dst's TCP took beyond the redirected
 * bytes was copied (copying starts only once it took them all). */
static int dir_adopt(struct relay *r, struct pair *p, int i)
{
	struct rdir *d = &p->d[i];
	__u64 taken;
	int ret;

	if (!p->plain)
		dir_refresh(r, p, d);
	if ((ret = dir_read_back(p, d, i, &d->read)))
		return ret;
	if (tcp_sent_fin(d->dst)) {	/* we shut it: every byte was through */
		d->done = true;
		d->copied = d->read;
		return 0;
	}
	if ((ret = tcp_taken(d->dst, &taken)))
		return ret;
	taken -= d->base_taken;
	d->copied = taken > d->redir ? taken - d->redir : 0;
	if (d->copied > d->read || d->read - d->copied > KEEP_RING)
		return -EIO;
	r->st.adopted_ring_bytes += d->read - d->copied;
	return 0;
}

static int pair_adopt(struct relay *r, const struct keep_id *id, const char *name,
		      struct kept *k, const struct relay_opts *o)
{
	struct relay_opts ro = *o;
	struct vs_relay_dir vd;
	struct pair *p;
	int i, ret = 0;

	if (k->leg[0] < 0 || k->leg[1] < 0) {	/* the store dropped a leg on
						 * its hang-up or error */
		for (i = 0; i < 2; i++)
			if (k->leg[i] >= 0)
				tcp_abort(k->leg[i]);
		ret = -ENOTCONN;
		goto fail;
	}
	ro.tag = id->tag;
	p = pair_new(r, k->leg[0], k->leg[1], &ro);
	if (!p) {
		ret = -ENOMEM;
		goto fail;
	}
	r->st.pairs--;		/* paired once already, by the last vsockd */
	snprintf(p->k.name, sizeof(p->k.name), "%s", name);
	if (k->memfd >= 0 && (ret = keep_adopt_memfd(&p->k, k->memfd))) {
		close(k->memfd);
	}
	k->memfd = -1;
	p->plain = relay_bpf_dir(&r->bpf, p->cookie[0], &vd) &&
		   relay_bpf_dir(&r->bpf, p->cookie[1], &vd);
	for (i = 0; i < 2 && !ret; i++) {
		p->d[i].base_taken = id->base_taken[i];
		p->d[i].base_rx = id->base_rx[i];
		if (p->plain) {
			p->d[i].mode = VS_RELAY_COPY;
			p->d[i].may_copy = true;
		}
		ret = dir_adopt(r, p, i);
	}
	if (ret) {
		pr_warn("relay: a kept pair does not add up (%s): reset", strerror(-ret));
		r->st.adopt_failed++;
		pair_free(r, p, true, ret);
		return ret;
	}
	r->st.adopted++;
	pr_debug("relay %d: taken over (%llu+%llu bytes relayed in the kernel so far)", p->id,
		 (unsigned long long)p->d[0].redir, (unsigned long long)p->d[1].redir);
	return pair_start(r, p) < 0 ? -EIO : 0;
fail:
	if (k->memfd >= 0)
		close(k->memfd);
	fdstore_remove(name);
	r->st.adopt_failed++;
	return ret;
}

int relay_adopt(struct relay *r, struct fdstore_fd *fds, int n, const struct relay_opts *o)
{
	char name[FDSTORE_NAME_MAX];
	struct keep_id id;
	struct kept k;
	int i, ok = 0;

	for (i = 0; i < n; i++) {
		if (fds[i].fd < 0 || keep_id_parse(fds[i].name, &id))
			continue;
		snprintf(name, sizeof(name), "%s", fds[i].name);
		gather(fds, n, i, &id, &k);
		if (!pair_adopt(r, &id, name, &k, o))
			ok++;
	}
	return ok;
}
