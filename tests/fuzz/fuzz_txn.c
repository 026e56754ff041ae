/* libFuzzer target for sl_txn_parse: any input gets a named verdict, and an
 * accepted one satisfies every layout invariant (sl_txn_check.h), has the id
 * sl_txn_id_peek finds, and stops being accepted when cut short. libFuzzer hands over an exactly-sized heap
 * buffer, so AddressSanitizer sees any read past the end. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sl_txn.h"
#include "sl_txn_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, size_t size)
{
	fprintf(stderr, "sl_txn invariant broken on a %zu-byte input: %s\n", size, what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sl_txn_t t;
	const sl_txn_err_t err = sl_txn_parse(data, size, &t);
	if ((unsigned)err >= SL_TXN_ERR__COUNT)
		broken("verdict outside the reason list", size);
	if (err != SL_TXN_OK)
		return 0;
	const char *what = sl_txn_check(&t, size);
	if (what != NULL)
		broken(what, size);
	if (sl_txn_id_peek(data, size) != sl_txn_id(data, &t))
		broken("sl_txn_id_peek does not find the parsed id", size);
	sl_txn_t cut;
	if (sl_txn_parse(data, size - 1, &cut) != SL_TXN_ERR_TRUNCATED)
		broken("accepted transaction minus its last byte is not truncated", size);
	if (sl_txn_parse(data, size / 2, &cut) != SL_TXN_ERR_TRUNCATED)
		broken("accepted transaction cut in half is not truncated", size);
	return 0;
}
