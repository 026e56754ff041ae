/* sluice-dp: the DPDK dataplane (dataplane/README.md).
 *
 *   sluice-dp [--check] [--duration SECONDS] [--stats-json FILE] -c CONFIG
 *
 * With one worker the main lcore runs the whole pipeline; with N workers the
 * main lcore is the rx stage and lcores 1..N are the dedup shards. A signal
 * or the end of --duration stops rx first; then each worker takes what is
 * left in its ring, verifies and sends its batch, so that no packet taken in
 * is lost uncounted. A table thread (sl_tables) applies the control daemon's
 * live peer table (common/sl_peertab.h) while traffic flows; every lcore
 * that reads the peers reports an RCU quiescent state once per loop. With
 * the XDP prefilter, its lists outlive a restart through the state file
 * (sl_pfstate): restored at start, saved by the autoblock thread at each
 * sweep and once more at a clean exit. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "sl_autoblock.h"
#include "sl_config.h"
#include "sl_eal.h"
#include "sl_metrics.h"
#include "sl_nexthop.h"
#include "sl_peertab.h"
#include "sl_pfstate.h"
#include "sl_pipeline.h"
#include "sl_port.h"
#include "sl_bpfobj.h"
#include "sl_prefilter.h"
#include "sl_stats.h"
#include "sl_tables.h"
#include "sl_telemetry.h"

#define SL_RX_BURST 32
#define SL_POOL_MBUFS 16383
#define SL_POOL_CACHE 256
#define SL_EAL_MEM_MB 512

struct app {
	sl_config_t cfg;
	sl_port_t port;
	sl_prefilter_t pf; /* fds -1 without an xdp_prog */
	sl_pipeline_t *p;
	struct sl_peertab *peertab; /* NULL: static peers only */
	sl_tables_t *tables;
	sl_metrics_t *metrics; /* NULL: listen = off, or it could not listen */
	sl_autoblock_t *autoblock; /* NULL: no prefilter */
	sl_pfstate_keeper_t *pfstate; /* NULL: no prefilter, or no [prefilter] state_file */
	sl_pf_sweep_state_t sweep; /* the last sweep's, the autoblock thread's */
	bool pinned;               /* the prefilter's maps, for sluicectl */
	uint64_t deadline; /* TSC, 0: none */
	volatile bool rx_done;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	(void)sig;
	stop_signal = 1;
}

static bool stopping(const struct app *a)
{
	return stop_signal || (a->deadline && rte_rdtsc() >= a->deadline);
}

static void idle(const struct app *a)
{
	if (a->cfg.idle_sleep_us)
		rte_delay_us_sleep(a->cfg.idle_sleep_us);
}

/* One pass over every rx queue; returns the packets taken. */
static unsigned rx_pass(struct app *a)
{
	struct rte_mbuf *pkts[SL_RX_BURST];
	unsigned total = 0;
	for (uint16_t q = 0; q < a->port.nb_rxq; q++) {
		uint16_t n = rte_eth_rx_burst(a->port.id, q, pkts, SL_RX_BURST);
		if (n) {
			sl_pipeline_process_burst(a->p, pkts, n, rte_rdtsc());
			total += n;
		}
	}
	return total;
}

/* Main lcore, one worker: rx and the whole pipeline, run to completion. */
static void run_single(struct app *a)
{
	sl_pipeline_reader_online(a->p, 0);
	while (!stopping(a)) {
		unsigned n = rx_pass(a);
		sl_pipeline_worker_poll(a->p, 0, rte_rdtsc(), n == 0);
		sl_pipeline_quiescent(a->p, 0);
		if (!n)
			idle(a);
	}
	sl_pipeline_worker_drain(a->p, 0);
	sl_pipeline_reader_offline(a->p, 0);
}

/* Main lcore, several workers: the rx stage, and the tx of the workers'
 * frames when the port has fewer tx queues than workers. */
static void run_rx(struct app *a)
{
	sl_pipeline_reader_online(a->p, 0);
	while (!stopping(a)) {
		unsigned n = rx_pass(a);
		sl_pipeline_quiescent(a->p, 0);
		n += sl_pipeline_tx_poll(a->p);
		if (!n)
			idle(a);
	}
	sl_pipeline_reader_offline(a->p, 0);
	__atomic_store_n(&a->rx_done, true, __ATOMIC_RELEASE);
}

