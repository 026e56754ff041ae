/* libFuzzer target for sl_statefile_parse, sluiced's state file of the
 * peers added at run time: any bytes get a verdict without reading out of
 * bounds; the count returned equals the lines reported, each with a line
 * number inside the text; every kept peer is well-formed (a valid name, a
 * port, no duplicate name or key, at most SL_STATEFILE_PEERS_MAX); and what
 * is kept formats to a text that parses back to the same list with no
 * problem. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_statefile.h"
#include "sl_fuzz_lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what)
{
	fprintf(stderr, "sl_statefile invariant broken: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > SL_STATEFILE_FILE_MAX)
		return 0;
	struct sl_fuzz_lines t;
	char *text = sl_fuzz_lines_copy(data, size, &t);
	if (text == NULL)
		return 0;
	static sl_statefile_t st, back;
	unsigned n = sl_statefile_parse(text, size, "fuzz", &st, sl_fuzz_lines_report, &t);
	free(text);
	if (n != t.n)
		broken("count != reports");
	if (st.n > SL_STATEFILE_PEERS_MAX)
		broken("too many peers");
	for (unsigned i = 0; i < st.n; i++) {
		if (!sl_config_valid_name(st.peers[i].name) || st.peers[i].ctl_port == 0)
			broken("a kept peer is malformed");
		for (unsigned j = 0; j < i; j++)
			if (strcmp(st.peers[i].name, st.peers[j].name) == 0 ||
			    memcmp(st.peers[i].pubkey, st.peers[j].pubkey, SL_PUBKEY_SZ) == 0)
				broken("a duplicate kept");
	}
	static char out[SL_STATEFILE_TEXT_MAX];
	size_t len = sl_statefile_format(&st, out, sizeof(out));
	struct sl_fuzz_lines t2 = {0, 1000};
	if (len == 0 || sl_statefile_parse(out, len, "fuzz", &back, sl_fuzz_lines_report, &t2) != 0 ||
	    back.n != st.n || memcmp(back.peers, st.peers, st.n * sizeof(st.peers[0])) != 0)
		broken("format/parse round trip");
	return 0;
}
