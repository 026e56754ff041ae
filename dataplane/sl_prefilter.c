#include "sl_prefilter.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

static const char *const names[SL_PF_PKT_BASE] = {
#define SL_PF_COUNTER_NAME(name, str) str,
	SL_PF_COUNTERS(SL_PF_COUNTER_NAME)
#undef SL_PF_COUNTER_NAME
};

static const char *const pkt_pass_names[SL_PKT__COUNT] = {
#define SL_PF_PASS_NAME(name, str, layer) "pass_" str,
	SL_PKT_VERDICTS(SL_PF_PASS_NAME)
#undef SL_PF_PASS_NAME
};

static const char *const pkt_drop_names[SL_PKT__COUNT] = {
#define SL_PF_DROP_NAME(name, str, layer) "drop_" str,
	SL_PKT_VERDICTS(SL_PF_DROP_NAME)
#undef SL_PF_DROP_NAME
};

const char *sl_prefilter_counter_name(unsigned i)
{
	if (i < SL_PF_PKT_BASE)
		return names[i];
	if (i >= SL_PF__COUNT)
		return NULL;
	sl_pkt_verdict_t v = (sl_pkt_verdict_t)(i - SL_PF_PKT_BASE + 1);
	return sl_pf_pkt_passes(v) ? pkt_pass_names[v] : pkt_drop_names[v];
}

struct want {
	const char *name;
	uint32_t type, key_size, value_size, max_entries, flags;
	int *fd;
};

/* Takes map `id` into the slot of `w` that it names, after checking its
 * layout; ignores maps we do not use (xsks_map). */
static int take_map(uint32_t id, struct want *w, size_t nw, char *err, size_t errlen)
{
	int fd = bpf_map_get_fd_by_id(id);
	if (fd < 0) {
		snprintf(err, errlen, "map id %u: %s", id, strerror(errno));
		return -1;
	}
	struct bpf_map_info info = {0};
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
		snprintf(err, errlen, "map id %u info: %s", id, strerror(errno));
		close(fd);
		return -1;
	}
	for (size_t i = 0; i < nw; i++) {
		if (strcmp(info.name, w[i].name) != 0)
			continue;
		if (info.type != w[i].type || info.key_size != w[i].key_size ||
		    info.value_size != w[i].value_size || info.max_entries != w[i].max_entries ||
		    info.map_flags != w[i].flags) {
			snprintf(err, errlen, "map %s does not have the layout of sl_prefilter.h "
				 "(a stale object?)", info.name);
			close(fd);
			return -1;
		}
		*w[i].fd = fd;
		return 0;
	}
	close(fd);
	return 0;
}

int sl_prefilter_open_prog(sl_prefilter_t *pf, int prog_fd, char *err, size_t errlen)
{
	*pf = SL_PREFILTER_CLOSED;
	struct want w[] = {
		{SL_PF_CONF_MAP, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct sl_pf_conf), 1, 0,
		 &pf->conf_fd},
		{SL_PF_PEERS_MAP, BPF_MAP_TYPE_HASH, 4, sizeof(struct sl_pf_peer), SL_PF_PEERS_MAX,
		 BPF_F_NO_PREALLOC, &pf->peers_fd},
		{SL_PF_COUNTERS_MAP, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, SL_PF__COUNT, 0,
		 &pf->counters_fd},
		{SL_PF_SRC_DROPS_MAP, BPF_MAP_TYPE_LRU_HASH, 4, 8, SL_PF_SRC_DROPS_MAX, 0,
		 &pf->src_drops_fd},
		{SL_PF_RATE_MAP, BPF_MAP_TYPE_LRU_HASH, 4, sizeof(struct sl_pf_bucket),
		 SL_PF_RATE_MAX, 0, &pf->rate_fd},
		{SL_PF_BLOCK_MAP, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct sl_pf_lpm_key),
		 sizeof(struct sl_pf_block), SL_PF_BLOCK_MAX, BPF_F_NO_PREALLOC, &pf->block_fd},
		{SL_PF_ALLOW_MAP, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct sl_pf_lpm_key), 4,
		 SL_PF_ALLOW_MAX, BPF_F_NO_PREALLOC, &pf->allow_fd},
	};
	uint32_t ids[16];
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info);
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) {
		snprintf(err, errlen, "program info: %s", strerror(errno));
		return -1;
	}
	uint32_t nmaps = info.nr_map_ids < 16 ? info.nr_map_ids : 16;
	for (uint32_t i = 0; i < nmaps; i++)
		if (take_map(ids[i], w, sizeof(w) / sizeof(w[0]), err, errlen) != 0) {
			sl_prefilter_close(pf);
			return -1;
		}
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (*w[i].fd < 0) {
			snprintf(err, errlen, "program %s has no map %s: not the sluice prefilter",
				 info.name, w[i].name);
			sl_prefilter_close(pf);
			return -1;
		}
	return 0;
}

