/* sluice-gen: a bounded generator of Solana legacy transactions and of spam,
 * for the demo, the end-to-end tests and benchmarks.
 *
 * It builds the whole mix first (sl_gen_mix: valid, resent duplicates, bad
 * signatures, malformed; optional bad and raw frames), then sends it over a
 * kernel UDP socket (IPv4 or IPv6, as --dst is written) at a bounded rate
 * and/or writes it as Ethernet/IPv4/UDP or Ethernet/IPv6/UDP frames to a
 * pcap file, with a manifest line per datagram:
 *   seq kind id size detail
 * The same options always give the same bytes. --dpdk sends the mix through
 * a DPDK port instead (sl_gen_dpdk), up to line rate, for test networks. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
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
#include "sl_gen_addr.h"
#include "sl_gen_dpdk.h"
#include "sl_gen_mix.h"
#include "sl_peertab.h"
#include "sl_pkt_build.h"
#include "sluice/sl_wire.h"

#define RATE_MAX   200000u /* kernel socket datagrams per second: never a flood */
#define FRAMES_MAX 256     /* raw frames read from --frames-dir */

struct opts {
	sl_gen_params_t mix;
	int have_dst, udp, quiet, loop;
	const char *dpdk;
	int have_src, have_src_mac, have_dst_mac;
	/* As given: the socket's ends. The frames (pcap, DPDK) are addressed
	 * by mix.frame_addr for IPv4, by frame6 for IPv6. */
	sl_gen_addr_t dst, src;
	sl_udp6_addr_t frame6;
	const char *pcap, *manifest, *frames_dir;
	uint64_t count;
	unsigned rate;
	double duration;
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
		"usage: sluice-gen --dst IP:PORT|[IPV6]:PORT (--udp | --pcap FILE) [options]\n"
		"  mix:     --valid N  --dup-pct P  --bad-sig N  --malformed N  --seed S (default 1)\n"
		"           --gossip-spam N (valid ones in gossip frames with random tokens, to --gossip-port)\n"
		"           --share K --shared-seed S (K of the valid ones from a stream shared with other\n"
		"             clients: the same S gives the same transactions, whatever the other options)\n"
		"           --signers MAX (1..%d per txn, default 2)  --keys N (key pool, default 64)\n"
		"           --memo-max B (memo bytes, %d..%d, default 64)\n"
		"  frames:  --bad-frames (one frame of every L2-L4/gossip defect; pcap only)\n"
		"           --frames-dir DIR (append every *.bin raw frame in DIR; pcap only)\n"
		"           --gossip-port P (for --bad-frames, --gossip-spam and --as-peer, default %d)\n"
		"  peer:    --as-peer RELAY:PEER  every transaction in a gossip frame with the token the\n"
		"           control daemon of RELAY (on this machine) negotiated with PEER, to --gossip-port:\n"
		"           a handshaken peer that relays what the mix holds (e.g. forged signatures)\n"
		"           --peer-token T  the same with a given token (e.g. one rotated out)\n"
		"  output:  --udp (kernel socket)  --pcap FILE  --manifest FILE\n"
		"           --quiet (no summary, and no progress line, which is otherwise drawn on stderr\n"
		"             when it is a terminal)\n"
		"           --src IP[:PORT]|IPV6|[IPV6]:PORT (the family of --dst; default in frames\n"
		"             10.99.0.1:40000 or [fd00:99::1]:40000)\n"
		"           --src-mac MAC  --dst-mac MAC (pcap; default 02:00:00:00:00:<last octet>)\n"
		"  bounds:  --count N  --rate PPS (default 1000, at most %u)  --duration SECONDS\n"
		"  dpdk:    --dpdk af_xdp:IFACE|null  send the frames through a DPDK port instead of --udp;\n"
		"           --rate 0 = as fast as the port takes; --loop repeats the mix (needs --count\n"
		"           or --duration); the manifest and pcap list the mix once\n",
		SL_GEN_SIGNERS_MAX, SL_GEN_MEMO_MIN, SL_GEN_MEMO_MAX, SL_PORT_GOSSIP, RATE_MAX);
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

/* The token that RELAY's control daemon negotiated with PEER, from RELAY's
 * peer table: what RELAY puts in its gossip frames to PEER. */
