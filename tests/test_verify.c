/* sl_verify: every backend against the signature rule (ARCHITECTURE.md,
 * "Signature rule") on the Wycheproof, RFC 8032, SUPERCOP and CCTV vectors,
 * singly and in mixed batches; crafted edge cases; the transaction corpus;
 * and the libsodium behaviour that the sodium backend relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "sluice/sl_compiler.h"
#include "sl_test_sign.h"
#include "sl_test_text.h"
#include "sl_test_vectors.h"
#include "sl_txn.h"
#include "sl_verify.h"
#include "sl_verify_backend.h"

typedef struct vec {
	uint8_t sig[64];
	uint8_t pk[32];
	uint8_t *msg;
	size_t msg_sz;
	int rule; /* the rule's verdict */
	const char *set;
	int id;
} vec_t;

typedef struct vecs {
	vec_t *v;
	size_t n, cap;
} vecs_t;

static vec_t *vecs_add(vecs_t *vs)
{
	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? 2 * vs->cap : 256;
		vs->v = realloc(vs->v, vs->cap * sizeof(*vs->v));
		assert_non_null(vs->v);
	}
	vec_t *v = &vs->v[vs->n++];
	memset(v, 0, sizeof(*v));
	return v;
}

static void vecs_free(vecs_t *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		free(vs->v[i].msg);
	free(vs->v);
	memset(vs, 0, sizeof(*vs));
}

static void vec_set_msg(vec_t *v, const uint8_t *m, size_t n)
{
	v->msg = malloc(n ? n : 1);
	assert_non_null(v->msg);
	memcpy(v->msg, m, n);
	v->msg_sz = n;
}

static sl_verify_item_t vec_item(const vec_t *v)
{
	return (sl_verify_item_t){ .sig = v->sig, .pk = v->pk, .msg = v->msg, .msg_sz = v->msg_sz };
}

static int sodium_verdict(const vec_t *v)
{
	return crypto_sign_verify_detached(v->sig, v->msg, v->msg_sz, v->pk) == 0;
}

/* ---- loaders ------------------------------------------------------------ */

/* CCTV: the rule rejects exactly the vectors flagged low_order_A/R or
 * non_canonical_A/R (SOURCE.txt); the other flags (mixed order, a residue
 * that only the cofactored equation absorbs) do not matter to the rule. */
static int cctv_load(vecs_t *vs)
{
	char path[4096];
	if (sl_test_vector_path(path, sizeof(path), "cctv/ed25519vectors.json") == NULL)
		return 0;
	char *doc = sl_test_read_file(path, NULL);
	size_t len;
	const char *p = doc;
	while ((p = sl_json_key(p, "number")) != NULL) {
		vec_t *v = vecs_add(vs);
		v->set = "cctv";
		v->id = atoi(p);
		const char *s = sl_json_str(sl_json_key(p, "key"), &len);
		assert_int_equal(sl_test_unhex(s, len, v->pk), 32);
		s = sl_json_str(sl_json_key(s, "sig"), &len);
		assert_int_equal(sl_test_unhex(s, len, v->sig), 64);
		s = sl_json_str(sl_json_key(s, "msg"), &len);
		vec_set_msg(v, (const uint8_t *)s, len);
		p = sl_json_key(s, "flags");
		const char *end = (*p == '[') ? strchr(p, ']') : p;
		v->rule = 1;
		static const char *const fatal[] = { "\"low_order_A\"", "\"low_order_R\"",
						     "\"non_canonical_A\"", "\"non_canonical_R\"" };
		for (size_t i = 0; i < SL_ARRAY_LEN(fatal); i++) {
			const char *f = strstr(p, fatal[i]);
			if (f != NULL && f < end)
				v->rule = 0;
		}
	}
	free(doc);
	return 1;
}

/* Wycheproof: `result` is the verdict (the rule agrees on all of them). A
 * signature that is not 64 bytes cannot be put in a transaction, so it is not
 * an sl_verify input; those must all be expected invalid. */
static int wycheproof_load(vecs_t *vs, int *wrong_length)
{
	char path[4096];
	if (sl_test_vector_path(path, sizeof(path), "wycheproof/ed25519_test.json") == NULL)
		return 0;
	char *doc = sl_test_read_file(path, NULL);
	uint8_t pk[32];
	size_t len;
	const char *p = doc;
	*wrong_length = 0;
	for (;;) {
		const char *k = sl_json_key(p, "pk"), *t = sl_json_key(p, "tcId");
		if (t == NULL)
			break;
		if (k != NULL && k < t) {
			const char *s = sl_json_str(k, &len);
			assert_int_equal(sl_test_unhex(s, len, pk), 32);
			p = s;
			continue;
		}
		int id = atoi(t);
		const char *m = sl_json_str(sl_json_key(t, "msg"), &len);
		uint8_t *msg = malloc(len / 2 + 1);
		assert_non_null(msg);
		size_t msg_sz = sl_test_unhex(m, len, msg);
		size_t sig_len;
		const char *sg = sl_json_str(sl_json_key(m, "sig"), &sig_len);
		const char *r = sl_json_str(sl_json_key(sg, "result"), &len);
		int valid = len == 5 && strncmp(r, "valid", len) == 0;
		if (sig_len != 128) {
			assert_false(valid);
			(*wrong_length)++;
		} else {
			vec_t *v = vecs_add(vs);
			v->set = "wycheproof";
			v->id = id;
			memcpy(v->pk, pk, 32);
			sl_test_unhex(sg, 128, v->sig);
			vec_set_msg(v, msg, msg_sz);
			v->rule = valid;
		}
		free(msg);
		p = r;
	}
	free(doc);
	return 1;
}

