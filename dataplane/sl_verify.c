/* sl_verify: dispatch to the backend table; the verifier owns the backend's
 * state and the room sl_verify_txn needs, so no call allocates. */
#include "sl_verify.h"

#include <stdlib.h>

#include "sl_verify_backend.h"

static const struct sl_verify_ops *const sl_verify_backends[SL_VERIFY__COUNT] = {
	[SL_VERIFY_SODIUM] = &sl_verify_sodium_ops,
	[SL_VERIFY_SLUICE] = &sl_verify_sluice_ops,
};

_Static_assert(SL_TXN_SIG_MAX <= SL_VERIFY_BATCH_MAX, "a transaction fits one batch");

struct sl_verifier {
	const struct sl_verify_ops *ops;
	void *state;
	sl_verify_item_t txn_items[SL_TXN_SIG_MAX];
	uint8_t txn_ok[SL_TXN_SIG_MAX];
};

static const struct sl_verify_ops *sl_verify_ops_of(sl_verify_backend_t backend)
{
	if ((unsigned)backend >= SL_VERIFY__COUNT)
		return NULL;
	return sl_verify_backends[backend];
}

sl_verifier_t *sl_verifier_create(sl_verify_backend_t backend)
{
	const struct sl_verify_ops *ops = sl_verify_ops_of(backend);
	if (ops == NULL)
		return NULL;
	sl_verifier_t *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return NULL;
	v->ops = ops;
	if (ops->create != NULL) {
		v->state = ops->create();
		if (v->state == NULL) {
			free(v);
			return NULL;
		}
	}
	return v;
}

void sl_verifier_destroy(sl_verifier_t *v)
{
	if (v == NULL)
		return;
	if (v->ops->destroy != NULL)
		v->ops->destroy(v->state);
	free(v);
}

uint64_t sl_verifier_singles(const sl_verifier_t *v)
{
	return v->ops->singles != NULL ? v->ops->singles(v->state) : 0;
}

size_t sl_verify_batch(sl_verifier_t *v, const sl_verify_item_t *items, size_t n, uint8_t *ok)
{
	if (n == 0)
		return 0;
	return v->ops->batch(v->state, items, n, ok);
}

int sl_verify_one(sl_verify_backend_t backend, const sl_verify_item_t *item)
{
	const struct sl_verify_ops *ops = sl_verify_ops_of(backend);
	return ops != NULL && ops->one(item);
}

int sl_verify_txn(sl_verifier_t *v, const uint8_t *buf, const sl_txn_t *t)
{
	unsigned n = sl_verify_txn_items(buf, t, v->txn_items);
	/* A parsed transaction has at least one signature; refuse rather than
	 * call zero signatures valid. */
	return n > 0 && sl_verify_batch(v, v->txn_items, n, v->txn_ok) == n;
}
