#include "sl_gen_mix.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sl_bad_frame.h"
#include "sl_rng.h"
#include "sl_txn.h"
#include "sl_txn_build.h"
#include "sl_txn_malformed.h"

#define DGRAM_CAP (SL_TXN_MTU + 256)
#define SHARED_KEYS 64
#define SHARED_SIGNERS 2
#define SHARED_MEMO 64

static const char *const kind_names[] = {
#define SL_GEN_KIND_NAME(name, str) str,
	SL_GEN_KINDS(SL_GEN_KIND_NAME)
#undef SL_GEN_KIND_NAME
};

const char *sl_gen_kind_name(sl_gen_kind_t kind)
{
	return (unsigned)kind < SL_GEN__KINDS ? kind_names[kind] : "unknown";
}

sl_gen_params_t sl_gen_params_default(void)
{
	return (sl_gen_params_t){ .seed = 1, .shared_seed = 1000, .signers_max = 2, .nkeys = 64, .memo_max = 64,
				  .gossip_port = 8004 };
}

/* Key pools and randomness of one source of transactions. */
enum domain { D_OWN = 0, D_SHARED = 1, D_SPAM = 2, D_SCHEDULE = 3 };

struct stream {
	sl_rng_t rng;
	sl_keypair_t *keys;
	unsigned nkeys, signers_max, memo_max;
	uint64_t seed;
	uint8_t domain;
	uint32_t index;
};

static int fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}

static int stream_init(struct stream *s, uint64_t seed, enum domain d, unsigned nkeys, unsigned signers_max,
		       unsigned memo_max)
{
	*s = (struct stream){ .rng = sl_rng_seed(seed, d), .nkeys = nkeys, .signers_max = signers_max,
			      .memo_max = memo_max, .seed = seed, .domain = (uint8_t)d };
	s->keys = calloc(nkeys, sizeof *s->keys);
	if (s->keys == NULL)
		return -1;
	for (unsigned k = 0; k < nkeys; k++) {
		uint8_t seed32[32];
		sl_rng_fill(&s->rng, seed32, sizeof seed32);
		sl_keypair_from_seed(&s->keys[k], seed32);
	}
	return 0;
}

/* The next transaction of stream s: 1..signers_max distinct signers of the
 * pool, a random recipient, blockhash and amount, and a memo that starts
 * with the tag. memo needs memo_max bytes. */
static void stream_next_spec(struct stream *s, sl_txn_spec_t *spec, uint8_t *memo)
{
	memset(spec, 0, sizeof *spec);
	spec->nsig = 1 + (unsigned)sl_rng_below(&s->rng, s->signers_max);
	for (unsigned k = 0; k < spec->nsig; k++) {
		const sl_keypair_t *kp;
		unsigned j;
		do {
			kp = &s->keys[sl_rng_below(&s->rng, s->nkeys)];
			for (j = 0; j < k && spec->signers[j] != kp; j++)
				;
		} while (j < k);
		spec->signers[k] = kp;
	}
	sl_rng_fill(&s->rng, spec->to, sizeof spec->to);
	sl_rng_fill(&s->rng, spec->blockhash, sizeof spec->blockhash);
	spec->lamports = 1 + sl_rng_below(&s->rng, 1000000000);
	size_t n = SL_GEN_MEMO_MIN + sl_rng_below(&s->rng, s->memo_max - SL_GEN_MEMO_MIN + 1);
	memcpy(memo, "SLGN", 4);
	memo[4] = s->domain;
	for (int b = 0; b < 8; b++)
		memo[5 + b] = (uint8_t)(s->seed >> (8 * b));
	memo[13] = (uint8_t)s->index;
	memo[14] = (uint8_t)(s->index >> 8);
	memo[15] = (uint8_t)(s->index >> 16);
	sl_rng_fill(&s->rng, memo + SL_GEN_MEMO_MIN, n - SL_GEN_MEMO_MIN);
	spec->memo = memo;
	spec->memo_sz = n;
	sl_txn_layout_t l;
	if (sl_txn_build_layout(spec, &l) == 0 && l.sz > SL_TXN_MTU)
		spec->memo_sz -= l.sz - SL_TXN_MTU; /* stays above the tag: SL_GEN_SIGNERS_MAX */
	s->index++;
}

