#include "sl_pfstate.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sl_file.h"

#define NS_PER_S 1000000000ull
/* sl_pfstate_until_s: how far past a whole second still reads as it */
#define ROUND_SLACK_NS 1000000ull

_Static_assert(SL_PFSTATE_UNTIL_MAX == 18446744073ull, "UNTIL_DIGITS is its digits");
_Static_assert(SL_PFSTATE_ENTRY_MAX < SL_PFSTATE_LINE_MAX, "what format writes parses back");

static const char *const SEP = " \t";

/* "never", or decimal Unix seconds without sign or leading zero, at most
 * SL_PFSTATE_UNTIL_MAX. */
static int parse_until(const char *s, uint64_t *until)
{
	if (strcmp(s, "never") == 0) {
		*until = SL_PFSTATE_NEVER;
		return 0;
	}
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	uint64_t v = 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0'); /* v <= UNTIL_MAX before: no overflow */
		if (v > SL_PFSTATE_UNTIL_MAX)
			return -1;
	}
	*until = v;
	return 0;
}

/* Entries of each family so far (index 0: IPv4, 1: IPv6), against the maps'
 * sizes. */
struct counts {
	unsigned blocks[2], allows[2];
};

/* One line's fields, split in place: 0 kept or blank, or -1 with the
 * reason in why. */
static int parse_fields(char *s, sl_pfstate_t *st, struct counts *n, char *why, size_t whysz)
{
	char *f[3], *save = NULL;
	unsigned nf = 0;
	for (char *t = strtok_r(s, SEP, &save); t != NULL; t = strtok_r(NULL, SEP, &save))
		if (nf++ < 3)
			f[nf - 1] = t;
	if (nf == 0 || f[0][0] == '#')
		return 0;
	const bool block = strcmp(f[0], "block") == 0;
	if (!block && strcmp(f[0], "allow") != 0) {
		snprintf(why, whysz, "not a 'block CIDR UNTIL' or 'allow CIDR' line");
		return -1;
	}
	if (nf != (block ? 3u : 2u)) {
		snprintf(why, whysz, "%s wants %s, got %u field%s after it", f[0],
			 block ? "CIDR UNTIL" : "CIDR", nf - 1, nf == 2 ? "" : "s");
		return -1;
	}
	sl_cidr_t c;
	char err[128];
	if (sl_cidr_parse(f[1], &c, err, sizeof(err)) != 0) {
		snprintf(why, whysz, "bad CIDR '%.64s': %s", f[1], err);
		return -1;
	}
	const unsigned fam = c.family == 6;
	uint64_t until = 0;
	if (block && parse_until(f[2], &until) != 0) {
		snprintf(why, whysz, "UNTIL '%.24s' is neither Unix seconds (0 to %llu) nor never",
			 f[2], (unsigned long long)SL_PFSTATE_UNTIL_MAX);
		return -1;
	}
	unsigned *have = block ? &n->blocks[fam] : &n->allows[fam];
	const unsigned max = block ? SL_PF_BLOCK_MAX : SL_PF_ALLOW_MAX;
	if (*have == max) {
		snprintf(why, whysz, "more than %u IPv%u %s (what the %s holds)", max, c.family,
			 block ? "blocks" : "allows", block ? "blocklist" : "allowlist");
		return -1;
	}
	++*have;
	if (block)
		st->blocks[st->nblocks++] = (sl_pfstate_block_t){.cidr = c, .until_s = until};
	else
		st->allows[st->nallows++] = c;
	return 0;
}

/* One line (no newline); 0 kept or blank, 1 reported. */
static unsigned parse_line(const char *line, size_t len, const char *file, unsigned lineno,
			   sl_pfstate_t *st, struct counts *n, sl_config_report_fn report,
			   void *ctx)
{
	char buf[SL_PFSTATE_LINE_MAX], why[256];
	if (len >= sizeof(buf)) {
		snprintf(why, sizeof(why), "longer than %d characters", SL_PFSTATE_LINE_MAX - 1);
	} else if (memchr(line, '\0', len) != NULL) {
		snprintf(why, sizeof(why), "a NUL byte");
	} else {
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (len > 0 && buf[len - 1] == '\r')
			buf[len - 1] = '\0';
		if (parse_fields(buf, st, n, why, sizeof(why)) == 0)
			return 0;
	}
	sl_config_reportf(report, ctx, file, lineno, "%s", why);
	return 1;
}

