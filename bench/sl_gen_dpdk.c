#include "sl_gen_dpdk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "sl_config.h"
#include "sl_eal.h"
#include "sl_port.h"

#define BURST 32
#define POOL_MBUFS 4095 /* enough for the tx ring and bursts in flight */
/* af_xdp puts the mbufs in its UMEM, whose chunks are at most a page: frames
 * that do not fit one mbuf (the jumbo bad frame) are skipped and counted. */
#define MBUF_DATA RTE_MBUF_DEFAULT_BUF_SIZE

int sl_gen_dpdk_port_ok(const char *port)
{
	if (strcmp(port, "null") == 0)
		return 1;
	size_t n = strlen(port);
	return strncmp(port, "af_xdp:", 7) == 0 && n > 7 && n - 7 < SL_CFG_IFACE_MAX;
}

/* Every datagram of the mix as its frame, built once before sending, so
 * that sending one is a copy (bench pkt_build: several times cheaper). */
struct frames {
	uint8_t *bytes;
	size_t *off;
	uint32_t *sz;
	size_t n;
};

static void frames_free(struct frames *f)
{
	free(f->bytes);
	free(f->off);
	free(f->sz);
}

static int frames_build(struct frames *f, const sl_gen_mix_t *m, const sl_gen_dpdk_hdrs_t *h)
{
	const size_t hdrs = h->a6 ? SL_PKT_HDRS6_SZ : SL_PKT_HDRS_SZ;
	size_t total = 0;
	for (size_t i = 0; i < m->n; i++)
		total += m->d[i].sz + (sl_gen_dgram_is_frame(&m->d[i]) ? 0 : hdrs);
	*f = (struct frames){ .bytes = malloc(total + 1), .off = calloc(m->n, sizeof *f->off),
			      .sz = calloc(m->n, sizeof *f->sz), .n = m->n };
	if (f->bytes == NULL || f->off == NULL || f->sz == NULL)
		return -1;
	size_t at = 0;
	for (size_t i = 0; i < m->n; i++) {
		const sl_gen_dgram_t *g = &m->d[i];
		uint8_t *out = f->bytes + at;
		size_t sz = g->sz;
		if (sl_gen_dgram_is_frame(g)) {
			memcpy(out, g->bytes, sz);
		} else if (h->a6) {
			sl_udp6_addr_t to = *h->a6;
			to.dst_port = sl_gen_dgram_port(g, h->a6->dst_port);
			sz = sl_pkt_build_udp6(out, total - at, &to, g->bytes, g->sz);
		} else {
			sl_udp4_addr_t to = *h->a4;
			to.dst_port = sl_gen_dgram_port(g, h->a4->dst_port);
			sz = sl_pkt_build_udp4(out, total - at, &to, (uint16_t)i, g->bytes, g->sz);
		}
		f->off[i] = at;
		f->sz[i] = (uint32_t)sz;
		at += sz;
	}
	return 0;
}

static int fill(struct rte_mbuf *mb, const struct frames *f, size_t i)
{
	if (f->sz[i] > rte_pktmbuf_tailroom(mb))
		return -1;
	memcpy(rte_pktmbuf_mtod(mb, uint8_t *), f->bytes + f->off[i], f->sz[i]);
	mb->data_len = (uint16_t)f->sz[i];
	mb->pkt_len = f->sz[i];
	return 0;
}