/* The mix is what it says it is (see the header). */
static int self_check(sl_gen_dgram_t *d, size_t seq, char *err, size_t errsz)
{
	sl_txn_t t;
	size_t hdr = d->kind == SL_GEN_GOSSIP_SPAM ? sizeof(struct sl_gossip_hdr) : 0;
	const uint8_t *txn = d->bytes + hdr;
	sl_txn_err_t e = sl_txn_parse(txn, d->sz - hdr, &t);
	if (d->kind == SL_GEN_MALFORMED)
		return e == SL_TXN_OK ? fail(err, errsz, "self-check: malformed datagram %zu (%s) parses", seq, d->detail)
				      : 0;
	if (e != SL_TXN_OK)
		return fail(err, errsz, "self-check: %s datagram %zu does not parse: %s", kind_names[d->kind], seq,
			    sl_txn_err_name(e));
	int ok = 1;
	for (unsigned k = 0; k < t.nsig; k++)
		ok &= crypto_sign_verify_detached(sl_txn_sig(txn, &t, k), sl_txn_msg(txn, &t), sl_txn_msg_sz(&t),
						  sl_txn_signer(txn, &t, k)) == 0;
	if (ok != (d->kind != SL_GEN_BAD_SIG))
		return fail(err, errsz, "self-check: %s datagram %zu %s", kind_names[d->kind], seq,
			    ok ? "verifies" : "does not verify");
	if (sl_base58_encode(sl_txn_id(txn, &t), SL_TXN_SIG_SZ, d->id, sizeof d->id) == 0)
		return fail(err, errsz, "base58 of a signature does not fit");
	return 0;
}

/* Kinds in a random but reproducible order; a dup never precedes every valid. */
static uint8_t *make_schedule(const sl_gen_params_t *p, size_t ndup, size_t total, sl_rng_t *rng)
{
	uint8_t *k = malloc(total ? total : 1);
	if (k == NULL)
		return NULL;
	size_t i = 0;
	for (size_t n = 0; n < p->valid; n++)
		k[i++] = SL_GEN_VALID;
	for (size_t n = 0; n < ndup; n++)
		k[i++] = SL_GEN_DUP;
	for (size_t n = 0; n < p->bad_sig; n++)
		k[i++] = SL_GEN_BAD_SIG;
	for (size_t n = 0; n < p->malformed; n++)
		k[i++] = SL_GEN_MALFORMED;
	for (size_t n = 0; n < p->gossip_spam; n++)
		k[i++] = SL_GEN_GOSSIP_SPAM;
	for (size_t n = total; n > 1; n--) {
		size_t j = sl_rng_below(rng, n);
		uint8_t t = k[n - 1];
		k[n - 1] = k[j];
		k[j] = t;
	}
	for (size_t n = 0; n < total && k[n] != SL_GEN_VALID; n++) {
		if (k[n] == SL_GEN_DUP) {
			size_t v = n + 1;
			while (k[v] != SL_GEN_VALID)
				v++;
			k[v] = SL_GEN_DUP;
			k[n] = SL_GEN_VALID;
			break;
		}
	}
	return k;
}

static int params_check(const sl_gen_params_t *p, char *err, size_t errsz)
{
	if (p->signers_max < 1 || p->signers_max > SL_GEN_SIGNERS_MAX)
		return fail(err, errsz, "signers must be in 1..%d", SL_GEN_SIGNERS_MAX);
	if (p->nkeys < p->signers_max)
		return fail(err, errsz, "the key pool (%u) must hold at least the signers (%u)", p->nkeys,
			    p->signers_max);
	if (p->memo_max < SL_GEN_MEMO_MIN || p->memo_max > SL_GEN_MEMO_MAX)
		return fail(err, errsz, "memo-max must be in %d..%d", SL_GEN_MEMO_MIN, SL_GEN_MEMO_MAX);
	if (p->share > p->valid)
		return fail(err, errsz, "share (%u) cannot exceed valid (%u)", p->share, p->valid);
	if (p->dup_pct > 0 && p->valid == 0)
		return fail(err, errsz, "dup-pct needs valid transactions to resend");
	return 0;
}

struct builder {
	const sl_gen_params_t *p;
	struct stream own, shared, spam;
	sl_rng_t sched;
	size_t nvalid, shared_left, nmalformed;
	size_t *valid_at;
	uint8_t memo[SL_GEN_MEMO_MAX];
};