static uint64_t peer_token(const char *arg)
{
	char relay[SL_CFG_NAME_MAX + 1];
	const char *colon = strchr(arg, ':');
	if (colon == NULL || colon == arg || (size_t)(colon - arg) >= sizeof(relay) || colon[1] == '\0')
		die("--as-peer: '%s' is not RELAY:PEER", arg);
	memcpy(relay, arg, (size_t)(colon - arg));
	relay[colon - arg] = '\0';
	char err[256];
	struct sl_peertab *t = sl_peertab_open(relay, err, sizeof(err));
	if (t == NULL)
		die("--as-peer: %s", err);
	static struct sl_peertab_entry e[SL_PEERTAB_SLOTS];
	if (sl_peertab_read(&t->seq, e, t->peers, sizeof(e), 100) == 0)
		die("--as-peer: relay %s's peer table is empty or busy", relay);
	sl_peertab_close(t);
	for (unsigned k = 0; k < SL_PEERTAB_SLOTS; k++)
		if (e[k].state == SL_PT_UP && strncmp(e[k].name, colon + 1, sizeof(e[k].name)) == 0 &&
		    e[k].token_out != 0)
			return e[k].token_out;
	die("--as-peer: relay %s has no session up with a peer named '%s'", relay, colon + 1);
	return 0;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_VALID = 256, O_DUP, O_BADSIG, O_MALF, O_SHARE, O_SSEED, O_SIGNERS, O_KEYS, O_MEMO,
	       O_DST, O_SRC, O_SMAC, O_DMAC, O_UDP, O_PCAP, O_MANIFEST, O_COUNT, O_RATE, O_DUR,
	       O_SEED, O_BADFR, O_FDIR, O_GPORT, O_QUIET, O_DPDK, O_LOOP, O_GSPAM, O_ASPEER, O_PTOKEN };
	static const struct option lo[] = {
		{ "valid", 1, 0, O_VALID },       { "dup-pct", 1, 0, O_DUP },     { "bad-sig", 1, 0, O_BADSIG },
		{ "malformed", 1, 0, O_MALF },    { "share", 1, 0, O_SHARE },     { "shared-seed", 1, 0, O_SSEED },
		{ "signers", 1, 0, O_SIGNERS },   { "keys", 1, 0, O_KEYS },       { "memo-max", 1, 0, O_MEMO },
		{ "dst", 1, 0, O_DST },           { "src", 1, 0, O_SRC },         { "src-mac", 1, 0, O_SMAC },
		{ "dst-mac", 1, 0, O_DMAC },      { "udp", 0, 0, O_UDP },         { "pcap", 1, 0, O_PCAP },
		{ "manifest", 1, 0, O_MANIFEST }, { "count", 1, 0, O_COUNT },     { "rate", 1, 0, O_RATE },
		{ "duration", 1, 0, O_DUR },      { "seed", 1, 0, O_SEED },       { "bad-frames", 0, 0, O_BADFR },
		{ "frames-dir", 1, 0, O_FDIR },   { "gossip-port", 1, 0, O_GPORT }, { "quiet", 0, 0, O_QUIET },
		{ "dpdk", 1, 0, O_DPDK },         { "loop", 0, 0, O_LOOP },       { "gossip-spam", 1, 0, O_GSPAM },
		{ "as-peer", 1, 0, O_ASPEER },    { "peer-token", 1, 0, O_PTOKEN }, { "help", 0, 0, 'h' },            { 0, 0, 0, 0 },
	};
	*o = (struct opts){ .mix = sl_gen_params_default(), .count = UINT64_MAX, .rate = 1000 };
	sl_gen_params_t *m = &o->mix;
	sl_udp4_addr_t *a = &m->frame_addr;
	a->src_ip = 0x0a630001; /* 10.99.0.1, the demo's first client */
	a->src_port = 40000;
	char err[256];
	int c;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_VALID: m->valid = (unsigned)parse_u64("valid", optarg, 10000000); break;
		case O_DUP: m->dup_pct = (unsigned)parse_u64("dup-pct", optarg, 1000); break;
		case O_BADSIG: m->bad_sig = (unsigned)parse_u64("bad-sig", optarg, 10000000); break;
		case O_MALF: m->malformed = (unsigned)parse_u64("malformed", optarg, 10000000); break;
		case O_GSPAM: m->gossip_spam = (unsigned)parse_u64("gossip-spam", optarg, 10000000); break;
		case O_ASPEER: m->peer_token = peer_token(optarg); break;
		case O_PTOKEN: m->peer_token = parse_u64("peer-token", optarg, UINT64_MAX); break;
		case O_SHARE: m->share = (unsigned)parse_u64("share", optarg, 10000000); break;
		case O_SSEED: m->shared_seed = parse_u64("shared-seed", optarg, UINT64_MAX); break;
		case O_SIGNERS: m->signers_max = (unsigned)parse_u64("signers", optarg, SL_GEN_SIGNERS_MAX); break;
		case O_KEYS: m->nkeys = (unsigned)parse_u64("keys", optarg, 100000); break;
		case O_MEMO: m->memo_max = (unsigned)parse_u64("memo-max", optarg, SL_GEN_MEMO_MAX); break;
		case O_SEED: m->seed = parse_u64("seed", optarg, UINT64_MAX); break;
		case O_DST:
			if (sl_gen_addr_parse(optarg, 1, &o->dst, err, sizeof err) != 0)
				die("--dst: %s", err);
			o->have_dst = 1;
			break;
		case O_SRC:
			if (sl_gen_addr_parse(optarg, 0, &o->src, err, sizeof err) != 0)
				die("--src: %s", err);
			o->have_src = 1;
			break;
		case O_SMAC:
			if (sl_parse_mac(optarg, a->src_mac) != 0)
				die("--src-mac: '%s' is not a MAC address", optarg);
			o->have_src_mac = 1;
			break;
		case O_DMAC:
			if (sl_parse_mac(optarg, a->dst_mac) != 0)
				die("--dst-mac: '%s' is not a MAC address", optarg);
			o->have_dst_mac = 1;
			break;
		case O_UDP: o->udp = 1; break;
		case O_PCAP: o->pcap = optarg; break;
		case O_MANIFEST: o->manifest = optarg; break;
		case O_COUNT: o->count = parse_u64("count", optarg, UINT64_MAX); break;
		case O_RATE: o->rate = (unsigned)parse_u64("rate", optarg, UINT32_MAX); break;
		case O_DUR: {
			char *end;
			o->duration = strtod(optarg, &end);
			if (*end != 0 || !(o->duration > 0))
				die("--duration: '%s' is not a positive number of seconds", optarg);
			break;
		}
		case O_BADFR: m->bad_frames = 1; break;
		case O_FDIR: o->frames_dir = optarg; break;
		case O_GPORT: m->gossip_port = (uint16_t)parse_u64("gossip-port", optarg, 65535); break;
		case O_QUIET: o->quiet = 1; break;
		case O_DPDK:
			if (!sl_gen_dpdk_port_ok(optarg))
				die("--dpdk: '%s' is neither af_xdp:IFACE nor null", optarg);
			o->dpdk = optarg;
			break;
		case O_LOOP: o->loop = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		die("unexpected argument '%s'", argv[optind]);
	if (!o->have_dst)
		die("--dst IP:PORT or [IPV6]:PORT is required");
	if (o->have_src && o->src.family != o->dst.family)
		die("--src and --dst must be of one family, IPv4 or IPv6");
	if (o->dst.family == 6 && m->bad_frames)
		die("--dst is IPv6: --bad-frames builds its frames from IPv4 addresses (--src-mac, "
		    "--dst IPv4)");
	if (o->src.port)
		a->src_port = o->src.port;
	a->dst_port = o->dst.port;
	sl_udp6_addr_t *a6 = &o->frame6;
	uint8_t src_last, dst_last; /* of the addresses: the default MACs' */
	if (o->dst.family == 4) {
		uint32_t ip;
		memcpy(&ip, o->dst.ip, 4);
		a->dst_ip = ntohl(ip);
		if (o->have_src) {
			memcpy(&ip, o->src.ip, 4);
			a->src_ip = ntohl(ip);
		}
		src_last = (uint8_t)a->src_ip;
		dst_last = (uint8_t)a->dst_ip;
	} else {
		static const uint8_t first_client6[16] = { 0xfd, 0, 0, 0x99, [15] = 1 }; /* fd00:99::1 */
		memcpy(a6->src_ip, o->have_src ? o->src.ip : first_client6, 16);
		memcpy(a6->dst_ip, o->dst.ip, 16);
		a6->src_port = a->src_port;
		a6->dst_port = a->dst_port;
		src_last = a6->src_ip[15];
		dst_last = a6->dst_ip[15];
	}
	if (!o->udp && !o->pcap && !o->dpdk)
		die("choose an output: --udp, --dpdk PORT and/or --pcap FILE");
	if (o->udp && o->dpdk)
		die("--udp and --dpdk are two ways to send: choose one");
	if (o->loop && !(o->dpdk && (o->count != UINT64_MAX || o->duration > 0)))
		die("--loop needs --dpdk and a bound (--count or --duration)");
	if ((m->bad_frames || o->frames_dir) && o->udp)
		die("--bad-frames and --frames-dir write whole frames: pcap only, not with --udp");
	if (!o->dpdk && (o->rate == 0 || o->rate > RATE_MAX))
		die("--rate must be in 1..%u (--rate 0 only with --dpdk)", RATE_MAX);
	/* Deterministic MACs as in the demo network: 02:00:00:00:00:<last octet>
	 * (IPv6: the address's last byte, the same for fd00:99::<last octet>). */
	if (!o->have_src_mac)
		memcpy(a->src_mac, (uint8_t[6]){ 2, 0, 0, 0, 0, src_last }, 6);
	if (!o->have_dst_mac)
		memcpy(a->dst_mac, (uint8_t[6]){ 2, 0, 0, 0, 0, dst_last }, 6);
	memcpy(a6->src_mac, a->src_mac, 6);
	memcpy(a6->dst_mac, a->dst_mac, 6);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Raw frames (*.bin, in name order) appended to the mix as they are. */
