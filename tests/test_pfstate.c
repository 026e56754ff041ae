/* sl_pfstate: sluice-dp's prefilter state file -- the text's round trip of
 * both families, every rejected line reported by its line number and
 * skipped (the good ones kept), the bounds (line, file, entries per family),
 * the clocks' conversions with fake clocks, exactly (expired entries left
 * out, never kept, rounding up, a restored entry reading back as itself),
 * the maps' lists made into the file's, and the keeper over real BPF maps
 * (root; skipped otherwise): restore, a sync that writes only a change, a
 * failing save logged once per error and never fatal. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>

#include "sl_pfstate.h"

#define SL_TMPDIR_PREFIX "/tmp/sl-pfstate-XXXXXX"
#define SL_TMPDIR_FILE "a.prefilter"
#include "sl_test_tmpdir.h"
#include "sl_test_cidr.h"

#define S 1000000000ull

struct reports {
	unsigned n;
	unsigned line[32];
	char msg[32][256];
};

static void collect(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct reports *r = ctx;
	(void)file;
	if (r->n < 32) {
		r->line[r->n] = line;
		snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", msg);
	}
	r->n++;
}

static sl_pfstate_t st, back; /* 1.1 MiB each: not on the stack */
static char text[SL_PFSTATE_TEXT_MAX];

static void assert_same(const sl_pfstate_t *a, const sl_pfstate_t *b)
{
	assert_int_equal(a->nblocks, b->nblocks);
	assert_int_equal(a->nallows, b->nallows);
	for (unsigned i = 0; i < a->nblocks; i++) { /* field by field: not the padding */
		assert_memory_equal(&a->blocks[i].cidr, &b->blocks[i].cidr, sizeof(sl_cidr_t));
		assert_true(a->blocks[i].until_s == b->blocks[i].until_s);
	}
	for (unsigned i = 0; i < a->nallows; i++)
		assert_memory_equal(&a->allows[i], &b->allows[i], sizeof(a->allows[i]));
}

static void add_block(sl_pfstate_t *s, const char *c, uint64_t until)
{
	s->blocks[s->nblocks++] = (sl_pfstate_block_t){.cidr = sl_test_cidr(c), .until_s = until};
}

/* Both families, never and the extremes of UNTIL, in the text and back. */
static void test_round_trip(void **state)
{
	(void)state;
	st.nblocks = st.nallows = 0;
	add_block(&st, "10.99.7.0/24", 1700003600);
	add_block(&st, "2001:db8:7:1::/64", SL_PFSTATE_NEVER);
	add_block(&st, "0.0.0.0/0", 0);
	add_block(&st, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SL_PFSTATE_UNTIL_MAX);
	add_block(&st, "10.1.2.3", SL_PFSTATE_NEVER);
	st.allows[st.nallows++] = sl_test_cidr("10.99.5.0/28");
	st.allows[st.nallows++] = sl_test_cidr("2001:db8:1::/48");
	st.allows[st.nallows++] = sl_test_cidr("::/0");
	const size_t len = sl_pfstate_format(&st, text, sizeof(text));
	static const char want[] =
		"block 10.99.7.0/24 1700003600\n"
		"block 2001:db8:7:1::/64 never\n"
		"block 0.0.0.0/0 0\n"
		"block ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128 18446744073\n"
		"block 10.1.2.3/32 never\n"
		"allow 10.99.5.0/28\n"
		"allow 2001:db8:1::/48\n"
		"allow ::/0\n";
	assert_true(len > sizeof(want) - 1);
	assert_string_equal(text + len - (sizeof(want) - 1), want);
	assert_true(text[0] == '#'); /* a header that says what the file is */
	struct reports r = {0};
	assert_int_equal(sl_pfstate_parse(text, len, "a.prefilter", &back, collect, &r), 0);
	assert_same(&st, &back);
	/* The empty lists: the header only. */
	st.nblocks = st.nallows = 0;
	const size_t hlen = sl_pfstate_format(&st, text, sizeof(text));
	assert_true(hlen > 0 && hlen <= SL_PFSTATE_HEADER_MAX);
	assert_int_equal(sl_pfstate_parse(text, hlen, "a.prefilter", &back, collect, &r), 0);
	assert_int_equal(back.nblocks + back.nallows, 0);
	/* A buffer under SL_PFSTATE_TEXT_MAX is refused whole. */
	assert_int_equal(sl_pfstate_format(&st, text, SL_PFSTATE_TEXT_MAX - 1), 0);
}

/* Every reason a line is refused, by its line number; the good lines (with
 * blanks, tabs, CRLF, comments, no final newline) are kept in order. */