static uint32_t build_one(struct builder *b, sl_gen_mix_t *m, sl_gen_dgram_t *g, size_t i)
{
	const sl_gen_params_t *p = b->p;
	sl_txn_spec_t spec;
	switch (g->kind) {
	case SL_GEN_VALID: {
		/* Shared slots spread over the valid ones at random. */
		int from_shared = sl_rng_below(&b->sched, p->valid - b->nvalid) < b->shared_left;
		b->shared_left -= (size_t)from_shared;
		stream_next_spec(from_shared ? &b->shared : &b->own, &spec, b->memo);
		snprintf(g->detail, sizeof g->detail, "%s", from_shared ? "shared" : "own");
		b->valid_at[b->nvalid++] = i;
		return (uint32_t)sl_txn_build_legacy(g->bytes, DGRAM_CAP, &spec);
	}
	case SL_GEN_DUP: {
		const sl_gen_dgram_t *src = &m->d[b->valid_at[sl_rng_below(&b->sched, b->nvalid)]];
		memcpy(g->bytes, src->bytes, src->sz);
		memcpy(g->detail, src->detail, sizeof g->detail);
		return src->sz;
	}
	case SL_GEN_GOSSIP_SPAM: {
		const size_t hdr = sizeof(struct sl_gossip_hdr);
		stream_next_spec(&b->spam, &spec, b->memo);
		size_t sz = sl_txn_build_legacy(g->bytes + hdr, DGRAM_CAP - hdr, &spec);
		uint64_t token = sl_rng_next(&b->spam.rng);
		g->dst_port = p->gossip_port;
		snprintf(g->detail, sizeof g->detail, "token_%016llx", (unsigned long long)token);
		return sz ? (uint32_t)sl_gossip_frame_build(g->bytes, DGRAM_CAP, 3, token, g->bytes + hdr, sz) : 0;
	}
	case SL_GEN_BAD_SIG: {
		stream_next_spec(&b->spam, &spec, b->memo);
		size_t sz = sl_txn_build_legacy(g->bytes, DGRAM_CAP, &spec);
		unsigned bit = sl_txn_flip_sig_bit(g->bytes, spec.nsig, &b->spam.rng);
		snprintf(g->detail, sizeof g->detail, "sig%u_bit%u", bit / 512, bit % 512);
		return (uint32_t)sz;
	}
	default: {
		sl_txn_malformed_t mk = (sl_txn_malformed_t)(b->nmalformed++ % SL_TXN_MALFORMED__COUNT);
		stream_next_spec(&b->spam, &spec, b->memo);
		long sz = sl_txn_build_malformed(mk, g->bytes, DGRAM_CAP, &spec, &b->spam.rng);
		snprintf(g->detail, sizeof g->detail, "%s", sl_txn_malformed_name(mk));
		snprintf(g->id, sizeof g->id, "-");
		return sz < 0 ? UINT32_MAX : (uint32_t)sz;
	}
	}
}

/* A built transaction moved behind a gossip header with the peer's token. */
static uint32_t wrap_as_peer(const sl_gen_params_t *p, sl_gen_dgram_t *g)
{
	const size_t hdr = sizeof(struct sl_gossip_hdr);
	memmove(g->bytes + hdr, g->bytes, g->sz);
	g->dst_port = p->gossip_port;
	return (uint32_t)sl_gossip_frame_build(g->bytes, DGRAM_CAP, 3, p->peer_token, g->bytes + hdr, g->sz);
}

static uint32_t build_bad_frame(struct builder *b, sl_gen_dgram_t *g, sl_bad_frame_t k)
{
	uint8_t txn[DGRAM_CAP];
	sl_txn_spec_t spec;
	stream_next_spec(&b->spam, &spec, b->memo);
	size_t tsz = sl_txn_build_legacy(txn, sizeof txn, &spec);
	snprintf(g->id, sizeof g->id, "-");
	snprintf(g->detail, sizeof g->detail, "%s", sl_bad_frame_name(k));
	return (uint32_t)sl_bad_frame_build(k, g->bytes, SL_BAD_FRAME_CAP, &b->p->frame_addr, b->p->gossip_port, txn,
					    tsz);
}

