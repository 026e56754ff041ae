/* libFuzzer target for sl_pfstate_parse, sluice-dp's prefilter state file:
 * any bytes get a verdict without reading out of bounds; the count returned
 * equals the lines reported, each with a line number inside the text and a
 * one-line reason; every kept entry is a valid prefix (sl_cidr: family,
 * length, no host bits) with an UNTIL in range, at most what each family's
 * map holds; and what is kept formats to a text that parses back to the
 * same entries with no problem. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_pfstate.h"
#include "sl_fuzz_lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what)
{
	fprintf(stderr, "sl_pfstate invariant broken: %s\n", what);
	abort();
}

/* A prefix sl_cidr_parse could have made: its family's length, no bit set
 * past it. */
static int valid_cidr(const sl_cidr_t *c)
{
	const unsigned bits = c->family == 4 ? 32 : c->family == 6 ? 128 : 0;
	if (bits == 0 || c->prefixlen > bits)
		return 0;
	for (unsigned i = c->prefixlen; i < 128; i++)
		if (c->addr[i / 8] & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

static sl_pfstate_t st, back;
static char out[SL_PFSTATE_TEXT_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > SL_PFSTATE_TEXT_MAX)
		return 0;
	struct sl_fuzz_lines t;
	char *text = sl_fuzz_lines_copy(data, size, &t);
	if (text == NULL)
		return 0;
	unsigned n = sl_pfstate_parse(text, size, "fuzz", &st, sl_fuzz_lines_report, &t);
	free(text);
	if (n != t.n)
		broken("count != reports");
	unsigned fam[2][2] = {{0, 0}, {0, 0}}; /* [block, allow][IPv4, IPv6] */
	for (unsigned i = 0; i < st.nblocks; i++) {
		const sl_pfstate_block_t *b = &st.blocks[i];
		if (!valid_cidr(&b->cidr) ||
		    (b->until_s > SL_PFSTATE_UNTIL_MAX && b->until_s != SL_PFSTATE_NEVER))
			broken("a kept block is malformed");
		fam[0][b->cidr.family == 6]++;
	}
	for (unsigned i = 0; i < st.nallows; i++) {
		if (!valid_cidr(&st.allows[i]))
			broken("a kept allow is malformed");
		fam[1][st.allows[i].family == 6]++;
	}
	if (fam[0][0] > SL_PF_BLOCK_MAX || fam[0][1] > SL_PF_BLOCK_MAX ||
	    fam[1][0] > SL_PF_ALLOW_MAX || fam[1][1] > SL_PF_ALLOW_MAX)
		broken("more entries than a map holds");
	size_t len = sl_pfstate_format(&st, out, sizeof(out));
	struct sl_fuzz_lines t2 = {0, UINT32_MAX};
	if (len == 0 || sl_pfstate_parse(out, len, "fuzz", &back, sl_fuzz_lines_report, &t2) != 0 ||
	    back.nblocks != st.nblocks || back.nallows != st.nallows)
		broken("format/parse round trip: the counts");
	for (unsigned i = 0; i < st.nblocks; i++) /* field by field: not the padding */
		if (memcmp(&back.blocks[i].cidr, &st.blocks[i].cidr, sizeof(sl_cidr_t)) != 0 ||
		    back.blocks[i].until_s != st.blocks[i].until_s)
			broken("format/parse round trip: a block");
	if (memcmp(back.allows, st.allows, st.nallows * sizeof(st.allows[0])) != 0)
		broken("format/parse round trip: an allow");
	return 0;
}