/* sign.input lines: seed||pk : pk : msg : sig||msg, all valid. */
static int sign_input_load(vecs_t *vs, const char *rel, const char *set)
{
	char path[4096];
	if (sl_test_vector_path(path, sizeof(path), rel) == NULL)
		return 0;
	char *doc = sl_test_read_file(path, NULL);
	int line = 0;
	for (char *p = doc; *p != '\0';) {
		/* the last field may or may not end with ':' */
		char *eol = p + strcspn(p, "\n");
		char *next = *eol ? eol + 1 : eol;
		*eol = '\0';
		char *f[4];
		for (int i = 0; i < 4; i++) {
			f[i] = p;
			p += strcspn(p, ":");
			assert_true(i == 3 || *p == ':');
			if (*p != '\0')
				*p++ = '\0';
		}
		p = next;
		vec_t *v = vecs_add(vs);
		v->set = set;
		v->id = ++line;
		v->rule = 1;
		assert_int_equal(sl_test_unhex(f[1], strlen(f[1]), v->pk), 32);
		size_t mlen = strlen(f[2]);
		uint8_t *m = malloc(mlen / 2 + 1);
		assert_non_null(m);
		sl_test_unhex(f[2], mlen, m);
		vec_set_msg(v, m, mlen / 2);
		free(m);
		sl_test_unhex(f[3], 128, v->sig);
	}
	free(doc);
	return 1;
}

/* ---- where the rule's verdict differs from the source or from libsodium -- */

/* Clause that decides a difference. */
#define COFACTORED "4: [8]([S]B-R-[k]A)=0 holds, [S]B=R+[k]A does not (low_order_residue)"

/* Every vector (set, id) whose rule verdict differs from its source's
 * expectation or from libsodium 1.0.18's crypto_sign_verify_detached.
 * Wycheproof, RFC 8032 and SUPERCOP: none (the rule, libsodium and the
 * sources agree on all of them). CCTV has no expectation of its own; the rule
 * accepts 106 vectors, libsodium 43, and these 63 are accepted by the rule
 * only: A and/or R carry a torsion component (neither is small order) and
 * the residue cancels only after multiplying by 8. */
static const struct verdict_diff {
	const char *set;
	int id;
	int rule, sodium;
	const char *clause;
} verdict_diffs[] = {
#define CCTV_COFACTORED_ONLY(n) { "cctv", n, 1, 0, COFACTORED }
	CCTV_COFACTORED_ONLY(6),   CCTV_COFACTORED_ONLY(28),  CCTV_COFACTORED_ONLY(51),
	CCTV_COFACTORED_ONLY(85),  CCTV_COFACTORED_ONLY(92),  CCTV_COFACTORED_ONLY(99),
	CCTV_COFACTORED_ONLY(106), CCTV_COFACTORED_ONLY(116), CCTV_COFACTORED_ONLY(138),
	CCTV_COFACTORED_ONLY(160), CCTV_COFACTORED_ONLY(183), CCTV_COFACTORED_ONLY(217),
	CCTV_COFACTORED_ONLY(224), CCTV_COFACTORED_ONLY(231), CCTV_COFACTORED_ONLY(238),
	CCTV_COFACTORED_ONLY(248), CCTV_COFACTORED_ONLY(267), CCTV_COFACTORED_ONLY(286),
	CCTV_COFACTORED_ONLY(336), CCTV_COFACTORED_ONLY(349), CCTV_COFACTORED_ONLY(362),
	CCTV_COFACTORED_ONLY(375), CCTV_COFACTORED_ONLY(388), CCTV_COFACTORED_ONLY(410),
	CCTV_COFACTORED_ONLY(424), CCTV_COFACTORED_ONLY(439), CCTV_COFACTORED_ONLY(464),
	CCTV_COFACTORED_ONLY(472), CCTV_COFACTORED_ONLY(480), CCTV_COFACTORED_ONLY(488),
	CCTV_COFACTORED_ONLY(496), CCTV_COFACTORED_ONLY(510), CCTV_COFACTORED_ONLY(524),
	CCTV_COFACTORED_ONLY(539), CCTV_COFACTORED_ONLY(564), CCTV_COFACTORED_ONLY(572),
	CCTV_COFACTORED_ONLY(580), CCTV_COFACTORED_ONLY(588), CCTV_COFACTORED_ONLY(596),
	CCTV_COFACTORED_ONLY(610), CCTV_COFACTORED_ONLY(624), CCTV_COFACTORED_ONLY(639),
	CCTV_COFACTORED_ONLY(664), CCTV_COFACTORED_ONLY(672), CCTV_COFACTORED_ONLY(680),
	CCTV_COFACTORED_ONLY(688), CCTV_COFACTORED_ONLY(696), CCTV_COFACTORED_ONLY(710),
	CCTV_COFACTORED_ONLY(724), CCTV_COFACTORED_ONLY(739), CCTV_COFACTORED_ONLY(764),
	CCTV_COFACTORED_ONLY(772), CCTV_COFACTORED_ONLY(780), CCTV_COFACTORED_ONLY(788),
	CCTV_COFACTORED_ONLY(796), CCTV_COFACTORED_ONLY(807), CCTV_COFACTORED_ONLY(818),
	CCTV_COFACTORED_ONLY(833), CCTV_COFACTORED_ONLY(867), CCTV_COFACTORED_ONLY(874),
	CCTV_COFACTORED_ONLY(881), CCTV_COFACTORED_ONLY(888), CCTV_COFACTORED_ONLY(898),
#undef CCTV_COFACTORED_ONLY
};