static struct app *the_app;

static int worker_main(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	struct app *a = the_app;
	unsigned reader = sl_pipeline_worker_reader(a->p, i);
	sl_pipeline_reader_online(a->p, reader);
	while (!__atomic_load_n(&a->rx_done, __ATOMIC_ACQUIRE)) {
		unsigned n = sl_pipeline_worker_poll(a->p, i, rte_rdtsc(), false);
		sl_pipeline_quiescent(a->p, reader);
		if (!n)
			idle(a);
	}
	sl_pipeline_worker_drain(a->p, i);
	sl_pipeline_reader_offline(a->p, reader);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sluice-dp [--check] [--duration SECONDS] [--stats-json FILE] -c CONFIG\n"
		   "  EAL flags: none needed; SLUICE_EAL_ARGS adds some (e.g. a --file-prefix)\n");
}

/* "(0-N)@(cpus)": every lcore may float over the CPUs we are allowed, so
 * that N workers + rx run on a machine with fewer cores (slower, but right). */
static void lcore_map(unsigned nlcores, char *buf, size_t n)
{
	cpu_set_t set;
	int first = -1, last = -1;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set)) {
				if (first < 0)
					first = c;
				last = c;
			}
	if (first < 0)
		first = last = 0;
	snprintf(buf, n, "--lcores=(0-%u)@(%d-%d)", nlcores - 1, first, last);
}

