/* sl_config: the relay's configuration file (INI, dataplane/README.md "Config"),
 * one parser for sluice-dp and the control daemon.
 *
 * Contract: sl_config_parse() reads the whole text, reports EVERY problem
 * through `report` as (file, line, message) -- syntax, unknown sections and
 * keys, duplicates, bad values, missing or contradictory settings -- and
 * returns the number of problems; `*cfg` may be used only when it returns 0.
 * Parsing is done with inih (key/value splitting, comments); this module
 * adds line tracking, typing and validation. No allocation: every string
 * has a fixed bound, every list a fixed maximum. */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_backend.h"
#include "sl_cidr.h"

#define SL_CFG_NAME_MAX   16  /* relay and peer names, with the NUL */
#define SL_CFG_IFACE_MAX  16  /* IFNAMSIZ */
#define SL_CFG_PATH_MAX   256
#define SL_CFG_SOCKET_MAX 108 /* sizeof(sockaddr_un.sun_path), with the NUL */
#define SL_CFG_PUBKEY_LEN 32  /* an Ed25519 public key */
#define SL_CFG_PEERS_MAX  32
#define SL_CFG_WORKERS_MAX 16
#define SL_CFG_QUEUES_MAX 16
/* Bounds the dataplane's modules take (static checks in sl_pipeline.c):
 * sl_dedup's capacity, sl_verify's batch. */
#define SL_CFG_DEDUP_CAPACITY_MIN 16u
#define SL_CFG_DEDUP_CAPACITY_MAX (1u << 30)
#define SL_CFG_BATCH_MAX 256
/* [score]: every weight, the cap and the cut-off threshold are at most this
 * far from 0, so that scores stay finite whatever the counts. */
#define SL_CFG_SCORE_MAX 1e9

typedef enum sl_port_type {
	SL_PORT_AF_XDP,
	SL_PORT_PCAP,
	SL_PORT_NULL,
	SL_PORT_RING,
} sl_port_type_t;

typedef enum sl_peer_kind {
	SL_PEER_RELAY,     /* gets gossip frames: header + transaction */
	SL_PEER_VALIDATOR, /* gets raw transactions */
} sl_peer_kind_t;

typedef struct sl_cfg_peer {
	char name[SL_CFG_NAME_MAX];
	sl_peer_kind_t kind;
	uint8_t ip[4];      /* network order; IPv4 peers (family 4) only, else 0 */
	uint8_t family;     /* 4 or 6: which of ip and ip6 'ip' gave */
	uint8_t ip6[16];    /* network order; IPv6 peers (family 6) only, else 0 */
	uint16_t port;      /* host order */
	uint8_t mac[6];
	bool mac_resolve;   /* take the next hop from the kernel's neighbours */
	bool has_mac;       /* 'mac' given (an address or "resolve"); else mac is 0 */
	uint64_t token_out; /* we put it in frames to this peer */
	uint64_t token_in;  /* this peer puts it in frames to us */
	bool has_tokens;    /* token_in and token_out given (always, for an unmanaged relay peer) */
	/* Managed: a relay peer named by its identity key ('pubkey'); the control
	 * daemon handshakes with it on control_port, negotiates the tokens and
	 * resolves the next hop that the config leaves out. */
	bool managed;
	uint8_t pubkey[SL_CFG_PUBKEY_LEN]; /* managed peers only; else 0 */
	uint16_t control_port;             /* host order; default SL_PORT_CONTROL */
	unsigned line;      /* of its [peer NAME] header, for later messages */
} sl_cfg_peer_t;

/* [control]: the control daemon's tunables; sluice-dp reads none of them. */
typedef struct sl_cfg_control {
	/* Unset: filled in after parsing from the relay's name,
	 * /run/sluice/<name>.sock and /var/lib/sluice/<name>.peers. */
	char socket[SL_CFG_SOCKET_MAX];
	char state_file[SL_CFG_PATH_MAX];
	unsigned ping_interval_ms;
	unsigned ping_misses;     /* pings unanswered in a row before a peer is down */
	unsigned retry_min_ms;    /* handshake retry back-off, doubling from min to max */
	unsigned retry_max_ms;
	unsigned clock_window_s;  /* accepted skew of a handshake's timestamp */
	unsigned token_rotate_s;  /* a gossip token's lifetime */
	unsigned token_overlap_s; /* the old token stays valid this long after a rotation */
} sl_cfg_control_t;

/* [score]: peer scoring (in the spirit of gossipsub v1.1). */
typedef struct sl_cfg_score {
	double first_delivery_weight; /* points per first delivery */
	double invalid_weight;        /* points off per invalid-signature transaction */
	double malformed_weight;      /* points off per malformed frame */
	double duplicate_weight;      /* points off per duplicate beyond the allowance */
	double duplicate_allowance;   /* free duplicates per first delivery */
	unsigned half_life_s;         /* the score halves over this time */
	double score_cap;             /* the most a score can be (> 0) */
	double cutoff_threshold;      /* at or under it (< 0) a peer is cut off */
	unsigned cutoff_s;            /* first cut-off; each repeat doubles it ... */
	unsigned cutoff_max_s;        /* ... up to this */
} sl_cfg_score_t;

