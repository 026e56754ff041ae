/* sluice-gen: a bounded generator of Solana legacy transactions and of spam,
 * for the demo, the end-to-end tests and benchmarks.
 *
 * It builds the whole mix first (valid, resent duplicates, bad signatures,
 * malformed; optional bad frames), self-checks every datagram with the
 * project's parser and libsodium, then sends it over a kernel UDP socket at a
 * bounded rate and/or writes it as Ethernet/IPv4/UDP frames to a pcap file,
 * with a manifest line per datagram. The same options always give the same
 * bytes. Two clients given the same --shared-seed and --share K send the same
 * K valid transactions among their own, so the receivers see them from both. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sodium.h>
#include <sys/socket.h>

#include "sl_bad_frame.h"
#include "sl_base58.h"
#include "sl_pkt_build.h"
#include "sl_rng.h"
#include "sl_txn.h"
#include "sl_txn_build.h"
#include "sl_txn_malformed.h"

#define RATE_MAX      200000u /* datagrams per second: never a flood */
#define DGRAM_CAP     (SL_TXN_MTU + 256)
#define MEMO_TAG_SZ   16      /* "SLGN", domain, seed, index: unique per txn */
#define FRAMES_MAX    256     /* raw frames read from --frames-dir */
#define SIGNERS_MAX   8       /* more keys than this leave no room under 1232 bytes */
/* The shared stream's shape is fixed, so that clients agree on its
 * transactions whatever their other options. */
#define SHARED_KEYS 64
#define SHARED_SIGNERS 2
#define SHARED_MEMO 64

enum kind { K_VALID, K_DUP, K_BAD_SIG, K_MALFORMED, K_BAD_FRAME, K_RAW_FRAME };
static const char *const kind_names[] = { "valid", "dup", "bad_sig", "malformed", "bad_frame", "raw_frame" };

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

struct opts {
	uint64_t seed, shared_seed;
	unsigned valid, dup_pct, bad_sig, malformed, share;
	unsigned signers_max, nkeys, memo_max;
	int have_dst, udp, bad_frames, quiet;
	sl_udp4_addr_t addr;
	int have_src_port, have_src, have_src_mac, have_dst_mac;
	uint16_t gossip_port;
	const char *pcap, *manifest, *frames_dir;
	uint64_t count;
	unsigned rate;
	double duration;
};

/* One datagram (or, for bad/raw frames, one whole Ethernet frame). */
struct dgram {
	uint8_t kind;
	uint32_t sz;
	uint8_t *bytes;
	char id[SL_BASE58_SIG_STRLEN]; /* "-" when it has none */
	char detail[48];
};

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "sluice-gen: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sluice-gen --dst IP:PORT (--udp | --pcap FILE) [options]\n"
		"  mix:     --valid N  --dup-pct P  --bad-sig N  --malformed N\n"
		"           --share K --shared-seed S (K of the valid ones from a stream shared with other\n"
		"             clients: the same S gives the same transactions, whatever the other options)\n"
		"           --signers MAX (1..%d per txn, default 2)  --keys N (key pool, default 64)\n"
		"           --memo-max B (memo bytes, %d..1000, default 64)  --seed S (default 1)\n"
		"  frames:  --bad-frames (one frame of every L2-L4/gossip defect; pcap only)\n"
		"           --frames-dir DIR (append every *.bin raw frame in DIR; pcap only)\n"
		"           --gossip-port P (for --bad-frames, default %d)\n"
		"  output:  --udp (kernel socket)  --pcap FILE  --manifest FILE  --quiet\n"
		"           --src IP[:PORT]  --src-mac MAC  --dst-mac MAC (pcap; default 02:00:00:00:00:<last octet>)\n"
		"  bounds:  --count N  --rate PPS (default 1000, at most %u)  --duration SECONDS\n",
		SIGNERS_MAX, MEMO_TAG_SZ, SL_PORT_GOSSIP, RATE_MAX);
	exit(2);
}