static void add_raw_frames(const char *dir, sl_gen_mix_t *m)
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
			if ((names[nn++] = strdup(e->d_name)) == NULL)
				die("out of memory");
		}
	}
	closedir(dh);
	qsort(names, nn, sizeof names[0], cmp_str);
	for (size_t i = 0; i < nn; i++) {
		char path[4096];
		static uint8_t buf[SL_BAD_FRAME_CAP];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "rb");
		if (f == NULL)
			die("%s: %s", path, strerror(errno));
		size_t sz = fread(buf, 1, sizeof buf, f);
		fclose(f);
		if (sl_gen_mix_add_frame(m, buf, sz, names[i]) != 0)
			die("out of memory");
		free(names[i]);
	}
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

/* The progress line: on a terminal (stderr) and without --quiet, redrawn in
 * place with \r at most 4 times a second, the first time after 250 ms (a
 * run that ends sooner prints none). Time left is the sooner of the end of
 * the count at the rate (the set one, else the one measured) and the end of
 * --duration. */
struct progress {
	int on, drawn;
	uint64_t total;  /* UINT64_MAX: unbounded */
	unsigned rate;   /* the set rate; 0: unpaced */
	double duration; /* 0: none */
	double last;     /* seconds of the last draw */
};

#define PROGRESS_EVERY_S 0.25