int sl_prefilter_open_iface(sl_prefilter_t *pf, const char *iface, char *err, size_t errlen)
{
	unsigned ifindex = if_nametoindex(iface);
	if (!ifindex) {
		snprintf(err, errlen, "%s: %s", iface, strerror(errno));
		return -1;
	}
	uint32_t id = 0;
	if (bpf_xdp_query_id((int)ifindex, 0, &id) != 0 || id == 0) {
		snprintf(err, errlen, "%s has no XDP program attached", iface);
		return -1;
	}
	int prog_fd = bpf_prog_get_fd_by_id(id);
	if (prog_fd < 0) {
		snprintf(err, errlen, "%s: XDP program id %u: %s", iface, id, strerror(errno));
		return -1;
	}
	int rc = sl_prefilter_open_prog(pf, prog_fd, err, errlen);
	close(prog_fd);
	return rc;
}

void sl_prefilter_close(sl_prefilter_t *pf)
{
	int *fds[] = {&pf->conf_fd, &pf->peers_fd, &pf->counters_fd, &pf->src_drops_fd,
		      &pf->rate_fd, &pf->block_fd, &pf->allow_fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int sl_prefilter_set_peers(const sl_prefilter_t *pf, const sl_config_t *cfg, char *err,
			   size_t errlen)
{
	for (unsigned i = 0; i < cfg->npeers; i++) {
		const sl_cfg_peer_t *p = &cfg->peers[i];
		if (p->kind != SL_PEER_RELAY || p->managed) /* managed: the table thread's */
			continue;
		if (sl_prefilter_put_peer(pf, sl_pkt_rd_le32(p->ip), p->token_in, 0) != 0) {
			snprintf(err, errlen, "peer %s into %s: %s", p->name, SL_PF_PEERS_MAP,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

int sl_prefilter_put_peer(const sl_prefilter_t *pf, uint32_t ip, uint64_t token_in,
			  uint64_t token_in_prev)
{
	struct sl_pf_peer v = {.token_in = token_in, .token_in_prev = token_in_prev};
	return bpf_map_update_elem(pf->peers_fd, &ip, &v, BPF_ANY);
}

int sl_prefilter_del_peer(const sl_prefilter_t *pf, uint32_t ip)
{
	return bpf_map_delete_elem(pf->peers_fd, &ip) == 0 || errno == ENOENT ? 0 : -1;
}

int sl_prefilter_configure(const sl_prefilter_t *pf, const struct sl_pf_conf *conf)
{
	uint32_t zero = 0;
	return bpf_map_update_elem(pf->conf_fd, &zero, conf, BPF_ANY);
}

static int lpm_key(struct sl_pf_lpm_key *k, uint32_t addr, uint32_t prefixlen)
{
	if (prefixlen > 32) {
		errno = EINVAL;
		return -1;
	}
	*k = (struct sl_pf_lpm_key){.prefixlen = prefixlen, .addr = addr};
	return 0;
}

static int lpm_del(int fd, uint32_t addr, uint32_t prefixlen)
{
	struct sl_pf_lpm_key k;
	if (lpm_key(&k, addr, prefixlen) != 0)
		return -1;
	return bpf_map_delete_elem(fd, &k) == 0 || errno == ENOENT ? 0 : -1;
}

int sl_prefilter_block(const sl_prefilter_t *pf, uint32_t addr, uint32_t prefixlen,
		       uint64_t expiry_ns)
{
	struct sl_pf_lpm_key k;
	if (lpm_key(&k, addr, prefixlen) != 0)
		return -1;
	struct sl_pf_block v = {.expiry_ns = expiry_ns, .prefixlen = prefixlen};
	return bpf_map_update_elem(pf->block_fd, &k, &v, BPF_ANY);
}

int sl_prefilter_unblock(const sl_prefilter_t *pf, uint32_t addr, uint32_t prefixlen)
{
	return lpm_del(pf->block_fd, addr, prefixlen);
}

int sl_prefilter_allow(const sl_prefilter_t *pf, uint32_t addr, uint32_t prefixlen)
{
	struct sl_pf_lpm_key k;
	if (lpm_key(&k, addr, prefixlen) != 0)
		return -1;
	uint32_t one = 1;
	return bpf_map_update_elem(pf->allow_fd, &k, &one, BPF_ANY);
}

int sl_prefilter_unallow(const sl_prefilter_t *pf, uint32_t addr, uint32_t prefixlen)
{
	return lpm_del(pf->allow_fd, addr, prefixlen);
}

uint64_t sl_prefilter_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int sl_prefilter_sweep_blocklist(const sl_prefilter_t *pf, uint64_t now_ns)
{
	enum { BATCH = 256 };
	struct sl_pf_lpm_key expired[BATCH];
	int removed = 0;
	for (;;) {
		/* Collect a batch, then delete it: deleting under the walk
		 * would send get_next_key back to the start. Each batch
		 * removes its keys, so the walks end. */
		unsigned n = 0;
		struct sl_pf_lpm_key key;
		const struct sl_pf_lpm_key *prev = NULL;
		for (unsigned step = 0; step < SL_PF_BLOCK_MAX && n < BATCH; step++) {
			if (bpf_map_get_next_key(pf->block_fd, prev, &key) != 0) {
				if (errno != ENOENT)
					return -1;
				break;
			}
			struct sl_pf_block v;
			if (bpf_map_lookup_elem(pf->block_fd, &key, &v) == 0 &&
			    !sl_pf_block_live(&v, now_ns))
				expired[n++] = key;
			prev = &key;
		}
		for (unsigned i = 0; i < n; i++) {
			if (bpf_map_delete_elem(pf->block_fd, &expired[i]) == 0)
				removed++;
			else if (errno != ENOENT)
				return -1;
		}
		if (n < BATCH)
			return removed;
	}
}

int sl_prefilter_counters(const sl_prefilter_t *pf, uint64_t c[SL_PF__COUNT])
{
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return -1;
	uint64_t *per_cpu = calloc((size_t)ncpu, sizeof(*per_cpu));
	if (!per_cpu)
		return -1;
	int rc = 0;
	for (uint32_t i = 0; i < SL_PF__COUNT && rc == 0; i++) {
		c[i] = 0;
		rc = bpf_map_lookup_elem(pf->counters_fd, &i, per_cpu);
		for (int k = 0; k < ncpu && rc == 0; k++)
			c[i] += per_cpu[k];
	}
	free(per_cpu);
	return rc;
}

uint64_t sl_prefilter_src_drops(const sl_prefilter_t *pf, uint32_t src)
{
	uint64_t n = 0;
	return bpf_map_lookup_elem(pf->src_drops_fd, &src, &n) == 0 ? n : 0;
}

void sl_pf_top_add(sl_pf_top_t *t, uint32_t ip, uint64_t drops)
{
	/* A walk that restarted offers a source again: its newer count
	 * replaces the old entry. */
	for (unsigned i = 0; i < t->n; i++)
		if (t->src[i].ip == ip) {
			memmove(&t->src[i], &t->src[i + 1], (t->n - i - 1) * sizeof(t->src[0]));
			t->n--;
			break;
		}
	unsigned at = t->n;
	while (at > 0 && t->src[at - 1].drops < drops)
		at--;
	if (at == SL_PF_TOP_MAX)
		return;
	unsigned keep = t->n < SL_PF_TOP_MAX ? t->n : SL_PF_TOP_MAX - 1;
	memmove(&t->src[at + 1], &t->src[at], (keep - at) * sizeof(t->src[0]));
	t->src[at] = (struct sl_pf_src){ip, drops};
	t->n = keep + 1;
}

int sl_prefilter_top_sources(const sl_prefilter_t *pf, sl_pf_top_t *top)
{
	top->n = 0;
	uint32_t key;
	const uint32_t *prev = NULL;
	for (unsigned step = 0; step < SL_PF_SRC_DROPS_MAX; step++) {
		if (bpf_map_get_next_key(pf->src_drops_fd, prev, &key) != 0)
			return errno == ENOENT ? 0 : -1;
		uint64_t drops;
		if (bpf_map_lookup_elem(pf->src_drops_fd, &key, &drops) == 0) /* else evicted */
			sl_pf_top_add(top, key, drops);
		prev = &key;
	}
	return 0;
}

int sl_prefilter_snapshot(const sl_prefilter_t *pf, sl_pf_snapshot_t *s)
{
	if (sl_prefilter_counters(pf, s->c) != 0)
		return -1;
	return sl_prefilter_top_sources(pf, &s->top);
}

void sl_pf_ip_str(uint32_t ip, char out[SL_PF_IP_STR_SZ])
{
	snprintf(out, SL_PF_IP_STR_SZ, "%u.%u.%u.%u", ip & 0xff, ip >> 8 & 0xff, ip >> 16 & 0xff,
		 ip >> 24);
}

void sl_prefilter_write_json(FILE *f, const sl_pf_snapshot_t *s)
{
	fprintf(f, "\"prefilter\": {");
	for (unsigned i = 0; i < SL_PF__COUNT; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", sl_prefilter_counter_name(i),
			(unsigned long long)s->c[i]);
	fprintf(f, ", \"top_sources\": {");
	for (unsigned i = 0; i < s->top.n; i++) {
		char ip[SL_PF_IP_STR_SZ];
		sl_pf_ip_str(s->top.src[i].ip, ip);
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", ip,
			(unsigned long long)s->top.src[i].drops);
	}
	fprintf(f, "}}");
}

void sl_prefilter_print_table(FILE *f, const sl_pf_snapshot_t *s)
{
	fprintf(f, "  prefilter (XDP)\n");
	for (unsigned i = 0; i < SL_PF__COUNT; i++) {
		const char *name = sl_prefilter_counter_name(i);
		if (s->c[i] == 0 && strncmp(name, "drop_", 5) == 0)
			continue;
		fprintf(f, "    %-26s %20llu\n", name, (unsigned long long)s->c[i]);
	}
	if (s->top.n)
		fprintf(f, "    top sources by drops\n");
	for (unsigned i = 0; i < s->top.n; i++) {
		char ip[SL_PF_IP_STR_SZ];
		sl_pf_ip_str(s->top.src[i].ip, ip);
		fprintf(f, "      %-24s %20llu\n", ip, (unsigned long long)s->top.src[i].drops);
	}
}
