/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The one reading of the clocks, for vsockd and vsockctl: deadlines and
 * ages in CLOCK_MONOTONIC milliseconds, durations in microseconds, and
 * CLOCK_MONOTONIC nanoseconds where a value meets bpf_ktime_get_ns() (a
 * backend's cool-down, a table entry's birth). */
#ifndef VSOCK_CLOCK_H
#define VSOCK_CLOCK_H

#include <time.h>
#include <linux/types.h>

static inline __u64 clock_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static inline __u64 clock_now_us(clockid_t clk)
{
	return clock_now_ns(clk) / 1000;
}

static inline __u64 clock_now_ms(void)
{
	return clock_now_us(CLOCK_MONOTONIC) / 1000;
}

#endif /* VSOCK_CLOCK_H */
