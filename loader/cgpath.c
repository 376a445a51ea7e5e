// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Cgroup paths as users type them and as vs_cgcfg records them (cgpath.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "vsock/abi.h"
#include "internal.h"
#include "cgpath.h"

#define SHORT_HEAD 40
#define SHORT_TAIL 32
#define SHORTENED "..."

/* s (n bytes) for a message: whole when short, else its head and tail. */
static const char *shorten(const char *s, size_t n, char *buf, size_t len)
{
	if (n <= SHORT_HEAD + SHORT_TAIL + 3)
		snprintf(buf, len, "%.*s", (int)n, s);
	else
		snprintf(buf, len, "%.*s" SHORTENED "%.*s", SHORT_HEAD, s, SHORT_TAIL,
			 s + n - SHORT_TAIL);
	return buf;
}

int vs_cg_path_check_len(const char *path, struct vs_err *err)
{
	char a[SHORT_HEAD + SHORT_TAIL + 8], b[sizeof(a)];
	size_t n = strlen(path), c;
	const char *p, *e;

	if (n >= PATH_MAX)
		return vs_fail(err, ENAMETOOLONG, "%s: path of %zu bytes, longer than PATH_MAX (%d)",
			       shorten(path, n, a, sizeof(a)), n, PATH_MAX - 1);
	for (p = path; *p; p = e) {
		while (*p == '/')
			p++;
		e = strchrnul(p, '/');
		c = (size_t)(e - p);
		if (c > NAME_MAX)
			return vs_fail(err, ENAMETOOLONG,
				       "%s: component '%s' of %zu bytes, longer than NAME_MAX (%d)",
				       shorten(path, n, a, sizeof(a)), shorten(p, c, b, sizeof(b)),
				       c, NAME_MAX);
	}
	return 0;
}

void vs_cg_record_path(const char *rel, char *out)
{
	size_t n = strlen(rel), keep = VS_CG_PATH_MAX - sizeof(SHORTENED);

	if (n < VS_CG_PATH_MAX)
		memcpy(out, rel, n + 1);
	else
		snprintf(out, VS_CG_PATH_MAX, SHORTENED "%s", rel + n - keep);
}

bool vs_cg_path_shortened(const char *recorded)
{
	return !strncmp(recorded, SHORTENED, sizeof(SHORTENED) - 1);
}

bool vs_cg_id_exists(const char *cg2_root, __u64 id)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	int mount_id, mfd, fd;

	/* the root's handle gives the handle type of every node (kernfs) */
	if (!cg2_root[0] || name_to_handle_at(AT_FDCWD, cg2_root, &h.fh, &mount_id, 0))
		return false;
	mfd = open(cg2_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return false;
	h.id = id;
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(mfd);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}
