/* sl_txn tests: the public vector corpora, one hand-built case per rejection
 * reason, and mutations (truncation, byte changes, appended bytes) of every
 * vector transaction. Inputs always sit in a heap buffer of exactly their
 * size, so that AddressSanitizer catches any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_base58.h"
#include "sluice/sl_compiler.h"
#include "sl_test_vectors.h"
#include "sl_txn.h"
#include "sl_txn_check.h"

/* ---- A transaction builder: a small spec, serialized field by field. ---- */

struct ix_spec {
	unsigned prog;
	unsigned nacct;
	uint8_t acct; /* every account index of the instruction */
	unsigned data_sz;
};

struct lut_spec {
	unsigned nw, nr;
};

struct txn_spec {
	unsigned nsig;     /* signatures on the wire */
	int version_byte;  /* -1: legacy, else the message's first byte */
	unsigned req_sig, ro_signed, ro_unsigned;
	unsigned nacct;    /* static keys */
	unsigned dup_from, dup_to; /* when dup_to > 0, key dup_to = key dup_from */
	int keys_share_prefix;     /* keys differ in their last byte only */
	unsigned ninstr;
	struct ix_spec ix[SL_TXN_INSTR_MAX + 1];
	unsigned nlut;
	struct lut_spec lut[SL_TXN_LUT_MAX + 1];
};

#define BUILD_MAX 32768 /* room for 300 signatures */

struct builder {
	uint8_t b[BUILD_MAX];
	size_t n;
	/* When poison is set, replace the cu16 number `poison_at` (0-based, in
	 * write order) by raw bytes, to put a bad compact-u16 in any field. */
	int cu16_seen, poison_at;
	const uint8_t *poison;
	size_t poison_len;
};

static void put_u8(struct builder *w, unsigned v)
{
	assert_true(w->n < BUILD_MAX);
	w->b[w->n++] = (uint8_t)v;
}

static void put_fill(struct builder *w, unsigned v, size_t n)
{
	for (size_t k = 0; k < n; k++)
		put_u8(w, v + (unsigned)k);
}

static void put_cu16(struct builder *w, unsigned v)
{
	if (w->cu16_seen++ == w->poison_at && w->poison != NULL) {
		for (size_t k = 0; k < w->poison_len; k++)
			put_u8(w, w->poison[k]);
		return;
	}
	assert_true(v <= 0xffff);
	do {
		unsigned byte = v & 0x7f;
		v >>= 7;
		put_u8(w, byte | (v ? 0x80 : 0));
	} while (v);
}

static void build(struct builder *w, const struct txn_spec *s)
{
	w->n = 0;
	w->cu16_seen = 0;
	put_cu16(w, s->nsig);
	for (unsigned k = 0; k < s->nsig; k++)
		put_fill(w, 0x10 + k, SL_TXN_SIG_SZ);
	if (s->version_byte >= 0)
		put_u8(w, (unsigned)s->version_byte);
	put_u8(w, s->req_sig);
	put_u8(w, s->ro_signed);
	put_u8(w, s->ro_unsigned);
	put_cu16(w, s->nacct);
	for (unsigned k = 0; k < s->nacct; k++) {
		const unsigned key = s->dup_to > 0 && k == s->dup_to ? s->dup_from : k;
		if (s->keys_share_prefix) {
			put_fill(w, 0x40, SL_TXN_PUBKEY_SZ - 1);
			put_u8(w, key);
		} else {
			put_fill(w, 0x40 + key, SL_TXN_PUBKEY_SZ);
		}
	}
	put_fill(w, 0xb0, SL_TXN_HASH_SZ);
	put_cu16(w, s->ninstr);
	for (unsigned k = 0; k < s->ninstr; k++) {
		const struct ix_spec *ix = &s->ix[k < SL_TXN_INSTR_MAX ? k : SL_TXN_INSTR_MAX];
		put_u8(w, ix->prog);
		put_cu16(w, ix->nacct);
		for (unsigned a = 0; a < ix->nacct; a++)
			put_u8(w, ix->acct);
		put_cu16(w, ix->data_sz);
		put_fill(w, 0xd0, ix->data_sz);
	}
	if (s->version_byte < 0)
		return;
	put_cu16(w, s->nlut);
	for (unsigned k = 0; k < s->nlut; k++) {
		const struct lut_spec *l = &s->lut[k < SL_TXN_LUT_MAX ? k : SL_TXN_LUT_MAX];
		put_fill(w, 0xe0, SL_TXN_PUBKEY_SZ);
		put_cu16(w, l->nw);
		put_fill(w, 0, l->nw);
		put_cu16(w, l->nr);
		put_fill(w, 0, l->nr);
	}
}

/* Two signers, one read-only unsigned key (the program), one instruction. */
static struct txn_spec legacy_spec(void)
{
	struct txn_spec s = {
		.nsig = 2, .version_byte = -1,
		.req_sig = 2, .ro_signed = 1, .ro_unsigned = 1, .nacct = 4,
		.ninstr = 1,
	};
	s.ix[0] = (struct ix_spec){ .prog = 3, .nacct = 2, .acct = 1, .data_sz = 9 };
	return s;
}