static const struct verdict_diff *verdict_diff_of(const vec_t *v)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(verdict_diffs); i++)
		if (strcmp(verdict_diffs[i].set, v->set) == 0 && verdict_diffs[i].id == v->id)
			return &verdict_diffs[i];
	return NULL;
}

/* Each vector through sl_verify_one for every backend; libsodium's verdict
 * must equal the rule's except where the table says otherwise. */
static void check_singly(const vecs_t *vs)
{
	size_t diffs = 0;
	for (size_t i = 0; i < vs->n; i++) {
		const vec_t *v = &vs->v[i];
		sl_verify_item_t it = vec_item(v);
		for (int b = 0; b < SL_VERIFY__COUNT; b++) {
			int got = sl_verify_one((sl_verify_backend_t)b, &it);
			if (got != v->rule)
				fail_msg("%s #%d: backend %s says %d, the rule %d", v->set, v->id,
					 sl_verify_backend_name((sl_verify_backend_t)b), got, v->rule);
		}
		const struct verdict_diff *d = verdict_diff_of(v);
		int sod = sodium_verdict(v);
		if (d == NULL) {
			if (sod != v->rule)
				fail_msg("%s #%d: libsodium %d, rule %d, not in verdict_diffs", v->set,
					 v->id, sod, v->rule);
		} else {
			diffs++;
			if (sod != d->sodium || v->rule != d->rule)
				fail_msg("%s #%d: libsodium %d rule %d, table says %d/%d (%s)", v->set,
					 v->id, sod, v->rule, d->sodium, d->rule, d->clause);
		}
	}
	size_t expected = 0;
	for (size_t i = 0; i < SL_ARRAY_LEN(verdict_diffs); i++)
		for (size_t j = 0; j < vs->n; j++)
			expected += strcmp(verdict_diffs[i].set, vs->v[j].set) == 0 &&
				    verdict_diffs[i].id == vs->v[j].id;
	assert_int_equal(diffs, expected);
}

static size_t count_rule_valid(const vecs_t *vs)
{
	size_t n = 0;
	for (size_t i = 0; i < vs->n; i++)
		n += (size_t)vs->v[i].rule;
	return n;
}

static void test_cctv(void **state)
{
	(void)state;
	vecs_t vs = { 0 };
	if (!cctv_load(&vs))
		return;
	assert_int_equal(vs.n, 914);
	assert_int_equal(count_rule_valid(&vs), 106);
	size_t sod = 0;
	for (size_t i = 0; i < vs.n; i++)
		sod += (size_t)sodium_verdict(&vs.v[i]);
	assert_int_equal(sod, 43);
	check_singly(&vs);
	vecs_free(&vs);
}

static void test_wycheproof(void **state)
{
	(void)state;
	vecs_t vs = { 0 };
	int wrong_length;
	if (!wycheproof_load(&vs, &wrong_length))
		return;
	assert_int_equal(vs.n + (size_t)wrong_length, 151);
	assert_int_equal(count_rule_valid(&vs), 88);
	check_singly(&vs);
	vecs_free(&vs);
}

/* Valid vectors, and three invalid variants of each: a bit of the message,
 * of R and of S flipped (S keeps S < L, so clause 4 decides). */
/* One item through sl_verify_one of every backend; they must agree. */
static int every_backend_one(const sl_verify_item_t *it)
{
	int v = sl_verify_one(SL_VERIFY_SODIUM, it);
	for (int b = 0; b < SL_VERIFY__COUNT; b++)
		if (sl_verify_one((sl_verify_backend_t)b, it) != v)
			fail_msg("backend %s disagrees with sodium",
				 sl_verify_backend_name((sl_verify_backend_t)b));
	return v;
}

static void check_valid_set_and_variants(vecs_t *vs)
{
	assert_int_equal(count_rule_valid(vs), vs->n);
	check_singly(vs);
	for (size_t i = 0; i < vs->n; i++) {
		vec_t v = vs->v[i];
		sl_verify_item_t it = vec_item(&v);
		uint8_t msg[2048];
		assert_true(v.msg_sz <= sizeof(msg));
		memcpy(msg, v.msg, v.msg_sz);
		it.msg = msg;
		if (v.msg_sz > 0) {
			msg[i % v.msg_sz] ^= 1;
			assert_int_equal(every_backend_one(&it), 0);
			msg[i % v.msg_sz] ^= 1;
		}
		v.sig[i % 32] ^= 4; /* R */
		assert_int_equal(every_backend_one(&it), 0);
		v.sig[i % 32] ^= 4;
		v.sig[32 + i % 31] ^= 1; /* S, below the top byte */
		assert_int_equal(every_backend_one(&it), 0);
	}
}

static void test_rfc8032(void **state)
{
	(void)state;
	vecs_t vs = { 0 };
	if (!sign_input_load(&vs, "rfc8032/rfc8032_ed25519.sign.input", "rfc8032"))
		return;
	assert_int_equal(vs.n, 5);
	check_valid_set_and_variants(&vs);
	vecs_free(&vs);
}

static void test_supercop(void **state)
{
	(void)state;
	vecs_t vs = { 0 };
	if (!sign_input_load(&vs, "supercop/sign.input", "supercop"))
		return;
	assert_int_equal(vs.n, 1024);
	check_valid_set_and_variants(&vs);
	vecs_free(&vs);
}

/* ---- batches ------------------------------------------------------------ */

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Every vector set in one pool, shuffled, cut into batches of varying sizes
 * (1 to SL_VERIFY_BATCH_MAX): each verdict must be the rule's. */
