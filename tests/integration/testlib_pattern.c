// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Random numbers and the pattern stream: byte i of stream "seed" is a
 * pure function of (seed, i), so a reader can verify any range in order. */
#include "testlib.h"

uint64_t tl_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* xorshift64*: sizes and delays; state must not be 0. */
uint64_t tl_rand(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x853c49e6748fea9bull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [lo, hi]. */
uint64_t tl_rand_range(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return lo + tl_rand(s) % (hi - lo + 1);
}

/* Byte i of the stream "seed" is a pure function of (seed, i), so a reader
 * can verify any range in order and name the first wrong offset. */
static inline uint64_t tl_pat_word(uint64_t seed, uint64_t blk)
{
	return tl_mix64(blk + seed * 0x9e3779b97f4a7c15ull);
}

void tl_pat_fill(uint64_t seed, uint64_t off, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len && (off & 7)) {
		*p++ = tl_pat_word(seed, off >> 3) >> (8 * (off & 7));
		off++;
		len--;
	}
	while (len >= 8) {
		uint64_t w = htole64(tl_pat_word(seed, off >> 3));

		memcpy(p, &w, 8);
		p += 8;
		off += 8;
		len -= 8;
	}
	while (len) {
		*p++ = tl_pat_word(seed, off >> 3) >> (8 * (off & 7));
		off++;
		len--;
	}
}

/* Index of the first byte of buf that is not stream "seed" at off, or -1. */
long long tl_pat_check(uint64_t seed, uint64_t off, const void *buf,
			      size_t len)
{
	const unsigned char *b = buf;
	unsigned char tmp[16384];
	size_t done = 0, i, n;

	while (done < len) {
		n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);
		tl_pat_fill(seed, off + done, tmp, n);
		if (memcmp(tmp, b + done, n)) {
			for (i = 0; i < n && tmp[i] == b[done + i]; i++)
				;
			return (long long)(done + i);
		}
		done += n;
	}
	return -1;
}
