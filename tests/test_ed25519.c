/* ed25519 layers (dataplane/ed25519/) against libsodium's
 * crypto_core_ed25519_* and crypto_scalarmult_ed25519* as oracles: field
 * identities, point decoding, addition, scalar multiplication (variable and
 * fixed base), scalars mod L, NAF recoding, the half-size split; then the
 * batch verifier on crafted torsion cases inside mixed batches, and batches
 * with 0, 1, some and all invalid signatures in every position, in every
 * strategy (adaptive, forced batch, forced single). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "ed25519/batch.h"
#include "ed25519/fe.h"
#include "ed25519/fe_many.h"
#include "ed25519/ge.h"
#include "ed25519/msm.h"
#include "ed25519/sc.h"
#include "ed25519/single.h"
#include "sl_test_sign.h"

static const uint8_t L_bytes[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
};
static const uint8_t identity_enc[32] = { 1 };

/* ---- helpers ------------------------------------------------------------ */

static void random_point(uint8_t p[32])
{
	crypto_core_ed25519_random(p); /* prime order, canonical */
}

static void decode_ok(ge_p3_t *P, const uint8_t s[32])
{
	assert_int_equal(ge_frombytes(P, s), 0);
}

/* [s]P by msm_straus with one term. */
static void scalarmult(ge_p3_t *r, const uint8_t s[32], const ge_p3_t *P)
{
	ge_cached_t tab[GE_VAR_TABLE_SZ];
	int8_t naf[256];
	ge_var_table(tab, P);
	msm_term_t t = { tab, naf, ge_wnaf(naf, s, 5) };
	msm_straus(r, &t, 1, NULL, 0);
}

/* [s]B by the fixed-base tables (s split over B and 2^128 B). */
static void scalarmult_base(ge_p3_t *r, const uint8_t s[32])
{
	uint8_t lo[32] = { 0 }, hi[32] = { 0 };
	int8_t n0[256], n1[256];
	memcpy(lo, s, 16);
	memcpy(hi, s + 16, 16);
	msm_base_t b[2] = { { ge_base_table, ge_base_ctable, n0, ge_wnaf(n0, lo, 8) },
			    { ge_base128_table, ge_base128_ctable, n1, ge_wnaf(n1, hi, 8) } };
	msm_straus(r, NULL, 0, b, 2);
}

static void enc(uint8_t s[32], const ge_p3_t *P)
{
	ge_tobytes(s, P);
}

/* The 8 small-order points: [L] of a mixed-order point is its torsion part;
 * pick one of order 8 and take its multiples. */
static void small_order_points(uint8_t pts[8][32])
{
	uint8_t s[32];
	ge_p3_t P, T;
	for (;;) {
		randombytes_buf(s, 32);
		s[31] &= 0x7f;
		if (ge_frombytes(&P, s) != 0)
			continue;
		scalarmult(&T, L_bytes, &P);
		ge_p3_t t4;
		uint8_t four[32] = { 4 };
		scalarmult(&t4, four, &T);
		if (!ge_is_identity(&t4))
			break; /* T has order 8 */
	}
	ge_p3_t acc;
	ge_p3_0(&acc);
	for (int j = 0; j < 8; j++) {
		enc(pts[j], &acc);
		ge_cached_t c;
		ge_p1p1_t t;
		ge_p3_to_cached(&c, &T);
		ge_add_cached(&t, &acc, &c, 0);
		ge_p1p1_to_p3(&acc, &t);
	}
}

/* ---- field -------------------------------------------------------------- */