static void test_batch_mixed_sets(void **state)
{
	(void)state;
	vecs_t vs = { 0 };
	int wrong_length;
	if (!cctv_load(&vs) || !wycheproof_load(&vs, &wrong_length) ||
	    !sign_input_load(&vs, "rfc8032/rfc8032_ed25519.sign.input", "rfc8032") ||
	    !sign_input_load(&vs, "supercop/sign.input", "supercop")) {
		vecs_free(&vs);
		return;
	}
	uint64_t seed = 0x5eed5eed5eedull;
	for (size_t i = vs.n - 1; i > 0; i--) {
		size_t j = xorshift(&seed) % (i + 1);
		vec_t t = vs.v[i];
		vs.v[i] = vs.v[j];
		vs.v[j] = t;
	}
	for (int b = 0; b < SL_VERIFY__COUNT; b++) {
		sl_verifier_t *v = sl_verifier_create((sl_verify_backend_t)b);
		assert_non_null(v);
		sl_verify_item_t items[SL_VERIFY_BATCH_MAX];
		uint8_t ok[SL_VERIFY_BATCH_MAX];
		size_t sizes[] = { 1, 2, 3, 7, 31, 64, 100, SL_VERIFY_BATCH_MAX };
		for (size_t off = 0, j = 0; off < vs.n; j++) {
			size_t n = sizes[j % SL_ARRAY_LEN(sizes)];
			if (n > vs.n - off)
				n = vs.n - off;
			size_t want = 0;
			for (size_t i = 0; i < n; i++) {
				items[i] = vec_item(&vs.v[off + i]);
				want += (size_t)vs.v[off + i].rule;
			}
			assert_int_equal(sl_verify_batch(v, items, n, ok), want);
			for (size_t i = 0; i < n; i++)
				if (ok[i] != vs.v[off + i].rule)
					fail_msg("%s #%d in a batch of %zu: %d, rule %d", vs.v[off + i].set,
						 vs.v[off + i].id, n, ok[i], vs.v[off + i].rule);
			off += n;
		}
		sl_verifier_destroy(v);
	}
	vecs_free(&vs);
}

/* n valid SUPERCOP signatures with the ones marked in bad[] broken (a bit of
 * S flipped); the batch must flag exactly those. */
static void check_batch_marks(sl_verifier_t *v, const vecs_t *vs, size_t n, const uint8_t *bad)
{
	enum { POOL = 96 }; /* distinct signatures enough; keeps the test short */
	static uint8_t sigs[SL_VERIFY_BATCH_MAX][64];
	sl_verify_item_t items[SL_VERIFY_BATCH_MAX];
	uint8_t ok[SL_VERIFY_BATCH_MAX];
	size_t want = 0;
	for (size_t i = 0; i < n; i++) {
		const vec_t *src = &vs->v[i % POOL];
		memcpy(sigs[i], src->sig, 64);
		if (bad[i])
			sigs[i][40] ^= 0x10;
		else
			want++;
		items[i] = vec_item(src);
		items[i].sig = sigs[i];
		ok[i] = 0xaa;
	}
	assert_int_equal(sl_verify_batch(v, items, n, ok), want);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ok[i], !bad[i]);
}

static void test_batch_positions(void **state)
{
	(void)state;
	vecs_t vs = { 0 };
	if (!sign_input_load(&vs, "supercop/sign.input", "supercop"))
		return;
	uint8_t bad[SL_VERIFY_BATCH_MAX];
	for (int b = 0; b < SL_VERIFY__COUNT; b++) {
		sl_verifier_t *v = sl_verifier_create((sl_verify_backend_t)b);
		assert_non_null(v);
		assert_int_equal(sl_verify_batch(v, NULL, 0, NULL), 0);
		const size_t n = 64;
		memset(bad, 0, sizeof(bad));
		check_batch_marks(v, &vs, n, bad); /* none invalid */
		for (size_t i = 0; i < n; i++) { /* each single position */
			bad[i] = 1;
			check_batch_marks(v, &vs, n, bad);
			bad[i] = 0;
		}
		memset(bad, 1, sizeof(bad));
		check_batch_marks(v, &vs, n, bad); /* all invalid */
		check_batch_marks(v, &vs, 1, bad);
		uint64_t seed = 42;
		for (int round = 0; round < 4; round++) { /* some: random halves */
			for (size_t i = 0; i < SL_VERIFY_BATCH_MAX; i++)
				bad[i] = xorshift(&seed) & 1;
			check_batch_marks(v, &vs, n, bad);
			check_batch_marks(v, &vs, SL_VERIFY_BATCH_MAX, bad);
		}
		memset(bad, 0, sizeof(bad));
		check_batch_marks(v, &vs, 1, bad);
		check_batch_marks(v, &vs, SL_VERIFY_BATCH_MAX, bad);
		sl_verifier_destroy(v);
	}
	vecs_free(&vs);
}

/* ---- crafted cases ------------------------------------------------------ */

/* A point of order exactly 8 (x > 0); its multiples are the 8 small-order
 * points. */
static const uint8_t torsion8[32] = {
	0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
	0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
};
static const uint8_t identity[32] = { 1 };

static void times8(uint8_t out[32], const uint8_t p[32])
{
	assert_int_equal(crypto_core_ed25519_add(out, p, p), 0);
	assert_int_equal(crypto_core_ed25519_add(out, out, out), 0);
	assert_int_equal(crypto_core_ed25519_add(out, out, out), 0);
}

