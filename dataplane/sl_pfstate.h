/* sl_pfstate: sluice-dp's prefilter state file, the XDP prefilter's
 * blocklist and allowlist kept across restarts of sluice-dp (and crashes,
 * to the last second or so): [prefilter] state_file, dataplane/README.md
 * "The prefilter's state file". Text, one entry a line:
 *
 *   # comment
 *   block CIDR UNTIL      UNTIL: when the block ends, in Unix seconds, or never
 *   allow CIDR
 *
 * CIDR in sl_cidr's form, either family. The maps hold a block's end in
 * CLOCK_MONOTONIC ns, which starts again at every boot; the file holds it
 * in wall-clock seconds, which mean the same after a reboot.
 *
 * Contract: the parser never fails as a whole: every bad line (not a block
 * or allow line, a bad CIDR or UNTIL, a line too long, one entry more than
 * its map holds) is reported as (file, line, reason) and skipped; the good
 * lines are kept. A prefix listed twice is kept twice: restored in order,
 * the later line wins, as in the map. No allocation in parse, format and
 * the conversions.
 *
 * sluice-dp's side is the keeper (sl_pfstate_keeper_*): it restores the file
 * into a prefilter's maps at start, and writes the maps back into the file
 * (sl_file_write_atomic, mode 0644: a crash leaves the old file or the new
 * one) whenever their text differs from what the file last got.
 *
 * Memory: a keeper is allocated once, at create: the parsed lists
 * (sl_pfstate_t, 1.1 MiB), the maps' lists as read (1.1 MiB) and two texts of
 * SL_PFSTATE_TEXT_MAX (every entry the maps can hold x the longest line:
 * 2.7 MiB each), the file's and the next one; about 8 MiB in all, nothing
 * more while it runs. */
#ifndef SL_PFSTATE_H
#define SL_PFSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sl_cidr.h"
#include "sl_config.h"
#include "sl_prefilter.h"

/* As many entries as the maps hold: SL_PF_BLOCK_MAX (SL_PF_ALLOW_MAX) of
 * each family; the parser refuses one more of a family. */
#define SL_PFSTATE_BLOCKS_MAX (2 * SL_PF_BLOCK_MAX)
#define SL_PFSTATE_ALLOWS_MAX (2 * SL_PF_ALLOW_MAX)

/* UNTIL: at most this (year 2554), so that it is a u64 of ns; never is
 * SL_PFSTATE_NEVER. */
#define SL_PFSTATE_UNTIL_MAX (UINT64_MAX / 1000000000u)
#define SL_PFSTATE_UNTIL_DIGITS 11
#define SL_PFSTATE_NEVER UINT64_MAX

#define SL_PFSTATE_LINE_MAX 128 /* a line longer than this (with its '\r') is refused */
/* The longest line format writes, its newline included: "block ", a CIDR,
 * " ", UNTIL's digits. */
#define SL_PFSTATE_ENTRY_MAX (sizeof("block ") - 1 + SL_CIDR_STR_SZ - 1 + 1 + SL_PFSTATE_UNTIL_DIGITS + 1)
#define SL_PFSTATE_HEADER_MAX 256
/* What format writes at most; load reads at most what its buffer holds. */
#define SL_PFSTATE_TEXT_MAX \
	(SL_PFSTATE_HEADER_MAX + (SL_PFSTATE_BLOCKS_MAX + SL_PFSTATE_ALLOWS_MAX) * SL_PFSTATE_ENTRY_MAX)

typedef struct sl_pfstate_block {
	sl_cidr_t cidr;
	uint64_t until_s; /* Unix seconds; SL_PFSTATE_NEVER: never */
} sl_pfstate_block_t;

typedef struct sl_pfstate {
	unsigned nblocks, nallows;
	sl_pfstate_block_t blocks[SL_PFSTATE_BLOCKS_MAX];
	sl_cidr_t allows[SL_PFSTATE_ALLOWS_MAX];
} sl_pfstate_t;

/* Parses `len` bytes of `text` (no NUL needed) into *st; returns the number
 * of lines reported and skipped. */
unsigned sl_pfstate_parse(const char *text, size_t len, const char *file, sl_pfstate_t *st,
			  sl_config_report_fn report, void *ctx);

/* The file's text: a comment header, the blocks, the allows, in *st's
 * order. Returns its length, or 0 when outsz < SL_PFSTATE_TEXT_MAX. */
size_t sl_pfstate_format(const sl_pfstate_t *st, char *out, size_t outsz);

