/* SL_VERIFY_SLUICE: our own edwards25519 arithmetic (dataplane/ed25519/),
 * single and batch verification under the signature rule. */
#include "ed25519/batch.h"
#include "ed25519/single.h"
#include "sl_verify_backend.h"

static void *sl_sluice_create(void)
{
	return ed25519_batch_create();
}

static void sl_sluice_destroy(void *state)
{
	ed25519_batch_destroy(state);
}

static size_t sl_sluice_batch(void *state, const sl_verify_item_t *items, size_t n, uint8_t *ok)
{
	return ed25519_batch_verify(state, items, n, ok);
}

static int sl_sluice_one(const sl_verify_item_t *item)
{
	return ed25519_verify(item->sig, item->pk, item->msg, item->msg_sz);
}

static uint64_t sl_sluice_singles(const void *state)
{
	ed25519_batch_stats_t st;
	ed25519_batch_stats(state, &st);
	return st.singles;
}

const struct sl_verify_ops sl_verify_sluice_ops = {
	.create = sl_sluice_create,
	.destroy = sl_sluice_destroy,
	.batch = sl_sluice_batch,
	.one = sl_sluice_one,
	.singles = sl_sluice_singles,
};