/* The eight small-order points, derived as j*torsion8 (canonical encodings). */
static void small_order_points(uint8_t pts[8][32])
{
	memcpy(pts[0], identity, 32);
	for (int j = 1; j < 8; j++)
		assert_int_equal(crypto_core_ed25519_add(pts[j], pts[j - 1], torsion8), 0);
	for (int j = 0; j < 8; j++) {
		uint8_t e[32];
		times8(e, pts[j]);
		assert_memory_equal(e, identity, 32);
		for (int i = 0; i < j; i++)
			assert_memory_not_equal(pts[i], pts[j], 32);
	}
	assert_memory_not_equal(pts[4], identity, 32); /* so torsion8 has order 8 */
}

/* Scalars from a counter, so that every run signs the same bytes and a
 * failure reproduces. */
static void test_scalar(uint8_t s[32])
{
	static uint64_t counter;
	uint8_t in[8], h[64];
	counter++;
	memcpy(in, &counter, sizeof(in));
	crypto_hash_sha512(h, in, sizeof(in));
	crypto_core_ed25519_scalar_reduce(s, h);
}

typedef struct key {
	uint8_t a[32]; /* secret scalar */
	uint8_t pk[32];
} test_key_t;

static void key_new(test_key_t *k)
{
	test_scalar(k->a);
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(k->pk, k->a), 0);
}

static int rule_one(const uint8_t sig[64], const uint8_t pk[32], const uint8_t *m, size_t n)
{
	sl_verify_item_t it = { .sig = sig, .pk = pk, .msg = m, .msg_sz = n };
	int v = sl_verify_one(SL_VERIFY_SODIUM, &it);
	for (int b = 0; b < SL_VERIFY__COUNT; b++) { /* every backend, singly and batched */
		sl_verifier_t *ver = sl_verifier_create((sl_verify_backend_t)b);
		uint8_t ok = 0xaa;
		assert_int_equal(sl_verify_one((sl_verify_backend_t)b, &it), v);
		assert_int_equal(sl_verify_batch(ver, &it, 1, &ok), (size_t)v);
		assert_int_equal(ok, v);
		sl_verifier_destroy(ver);
	}
	return v;
}

static int sodium_one(const uint8_t sig[64], const uint8_t pk[32], const uint8_t *m, size_t n)
{
	return crypto_sign_verify_detached(sig, m, n, pk) == 0;
}

/* A = [a]B + T (mixed order). With S = r + k*a the cofactored equation always
 * holds; the cofactorless one holds iff [k]T = 0, i.e. 8 | k. libsodium
 * accepts the latter and rejects the former; the rule accepts both. */
static void test_crafted_mixed_order_a(void **state)
{
	(void)state;
	test_key_t key;
	key_new(&key);
	uint8_t a_mixed[32], r[32], r_enc[32], sig[64], k[32];
	assert_int_equal(crypto_core_ed25519_add(a_mixed, key.pk, torsion8), 0);
	/* libsodium's scalar multiplication refuses such a point outright */
	assert_int_not_equal(crypto_scalarmult_ed25519_noclamp(r_enc, key.a, a_mixed), 0);
	int seen_residue = 0, seen_clean = 0;
	for (uint8_t m = 0; m < 200 && !(seen_residue && seen_clean); m++) {
		test_scalar(r);
		assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(r_enc, r), 0);
		sl_test_sign_raw(sig, r, r_enc, key.a, a_mixed, &m, 1, k);
		assert_int_equal(rule_one(sig, a_mixed, &m, 1), 1);
		if (k[0] & 7) {
			assert_int_equal(sodium_one(sig, a_mixed, &m, 1), 0);
			seen_residue = 1;
		} else {
			assert_int_equal(sodium_one(sig, a_mixed, &m, 1), 1);
			seen_clean = 1;
		}
		sig[32] ^= 1; /* and a wrong S is still refused */
		assert_int_equal(rule_one(sig, a_mixed, &m, 1), 0);
	}
	assert_true(seen_residue && seen_clean);
}

/* R = [r]B + T: libsodium re-encodes [S]B - [k]A = [r]B, which is not R's
 * bytes; the cofactored equation holds. */
static void test_crafted_mixed_order_r(void **state)
{
	(void)state;
	test_key_t key;
	key_new(&key);
	uint8_t r[32], rb[32], r_enc[32], sig[64];
	const uint8_t m[] = "mixed-order R";
	test_scalar(r);
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(rb, r), 0);
	assert_int_equal(crypto_core_ed25519_add(r_enc, rb, torsion8), 0);
	sl_test_sign_raw(sig, r, r_enc, key.a, key.pk, m, sizeof(m), NULL);
	assert_int_equal(sodium_one(sig, key.pk, m, sizeof(m)), 0);
	assert_int_equal(rule_one(sig, key.pk, m, sizeof(m)), 1);
}

/* Every torsion pair: A = [a]B + [i]T, R = [r]B + [j]T with S = r + k*a.
 * The cofactored equation holds for all 64 pairs (the rule accepts); the
 * cofactorless one, [S]B = R + [k]A, holds iff [j + k*i]T = 0, i.e.
 * j + k*i = 0 mod 8, and that is exactly when libsodium accepts. A wrong S is
 * refused for every pair. */
