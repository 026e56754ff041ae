/* keycache: a bounded cache of decoded public keys for the batch path: the
 * point A (decoded, canonical and not of small order, so the checks are
 * not repeated) and its width-5 table of odd multiples. Direct-mapped by a
 * keyed SipHash of the key bytes, so a peer cannot aim its keys at the slot
 * of a busy key; a new key replaces the old one in its slot. Memory is
 * fixed at creation (ED25519_KEYCACHE_SZ entries of about 1.5 KiB). */
#ifndef SL_ED25519_KEYCACHE_H
#define SL_ED25519_KEYCACHE_H

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "ge.h"

#define ED25519_KEYCACHE_SZ 256 /* a power of two */

typedef struct ed25519_key_entry {
	ge_cached_t tab[GE_VAR_TABLE_SZ];
	ge_p3_t A;
	uint8_t pk[32];
	uint8_t used;
} ed25519_key_entry_t;

typedef struct ed25519_keycache {
	ed25519_key_entry_t e[ED25519_KEYCACHE_SZ];
	uint8_t hash_key[crypto_shorthash_KEYBYTES];
	uint64_t hits, misses;
} ed25519_keycache_t;

/* Random hash key, empty slots. */
void ed25519_keycache_init(ed25519_keycache_t *c);

static inline ed25519_key_entry_t *ed25519_keycache_slot(ed25519_keycache_t *c,
							 const uint8_t pk[32])
{
	uint64_t h;
	crypto_shorthash((uint8_t *)&h, pk, 32, c->hash_key);
	return &c->e[h & (ED25519_KEYCACHE_SZ - 1)];
}

/* The entry of pk, or NULL. */
static inline const ed25519_key_entry_t *ed25519_keycache_find(ed25519_keycache_t *c,
							       const uint8_t pk[32])
{
	const ed25519_key_entry_t *e = ed25519_keycache_slot(c, pk);
	if (e->used && memcmp(e->pk, pk, 32) == 0) {
		c->hits++;
		return e;
	}
	c->misses++;
	return NULL;
}

/* Remember a key that passed the rule's key checks, with its table. */
void ed25519_keycache_put(ed25519_keycache_t *c, const uint8_t pk[32], const ge_p3_t *A,
			  const ge_cached_t tab[GE_VAR_TABLE_SZ]);

#endif
