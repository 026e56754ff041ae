/* What the fuzz targets of the line-by-line file parsers (sl_statefile,
 * sl_pfstate) share: the input copied to a buffer of its exact size, so
 * that ASan sees any read past it, with its lines counted; and a report
 * callback that aborts unless a report names the file "fuzz", a line
 * inside the text and a non-empty one-line reason, and counts the reports
 * (the parser's return value must equal that count). */
#ifndef SL_FUZZ_LINES_H
#define SL_FUZZ_LINES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct sl_fuzz_lines {
	unsigned n;     /* reports seen */
	unsigned lines; /* lines in the text: newlines + 1 */
};

/* A malloc'ed copy of data[0..size) (free it), or NULL; fills *t. */
static inline char *sl_fuzz_lines_copy(const uint8_t *data, size_t size, struct sl_fuzz_lines *t)
{
	char *text = malloc(size ? size : 1);
	if (text == NULL)
		return NULL;
	memcpy(text, data, size);
	*t = (struct sl_fuzz_lines){0, 1};
	for (size_t i = 0; i < size; i++)
		t->lines += text[i] == '\n';
	return text;
}

/* The parsers' report callback; ctx: the struct sl_fuzz_lines. */
static inline void sl_fuzz_lines_report(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct sl_fuzz_lines *t = ctx;
	if (msg[0] == '\0' || strchr(msg, '\n') != NULL || strcmp(file, "fuzz") != 0 ||
	    line == 0 || line > t->lines)
		abort();
	t->n++;
}

#endif
