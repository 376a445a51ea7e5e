/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The daemon's one reading of the clocks: deadlines and ages in
 * CLOCK_MONOTONIC milliseconds, durations in microseconds. */
#ifndef VSOCKD_CLOCK_H
#define VSOCKD_CLOCK_H

#include <time.h>
#include <linux/types.h>

static inline __u64 clock_now_us(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

static inline __u64 clock_now_ms(void)
{
	return clock_now_us(CLOCK_MONOTONIC) / 1000;
}

#endif /* VSOCKD_CLOCK_H */