static void test_bad_lines(void **state)
{
	(void)state;
	char longline[SL_PFSTATE_LINE_MAX + 8];
	memset(longline, ' ', sizeof(longline));
	memcpy(longline, "allow 10.0.0.0/8", 16);
	longline[SL_PFSTATE_LINE_MAX] = '\0'; /* 128 characters: one too many */
	char in[2048];
	int n = snprintf(in, sizeof(in),
			 "# comment\n"                                  /* 1 */
			 "\n"                                           /* 2 */
			 "block 10.99.7.0/24 1700003600\r\n"            /* 3: good */
			 "deny 10.0.0.0/8\n"                            /* 4 */
			 "block 10.0.0.0/8\n"                           /* 5 */
			 "block 10.0.0.0/8 never extra\n"               /* 6 */
			 "allow 10.0.0.0/8 never\n"                     /* 7 */
			 "block 10.1.2.3/24 never\n"                    /* 8 */
			 "allow 2001:db8::1/64\n"                       /* 9 */
			 "block 10.0.0.0/8 -1\n"                        /* 10 */
			 "block 10.0.0.0/8 01\n"                        /* 11 */
			 "block 10.0.0.0/8 18446744074\n"               /* 12 */
			 "block 10.0.0.0/8 soon\n"                      /* 13 */
			 "block 10.0.0.0/8 Never\n"                     /* 14 */
			 "%s\n"                                         /* 15: too long */
			 "  \tallow\t2001:db8:1::/48  \n"               /* 16: good */
			 "   # an indented comment\n"                   /* 17 */
			 "block\n"                                      /* 18 */
			 "allow 10.99.5.0/28 # not a comment here\n"    /* 19 */
			 "BLOCK 10.0.0.0/8 never\n"                     /* 20 */
			 "block 2001:db8:7:1::/64 never",               /* 21: good, no newline */
			 longline);
	struct reports r = {0};
	unsigned got = sl_pfstate_parse(in, (size_t)n, "a.prefilter", &st, collect, &r);
	static const struct {
		unsigned line;
		const char *msg;
	} want[] = {
		{4, "not a 'block CIDR UNTIL' or 'allow CIDR' line"},
		{5, "block wants CIDR UNTIL, got 1 field after it"},
		{6, "block wants CIDR UNTIL, got 3 fields after it"},
		{7, "allow wants CIDR, got 2 fields after it"},
		{8, "bad CIDR '10.1.2.3/24': host bits set past /24"},
		{9, "bad CIDR '2001:db8::1/64': host bits set past /64"},
		{10, "UNTIL '-1' is neither Unix seconds (0 to 18446744073) nor never"},
		{11, "UNTIL '01' is neither"},
		{12, "UNTIL '18446744074' is neither"},
		{13, "UNTIL 'soon' is neither"},
		{14, "UNTIL 'Never' is neither"},
		{15, "longer than 127 characters"},
		{18, "block wants CIDR UNTIL, got 0 fields after it"},
		{19, "allow wants CIDR, got 6 fields after it"},
		{20, "not a 'block CIDR UNTIL' or 'allow CIDR' line"},
	};
	assert_int_equal(got, sizeof(want) / sizeof(want[0]));
	assert_int_equal(r.n, got);
	for (unsigned i = 0; i < got; i++) {
		if (r.line[i] != want[i].line || strstr(r.msg[i], want[i].msg) == NULL)
			fail_msg("report %u: line %u '%s', wanted line %u '%s'", i, r.line[i], r.msg[i],
				 want[i].line, want[i].msg);
	}
	assert_int_equal(st.nblocks, 2);
	assert_true(st.blocks[0].until_s == 1700003600);
	sl_cidr_t c = sl_test_cidr("10.99.7.0/24");
	assert_memory_equal(&st.blocks[0].cidr, &c, sizeof(c));
	c = sl_test_cidr("2001:db8:7:1::/64");
	assert_memory_equal(&st.blocks[1].cidr, &c, sizeof(c));
	assert_true(st.blocks[1].until_s == SL_PFSTATE_NEVER);
	assert_int_equal(st.nallows, 1);
	c = sl_test_cidr("2001:db8:1::/48");
	assert_memory_equal(&st.allows[0], &c, sizeof(c));

	/* A NUL inside a line: reported, and nothing read past the text; a
	 * line of 127 characters is read. */
	char nul[] = "allow 10.0.0.0/8\0junk\nallow";
	memset(&r, 0, sizeof(r));
	assert_int_equal(sl_pfstate_parse(nul, sizeof(nul) - 1, "x", &st, collect, &r), 2);
	assert_int_equal(r.line[0], 1);
	assert_string_equal(r.msg[0], "a NUL byte");
	assert_int_equal(r.line[1], 2);
	longline[SL_PFSTATE_LINE_MAX - 1] = '\0';
	memset(&r, 0, sizeof(r));
	assert_int_equal(sl_pfstate_parse(longline, strlen(longline), "x", &st, collect, &r), 0);
	assert_int_equal(st.nallows, 1);
	/* A prefix twice: kept twice, in order (restored so, the later wins). */
	static const char twice[] = "block 10.0.0.0/8 5\nblock 10.0.0.0/8 7\n";
	assert_int_equal(sl_pfstate_parse(twice, sizeof(twice) - 1, "x", &st, collect, &r), 0);
	assert_int_equal(st.nblocks, 2);
	assert_true(st.blocks[1].until_s == 7);
}