/* The same with one lookup table loading two writable and one read-only. */
static struct txn_spec v0_spec(void)
{
	struct txn_spec s = legacy_spec();
	s.version_byte = 0x80;
	s.nlut = 1;
	s.lut[0] = (struct lut_spec){ .nw = 2, .nr = 1 };
	return s;
}

/* Parse `sz` bytes of `src` from an exactly-sized heap copy. */
static sl_txn_err_t parse_exact(const uint8_t *src, size_t sz, sl_txn_t *t)
{
	uint8_t *copy = malloc(sz ? sz : 1);
	assert_non_null(copy);
	if (sz)
		memcpy(copy, src, sz);
	sl_txn_err_t err = sl_txn_parse(copy, sz, t);
	free(copy);
	return err;
}

static sl_txn_err_t parse_spec(const struct txn_spec *s, struct builder *w, sl_txn_t *t)
{
	build(w, s);
	return parse_exact(w->b, w->n, t);
}

static void assert_ok_and_sane(const uint8_t *buf, size_t sz, const sl_txn_t *t, sl_txn_err_t err)
{
	if (err != SL_TXN_OK)
		fail_msg("expected ok, got %s (size %zu)", sl_txn_err_name(err), sz);
	const char *broken = sl_txn_check(t, sz);
	if (broken)
		fail_msg("accepted transaction breaks invariant: %s", broken);
	/* the dataplane finds the id before parsing: it must be this one */
	assert_ptr_equal(sl_txn_id_peek(buf, sz), sl_txn_id(buf, t));
}

/* No id where no transaction can start: too short for one signature, a
 * count of 0, a count that needs a second byte (over 127). */
static void test_id_peek_rejects(void **state)
{
	(void)state;
	uint8_t b[80] = {1};
	assert_ptr_equal(sl_txn_id_peek(b, 65), b + 1);
	assert_ptr_equal(sl_txn_id_peek(b, 80), b + 1);
	assert_null(sl_txn_id_peek(b, 64));
	assert_null(sl_txn_id_peek(b, 0));
	b[0] = 0;
	assert_null(sl_txn_id_peek(b, 80));
	b[0] = 127;
	assert_ptr_equal(sl_txn_id_peek(b, 80), b + 1);
	b[0] = 128;
	assert_null(sl_txn_id_peek(b, 80));
	b[0] = 0xff;
	assert_null(sl_txn_id_peek(b, 80));
}

/* ---- Built transactions: valid shapes ---- */

static void test_built_valid(void **state)
{
	(void)state;
	static struct builder w;
	sl_txn_t t;

	struct txn_spec s = legacy_spec();
	assert_int_equal(parse_spec(&s, &w, &t), SL_TXN_OK);
	assert_ok_and_sane(w.b, w.n, &t, SL_TXN_OK);
	assert_int_equal(t.version, SL_TXN_V_LEGACY);
	assert_int_equal(t.nsig, 2);
	assert_int_equal(t.nacct, 4);
	assert_int_equal(t.readonly_signed, 1);
	assert_int_equal(t.readonly_unsigned, 1);
	assert_int_equal(t.ninstr, 1);
	assert_int_equal(t.sz, w.n);
	/* The accessors land on what the builder wrote there. */
	assert_int_equal(sl_txn_id(w.b, &t)[0], 0x10);
	assert_int_equal(sl_txn_sig(w.b, &t, 1)[0], 0x11);
	assert_int_equal(sl_txn_signer(w.b, &t, 1)[0], 0x41);
	assert_int_equal(w.b[t.blockhash_off], 0xb0);
	assert_int_equal(sl_txn_msg(w.b, &t)[0], 2);
	assert_int_equal(w.b[t.instr_off], 3);

	s = v0_spec();
	assert_int_equal(parse_spec(&s, &w, &t), SL_TXN_OK);
	assert_ok_and_sane(w.b, w.n, &t, SL_TXN_OK);
	assert_int_equal(t.version, SL_TXN_V0);
	assert_int_equal(sl_txn_msg(w.b, &t)[0], 0x80);
	assert_int_equal(t.nlut, 1);
	assert_int_equal(t.nlut_acct, 3);
	assert_int_equal(w.b[t.lut_off], 0xe0);

	/* Limits are inclusive. */
	s = v0_spec(); /* 4 static + 124 loaded = 128 keys, last index used */
	s.lut[0] = (struct lut_spec){ .nw = 100, .nr = 24 };
	s.ix[0].acct = 127;
	assert_int_equal(parse_spec(&s, &w, &t), SL_TXN_OK);
	assert_int_equal(t.nlut_acct, 124);

	s = legacy_spec(); /* 64 instructions */
	s.ninstr = SL_TXN_INSTR_MAX;
	for (unsigned k = 0; k < s.ninstr; k++)
		s.ix[k] = (struct ix_spec){ .prog = 3 };
	assert_int_equal(parse_spec(&s, &w, &t), SL_TXN_OK);
	assert_int_equal(t.ninstr, SL_TXN_INSTR_MAX);

	s = legacy_spec(); /* exactly the MTU, with a two-byte data length */
	build(&w, &s);
	s.ix[0].data_sz += SL_TXN_MTU - w.n - 1;
	assert_int_equal(parse_spec(&s, &w, &t), SL_TXN_OK);
	assert_int_equal(w.n, SL_TXN_MTU);

	s = v0_spec(); /* several tables, one read-only only, one writable only */
	s.nlut = 3;
	s.lut[1] = (struct lut_spec){ .nw = 0, .nr = 5 };
	s.lut[2] = (struct lut_spec){ .nw = 4, .nr = 0 };
	s.ix[0].acct = 4 + 3 + 5 + 4 - 1;
	assert_int_equal(parse_spec(&s, &w, &t), SL_TXN_OK);
	assert_int_equal(t.nlut, 3);
	assert_int_equal(t.nlut_acct, 12);

	s = v0_spec(); /* keys alike but for their last byte: all distinct */
	s.keys_share_prefix = 1;
	assert_int_equal(parse_spec(&s, &w, &t), SL_TXN_OK);

	s = legacy_spec(); /* no instruction at all, one signer */
	s.nsig = s.req_sig = 1;
	s.ro_signed = 0;
	s.ninstr = 0;
	assert_int_equal(parse_spec(&s, &w, &t), SL_TXN_OK);
	assert_ok_and_sane(w.b, w.n, &t, SL_TXN_OK);
}

