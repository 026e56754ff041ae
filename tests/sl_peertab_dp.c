/* sl_peertab_dp: writes one slot's dataplane counters into a relay's peer
 * table as sluice-dp would (under dp_seq), for the tests of sluiced's
 * scoring without a dataplane (tests/tools/test_sluiced.py).
 *
 *   sl_peertab_dp RELAY SLOT FIRST_DELIVERIES DUPLICATES INVALID MALFORMED */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sl_peertab.h"

int main(int argc, char **argv)
{
	if (argc != 7) {
		fputs("usage: sl_peertab_dp RELAY SLOT FIRST_DELIVERIES DUPLICATES INVALID MALFORMED\n",
		      stderr);
		return 2;
	}
	const unsigned long slot = strtoul(argv[2], NULL, 10);
	if (slot >= SL_PEERTAB_SLOTS) {
		fprintf(stderr, "sl_peertab_dp: slot %lu: the table has %d\n", slot, SL_PEERTAB_SLOTS);
		return 2;
	}
	char err[256];
	struct sl_peertab *t = sl_peertab_open(argv[1], err, sizeof(err));
	if (t == NULL) {
		fprintf(stderr, "sl_peertab_dp: %s\n", err);
		return 1;
	}
	sl_peertab_write_begin(&t->dp_seq);
	t->dp_pid = (uint64_t)getpid();
	struct sl_peertab_dp_peer *c = &t->dp[slot];
	c->first_deliveries = strtoull(argv[3], NULL, 10);
	c->duplicates = strtoull(argv[4], NULL, 10);
	c->invalid = strtoull(argv[5], NULL, 10);
	c->malformed = strtoull(argv[6], NULL, 10);
	sl_peertab_write_end(&t->dp_seq);
	sl_peertab_close(t);
	return 0;
}