/* Each family's list holds what its map holds: one more is reported, at its
 * line, and the other family still has its room. */
static void test_entry_bounds(void **state)
{
	(void)state;
	static const struct {
		const char *fmt;
		unsigned max;
		const char *msg;
	} kinds[] = {
		{"block 10.%u.%u.0/24 never\n", SL_PF_BLOCK_MAX, "more than 16384 IPv4 blocks"},
		{"block 2001:db8:%x:%x::/64 99\n", SL_PF_BLOCK_MAX, "more than 16384 IPv6 blocks"},
		{"allow 10.%u.%u.0/24\n", SL_PF_ALLOW_MAX, "more than 1024 IPv4 allows"},
		{"allow 2001:db8:%x:%x::/64\n", SL_PF_ALLOW_MAX, "more than 1024 IPv6 allows"},
	};
	char *in = malloc(SL_PFSTATE_TEXT_MAX);
	assert_non_null(in);
	for (unsigned k = 0; k < 4; k++) {
		size_t len = 0;
		for (unsigned i = 0; i <= kinds[k].max; i++)
			len += (size_t)snprintf(in + len, SL_PFSTATE_TEXT_MAX - len, kinds[k].fmt,
						i >> 8, i & 255);
		/* the other family's entries still fit */
		len += (size_t)snprintf(in + len, SL_PFSTATE_TEXT_MAX - len, "%s",
					k % 2 ? "block 10.0.0.1 never\nallow 10.0.0.1\n"
					      : "block 2001:db8::1 never\nallow 2001:db8::1\n");
		struct reports r = {0};
		assert_int_equal(sl_pfstate_parse(in, len, "a.prefilter", &st, collect, &r), 1);
		assert_int_equal(r.line[0], kinds[k].max + 1);
		assert_non_null(strstr(r.msg[0], kinds[k].msg));
		const bool blocks = k < 2;
		assert_int_equal(st.nblocks, blocks ? kinds[k].max + 1 : 1);
		assert_int_equal(st.nallows, blocks ? 1 : kinds[k].max + 1);
	}
	/* All four full: what format writes fits its bound and parses back. */
	st.nblocks = st.nallows = 0;
	for (unsigned i = 0; i < SL_PF_BLOCK_MAX; i++) {
		st.blocks[st.nblocks++] = (sl_pfstate_block_t){
			.cidr = {.family = 6, .prefixlen = 128,
				 .addr = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0xff, (uint8_t)(i >> 8), (uint8_t)i}},
			.until_s = SL_PFSTATE_UNTIL_MAX};
		st.blocks[st.nblocks++] = (sl_pfstate_block_t){
			.cidr = {.family = 4, .prefixlen = 32,
				 .addr = {255, 255, (uint8_t)(i >> 8), (uint8_t)i}},
			.until_s = SL_PFSTATE_UNTIL_MAX};
	}
	for (unsigned i = 0; i < SL_PF_ALLOW_MAX; i++) {
		st.allows[st.nallows++] = (sl_cidr_t){
			.family = 6, .prefixlen = 128,
			.addr = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				 0xff, 0xff, (uint8_t)(i >> 8), (uint8_t)i}};
		st.allows[st.nallows++] = (sl_cidr_t){
			.family = 4, .prefixlen = 32, .addr = {255, 254, (uint8_t)(i >> 8), (uint8_t)i}};
	}
	const size_t len = sl_pfstate_format(&st, in, SL_PFSTATE_TEXT_MAX);
	assert_true(len > 0 && len < SL_PFSTATE_TEXT_MAX);
	struct reports r = {0};
	assert_int_equal(sl_pfstate_parse(in, len, "a.prefilter", &back, collect, &r), 0);
	assert_same(&st, &back);
	free(in);
}

/* load: a missing file is no problem; a folder is one (line 0); a file
 * longer than the buffer is read up to its last whole line, the rest one
 * problem at the first line left out. */
