// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The joiner: sockets queued in vs_joinq join the sockhash when the
 * vsock_join iterator (iter/tcp) runs in their network namespace. An
 * iterator walks the namespace of the process that creates it, so the
 * caller enters the right one first (vsockd does, in a thread). */
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

int loader_join_link(struct vs_loader *ld)
{
	int i = vs_prog_index("vsock_join"), fd;

	if (i < 0)
		return -ENOENT;
	fd = bpf_link_create(ld->prog_fds[i], 0, BPF_TRACE_ITER, NULL);
	return fd < 0 ? -errno : fd;
}

/* One pass of the iterator: returns the bytes it printed, or -errno. */
static ssize_t join_pass(int link_fd)
{
	char buf[256];
	ssize_t n, out = 0;
	int fd = bpf_iter_create(link_fd);

	if (fd < 0)
		return -errno;
	/* reading to the end runs the program once per socket of the
	 * namespace */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		out += n;
	n = n < 0 ? -errno : out;
	close(fd);
	return n;
}

int loader_join_run(int link_fd)
{
	ssize_t n = join_pass(link_fd);

	/* a byte per socket that joined with TCP bytes queued: the second
	 * pass hands them to the receive verdict (bpf/vsock_join.bpf.c) */
	if (n > 0)
		n = join_pass(link_fd);
	return n < 0 ? (int)n : 0;
}

int loader_join_queued(struct vs_loader *ld)
{
	return vs_count_keys(ld->map_fds[VS_MAP_JOINQ], vs_maps[VS_MAP_JOINQ].key_size);
}