static uint64_t parse_u64(const char *name, const char *s, uint64_t max)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *s == 0 || *s == '-' || *end != 0 || v > max)
		die("--%s: '%s' is not a number in 0..%" PRIu64, name, s, max);
	return v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_VALID = 256, O_DUP, O_BADSIG, O_MALF, O_SHARE, O_SSEED, O_SIGNERS, O_KEYS, O_MEMO,
	       O_DST, O_SRC, O_SMAC, O_DMAC, O_UDP, O_PCAP, O_MANIFEST, O_COUNT, O_RATE, O_DUR,
	       O_SEED, O_BADFR, O_FDIR, O_GPORT, O_QUIET };
	static const struct option lo[] = {
		{ "valid", 1, 0, O_VALID },       { "dup-pct", 1, 0, O_DUP },     { "bad-sig", 1, 0, O_BADSIG },
		{ "malformed", 1, 0, O_MALF },    { "share", 1, 0, O_SHARE },     { "shared-seed", 1, 0, O_SSEED },
		{ "signers", 1, 0, O_SIGNERS },   { "keys", 1, 0, O_KEYS },       { "memo-max", 1, 0, O_MEMO },
		{ "dst", 1, 0, O_DST },           { "src", 1, 0, O_SRC },         { "src-mac", 1, 0, O_SMAC },
		{ "dst-mac", 1, 0, O_DMAC },      { "udp", 0, 0, O_UDP },         { "pcap", 1, 0, O_PCAP },
		{ "manifest", 1, 0, O_MANIFEST }, { "count", 1, 0, O_COUNT },     { "rate", 1, 0, O_RATE },
		{ "duration", 1, 0, O_DUR },      { "seed", 1, 0, O_SEED },       { "bad-frames", 0, 0, O_BADFR },
		{ "frames-dir", 1, 0, O_FDIR },   { "gossip-port", 1, 0, O_GPORT }, { "quiet", 0, 0, O_QUIET },
		{ "help", 0, 0, 'h' },            { 0, 0, 0, 0 },
	};
	*o = (struct opts){ .seed = 1, .shared_seed = 1000, .signers_max = 2, .nkeys = 64, .memo_max = 64,
			    .count = UINT64_MAX, .rate = 1000, .gossip_port = SL_PORT_GOSSIP };
	o->addr.src_ip = 0x0a630001; /* 10.99.0.1, the demo's first client */
	o->addr.src_port = 40000;
	int c;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_VALID: o->valid = (unsigned)parse_u64("valid", optarg, 10000000); break;
		case O_DUP: o->dup_pct = (unsigned)parse_u64("dup-pct", optarg, 1000); break;
		case O_BADSIG: o->bad_sig = (unsigned)parse_u64("bad-sig", optarg, 10000000); break;
		case O_MALF: o->malformed = (unsigned)parse_u64("malformed", optarg, 10000000); break;
		case O_SHARE: o->share = (unsigned)parse_u64("share", optarg, 10000000); break;
		case O_SSEED: o->shared_seed = parse_u64("shared-seed", optarg, UINT64_MAX); break;
		case O_SIGNERS: o->signers_max = (unsigned)parse_u64("signers", optarg, SIGNERS_MAX); break;
		case O_KEYS: o->nkeys = (unsigned)parse_u64("keys", optarg, 100000); break;
		case O_MEMO: o->memo_max = (unsigned)parse_u64("memo-max", optarg, 1000); break;
		case O_SEED: o->seed = parse_u64("seed", optarg, UINT64_MAX); break;
		case O_DST:
			if (sl_parse_ip4_port(optarg, &o->addr.dst_ip, &o->addr.dst_port, 0) != 0)
				die("--dst: '%s' is not IP:PORT", optarg);
			o->have_dst = 1;
			break;
		case O_SRC: {
			uint16_t port = 0;
			if (sl_parse_ip4_port(optarg, &o->addr.src_ip, &port, 1) != 0)
				die("--src: '%s' is not IP or IP:PORT", optarg);
			o->have_src = 1;
			if (port) {
				o->addr.src_port = port;
				o->have_src_port = 1;
			}
			break;
		}
		case O_SMAC:
			if (sl_parse_mac(optarg, o->addr.src_mac) != 0)
				die("--src-mac: '%s' is not a MAC address", optarg);
			o->have_src_mac = 1;
			break;
		case O_DMAC:
			if (sl_parse_mac(optarg, o->addr.dst_mac) != 0)
				die("--dst-mac: '%s' is not a MAC address", optarg);
			o->have_dst_mac = 1;
			break;
		case O_UDP: o->udp = 1; break;
		case O_PCAP: o->pcap = optarg; break;
		case O_MANIFEST: o->manifest = optarg; break;
		case O_COUNT: o->count = parse_u64("count", optarg, UINT64_MAX); break;
		case O_RATE: o->rate = (unsigned)parse_u64("rate", optarg, RATE_MAX); break;
		case O_DUR: {
			char *end;
			o->duration = strtod(optarg, &end);
			if (*end != 0 || !(o->duration > 0))
				die("--duration: '%s' is not a positive number of seconds", optarg);
			break;
		}
		case O_BADFR: o->bad_frames = 1; break;
		case O_FDIR: o->frames_dir = optarg; break;
		case O_GPORT: o->gossip_port = (uint16_t)parse_u64("gossip-port", optarg, 65535); break;
		case O_QUIET: o->quiet = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		die("unexpected argument '%s'", argv[optind]);
	if (!o->have_dst)
		die("--dst IP:PORT is required");
	if (!o->udp && !o->pcap)
		die("choose an output: --udp and/or --pcap FILE");
	if ((o->bad_frames || o->frames_dir) && o->udp)
		die("--bad-frames and --frames-dir write whole frames: pcap only, not with --udp");
	if (o->rate == 0)
		die("--rate must be at least 1");
	if (o->signers_max == 0)
		die("--signers must be at least 1");
	if (o->nkeys < o->signers_max)
		die("--keys (%u) must be at least --signers (%u)", o->nkeys, o->signers_max);
	if (o->memo_max < MEMO_TAG_SZ)
		die("--memo-max must be at least %d", MEMO_TAG_SZ);
	if (o->share > o->valid)
		die("--share (%u) cannot exceed --valid (%u)", o->share, o->valid);
	if (o->dup_pct > 0 && o->valid == 0)
		die("--dup-pct needs valid transactions to resend");
	/* Deterministic MACs as in the demo network: 02:00:00:00:00:<last octet>. */
	if (!o->have_src_mac)
		memcpy(o->addr.src_mac, (uint8_t[6]){ 2, 0, 0, 0, 0, (uint8_t)o->addr.src_ip }, 6);
	if (!o->have_dst_mac)
		memcpy(o->addr.dst_mac, (uint8_t[6]){ 2, 0, 0, 0, 0, (uint8_t)o->addr.dst_ip }, 6);
}

