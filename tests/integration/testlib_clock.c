// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Monotonic time for deadlines and measurements. */
#include "testlib.h"

uint64_t tl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t tl_now_ms(void)
{
	return tl_now_ns() / 1000000;
}

void tl_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}
