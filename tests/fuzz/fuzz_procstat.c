// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target for vsockd's /proc/PID/stat and /proc/PID/status
 * parsers (daemon/procfs.c). Any user chooses their process's comm (prctl
 * PR_SET_NAME: up to 15 bytes, '(' ')' ' ' and newlines included), which
 * both files print, so what vsockd parses is partly hostile. The input is
 * a file's contents up to its first NUL, as read_file() hands them over. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "procfs.h"

#define MAX_STAT 1024	/* read_file()'s buffer in procfs.c */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, comm[16];
	__u64 start;
	__u32 uid;

	if (size >= MAX_STAT)
		return 0;
	/* exactly size + 1 bytes, so that ASan sees a read past the end */
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(comm, 0x55, sizeof(comm));
	if (!procfs_parse_stat(buf, comm, &start) && comm[15] != '\0')
		abort();	/* comm is always a terminated string */
	procfs_parse_uid(buf, &uid);
	free(buf);
	return 0;
}