/* [metrics]: sluice-dp's Prometheus endpoint (dataplane/README.md "Metrics"). */
#define SL_METRICS_PORT_DEFAULT 9464
typedef struct sl_cfg_metrics {
	bool enabled;  /* false: listen = off */
	sl_addr_t addr; /* either family (0.0.0.0 and :: too); default 127.0.0.1 */
	uint16_t port; /* host order; default SL_METRICS_PORT_DEFAULT */
} sl_cfg_metrics_t;

/* [prefilter]: the XDP prefilter's per-source rate limit on the ingest port
 * (bpf/README.md, "Rate limit, blocklist, allowlist") and where sluice-dp
 * keeps its lists across restarts (dataplane/sl_pfstate.h). */
typedef struct sl_cfg_prefilter {
	uint32_t rate;       /* packets a second per source; 0 (default): no limit */
	uint32_t burst;      /* the bucket's depth in packets; 0 (default): rate */
	uint32_t ip6_prefix; /* IPv6 sources are limited and counted per /ip6_prefix (64) */
	/* Slots of sl_pf_srcs, a power of two (131072: the object's; 2048 to
	 * 4194304): sluice-dp hands the PMD a copy of xdp_prog sized so. */
	uint32_t sources;
	/* Unset: filled in after parsing from the relay's name,
	 * /var/lib/sluice/<name>.prefilter; "" (an explicit empty value): none. */
	char state_file[SL_CFG_PATH_MAX];
} sl_cfg_prefilter_t;

/* [autoblock]: the closed loop from the dataplane's per-source drops to the
 * prefilter's blocklist (dataplane/README.md, "Autoblock"). */
typedef struct sl_cfg_autoblock {
	bool enabled;         /* default true; needs an xdp_prog */
	uint32_t malformed;   /* malformed transactions from one source within  */
	uint32_t invalid_sig; /* window_ms (invalid signatures) that block it; 0: never */
	uint32_t window_ms;
	uint32_t block_s;     /* the first block; each repeat offence doubles it ... */
	uint32_t block_max_s; /* ... up to this */
} sl_cfg_autoblock_t;

typedef struct sl_config {
	char name[SL_CFG_NAME_MAX];
	uint8_t ip[4];
	uint8_t ip6[16]; /* network order; all 0 (default): the relay takes no IPv6 */
	bool has_ip6;
	uint8_t mac[6];
	bool has_mac;
	uint16_t ingest_port;
	uint16_t gossip_port;
	uint8_t ttl;
	uint64_t dedup_capacity;
	unsigned batch_size;
	unsigned batch_timeout_us;
	unsigned idle_sleep_us;
	unsigned workers;
	sl_verify_backend_t verify_backend;
	char key_file[SL_CFG_PATH_MAX]; /* the relay's identity key; "" when not given */
	uint16_t control_port;          /* UDP, the control daemon's handshakes and pings */

	sl_port_type_t port_type;
	char iface[SL_CFG_IFACE_MAX];
	unsigned queues;
	char xdp_prog[SL_CFG_PATH_MAX]; /* af_xdp: XDP object to load (e.g. the prefilter) */
	char rx_pcap[SL_CFG_PATH_MAX];
	char tx_pcap[SL_CFG_PATH_MAX];

	sl_cfg_control_t control;
	sl_cfg_score_t score;
	sl_cfg_metrics_t metrics;
	sl_cfg_prefilter_t prefilter;
	sl_cfg_autoblock_t autoblock;

	unsigned npeers;
	sl_cfg_peer_t peers[SL_CFG_PEERS_MAX];
} sl_config_t;

typedef void (*sl_config_report_fn)(void *ctx, const char *file, unsigned line,
				    const char *msg);

/* Parse `len` bytes of `text` (need not be NUL-terminated); `file` names it
 * in reports. Returns the number of problems (0: *cfg is complete). */
unsigned sl_config_parse(const char *text, size_t len, const char *file, sl_config_t *cfg,
			 sl_config_report_fn report, void *ctx);

/* Read and parse a file; an unreadable file is one problem (line 0). */
unsigned sl_config_load(const char *path, sl_config_t *cfg, sl_config_report_fn report,
			void *ctx);

/* A report function that prints "FILE:LINE: message" to the FILE * in ctx. */
void sl_config_report_print(void *ctx, const char *file, unsigned line, const char *msg);

/* Formats a message (cut at 319 characters) and hands it to report (NULL:
 * nowhere): how the other files' parsers (the state files) report in this
 * module's form. */
void sl_config_reportf(sl_config_report_fn report, void *ctx, const char *file, unsigned line,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A relay or peer name: 1 to SL_CFG_NAME_MAX - 1 of [A-Za-z0-9_-]. */
bool sl_config_valid_name(const char *s);

const char *sl_port_type_name(sl_port_type_t t);

/* A peer's address, of its family. */
static inline sl_addr_t sl_cfg_peer_addr(const sl_cfg_peer_t *p)
{
	return sl_addr_make(p->family, p->family == 6 ? p->ip6 : p->ip);
}

#endif
