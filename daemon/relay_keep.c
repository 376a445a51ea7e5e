// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A relayed pair kept across vsockd's restarts (relay_keep.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "relay_keep.h"

#define KEEP_MAGIC	0x7673726c61790001ull	/* "vsrlay", layout 1 */
#define HDR_LEN		4096u			/* magic + dirs, then the rings */
#define MAP_LEN		(HDR_LEN + 2 * KEEP_RING)

struct keep_hdr {
	__u64 magic;
	struct keep_dir dir[2];
};

void keep_init(struct keep *k)
{
	memset(k, 0, sizeof(*k));
	k->memfd = -1;
}

int keep_legs(struct keep *k, const struct keep_id *id, int fd0, int fd1)
{
	int fds[2] = { fd0, fd1 }, r;

	if (!fdstore_available())
		return -EOPNOTSUPP;
	snprintf(k->name, sizeof(k->name), KEEP_PREFIX "%" PRIx64 "-%" PRIx64 "-%" PRIx64
		 "-%" PRIx64 "-%" PRIx64 "-%" PRIx64,
		 (uint64_t)id->client_cookie, (uint64_t)id->tag,
		 (uint64_t)id->base_taken[0], (uint64_t)id->base_rx[0],
		 (uint64_t)id->base_taken[1], (uint64_t)id->base_rx[1]);
	r = fdstore_put(fds, 2, k->name);
	if (r)
		k->name[0] = '\0';
	return r;
}

/* The header and the two rings in base, MAP_LEN bytes. */
static void lay_out(struct keep *k, void *base)
{
	k->base = base;
	k->dir = ((struct keep_hdr *)base)->dir;
	k->ring[0] = (char *)base + HDR_LEN;
	k->ring[1] = k->ring[0] + KEEP_RING;
}

static int map_memfd(struct keep *k, int memfd)
{
	void *h = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);

	if (h == MAP_FAILED)
		return -errno;
	k->memfd = memfd;
	k->map_len = MAP_LEN;
	lay_out(k, h);
	return 0;
}

/* Without a store the rings are plain memory: nothing to keep them for. */
int keep_rings(struct keep *k)
{
	void *h;
	int fd, r;

	if (k->dir)
		return 0;
	if (!k->name[0]) {
		h = calloc(1, MAP_LEN);
		if (!h)
			return -ENOMEM;
		lay_out(k, h);
		return 0;
	}
	fd = memfd_create("vsock-relay", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = ftruncate(fd, MAP_LEN) ? -errno : map_memfd(k, fd);
	if (r) {
		close(fd);
		return r;
	}
	((struct keep_hdr *)k->base)->magic = KEEP_MAGIC;
	/* before any byte is read into it */
	r = fdstore_put(&fd, 1, k->name);
	if (r) {
		keep_release(k);
		return r;
	}
	return 0;
}

static void unmap(struct keep *k)
{
	if (k->map_len)
		munmap(k->base, k->map_len);
	else
		free(k->base);
	if (k->memfd >= 0)
		close(k->memfd);
	k->base = k->dir = NULL;
	k->ring[0] = k->ring[1] = NULL;
	k->memfd = -1;
	k->map_len = 0;
}

void keep_forget(struct keep *k)
{
	if (k->name[0])
		fdstore_remove(k->name);
	k->name[0] = '\0';
	unmap(k);
}

void keep_release(struct keep *k)
{
	unmap(k);
}

int keep_id_parse(const char *name, struct keep_id *id)
{
	uint64_t v[6];
	int end = 0;

	if (strncmp(name, KEEP_PREFIX, strlen(KEEP_PREFIX)) ||
	    sscanf(name + strlen(KEEP_PREFIX), "%" SCNx64 "-%" SCNx64 "-%" SCNx64 "-%" SCNx64
		   "-%" SCNx64 "-%" SCNx64 "%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != 6 || name[strlen(KEEP_PREFIX) + end])
		return -EINVAL;
	id->client_cookie = v[0];
	id->tag = v[1];
	id->base_taken[0] = v[2];
	id->base_rx[0] = v[3];
	id->base_taken[1] = v[4];
	id->base_rx[1] = v[5];
	return 0;
}

int keep_adopt_memfd(struct keep *k, int memfd)
{
	struct stat st;
	int r;

	if (fstat(memfd, &st) || !S_ISREG(st.st_mode) || st.st_size != MAP_LEN)
		return -EINVAL;
	if ((r = map_memfd(k, memfd)))
		return r;
	if (((struct keep_hdr *)k->base)->magic != KEEP_MAGIC) {
		k->memfd = -1;	/* the caller closes it */
		unmap(k);
		return -EINVAL;
	}
	return 0;
}