static void test_crafted_torsion_grid(void **state)
{
	(void)state;
	uint8_t pts[8][32];
	small_order_points(pts);
	test_key_t key;
	key_new(&key);
	const uint8_t m[] = "torsion grid";
	int sodium_accepts = 0;
	for (int i = 0; i < 8; i++) {
		for (int j = 0; j < 8; j++) {
			uint8_t a_enc[32], r[32], rb[32], r_enc[32], sig[64], k[32];
			assert_int_equal(crypto_core_ed25519_add(a_enc, key.pk, pts[i]), 0);
			test_scalar(r);
			assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(rb, r), 0);
			assert_int_equal(crypto_core_ed25519_add(r_enc, rb, pts[j]), 0);
			sl_test_sign_raw(sig, r, r_enc, key.a, a_enc, m, sizeof(m), k);
			int cofactorless = (j + (k[0] & 7) * i) % 8 == 0;
			assert_int_equal(rule_one(sig, a_enc, m, sizeof(m)), 1);
			assert_int_equal(sodium_one(sig, a_enc, m, sizeof(m)), cofactorless);
			sodium_accepts += cofactorless;
			sig[33] ^= 0x04;
			assert_int_equal(rule_one(sig, a_enc, m, sizeof(m)), 0);
		}
	}
	assert_true(sodium_accepts >= 1 && sodium_accepts < 64); /* i = j = 0 at least */
}

/* R or A of small order, with S chosen so that the cofactored equation
 * holds: clause 3 alone rejects. Also the x = 0 points with the sign bit set
 * (clause 2), which decode to the same small-order points. */
static void test_crafted_small_order(void **state)
{
	(void)state;
	uint8_t pts[8][32], sig[64], zero[32] = { 0 }, r[32], r_enc[32];
	small_order_points(pts);
	test_key_t key;
	key_new(&key);
	const uint8_t m[] = "small order";
	for (int j = 0; j < 8; j++) {
		for (int sign = 0; sign < 2; sign++) {
			uint8_t t[32];
			memcpy(t, pts[j], 32);
			t[31] ^= (uint8_t)(sign << 7);
			/* R = T, S = k*a: [8]([S]B - T - [k]A) = -[8]T = 0 */
			sl_test_sign_raw(sig, zero, t, key.a, key.pk, m, sizeof(m), NULL);
			assert_int_equal(rule_one(sig, key.pk, m, sizeof(m)), 0);
			/* A = T, S = r: [8]([r]B - [r]B - [k]T) = 0 */
			test_scalar(r);
			assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(r_enc, r), 0);
			sl_test_sign_raw(sig, r, r_enc, zero, t, m, sizeof(m), NULL);
			assert_int_equal(rule_one(sig, t, m, sizeof(m)), 0);
		}
	}
}

/* S + L: the same point [S]B, refused by clause 1 (libsodium too). */
static void test_crafted_s_not_canonical(void **state)
{
	(void)state;
	static const uint8_t l[32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
		0xa2, 0xde, 0xf9, 0xde, 0x14, [31] = 0x10,
	};
	test_key_t key;
	key_new(&key);
	uint8_t r[32], r_enc[32], sig[64];
	const uint8_t m[] = "S >= L";
	test_scalar(r);
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(r_enc, r), 0);
	sl_test_sign_raw(sig, r, r_enc, key.a, key.pk, m, sizeof(m), NULL);
	assert_int_equal(rule_one(sig, key.pk, m, sizeof(m)), 1);
	unsigned carry = 0;
	for (int i = 0; i < 32; i++) {
		unsigned s = sig[32 + i] + l[i] + carry;
		sig[32 + i] = (uint8_t)s;
		carry = s >> 8;
	}
	assert_int_equal(carry, 0);
	assert_int_equal(sodium_one(sig, key.pk, m, sizeof(m)), 0);
	assert_int_equal(rule_one(sig, key.pk, m, sizeof(m)), 0);
	memcpy(sig + 32, l, 32); /* S = L exactly */
	assert_int_equal(rule_one(sig, key.pk, m, sizeof(m)), 0);
	memset(sig + 32, 0, 32); /* S = 0: [8]R + [k][8]A is not the identity */
	assert_int_equal(rule_one(sig, key.pk, m, sizeof(m)), 0);
}

/* y + p for the small y whose point exists and is not of small order: it
 * decompresses (libsodium's core functions reduce y mod p), so clause 2 is
 * what refuses it, as A and as R. The equation cannot be made to hold for
 * such a point (its discrete log is unknown), so S is a random scalar. */
static void test_crafted_y_not_canonical(void **state)
{
	(void)state;
	test_key_t key;
	key_new(&key);
	const uint8_t m[] = "non-canonical y";
	int tried = 0;
	for (int y = 2; y <= 18; y++) {
		uint8_t enc[32], e8[32], sig[64];
		memset(enc, 0xff, 32);
		enc[31] = 0x7f;
		enc[0] = (uint8_t)(0xed + y);
		if (crypto_core_ed25519_add(e8, enc, enc) != 0)
			continue; /* no point with this y */
		times8(e8, enc);
		assert_memory_not_equal(e8, identity, 32);
		tried++;
		for (int sign = 0; sign < 2; sign++) {
			enc[31] = (uint8_t)(0x7f | sign << 7);
			test_scalar(sig + 32);
			memcpy(sig, key.pk, 32);
			assert_int_equal(rule_one(sig, enc, m, sizeof(m)), 0);
			memcpy(sig, enc, 32);
			assert_int_equal(rule_one(sig, key.pk, m, sizeof(m)), 0);
		}
	}
	assert_true(tried >= 5);
}