/* Reads the file at path into buf (bufsz bytes: SL_PFSTATE_TEXT_MAX holds
 * any file format wrote) and parses it. A missing file is an empty list and
 * no problem; an unreadable one is one problem (line 0) and an empty list;
 * one longer than bufsz is parsed up to its last whole line in buf, and the
 * rest is one problem, at the first line left out. Returns the problems. */
unsigned sl_pfstate_load(const char *path, sl_pfstate_t *st, char *buf, size_t bufsz,
			 sl_config_report_fn report, void *ctx);

/* ---- the clocks: a map's CLOCK_MONOTONIC ns and the file's Unix seconds ---- */

/* Both clocks, read one after the other. */
typedef struct sl_pfstate_clock {
	uint64_t mono_ns; /* CLOCK_MONOTONIC (sl_prefilter_now_ns) */
	uint64_t wall_ns; /* CLOCK_REALTIME */
} sl_pfstate_clock_t;

sl_pfstate_clock_t sl_pfstate_clock_now(void);

/* A map entry's end (expiry_ns, 0: for ever) as the file's UNTIL, at now:
 * the wall-clock second it falls in, rounded up -- but for the first 1 ms
 * of a second, which rounds down, so that an entry restored at a whole
 * second (sl_pfstate_expiry_ns) reads back as that second whatever the
 * jitter between the two clocks' reads; at most SL_PFSTATE_UNTIL_MAX.
 * false when it has passed (the entry blocks nothing: not kept). */
bool sl_pfstate_until_s(uint64_t expiry_ns, const sl_pfstate_clock_t *now, uint64_t *until_s);

/* The other way: UNTIL as a map's expiry_ns (SL_PFSTATE_NEVER: 0, for
 * ever); false when it has passed at now. */
bool sl_pfstate_expiry_ns(uint64_t until_s, const sl_pfstate_clock_t *now, uint64_t *expiry_ns);

/* *st from the maps' lists (sl_prefilter_blocklist, _allowlist) at now:
 * blocks that have passed left out, each end in Unix seconds
 * (sl_pfstate_until_s); sorted by prefix, a prefix listed twice (a walk
 * that restarted under a concurrent change) kept once (a block with its
 * later end), at most the maps' sizes of each family. */
void sl_pfstate_from_lists(sl_pfstate_t *st, const sl_pf_block_entry_t *blocks, unsigned nblocks,
			   const sl_cidr_t *allows, unsigned nallows,
			   const sl_pfstate_clock_t *now);

/* ---- the keeper: sluice-dp's file <-> maps ---- */

typedef struct sl_pfstate_keeper sl_pfstate_keeper_t;

/* path: the state file; log: where its lines go (NULL: nowhere). NULL when
 * out of memory. */
sl_pfstate_keeper_t *sl_pfstate_keeper_create(const char *path, FILE *log);
void sl_pfstate_keeper_destroy(sl_pfstate_keeper_t *k);

typedef struct sl_pfstate_restored {
	unsigned blocks, allows; /* written into the maps */
	unsigned expired;        /* blocks whose end had passed: left out */
	unsigned skipped;        /* lines reported and skipped, or that could not be read */
	unsigned failed;         /* map writes that failed */
} sl_pfstate_restored_t;

/* Loads the file and writes its entries into pf's lists: each allow, each
 * block that has not ended at now with its end as a map expiry. Logs each
 * problem (FILE:LINE: reason), each failed write, and one line with the
 * counts; fills *r. Then takes what the maps hold as what the file holds, so
 * that a later sync writes only a change. 0, or -1 when a map write
 * failed. */
int sl_pfstate_keeper_restore(sl_pfstate_keeper_t *k, const sl_prefilter_t *pf,
			      const sl_pfstate_clock_t *now, sl_pfstate_restored_t *r);

/* Reads pf's lists and, when their text (sl_pfstate_from_lists at now,
 * formatted) differs from what the file last got, writes it (making its
 * folder when missing). Never fatal: a failure is logged once until a
 * failure with another errno or a success (then "written again"), and the
 * next sync tries again. 1 written, 0 unchanged, -1 failed (errno). One
 * caller at a time. The lists are read only when their text may have
 * changed since the last sync that wrote or matched it: the lists'
 * generation moved (sl_prefilter_lists_gen), a block reached its end, or
 * the wall clock moved against the monotonic one by a second or more;
 * else it is 0 at once (reading full lists takes over 100 ms). */
int sl_pfstate_keeper_sync(sl_pfstate_keeper_t *k, const sl_prefilter_t *pf,
			   const sl_pfstate_clock_t *now);

#endif