/* ---- One or more hand-built cases per rejection reason ---- */

struct bad_case {
	const char *what;
	void (*edit)(struct txn_spec *s, struct builder *w);
	int v0; /* start from v0_spec() instead of legacy_spec() */
	sl_txn_err_t want;
	size_t cut; /* parse only this many bytes (a huge count needs no body) */
};

static void no_sig(struct txn_spec *s, struct builder *w) { (void)w; s->nsig = s->req_sig = 0; s->ro_signed = 0; }
static void sig_128(struct txn_spec *s, struct builder *w) { (void)w; s->nsig = 128; s->req_sig = 127; }
static void sig_300(struct txn_spec *s, struct builder *w) { (void)w; s->nsig = 300; }
static void req_more(struct txn_spec *s, struct builder *w) { (void)w; s->req_sig = 3; }
static void req_less(struct txn_spec *s, struct builder *w) { (void)w; s->req_sig = 1; s->ro_signed = 0; }
static void version_1(struct txn_spec *s, struct builder *w) { (void)w; s->version_byte = 0x81; }
static void version_127(struct txn_spec *s, struct builder *w) { (void)w; s->version_byte = 0xff; }
static void ro_signed_all(struct txn_spec *s, struct builder *w) { (void)w; s->ro_signed = 2; }
static void ro_signed_over(struct txn_spec *s, struct builder *w) { (void)w; s->ro_signed = 200; }
static void ro_unsigned_over(struct txn_spec *s, struct builder *w) { (void)w; s->ro_unsigned = 3; }
static void acct_lt_sig(struct txn_spec *s, struct builder *w) { (void)w; s->nacct = 1; s->ro_unsigned = 0; }
static void acct_0(struct txn_spec *s, struct builder *w) { (void)w; s->nacct = 0; s->ro_unsigned = 0; }
static void acct_129(struct txn_spec *s, struct builder *w) { (void)w; s->nacct = 129; }
static void lut_129(struct txn_spec *s, struct builder *w) { (void)w; s->lut[0] = (struct lut_spec){ 100, 25 }; }
static void lut_sum_129(struct txn_spec *s, struct builder *w)
{
	(void)w;
	s->nlut = 2;
	s->lut[0] = (struct lut_spec){ 60, 2 };
	s->lut[1] = (struct lut_spec){ 1, 62 };
}
static void key_dup_payer(struct txn_spec *s, struct builder *w) { (void)w; s->dup_from = 0; s->dup_to = 1; }
static void key_dup_program(struct txn_spec *s, struct builder *w) { (void)w; s->dup_from = 1; s->dup_to = 3; }
static void key_dup_alike(struct txn_spec *s, struct builder *w)
{
	key_dup_program(s, w);
	s->keys_share_prefix = 1;
}
static void instr_65(struct txn_spec *s, struct builder *w)
{
	(void)w;
	s->ninstr = SL_TXN_INSTR_MAX + 1;
	for (unsigned k = 0; k < s->ninstr && k < SL_TXN_INSTR_MAX; k++)
		s->ix[k] = (struct ix_spec){ .prog = 3 };
	s->ix[SL_TXN_INSTR_MAX] = (struct ix_spec){ .prog = 3 };
}
static void prog_0(struct txn_spec *s, struct builder *w) { (void)w; s->ix[0].prog = 0; }
static void prog_nacct(struct txn_spec *s, struct builder *w) { (void)w; s->ix[0].prog = 4; }
static void prog_255(struct txn_spec *s, struct builder *w) { (void)w; s->ix[0].prog = 255; }
static void prog_second(struct txn_spec *s, struct builder *w)
{
	(void)w;
	s->ninstr = 2;
	s->ix[1] = (struct ix_spec){ .prog = 9 };
}
static void acct_idx_nacct(struct txn_spec *s, struct builder *w) { (void)w; s->ix[0].acct = 4; }
static void acct_idx_255(struct txn_spec *s, struct builder *w) { (void)w; s->ix[0].acct = 255; }
static void acct_idx_total(struct txn_spec *s, struct builder *w) { (void)w; s->ix[0].acct = 4 + 3; }
static void acct_idx_second(struct txn_spec *s, struct builder *w)
{
	(void)w;
	s->ninstr = 2;
	s->ix[1] = (struct ix_spec){ .prog = 3, .nacct = 3, .acct = 7 };
}
static void lut_128(struct txn_spec *s, struct builder *w) { (void)w; s->nlut = 128; }
static void lut_empty(struct txn_spec *s, struct builder *w) { (void)w; s->lut[0] = (struct lut_spec){ 0, 0 }; }
static void lut_empty_second(struct txn_spec *s, struct builder *w)
{
	(void)w;
	s->nlut = 2;
	s->lut[1] = (struct lut_spec){ 0, 0 };
}
static void lut_acct_idx(struct txn_spec *s, struct builder *w) { (void)w; s->ix[0].acct = 9; }