/* rate: the pace of the sending, 0 when unpaced (pcap writes, --rate 0). */
static void progress_init(struct progress *p, const struct opts *o, uint64_t total, unsigned rate)
{
	*p = (struct progress){ .on = !o->quiet && isatty(STDERR_FILENO), .total = total, .rate = rate,
				.duration = o->duration };
}

static void progress_draw(struct progress *p, uint64_t sent, double elapsed, int final)
{
	if (!p->on || (final ? !p->drawn : elapsed - p->last < PROGRESS_EVERY_S))
		return;
	p->last = elapsed;
	p->drawn = 1;
	double measured = elapsed > 0 ? (double)sent / elapsed : 0;
	double rate = p->rate ? p->rate : measured, left = -1;
	if (p->total != UINT64_MAX && rate > 0)
		left = (double)(p->total - (sent < p->total ? sent : p->total)) / rate;
	if (p->duration > 0 && (left < 0 || p->duration - elapsed < left))
		left = p->duration - elapsed > 0 ? p->duration - elapsed : 0;
	char done[48] = "", eta[32] = "";
	if (p->total != UINT64_MAX)
		snprintf(done, sizeof done, "/%" PRIu64 " (%.0f%%)", p->total,
			 p->total ? 100.0 * (double)sent / (double)p->total : 100.0);
	if (left >= 0 && !final)
		snprintf(eta, sizeof eta, ", %.1f s left", left);
	fprintf(stderr, "\rsluice-gen: sent %" PRIu64 "%s, %.0f/s, %.1f s%s\033[K%s", sent, done, measured,
		elapsed, eta, final ? "\n" : "");
	fflush(stderr);
}