static void send_loop(const sl_gen_dpdk_opts_t *o, const struct frames *m, uint16_t port,
		      struct rte_mempool *pool, sl_gen_dpdk_result_t *r)
{
	uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc();
	uint64_t deadline = o->duration > 0 ? start + (uint64_t)(o->duration * (double)hz) : UINT64_MAX;
	uint64_t limit = o->loop ? o->count : (o->count < m->n ? o->count : m->n);
	uint64_t pos = 0; /* frames taken from the mix */
	uint64_t tick = hz / 10, next_progress = start + tick;
	size_t at = 0;
	while (pos < limit && !*o->stop) {
		uint64_t now = rte_rdtsc();
		if (now >= deadline)
			break;
		if (o->progress != NULL && now >= next_progress) {
			o->progress(o->progress_arg, r->frames, (double)(now - start) / (double)hz);
			next_progress = now + tick;
		}
		uint64_t n = limit - pos < BURST ? limit - pos : BURST;
		if (o->rate) {
			/* Paced: only the frames that are due by now. */
			uint64_t due = (uint64_t)((double)(now - start) * o->rate / (double)hz) + 1;
			if (due <= pos) {
				rte_pause();
				continue;
			}
			n = due - pos < n ? due - pos : n;
		}
		struct rte_mbuf *mb[BURST];
		if (rte_pktmbuf_alloc_bulk(pool, mb, (unsigned)n) != 0)
			continue; /* all in the tx ring; they come back as it drains */
		unsigned built = 0;
		uint32_t len[BURST];
		for (unsigned i = 0; i < n; i++) {
			size_t k = at;
			at = at + 1 == m->n ? 0 : at + 1;
			if (fill(mb[built], m, k) != 0) {
				r->skipped++;
				continue;
			}
			len[built] = mb[built]->pkt_len;
			built++;
		}
		rte_pktmbuf_free_bulk(mb + built, (unsigned)n - built);
		unsigned sent = 0;
		while (sent < built && rte_rdtsc() < deadline && !*o->stop) {
			unsigned k = rte_eth_tx_burst(port, 0, mb + sent, (uint16_t)(built - sent));
			r->tx_full += k < built - sent;
			sent += k;
		}
		rte_pktmbuf_free_bulk(mb + sent, built - sent);
		pos += n;
		r->frames += sent;
		for (unsigned i = 0; i < sent; i++)
			r->bytes += len[i];
	}
	r->seconds = (double)(rte_rdtsc() - start) / (double)hz;
}

int sl_gen_dpdk_send(const sl_gen_dpdk_opts_t *o, const sl_gen_mix_t *m, const sl_gen_dpdk_hdrs_t *h,
		     sl_gen_dpdk_result_t *r, char *err, size_t errsz)
{
	*r = (sl_gen_dpdk_result_t){ 0 };
	if (!sl_gen_dpdk_port_ok(o->port)) {
		snprintf(err, errsz, "port '%s' is neither af_xdp:IFACE nor null", o->port);
		return -1;
	}
	if (m->n == 0) {
		snprintf(err, errsz, "nothing to send");
		return -1;
	}
	char prefix[32];
	snprintf(prefix, sizeof prefix, "sluice-gen-%d", (int)getpid());
	struct sl_eal_opts eo = { .prog = "sluice-gen", .mem_mb = 256, .file_prefix = prefix };
	if (sl_eal_init_opts(&eo) != 0) {
		snprintf(err, errsz, "the DPDK EAL did not start");
		return -1;
	}
	struct rte_mempool *pool =
		rte_pktmbuf_pool_create("sl_gen", POOL_MBUFS, 256, 0, MBUF_DATA, (int)rte_socket_id());
	if (pool == NULL) {
		snprintf(err, errsz, "no memory for the mbuf pool: %s", rte_strerror(rte_errno));
		return -1;
	}
	sl_config_t cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.queues = 1;
	if (strcmp(o->port, "null") == 0) {
		cfg.port_type = SL_PORT_NULL;
	} else {
		cfg.port_type = SL_PORT_AF_XDP;
		snprintf(cfg.iface, sizeof cfg.iface, "%s", o->port + 7);
	}
	sl_port_t port;
	if (sl_port_open(&port, &cfg, 1, 1, pool, err, errsz) != 0) {
		rte_mempool_free(pool);
		return -1;
	}
	struct frames f;
	int rc = frames_build(&f, m, h);
	if (rc == 0)
		send_loop(o, &f, port.id, pool, r);
	else
		snprintf(err, errsz, "out of memory for the frames");
	frames_free(&f);
	sl_port_close(&port);
	rte_mempool_free(pool);
	sl_eal_cleanup();
	return rc;
}