static void test_load(void **state)
{
	struct fixture *f = *state;
	struct reports r = {0};
	char buf[64];
	st.nblocks = 1;
	assert_int_equal(sl_pfstate_load(f->path, &st, text, sizeof(text), collect, &r), 0);
	assert_int_equal(st.nblocks + st.nallows, 0);
	assert_int_equal(sl_pfstate_load(f->dir, &st, text, sizeof(text), collect, &r), 1);
	assert_int_equal(r.line[0], 0);
	assert_string_equal(r.msg[0], "cannot read the file (Is a directory)");

	static const char file[] = "allow 10.0.0.0/8\n"       /* 17 bytes */
				   "block 10.1.0.0/16 never\n" /* 24: 41 */
				   "block 10.2.0.0/16 1\n";    /* 20: 61, the last cut */
	FILE *w = fopen(f->path, "w");
	assert_non_null(w);
	fputs(file, w);
	fclose(w);
	memset(&r, 0, sizeof(r));
	assert_int_equal(sl_pfstate_load(f->path, &st, text, sizeof(text), collect, &r), 0);
	assert_int_equal(st.nblocks, 2);
	memset(&r, 0, sizeof(r));
	assert_int_equal(sl_pfstate_load(f->path, &st, buf, 50, collect, &r), 1);
	assert_int_equal(r.line[0], 3);
	assert_string_equal(r.msg[0],
			    "the file is longer than 50 bytes: this line and the rest are left out");
	assert_int_equal(st.nallows, 1);
	assert_int_equal(st.nblocks, 1); /* not a block of 10.2.0.0/16 until "1" */
	assert_true(st.blocks[0].until_s == SL_PFSTATE_NEVER);
	/* exactly the buffer's size: whole */
	memset(&r, 0, sizeof(r));
	assert_int_equal(sl_pfstate_load(f->path, &st, buf, sizeof(file) - 1, collect, &r), 0);
	assert_int_equal(st.nblocks, 2);
	/* no whole line in the buffer: nothing */
	assert_int_equal(sl_pfstate_load(f->path, &st, buf, 10, collect, &r), 1);
	assert_int_equal(r.line[0], 1);
	assert_int_equal(st.nblocks + st.nallows, 0);
}

/* The conversions, exactly, with fake clocks. */
static void test_clocks(void **state)
{
	(void)state;
	const sl_pfstate_clock_t now = {.mono_ns = 1000 * S, .wall_ns = 1700000000 * S + S / 4};
	uint64_t u = 0, e = 0;
	/* map -> file */
	assert_true(sl_pfstate_until_s(0, &now, &u));
	assert_true(u == SL_PFSTATE_NEVER);
	assert_false(sl_pfstate_until_s(now.mono_ns, &now, &u));   /* ends now: passed */
	assert_false(sl_pfstate_until_s(now.mono_ns - 1, &now, &u));
	assert_false(sl_pfstate_until_s(1, &now, &u));
	assert_true(sl_pfstate_until_s(now.mono_ns + 1, &now, &u)); /* 1 ns left: rounded up */
	assert_true(u == 1700000001);
	assert_true(sl_pfstate_until_s(now.mono_ns + 3600 * S, &now, &u));
	assert_true(u == 1700003601);                               /* 3600.25 s up */
	assert_true(sl_pfstate_until_s(now.mono_ns + 3600 * S - S / 4, &now, &u));
	assert_true(u == 1700003600);                               /* a whole second */
	/* the first 1 ms past a whole second rounds down, the rest up */
	assert_true(sl_pfstate_until_s(now.mono_ns + 3600 * S - S / 4 + 1000000, &now, &u));
	assert_true(u == 1700003600);
	assert_true(sl_pfstate_until_s(now.mono_ns + 3600 * S - S / 4 + 1000001, &now, &u));
	assert_true(u == 1700003601);
	assert_true(sl_pfstate_until_s(UINT64_MAX, &now, &u));     /* saturates: an end */
	assert_true(u == SL_PFSTATE_UNTIL_MAX);

	/* file -> map */
	assert_true(sl_pfstate_expiry_ns(SL_PFSTATE_NEVER, &now, &e));
	assert_true(e == 0);
	assert_false(sl_pfstate_expiry_ns(1700000000, &now, &e)); /* 0.25 s ago */
	assert_false(sl_pfstate_expiry_ns(0, &now, &e));
	const sl_pfstate_clock_t whole = {.mono_ns = 5 * S, .wall_ns = 1700000000 * S};
	assert_false(sl_pfstate_expiry_ns(1700000000, &whole, &e)); /* ends now */
	assert_true(sl_pfstate_expiry_ns(1700000001, &now, &e));
	assert_true(e == now.mono_ns + 3 * S / 4);
	assert_true(sl_pfstate_expiry_ns(1700003600, &now, &e));
	assert_true(e == now.mono_ns + 3600 * S - S / 4);
	const sl_pfstate_clock_t late = {.mono_ns = UINT64_MAX - S, .wall_ns = 0};
	assert_true(sl_pfstate_expiry_ns(SL_PFSTATE_UNTIL_MAX, &late, &e));
	assert_true(e == UINT64_MAX);                               /* saturates */
	assert_true(sl_pfstate_expiry_ns(SL_PFSTATE_UNTIL_MAX + 1, &now, &e));
	assert_true(e == now.mono_ns + (UINT64_MAX - now.wall_ns));

	/* A block for an hour, saved; the relay down 10 s; restored after a
	 * reboot (CLOCK_MONOTONIC from 3 s): 3590 s left but for the rounding;
	 * saved again with the clocks' offset off by +-500 ns (two reads): the
	 * same UNTIL, so the file is not rewritten for it. */
	const uint64_t expiry = now.mono_ns + 3600 * S + 123456789;
	assert_true(sl_pfstate_until_s(expiry, &now, &u));
	assert_true(u == 1700003601);
	const sl_pfstate_clock_t boot = {.mono_ns = 3 * S, .wall_ns = now.wall_ns + 10 * S};
	assert_true(sl_pfstate_expiry_ns(u, &boot, &e));
	assert_true(e == boot.mono_ns + 3590 * S + 3 * S / 4);
	assert_true(e >= expiry - now.mono_ns - 10 * S + boot.mono_ns); /* never shorter */
	for (int j = -500; j <= 500; j += 250) {
		const sl_pfstate_clock_t later = {.mono_ns = boot.mono_ns + 77 * S,
						  .wall_ns = boot.wall_ns + 77 * S + (uint64_t)(int64_t)j};
		uint64_t u2;
		assert_true(sl_pfstate_until_s(e, &later, &u2));
		assert_true(u2 == u);
	}
}