static void test_fe(void **state)
{
	(void)state;
	/* p and p + 1 are not canonical: they encode 0 and 1 */
	uint8_t pbytes[32], s[32];
	memset(pbytes, 0xff, 32);
	pbytes[0] = 0xed;
	pbytes[31] = 0x7f;
	fe_t f, g, h, one;
	fe_frombytes(&f, pbytes);
	fe_tobytes(s, &f);
	assert_memory_equal(s, (uint8_t[32]){ 0 }, 32);
	assert_true(fe_iszero(&f));
	pbytes[0] = 0xee;
	fe_frombytes(&f, pbytes);
	fe_tobytes(s, &f);
	assert_memory_equal(s, identity_enc, 32);
	fe_1(&one);
	for (int i = 0; i < 2000; i++) {
		uint8_t a[32], b[32];
		randombytes_buf(a, 32);
		randombytes_buf(b, 32);
		fe_frombytes(&f, a);
		fe_frombytes(&g, b);
		/* f * g * g^-1 = f */
		fe_invert(&h, &g);
		fe_mul(&h, &h, &g);
		assert_true(fe_equal(&h, &one));
		fe_mul(&h, &f, &g);
		fe_t gi;
		fe_invert(&gi, &g);
		fe_mul(&h, &h, &gi);
		assert_true(fe_equal(&h, &f));
		/* sq = mul by self; (f + g) - g = f; -f + f = 0 */
		fe_t s1, s2;
		fe_sq(&s1, &f);
		fe_mul(&s2, &f, &f);
		assert_true(fe_equal(&s1, &s2));
		fe_add(&h, &f, &g);
		fe_sub(&h, &h, &g);
		assert_true(fe_equal(&h, &f));
		fe_neg(&h, &f);
		fe_add(&h, &h, &f);
		assert_true(fe_iszero(&h));
		/* pow22523 against plain squarings: z^(2^252 - 3) * z^3 = z^(2^252) */
		fe_t p1, p2, z3;
		fe_pow22523(&p1, &f);
		fe_sq(&z3, &f);
		fe_mul(&z3, &z3, &f);
		fe_mul(&p1, &p1, &z3);
		fe_sqn(&p2, &f, 252);
		assert_true(fe_equal(&p1, &p2));
	}
	/* sqrt(-1)^2 = -1 */
	fe_sq(&h, &fe_sqrtm1);
	fe_add(&h, &h, &one);
	assert_true(fe_iszero(&h));
}

/* The IFMA exponentiation (when the CPU has it) equals the scalar one, for
 * every count (partial groups of 8) and for inputs with uncarried limbs. */
static void test_fe_many(void **state)
{
	(void)state;
	fe_t in[21], out[21], want;
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 21; i++) {
			uint8_t b[32];
			randombytes_buf(b, 32);
			fe_frombytes(&in[i], b);
			if (i % 3 == 0) { /* an uncarried sum, limbs up to 2^53 */
				fe_t t = in[i];
				fe_add(&in[i], &t, &t);
				fe_add(&in[i], &in[i], &t);
			}
		}
		size_t n = 1 + (size_t)round;
		fe_pow22523_many(out, in, n);
		for (size_t i = 0; i < n; i++) {
			fe_pow22523(&want, &in[i]);
			assert_true(fe_equal(&out[i], &want));
		}
	}
	fprintf(stderr, "fe_pow22523_many: %s\n", fe_many_has_ifma() ? "AVX-512 IFMA" : "scalar");
}

/* ---- group -------------------------------------------------------------- */

static void test_ge_decode(void **state)
{
	(void)state;
	ge_p3_t P;
	uint8_t s[32], back[32];
	int accepted = 0;
	for (int i = 0; i < 4000; i++) {
		randombytes_buf(s, 32);
		int ours = ge_frombytes(&P, s) == 0;
		/* libsodium decodes s iff adding it to a valid point works; ours
		 * additionally rejects y >= p and x = 0 with the sign bit, which
		 * a random string hits with probability ~2^-250 */
		uint8_t q[32], sum[32];
		random_point(q);
		int theirs = crypto_core_ed25519_add(sum, s, q) == 0;
		assert_int_equal(ours, theirs);
		if (ours) {
			accepted++;
			enc(back, &P);
			assert_memory_equal(back, s, 32);
		}
	}
	assert_true(accepted > 1000); /* about half decode */
	/* y = p (non-canonical 0) and y = p + 1 (non-canonical 1), x = 0 with
	 * the sign bit set: all rejected */
	memset(s, 0xff, 32);
	s[0] = 0xed;
	s[31] = 0x7f;
	assert_int_equal(ge_frombytes(&P, s), -1);
	s[0] = 0xee;
	assert_int_equal(ge_frombytes(&P, s), -1);
	memcpy(s, identity_enc, 32);
	assert_int_equal(ge_frombytes(&P, s), 0);
	s[31] |= 0x80;
	assert_int_equal(ge_frombytes(&P, s), -1);
	/* the base point */
	enc(back, &ge_base);
	uint8_t b[32], one[32] = { 1 };
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(b, one), 0);
	assert_memory_equal(back, b, 32);
}

