/* sluice-sink: the receiving end of the demo and the end-to-end tests. It
 * takes datagrams from a UDP socket (--listen) or the UDP payloads of a pcap
 * file (--pcap, e.g. what sluice-dp wrote to its tx pcap), parses each with
 * sl_txn_parse, verifies its signatures, records its id, and writes a JSON
 * summary that a test compares with sluice-gen's manifests. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
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

#include "sl_base58.h"
#include "sl_gen_addr.h"
#include "sl_pkt_build.h"
#include "sl_txn.h"
#include "sluice/sl_pkt_sanity.h"

#define BURST 64
#define DGRAM_MAX 65536

struct sig { uint8_t b[SL_TXN_SIG_SZ]; };

/* Ids seen, in arrival order, with an open-addressed index over them. */
struct idset {
	struct sig *ids;
	uint32_t n, cap;
	uint32_t *slot; /* index + 1, 0 = empty */
	uint32_t nslot;
};

/* Ids to list in the summary, by verdict. */
struct idlist {
	struct sig *ids;
	uint32_t n, cap;
};

struct sink {
	uint64_t received, bytes, frames, skipped, malformed, invalid, duplicates, bad_gossip;
	uint64_t reason[SL_TXN_ERR__COUNT];
	struct idset seen;
	struct idlist dup_ids, invalid_ids;
	int gossip;
};

static volatile sig_atomic_t stop;

static void on_signal(int s)
{
	(void)s;
	stop = 1;
}

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "sluice-sink: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void *xrealloc(void *p, size_t sz)
{
	p = realloc(p, sz);
	if (p == NULL)
		die("out of memory");
	return p;
}

static uint32_t sig_hash(const struct sig *s)
{
	uint32_t h;
	memcpy(&h, s->b, sizeof h); /* signatures are uniformly random bytes */
	return h;
}

static void idset_grow(struct idset *set)
{
	uint32_t nslot = set->nslot ? set->nslot * 2 : 1024;
	free(set->slot);
	set->slot = calloc(nslot, sizeof *set->slot);
	if (set->slot == NULL)
		die("out of memory");
	set->nslot = nslot;
	for (uint32_t i = 0; i < set->n; i++) {
		uint32_t h = sig_hash(&set->ids[i]) & (nslot - 1);
		while (set->slot[h])
			h = (h + 1) & (nslot - 1);
		set->slot[h] = i + 1;
	}
}

/* Adds s; returns 1 when it is new, 0 when it was there. */
static int idset_add(struct idset *set, const struct sig *s)
{
	if (2 * (set->n + 1) > set->nslot)
		idset_grow(set);
	uint32_t h = sig_hash(s) & (set->nslot - 1);
	for (; set->slot[h]; h = (h + 1) & (set->nslot - 1))
		if (memcmp(set->ids[set->slot[h] - 1].b, s->b, sizeof s->b) == 0)
			return 0;
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 1024;
		set->ids = xrealloc(set->ids, set->cap * sizeof *set->ids);
	}
	set->ids[set->n] = *s;
	set->slot[h] = ++set->n;
	return 1;
}

static void idlist_add(struct idlist *l, const uint8_t *sig)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->ids = xrealloc(l->ids, l->cap * sizeof *l->ids);
	}
	memcpy(l->ids[l->n++].b, sig, SL_TXN_SIG_SZ);
}