static const struct bad_case bad_cases[] = {
	{ "no signature", no_sig, 0, SL_TXN_ERR_NO_SIGNATURES, 0 },
	{ "128 signatures", sig_128, 0, SL_TXN_ERR_TOO_MANY_SIGNATURES, 300 },
	{ "300 signatures", sig_300, 1, SL_TXN_ERR_TOO_MANY_SIGNATURES, 2 },
	{ "header wants more signers", req_more, 0, SL_TXN_ERR_SIG_COUNT_MISMATCH, 0 },
	{ "header wants fewer signers", req_less, 1, SL_TXN_ERR_SIG_COUNT_MISMATCH, 0 },
	{ "version 1", version_1, 1, SL_TXN_ERR_UNKNOWN_VERSION, 0 },
	{ "version 127", version_127, 1, SL_TXN_ERR_UNKNOWN_VERSION, 0 },
	{ "every signer read-only", ro_signed_all, 0, SL_TXN_ERR_BAD_HEADER, 0 },
	{ "more read-only signers than signers", ro_signed_over, 1, SL_TXN_ERR_BAD_HEADER, 0 },
	{ "signers + read-only unsigned > keys", ro_unsigned_over, 0, SL_TXN_ERR_BAD_HEADER, 0 },
	{ "fewer keys than signers", acct_lt_sig, 0, SL_TXN_ERR_TOO_FEW_ACCOUNTS, 0 },
	{ "no key", acct_0, 1, SL_TXN_ERR_TOO_FEW_ACCOUNTS, 0 },
	{ "129 static keys", acct_129, 0, SL_TXN_ERR_TOO_MANY_ACCOUNTS, 200 },
	{ "4 static + 125 loaded keys", lut_129, 1, SL_TXN_ERR_TOO_MANY_ACCOUNTS, 0 },
	{ "4 static + 62 + 63 loaded keys", lut_sum_129, 1, SL_TXN_ERR_TOO_MANY_ACCOUNTS, 0 },
	{ "fee payer's key twice", key_dup_payer, 0, SL_TXN_ERR_DUPLICATE_ACCOUNT, 0 },
	{ "program's key is a signer's", key_dup_program, 1, SL_TXN_ERR_DUPLICATE_ACCOUNT, 0 },
	{ "key twice among keys alike", key_dup_alike, 0, SL_TXN_ERR_DUPLICATE_ACCOUNT, 0 },
	{ "65 instructions", instr_65, 0, SL_TXN_ERR_TOO_MANY_INSTRUCTIONS, 0 },
	{ "program is the fee payer", prog_0, 0, SL_TXN_ERR_BAD_PROGRAM_INDEX, 0 },
	{ "program past static keys", prog_nacct, 0, SL_TXN_ERR_BAD_PROGRAM_INDEX, 0 },
	{ "program from a lookup table", prog_nacct, 1, SL_TXN_ERR_BAD_PROGRAM_INDEX, 0 },
	{ "program index 255", prog_255, 1, SL_TXN_ERR_BAD_PROGRAM_INDEX, 0 },
	{ "second instruction's program", prog_second, 0, SL_TXN_ERR_BAD_PROGRAM_INDEX, 0 },
	{ "account index past static keys", acct_idx_nacct, 0, SL_TXN_ERR_BAD_ACCOUNT_INDEX, 0 },
	{ "account index 255", acct_idx_255, 0, SL_TXN_ERR_BAD_ACCOUNT_INDEX, 0 },
	{ "account index past loaded keys", acct_idx_total, 1, SL_TXN_ERR_BAD_ACCOUNT_INDEX, 0 },
	{ "second instruction's account", acct_idx_second, 0, SL_TXN_ERR_BAD_ACCOUNT_INDEX, 0 },
	{ "account index 9 of 7 with a table", lut_acct_idx, 1, SL_TXN_ERR_BAD_ACCOUNT_INDEX, 0 },
	{ "128 lookup tables", lut_128, 1, SL_TXN_ERR_TOO_MANY_LOOKUP_TABLES, 400 },
	{ "empty lookup table", lut_empty, 1, SL_TXN_ERR_EMPTY_LOOKUP_TABLE, 0 },
	{ "second lookup table empty", lut_empty_second, 1, SL_TXN_ERR_EMPTY_LOOKUP_TABLE, 0 },
};