/* The maps' lists in the file's form: ended blocks left out, never kept,
 * sorted by family, address and length, a prefix listed twice kept once
 * (the later end), each family at most its map's size. */
static void test_from_lists(void **state)
{
	(void)state;
	const sl_pfstate_clock_t now = {.mono_ns = 1000 * S, .wall_ns = 1700000000 * S};
	const sl_pf_block_entry_t blocks[] = {
		{sl_test_cidr("2001:db8::/32"), 0},
		{sl_test_cidr("10.2.0.0/16"), now.mono_ns + 60 * S},
		{sl_test_cidr("10.3.0.0/16"), now.mono_ns},        /* ended */
		{sl_test_cidr("10.1.0.0/16"), now.mono_ns - S},    /* ended */
		{sl_test_cidr("10.2.0.0/16"), now.mono_ns + 30 * S}, /* twice: the later end stays */
		{sl_test_cidr("10.2.0.0/24"), now.mono_ns + S / 2},
		{sl_test_cidr("10.0.0.0/8"), 0},
		{sl_test_cidr("10.0.0.0/8"), now.mono_ns + S},      /* twice: never is the later */
	};
	const sl_cidr_t allows[] = {sl_test_cidr("2001:db8::/32"), sl_test_cidr("10.9.0.0/16"), sl_test_cidr("10.9.0.0/16"),
				    sl_test_cidr("10.8.0.0/16")};
	sl_pfstate_from_lists(&st, blocks, 8, allows, 4, &now);
	static const char want[] = "block 10.0.0.0/8 never\n"
				   "block 10.2.0.0/16 1700000060\n"
				   "block 10.2.0.0/24 1700000001\n"
				   "block 2001:db8::/32 never\n"
				   "allow 10.8.0.0/16\n"
				   "allow 10.9.0.0/16\n"
				   "allow 2001:db8::/32\n";
	const size_t len = sl_pfstate_format(&st, text, sizeof(text));
	assert_string_equal(text + len - (sizeof(want) - 1), want);
	sl_pfstate_from_lists(&st, blocks, 0, allows, 0, &now);
	assert_int_equal(st.nblocks + st.nallows, 0);

	/* one more IPv4 block and allow than the maps hold: the extra left out,
	 * the IPv6 ones kept */
	static sl_pf_block_entry_t many[SL_PF_BLOCK_MAX + 2];
	static sl_cidr_t manya[SL_PF_ALLOW_MAX + 2];
	for (unsigned i = 0; i <= SL_PF_BLOCK_MAX; i++)
		many[i] = (sl_pf_block_entry_t){
			{.family = 4, .prefixlen = 32, .addr = {10, 7, (uint8_t)(i >> 8), (uint8_t)i}}, 0};
	many[SL_PF_BLOCK_MAX + 1] = (sl_pf_block_entry_t){sl_test_cidr("2001:db8::1"), 0};
	for (unsigned i = 0; i <= SL_PF_ALLOW_MAX; i++)
		manya[i] = (sl_cidr_t){.family = 4, .prefixlen = 32,
				       .addr = {10, 8, (uint8_t)(i >> 8), (uint8_t)i}};
	manya[SL_PF_ALLOW_MAX + 1] = sl_test_cidr("2001:db8::1");
	sl_pfstate_from_lists(&st, many, SL_PF_BLOCK_MAX + 2, manya, SL_PF_ALLOW_MAX + 2, &now);
	assert_int_equal(st.nblocks, SL_PF_BLOCK_MAX + 1);
	assert_int_equal(st.nallows, SL_PF_ALLOW_MAX + 1);
	assert_int_equal(st.blocks[st.nblocks - 1].cidr.family, 6);
	assert_int_equal(st.allows[st.nallows - 1].family, 6);
}