static void stream_init(struct stream *s, uint64_t seed, enum domain d, unsigned nkeys, unsigned signers_max,
			unsigned memo_max)
{
	*s = (struct stream){ .rng = sl_rng_seed(seed, d), .nkeys = nkeys, .signers_max = signers_max,
			      .memo_max = memo_max, .seed = seed, .domain = (uint8_t)d };
	s->keys = calloc(nkeys, sizeof *s->keys);
	if (s->keys == NULL)
		die("out of memory for %u keys", nkeys);
	for (unsigned k = 0; k < nkeys; k++) {
		uint8_t seed32[32];
		sl_rng_fill(&s->rng, seed32, sizeof seed32);
		sl_keypair_from_seed(&s->keys[k], seed32);
	}
}

/* The next transaction of stream s: 1..signers_max distinct signers of the
 * pool, a random recipient, blockhash and amount, and a memo that starts
 * with a tag unique to (domain, seed, index). memo needs memo_max bytes. */
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
	size_t n = MEMO_TAG_SZ + sl_rng_below(&s->rng, s->memo_max - MEMO_TAG_SZ + 1);
	memcpy(memo, "SLGN", 4);
	memo[4] = s->domain;
	for (int b = 0; b < 8; b++)
		memo[5 + b] = (uint8_t)(s->seed >> (8 * b));
	memo[13] = (uint8_t)s->index;
	memo[14] = (uint8_t)(s->index >> 8);
	memo[15] = (uint8_t)(s->index >> 16);
	sl_rng_fill(&s->rng, memo + MEMO_TAG_SZ, n - MEMO_TAG_SZ);
	spec->memo = memo;
	spec->memo_sz = n;
	sl_txn_layout_t l;
	if (sl_txn_build_layout(spec, &l) == 0 && l.sz > SL_TXN_MTU)
		spec->memo_sz -= l.sz - SL_TXN_MTU; /* stays above the tag: see SIGNERS_MAX */
	s->index++;
}

