/* sl_rng: a small deterministic PRNG (splitmix64) for the generator and the
 * tests, so that the same --seed always gives the same traffic. Not for
 * secrets: keys derived from it are test keys. */
#ifndef SL_RNG_H
#define SL_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct sl_rng {
	uint64_t s;
} sl_rng_t;

static inline sl_rng_t sl_rng_seed(uint64_t seed, uint64_t stream)
{
	/* Distinct streams from one seed must not overlap for any practical
	 * length: offset the state by a large odd multiple of the stream. */
	return (sl_rng_t){ seed * 0x9e3779b97f4a7c15ull + stream * 0xd1b54a32d192ed03ull };
}

static inline uint64_t sl_rng_next(sl_rng_t *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) for n > 0 (the bias of a 64-bit modulo is negligible
 * for the small n the generator uses). */
static inline uint64_t sl_rng_below(sl_rng_t *r, uint64_t n)
{
	return sl_rng_next(r) % n;
}

static inline void sl_rng_fill(sl_rng_t *r, uint8_t *buf, size_t sz)
{
	for (size_t i = 0; i < sz; i += 8) {
		uint64_t v = sl_rng_next(r);
		for (size_t j = 0; j < 8 && i + j < sz; j++)
			buf[i + j] = (uint8_t)(v >> (8 * j));
	}
}

#endif