static void progress_dpdk(void *arg, uint64_t frames, double seconds)
{
	progress_draw(arg, frames, seconds, 0);
}

static volatile sig_atomic_t stop;

static void on_signal(int s)
{
	(void)s;
	stop = 1;
}

union sockaddr_any {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* The socket address of a's family for a's address and `port`. */
static socklen_t sockaddr_of(const sl_gen_addr_t *a, uint16_t port, union sockaddr_any *sa)
{
	memset(sa, 0, sizeof *sa);
	if (a->family == 6) {
		sa->in6.sin6_family = AF_INET6;
		sa->in6.sin6_port = htons(port);
		memcpy(&sa->in6.sin6_addr, a->ip, 16);
		return sizeof sa->in6;
	}
	sa->in.sin_family = AF_INET;
	sa->in.sin_port = htons(port);
	memcpy(&sa->in.sin_addr, a->ip, 4);
	return sizeof sa->in;
}

/* Outputs opened for a run. */
struct out {
	int fd;
	pcap_t *pd;
	pcap_dumper_t *pw;
	FILE *mf;
};

static void out_open(const struct opts *o, struct out *w)
{
	*w = (struct out){ .fd = -1 };
	if (o->udp) {
		w->fd = socket(o->dst.family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
		if (w->fd < 0)
			die("socket: %s", strerror(errno));
		union sockaddr_any src;
		if (o->have_src && bind(w->fd, &src.sa, sockaddr_of(&o->src, o->src.port, &src)) != 0)
			die("bind --src: %s", strerror(errno));
	}
	if (o->pcap) {
		w->pd = pcap_open_dead(DLT_EN10MB, 65535);
		w->pw = w->pd ? pcap_dump_open(w->pd, o->pcap) : NULL;
		if (w->pw == NULL)
			die("--pcap %s: %s", o->pcap, w->pd ? pcap_geterr(w->pd) : "pcap_open_dead failed");
	}
	if (o->manifest) {
		w->mf = fopen(o->manifest, "w");
		if (w->mf == NULL)
			die("--manifest %s: %s", o->manifest, strerror(errno));
		fprintf(w->mf, "# sluice-gen seed=%" PRIu64 " shared_seed=%" PRIu64 " share=%u\n"
			       "# seq kind id size detail\n",
			o->mix.seed, o->mix.shared_seed, o->mix.share);
	}
}

static void out_close(const struct opts *o, struct out *w)
{
	if (w->pw)
		pcap_dump_close(w->pw);
	if (w->pd)
		pcap_close(w->pd);
	if (w->mf && fclose(w->mf) != 0)
		die("--manifest %s: %s", o->manifest, strerror(errno));
	if (w->fd >= 0)
		close(w->fd);
}

/* Datagram i as a frame in the pcap, timestamped as if sent at --rate. */
static void pcap_write(const struct opts *o, struct out *w, const sl_gen_dgram_t *g, size_t i)
{
	static uint8_t frame[SL_BAD_FRAME_CAP];
	uint64_t us = o->rate ? (uint64_t)i * 1000000u / o->rate : 0;
	struct pcap_pkthdr h = { .ts = { .tv_sec = (time_t)(us / 1000000u), .tv_usec = (suseconds_t)(us % 1000000u) } };
	const uint8_t *bytes = g->bytes;
	size_t sz = g->sz;
	if (!sl_gen_dgram_is_frame(g) && o->dst.family == 6) {
		sl_udp6_addr_t a = o->frame6;
		a.dst_port = sl_gen_dgram_port(g, a.dst_port);
		sz = sl_pkt_build_udp6(frame, sizeof frame, &a, g->bytes, g->sz);
		bytes = frame;
	} else if (!sl_gen_dgram_is_frame(g)) {
		sl_udp4_addr_t a = o->mix.frame_addr;
		a.dst_port = sl_gen_dgram_port(g, a.dst_port);
		sz = sl_pkt_build_udp4(frame, sizeof frame, &a, (uint16_t)i, g->bytes, g->sz);
		bytes = frame;
	}
	h.caplen = h.len = (bpf_u_int32)sz;
	pcap_dump((u_char *)w->pw, &h, bytes);
}

static void send_dpdk(const struct opts *o, const sl_gen_mix_t *mix)
{
	struct progress p;
	progress_init(&p, o, o->loop ? o->count : (o->count < mix->n ? o->count : mix->n), o->rate);
	sl_gen_dpdk_opts_t d = { .port = o->dpdk, .rate = o->rate, .count = o->count, .duration = o->duration,
				 .loop = o->loop, .stop = &stop, .progress = progress_dpdk, .progress_arg = &p };
	sl_gen_dpdk_result_t r;
	char err[512];
	const sl_gen_dpdk_hdrs_t h = {.a4 = &o->mix.frame_addr, .a6 = o->dst.family == 6 ? &o->frame6 : NULL};
	int rc = sl_gen_dpdk_send(&d, mix, &h, &r, err, sizeof err);
	progress_draw(&p, r.frames, r.seconds, 1);
	if (rc != 0)
		die("--dpdk %s: %s", o->dpdk, err);
	double s = r.seconds > 0 ? r.seconds : 1e-9;
	fprintf(stderr,
		"sluice-gen: dpdk %s: %" PRIu64 " frames, %" PRIu64 " bytes in %.3f s: %.3f Mpps, %.3f Gbit/s"
		" (%" PRIu64 " bursts not taken whole, %" PRIu64 " frames too large for an mbuf)\n",
		o->dpdk, r.frames, r.bytes, r.seconds, (double)r.frames / s / 1e6, (double)r.bytes * 8 / s / 1e9,
		r.tx_full, r.skipped);
}

int main(int argc, char **argv)
{
	struct opts o;
	parse_opts(argc, argv, &o);
	if (sodium_init() < 0)
		die("libsodium failed to initialise");

	sl_gen_mix_t mix;
	char err[256];
	if (sl_gen_mix_build(&o.mix, &mix, err, sizeof err) != 0)
		die("%s", err);
	if (o.frames_dir)
		add_raw_frames(o.frames_dir, &mix);
	size_t n = o.count < mix.n ? (size_t)o.count : mix.n;

	/* Interrupted, it still closes the pcap and the manifest of what it sent. */
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct out w;
	out_open(&o, &w);
	uint64_t sent[SL_GEN__KINDS] = { 0 }, send_errors = 0;
	struct progress p;
	progress_init(&p, &o, n, o.udp ? o.rate : 0);
	double t0 = now_s();
	size_t i;
	for (i = 0; i < n && !stop; i++) {
		const sl_gen_dgram_t *g = &mix.d[i];
		if (p.on)
			progress_draw(&p, i, now_s() - t0, 0);
		if (o.udp) {
			double due = t0 + (double)i / o.rate;
			if (o.duration > 0 && due - t0 >= o.duration)
				break;
			if (now_s() < due)
				sleep_until(due);
			union sockaddr_any dst;
			socklen_t len = sockaddr_of(&o.dst, sl_gen_dgram_port(g, o.dst.port), &dst);
			if (sendto(w.fd, g->bytes, g->sz, 0, &dst.sa, len) != (ssize_t)g->sz)
				send_errors++;
		}
		if (w.pw)
			pcap_write(&o, &w, g, i);
		sent[g->kind]++;
		if (w.mf)
			fprintf(w.mf, "%zu %s %s %u %s\n", i, sl_gen_kind_name(g->kind), g->id, g->sz, g->detail);
	}
	double elapsed = now_s() - t0;
	progress_draw(&p, i, elapsed, 1);
	out_close(&o, &w);
	if (o.dpdk && !stop)
		send_dpdk(&o, &mix);

	if (!o.quiet) {
		fprintf(stderr, "sluice-gen: %zu datagrams (", i);
		for (int k = 0; k < SL_GEN__KINDS; k++)
			fprintf(stderr, "%s%s %" PRIu64, k ? ", " : "", sl_gen_kind_name(k), sent[k]);
		fprintf(stderr, ") in %.3f s%s%s%s\n", elapsed, o.udp ? " over udp" : "", o.pcap ? " to " : "",
			o.pcap ? o.pcap : "");
	}
	if (send_errors)
		fprintf(stderr, "sluice-gen: %" PRIu64 " datagrams could not be sent\n", send_errors);
	sl_gen_mix_free(&mix);
	return send_errors ? 1 : 0;
}