static void set_id(struct dgram *d)
{
	if (sl_base58_encode(d->bytes + 1, SL_TXN_SIG_SZ, d->id, sizeof d->id) == 0)
		die("base58 of a signature does not fit");
}

/* Every valid/dup one parses and verifies, every bad_sig one parses and
 * fails, every malformed one fails to parse: the mix is what it says. */
static void self_check(const struct dgram *d, size_t seq)
{
	sl_txn_t t;
	sl_txn_err_t err = sl_txn_parse(d->bytes, d->sz, &t);
	if (d->kind == K_MALFORMED) {
		if (err == SL_TXN_OK)
			die("self-check: malformed datagram %zu (%s) parses", seq, d->detail);
		return;
	}
	if (err != SL_TXN_OK)
		die("self-check: %s datagram %zu does not parse: %s", kind_names[d->kind], seq, sl_txn_err_name(err));
	int ok = 1;
	for (unsigned k = 0; k < t.nsig; k++)
		ok &= crypto_sign_verify_detached(sl_txn_sig(d->bytes, &t, k), sl_txn_msg(d->bytes, &t),
						  sl_txn_msg_sz(&t), sl_txn_signer(d->bytes, &t, k)) == 0;
	if (ok != (d->kind != K_BAD_SIG))
		die("self-check: %s datagram %zu %s", kind_names[d->kind], seq, ok ? "verifies" : "does not verify");
}

/* Kinds in a random but reproducible order; a dup never precedes every valid. */
static uint8_t *make_schedule(const struct opts *o, size_t ndup, size_t total, sl_rng_t *rng)
{
	uint8_t *k = malloc(total ? total : 1);
	if (k == NULL)
		die("out of memory");
	size_t i = 0;
	for (size_t n = 0; n < o->valid; n++)
		k[i++] = K_VALID;
	for (size_t n = 0; n < ndup; n++)
		k[i++] = K_DUP;
	for (size_t n = 0; n < o->bad_sig; n++)
		k[i++] = K_BAD_SIG;
	for (size_t n = 0; n < o->malformed; n++)
		k[i++] = K_MALFORMED;
	for (size_t n = total; n > 1; n--) {
		size_t j = sl_rng_below(rng, n);
		uint8_t t = k[n - 1];
		k[n - 1] = k[j];
		k[j] = t;
	}
	for (size_t n = 0; n < total && k[n] != K_VALID; n++) {
		if (k[n] == K_DUP) {
			size_t v = n + 1;
			while (k[v] != K_VALID)
				v++;
			k[v] = K_DUP;
			k[n] = K_VALID;
			break;
		}
	}
	return k;
}