unsigned sl_pfstate_parse(const char *text, size_t len, const char *file, sl_pfstate_t *st,
			  sl_config_report_fn report, void *ctx)
{
	struct counts n = {{0}, {0}};
	unsigned problems = 0, lineno = 0;
	st->nblocks = st->nallows = 0;
	size_t at = 0;
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;
		problems += parse_line(text + at, end - at, file, ++lineno, st, &n, report, ctx);
		at = end + 1;
	}
	return problems;
}

size_t sl_pfstate_format(const sl_pfstate_t *st, char *out, size_t outsz)
{
	if (outsz < SL_PFSTATE_TEXT_MAX)
		return 0;
	size_t n = (size_t)snprintf(out, outsz,
				    "# sluice-dp: the XDP prefilter's blocklist and allowlist, kept\n"
				    "# across restarts; sluice-dp rewrites this file (dataplane/README.md,\n"
				    "# \"The prefilter's state file\"). block CIDR UNTIL (Unix seconds, or\n"
				    "# never) | allow CIDR\n");
	char s[SL_CIDR_STR_SZ];
	for (unsigned i = 0; i < st->nblocks && i < SL_PFSTATE_BLOCKS_MAX; i++) {
		const sl_pfstate_block_t *b = &st->blocks[i];
		sl_cidr_str(&b->cidr, s);
		if (b->until_s == SL_PFSTATE_NEVER)
			n += (size_t)snprintf(out + n, outsz - n, "block %s never\n", s);
		else
			n += (size_t)snprintf(out + n, outsz - n, "block %s %llu\n", s,
					      (unsigned long long)b->until_s);
	}
	for (unsigned i = 0; i < st->nallows && i < SL_PFSTATE_ALLOWS_MAX; i++) {
		sl_cidr_str(&st->allows[i], s);
		n += (size_t)snprintf(out + n, outsz - n, "allow %s\n", s);
	}
	return n;
}

unsigned sl_pfstate_load(const char *path, sl_pfstate_t *st, char *buf, size_t bufsz,
			 sl_config_report_fn report, void *ctx)
{
	st->nblocks = st->nallows = 0;
	FILE *f = fopen(path, "rb");
	if (f == NULL && errno == ENOENT)
		return 0;
	size_t len = 0;
	bool more = false;
	int err = f == NULL ? errno : 0;
	if (f != NULL) {
		len = fread(buf, 1, bufsz, f);
		err = ferror(f) ? errno : 0;
		more = err == 0 && len == bufsz && fgetc(f) != EOF;
		fclose(f);
	}
	if (err != 0) {
		sl_config_reportf(report, ctx, path, 0, "cannot read the file (%s)", strerror(err));
		return 1;
	}
	if (!more)
		return sl_pfstate_parse(buf, len, path, st, report, ctx);
	/* A line cut short could still parse, to another prefix or end: only
	 * whole lines are read. */
	const char *last_nl = memrchr(buf, '\n', len);
	const size_t whole = last_nl != NULL ? (size_t)(last_nl - buf) + 1 : 0;
	unsigned lines = 0;
	for (size_t i = 0; i < whole; i++)
		lines += buf[i] == '\n';
	unsigned problems = sl_pfstate_parse(buf, whole, path, st, report, ctx);
	sl_config_reportf(report, ctx, path, lines + 1,
			  "the file is longer than %zu bytes: this line and the rest are left out",
			  bufsz);
	return problems + 1;
}

/* ---- the clocks ---- */

