// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Join-late: run the vsock_join iterator where sockets wait (joiner.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "joiner.h"
#include "log.h"
#include "netns.h"
#include "procfs.h"

#define NS_MAX		64	/* namespaces kept in view */
#define NS_KEEP_MS	10000	/* forget one with no event for this long */

struct ns_slot {
	__u64 netns;		/* inode of /proc/PID/ns/net */
	__u32 pid;		/* a process living there, to enter it */
	__u64 seen_ms;
	bool due;
};

struct joiner {
	struct vs_loader *ld;
	int link_fd;
	__u64 own_netns;
	struct ns_slot ns[NS_MAX];
	unsigned int nns;
};

struct joiner *joiner_open(struct vs_loader *ld, __u64 own_netns)
{
	struct joiner *j = calloc(1, sizeof(*j));
	int r;

	if (!j)
		return NULL;
	j->ld = ld;
	j->own_netns = own_netns;
	r = j->link_fd = loader_join_link(ld);
	if (r >= 0)
		r = loader_joiner_beat(ld, true);
	if (r < 0) {
		if (j->link_fd >= 0)
			close(j->link_fd);
		free(j);
		errno = -r;
		return NULL;
	}
	return j;
}

void joiner_close(struct joiner *j)
{
	if (!j)
		return;
	/* accepted sockets are predicted from their listener again */
	loader_joiner_beat(j->ld, false);
	close(j->link_fd);
	free(j);
}

void joiner_note(struct joiner *j, __u32 tgid, __u64 now_ms)
{
	unsigned int i, old = 0;
	__u64 netns;

	if (!j || !tgid || procfs_netns(tgid, &netns))
		return;		/* gone: the socket's next event retries */
	for (i = 0; i < j->nns; i++) {
		if (j->ns[i].netns == netns)
			break;
		if (j->ns[i].seen_ms < j->ns[old].seen_ms)
			old = i;
	}
	if (i == j->nns) {
		if (j->nns < NS_MAX)
			j->nns++;
		else
			i = old;	/* the least recently seen makes room */
	}
	j->ns[i] = (struct ns_slot){ .netns = netns, .pid = tgid, .seen_ms = now_ms, .due = true };
}

static int run_here(void *arg)
{
	return loader_join_run(*(int *)arg);
}

void joiner_run(struct joiner *j)
{
	unsigned int i;
	int r;

	for (i = 0; j && i < j->nns; i++) {
		if (!j->ns[i].due)
			continue;
		j->ns[i].due = false;
		r = netns_call(j->ns[i].pid, j->ns[i].netns, j->own_netns, run_here, &j->link_fd);
		if (r) {
			pr_debug("join in netns %llu (pid %u): %s",
				 (unsigned long long)j->ns[i].netns, j->ns[i].pid, strerror(-r));
			j->ns[i].seen_ms = 0;	/* its process is gone: forget it */
		}
	}
}

void joiner_tick(struct joiner *j, __u64 now_ms)
{
	unsigned int i, k = 0;

	if (!j)
		return;
	loader_joiner_beat(j->ld, true);
	for (i = 0; i < j->nns; i++)
		if (now_ms - j->ns[i].seen_ms <= NS_KEEP_MS)
			j->ns[k++] = j->ns[i];
	j->nns = k;
}
