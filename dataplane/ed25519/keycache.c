#include "keycache.h"

void ed25519_keycache_init(ed25519_keycache_t *c)
{
	memset(c->e, 0, sizeof(c->e));
	randombytes_buf(c->hash_key, sizeof(c->hash_key));
	c->hits = c->misses = 0;
}

void ed25519_keycache_put(ed25519_keycache_t *c, const uint8_t pk[32], const ge_p3_t *A,
			  const ge_cached_t tab[GE_VAR_TABLE_SZ])
{
	ed25519_key_entry_t *e = ed25519_keycache_slot(c, pk);
	memcpy(e->pk, pk, 32);
	e->A = *A;
	memcpy(e->tab, tab, sizeof(e->tab));
	e->used = 1;
}