/* What the sodium backend's slow path takes from libsodium 1.0.18. */
static void test_libsodium_behaviour(void **state)
{
	(void)state;
	uint8_t s[32], s8[32], p[32], q[32], zero[32] = { 0 }, eight[32] = { 8 };
	/* [8S mod L]B == [8]([S]B) */
	test_scalar(s);
	crypto_core_ed25519_scalar_mul(s8, s, eight);
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(p, s8), 0);
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(q, s), 0);
	times8(q, q);
	assert_memory_equal(p, q, 32);
	/* zero scalars are refused, base and variable */
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(q, zero), -1);
	assert_int_equal(crypto_scalarmult_ed25519_noclamp(q, zero, p), -1);
	/* points outside the prime-order subgroup are refused */
	assert_int_equal(crypto_core_ed25519_add(q, p, torsion8), 0);
	assert_int_equal(crypto_scalarmult_ed25519_noclamp(q, s, q), -1);
	assert_int_equal(crypto_scalarmult_ed25519_noclamp(q, s, torsion8), -1);
	/* add/sub take any point: small order, identity; P - P is the identity */
	assert_int_equal(crypto_core_ed25519_add(q, identity, torsion8), 0);
	assert_memory_equal(q, torsion8, 32);
	assert_int_equal(crypto_core_ed25519_sub(q, p, p), 0);
	assert_memory_equal(q, identity, 32);
	/* and refuse what does not decompress (y = 2 has no x) */
	uint8_t y2[32] = { 2 };
	assert_int_equal(crypto_core_ed25519_add(q, y2, y2), -1);
}

/* Clauses 1 and 2 at their boundaries. They cannot be shown deciding through
 * the API for a point that is not of small order: a signature that holds for
 * a non-canonical encoding would need the discrete log of a point with
 * y < 19. So the predicates themselves are tested. */
static void test_encoding_clauses(void **state)
{
	(void)state;
	uint8_t s[32];
	memcpy(s, sl_ed25519_l, 32);
	assert_false(sl_ed25519_scalar_is_canonical(s)); /* L */
	s[0]--;
	assert_true(sl_ed25519_scalar_is_canonical(s)); /* L - 1 */
	s[0] += 2;
	assert_false(sl_ed25519_scalar_is_canonical(s)); /* L + 1 */
	s[0] = 0;
	s[15] = 0x15;
	assert_false(sl_ed25519_scalar_is_canonical(s)); /* above L in a middle byte */
	s[15] = 0x13;
	s[0] = 0xff;
	assert_true(sl_ed25519_scalar_is_canonical(s));
	memset(s, 0, 32);
	assert_true(sl_ed25519_scalar_is_canonical(s)); /* 0 */
	s[31] = 0x0f;
	memset(s, 0xff, 31);
	assert_true(sl_ed25519_scalar_is_canonical(s)); /* 2^252 - 1 */
	memset(s, 0xff, 32);
	assert_false(sl_ed25519_scalar_is_canonical(s)); /* 2^256 - 1 */

	uint8_t y[32];
	for (int sign = 0; sign < 2; sign++) {
		memset(y, 0xff, 32);
		y[31] = (uint8_t)(0x7f | sign << 7);
		for (int low = 0; low < 256; low++) { /* p - 237 .. p + 18 */
			y[0] = (uint8_t)low;
			assert_int_equal(sl_ed25519_y_is_canonical(y), low < 0xed);
		}
		y[0] = 0xff;
		y[17] = 0xfe; /* below p in a middle byte */
		assert_true(sl_ed25519_y_is_canonical(y));
		memset(y, 0, 32);
		y[31] = (uint8_t)(0x7e | sign << 7);
		assert_true(sl_ed25519_y_is_canonical(y));
	}
}

/* ---- API edges ---------------------------------------------------------- */

static void test_api(void **state)
{
	(void)state;
	assert_null(sl_verifier_create(SL_VERIFY__COUNT));
	assert_string_equal(sl_verify_backend_name(SL_VERIFY_SODIUM), "sodium");
	assert_string_equal(sl_verify_backend_name(SL_VERIFY_SLUICE), "sluice");
	assert_string_equal(sl_verify_backend_name(SL_VERIFY__COUNT), "unknown");
	test_key_t key;
	key_new(&key);
	uint8_t r[32], r_enc[32], sig[64];
	test_scalar(r);
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(r_enc, r), 0);
	sl_test_sign_raw(sig, r, r_enc, key.a, key.pk, NULL, 0, NULL);
	sl_verify_item_t it = { .sig = sig, .pk = key.pk, .msg = NULL, .msg_sz = 0 };
	assert_int_equal(sl_verify_one(SL_VERIFY_SODIUM, &it), 1);
	assert_int_equal(sl_verify_one(SL_VERIFY__COUNT, &it), 0);
	sl_verifier_destroy(NULL);
}

/* Signatures checked singly: a batch too small for an equation, and every
 * signature once invalid ones make equations a loss; none for a batch of
 * valid ones; none ever for libsodium, which has no batch equation. */
static void test_singles(void **state)
{
	(void)state;
	enum { N = 64 };
	static uint8_t sigs[N][64], msgs[N][8];
	static test_key_t keys[N];
	sl_verify_item_t it[N];
	for (int i = 0; i < N; i++) {
		key_new(&keys[i]);
		uint8_t r[32], r_enc[32];
		test_scalar(r);
		assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(r_enc, r), 0);
		memset(msgs[i], i, sizeof(msgs[i]));
		sl_test_sign_raw(sigs[i], r, r_enc, keys[i].a, keys[i].pk, msgs[i], sizeof(msgs[i]), NULL);
		it[i] = (sl_verify_item_t){ .sig = sigs[i], .pk = keys[i].pk, .msg = msgs[i], .msg_sz = 8 };
	}
	uint8_t ok[N];
	sl_verifier_t *v = sl_verifier_create(SL_VERIFY_SLUICE);
	assert_int_equal(sl_verifier_singles(v), 0);
	assert_int_equal(sl_verify_batch(v, it, 2, ok), 2);
	assert_int_equal(sl_verifier_singles(v), 2);
	assert_int_equal(sl_verify_batch(v, it, N, ok), N);
	assert_int_equal(sl_verifier_singles(v), 2);
	for (int i = 0; i < N; i++)
		msgs[i][0] ^= 1; /* every signature invalid now */
	uint64_t before = 0;
	for (int round = 0; round < 20; round++) {
		before = sl_verifier_singles(v);
		assert_int_equal(sl_verify_batch(v, it, N, ok), 0);
	}
	assert_int_equal(sl_verifier_singles(v) - before, N); /* the last batch: one by one */
	sl_verifier_destroy(v);
	v = sl_verifier_create(SL_VERIFY_SODIUM);
	assert_int_equal(sl_verify_batch(v, it, 2, ok), 0);
	assert_int_equal(sl_verifier_singles(v), 0);
	sl_verifier_destroy(v);
}