/* Checks the case list covers every reason; reasons without a spec edit
 * (size, truncation, compact-u16, trailing bytes) are marked by their own
 * tests through `covered`. */
static int covered[SL_TXN_ERR__COUNT];

static void expect(sl_txn_err_t got, sl_txn_err_t want, const char *what)
{
	if (got != want)
		fail_msg("%s: expected %s, got %s", what, sl_txn_err_name(want), sl_txn_err_name(got));
	covered[want] = 1;
}

static void test_each_reason_built(void **state)
{
	(void)state;
	static struct builder w;
	sl_txn_t t;
	for (size_t k = 0; k < SL_ARRAY_LEN(bad_cases); k++) {
		const struct bad_case *c = &bad_cases[k];
		struct txn_spec s = c->v0 ? v0_spec() : legacy_spec();
		c->edit(&s, &w);
		build(&w, &s);
		const size_t sz = c->cut ? c->cut : w.n;
		assert_true(sz <= SL_TXN_MTU);
		expect(parse_exact(w.b, sz, &t), c->want, c->what);
	}
}

static void test_too_large(void **state)
{
	(void)state;
	static struct builder w;
	sl_txn_t t;
	struct txn_spec s = legacy_spec();
	build(&w, &s);
	s.ix[0].data_sz += SL_TXN_MTU + 1 - w.n - 1;
	expect(parse_spec(&s, &w, &t), SL_TXN_ERR_TOO_LARGE, "one byte over the MTU");
	assert_int_equal(w.n, SL_TXN_MTU + 1);
	/* Size is judged first, before anything in the bytes. */
	uint8_t big[4000] = { 0 };
	expect(parse_exact(big, sizeof(big), &t), SL_TXN_ERR_TOO_LARGE, "4000 zero bytes");
}

static void test_truncated_and_trailing(void **state)
{
	(void)state;
	static struct builder w;
	sl_txn_t t;
	expect(parse_exact(NULL, 0, &t), SL_TXN_ERR_TRUNCATED, "empty");
	for (int v0 = 0; v0 <= 1; v0++) {
		struct txn_spec s = v0 ? v0_spec() : legacy_spec();
		s.ix[0].data_sz = 200; /* a two-byte length to cut in the middle */
		build(&w, &s);
		for (size_t n = 0; n < w.n; n++)
			expect(parse_exact(w.b, n, &t), SL_TXN_ERR_TRUNCATED, "built prefix");
		w.b[w.n] = 0;
		expect(parse_exact(w.b, w.n + 1, &t), SL_TXN_ERR_TRAILING_BYTES, "one byte appended");
	}
	/* A claimed count far beyond the buffer is a truncation, not an overflow. */
	static const uint8_t huge_data[] = { 0xff, 0xff, 0x03 };
	struct txn_spec s = legacy_spec();
	w.poison_at = 3; /* nsig, nacct, ninstr, then instruction 0's account count */
	w.poison = huge_data;
	w.poison_len = sizeof(huge_data);
	expect(parse_spec(&s, &w, &t), SL_TXN_ERR_TRUNCATED, "65535 account indices claimed");
	w.poison = NULL;
}

/* Every length field of a legacy and a v0 transaction, with each bad
 * encoding in turn. */