static void sink_datagram(struct sink *k, const uint8_t *p, size_t sz)
{
	k->received++;
	k->bytes += sz;
	if (k->gossip) {
		/* A gossip frame: its header by the relay's rules, then the transaction. */
		if (sl_gossip_check(p, (uint32_t)sz) != SL_GOSSIP_OK) {
			k->bad_gossip++;
			return;
		}
		p += sizeof(struct sl_gossip_hdr);
		sz -= sizeof(struct sl_gossip_hdr);
	}
	sl_txn_t t;
	sl_txn_err_t err = sl_txn_parse(p, sz, &t);
	if (err != SL_TXN_OK) {
		k->malformed++;
		k->reason[err]++;
		return;
	}
	for (unsigned i = 0; i < t.nsig; i++) {
		if (crypto_sign_verify_detached(sl_txn_sig(p, &t, i), sl_txn_msg(p, &t), sl_txn_msg_sz(&t),
						sl_txn_signer(p, &t, i)) != 0) {
			k->invalid++;
			idlist_add(&k->invalid_ids, sl_txn_id(p, &t));
			return;
		}
	}
	struct sig s;
	memcpy(s.b, sl_txn_id(p, &t), sizeof s.b);
	if (!idset_add(&k->seen, &s)) {
		k->duplicates++;
		idlist_add(&k->dup_ids, s.b);
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void run_udp(struct sink *k, const char *listen, double duration, double idle_exit)
{
	sl_gen_addr_t at;
	char err[256];
	if (sl_gen_addr_parse(listen, 1, &at, err, sizeof err) != 0)
		die("--listen: %s", err);
	int fd = socket(at.family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	/* Relays send in bursts: a deep socket buffer (beyond rmem_max when root). */
	int rcvbuf = 8 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} a = { 0 };
	socklen_t alen = sizeof a.in;
	if (at.family == 6) {
		a.in6 = (struct sockaddr_in6){ .sin6_family = AF_INET6,
					       .sin6_port = htons(at.port) };
		memcpy(&a.in6.sin6_addr, at.ip, 16);
		alen = sizeof a.in6;
	} else {
		a.in = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(at.port) };
		memcpy(&a.in.sin_addr, at.ip, 4);
	}
	if (bind(fd, (struct sockaddr *)&a, alen) != 0)
		die("bind %s: %s", listen, strerror(errno));
	fprintf(stderr, "sluice-sink: listening on %s\n", listen);

	static uint8_t bufs[BURST][DGRAM_MAX];
	struct iovec iov[BURST];
	struct mmsghdr msgs[BURST];
	for (int i = 0; i < BURST; i++) {
		iov[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = DGRAM_MAX };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	/* Idle time counts from the first datagram: senders may take a while to
	 * build their traffic; --duration bounds the wait for it. */
	double start = now_s(), last = 0;
	while (!stop) {
		double t = now_s();
		if (duration > 0 && t - start >= duration)
			break;
		if (idle_exit > 0 && last > 0 && t - last >= idle_exit)
			break;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		int n = recvmmsg(fd, msgs, BURST, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("recvmmsg: %s", strerror(errno));
		}
		for (int i = 0; i < n; i++)
			sink_datagram(k, bufs[i], msgs[i].msg_len);
		last = now_s();
	}
	close(fd);
}

/* UDP payloads of the frames that pass the relay's own sanity rules
 * (sl_pkt_check) and go to `port` (any when 0); the others are skipped. */
static void run_pcap(struct sink *k, const char *file, unsigned port)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(file, err);
	if (pc == NULL)
		die("--pcap %s: %s", file, err);
	if (pcap_datalink(pc) != DLT_EN10MB)
		die("--pcap %s: not an Ethernet capture", file);
	struct pcap_pkthdr *h;
	const u_char *f;
	int rc;
	while ((rc = pcap_next_ex(pc, &h, &f)) == 1) {
		k->frames++;
		sl_pkt_view_t v;
		if (sl_pkt_check(f, h->caplen, &v) != SL_PKT_OK ||
		    (port && sl_pkt_rd_be16(f + v.l4_off + 2) != port)) {
			k->skipped++;
			continue;
		}
		sink_datagram(k, f + v.payload_off, v.payload_len);
	}
	if (rc == -1)
		die("--pcap %s: %s", file, pcap_geterr(pc));
	pcap_close(pc);
}

static void json_ids(FILE *f, const char *name, const struct sig *ids, uint32_t n)
{
	fprintf(f, ",\n \"%s\": [", name);
	for (uint32_t i = 0; i < n; i++) {
		char s[SL_BASE58_SIG_STRLEN];
		sl_base58_encode(ids[i].b, sizeof ids[i].b, s, sizeof s);
		fprintf(f, "%s\n  \"%s\"", i ? "," : "", s);
	}
	fprintf(f, "%s]", n ? "\n " : "");
}

static void write_summary(const struct sink *k, FILE *f, const char *source)
{
	fprintf(f, "{\"source\": \"%s\",\n \"received\": %" PRIu64 ", \"bytes\": %" PRIu64
		   ", \"frames\": %" PRIu64 ", \"skipped\": %" PRIu64 ",\n \"unique\": %" PRIu32
		   ", \"duplicates\": %" PRIu64 ", \"invalid_sig\": %" PRIu64 ", \"malformed\": %" PRIu64
		   ", \"bad_gossip_header\": %" PRIu64 ",\n \"malformed_by_reason\": {",
		source, k->received, k->bytes, k->frames, k->skipped, k->seen.n, k->duplicates, k->invalid,
		k->malformed, k->bad_gossip);
	int first = 1;
	for (int r = 1; r < SL_TXN_ERR__COUNT; r++) {
		if (k->reason[r]) {
			fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ", sl_txn_err_name(r), k->reason[r]);
			first = 0;
		}
	}
	fprintf(f, "}");
	json_ids(f, "ids", k->seen.ids, k->seen.n);
	json_ids(f, "duplicate_ids", k->dup_ids.ids, k->dup_ids.n);
	json_ids(f, "invalid_ids", k->invalid_ids.ids, k->invalid_ids.n);
	fprintf(f, "}\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: sluice-sink (--listen IP:PORT | --listen [IPV6]:PORT\n"
			"                    [--duration S] [--idle-exit S] |\n"
			"                    --pcap FILE [--port P])\n"
			"                   [--gossip] [--summary FILE] [--quiet]\n"
			"  --duration S   stop after S seconds (default 30)\n"
			"  --idle-exit S  stop once S seconds pass without a datagram, after the first\n"
			"  --gossip       datagrams are gossip frames: check and strip the 16-byte header\n"
			"  --summary FILE write the JSON summary there (default: stdout)\n");
	exit(2);
}

static double parse_seconds(const char *name, const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (*end != 0 || !(v >= 0))
		die("--%s: '%s' is not a number of seconds", name, s);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", 1, 0, 'l' },    { "pcap", 1, 0, 'p' },    { "port", 1, 0, 'P' },
		{ "duration", 1, 0, 'd' },  { "idle-exit", 1, 0, 'i' }, { "summary", 1, 0, 's' },
		{ "gossip", 0, 0, 'g' },    { "quiet", 0, 0, 'q' },   { "help", 0, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *listen = NULL, *pcap = NULL, *summary = NULL;
	double duration = 30, idle_exit = 0;
	unsigned port = 0;
	int quiet = 0, c;
	struct sink k = { 0 };
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'l': listen = optarg; break;
		case 'p': pcap = optarg; break;
		case 'P': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end != 0 || v == 0 || v > 65535)
				die("--port: '%s' is not a port", optarg);
			port = (unsigned)v;
			break;
		}
		case 'd': duration = parse_seconds("duration", optarg); break;
		case 'i': idle_exit = parse_seconds("idle-exit", optarg); break;
		case 's': summary = optarg; break;
		case 'g': k.gossip = 1; break;
		case 'q': quiet = 1; break;
		default: usage();
		}
	}
	if (optind != argc || !listen == !pcap)
		usage();
	if (sodium_init() < 0)
		die("libsodium failed to initialise");
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	char source[512];
	if (listen) {
		snprintf(source, sizeof source, "udp %s", listen);
		run_udp(&k, listen, duration, idle_exit);
	} else {
		snprintf(source, sizeof source, "pcap %.480s", pcap);
		run_pcap(&k, pcap, port);
	}
	FILE *f = summary ? fopen(summary, "w") : stdout;
	if (f == NULL)
		die("--summary %s: %s", summary, strerror(errno));
	write_summary(&k, f, source);
	if (summary && fclose(f) != 0)
		die("--summary %s: %s", summary, strerror(errno));
	if (!quiet)
		fprintf(stderr,
			"sluice-sink: %" PRIu64 " datagrams: %" PRIu32 " unique valid, %" PRIu64 " duplicates, %" PRIu64
			" invalid signatures, %" PRIu64 " malformed\n",
			k.received, k.seen.n, k.duplicates, k.invalid, k.malformed);
	free(k.seen.ids);
	free(k.seen.slot);
	free(k.dup_ids.ids);
	free(k.invalid_ids.ids);
	return 0;
}