/* ---- transactions ------------------------------------------------------- */

/* Parses, then checks sl_verify_txn against `valid`, and that flipping one
 * bit of the message makes it invalid. A transaction expected invalid may
 * also be refused by the parser (transaction5.bin's 26 lookup tables load no
 * address, which a validator's sanitizer refuses; Firedancer's parser, whose
 * fixture it is, let it through), and then there is nothing to verify. */
static void check_txn(sl_verifier_t *v, const uint8_t *tx, size_t len, int valid, const char *what)
{
	sl_txn_t t;
	sl_txn_err_t err = sl_txn_parse(tx, len, &t);
	if (err != SL_TXN_OK && !valid) {
		fprintf(stderr, "note: %s (expected invalid) refused by the parser: %s\n", what,
			sl_txn_err_name(err));
		return;
	}
	if (err != SL_TXN_OK)
		fail_msg("%s: parse error %s", what, sl_txn_err_name(err));
	if (sl_verify_txn(v, tx, &t) != valid)
		fail_msg("%s: sl_verify_txn != %d", what, valid);
	uint8_t copy[2048];
	assert_true(len <= sizeof(copy));
	memcpy(copy, tx, len);
	copy[len - 1] ^= 0x01;
	assert_int_equal(sl_verify_txn(v, copy, &t), 0);
}

static void test_txn_web3js(void **state)
{
	(void)state;
	char path[4096];
	if (sl_test_vector_path(path, sizeof(path), "solana-web3js/txs.bin") == NULL)
		return;
	size_t sz, n = 0;
	uint8_t *buf = (uint8_t *)sl_test_read_file(path, &sz);
	for (int b = 0; b < SL_VERIFY__COUNT; b++) {
	sl_verifier_t *v = sl_verifier_create((sl_verify_backend_t)b);
	for (size_t off = 0, n = 0; off < sz; n++) {
		assert_true(off + 2 <= sz);
		size_t len = (size_t)buf[off] | (size_t)buf[off + 1] << 8;
		off += 2;
		assert_true(len > 0 && off + len <= sz);
		char what[64];
		snprintf(what, sizeof(what), "txs.bin record %zu", n);
		check_txn(v, buf + off, len, 1, what);
		off += len;
	}
	sl_verifier_destroy(v);
	}
	for (size_t off = 0; off < sz; n++)
		off += 2 + ((size_t)buf[off] | (size_t)buf[off + 1] << 8);
	assert_int_equal(n, 600);
	free(buf);
}

static void test_txn_mainnet(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int valid;
	} files[] = {
		{ "transaction1.bin", 1 }, { "transaction2.bin", 1 }, { "transaction3.bin", 0 },
		{ "transaction4.bin", 1 }, { "transaction5.bin", 0 }, { "transaction6.bin", 1 },
		{ "txn1.bin", 1 },         { "txn2.bin", 1 },         { "txn3.bin", 1 },
		{ "txn4.bin", 1 },         { "txn5.bin", 1 },         { "txn6.bin", 1 },
		{ "txn7.bin", 1 },
	};
	char dir[4096];
	if (sl_test_vector_path(dir, sizeof(dir), "solana-mainnet") == NULL)
		return; /* skipped before the verifiers exist: nothing to free */
	for (int b = 0; b < SL_VERIFY__COUNT; b++) {
	sl_verifier_t *v = sl_verifier_create((sl_verify_backend_t)b);
	for (size_t i = 0; i < SL_ARRAY_LEN(files); i++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		size_t sz;
		uint8_t *buf = (uint8_t *)sl_test_read_file(path, &sz);
		check_txn(v, buf, sz, files[i].valid, files[i].name);
		free(buf);
	}
	sl_verifier_destroy(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api),
		cmocka_unit_test(test_singles),
		cmocka_unit_test(test_libsodium_behaviour),
		cmocka_unit_test(test_encoding_clauses),
		cmocka_unit_test(test_cctv),
		cmocka_unit_test(test_wycheproof),
		cmocka_unit_test(test_rfc8032),
		cmocka_unit_test(test_supercop),
		cmocka_unit_test(test_batch_mixed_sets),
		cmocka_unit_test(test_batch_positions),
		cmocka_unit_test(test_crafted_mixed_order_a),
		cmocka_unit_test(test_crafted_mixed_order_r),
		cmocka_unit_test(test_crafted_torsion_grid),
		cmocka_unit_test(test_crafted_small_order),
		cmocka_unit_test(test_crafted_s_not_canonical),
		cmocka_unit_test(test_crafted_y_not_canonical),
		cmocka_unit_test(test_txn_web3js),
		cmocka_unit_test(test_txn_mainnet),
	};
	return cmocka_run_group_tests_name("sl_verify", tests, NULL, NULL);
}