static void test_bad_compact_u16(void **state)
{
	(void)state;
	static const struct {
		uint8_t b[4];
		size_t n;
		sl_txn_err_t want;
	} enc[] = {
		{ { 0x80, 0x00 }, 2, SL_TXN_ERR_BAD_COMPACT_U16 },             /* 0, overlong */
		{ { 0x81, 0x00 }, 2, SL_TXN_ERR_BAD_COMPACT_U16 },             /* 1, overlong */
		{ { 0xff, 0x80, 0x00 }, 3, SL_TXN_ERR_BAD_COMPACT_U16 },       /* 127, overlong */
		{ { 0x80, 0x80, 0x04 }, 3, SL_TXN_ERR_BAD_COMPACT_U16 },       /* 0x10000 */
		{ { 0xff, 0xff, 0x7f }, 3, SL_TXN_ERR_BAD_COMPACT_U16 },       /* > 0xffff */
		{ { 0x80, 0x80, 0x80, 0x01 }, 4, SL_TXN_ERR_BAD_COMPACT_U16 }, /* four bytes */
		{ { 0x81, 0x80, 0x80, 0x00 }, 4, SL_TXN_ERR_BAD_COMPACT_U16 },
	};
	static struct builder w;
	sl_txn_t t;
	int positions = 0;
	for (int v0 = 0; v0 <= 1; v0++) {
		/* legacy: nsig, nacct, ninstr, ix acct count, ix data size;
		 * v0 adds: nlut, writable count, read-only count. */
		const int nfields = v0 ? 8 : 5;
		for (int at = 0; at < nfields; at++) {
			for (size_t e = 0; e < SL_ARRAY_LEN(enc); e++) {
				struct txn_spec s = v0 ? v0_spec() : legacy_spec();
				w.poison_at = at;
				w.poison = enc[e].b;
				w.poison_len = enc[e].n;
				char what[64];
				snprintf(what, sizeof(what), "%s field %d encoding %zu", v0 ? "v0" : "legacy", at, e);
				expect(parse_spec(&s, &w, &t), enc[e].want, what);
				assert_int_equal(w.cu16_seen, nfields);
			}
			positions++;
		}
	}
	assert_int_equal(positions, 13);
	/* Valid long encodings decode to their value. */
	static const uint8_t two_byte_9[] = { 0x89, 0x00 }; /* overlong: bad */
	static const uint8_t two_byte_200[] = { 0xc8, 0x01 };
	struct txn_spec s = legacy_spec();
	w.poison_at = 4; /* instruction data size */
	w.poison = two_byte_9;
	w.poison_len = sizeof(two_byte_9);
	expect(parse_spec(&s, &w, &t), SL_TXN_ERR_BAD_COMPACT_U16, "overlong 9");
	s.ix[0].data_sz = 200;
	w.poison = two_byte_200;
	w.poison_len = sizeof(two_byte_200);
	assert_int_equal(parse_spec(&s, &w, &t), SL_TXN_OK);
	w.poison = NULL;
}

/* Must run last among the rejection tests: every reason must have a case. */
static void test_every_reason_covered(void **state)
{
	(void)state;
	for (int r = 1; r < SL_TXN_ERR__COUNT; r++)
		if (!covered[r])
			fail_msg("no test case for reason %s", sl_txn_err_name((sl_txn_err_t)r));
}

static void test_err_names(void **state)
{
	(void)state;
	assert_string_equal(sl_txn_err_name(SL_TXN_OK), "ok");
	assert_string_equal(sl_txn_err_name(SL_TXN_ERR_TRUNCATED), "truncated");
	assert_string_equal(sl_txn_err_name(SL_TXN_ERR_TRAILING_BYTES), "trailing_bytes");
	assert_string_equal(sl_txn_err_name(SL_TXN_ERR__COUNT), "invalid_reason");
	for (int a = 0; a < SL_TXN_ERR__COUNT; a++) {
		const char *n = sl_txn_err_name((sl_txn_err_t)a);
		assert_true(n[0] != '\0');
		for (const char *c = n; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || *c == '_' || (*c >= '0' && *c <= '9'));
		for (int b = 0; b < a; b++)
			assert_string_not_equal(n, sl_txn_err_name((sl_txn_err_t)b));
	}
}

/* ---- The vector corpora ---- */

struct corpus {
	size_t n;
	uint8_t *buf[700];
	size_t sz[700];
};

static uint8_t *slurp(const char *path, size_t *sz)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	uint8_t *buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*sz = (size_t)len;
	return buf;
}

/* transaction5.bin is Firedancer's hand-made invalid transaction (its
 * test_txn_parse.c asserts fd_txn_parse rejects it): one static key, program
 * index 1 and 26 empty lookup tables, so a validator rejects it too, despite
 * SOURCE.txt's "parses". Every other file is valid. */
static const struct {
	const char *name;
	sl_txn_err_t want;
} mainnet_files[] = {
	{ "transaction1.bin", SL_TXN_OK }, { "transaction2.bin", SL_TXN_OK },
	{ "transaction3.bin", SL_TXN_OK }, { "transaction4.bin", SL_TXN_OK },
	{ "transaction5.bin", SL_TXN_ERR_BAD_PROGRAM_INDEX }, { "transaction6.bin", SL_TXN_OK },
	{ "txn1.bin", SL_TXN_OK }, { "txn2.bin", SL_TXN_OK }, { "txn3.bin", SL_TXN_OK },
	{ "txn4.bin", SL_TXN_OK }, { "txn5.bin", SL_TXN_OK }, { "txn6.bin", SL_TXN_OK },
	{ "txn7.bin", SL_TXN_OK },
};

/* Appends a copy of each transaction, exactly sized. */
static void corpus_add(struct corpus *c, const uint8_t *b, size_t sz)
{
	assert_true(c->n < SL_ARRAY_LEN(c->buf));
	c->buf[c->n] = malloc(sz);
	assert_non_null(c->buf[c->n]);
	memcpy(c->buf[c->n], b, sz);
	c->sz[c->n++] = sz;
}