sl_pfstate_clock_t sl_pfstate_clock_now(void)
{
	struct timespec ts;
	const uint64_t mono = sl_prefilter_now_ns();
	clock_gettime(CLOCK_REALTIME, &ts);
	return (sl_pfstate_clock_t){
		.mono_ns = mono, .wall_ns = (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec};
}

bool sl_pfstate_until_s(uint64_t expiry_ns, const sl_pfstate_clock_t *now, uint64_t *until_s)
{
	if (expiry_ns == 0) {
		*until_s = SL_PFSTATE_NEVER;
		return true;
	}
	if (expiry_ns <= now->mono_ns)
		return false;
	const uint64_t left = expiry_ns - now->mono_ns;
	/* an end past year 2554 stays an end (UNTIL_MAX), not never */
	const uint64_t end = left > UINT64_MAX - now->wall_ns ? UINT64_MAX : now->wall_ns + left;
	const uint64_t s = end / NS_PER_S + (end % NS_PER_S > ROUND_SLACK_NS);
	*until_s = s < SL_PFSTATE_UNTIL_MAX ? s : SL_PFSTATE_UNTIL_MAX;
	return true;
}

bool sl_pfstate_expiry_ns(uint64_t until_s, const sl_pfstate_clock_t *now, uint64_t *expiry_ns)
{
	if (until_s == SL_PFSTATE_NEVER) {
		*expiry_ns = 0;
		return true;
	}
	const uint64_t end = until_s <= SL_PFSTATE_UNTIL_MAX ? until_s * NS_PER_S : UINT64_MAX;
	if (end <= now->wall_ns)
		return false;
	const uint64_t left = end - now->wall_ns;
	*expiry_ns = left > UINT64_MAX - now->mono_ns ? UINT64_MAX : now->mono_ns + left;
	return true;
}

static int cidr_cmp(const sl_cidr_t *a, const sl_cidr_t *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	int c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c != 0)
		return c;
	return a->prefixlen < b->prefixlen ? -1 : a->prefixlen > b->prefixlen;
}

static int block_cmp(const void *pa, const void *pb)
{
	const sl_pfstate_block_t *a = pa, *b = pb;
	int c = cidr_cmp(&a->cidr, &b->cidr);
	if (c != 0)
		return c;
	return a->until_s < b->until_s ? -1 : a->until_s > b->until_s;
}

static int allow_cmp(const void *a, const void *b)
{
	return cidr_cmp(a, b);
}

void sl_pfstate_from_lists(sl_pfstate_t *st, const sl_pf_block_entry_t *blocks, unsigned nblocks,
			   const sl_cidr_t *allows, unsigned nallows,
			   const sl_pfstate_clock_t *now)
{
	struct counts n = {{0}, {0}};
	st->nblocks = st->nallows = 0;
	for (unsigned i = 0; i < nblocks; i++) {
		const unsigned fam = blocks[i].cidr.family == 6;
		uint64_t until;
		if (n.blocks[fam] < SL_PF_BLOCK_MAX &&
		    sl_pfstate_until_s(blocks[i].expiry_ns, now, &until)) {
			n.blocks[fam]++;
			st->blocks[st->nblocks++] =
				(sl_pfstate_block_t){.cidr = blocks[i].cidr, .until_s = until};
		}
	}
	for (unsigned i = 0; i < nallows; i++) {
		const unsigned fam = allows[i].family == 6;
		if (n.allows[fam] < SL_PF_ALLOW_MAX) {
			n.allows[fam]++;
			st->allows[st->nallows++] = allows[i];
		}
	}
	/* Sorted, so that the text changes only with the lists, not with the
	 * tries' walk order; of a prefix listed twice, the last after sorting
	 * (a block's later end) stays. */
	qsort(st->blocks, st->nblocks, sizeof(st->blocks[0]), block_cmp);
	unsigned kept = 0;
	for (unsigned i = 0; i < st->nblocks; i++) {
		if (kept > 0 && cidr_cmp(&st->blocks[kept - 1].cidr, &st->blocks[i].cidr) == 0)
			kept--;
		st->blocks[kept++] = st->blocks[i];
	}
	st->nblocks = kept;
	qsort(st->allows, st->nallows, sizeof(st->allows[0]), allow_cmp);
	kept = 0;
	for (unsigned i = 0; i < st->nallows; i++)
		if (kept == 0 || cidr_cmp(&st->allows[kept - 1], &st->allows[i]) != 0)
			st->allows[kept++] = st->allows[i];
	st->nallows = kept;
}

