// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Run a function in another process's network namespace (netns.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
#include "netns.h"

struct ns_job {
	int nsfd;
	int (*fn)(void *arg);
	void *arg;
	int ret;
};

static void *ns_thread(void *p)
{
	struct ns_job *j = p;

	j->ret = setns(j->nsfd, CLONE_NEWNET) ? -errno : j->fn(j->arg);
	return NULL;
}

int netns_call(__u32 pid, __u64 netns, __u64 own_netns, int (*fn)(void *arg), void *arg)
{
	struct ns_job j = { .fn = fn, .arg = arg, .ret = -EIO };
	char path[64];
	pthread_t th;
	int r;

	if (!netns || netns == own_netns)
		return fn(arg);
	snprintf(path, sizeof(path), "/proc/%u/ns/net", pid);
	j.nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (j.nsfd < 0)
		return -errno;
	/* the thread ends in the other namespace and takes it with it */
	r = pthread_create(&th, NULL, ns_thread, &j);
	if (!r)
		pthread_join(th, NULL);
	close(j.nsfd);
	return r ? -r : j.ret;
}