static size_t build_mix(const struct opts *o, struct dgram **out, uint8_t **arena_out)
{
	size_t ndup = ((size_t)o->valid * o->dup_pct + 50) / 100;
	size_t nframes = (o->bad_frames ? SL_BAD_FRAME__COUNT : 0) + (o->frames_dir ? FRAMES_MAX : 0);
	size_t total = o->valid + ndup + o->bad_sig + o->malformed;
	struct dgram *d = calloc(total + nframes + 1, sizeof *d);
	size_t *valid_at = calloc(o->valid + 1, sizeof *valid_at);
	uint8_t *arena = malloc((total + 1) * DGRAM_CAP + (o->bad_frames ? SL_BAD_FRAME__COUNT * SL_BAD_FRAME_CAP : 0));
	if (d == NULL || valid_at == NULL || arena == NULL)
		die("out of memory for %zu datagrams", total);

	struct stream own, shared, spam;
	stream_init(&own, o->seed, D_OWN, o->nkeys, o->signers_max, o->memo_max);
	stream_init(&spam, o->seed, D_SPAM, o->nkeys, o->signers_max, o->memo_max);
	if (o->share)
		stream_init(&shared, o->shared_seed, D_SHARED, SHARED_KEYS, SHARED_SIGNERS, SHARED_MEMO);
	sl_rng_t sched = sl_rng_seed(o->seed, D_SCHEDULE);
	uint8_t *kinds = make_schedule(o, ndup, total, &sched);

	uint8_t memo[1000];
	size_t nvalid = 0, shared_left = o->share, malformed_n = 0;
	uint8_t *p = arena;
	for (size_t i = 0; i < total; i++, p += DGRAM_CAP) {
		struct dgram *g = &d[i];
		sl_txn_spec_t spec;
		g->kind = kinds[i];
		g->bytes = p;
		switch (g->kind) {
		case K_VALID: {
			/* Shared slots spread evenly over the valid ones at random. */
			int from_shared = sl_rng_below(&sched, o->valid - nvalid) < shared_left;
			struct stream *s = from_shared ? &shared : &own;
			shared_left -= (size_t)from_shared;
			stream_next_spec(s, &spec, memo);
			g->sz = (uint32_t)sl_txn_build_legacy(p, DGRAM_CAP, &spec);
			snprintf(g->detail, sizeof g->detail, "%s", from_shared ? "shared" : "own");
			valid_at[nvalid++] = i;
			break;
		}
		case K_DUP: {
			const struct dgram *src = &d[valid_at[sl_rng_below(&sched, nvalid)]];
			memcpy(p, src->bytes, src->sz);
			g->sz = src->sz;
			snprintf(g->detail, sizeof g->detail, "%s", src->detail);
			break;
		}
		case K_BAD_SIG: {
			stream_next_spec(&spam, &spec, memo);
			g->sz = (uint32_t)sl_txn_build_legacy(p, DGRAM_CAP, &spec);
			unsigned bit = sl_txn_flip_sig_bit(p, spec.nsig, &spam.rng);
			snprintf(g->detail, sizeof g->detail, "sig%u_bit%u", bit / 512, bit % 512);
			break;
		}
		default: {
			sl_txn_malformed_t mk = (sl_txn_malformed_t)(malformed_n++ % SL_TXN_MALFORMED__COUNT);
			stream_next_spec(&spam, &spec, memo);
			long sz = sl_txn_build_malformed(mk, p, DGRAM_CAP, &spec, &spam.rng);
			if (sz < 0)
				die("cannot build a %s transaction", sl_txn_malformed_name(mk));
			g->sz = (uint32_t)sz;
			snprintf(g->detail, sizeof g->detail, "%s", sl_txn_malformed_name(mk));
			break;
		}
		}
		if (g->sz == 0 && g->kind != K_MALFORMED)
			die("cannot build transaction %zu", i);
		if (g->kind == K_MALFORMED)
			snprintf(g->id, sizeof g->id, "-");
		else
			set_id(g);
		self_check(g, i);
	}

	size_t n = total;
	if (o->bad_frames) {
		for (unsigned k = 0; k < SL_BAD_FRAME__COUNT; k++, n++) {
			struct dgram *g = &d[n];
			uint8_t txn[DGRAM_CAP];
			sl_txn_spec_t spec;
			stream_next_spec(&spam, &spec, memo);
			size_t tsz = sl_txn_build_legacy(txn, sizeof txn, &spec);
			g->kind = K_BAD_FRAME;
			g->bytes = p;
			g->sz = (uint32_t)sl_bad_frame_build(k, p, SL_BAD_FRAME_CAP, &o->addr, o->gossip_port, txn, tsz);
			if (tsz == 0 || g->sz == 0)
				die("cannot build bad frame %s", sl_bad_frame_name(k));
			snprintf(g->id, sizeof g->id, "-");
			snprintf(g->detail, sizeof g->detail, "%s", sl_bad_frame_name(k));
			p += SL_BAD_FRAME_CAP;
		}
	}
	free(kinds);
	free(valid_at);
	free(own.keys);
	free(spam.keys);
	if (o->share)
		free(shared.keys);
	*out = d;
	*arena_out = arena;
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Raw frames (*.bin, sorted by name) appended as they are; their bytes are
 * allocated one by one since their sizes are unknown. */
static size_t add_raw_frames(const char *dir, struct dgram *d, size_t n)
{
	DIR *dh = opendir(dir);
	if (dh == NULL)
		die("--frames-dir %s: %s", dir, strerror(errno));
	char *names[FRAMES_MAX];
	size_t nn = 0;
	struct dirent *e;
	while ((e = readdir(dh)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".bin") == 0) {
			if (nn == FRAMES_MAX)
				die("--frames-dir %s: more than %d frames", dir, FRAMES_MAX);
			names[nn++] = strdup(e->d_name);
		}
	}
	closedir(dh);
	qsort(names, nn, sizeof names[0], cmp_str);
	for (size_t i = 0; i < nn; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "rb");
		uint8_t *buf = malloc(SL_BAD_FRAME_CAP);
		if (f == NULL || buf == NULL)
			die("%s: %s", path, strerror(errno));
		size_t sz = fread(buf, 1, SL_BAD_FRAME_CAP, f);
		fclose(f);
		struct dgram *g = &d[n++];
		*g = (struct dgram){ .kind = K_RAW_FRAME, .sz = (uint32_t)sz, .bytes = buf };
		snprintf(g->id, sizeof g->id, "-");
		snprintf(g->detail, sizeof g->detail, "%.47s", names[i]);
		free(names[i]);
	}
	return n;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_until(double t)
{
	struct timespec ts = { .tv_sec = (time_t)t, .tv_nsec = (long)((t - (double)(time_t)t) * 1e9) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int is_frame(const struct dgram *d)
{
	return d->kind == K_BAD_FRAME || d->kind == K_RAW_FRAME;
}

int main(int argc, char **argv)
{
	struct opts o;
	parse_opts(argc, argv, &o);
	if (sodium_init() < 0)
		die("libsodium failed to initialise");

	struct dgram *d;
	uint8_t *arena;
	size_t nbuilt = build_mix(&o, &d, &arena);
	if (o.frames_dir)
		nbuilt = add_raw_frames(o.frames_dir, d, nbuilt);
	size_t n = o.count < nbuilt ? (size_t)o.count : nbuilt;

	int fd = -1;
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(o.addr.dst_port),
				   .sin_addr.s_addr = htonl(o.addr.dst_ip) };
	if (o.udp) {
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0)
			die("socket: %s", strerror(errno));
		if (o.have_src) {
			struct sockaddr_in src = { .sin_family = AF_INET,
						   .sin_port = htons(o.have_src_port ? o.addr.src_port : 0),
						   .sin_addr.s_addr = htonl(o.addr.src_ip) };
			if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0)
				die("bind --src: %s", strerror(errno));
		}
	}
	pcap_t *pd = NULL;
	pcap_dumper_t *pw = NULL;
	if (o.pcap) {
		pd = pcap_open_dead(DLT_EN10MB, 65535);
		pw = pd ? pcap_dump_open(pd, o.pcap) : NULL;
		if (pw == NULL)
			die("--pcap %s: %s", o.pcap, pd ? pcap_geterr(pd) : "pcap_open_dead failed");
	}
	FILE *mf = NULL;
	if (o.manifest) {
		mf = fopen(o.manifest, "w");
		if (mf == NULL)
			die("--manifest %s: %s", o.manifest, strerror(errno));
		fprintf(mf, "# sluice-gen seed=%" PRIu64 " shared_seed=%" PRIu64 " share=%u\n"
			    "# seq kind id size detail\n", o.seed, o.shared_seed, o.share);
	}

	uint64_t sent[6] = { 0 }, send_errors = 0;
	uint8_t frame[SL_BAD_FRAME_CAP];
	double t0 = now_s();
	size_t i;
	for (i = 0; i < n; i++) {
		const struct dgram *g = &d[i];
		double due = t0 + (double)i / o.rate;
		if (o.udp) {
			if (o.duration > 0 && due - t0 >= o.duration)
				break;
			if (now_s() < due)
				sleep_until(due);
			if (sendto(fd, g->bytes, g->sz, 0, (struct sockaddr *)&dst, sizeof dst) != (ssize_t)g->sz)
				send_errors++;
		}
		if (pw) {
			/* Timestamps as if sent at --rate from the epoch's start. */
			uint64_t us = (uint64_t)i * 1000000u / o.rate;
			struct pcap_pkthdr h = { .ts = { .tv_sec = (time_t)(us / 1000000u),
							 .tv_usec = (suseconds_t)(us % 1000000u) } };
			const uint8_t *bytes = g->bytes;
			size_t sz = g->sz;
			if (!is_frame(g)) {
				sz = sl_pkt_build_udp4(frame, sizeof frame, &o.addr, (uint16_t)i, g->bytes, g->sz);
				bytes = frame;
			}
			h.caplen = h.len = (bpf_u_int32)sz;
			pcap_dump((u_char *)pw, &h, bytes);
		}
		sent[g->kind]++;
		if (mf)
			fprintf(mf, "%zu %s %s %u %s\n", i, kind_names[g->kind], g->id, g->sz, g->detail);
	}
	double elapsed = now_s() - t0;

	if (pw)
		pcap_dump_close(pw);
	if (pd)
		pcap_close(pd);
	if (mf && fclose(mf) != 0)
		die("--manifest %s: %s", o.manifest, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (!o.quiet)
		fprintf(stderr,
			"sluice-gen: %zu datagrams (valid %" PRIu64 ", dup %" PRIu64 ", bad_sig %" PRIu64
			", malformed %" PRIu64 ", bad_frame %" PRIu64 ", raw_frame %" PRIu64 ") in %.3f s%s%s%s\n",
			i, sent[K_VALID], sent[K_DUP], sent[K_BAD_SIG], sent[K_MALFORMED], sent[K_BAD_FRAME],
			sent[K_RAW_FRAME], elapsed, o.udp ? " over udp" : "", o.pcap ? " to " : "", o.pcap ? o.pcap : "");
	if (send_errors)
		fprintf(stderr, "sluice-gen: %" PRIu64 " datagrams could not be sent\n", send_errors);
	for (size_t k = 0; k < nbuilt; k++)
		if (d[k].kind == K_RAW_FRAME)
			free(d[k].bytes);
	free(d);
	free(arena);
	return send_errors ? 1 : 0;
}
