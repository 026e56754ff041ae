#include "sl_prefilter.h"

#include "sl_jiffies.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/magic.h>

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

/* max_entries 0: a power of two from 2^SL_PF_SRC_SETS_BITS_MIN to
 * 2^SL_PF_SRC_SETS_BITS_MAX (sl_pf_srcs, sized by the config). pin: the
 * pin's file name when it is not the map's name. */
struct want {
	const char *name;
	uint32_t type, key_size, value_size, max_entries, flags;
	int *fd;
	const char *pin;
};

static const char *pin_name(const struct want *w)
{
	return w->pin ? w->pin : w->name;
}

static int sets_ok(uint32_t n)
{
	return (n & (n - 1)) == 0 && n >= 1u << SL_PF_SRC_SETS_BITS_MIN &&
	       n <= 1u << SL_PF_SRC_SETS_BITS_MAX;
}

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
		    info.value_size != w[i].value_size ||
		    (w[i].max_entries ? info.max_entries != w[i].max_entries
				      : !sets_ok(info.max_entries)) ||
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

/* Room for the maps pf_wants() lists. */
#define PF_MAPS_MAX 16

/* The maps of include/sluice/sl_prefilter.h, each with its layout and the
 * slot of pf that holds it: the one list that opening (by program or
 * pinned) and pinning go by. Returns how many. */
static size_t pf_wants(sl_prefilter_t *pf, struct want out[PF_MAPS_MAX])
{
	struct want w[] = {
		{SL_PF_CONF_MAP, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct sl_pf_conf), 1,
		 BPF_F_MMAPABLE, &pf->conf_fd, SL_PF_CONF_PIN},
		{SL_PF_PEERS_MAP, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct sl_pf_lpm_key),
		 sizeof(struct sl_pf_peer), SL_PF_PEERS_MAX, BPF_F_NO_PREALLOC, &pf->peers_fd, NULL},
		{SL_PF_CPU_MAP, BPF_MAP_TYPE_PERCPU_ARRAY, 4, sizeof(struct sl_pf_cpu), 1, 0,
		 &pf->cpu_fd, NULL},
		{SL_PF_SRCS_MAP, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct sl_pf_srcset), 0, 0,
		 &pf->srcs_fd, NULL},
		{SL_PF_GEN_MAP, BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_MMAPABLE, &pf->gen_fd,
		 SL_PF_GEN_PIN},
		{SL_PF_FINE6_MAP, BPF_MAP_TYPE_HASH, sizeof(struct sl_pf_srckey), 4, SL_PF_FINE6_MAX,
		 BPF_F_NO_PREALLOC, &pf->fine6_fd, NULL},
		{SL_PF_PEERC_MAP, BPF_MAP_TYPE_ARRAY, 4,
		 sizeof(struct sl_pf_peerc) << SL_PF_PEERC_BITS, 1, BPF_F_MMAPABLE, &pf->peerc_fd,
		 SL_PF_PEERC_PIN},
		{SL_PF_BLOCK_MAP, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct sl_pf_lpm_key),
		 sizeof(struct sl_pf_block), SL_PF_BLOCK_MAX, BPF_F_NO_PREALLOC, &pf->block_fd, NULL},
		{SL_PF_ALLOW_MAP, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct sl_pf_lpm_key), 4,
		 SL_PF_ALLOW_MAX, BPF_F_NO_PREALLOC, &pf->allow_fd, NULL},
		{SL_PF_PEERS6_MAP, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct sl_pf_lpm6_key),
		 sizeof(struct sl_pf_peer), SL_PF_PEERS_MAX, BPF_F_NO_PREALLOC, &pf->peers6_fd, NULL},
		{SL_PF_BLOCK6_MAP, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct sl_pf_lpm6_key),
		 sizeof(struct sl_pf_block), SL_PF_BLOCK_MAX, BPF_F_NO_PREALLOC, &pf->block6_fd, NULL},
		{SL_PF_ALLOW6_MAP, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct sl_pf_lpm6_key), 4,
		 SL_PF_ALLOW_MAX, BPF_F_NO_PREALLOC, &pf->allow6_fd, NULL},
	};
	_Static_assert(sizeof(w) / sizeof(w[0]) <= PF_MAPS_MAX, "raise PF_MAPS_MAX");
	memcpy(out, w, sizeof(w));
	return sizeof(w) / sizeof(w[0]);
}

int sl_prefilter_create_maps(sl_prefilter_t *pf)
{
	*pf = SL_PREFILTER_CLOSED;
	struct want w[PF_MAPS_MAX] = {0};
	const size_t nw = pf_wants(pf, w);
	for (size_t i = 0; i < nw; i++) {
		LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = w[i].flags);
		*w[i].fd = bpf_map_create(w[i].type, w[i].name, w[i].key_size, w[i].value_size,
					  w[i].max_entries ? w[i].max_entries : SL_PF_SRC_SETS, &o);
		if (*w[i].fd < 0) {
			int e = errno;
			sl_prefilter_close(pf);
			errno = e;
			return -1;
		}
	}
	return 0;
}