/* t, completed, encodes as `want`. */
static void assert_p1p1_is(const ge_p1p1_t *t, const uint8_t want[32])
{
	ge_p3_t R;
	uint8_t got[32];
	ge_p1p1_to_p3(&R, t);
	enc(got, &R);
	assert_memory_equal(got, want, 32);
}

static void test_ge_add(void **state)
{
	(void)state;
	uint8_t torsion[8][32];
	small_order_points(torsion);
	for (int i = 0; i < 500; i++) {
		uint8_t a[32], b[32], want[32];
		random_point(a);
		random_point(b);
		if (i % 2) /* mixed order */
			assert_int_equal(crypto_core_ed25519_add(a, a, torsion[i % 8]), 0);
		ge_p3_t A, B;
		ge_p1p1_t t;
		ge_cached_t c;
		decode_ok(&A, a);
		decode_ok(&B, b);
		ge_p3_to_cached(&c, &B);
		ge_add_cached(&t, &A, &c, 0);
		assert_int_equal(crypto_core_ed25519_add(want, a, b), 0);
		assert_p1p1_is(&t, want);
		ge_add_cached(&t, &A, &c, 1);
		assert_int_equal(crypto_core_ed25519_sub(want, a, b), 0);
		assert_p1p1_is(&t, want);
		/* doubling */
		ge_p3_dbl(&t, &A);
		assert_int_equal(crypto_core_ed25519_add(want, a, a), 0);
		assert_p1p1_is(&t, want);
	}
}

static void test_ge_small_order(void **state)
{
	(void)state;
	uint8_t torsion[8][32];
	small_order_points(torsion);
	for (int j = 0; j < 8; j++) {
		ge_p3_t T;
		decode_ok(&T, torsion[j]);
		assert_true(ge_has_small_order(&T));
		for (int i = 0; i < j; i++)
			assert_memory_not_equal(torsion[i], torsion[j], 32);
		uint8_t p[32], m[32];
		random_point(p);
		assert_int_equal(crypto_core_ed25519_add(m, p, torsion[j]), 0);
		ge_p3_t P;
		decode_ok(&P, m);
		assert_false(ge_has_small_order(&P)); /* mixed order is not small */
	}
}

static void test_ge_scalarmult(void **state)
{
	(void)state;
	for (int i = 0; i < 300; i++) {
		uint8_t s[32], p[32], want[32], got[32];
		crypto_core_ed25519_scalar_random(s);
		random_point(p);
		ge_p3_t P, R;
		decode_ok(&P, p);
		scalarmult(&R, s, &P);
		enc(got, &R);
		assert_int_equal(crypto_scalarmult_ed25519_noclamp(want, s, p), 0);
		assert_memory_equal(got, want, 32);
		scalarmult_base(&R, s);
		enc(got, &R);
		assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(want, s), 0);
		assert_memory_equal(got, want, 32);
	}
	/* [0]P is the identity */
	ge_p3_t R;
	scalarmult_base(&R, (uint8_t[32]){ 0 });
	assert_true(ge_is_identity(&R));
	/* [L]B is the identity */
	scalarmult(&R, L_bytes, &ge_base);
	assert_true(ge_is_identity(&R));
}

/* msm_straus against the sum of libsodium's products, on the IFMA path
 * (from MSM_IFMA_MIN terms, when the CPU has it) and the scalar one, for
 * sizes that leave lanes idle or uneven. */
static void check_msm(int n)
{
	enum { N = 48 };
	static ge_cached_t tab[N][GE_VAR_TABLE_SZ];
	static int8_t naf[N][256];
	int8_t bnaf[256];
	msm_term_t terms[N];
	uint8_t want[32];
	memcpy(want, identity_enc, 32);
	for (int i = 0; i < n; i++) {
		uint8_t s[32] = { 0 }, p[32], q[32];
		if (i % 2)
			crypto_core_ed25519_scalar_random(s);
		else
			randombytes_buf(s, 16); /* 128-bit coefficient */
		random_point(p);
		ge_p3_t P;
		decode_ok(&P, p);
		ge_var_table(tab[i], &P);
		terms[i] = (msm_term_t){ tab[i], naf[i], ge_wnaf(naf[i], s, 5) };
		assert_int_equal(crypto_scalarmult_ed25519_noclamp(q, s, p), 0);
		assert_int_equal(crypto_core_ed25519_add(want, want, q), 0);
	}
	uint8_t bs[32], q[32], got[32];
	crypto_core_ed25519_scalar_random(bs);
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(q, bs), 0);
	assert_int_equal(crypto_core_ed25519_add(want, want, q), 0);
	msm_base_t base = { ge_base_table, ge_base_ctable, bnaf, ge_wnaf(bnaf, bs, 8) };
	for (int scalar = 0; scalar <= 1; scalar++) {
		fe_many_force_scalar(scalar);
		ge_p3_t R;
		msm_straus(&R, terms, (size_t)n, &base, 1);
		enc(got, &R);
		assert_memory_equal(got, want, 32);
	}
	fe_many_force_scalar(0);
}