/* Loads web3js then mainnet; returns the number of web3js records, or -1
 * when the vectors are absent (the test is then skipped or failed). */
static int corpus_load(struct corpus *c)
{
	char path[4096];
	c->n = 0;
	if (sl_test_vector_path(path, sizeof(path), "solana-web3js/txs.bin") == NULL)
		return -1;
	size_t sz;
	uint8_t *all = slurp(path, &sz);
	for (size_t at = 0; at < sz;) {
		assert_true(sz - at >= 2);
		size_t len = all[at] | (size_t)all[at + 1] << 8;
		at += 2;
		assert_true(len <= sz - at);
		corpus_add(c, all + at, len);
		at += len;
	}
	free(all);
	int nweb3 = (int)c->n;
	for (size_t k = 0; k < SL_ARRAY_LEN(mainnet_files); k++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "solana-mainnet/%s", mainnet_files[k].name);
		assert_non_null(sl_test_vector_path(path, sizeof(path), rel));
		uint8_t *b = slurp(path, &sz);
		corpus_add(c, b, sz);
		free(b);
	}
	return nweb3;
}

static void corpus_free(struct corpus *c)
{
	for (size_t k = 0; k < c->n; k++)
		free(c->buf[k]);
	c->n = 0;
}

static struct corpus corpus;

static char web3js_ids[600][SL_BASE58_SIG_STRLEN];

