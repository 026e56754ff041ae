/* The prefilter's lists at their fullest (SL_PF_BLOCK_MAX blocks and
 * SL_PF_ALLOW_MAX allows a family), as sluice-dp's slow path meets them
 * (bench/README.md, "Prefilter lists"):
 *   lists/read_full: one read of both lists, each trie walked
 *     (sl_prefilter_blocklist, _allowlist): what a walk costs, the baseline;
 *   lists/idle_tick_full: one second's work of the autoblock thread when
 *     nothing changed: the sweep with its state, then the state file's sync;
 *   lists/snapshot_full: one snapshot for the metrics or the telemetry
 *     (counters, top sources, the lists' entries) after the first.
 * Maps of the prefilter's layout (sl_prefilter_create_maps: root), filled
 * once as sluice-dp's writers fill them; without them, or when a tick finds
 * work to do, each is an error, not a number. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cbench.h"
#include "sl_pfstate.h"
#include "sl_prefilter.h"

static struct {
	int state; /* 0: not built; 1: ready; -1: failed (error says why) */
	char error[256];
	char dir[64];
	char path[96];
	sl_prefilter_t pf;
	sl_pfstate_keeper_t *keeper;
	sl_pf_sweep_state_t sweep;
	sl_pf_snapshot_t snap;
} lx;

static int fail(const char *what)
{
	snprintf(lx.error, sizeof(lx.error), "%s: %s", what, strerror(errno));
	lx.state = -1;
	return -1;
}

/* The state file's folder, at exit. */
static void remove_files(void)
{
	unlink(lx.path);
	rmdir(lx.dir);
}

/* i-th distinct prefix of a family: 10.x.y.1/32, 2001:db8:x:y::/64. */
static sl_cidr_t nth(unsigned family, uint8_t second, unsigned i)
{
	sl_cidr_t c = {.family = (uint8_t)family};
	if (family == 4) {
		c.prefixlen = 32;
		memcpy(c.addr, (uint8_t[]){second, (uint8_t)(i >> 8), (uint8_t)i, 1}, 4);
	} else {
		c.prefixlen = 64;
		memcpy(c.addr, (uint8_t[]){0x20, 0x01, 0x0d, second, 0, 0, (uint8_t)(i >> 8), (uint8_t)i}, 8);
	}
	return c;
}

static int build(void)
{
	if (lx.state != 0)
		return lx.state;
	if (sl_prefilter_create_maps(&lx.pf) != 0)
		return fail("sl_prefilter_create_maps (needs root)");
	/* blocks for an hour and for ever, so that the sweep has an end to
	 * wait for and nothing to take */
	const uint64_t hour = sl_prefilter_now_ns() + 3600ull * SL_PF_NS;
	for (unsigned i = 0; i < SL_PF_BLOCK_MAX; i++) {
		const sl_cidr_t b4 = nth(4, 10, i), b6 = nth(6, 0xb8, i);
		if (sl_prefilter_block(&lx.pf, &b4, i % 2 ? hour : 0) != 0 ||
		    sl_prefilter_block(&lx.pf, &b6, i % 2 ? hour : 0) != 0)
			return fail("sl_prefilter_block");
	}
	for (unsigned i = 0; i < SL_PF_ALLOW_MAX; i++) {
		const sl_cidr_t a4 = nth(4, 11, i), a6 = nth(6, 0xb9, i);
		if (sl_prefilter_allow(&lx.pf, &a4) != 0 || sl_prefilter_allow(&lx.pf, &a6) != 0)
			return fail("sl_prefilter_allow");
	}
	snprintf(lx.dir, sizeof(lx.dir), "/tmp/sluice-bench-lists-XXXXXX");
	if (mkdtemp(lx.dir) == NULL)
		return fail("mkdtemp");
	snprintf(lx.path, sizeof(lx.path), "%s/relay.prefilter", lx.dir);
	atexit(remove_files);
	lx.keeper = sl_pfstate_keeper_create(lx.path, NULL);
	if (lx.keeper == NULL)
		return fail("sl_pfstate_keeper_create");
	/* the first tick walks and writes the file; later ones find it so */
	const sl_pfstate_clock_t now = sl_pfstate_clock_now();
	if (sl_prefilter_sweep_blocklist(&lx.pf, now.mono_ns, &lx.sweep) != 0 ||
	    sl_pfstate_keeper_sync(lx.keeper, &lx.pf, &now) != 1 ||
	    sl_prefilter_snapshot(&lx.pf, &lx.snap) != 0)
		return fail("the first tick");
	lx.state = 1;
	return 1;
}

/* Ready, or the run marked with the reason. */
static bool ready(cbench_state_t *st)
{
	if (build() == 1)
		return true;
	cbench_skip_with_error(st, lx.error);
	return false;
}

static void bench_read_full(cbench_state_t *st)
{
	static sl_pf_block_entry_t b[2 * SL_PF_BLOCK_MAX];
	static sl_cidr_t a[2 * SL_PF_ALLOW_MAX];
	if (!ready(st))
		return;
	while (cbench_keep_running(st)) {
		const int nb = sl_prefilter_blocklist(&lx.pf, b, 2 * SL_PF_BLOCK_MAX);
		const int na = sl_prefilter_allowlist(&lx.pf, a, 2 * SL_PF_ALLOW_MAX);
		if (nb != 2 * SL_PF_BLOCK_MAX || na != 2 * SL_PF_ALLOW_MAX) {
			cbench_skip_with_error(st, "the lists are not full");
			return;
		}
	}
	cbench_set_items_processed(st, cbench_iterations_run(st) *
					       (2 * SL_PF_BLOCK_MAX + 2 * SL_PF_ALLOW_MAX));
}

static void bench_idle_tick_full(cbench_state_t *st)
{
	if (!ready(st))
		return;
	while (cbench_keep_running(st)) {
		const sl_pfstate_clock_t now = sl_pfstate_clock_now();
		if (sl_prefilter_sweep_blocklist(&lx.pf, now.mono_ns, &lx.sweep) != 0 ||
		    sl_pfstate_keeper_sync(lx.keeper, &lx.pf, &now) != 0) {
			cbench_skip_with_error(st, "an idle tick found work (or failed)");
			return;
		}
	}
}

static void bench_snapshot_full(cbench_state_t *st)
{
	if (!ready(st))
		return;
	while (cbench_keep_running(st))
		if (sl_prefilter_snapshot(&lx.pf, &lx.snap) != 0 ||
		    lx.snap.list_entries[SL_PF_LIST_BLOCK][1] != SL_PF_BLOCK_MAX) {
			cbench_skip_with_error(st, "sl_prefilter_snapshot failed or miscounted");
			return;
		}
}

CBENCH_REGISTER
{
	cbench_register("lists/read_full", bench_read_full);
	cbench_register("lists/idle_tick_full", bench_idle_tick_full);
	cbench_register("lists/snapshot_full", bench_snapshot_full);
}
