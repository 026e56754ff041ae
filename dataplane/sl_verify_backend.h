/* sl_verify_backend: what a signature backend provides to sl_verify.
 *
 * Adding a backend takes one enum value in sl_verify.h, one file that defines
 * its `const struct sl_verify_ops`, one line in sl_verify.c's table and one
 * line in meson.build. Every backend implements the signature rule exactly
 * (DESIGN.md); sl_verify's tests run each one over the same vectors. */
#ifndef SL_VERIFY_BACKEND_H
#define SL_VERIFY_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "sl_verify.h"

struct sl_verify_ops {
	const char *name;
	/* Per-verifier state (scratch, RNG), allocated once by sl_verifier_create.
	 * NULL create means the backend keeps no state and gets state == NULL. */
	void *(*create)(void);
	void (*destroy)(void *state);
	/* n in 1..SL_VERIFY_BATCH_MAX; writes ok[0..n), returns how many are 1.
	 * Must not allocate. */
	size_t (*batch)(void *state, const sl_verify_item_t *items, size_t n, uint8_t *ok);
	/* 1 iff the item is valid under the rule; no state, no allocation. */
	int (*one)(const sl_verify_item_t *item);
};

extern const struct sl_verify_ops sl_verify_sodium_ops;
extern const struct sl_verify_ops sl_verify_sluice_ops;

#endif