static void test_msm(void **state)
{
	(void)state;
	const int sizes[] = { 1, 7, 15, 16, 17, 23, 48 };
	for (int r = 0; r < 3; r++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			check_msm(sizes[i]);
}

/* ---- scalars ------------------------------------------------------------ */

static void test_sc(void **state)
{
	(void)state;
	uint8_t s[32], a[32], b[32], want[32], got[32], wide[64];
	memcpy(s, L_bytes, 32);
	assert_false(sc_is_canonical(s));
	s[0]--;
	assert_true(sc_is_canonical(s)); /* L - 1 */
	s[0] += 2;
	assert_false(sc_is_canonical(s)); /* L + 1 */
	memset(s, 0xff, 32);
	assert_false(sc_is_canonical(s));
	assert_true(sc_is_canonical((uint8_t[32]){ 0 }));
	memset(wide, 0xff, 64);
	for (int i = 0; i < 5000; i++) {
		if (i > 0)
			randombytes_buf(wide, 64);
		crypto_core_ed25519_scalar_reduce(want, wide);
		sc_reduce64(got, wide);
		assert_memory_equal(got, want, 32);
		crypto_core_ed25519_scalar_random(a);
		crypto_core_ed25519_scalar_random(b);
		crypto_core_ed25519_scalar_mul(want, a, b);
		sc_mul(got, a, b);
		assert_memory_equal(got, want, 32);
		crypto_core_ed25519_scalar_negate(want, a);
		sc_neg(got, a);
		assert_memory_equal(got, want, 32);
	}
	/* the 512-bit accumulator: sum of z_i * S_i */
	sc_acc_t acc;
	sc_acc_init(&acc);
	memset(want, 0, 32);
	for (int i = 0; i < 256; i++) {
		uint64_t z[2];
		uint8_t z32[32] = { 0 }, prod[32];
		randombytes_buf(z, sizeof(z));
		memcpy(z32, z, 16);
		crypto_core_ed25519_scalar_random(a);
		sc_acc_muladd128(&acc, z, a);
		crypto_core_ed25519_scalar_mul(prod, z32, a);
		crypto_core_ed25519_scalar_add(want, want, prod);
	}
	sc_acc_reduce(got, &acc);
	assert_memory_equal(got, want, 32);
}

static void check_split(const uint8_t k[32])
{
	uint8_t c0[32], c1[32], prod[32];
	int neg = sc_split_half(c0, c1, k);
	/* c0 < 2^126, 0 < |c1| < 2^127 */
	for (int i = 16; i < 32; i++) {
		assert_int_equal(c0[i], 0);
		assert_int_equal(c1[i], 0);
	}
	assert_true(c0[15] < 0x40);
	assert_true(c1[15] < 0x80);
	assert_memory_not_equal(c1, (uint8_t[32]){ 0 }, 32);
	crypto_core_ed25519_scalar_mul(prod, c1, k);
	if (neg)
		crypto_core_ed25519_scalar_negate(prod, prod);
	assert_memory_equal(prod, c0, 32);
}

static void test_sc_split(void **state)
{
	(void)state;
	uint8_t k[32] = { 0 };
	check_split(k);
	k[0] = 1;
	check_split(k);
	memcpy(k, L_bytes, 32);
	k[0]--;
	check_split(k); /* L - 1 */
	for (int i = 0; i < 20000; i++) {
		crypto_core_ed25519_scalar_random(k);
		check_split(k);
	}
}

static void test_wnaf(void **state)
{
	(void)state;
	for (int w = 5; w <= 8; w += 3) {
		for (int i = 0; i < 2000; i++) {
			uint8_t s[32];
			int8_t naf[256];
			crypto_core_ed25519_scalar_random(s);
			if (i == 0)
				memset(s, 0, 32);
			if (i == 1) {
				memcpy(s, L_bytes, 32);
				s[0]--;
			}
			int top = ge_wnaf(naf, s, w);
			/* recompose as a scalar mod L: sum naf[j] 2^j */
			uint8_t acc[32] = { 0 }, two[32] = { 2 };
			int last = -1000;
			for (int j = 255; j >= 0; j--) {
				crypto_core_ed25519_scalar_mul(acc, acc, two);
				if (naf[j] == 0)
					continue;
				assert_true(j < top);
				assert_true(naf[j] & 1);
				assert_true(naf[j] < (1 << (w - 1)) && naf[j] > -(1 << (w - 1)));
				assert_true(last - j >= w || last == -1000);
				last = j;
				uint8_t d[32] = { 0 };
				d[0] = (uint8_t)(naf[j] > 0 ? naf[j] : -naf[j]);
				if (naf[j] > 0)
					crypto_core_ed25519_scalar_add(acc, acc, d);
				else
					crypto_core_ed25519_scalar_sub(acc, acc, d);
			}
			assert_memory_equal(acc, s, 32);
		}
	}
}

/* ---- batch: crafted torsion cases, positions, strategies ----------------- */

typedef struct sig_case {
	uint8_t sig[64], pk[32], msg[32];
	int valid; /* the rule's verdict, by construction */
} sig_case_t;

static void sign_with(sig_case_t *c, const uint8_t a[32], const uint8_t pk_enc[32],
		      const uint8_t r_enc[32], const uint8_t r[32])
{
	randombytes_buf(c->msg, sizeof(c->msg));
	sl_test_sign_raw(c->sig, r, r_enc, a, pk_enc, c->msg, sizeof(c->msg), NULL);
	memcpy(c->pk, pk_enc, 32);
}

/* kind: 0 valid; 1 R + small torsion (valid: cofactored); 2 A + torsion
 * (mixed-order key, valid); 3 small-order R (invalid); 4 small-order A
 * (invalid); 5 bad S (invalid); 6 non-canonical small-order R (invalid);
 * 7 flipped message bit (invalid); 8 S >= L (invalid). */
#define CASE_KINDS 9
static void make_case(sig_case_t *c, int kind, uint8_t torsion[8][32])
{
	uint8_t a[32], A[32], r[32], R[32];
	crypto_core_ed25519_scalar_random(a);
	crypto_core_ed25519_scalar_random(r);
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(A, a), 0);
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(R, r), 0);
	int t = 1 + (int)randombytes_uniform(7);
	c->valid = 1;
	switch (kind) {
	case 1:
		assert_int_equal(crypto_core_ed25519_add(R, R, torsion[t]), 0);
		break;
	case 2:
		assert_int_equal(crypto_core_ed25519_add(A, A, torsion[t]), 0);
		break;
	case 3:
		memcpy(R, torsion[randombytes_uniform(8)], 32);
		memset(r, 0, 32);
		c->valid = 0;
		break;
	case 4:
		memcpy(A, torsion[randombytes_uniform(8)], 32);
		memset(a, 0, 32);
		c->valid = 0;
		break;
	case 6:
		/* y = 1 + p or y = p - 1 + p is not representable; use the
		 * non-canonical x = 0 sign-bit forms of (0, 1) and (0, -1) */
		memcpy(R, torsion[randombytes_uniform(2) * 4], 32);
		R[31] |= 0x80;
		memset(r, 0, 32);
		c->valid = 0;
		break;
	default:
		break;
	}
	sign_with(c, a, A, R, r);
	if (kind == 5) {
		c->sig[32] ^= 1;
		c->valid = 0;
	} else if (kind == 7) {
		c->msg[3] ^= 0x10;
		c->valid = 0;
	} else if (kind == 8) {
		/* S + L: same value mod L, not canonical */
		uint64_t s[4], l[4];
		memcpy(s, c->sig + 32, 32);
		memcpy(l, L_bytes, 32);
		unsigned __int128 carry = 0;
		for (int i = 0; i < 4; i++) {
			carry += (unsigned __int128)s[i] + l[i];
			s[i] = (uint64_t)carry;
			carry >>= 64;
		}
		memcpy(c->sig + 32, s, 32);
		c->valid = 0;
	}
}

