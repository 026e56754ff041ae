/* sl_table: the blocks of sluice-dp's shutdown table that have one line per
 * key (a peer, a source address) and a column per counter. */
#ifndef SL_TABLE_H
#define SL_TABLE_H

#include <stdint.h>
#include <stdio.h>

static inline void sl_table_head(FILE *f, const char *key, const char *const *names, unsigned n)
{
	fprintf(f, "  %-16s", key);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, " %16s", names[i]);
	fputc('\n', f);
}

static inline void sl_table_row(FILE *f, const char *label, const uint64_t *v, unsigned n)
{
	fprintf(f, "  %-16s", label);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, " %16llu", (unsigned long long)v[i]);
	fputc('\n', f);
}

#endif
