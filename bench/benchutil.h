/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the bench programs (vsbench, fanout) share: joining a cgroup,
 * pinning to a CPU, the machine's busy CPU time, percentiles. */
#ifndef VSOCK_BENCHUTIL_H
#define VSOCK_BENCHUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

/* Busy CPU time of the whole machine in seconds, from /proc/stat's first
 * line: user, nice, system, irq and softirq of every CPU (idle, iowait and
 * steal are not ours; guest time is already in user and nice). -1 if
 * unreadable. */
static inline double bu_machine_cpu_now(void)
{
	unsigned long long us, ni, sy, id, io, irq, sirq;
	double t = -1;
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return -1;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu",
		   &us, &ni, &sy, &id, &io, &irq, &sirq) == 7)
		t = (double)(us + ni + sy + irq + sirq) / sysconf(_SC_CLK_TCK);
	fclose(f);
	return t;
}

/* Move the calling process into cgroup directory cg (NULL or "": stay).
 * 0 or -errno. */
static inline int bu_join_cgroup(const char *cg)
{
	char path[4096];
	int fd, n;

	if (!cg || !*cg)
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = dprintf(fd, "%d\n", (int)getpid());
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? n : 0;
}

/* Pin the calling thread to one CPU. 0 or -errno. */
static inline int bu_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static inline int bu_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static inline double bu_pct(const double *v, long n, double p)
{
	long i = (long)ceil(p * n) - 1;

	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return v[i];
}

#endif /* VSOCK_BENCHUTIL_H */