/* ---- the keeper over real maps (the prefilter's list shapes) ---- */

static sl_prefilter_t mpf = SL_PREFILTER_CLOSED;
static int map_errno;

static int maps_setup(void **state)
{
	if (setup(state) != 0)
		return -1;
	map_errno = sl_prefilter_create_maps(&mpf) != 0 ? errno : 0;
	return 0;
}

static int maps_teardown(void **state)
{
	sl_prefilter_close(&mpf);
	return teardown(state);
}

static void need_maps(void)
{
	if (mpf.block_fd < 0 || mpf.block6_fd < 0 || mpf.allow_fd < 0 || mpf.allow6_fd < 0) {
		print_message("no BPF maps (%s): needs root\n", strerror(map_errno));
		skip();
	}
}

static void write_file(const char *path, const char *s)
{
	FILE *w = fopen(path, "w");
	assert_non_null(w);
	fputs(s, w);
	fclose(w);
}

static char *read_file(const char *path)
{
	FILE *r = fopen(path, "r");
	assert_non_null(r);
	size_t n = fread(text, 1, sizeof(text) - 1, r);
	fclose(r);
	text[n] = '\0';
	return text;
}

/* The file's entries without its header comment. */
static const char *entries(const char *path)
{
	const char *t = read_file(path);
	while (*t == '#')
		t = strchr(t, '\n') + 1;
	return t;
}

/* restore: each allow, each block not ended (its end converted exactly), a
 * bad line and an ended block logged or counted, one line of counts; then
 * a sync writes nothing until the maps change, and then exactly them. */