static int write_json(const char *path, const sl_config_t *cfg, const sl_stats_t *s,
		      const sl_peer_names_t *peers, const sl_srcdrops_top_t *sources,
		      const sl_pf_snapshot_t *prefilter, const sl_autoblock_stats_t *autoblock)
{
	FILE *f = fopen(path, "w");
	if (f)
		sl_stats_write_json(f, cfg, s, peers, sources, prefilter, autoblock);
	if (!f || fclose(f) != 0) {
		fprintf(stderr, "sluice-dp: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

/* The static peers' next-hop MACs: the config's, or for `mac = resolve`
 * the kernel's (sl_nexthop: the route to the peer, then the neighbour
 * entry of its gateway or of the peer itself), of either family. */
static int resolve_macs(const struct app *a, const char *path, uint8_t (*macs)[6])
{
	int bad = 0;
	sl_nl_t *nl = NULL;
	for (unsigned i = 0; i < a->cfg.npeers; i++) {
		const sl_cfg_peer_t *p = &a->cfg.peers[i];
		if (p->managed) {
			/* Its next hop is the control daemon's to find, whatever the
			 * config says (none, an address or "resolve"): unknown here,
			 * and never a reason not to start. */
			memset(macs[i], 0, 6);
			continue;
		}
		if (!p->mac_resolve) {
			memcpy(macs[i], p->mac, 6);
			continue;
		}
		if (nl == NULL && (nl = sl_nexthop_open()) == NULL) {
			fprintf(stderr, "sluice-dp: netlink, for mac = resolve: %s\n", strerror(errno));
			return -1;
		}
		const int af = p->family == 6 ? AF_INET6 : AF_INET;
		const uint8_t *ip = p->family == 6 ? p->ip6 : p->ip;
		sl_nexthop_t nh;
		if (sl_nexthop_lookup(nl, p->family, ip, &nh) != 0) {
			char who[INET6_ADDRSTRLEN], via[INET6_ADDRSTRLEN + 6] = "";
			inet_ntop(af, ip, who, sizeof(who));
			static const uint8_t none[16];
			if (memcmp(nh.via, none, 16) != 0 && memcmp(nh.via, ip, p->family == 6 ? 16 : 4) != 0) {
				strcpy(via, ", via ");
				inet_ntop(af, nh.via, via + 6, INET6_ADDRSTRLEN);
			}
			fprintf(stderr, "%s:%u: peer %s: mac = resolve, but the kernel has %s for %s%s\n",
				path, p->line, p->name,
				nh.ifindex == 0 ? "no route" : "no usable neighbour entry", who, via);
			bad = 1;
			continue;
		}
		memcpy(macs[i], nh.mac, 6);
	}
	sl_nexthop_close(nl);
	return bad ? -1 : 0;
}

/* The autoblock loop's hands on the prefilter (sl_autoblock.h): an IPv4
 * source's /32, an IPv6 source's /ip6_prefix. */
static int autoblock_block(void *ctx, const sl_srcaddr_t *src, uint64_t until_ns)
{
	const struct app *a = ctx;
	sl_cidr_t c;
	sl_srcaddr_cidr(src, &c);
	/* an allow that lands after autoblock_protect looked still wins */
	return sl_prefilter_block_unless_allowed(&a->pf, &c, until_ns);
}

static bool autoblock_protect(void *ctx, const sl_srcaddr_t *src)
{
	const struct app *a = ctx;
	return sl_autoblock_protected(&a->cfg, &a->pf, src);
}

/* Every SL_AUTOBLOCK_SWEEP_MS on the autoblock thread: expired entries out,
 * then the lists into the state file if they changed (whoever changed them:
 * the loop, sluicectl, the sweep), so that a crash loses about a second.
 * Both walk the lists only when they may have changed: a generation since,
 * or a block's end reached. */
static void autoblock_sweep(void *ctx, uint64_t now_ns)
{
	struct app *a = ctx;
	if (sl_prefilter_sweep_blocklist(&a->pf, now_ns, &a->sweep) < 0)
		fprintf(stderr, "sluice-dp: blocklist sweep: %s\n", strerror(errno));
	if (a->pfstate) {
		const sl_pfstate_clock_t now = sl_pfstate_clock_now();
		sl_pfstate_keeper_sync(a->pfstate, &a->pf, &now);
	}
}

/* The lists a run before this one left in the state file, into the maps
 * (before sl_prefilter_configure: no frame is redirected without them).
 * Never fatal: without a keeper the lists last until this run ends. */
static void restore_pfstate(struct app *a)
{
	if (!a->cfg.prefilter.state_file[0])
		return;
	a->pfstate = sl_pfstate_keeper_create(a->cfg.prefilter.state_file, stderr);
	if (!a->pfstate) {
		fprintf(stderr, "sluice-dp: no memory for the prefilter state file %s: the lists "
			"last until sluice-dp stops\n", a->cfg.prefilter.state_file);
		return;
	}
	const sl_pfstate_clock_t now = sl_pfstate_clock_now();
	sl_pfstate_restored_t r;
	sl_pfstate_keeper_restore(a->pfstate, &a->pf, &now, &r);
}

/* The closed loop and the blocklist's sweep, wherever there is a prefilter
 * to act through. */
static void start_autoblock(struct app *a)
{
	if (a->pf.block_fd < 0) {
		if (a->cfg.autoblock.enabled)
			fprintf(stderr, "sluice-dp: [autoblock] needs the XDP prefilter ([port] "
				"xdp_prog): sources are counted, not blocked\n");
		return;
	}
	static const sl_srcdrops_t *tables[SL_CFG_WORKERS_MAX];
	struct sl_autoblock_conf c = {
		.cfg = &a->cfg.autoblock, .tables = tables,
		.ntables = sl_pipeline_srcdrops(a->p, tables), .block = autoblock_block,
		.protect = autoblock_protect, .sweep = autoblock_sweep, .ctx = a, .log = stderr,
	};
	a->autoblock = sl_autoblock_create(&c);
	if (!a->autoblock || sl_autoblock_start(a->autoblock) != 0) {
		fprintf(stderr, "sluice-dp: no autoblock thread (%s): sources are counted, not "
			"blocked, and expired blocklist entries stay\n", strerror(errno));
		sl_autoblock_destroy(a->autoblock);
		a->autoblock = NULL;
	}
}

/* The control daemon's live peer table: applied once now, then by the table
 * thread. Without it, the config's static peers only: never fatal. */
static void start_tables(struct app *a)
{
	char err[256];
	a->peertab = sl_peertab_open(a->cfg.name, err, sizeof(err));
	if (!a->peertab) {
		fprintf(stderr, "sluice-dp: no live peer table (%s): static peers only\n", err);
		return;
	}
	if (err[0] != '\0')
		fprintf(stderr, "sluice-dp: %s\n", err);
	struct sl_tables_conf tc = {
		.p = a->p, .tab = a->peertab, .pf = a->pf.peers_fd >= 0 ? &a->pf : NULL,
	};
	a->tables = sl_tables_create(&tc);
	if (a->tables) {
		sl_tables_poll(a->tables, sl_tables_now_ms());
		if (sl_tables_start(a->tables) == 0)
			return;
	}
	fprintf(stderr, "sluice-dp: no table thread (%s): static peers only\n", strerror(errno));
	sl_tables_destroy(a->tables);
	a->tables = NULL;
	sl_peertab_close(a->peertab);
	a->peertab = NULL;
}

struct args {
	const char *path, *json;
	bool check;
	double duration;
};

/* 0, or the exit status to leave with (usage printed). */
static int parse_args(int argc, char **argv, struct args *g)
{
	static const struct option opts[] = {
		{"check", no_argument, NULL, 'k'},
		{"duration", required_argument, NULL, 'd'},
		{"stats-json", required_argument, NULL, 'j'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int o;
	while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		char *end;
		switch (o) {
		case 'k': g->check = true; break;
		case 'c': g->path = optarg; break;
		case 'j': g->json = optarg; break;
		case 'd':
			g->duration = strtod(optarg, &end);
			if (*end || g->duration <= 0) {
				fprintf(stderr, "sluice-dp: --duration wants a positive number of seconds\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return 2;
		}
	}
	if (!g->path || optind != argc) {
		usage(stderr);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct args g = {0};
	int st = parse_args(argc, argv, &g);
	if (st)
		return st < 0 ? 0 : st;
	static struct app app;
	struct app *a = &app;
	the_app = a;
	if (sl_config_load(g.path, &a->cfg, sl_config_report_print, stderr) != 0)
		return 1;
	if (g.check) {
		printf("config OK\n");
		return 0;
	}
	static uint8_t peer_macs[SL_CFG_PEERS_MAX][6];
	if (resolve_macs(a, g.path, peer_macs) != 0)
		return 1;

	char prefix[64], lcores[64];
	snprintf(prefix, sizeof(prefix), "sluice-%.*s", SL_CFG_NAME_MAX - 1, a->cfg.name);
	unsigned nlcores = a->cfg.workers == 1 ? 1 : a->cfg.workers + 1;
	lcore_map(nlcores, lcores, sizeof(lcores));
	char *extra[] = {lcores};
	struct sl_eal_opts eo = {
		.prog = "sluice-dp", .mem_mb = SL_EAL_MEM_MB, .file_prefix = prefix,
		.telemetry = true, .argc_extra = 1, .argv_extra = extra,
	};
	if (sl_eal_init_opts(&eo) != 0)
		return 1;
	if (rte_lcore_count() < nlcores) {
		fprintf(stderr, "sluice-dp: %u workers need %u lcores, the EAL has %u\n",
			a->cfg.workers, nlcores, rte_lcore_count());
		return 1;
	}

	int rc = 1;
	int socket = (int)rte_socket_id();
	struct rte_mempool *pool = rte_pktmbuf_pool_create("sl_mbufs", SL_POOL_MBUFS, SL_POOL_CACHE,
							   0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (!pool) {
		fprintf(stderr, "sluice-dp: no memory for the mbuf pool: %s\n", rte_strerror(rte_errno));
		goto out_eal;
	}
	/* A tx queue per worker where queues are free (null, ring); af_xdp and
	 * pcap have as many as rx queues, and workers beyond that hand their
	 * frames to the rx lcore. */
	char err[512];
	uint16_t nb_rxq = (uint16_t)sl_port_rx_queues(&a->cfg);
	uint16_t nb_txq = a->cfg.port_type == SL_PORT_NULL || a->cfg.port_type == SL_PORT_RING
				  ? (uint16_t)a->cfg.workers
				  : nb_rxq;
	/* [prefilter] sources other than the object's: the PMD loads a copy
	 * of xdp_prog whose sl_pf_srcs has that many slots (sl_bpfobj.h),
	 * named for it by the copy's fd while the port opens. */
	char xdp_prog[SL_CFG_PATH_MAX];
	int obj_fd = -1;
	memcpy(xdp_prog, a->cfg.xdp_prog, sizeof(xdp_prog));
	if (a->cfg.port_type == SL_PORT_AF_XDP && xdp_prog[0] &&
	    a->cfg.prefilter.sources != SL_PF_SRC_WAYS * SL_PF_SRC_SETS) {
		obj_fd = sl_bpfobj_resized(xdp_prog, SL_PF_SRCS_MAP,
					   a->cfg.prefilter.sources / SL_PF_SRC_WAYS, err, sizeof(err));
		if (obj_fd < 0) {
			fprintf(stderr, "sluice-dp: [prefilter] sources: %s\n", err);
			goto out_pool;
		}
		snprintf(a->cfg.xdp_prog, sizeof(a->cfg.xdp_prog), "/proc/self/fd/%d", obj_fd);
	}
	int port_rc = sl_port_open(&a->port, &a->cfg, nb_rxq, nb_txq, pool, err, sizeof(err));
	memcpy(a->cfg.xdp_prog, xdp_prog, sizeof(xdp_prog));
	if (obj_fd >= 0)
		close(obj_fd);
	if (port_rc != 0) {
		fprintf(stderr, "sluice-dp: port: %s\n", err);
		goto out_pool;
	}
	/* The PMD attached xdp_prog; until its config map is filled it passes
	 * every frame to the kernel. The peers go in first: from the config
	 * write on, gossip from a source without an entry is dropped. */
	a->pf = SL_PREFILTER_CLOSED;
	if (a->cfg.port_type == SL_PORT_AF_XDP && a->cfg.xdp_prog[0]) {
		struct sl_pf_conf pfc = sl_pf_conf_make(a->cfg.ip, a->cfg.ingest_port,
							a->cfg.gossip_port);
		const sl_cfg_prefilter_t *pr = &a->cfg.prefilter;
		sl_pf_conf_rate(&pfc, pr->rate, pr->burst ? pr->burst : pr->rate);
		if (a->cfg.has_ip6)
			memcpy(pfc.ip6, a->cfg.ip6, sizeof(pfc.ip6));
		pfc.ip6_prefix = pr->ip6_prefix;
		if (sl_prefilter_open_iface(&a->pf, a->cfg.iface, err, sizeof(err)) != 0 ||
		    sl_prefilter_set_peers(&a->pf, &a->cfg, err, sizeof(err)) != 0) {
			fprintf(stderr, "sluice-dp: xdp_prog %s: %s\n", a->cfg.xdp_prog, err);
			goto out_port;
		}
		restore_pfstate(a);
		if (sl_prefilter_configure(&a->pf, &pfc) != 0 ||
		    sl_prefilter_read_conf(&a->pf, &pfc) != 0) {
			fprintf(stderr, "sluice-dp: xdp_prog %s: cannot write its config map\n",
				a->cfg.xdp_prog);
			goto out_port;
		}
		/* Correct either way; said, since it costs every frame a helper */
		if (pfc.jiffy_ns == 0)
			fprintf(stderr, "sluice-dp: prefilter: no jiffies tick found (another HZ, "
				"or a machine too loaded to time one): the program reads the coarse "
				"clock, about 3 ns a frame dearer\n");
		/* Never fatal: the relay filters without sluicectl's hands on it. */
		a->pinned = sl_prefilter_pin(&a->pf, a->cfg.name, err, sizeof(err)) == 0;
		if (!a->pinned)
			fprintf(stderr, "sluice-dp: prefilter maps not pinned (%s): sluicectl's "
				"block, allow, ratelimit and xdp-stats will not reach this relay\n", err);
	}
	struct sl_pipeline_conf pc = {
		.cfg = &a->cfg, .my_mac = a->cfg.has_mac ? a->cfg.mac : a->port.mac,
		.peer_macs = (const uint8_t (*)[6])peer_macs, .tx_port = a->port.id,
		.tx_queue_base = 0, .tx_queues = nb_txq, .pool = pool, .socket = socket,
	};
	a->p = sl_pipeline_create(&pc);
	if (!a->p)
		goto out_port;
	if (sl_telemetry_register(&a->cfg, a->p, a->pf.conf_fd >= 0 ? &a->pf : NULL) != 0)
		fprintf(stderr, "sluice-dp: telemetry commands not registered\n");
	start_tables(a);
	start_autoblock(a);
	/* Never fatal: a relay forwards without its endpoint. */
	a->metrics = sl_metrics_start(&a->cfg, a->p, a->pf.conf_fd >= 0 ? &a->pf : NULL,
				      a->autoblock, err, sizeof(err));
	if (!a->metrics && err[0])
		fprintf(stderr, "sluice-dp: no metrics endpoint: %s\n", err);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (g.duration > 0)
		a->deadline = rte_rdtsc() + (uint64_t)(g.duration * (double)rte_get_tsc_hz());
	fprintf(stderr, "sluice-dp %s: %s port %s, %u worker(s), %u peer(s), %s\n", a->cfg.name,
		sl_port_type_name(a->cfg.port_type), a->port.dev, a->cfg.workers, a->cfg.npeers,
		rte_eal_has_hugepages() ? "hugepages" : "ordinary pages (no hugepages)");
	if (a->metrics) {
		char at[SL_ADDR_PORT_STR_SZ];
		sl_addr_port_str(&a->cfg.metrics.addr, a->cfg.metrics.port, at);
		fprintf(stderr, "sluice-dp %s: metrics at http://%s/metrics\n", a->cfg.name, at);
	}

	if (a->cfg.workers == 1) {
		run_single(a);
	} else {
		unsigned lcore, i = 0;
		RTE_LCORE_FOREACH_WORKER(lcore) {
			if (i == a->cfg.workers)
				break;
			rte_eal_remote_launch(worker_main, (void *)(uintptr_t)i++, lcore);
		}
		run_rx(a);
		rte_eal_mp_wait_lcore();
		while (sl_pipeline_tx_poll(a->p))
			;
	}

	sl_autoblock_stats_t ab;
	if (a->autoblock) {
		sl_autoblock_stop(a->autoblock);
		sl_autoblock_stats(a->autoblock, &ab);
	}
	/* The thread that saves at each sweep has stopped: the last save is
	 * this thread's alone, while the maps are still there. */
	if (a->pfstate) {
		const sl_pfstate_clock_t now = sl_pfstate_clock_now();
		sl_pfstate_keeper_sync(a->pfstate, &a->pf, &now);
	}
	if (a->tables) { /* the last counters into the dp area */
		sl_tables_stop(a->tables);
		sl_tables_poll(a->tables, sl_tables_now_ms());
	}
	sl_stats_t s;
	sl_pipeline_stats(a->p, &s);
	static sl_peer_names_t names;
	sl_pipeline_peer_names(a->p, &names);
	sl_stats_print_table(stdout, &a->cfg, &s, &names);
	sl_srcdrops_top_t sources;
	sl_pipeline_sources(a->p, SL_SRCDROPS_TOP_MAX, &sources);
	sl_srcdrops_print_table(stdout, &sources);
	sl_pf_snapshot_t pf_snap = {0};
	const sl_pf_snapshot_t *pf = NULL;
	if (a->pf.cpu_fd >= 0) {
		if (sl_prefilter_snapshot(&a->pf, &pf_snap) == 0) {
			pf = &pf_snap;
			sl_prefilter_print_table(stdout, pf);
		} else {
			fprintf(stderr, "sluice-dp: cannot read the prefilter's counters\n");
		}
	}
	rc = g.json && write_json(g.json, &a->cfg, &s, &names, &sources, pf,
				  a->autoblock ? &ab : NULL) != 0;
	sl_metrics_stop(a->metrics);
	sl_telemetry_detach();
	sl_autoblock_destroy(a->autoblock); /* it reads the workers' tables */
	sl_pipeline_destroy(a->p);
	sl_tables_destroy(a->tables); /* after the pipeline: it may point into them */
	sl_peertab_close(a->peertab);
out_port:
	if (a->pinned && sl_prefilter_unpin(a->cfg.name) != 0)
		fprintf(stderr, "sluice-dp: cannot remove the pinned maps under %s/%s: %s\n",
			SL_PF_PIN_ROOT, a->cfg.name, strerror(errno));
	sl_pfstate_keeper_destroy(a->pfstate);
	sl_prefilter_close(&a->pf);
	sl_port_close(&a->port);
out_pool:
	rte_mempool_free(pool);
out_eal:
	sl_eal_cleanup();
	return rc;
}