static int cmp_id(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void test_web3js_corpus(void **state)
{
	(void)state;
	int nweb3 = corpus_load(&corpus);
	if (nweb3 < 0)
		return;
	assert_int_equal(nweb3, 600);
	char path[4096];
	assert_non_null(sl_test_vector_path(path, sizeof(path), "solana-web3js/txs.jsonl"));
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[1024];
	int k = 0, nv0 = 0;
	for (; fgets(line, sizeof(line), f) != NULL; k++) {
		unsigned len, nsig;
		char version[16], want_id[128];
		if (sscanf(line, "{\"len\":%u,\"nsig\":%u,\"version\":\"%15[^\"]\",\"first_sig_b58\":\"%127[^\"]\"}",
			   &len, &nsig, version, want_id) != 4)
			fail_msg("manifest line %d unreadable: %s", k + 1, line);
		assert_true(k < nweb3);
		sl_txn_t t;
		sl_txn_err_t err = sl_txn_parse(corpus.buf[k], corpus.sz[k], &t);
		if (err != SL_TXN_OK)
			fail_msg("web3js txn %d: %s", k, sl_txn_err_name(err));
		assert_ok_and_sane(corpus.buf[k], corpus.sz[k], &t, err);
		assert_int_equal(t.sz, len);
		assert_int_equal(t.nsig, nsig);
		assert_int_equal(t.version, strcmp(version, "v0") == 0 ? SL_TXN_V0 : SL_TXN_V_LEGACY);
		assert_true(strcmp(version, "v0") == 0 || strcmp(version, "legacy") == 0);
		nv0 += t.version == SL_TXN_V0;
		char id[SL_BASE58_SIG_STRLEN];
		size_t idlen = sl_base58_encode(sl_txn_id(corpus.buf[k], &t), SL_TXN_SIG_SZ, id, sizeof(id));
		assert_true(idlen > 0);
		assert_string_equal(id, want_id);
		memcpy(web3js_ids[k], id, sizeof(id));
	}
	fclose(f);
	assert_int_equal(k, nweb3);
	assert_true(nv0 > 0 && nv0 < nweb3); /* both versions are exercised */
	/* SOURCE.txt: every transaction distinct, so tests that count what a
	 * relay forwards from this corpus count 600 transactions, not repeats. */
	qsort(web3js_ids, (size_t)k, sizeof(web3js_ids[0]), cmp_id);
	for (int i = 1; i < k; i++)
		if (strcmp(web3js_ids[i - 1], web3js_ids[i]) == 0)
			fail_msg("web3js: id %s occurs twice", web3js_ids[i]);
	corpus_free(&corpus);
}

static void test_mainnet_corpus(void **state)
{
	(void)state;
	int nweb3 = corpus_load(&corpus);
	if (nweb3 < 0)
		return;
	int nv0 = 0;
	for (size_t k = (size_t)nweb3; k < corpus.n; k++) {
		const char *name = mainnet_files[k - (size_t)nweb3].name;
		const sl_txn_err_t want = mainnet_files[k - (size_t)nweb3].want;
		sl_txn_t t;
		sl_txn_err_t err = sl_txn_parse(corpus.buf[k], corpus.sz[k], &t);
		if (err != want)
			fail_msg("%s: expected %s, got %s", name, sl_txn_err_name(want), sl_txn_err_name(err));
		if (err != SL_TXN_OK)
			continue;
		assert_ok_and_sane(corpus.buf[k], corpus.sz[k], &t, err);
		nv0 += t.version == SL_TXN_V0;
		if (strcmp(name, "transaction1.bin") == 0)
			assert_int_equal(t.nsig, 4); /* SOURCE.txt */
	}
	assert_int_equal(corpus.n - (size_t)nweb3, SL_ARRAY_LEN(mainnet_files));
	assert_true(nv0 > 0);
	corpus_free(&corpus);
}

/* ---- Mutations of the whole corpus ---- */

static unsigned long mutants, mutants_ok;

/* Any verdict is a named reason; an accepted mutant is sane. */
static sl_txn_err_t check_mutant(const uint8_t *b, size_t sz, sl_txn_t *t)
{
	sl_txn_err_t err = sl_txn_parse(b, sz, t);
	mutants++;
	assert_true((unsigned)err < SL_TXN_ERR__COUNT);
	if (err == SL_TXN_OK) {
		mutants_ok++;
		assert_ok_and_sane(b, sz, t, err);
	}
	return err;
}

static void test_truncations(void **state)
{
	(void)state;
	if (corpus_load(&corpus) < 0)
		return;
	for (size_t k = 0; k < corpus.n; k++) {
		sl_txn_t t;
		/* A cut invalid transaction may break its rule before the cut. */
		const int valid = sl_txn_parse(corpus.buf[k], corpus.sz[k], &t) == SL_TXN_OK;
		for (size_t n = 0; n < corpus.sz[k]; n++) {
			sl_txn_err_t err = parse_exact(corpus.buf[k], n, &t);
			if (valid ? err != SL_TXN_ERR_TRUNCATED : err == SL_TXN_OK)
				fail_msg("txn %zu cut to %zu of %zu bytes: %s", k, n, corpus.sz[k],
					 sl_txn_err_name(err));
		}
	}
	corpus_free(&corpus);
}

/* Every single-bit flip and the values 0x00 and 0xff at every position. A
 * change inside a signature, key or the blockhash must not change anything
 * the parser reports. */
static void test_byte_changes(void **state)
{
	(void)state;
	if (corpus_load(&corpus) < 0)
		return;
	mutants = mutants_ok = 0;
	for (size_t k = 0; k < corpus.n; k++) {
		uint8_t *b = corpus.buf[k];
		sl_txn_t base, t;
		const int valid = sl_txn_parse(b, corpus.sz[k], &base) == SL_TXN_OK;
		for (size_t at = 0; at < corpus.sz[k]; at++) {
			const uint8_t orig = b[at];
			const int opaque = valid && ((at >= base.sig_off && at < base.msg_off) ||
						     (at >= base.acct_off && at < base.instr_off - 1u));
			for (unsigned v = 0; v < 10; v++) {
				const uint8_t to = v < 8 ? orig ^ (1u << v) : v == 8 ? 0x00 : 0xff;
				if (to == orig)
					continue;
				b[at] = to;
				sl_txn_err_t err = check_mutant(b, corpus.sz[k], &t);
				if (opaque && (err != SL_TXN_OK || memcmp(&t, &base, sizeof(t)) != 0))
					fail_msg("txn %zu: byte %zu (a signature, key or hash) %02x -> %02x: %s",
						 k, at, orig, to, sl_txn_err_name(err));
			}
			b[at] = orig;
		}
	}
	/* Most changes land in signatures, keys or data and stay valid. */
	assert_true(mutants_ok > 0 && mutants_ok < mutants);
	print_message("byte changes: %lu mutants, %lu accepted\n", mutants, mutants_ok);
	corpus_free(&corpus);
}

static void test_appended_bytes(void **state)
{
	(void)state;
	if (corpus_load(&corpus) < 0)
		return;
	uint8_t buf[SL_TXN_MTU + 8];
	for (size_t k = 0; k < corpus.n; k++) {
		sl_txn_t t;
		const sl_txn_err_t base = sl_txn_parse(corpus.buf[k], corpus.sz[k], &t);
		for (size_t extra = 1; extra <= 3; extra++) {
			const size_t sz = corpus.sz[k] + extra;
			memcpy(buf, corpus.buf[k], corpus.sz[k]);
			memset(buf + corpus.sz[k], 0x5a, extra);
			sl_txn_err_t err = parse_exact(buf, sz, &t);
			const sl_txn_err_t want = sz > SL_TXN_MTU ? SL_TXN_ERR_TOO_LARGE
					   : base == SL_TXN_OK ? SL_TXN_ERR_TRAILING_BYTES
							       : base;
			if (err != want)
				fail_msg("txn %zu + %zu bytes: %s", k, extra, sl_txn_err_name(err));
		}
	}
	corpus_free(&corpus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_names),
		cmocka_unit_test(test_built_valid),
		cmocka_unit_test(test_id_peek_rejects),
		cmocka_unit_test(test_each_reason_built),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_bad_compact_u16),
		cmocka_unit_test(test_every_reason_covered),
		cmocka_unit_test(test_web3js_corpus),
		cmocka_unit_test(test_mainnet_corpus),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_byte_changes),
		cmocka_unit_test(test_appended_bytes),
	};
	return cmocka_run_group_tests_name("sl_txn", tests, NULL, NULL);
}