static void test_keeper_restore_and_sync(void **state)
{
	struct fixture *f = *state;
	need_maps();
	const sl_pfstate_clock_t now = {.mono_ns = 1000 * S, .wall_ns = 1700000000 * S + S / 4};
	write_file(f->path, "# kept by hand\n"
			    "allow 2001:db8:1::/48\n"
			    "block 2001:db8:7:1::/64 never\n"
			    "block 10.99.8.0/24 1700000000\n" /* ended 0.25 s ago */
			    "block 10.99.7.0/24 1700003600\n"
			    "block 10.99.6.0/24 what\n"
			    "allow 10.99.5.0/28\n");
	char *log = NULL;
	size_t loglen = 0;
	FILE *logf = open_memstream(&log, &loglen);
	sl_pfstate_keeper_t *k = sl_pfstate_keeper_create(f->path, logf);
	assert_non_null(k);
	sl_pfstate_restored_t r;
	assert_int_equal(sl_pfstate_keeper_restore(k, &mpf, &now, &r), 0);
	assert_int_equal(r.blocks, 2);
	assert_int_equal(r.allows, 2);
	assert_int_equal(r.expired, 1);
	assert_int_equal(r.skipped, 1);
	assert_int_equal(r.failed, 0);
	fflush(logf);
	char want[1024];
	snprintf(want, sizeof(want),
		 "sluice-dp: prefilter state file %s:6: UNTIL 'what' is neither Unix seconds (0 to "
		 "18446744073) nor never (skipped)\n"
		 "sluice-dp: prefilter state file %s: restored 2 blocks and 2 allows (1 ended while "
		 "sluice-dp was down, 1 line skipped, 0 failed)\n",
		 f->path, f->path);
	assert_string_equal(log, want);

	sl_pf_block_entry_t b[4];
	assert_int_equal(sl_prefilter_blocklist(&mpf, b, 4), 2);
	assert_int_equal(b[0].cidr.family, 4);
	assert_true(b[0].expiry_ns == now.mono_ns + 3600 * S - S / 4);
	assert_int_equal(b[1].cidr.family, 6);
	assert_true(b[1].expiry_ns == 0);
	sl_cidr_t a[4];
	assert_int_equal(sl_prefilter_allowlist(&mpf, a, 4), 2);

	/* The maps say what the file says (but for its comment, order, bad line
	 * and ended block): nothing to write, at once or later. */
	struct stat before, after;
	assert_int_equal(stat(f->path, &before), 0);
	assert_int_equal(sl_pfstate_keeper_sync(k, &mpf, &now), 0);
	const sl_pfstate_clock_t later = {.mono_ns = now.mono_ns + 30 * S,
					  .wall_ns = now.wall_ns + 30 * S + 300};
	assert_int_equal(sl_pfstate_keeper_sync(k, &mpf, &later), 0);
	assert_int_equal(stat(f->path, &after), 0);
	assert_true(before.st_ino == after.st_ino);

	/* A change: written, sorted, the restored end as it was. */
	sl_cidr_t c = sl_test_cidr("10.99.9.0/24");
	assert_int_equal(sl_prefilter_block(&mpf, &c, later.mono_ns + 60 * S + 1), 0);
	assert_int_equal(sl_pfstate_keeper_sync(k, &mpf, &later), 1);
	assert_string_equal(entries(f->path), "block 10.99.7.0/24 1700003600\n"
					      "block 10.99.9.0/24 1700000091\n"
					      "block 2001:db8:7:1::/64 never\n"
					      "allow 10.99.5.0/28\n"
					      "allow 2001:db8:1::/48\n");
	assert_int_equal(stat(f->path, &after), 0);
	assert_int_equal(after.st_mode & 0777, 0644);
	assert_int_equal(sl_pfstate_keeper_sync(k, &mpf, &later), 0);
	/* The lists are read only when their text may have changed: an entry
	 * put in past the API (no writer of ours does: no generation) is not
	 * seen ... */
	const struct sl_pf_lpm_key quiet = {.prefixlen = 24, .addr = 0x000a630a}; /* 10.99.10.0 */
	const struct sl_pf_block forever = {.prefixlen = 24};
	assert_int_equal(bpf_map_update_elem(mpf.block_fd, &quiet, &forever, BPF_NOEXIST), 0);
	assert_int_equal(sl_pfstate_keeper_sync(k, &mpf, &later), 0);
	assert_null(strstr(entries(f->path), "10.99.10.0"));
	/* ... until the wall clock steps a second against the monotonic one
	 * (the file's ends are wall-clock seconds: they move with it) */
	const sl_pfstate_clock_t stepped = {.mono_ns = later.mono_ns, .wall_ns = later.wall_ns + 2 * S};
	assert_int_equal(sl_pfstate_keeper_sync(k, &mpf, &stepped), 1);
	assert_non_null(strstr(entries(f->path), "block 10.99.9.0/24 1700000093\n"));
	assert_non_null(strstr(entries(f->path), "block 10.99.10.0/24 never\n"));
	/* ... or a change raises the generation */
	assert_int_equal(bpf_map_delete_elem(mpf.block_fd, &quiet), 0);
	assert_int_equal(sl_pfstate_keeper_sync(k, &mpf, &stepped), 0); /* unseen */
	assert_int_equal(sl_prefilter_unblock(&mpf, &(sl_cidr_t){.family = 4, .prefixlen = 24,
								    .addr = {10, 99, 11}}), 0);
	assert_int_equal(sl_pfstate_keeper_sync(k, &mpf, &stepped), 1);
	assert_null(strstr(entries(f->path), "10.99.10.0"));
	/* An entry that ends leaves the file at the next sync, swept or not. */
	const sl_pfstate_clock_t end = {.mono_ns = later.mono_ns + 61 * S,
					.wall_ns = later.wall_ns + 61 * S};
	assert_int_equal(sl_pfstate_keeper_sync(k, &mpf, &end), 1);
	assert_null(strstr(entries(f->path), "10.99.9.0"));
	/* A second keeper restores what the first wrote: the entry taken out
	 * of the maps is back, with the end the file gave it. */
	c = sl_test_cidr("10.99.7.0/24");
	assert_int_equal(sl_prefilter_unblock(&mpf, &c), 0);
	sl_pfstate_keeper_t *k2 = sl_pfstate_keeper_create(f->path, NULL);
	assert_non_null(k2);
	assert_int_equal(sl_pfstate_keeper_restore(k2, &mpf, &end, &r), 0);
	assert_int_equal(r.blocks, 2);
	assert_int_equal(r.allows, 2);
	assert_int_equal(r.skipped + r.expired + r.failed, 0);
	assert_int_equal(sl_prefilter_blocklist(&mpf, b, 4), 3); /* and 10.99.9.0/24, unswept */
	bool found = false;
	for (unsigned i = 0; i < 3; i++)
		if (memcmp(&b[i].cidr, &c, sizeof(c)) == 0) {
			assert_true(b[i].expiry_ns == end.mono_ns + (1700003600 * S - end.wall_ns));
			found = true;
		}
	assert_true(found);
	sl_pfstate_keeper_destroy(k2);
	sl_pfstate_keeper_destroy(k);
	fclose(logf);
	free(log);
}

/* A save that fails is logged once per errno, never fatal, tried again at
 * each sync; a success after it is logged; a map write or read that fails
 * is reported, the rest goes on. */