static void run_batch(ed25519_batch_t *b, const sig_case_t *cs, size_t n)
{
	static sl_verify_item_t items[ED25519_BATCH_MAX]; /* static: zeroed for gcc */
	uint8_t ok[ED25519_BATCH_MAX];
	size_t want = 0;
	for (size_t i = 0; i < n; i++) {
		items[i] = (sl_verify_item_t){ cs[i].sig, cs[i].pk, cs[i].msg, sizeof(cs[i].msg) };
		want += (size_t)cs[i].valid;
		assert_int_equal(ed25519_verify(cs[i].sig, cs[i].pk, cs[i].msg, sizeof(cs[i].msg)),
				 cs[i].valid);
	}
	memset(ok, 0xaa, sizeof(ok));
	assert_int_equal(ed25519_batch_verify(b, items, n, ok), want);
	for (size_t i = 0; i < n; i++)
		if (ok[i] != cs[i].valid)
			fail_msg("item %zu of %zu: batch says %d, the rule %d", i, n, ok[i],
				 cs[i].valid);
}

/* A batch verifier on the square-root path the test's state asks for (1:
 * scalar; 0: AVX-512 IFMA where the CPU has it); batch_done puts it back. */
static ed25519_batch_t *batch_for_state(void **state)
{
	fe_many_force_scalar(*(int *)*state);
	fprintf(stderr, "square roots: %s\n", fe_many_has_ifma() ? "AVX-512 IFMA" : "scalar");
	ed25519_batch_t *b = ed25519_batch_create();
	assert_non_null(b);
	return b;
}