/* ---- the keeper ---- */

struct sl_pfstate_keeper {
	char path[SL_CFG_PATH_MAX];
	FILE *log;
	int last_errno; /* of the last failed sync, logged; 0: it did not fail */
	char *text;     /* the maps' text, being compared */
	char *file;     /* what the file holds: as written, or as restored */
	size_t file_len;
	/* The maps' text is the file's while the lists' generation is
	 * synced_gen, no block has reached its end (next_end_ns, the maps'
	 * clock) and the clocks' offset (wall - monotonic, which the file's
	 * ends are written by) has not moved by a second: sync skips its walks
	 * then. synced false: not known. */
	bool synced;
	uint64_t synced_gen, next_end_ns;
	int64_t offset_ns;
	sl_pfstate_t st;
	sl_pf_block_entry_t blocks[SL_PFSTATE_BLOCKS_MAX];
	sl_cidr_t allows[SL_PFSTATE_ALLOWS_MAX];
	char buf[2][SL_PFSTATE_TEXT_MAX];
};

static void logf_(const sl_pfstate_keeper_t *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logf_(const sl_pfstate_keeper_t *k, const char *fmt, ...)
{
	if (k->log == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(k->log, "sluice-dp: prefilter state file ");
	vfprintf(k->log, fmt, ap);
	fputc('\n', k->log);
	va_end(ap);
}

sl_pfstate_keeper_t *sl_pfstate_keeper_create(const char *path, FILE *log)
{
	/* calloc: pages of the texts that are never written are never touched */
	sl_pfstate_keeper_t *k = calloc(1, sizeof(*k));
	if (k == NULL)
		return NULL;
	snprintf(k->path, sizeof(k->path), "%s", path);
	k->log = log;
	k->text = k->buf[0];
	k->file = k->buf[1];
	return k;
}

void sl_pfstate_keeper_destroy(sl_pfstate_keeper_t *k)
{
	free(k);
}

/* The maps' lists at now, formatted into k->text; its length, or 0 with
 * errno when a map could not be read. *next_end_ns: the soonest end of a
 * block still live at now (UINT64_MAX: none ends). */
static size_t maps_text(sl_pfstate_keeper_t *k, const sl_prefilter_t *pf,
			const sl_pfstate_clock_t *now, uint64_t *next_end_ns)
{
	const int nb = sl_prefilter_blocklist(pf, k->blocks, SL_PFSTATE_BLOCKS_MAX);
	const int na = nb < 0 ? -1 : sl_prefilter_allowlist(pf, k->allows, SL_PFSTATE_ALLOWS_MAX);
	if (na < 0)
		return 0;
	*next_end_ns = UINT64_MAX;
	for (int i = 0; i < nb; i++)
		if (k->blocks[i].expiry_ns > now->mono_ns && k->blocks[i].expiry_ns < *next_end_ns)
			*next_end_ns = k->blocks[i].expiry_ns;
	sl_pfstate_from_lists(&k->st, k->blocks, (unsigned)nb, k->allows, (unsigned)na, now);
	return sl_pfstate_format(&k->st, k->text, SL_PFSTATE_TEXT_MAX);
}

static void report_skipped(void *ctx, const char *file, unsigned line, const char *msg)
{
	logf_(ctx, "%s:%u: %s (skipped)", file, line, msg);
}

int sl_pfstate_keeper_restore(sl_pfstate_keeper_t *k, const sl_prefilter_t *pf,
			      const sl_pfstate_clock_t *now, sl_pfstate_restored_t *r)
{
	*r = (sl_pfstate_restored_t){0};
	/* k->file is free until the file's text is known: the load's buffer */
	r->skipped = sl_pfstate_load(k->path, &k->st, k->file, SL_PFSTATE_TEXT_MAX, report_skipped, k);
	char s[SL_CIDR_STR_SZ];
	for (unsigned i = 0; i < k->st.nblocks; i++) {
		const sl_pfstate_block_t *b = &k->st.blocks[i];
		uint64_t expiry;
		if (!sl_pfstate_expiry_ns(b->until_s, now, &expiry)) {
			r->expired++;
		} else if (sl_prefilter_block(pf, &b->cidr, expiry) == 0) {
			r->blocks++;
		} else {
			sl_cidr_str(&b->cidr, s);
			logf_(k, "%s: cannot restore block %s: %s", k->path, s, strerror(errno));
			r->failed++;
		}
	}
	for (unsigned i = 0; i < k->st.nallows; i++) {
		if (sl_prefilter_allow(pf, &k->st.allows[i]) == 0) {
			r->allows++;
		} else {
			sl_cidr_str(&k->st.allows[i], s);
			logf_(k, "%s: cannot restore allow %s: %s", k->path, s, strerror(errno));
			r->failed++;
		}
	}
	logf_(k, "%s: restored %u block%s and %u allow%s (%u ended while sluice-dp was down, "
		 "%u line%s skipped, %u failed)",
	      k->path, r->blocks, r->blocks == 1 ? "" : "s", r->allows, r->allows == 1 ? "" : "s",
	      r->expired, r->skipped, r->skipped == 1 ? "" : "s", r->failed);
	/* What the file holds, for sync to compare with: the maps now, in the
	 * file's form. A file that says the same in another order, with
	 * comments, ended blocks or bad lines is not rewritten for that alone. */
	uint64_t next_end;
	k->file_len = maps_text(k, pf, now, &next_end);
	char *t = k->file;
	k->file = k->text;
	k->text = t;
	return r->failed > 0 ? -1 : 0;
}

/* The file holds the maps' text as read at generation gen (when have_gen),
 * with next_end as the soonest end in it, at the clocks' offset offset. */
static void note_synced(sl_pfstate_keeper_t *k, bool have_gen, uint64_t gen, uint64_t next_end,
			int64_t offset)
{
	k->synced = have_gen;
	k->synced_gen = gen;
	k->next_end_ns = next_end;
	k->offset_ns = offset;
}

int sl_pfstate_keeper_sync(sl_pfstate_keeper_t *k, const sl_prefilter_t *pf,
			   const sl_pfstate_clock_t *now)
{
	char err[512];
	int e;
	uint64_t gen = 0, next_end = 0;
	const int64_t offset = (int64_t)(now->wall_ns - now->mono_ns);
	/* read before the walks: a change during them raises it past this */
	const bool have_gen = sl_prefilter_lists_gen(pf, &gen) == 0;
	if (have_gen && k->synced && gen == k->synced_gen && now->mono_ns < k->next_end_ns &&
	    llabs(offset - k->offset_ns) < (int64_t)SL_PF_NS)
		return 0;
	k->synced = false;
	const size_t len = maps_text(k, pf, now, &next_end);
	if (len == 0) {
		e = errno;
		snprintf(err, sizeof(err), "%s: cannot read the prefilter's lists: %s", k->path,
			 strerror(e));
	} else if (len == k->file_len && memcmp(k->text, k->file, len) == 0) {
		note_synced(k, have_gen, gen, next_end, offset);
		return 0;
	} else if (sl_file_make_parent(k->path, 0755) != 0) {
		e = errno;
		snprintf(err, sizeof(err), "%s: cannot create its folder: %s", k->path, strerror(e));
	} else if (sl_file_write_atomic(k->path, k->text, len, 0644, true, err, sizeof(err)) == 0) {
		char *t = k->file;
		k->file = k->text;
		k->text = t;
		k->file_len = len;
		if (k->last_errno != 0)
			logf_(k, "%s: written again", k->path);
		k->last_errno = 0;
		note_synced(k, have_gen, gen, next_end, offset);
		return 1;
	} else {
		e = errno;
	}
	/* The message names a random temporary file: a failure is told apart
	 * by its errno. */
	if (e == 0)
		e = EIO;
	if (e != k->last_errno)
		logf_(k, "%s (tried again each second; logged again when the error changes)", err);
	k->last_errno = e;
	errno = e;
	return -1;
}