static void test_keeper_errors(void **state)
{
	struct fixture *f = *state;
	need_maps();
	const sl_pfstate_clock_t now = sl_pfstate_clock_now();
	char path[256], blocker[200];
	snprintf(blocker, sizeof(blocker), "%s/sub", f->dir);
	snprintf(path, sizeof(path), "%s/x.prefilter", blocker);
	write_file(blocker, "a file where the folder should be\n");
	char *log = NULL;
	size_t loglen = 0;
	FILE *logf = open_memstream(&log, &loglen);
	sl_pfstate_keeper_t *k = sl_pfstate_keeper_create(path, logf);
	sl_pfstate_restored_t r;
	/* unreadable (a path through a file): one problem, no entry */
	assert_int_equal(sl_pfstate_keeper_restore(k, &mpf, &now, &r), 0);
	assert_int_equal(r.skipped, 1);
	sl_cidr_t c = sl_test_cidr("10.99.9.0/24");
	assert_int_equal(sl_prefilter_block(&mpf, &c, 0), 0);
	errno = 0;
	assert_int_equal(sl_pfstate_keeper_sync(k, &mpf, &now), -1);
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(sl_pfstate_keeper_sync(k, &mpf, &now), -1);
	fflush(logf);
	const char *first = strstr(log, "cannot create");
	assert_non_null(first);
	assert_null(strstr(first + 1, "cannot create")); /* once */
	assert_non_null(strstr(log, "tried again each second"));
	/* the folder can be made now: written, and said so */
	assert_int_equal(unlink(blocker), 0);
	assert_int_equal(sl_pfstate_keeper_sync(k, &mpf, &now), 1);
	fflush(logf);
	assert_non_null(strstr(log, "x.prefilter: written again\n"));
	assert_string_equal(entries(path), "block 10.99.9.0/24 never\n");
	assert_int_equal(sl_pfstate_keeper_sync(k, &mpf, &now), 0);
	/* nothing changed: not even read (the broken maps below go unnoticed) */
	sl_prefilter_t broken = mpf;
	broken.allow6_fd = -1;
	assert_int_equal(sl_pfstate_keeper_sync(k, &broken, &now), 0);
	/* a change, and the lists cannot be read: a failure, logged, nothing
	 * written */
	const sl_cidr_t c8 = sl_test_cidr("10.99.8.0/24");
	assert_int_equal(sl_prefilter_block(&mpf, &c8, 0), 0);
	errno = 0;
	assert_int_equal(sl_pfstate_keeper_sync(k, &broken, &now), -1);
	assert_int_equal(errno, EBADF);
	fflush(logf);
	assert_non_null(strstr(log, "cannot read the prefilter's lists"));
	assert_string_equal(entries(path), "block 10.99.9.0/24 never\n");
	assert_int_equal(sl_prefilter_unblock(&mpf, &c8), 0);
	/* restore into maps that refuse an IPv6 entry: counted, -1, the rest in */
	write_file(path, "block 2001:db8::/32 never\nallow 10.1.0.0/16\nallow 2001:db8::/32\n");
	broken = mpf;
	broken.block6_fd = broken.allow6_fd = -1;
	sl_pfstate_keeper_t *k2 = sl_pfstate_keeper_create(path, logf);
	assert_int_equal(sl_pfstate_keeper_restore(k2, &broken, &now, &r), -1);
	assert_int_equal(r.failed, 2);
	assert_int_equal(r.allows, 1);
	fflush(logf);
	assert_non_null(strstr(log, "cannot restore block 2001:db8::/32: Bad file descriptor"));
	assert_non_null(strstr(log, "cannot restore allow 2001:db8::/32"));
	sl_pfstate_keeper_destroy(k2);
	sl_pfstate_keeper_destroy(k);
	fclose(logf);
	free(log);
	unlink(path);
	rmdir(blocker);
}

/* The real clocks: the wall clock is past 2020, and a map entry one minute
 * from now reads as one minute from now, within a second. */
static void test_clock_now(void **state)
{
	(void)state;
	const sl_pfstate_clock_t now = sl_pfstate_clock_now();
	assert_true(now.wall_ns > 1577836800ull * S);
	assert_true(now.mono_ns > 0);
	uint64_t u;
	assert_true(sl_pfstate_until_s(sl_prefilter_now_ns() + 60 * S, &now, &u));
	assert_true(u >= now.wall_ns / S + 60 && u <= now.wall_ns / S + 62);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_entry_bounds),
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
		cmocka_unit_test(test_clocks),
		cmocka_unit_test(test_from_lists),
		cmocka_unit_test(test_clock_now),
		cmocka_unit_test_setup_teardown(test_keeper_restore_and_sync, maps_setup,
						maps_teardown),
		cmocka_unit_test_setup_teardown(test_keeper_errors, maps_setup, maps_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