static void batch_done(ed25519_batch_t *b)
{
	ed25519_batch_destroy(b);
	fe_many_force_scalar(0);
}

static void test_batch_crafted(void **state)
{
	ed25519_batch_t *b = batch_for_state(state);
	uint8_t torsion[8][32];
	small_order_points(torsion);
	enum { N = 40 };
	static sig_case_t cs[N];
	for (int mode = -1; mode <= 1; mode++) {
		ed25519_batch_force(b, mode);
		for (int round = 0; round < 6; round++) {
			for (int i = 0; i < N; i++)
				make_case(&cs[i], (i * 7 + round) % CASE_KINDS, torsion);
			run_batch(b, cs, N);
			/* every kind alone in a batch of valid ones */
			for (int kind = 0; kind < CASE_KINDS; kind++) {
				for (int i = 0; i < 9; i++)
					make_case(&cs[i], i == round % 9 ? kind : 1 + (i % 2), torsion);
				run_batch(b, cs, 9);
			}
		}
	}
	batch_done(b);
}

/* 0, 1, some and all invalid, in every position, sizes not powers of two. */
static void test_batch_positions(void **state)
{
	ed25519_batch_t *b = batch_for_state(state);
	uint8_t torsion[8][32];
	small_order_points(torsion);
	static sig_case_t good[70], bad[70], cs[70];
	for (int i = 0; i < 70; i++) {
		make_case(&good[i], i % 3 == 0 ? 2 : 0, torsion);
		make_case(&bad[i], i % 2 ? 5 : 7, torsion); /* fail at the equation */
	}
	const size_t sizes[] = { 1, 2, 3, 7, 13, 64, 70 };
	for (int mode = -1; mode <= 1; mode++) {
		ed25519_batch_force(b, mode);
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			size_t n = sizes[si];
			memcpy(cs, good, n * sizeof(cs[0]));
			run_batch(b, cs, n); /* none invalid */
			memcpy(cs, bad, n * sizeof(cs[0]));
			run_batch(b, cs, n); /* all invalid */
			for (size_t p = 0; p < n; p++) { /* one invalid, each position */
				memcpy(cs, good, n * sizeof(cs[0]));
				cs[p] = bad[p];
				run_batch(b, cs, n);
			}
			for (size_t r = 0; r < 8; r++) { /* some invalid */
				memcpy(cs, good, n * sizeof(cs[0]));
				for (size_t i = 0; i < n; i++)
					if (randombytes_uniform(4) == 0)
						cs[i] = bad[i];
				run_batch(b, cs, n);
			}
		}
	}
	/* n = 0 */
	uint8_t ok[1];
	assert_int_equal(ed25519_batch_verify(b, NULL, 0, ok), 0);
	batch_done(b);
}