int sl_prefilter_open_prog(sl_prefilter_t *pf, int prog_fd, char *err, size_t errlen)
{
	*pf = SL_PREFILTER_CLOSED;
	struct want w[PF_MAPS_MAX] = {0};
	const size_t nw = pf_wants(pf, w);
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
		if (take_map(ids[i], w, nw, err, errlen) != 0) {
			sl_prefilter_close(pf);
			return -1;
		}
	for (size_t i = 0; i < nw; i++)
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
	int *fds[] = {&pf->conf_fd,  &pf->peers_fd, &pf->cpu_fd,   &pf->srcs_fd,
		      &pf->gen_fd,   &pf->block_fd,    &pf->allow_fd,
		      &pf->peers6_fd, &pf->block6_fd, &pf->allow6_fd, &pf->fine6_fd, &pf->peerc_fd,
		      &pf->lock_fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static int next_gen(const sl_prefilter_t *pf);

int sl_prefilter_set_peers(const sl_prefilter_t *pf, const sl_config_t *cfg, char *err,
			   size_t errlen)
{
	for (unsigned i = 0; i < cfg->npeers; i++) {
		const sl_cfg_peer_t *p = &cfg->peers[i];
		if (p->kind != SL_PEER_RELAY || p->managed) /* managed: the table thread's */
			continue;
		if (sl_prefilter_put_peer(pf, p->family, p->family == 6 ? p->ip6 : p->ip, p->token_in,
					  0) != 0) {
			snprintf(err, errlen, "peer %s into %s: %s", p->name,
				 p->family == 6 ? SL_PF_PEERS6_MAP : SL_PF_PEERS_MAP, strerror(errno));
			return -1;
		}
	}
	if (next_gen(pf) != 0) {
		snprintf(err, errlen, "raising %s: %s", SL_PF_GEN_PIN, strerror(errno));
		return -1;
	}
	return 0;
}

static int refine6(const sl_prefilter_t *pf, unsigned prefix);
static int writers_lock(const sl_prefilter_t *pf);
static int writers_unlock(const sl_prefilter_t *pf, int rc);

/* The key the program gives a source (see sl_prefilter_src_slot). */
static struct sl_pf_srckey src_key(unsigned family, const uint8_t *addr, unsigned prefixlen)
{
	if (family == 4)
		return sl_pf_srckey4(sl_pkt_rd_le32(addr));
	uint8_t a[16] __attribute__((aligned(8)));
	memcpy(a, addr, sizeof(a));
	return sl_pf_srckey6(a, prefixlen);
}

/* sl_pf_srcs' sets (its size: the object's, or the config's copy's). */
static int src_sets(const sl_prefilter_t *pf, uint32_t *sets)
{
	struct bpf_map_info info = {0};
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(pf->srcs_fd, &info, &len) != 0)
		return -1;
	*sets = info.max_entries;
	return 0;
}

int sl_prefilter_configure(const sl_prefilter_t *pf, const struct sl_pf_conf *conf)
{
	uint32_t zero = 0;
	struct sl_pf_conf c = *conf, was;
	uint32_t sets;
	if (bpf_map_lookup_elem(pf->conf_fd, &zero, &was) != 0 || src_sets(pf, &sets) != 0)
		return -1;
	c.src_sets_bits = (uint16_t)__builtin_ctz(sets);
	const struct sl_pf_srckey m = sl_pf_ip6_mask(sl_pf_ip6_prefix(&c));
	memcpy(c.ip6_mask, m.w, sizeof(c.ip6_mask));
	/* the clock: the map's own once it has one, since a later process's
	 * calibration (sluicectl ratelimit on a loaded machine) may miss the
	 * tick and fall back to the coarse clock */
	if (was.jiffy_ns != 0) {
		c.jiffy_ns = was.jiffy_ns;
		c.jiffy_base_ns = was.jiffy_base_ns;
	} else if (sl_jiffies_clock(&c.jiffy_ns, &c.jiffy_base_ns) != 0) {
		c.jiffy_ns = c.jiffy_base_ns = 0; /* the program reads the coarse clock */
	}
	/* the sources' hash key: the map's own once it has one (new
	 * multipliers would lose every source's slot) */
	if (was.src_mul[0] != 0) {
		memcpy(c.src_mul, was.src_mul, sizeof(c.src_mul));
	} else {
		if (getrandom(c.src_mul, sizeof(c.src_mul), 0) != (ssize_t)sizeof(c.src_mul))
			return -1;
		c.src_mul[0] |= 1;
		c.src_mul[1] |= 1;
	}
	if (bpf_map_update_elem(pf->conf_fd, &zero, &c, BPF_ANY) != 0)
		return -1;
	if (sl_pf_ip6_prefix(&was) == sl_pf_ip6_prefix(&c))
		return 0;
	/* locked: a writer's note_fine6 read the conf before this update, or
	 * its entry is in the tries before the walk */
	if (writers_lock(pf) != 0)
		return -1;
	return writers_unlock(pf, refine6(pf, sl_pf_ip6_prefix(&c)) != 0 ? -1 : next_gen(pf));
}

/* A trie key of either family: struct sl_pf_lpm_key for sl_pf_block and
 * sl_pf_allow, struct sl_pf_lpm6_key for their IPv6 twins. */
typedef union lpm_key {
	struct sl_pf_lpm_key k4;
	struct sl_pf_lpm6_key k6;
} lpm_key_t;

/* The key of c, and in *fd the map of its family (fd4 or fd6); -1 with
 * EINVAL when c is not a valid sl_cidr_t (family, length, a bit set past
 * the prefix). */
static int lpm_key(const sl_cidr_t *c, int fd4, int fd6, lpm_key_t *k, int *fd)
{
	unsigned bits = c->family == 4 ? 32 : c->family == 6 ? 128 : 0;
	uint8_t masked[16];
	memcpy(masked, c->addr, sizeof(masked));
	sl_pf_mask6(masked, c->prefixlen);
	if (bits == 0 || c->prefixlen > bits || memcmp(masked, c->addr, sizeof(masked)) != 0) {
		errno = EINVAL;
		return -1;
	}
	memset(k, 0, sizeof(*k));
	if (c->family == 4) {
		k->k4 = (struct sl_pf_lpm_key){.prefixlen = c->prefixlen, .addr = sl_pkt_rd_le32(c->addr)};
		*fd = fd4;
		return 0;
	}
	k->k6.prefixlen = c->prefixlen;
	memcpy(k->k6.addr, c->addr, sizeof(k->k6.addr));
	*fd = fd6;
	return 0;
}

/* A trie key of the family of its map back into an sl_cidr_t. */
static sl_cidr_t lpm_cidr(unsigned family, const lpm_key_t *k)
{
	sl_cidr_t c = {.family = (uint8_t)family};
	if (family == 4) {
		c.prefixlen = (uint8_t)k->k4.prefixlen;
		memcpy(c.addr, &k->k4.addr, 4);
	} else {
		c.prefixlen = (uint8_t)k->k6.prefixlen;
		memcpy(c.addr, k->k6.addr, sizeof(c.addr));
	}
	return c;
}

static int lpm_del(int fd, const lpm_key_t *k)
{
	return bpf_map_delete_elem(fd, k) == 0 || errno == ENOENT ? 0 : -1;
}

/* The list writers' lock (sl_prefilter_t, lock_fd): a writer that reads
 * the lists before it writes (the sweep, refine6) cannot lose another
 * process's write made in between. flock: a crashed holder lets go; a
 * stopped one (a sluicectl suspended at a terminal) would hold it for
 * ever, so a writer waits at most SL_PF_LOCK_WAIT_MS and then fails with
 * EAGAIN, where sluice-dp's autoblock thread tries again at its next
 * tick. */
static int writers_lock(const sl_prefilter_t *pf)
{
	if (pf->lock_fd < 0)
		return 0;
	const uint64_t until = sl_prefilter_now_ns() + SL_PF_LOCK_WAIT_MS * 1000000ull;
	while (flock(pf->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (sl_prefilter_now_ns() >= until) {
			errno = EAGAIN;
			return -1;
		}
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
	return 0;
}

/* Lets go of the lock, keeping rc and errno: the writer's outcome. */
static int writers_unlock(const sl_prefilter_t *pf, int rc)
{
	const int e = errno;
	if (pf->lock_fd >= 0)
		flock(pf->lock_fd, LOCK_UN);
	errno = e;
	return rc;
}

/* The sources' ip6_prefix now, into *prefix. */
static int ip6_prefix(const sl_prefilter_t *pf, unsigned *prefix)
{
	struct sl_pf_conf conf;
	const uint32_t zero = 0;
	if (bpf_map_lookup_elem(pf->conf_fd, &zero, &conf) != 0)
		return -1;
	*prefix = sl_pf_ip6_prefix(&conf);
	return 0;
}

/* Is c an IPv6 list entry narrower than the sources' prefix? 1 yes (with
 * the source prefix that holds it in *k), 0 no, -1 with errno. */
static int fine6_key(const sl_prefilter_t *pf, const sl_cidr_t *c, struct sl_pf_srckey *k)
{
	unsigned prefix;
	if (c->family != 6)
		return 0;
	if (ip6_prefix(pf, &prefix) != 0)
		return -1;
	if (c->prefixlen <= prefix)
		return 0;
	*k = src_key(6, c->addr, prefix);
	return 1;
}

/* Before a list entry c goes in: an IPv6 prefix narrower than the
 * sources' ip6_prefix puts the source prefix that holds it into
 * sl_pf_fine6, since that slot then cannot stand for each of its
 * addresses. The set holds only prefixes of live entries (each writer
 * that removes one derives it again), so it has room. */
static int note_fine6(const sl_prefilter_t *pf, const sl_cidr_t *c)
{
	struct sl_pf_srckey k;
	const uint32_t one = 1;
	int rc = fine6_key(pf, c, &k);
	return rc <= 0 ? rc : bpf_map_update_elem(pf->fine6_fd, &k, &one, BPF_ANY);
}

/* After a list or a peer changed: the next generation, so that the
 * program asks the tries again for every source and peer. Read, then
 * write: of two writers racing, each has changed its trie before it reads,
 * so a generation the program sees is never older than a change it could
 * miss (bpf/README.md). */
static int next_gen(const sl_prefilter_t *pf)
{
	uint32_t gi = SL_PF_GEN_LISTS;
	uint64_t gen;
	if (sl_prefilter_lists_gen(pf, &gen) != 0)
		return -1;
	gen = (gen + 1) & 0xffffffffu; /* the program compares 32 bits */
	return bpf_map_update_elem(pf->gen_fd, &gi, &gen, BPF_ANY);
}

/* A list entry put (value) or removed (value NULL), then a generation;
 * under the writers' lock, since note_fine6 reads the conf that a
 * configure's refine6 walks the lists after. A narrow IPv6 entry that
 * goes may leave its source prefix none: sl_pf_fine6 is derived again. */
static int list_change_locked(const sl_prefilter_t *pf, const sl_cidr_t *c, int fd, const lpm_key_t *k,
			      const void *value)
{
	struct sl_pf_srckey fk;
	unsigned prefix;
	if (value) {
		if (note_fine6(pf, c) != 0)
			return -1;
		if (bpf_map_update_elem(fd, k, value, BPF_ANY) != 0) {
			if (errno == ENOSPC) /* a full trie's word for full; ours is E2BIG */
				errno = E2BIG;
			return -1;
		}
	} else {
		const int fine = fine6_key(pf, c, &fk);
		if (fine < 0 || lpm_del(fd, k) != 0)
			return -1;
		if (fine && (ip6_prefix(pf, &prefix) != 0 || refine6(pf, prefix) != 0))
			return -1;
	}
	return next_gen(pf);
}

/* list_change_locked under the writers' lock; unless_allowed: only while
 * no allowlist entry overlaps c (1 when one does, nothing written). */
static int list_change(const sl_prefilter_t *pf, const sl_cidr_t *c, int fd4, int fd6,
		       const void *value, int unless_allowed)
{
	lpm_key_t k;
	int fd;
	if (lpm_key(c, fd4, fd6, &k, &fd) != 0 || writers_lock(pf) != 0)
		return -1;
	int rc = unless_allowed ? sl_prefilter_allow_overlaps(pf, c) : 0;
	if (rc == 0)
		rc = list_change_locked(pf, c, fd, &k, value);
	return writers_unlock(pf, rc);
}

int sl_prefilter_block(const sl_prefilter_t *pf, const sl_cidr_t *c, uint64_t expiry_ns)
{
	struct sl_pf_block v = {.expiry_ns = expiry_ns, .prefixlen = c->prefixlen};
	return list_change(pf, c, pf->block_fd, pf->block6_fd, &v, 0);
}

int sl_prefilter_block_unless_allowed(const sl_prefilter_t *pf, const sl_cidr_t *c,
				      uint64_t expiry_ns)
{
	struct sl_pf_block v = {.expiry_ns = expiry_ns, .prefixlen = c->prefixlen};
	return list_change(pf, c, pf->block_fd, pf->block6_fd, &v, 1);
}

int sl_prefilter_unblock(const sl_prefilter_t *pf, const sl_cidr_t *c)
{
	return list_change(pf, c, pf->block_fd, pf->block6_fd, NULL, 0);
}

int sl_prefilter_allow(const sl_prefilter_t *pf, const sl_cidr_t *c)
{
	const uint32_t one = 1;
	return list_change(pf, c, pf->allow_fd, pf->allow6_fd, &one, 0);
}

int sl_prefilter_unallow(const sl_prefilter_t *pf, const sl_cidr_t *c)
{
	return list_change(pf, c, pf->allow_fd, pf->allow6_fd, NULL, 0);
}

/* Calls each(key, value, arg) for the entries of the trie fd, in the
 * trie's order, in at most `steps` steps; stops when each returns
 * non-zero. 0 at the walk's end, 1 when each stopped it, -1 with errno. */
static int lpm_walk(int fd, unsigned steps, int (*each)(const lpm_key_t *, const void *, void *),
		    void *arg)
{
	lpm_key_t key, prev;
	uint64_t value[2]; /* the largest value, struct sl_pf_block */
	for (unsigned step = 0; step < steps; step++) {
		if (bpf_map_get_next_key(fd, step ? &prev : NULL, &key) != 0)
			return errno == ENOENT ? 0 : -1;
		/* a key deleted since get_next_key: skipped */
		if (bpf_map_lookup_elem(fd, &key, value) == 0 && each(&key, value, arg))
			return 1;
		prev = key;
	}
	return 0;
}

struct fine6_arg {
	int fd;
	unsigned prefix;
	int failed; /* errno */
};

static int put_narrower(const lpm_key_t *k, const void *value, void *arg)
{
	(void)value;
	struct fine6_arg *a = arg;
	const uint32_t one = 1;
	if (k->k6.prefixlen <= a->prefix)
		return 0;
	const struct sl_pf_srckey fk = src_key(6, k->k6.addr, a->prefix);
	if (bpf_map_update_elem(a->fd, &fk, &one, BPF_ANY) != 0) {
		a->failed = errno;
		return 1;
	}
	return 0;
}

/* sl_pf_fine6 derived again from both IPv6 tries for the sources' prefix:
 * emptied, then every source prefix that holds a narrower entry put
 * back. Until the caller's next generation the program may cache a slot
 * whose prefix is missing meanwhile; that generation asks it again. */
static int refine6(const sl_prefilter_t *pf, unsigned prefix)
{
	struct sl_pf_srckey k;
	while (bpf_map_get_next_key(pf->fine6_fd, NULL, &k) == 0)
		if (bpf_map_delete_elem(pf->fine6_fd, &k) != 0 && errno != ENOENT)
			return -1;
	if (errno != ENOENT)
		return -1;
	const int fds[2] = {pf->block6_fd, pf->allow6_fd};
	const unsigned steps[2] = {SL_PF_BLOCK_MAX, SL_PF_ALLOW_MAX};
	struct fine6_arg a = {.fd = pf->fine6_fd, .prefix = prefix};
	for (unsigned i = 0; i < 2; i++) {
		if (lpm_walk(fds[i], steps[i], put_narrower, &a) < 0)
			return -1;
		if (a.failed) {
			errno = a.failed;
			return -1;
		}
	}
	return 0;
}

struct list_arg {
	unsigned family, n, max;
	sl_pf_block_entry_t *block; /* the blocklists' out, or */
	sl_cidr_t *allow;           /* the allowlists' */
};

static int list_one(const lpm_key_t *k, const void *value, void *arg)
{
	struct list_arg *l = arg;
	if (l->n == l->max)
		return 1;
	sl_cidr_t c = lpm_cidr(l->family, k);
	if (l->block)
		l->block[l->n] = (sl_pf_block_entry_t){
			.cidr = c, .expiry_ns = ((const struct sl_pf_block *)value)->expiry_ns};
	else
		l->allow[l->n] = c;
	l->n++;
	return 0;
}

/* The entries of the IPv4 trie fd4, then of the IPv6 trie fd6, into l. */
static int lpm_list(int fd4, int fd6, unsigned steps, struct list_arg *l)
{
	const int fds[2] = {fd4, fd6};
	for (unsigned i = 0; i < 2; i++) {
		l->family = i ? 6 : 4;
		int rc = lpm_walk(fds[i], steps, list_one, l);
		if (rc < 0)
			return -1;
		if (rc > 0)
			break; /* out is full */
	}
	return (int)l->n;
}

int sl_prefilter_blocklist(const sl_prefilter_t *pf, sl_pf_block_entry_t *out, unsigned max)
{
	struct list_arg l = {.max = max, .block = out};
	return lpm_list(pf->block_fd, pf->block6_fd, SL_PF_BLOCK_MAX, &l);
}

int sl_prefilter_allowlist(const sl_prefilter_t *pf, sl_cidr_t *out, unsigned max)
{
	struct list_arg l = {.max = max, .allow = out};
	return lpm_list(pf->allow_fd, pf->allow6_fd, SL_PF_ALLOW_MAX, &l);
}

int sl_prefilter_allowed(const sl_prefilter_t *pf, unsigned family, const uint8_t *addr)
{
	sl_cidr_t c = {.family = (uint8_t)family, .prefixlen = family == 4 ? 32 : 128};
	if (family == 4 || family == 6)
		memcpy(c.addr, addr, family == 4 ? 4 : 16);
	lpm_key_t k;
	int fd;
	uint32_t v;
	if (lpm_key(&c, pf->allow_fd, pf->allow6_fd, &k, &fd) != 0)
		return -1;
	if (bpf_map_lookup_elem(fd, &k, &v) == 0)
		return 1;
	return errno == ENOENT ? 0 : -1;
}

struct overlap_arg {
	unsigned family;
	const sl_cidr_t *c;
};

/* Two prefixes overlap when the shorter covers the longer's address. */
static int overlaps_one(const lpm_key_t *k, const void *value, void *arg)
{
	(void)value;
	const struct overlap_arg *o = arg;
	sl_cidr_t e = lpm_cidr(o->family, k);
	const sl_cidr_t *shorter = e.prefixlen <= o->c->prefixlen ? &e : o->c;
	const sl_cidr_t *longer = shorter == &e ? o->c : &e;
	return sl_cidr_contains(shorter, o->family, longer->addr);
}

/* Does an entry of the trie of c's family (fd4 or fd6) relate to c as
 * `each` asks? A walk of at most `steps`: lpm_walk's answer, or -1 with
 * EINVAL for a c that is not a valid sl_cidr_t. */
static int any_entry(const sl_cidr_t *c, int fd4, int fd6, unsigned steps,
		     int (*each)(const lpm_key_t *, const void *, void *))
{
	lpm_key_t k;
	int fd;
	if (lpm_key(c, fd4, fd6, &k, &fd) != 0)
		return -1;
	struct overlap_arg o = {.family = c->family, .c = c};
	return lpm_walk(fd, steps, each, &o);
}

int sl_prefilter_allow_overlaps(const sl_prefilter_t *pf, const sl_cidr_t *c)
{
	return any_entry(c, pf->allow_fd, pf->allow6_fd, SL_PF_ALLOW_MAX, overlaps_one);
}

/* A peer's trie key (its host prefix) and the map of its family; -1 with
 * EINVAL for a family neither 4 nor 6. */
static int peer_key(const sl_prefilter_t *pf, unsigned family, const uint8_t *ip, lpm_key_t *k,
		    int *fd)
{
	sl_cidr_t c = {.family = (uint8_t)family, .prefixlen = family == 4 ? 32 : 128};
	if (family == 4 || family == 6)
		memcpy(c.addr, ip, family == 4 ? 4 : 16);
	return lpm_key(&c, pf->peers_fd, pf->peers6_fd, k, fd);
}

int sl_prefilter_put_peer(const sl_prefilter_t *pf, unsigned family, const uint8_t *ip,
			  uint64_t token_in, uint64_t token_in_prev)
{
	struct sl_pf_peer v = {.token_in = token_in, .token_in_prev = token_in_prev};
	lpm_key_t k;
	int fd;
	if (peer_key(pf, family, ip, &k, &fd) != 0 || bpf_map_update_elem(fd, &k, &v, BPF_ANY) != 0)
		return -1;
	return next_gen(pf);
}

int sl_prefilter_del_peer(const sl_prefilter_t *pf, unsigned family, const uint8_t *ip)
{
	lpm_key_t k;
	int fd;
	if (peer_key(pf, family, ip, &k, &fd) != 0)
		return -1;
	if (bpf_map_delete_elem(fd, &k) != 0)
		return errno == ENOENT ? 0 : -1;
	return next_gen(pf);
}

static int inside_one(const lpm_key_t *k, const void *value, void *arg)
{
	(void)value;
	const struct overlap_arg *o = arg;
	const sl_cidr_t e = lpm_cidr(o->family, k);
	return sl_cidr_contains(o->c, o->family, e.addr);
}

int sl_prefilter_peer_within(const sl_prefilter_t *pf, const sl_cidr_t *c)
{
	return any_entry(c, pf->peers_fd, pf->peers6_fd, SL_PF_PEERS_MAX, inside_one);
}

uint64_t sl_prefilter_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

enum { SWEEP_BATCH = 256 };
struct sweep_arg {
	uint64_t now_ns;
	uint64_t next_end_ns; /* the soonest end of a live block seen */
	unsigned n;
	lpm_key_t expired[SWEEP_BATCH];
};

static int collect_expired(const lpm_key_t *k, const void *value, void *arg)
{
	struct sweep_arg *w = arg;
	const struct sl_pf_block *b = value;
	if (!sl_pf_block_live(b, w->now_ns))
		w->expired[w->n++] = *k;
	else if (b->expiry_ns != 0 && b->expiry_ns < w->next_end_ns)
		w->next_end_ns = b->expiry_ns;
	return w->n == SWEEP_BATCH;
}

/* The sweep of one blocklist: collect a batch, then delete it (deleting
 * under the walk would send get_next_key back to the start). Each batch
 * removes its keys, so the walks end. *fine set when it removed an IPv6
 * entry longer than fine_above (the IPv4 list: 128, none). *next_end_ns
 * lowered to the soonest end of a block it keeps. */
static int sweep(int fd, uint64_t now_ns, unsigned fine_above, int *fine, uint64_t *next_end_ns)
{
	struct sweep_arg w = {.next_end_ns = *next_end_ns};
	int removed = 0;
	for (;;) {
		w.now_ns = now_ns;
		w.n = 0;
		int rc = lpm_walk(fd, SL_PF_BLOCK_MAX, collect_expired, &w);
		if (rc < 0)
			return -1;
		for (unsigned i = 0; i < w.n; i++) {
			if (bpf_map_delete_elem(fd, &w.expired[i]) == 0) {
				removed++;
				*fine |= fine_above < 128 && w.expired[i].k6.prefixlen > fine_above;
			} else if (errno != ENOENT) {
				return -1;
			}
		}
		if (rc == 0) {
			*next_end_ns = w.next_end_ns;
			return removed;
		}
	}
}

int sl_prefilter_lists_gen(const sl_prefilter_t *pf, uint64_t *gen)
{
	uint32_t gi = SL_PF_GEN_LISTS;
	return bpf_map_lookup_elem(pf->gen_fd, &gi, gen);
}

int sl_prefilter_sweep_blocklist(const sl_prefilter_t *pf, uint64_t now_ns,
				 sl_pf_sweep_state_t *st)
{
	unsigned prefix;
	uint64_t gen, next_end = UINT64_MAX;
	int fine = 0;
	if (st && st->known && now_ns < st->next_end_ns && sl_prefilter_lists_gen(pf, &gen) == 0 &&
	    gen == st->gen)
		return 0;
	if (st)
		st->known = false;
	if (writers_lock(pf) != 0)
		return -1;
	int r4 = ip6_prefix(pf, &prefix) != 0 ? -1 : sweep(pf->block_fd, now_ns, 128, &fine, &next_end);
	int r6 = r4 < 0 ? -1 : sweep(pf->block6_fd, now_ns, prefix, &fine, &next_end);
	/* a narrow entry gone: sl_pf_fine6 again, and the slots asked again;
	 * any entry gone: a generation, for the readers that go by it */
	if (r6 >= 0 && fine && refine6(pf, prefix) != 0)
		r6 = -1;
	if (r6 >= 0 && r4 + r6 > 0 && next_gen(pf) != 0)
		r6 = -1;
	/* under the writers' lock: no list changed since the walks */
	if (st && r6 >= 0 && sl_prefilter_lists_gen(pf, &st->gen) == 0) {
		st->next_end_ns = next_end;
		st->known = true;
	}
	return writers_unlock(pf, r6 < 0 ? -1 : r4 + r6);
}

/* The CPUs' entries of sl_pf_cpu, *n of them into a buffer the caller
 * frees. */
static struct sl_pf_cpu *read_cpus(const sl_prefilter_t *pf, int *n)
{
	uint32_t zero = 0;
	*n = libbpf_num_possible_cpus();
	if (*n <= 0)
		return NULL;
	struct sl_pf_cpu *p = calloc((size_t)*n, sizeof(*p));
	if (p && bpf_map_lookup_elem(pf->cpu_fd, &zero, p) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

int sl_prefilter_counters(const sl_prefilter_t *pf, uint64_t c[SL_PF__COUNT])
{
	int ncpu;
	struct sl_pf_cpu *cpus = read_cpus(pf, &ncpu);
	if (!cpus)
		return -1;
	for (unsigned i = 0; i < SL_PF__COUNT; i++) {
		c[i] = 0;
		for (int k = 0; k < ncpu; k++)
			c[i] += cpus[k].counters[i];
	}
	free(cpus);
	return 0;
}


int sl_prefilter_src_slot(const sl_prefilter_t *pf, unsigned family, const uint8_t *addr,
			  unsigned prefixlen, struct sl_pf_srcslot *out, uint32_t *idx)
{
	struct sl_pf_conf conf;
	struct sl_pf_srcset set;
	uint32_t zero = 0;
	if (family != 4 && family != 6) {
		errno = EINVAL;
		return -1;
	}
	if (bpf_map_lookup_elem(pf->conf_fd, &zero, &conf) != 0)
		return -1;
	const struct sl_pf_srckey k = src_key(family, addr, prefixlen);
	const uint32_t n = sl_pf_src_set(&conf, sl_pf_src_hash(&conf, &k));
	if (bpf_map_lookup_elem(pf->srcs_fd, &n, &set) != 0)
		return -1;
	for (unsigned w = 0; w < SL_PF_SRC_WAYS; w++)
		if (set.way[w].epoch != 0 && memcmp(&set.way[w].key, &k, sizeof(k)) == 0) {
			*out = set.way[w];
			*idx = n * SL_PF_SRC_WAYS + w;
			return 1;
		}
	return 0;
}

/* A slot's drops: its own and what the CPUs hold for it. */
static uint64_t slot_drops(const struct sl_pf_srcslot *s, uint32_t idx,
			   const struct sl_pf_cpu *cpus, int ncpu)
{
	uint64_t n = s->drops;
	for (int c = 0; c < ncpu; c++)
		if (cpus[c].pend.slot == idx && cpus[c].pend.epoch == s->epoch)
			n += cpus[c].pend.n;
	return n;
}

static uint64_t src_drops(const sl_prefilter_t *pf, unsigned family, const uint8_t *addr,
			  unsigned prefixlen)
{
	struct sl_pf_srcslot s;
	uint32_t idx;
	int ncpu;
	if (sl_prefilter_src_slot(pf, family, addr, prefixlen, &s, &idx) != 1)
		return 0;
	struct sl_pf_cpu *cpus = read_cpus(pf, &ncpu);
	const uint64_t n = cpus ? slot_drops(&s, idx, cpus, ncpu) : s.drops;
	free(cpus);
	return n;
}

uint64_t sl_prefilter_src_drops(const sl_prefilter_t *pf, uint32_t src)
{
	uint8_t a[4];
	memcpy(a, &src, sizeof(a)); /* view form: the bytes in network order */
	return src_drops(pf, 4, a, 32);
}

uint64_t sl_prefilter_src_drops6(const sl_prefilter_t *pf, const uint8_t addr[16],
				 unsigned prefixlen)
{
	return src_drops(pf, 6, addr, prefixlen);
}

static int same_src(const struct sl_pf_src *a, const struct sl_pf_src *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

void sl_pf_top_add(sl_pf_top_t *t, const struct sl_pf_src *s)
{
	uint64_t drops = s->drops;
	/* A walk that restarted offers a source again: its newer count
	 * replaces the old entry. */
	for (unsigned i = 0; i < t->n; i++)
		if (same_src(&t->src[i], s)) {
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
	t->src[at] = *s;
	t->n = keep + 1;
}

/* A slot's source as a struct sl_pf_src: ::ffff:0:0/96 keys are IPv4
 * sources'; an IPv6 one's prefix length is the conf's. */
static struct sl_pf_src slot_src(const struct sl_pf_srcslot *s, unsigned prefix6, uint64_t drops)
{
	static const uint8_t v4mapped[12] = {[10] = 0xff, [11] = 0xff};
	struct sl_pf_src src = {.drops = drops};
	const uint8_t *k = (const uint8_t *)&s->key;
	if (memcmp(k, v4mapped, sizeof(v4mapped)) == 0) {
		src.family = 4;
		src.prefixlen = 32;
		memcpy(src.addr, k + 12, 4);
	} else {
		src.family = 6;
		src.prefixlen = (uint8_t)prefix6;
		memcpy(src.addr, k, sizeof(src.addr));
	}
	return src;
}

/* Sets read per batch: 128 KiB. */
#define TOP_BATCH 1024u

int sl_prefilter_top_sources(const sl_prefilter_t *pf, sl_pf_top_t *top)
{
	struct sl_pf_conf conf;
	uint32_t zero = 0, nsets;
	int ncpu, rc = -1;
	top->n = 0;
	if (bpf_map_lookup_elem(pf->conf_fd, &zero, &conf) != 0 || src_sets(pf, &nsets) != 0)
		return -1;
	struct sl_pf_cpu *cpus = read_cpus(pf, &ncpu);
	struct sl_pf_srcset *sets = calloc(TOP_BATCH, sizeof(*sets));
	uint32_t *keys = calloc(TOP_BATCH, sizeof(*keys));
	if (!cpus || !sets || !keys)
		goto out;
	/* A batch goes on after the key its predecessor handed back in
	 * `next` (the last one it read); ENOENT: it read the last. */
	uint32_t next = 0;
	int end = 0;
	for (uint32_t b = 0; !end && b <= nsets / TOP_BATCH; b++) {
		uint32_t count = TOP_BATCH;
		if (bpf_map_lookup_batch(pf->srcs_fd, b ? &next : NULL, &next, keys, sets, &count,
					 NULL) != 0) {
			if (errno != ENOENT)
				goto out;
			end = 1;
		}
		for (uint32_t i = 0; i < count; i++)
			for (unsigned w = 0; w < SL_PF_SRC_WAYS; w++) {
				const struct sl_pf_srcslot *s = &sets[i].way[w];
				const uint32_t idx = keys[i] * SL_PF_SRC_WAYS + w;
				const uint64_t drops = slot_drops(s, idx, cpus, ncpu);
				if (s->epoch == 0 || drops == 0)
					continue;
				struct sl_pf_src src = slot_src(s, sl_pf_ip6_prefix(&conf), drops);
				sl_pf_top_add(top, &src);
			}
	}
	rc = 0;
out:
	free(cpus);
	free(sets);
	free(keys);
	return rc;
}

const char *sl_pf_list_name(unsigned list)
{
	static const char *const names[SL_PF_LISTS] = {"blocklist", "allowlist"};
	return list < SL_PF_LISTS ? names[list] : NULL;
}

unsigned sl_pf_list_capacity(unsigned list)
{
	static const unsigned cap[SL_PF_LISTS] = {SL_PF_BLOCK_MAX, SL_PF_ALLOW_MAX};
	return list < SL_PF_LISTS ? cap[list] : 0;
}

static int count_one(const lpm_key_t *k, const void *value, void *arg)
{
	(void)k;
	(void)value;
	++*(uint32_t *)arg;
	return 0;
}

int sl_prefilter_snapshot(const sl_prefilter_t *pf, sl_pf_snapshot_t *s)
{
	uint64_t gen;
	if (sl_prefilter_counters(pf, s->c) != 0 || sl_prefilter_top_sources(pf, &s->top) != 0 ||
	    sl_prefilter_lists_gen(pf, &gen) != 0)
		return -1;
	if (s->lists_counted && s->lists_gen == gen)
		return 0;
	/* read before the walks: a change during them raises it past this */
	s->lists_counted = false;
	const int fds[SL_PF_LISTS][2] = {{pf->block_fd, pf->block6_fd},
					 {pf->allow_fd, pf->allow6_fd}};
	for (unsigned l = 0; l < SL_PF_LISTS; l++)
		for (unsigned f = 0; f < 2; f++) {
			s->list_entries[l][f] = 0;
			if (lpm_walk(fds[l][f], sl_pf_list_capacity(l), count_one,
				     &s->list_entries[l][f]) < 0)
				return -1;
		}
	s->lists_counted = true;
	s->lists_gen = gen;
	return 0;
}

void sl_pf_src_str(const struct sl_pf_src *s, char out[SL_PF_SRC_STR_SZ])
{
	if (s->family != 6) {
		inet_ntop(AF_INET, s->addr, out, SL_PF_SRC_STR_SZ);
		return;
	}
	inet_ntop(AF_INET6, s->addr, out, SL_PF_SRC_STR_SZ);
	size_t n = strlen(out);
	snprintf(out + n, SL_PF_SRC_STR_SZ - n, "/%u", s->prefixlen);
}

void sl_prefilter_write_json(FILE *f, const sl_pf_snapshot_t *s)
{
	fprintf(f, "\"prefilter\": {");
	for (unsigned i = 0; i < SL_PF__COUNT; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", sl_prefilter_counter_name(i),
			(unsigned long long)s->c[i]);
	fprintf(f, ", \"top_sources\": {");
	for (unsigned i = 0; i < s->top.n; i++) {
		char ip[SL_PF_SRC_STR_SZ];
		sl_pf_src_str(&s->top.src[i], ip);
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", ip,
			(unsigned long long)s->top.src[i].drops);
	}
	/* the lists beside, not inside: a reader of "prefilter" takes every
	 * member but top_sources for a counter */
	fprintf(f, "}}, \"prefilter_lists\": {");
	for (unsigned l = 0; l < SL_PF_LISTS; l++)
		fprintf(f, "%s\"%s\": {\"ipv4\": %u, \"ipv6\": %u, \"capacity\": %u}", l ? ", " : "",
			sl_pf_list_name(l), s->list_entries[l][0], s->list_entries[l][1],
			sl_pf_list_capacity(l));
	fprintf(f, "}");
}

void sl_prefilter_print_lists(FILE *f, const char *indent, const sl_pf_snapshot_t *s)
{
	for (unsigned l = 0; l < SL_PF_LISTS; l++)
		fprintf(f, "%s%s: %u IPv4, %u IPv6 entries (of %u each)\n", indent, sl_pf_list_name(l),
			s->list_entries[l][0], s->list_entries[l][1], sl_pf_list_capacity(l));
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
		char ip[SL_PF_SRC_STR_SZ];
		sl_pf_src_str(&s->top.src[i], ip);
		fprintf(f, "      %-24s %20llu\n", ip, (unsigned long long)s->top.src[i].drops);
	}
	sl_prefilter_print_lists(f, "    ", s);
}

/* ---- Pinned maps ---- */

/* SL_PF_PIN_ROOT/<relay>/<map name>: relay and map names are 15
 * characters at most. */
#define PIN_PATH_MAX 128

/* The relay's pin folder; refused (errno EINVAL) for what is not a relay
 * name, since it becomes a path component. */
static int pin_dir(char dir[PIN_PATH_MAX], const char *relay, char *err, size_t errlen)
{
	if (!sl_config_valid_name(relay)) {
		snprintf(err, errlen, "'%.32s' is not a relay name (1 to %d of A-Za-z0-9_-)", relay,
			 SL_CFG_NAME_MAX - 1);
		errno = EINVAL;
		return -1;
	}
	snprintf(dir, PIN_PATH_MAX, "%s/%s", SL_PF_PIN_ROOT, relay);
	return 0;
}

int sl_prefilter_unpin(const char *relay)
{
	char dir[PIN_PATH_MAX], err[128];
	if (pin_dir(dir, relay, err, sizeof(err)) != 0)
		return -1;
	DIR *d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	/* Everything in the relay's folder is a pin of ours, maps an older
	 * build pinned included. */
	int failed = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT && !failed)
			failed = errno;
	closedir(d);
	if (failed) {
		errno = failed;
		return -1;
	}
	return rmdir(dir) == 0 || errno == ENOENT ? 0 : -1;
}

/* The relay's pin folder opened into pf->lock_fd (the writers' lock). */
static int open_lock(sl_prefilter_t *pf, const char *dir, char *err, size_t errlen)
{
	if (pf->lock_fd >= 0)
		close(pf->lock_fd);
	pf->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pf->lock_fd < 0) {
		snprintf(err, errlen, "opening %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int sl_prefilter_pin(sl_prefilter_t *pf, const char *relay, char *err, size_t errlen)
{
	char dir[PIN_PATH_MAX], path[PIN_PATH_MAX + 16], fs[] = SL_PF_PIN_ROOT;
	if (pin_dir(dir, relay, err, errlen) != 0)
		return -1;
	*strrchr(fs, '/') = '\0';
	struct statfs st;
	if (statfs(fs, &st) != 0 || st.f_type != BPF_FS_MAGIC) {
		snprintf(err, errlen, "%s is not a BPF file system (mount -t bpf bpf %s): cannot pin "
			 "the prefilter's maps for sluicectl", fs, fs);
		return -1;
	}
	if (sl_prefilter_unpin(relay) != 0) {
		snprintf(err, errlen, "removing the old pins in %s: %s", dir, strerror(errno));
		return -1;
	}
	if ((mkdir(SL_PF_PIN_ROOT, 0700) != 0 && errno != EEXIST) || mkdir(dir, 0700) != 0) {
		snprintf(err, errlen, "making %s: %s", dir, strerror(errno));
		return -1;
	}
	sl_prefilter_t fds = *pf; /* pf_wants points into it; nothing is written */
	struct want w[PF_MAPS_MAX] = {0};
	const size_t nw = pf_wants(&fds, w);
	for (size_t i = 0; i < nw; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pin_name(&w[i]));
		if (bpf_obj_pin(*w[i].fd, path) != 0) {
			snprintf(err, errlen, "pinning %s: %s", path, strerror(errno));
			sl_prefilter_unpin(relay);
			return -1;
		}
	}
	if (open_lock(pf, dir, err, errlen) != 0) {
		sl_prefilter_unpin(relay);
		return -1;
	}
	return 0;
}

/* The pinned config entry's size, then its layout field, checked before
 * any map is taken, so that maps of another build are named as such. */
static int pinned_layout(const char *dir, const char *relay, char *err, size_t errlen)
{
	char path[PIN_PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/%s", dir, SL_PF_CONF_PIN);
	int fd = bpf_obj_get(path);
	if (fd < 0) {
		if (errno == ENOENT)
			snprintf(err, errlen, "no pinned maps for relay %s under %s: is sluice-dp "
				 "running with an xdp_prog?", relay, dir);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct bpf_map_info info = {0};
	uint32_t len = sizeof(info);
	struct sl_pf_conf conf;
	const uint32_t zero = 0;
	int rc = -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0 ||
	    (info.value_size == sizeof(conf) && bpf_map_lookup_elem(fd, &zero, &conf) != 0))
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (info.value_size != sizeof(conf))
		snprintf(err, errlen, "the pinned maps of relay %s have another layout (%s of %u "
			 "bytes, this sluicectl reads %zu): a sluice-dp of another build?", relay,
			 SL_PF_CONF_PIN, info.value_size, sizeof(conf));
	else if (conf.layout != SL_PF_LAYOUT)
		snprintf(err, errlen, "the pinned maps of relay %s have layout %u, this sluicectl "
			 "reads %u: a sluice-dp of another build?", relay, conf.layout, SL_PF_LAYOUT);
	else
		rc = 0;
	close(fd);
	return rc;
}

int sl_prefilter_open_pinned(sl_prefilter_t *pf, const char *relay, char *err, size_t errlen)
{
	*pf = SL_PREFILTER_CLOSED;
	char dir[PIN_PATH_MAX], path[PIN_PATH_MAX + 16];
	if (pin_dir(dir, relay, err, errlen) != 0 || pinned_layout(dir, relay, err, errlen) != 0)
		return -1;
	struct want w[PF_MAPS_MAX] = {0};
	const size_t nw = pf_wants(pf, w);
	for (size_t i = 0; i < nw; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pin_name(&w[i]));
		int fd = bpf_obj_get(path);
		struct bpf_map_info info = {0};
		uint32_t len = sizeof(info);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
			if (errno == ENOENT)
				snprintf(err, errlen, "no %s: pinned by a sluice-dp of another build?",
					 path);
			else
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
		} else if (strncmp(info.name, w[i].name, sizeof(info.name)) != 0) {
			snprintf(err, errlen, "%s holds the map %s", path, info.name);
		} else if (take_map(info.id, &w[i], 1, err, errlen) == 0) {
			close(fd);
			continue;
		}
		if (fd >= 0)
			close(fd);
		sl_prefilter_close(pf);
		return -1;
	}
	if (open_lock(pf, dir, err, errlen) != 0) {
		sl_prefilter_close(pf);
		return -1;
	}
	return 0;
}

int sl_prefilter_read_conf(const sl_prefilter_t *pf, struct sl_pf_conf *conf)
{
	const uint32_t zero = 0;
	return bpf_map_lookup_elem(pf->conf_fd, &zero, conf);
}