int sl_gen_mix_build(const sl_gen_params_t *p, sl_gen_mix_t *m, char *err, size_t errsz)
{
	*m = (sl_gen_mix_t){ 0 };
	if (params_check(p, err, errsz) != 0)
		return -1;
	size_t ndup = ((size_t)p->valid * p->dup_pct + 50) / 100;
	size_t total = p->valid + ndup + p->bad_sig + p->malformed + p->gossip_spam;
	size_t nframes = p->bad_frames ? SL_BAD_FRAME__COUNT : 0;
	struct builder *b = calloc(1, sizeof *b);
	uint8_t *kinds = NULL;
	int rc = -1;
	m->cap = total + nframes;
	m->d = calloc(m->cap + 1, sizeof *m->d);
	m->arena = malloc(total * DGRAM_CAP + nframes * SL_BAD_FRAME_CAP + 1);
	if (b == NULL || m->d == NULL || m->arena == NULL || (b->valid_at = calloc(p->valid + 1, sizeof(size_t))) == NULL)
		goto oom;
	b->p = p;
	b->shared_left = p->share;
	b->sched = sl_rng_seed(p->seed, D_SCHEDULE);
	if (stream_init(&b->own, p->seed, D_OWN, p->nkeys, p->signers_max, p->memo_max) != 0 ||
	    stream_init(&b->spam, p->seed, D_SPAM, p->nkeys, p->signers_max, p->memo_max) != 0 ||
	    (p->share && stream_init(&b->shared, p->shared_seed, D_SHARED, SHARED_KEYS, SHARED_SIGNERS, SHARED_MEMO) != 0))
		goto oom;
	if ((kinds = make_schedule(p, ndup, total, &b->sched)) == NULL)
		goto oom;

	uint8_t *at = m->arena;
	for (size_t i = 0; i < total; i++, at += DGRAM_CAP) {
		sl_gen_dgram_t *g = &m->d[m->n++];
		g->kind = kinds[i];
		g->bytes = at;
		g->sz = build_one(b, m, g, i);
		if (g->sz == UINT32_MAX || (g->sz == 0 && g->kind != SL_GEN_MALFORMED)) {
			fail(err, errsz, "cannot build %s datagram %zu", kind_names[g->kind], i);
			goto out;
		}
		if (self_check(g, i, err, errsz) != 0)
			goto out;
		if (p->peer_token != 0 && g->kind != SL_GEN_GOSSIP_SPAM &&
		    (g->sz = wrap_as_peer(p, g)) == 0) {
			fail(err, errsz, "cannot wrap %s datagram %zu in a gossip frame", kind_names[g->kind], i);
			goto out;
		}
	}
	for (unsigned k = 0; k < nframes; k++, at += SL_BAD_FRAME_CAP) {
		sl_gen_dgram_t *g = &m->d[m->n++];
		g->kind = SL_GEN_BAD_FRAME;
		g->bytes = at;
		if ((g->sz = build_bad_frame(b, g, k)) == 0) {
			fail(err, errsz, "cannot build bad frame %s", sl_bad_frame_name(k));
			goto out;
		}
	}
	rc = 0;
	goto out;
oom:
	fail(err, errsz, "out of memory for %zu datagrams", total);
out:
	if (b) {
		free(b->own.keys);
		free(b->spam.keys);
		free(b->shared.keys);
		free(b->valid_at);
	}
	free(b);
	free(kinds);
	if (rc != 0)
		sl_gen_mix_free(m);
	return rc;
}

int sl_gen_mix_add_frame(sl_gen_mix_t *m, const uint8_t *frame, size_t sz, const char *detail)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		sl_gen_dgram_t *d = realloc(m->d, (cap + 1) * sizeof *d);
		if (d == NULL)
			return -1;
		m->d = d;
		m->cap = cap;
	}
	uint8_t *copy = malloc(sz ? sz : 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, frame, sz);
	sl_gen_dgram_t *g = &m->d[m->n++];
	*g = (sl_gen_dgram_t){ .kind = SL_GEN_RAW_FRAME, .sz = (uint32_t)sz, .bytes = copy };
	snprintf(g->id, sizeof g->id, "-");
	snprintf(g->detail, sizeof g->detail, "%.47s", detail);
	return 0;
}

void sl_gen_mix_free(sl_gen_mix_t *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->d[i].kind == SL_GEN_RAW_FRAME)
			free(m->d[i].bytes);
	free(m->d);
	free(m->arena);
	*m = (sl_gen_mix_t){ 0 };
}