/* Repeated keys go through the decoded-key cache: the same verdicts as
 * single verification, with hits; keys the rule refuses (small order,
 * non-canonical) are never served from it. */
static void test_batch_key_cache(void **state)
{
	(void)state;
	uint8_t torsion[8][32];
	small_order_points(torsion);
	enum { NK = 5 };
	uint8_t a[NK][32], A[NK][32];
	for (int k = 0; k < NK; k++) {
		crypto_core_ed25519_scalar_random(a[k]);
		assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(A[k], a[k]), 0);
	}
	assert_int_equal(crypto_core_ed25519_add(A[1], A[1], torsion[3]), 0); /* mixed order */
	memcpy(A[2], torsion[5], 32); /* small order: never valid */
	memset(a[2], 0, 32);
	ed25519_batch_t *b = ed25519_batch_create();
	assert_non_null(b);
	ed25519_batch_force(b, 0);
	static sig_case_t cs[48];
	for (int round = 0; round < 6; round++) {
		for (int i = 0; i < 48; i++) {
			int k = (i + round) % NK;
			uint8_t r[32], R[32];
			crypto_core_ed25519_scalar_random(r);
			assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(R, r), 0);
			sign_with(&cs[i], a[k], A[k], R, r);
			cs[i].valid = k != 2;
			if (i % 7 == 3) {
				cs[i].sig[40] ^= 2;
				cs[i].valid = 0;
			}
		}
		run_batch(b, cs, 48);
	}
	ed25519_batch_stats_t st;
	ed25519_batch_stats(b, &st);
	assert_true(st.key_hits >= 48); /* the 4 good keys hit from round 2 (unless two share a slot) */
	ed25519_batch_destroy(b);
}

/* The adaptive switch: a stream of mostly invalid batches moves to single
 * checks, a stream of valid ones back to batches. */
static void test_batch_adaptive(void **state)
{
	(void)state;
	uint8_t torsion[8][32];
	small_order_points(torsion);
	ed25519_batch_t *b = ed25519_batch_create();
	assert_non_null(b);
	static sig_case_t cs[32];
	ed25519_batch_stats_t st0, st1;
	for (int round = 0; round < 6; round++) {
		for (int i = 0; i < 32; i++)
			make_case(&cs[i], i % 2 ? 5 : 0, torsion);
		run_batch(b, cs, 32);
	}
	ed25519_batch_stats(b, &st0);
	assert_true(st0.invalid_rate_q16 > 65536 / 4);
	for (int i = 0; i < 32; i++)
		make_case(&cs[i], i % 2 ? 5 : 0, torsion);
	run_batch(b, cs, 32);
	ed25519_batch_stats(b, &st1);
	assert_int_equal(st1.singles - st0.singles, 32); /* switched to single */
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 32; i++)
			make_case(&cs[i], 0, torsion);
		run_batch(b, cs, 32);
	}
	ed25519_batch_stats(b, &st0);
	run_batch(b, cs, 32);
	ed25519_batch_stats(b, &st1);
	assert_int_equal(st1.singles, st0.singles); /* back to batches */
	assert_int_equal(st1.equations - st0.equations, 1);
	ed25519_batch_destroy(b);
}

static int ifma_default = 0, scalar_only = 1;

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fe),
		cmocka_unit_test(test_fe_many),
		cmocka_unit_test(test_ge_decode),
		cmocka_unit_test(test_ge_add),
		cmocka_unit_test(test_ge_small_order),
		cmocka_unit_test(test_ge_scalarmult),
		cmocka_unit_test(test_msm),
		cmocka_unit_test(test_sc),
		cmocka_unit_test(test_sc_split),
		cmocka_unit_test(test_wnaf),
		cmocka_unit_test_prestate(test_batch_crafted, &ifma_default),
		cmocka_unit_test_prestate(test_batch_crafted, &scalar_only),
		cmocka_unit_test_prestate(test_batch_positions, &ifma_default),
		cmocka_unit_test_prestate(test_batch_positions, &scalar_only),
		cmocka_unit_test(test_batch_key_cache),
		cmocka_unit_test(test_batch_adaptive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
