/* sl_score: decay, each weight, the duplicate allowance, the cap and the
 * floor, the threshold, the back-off per offence and its forgiveness, a
 * counter reset, and a well-behaved peer of a 3-relay mesh over an hour.
 * The config's defaults come from the parser (dataplane/README.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "sl_score.h"

static sl_cfg_score_t defaults(void)
{
	static const char text[] = "[relay]\nname = r\nip = 10.0.0.1\n[port]\ntype = null\n";
	static sl_config_t cfg;
	assert_int_equal(sl_config_parse(text, sizeof(text) - 1, "test", &cfg, NULL, NULL), 0);
	return cfg.score;
}

typedef struct sl_peertab_dp_peer ctr_t;

/* A state whose base is `c` at time t. */
static sl_score_t based(const sl_cfg_score_t *cfg, const ctr_t *c, uint64_t t)
{
	sl_score_t st;
	sl_score_reset(&st);
	sl_score_update(&st, cfg, c, 0, t);
	assert_true(st.score == 0);
	return st;
}

static void test_first_update_is_the_base(void **state)
{
	(void)state;
	const sl_cfg_score_t cfg = defaults();
	const ctr_t c = {.first_deliveries = 500, .invalid = 7, .malformed = 3, .duplicates = 9000};
	sl_score_t st = based(&cfg, &c, 1000); /* another peer's counts: nothing scored */
	assert_int_equal(sl_score_verdict(&st, &cfg, 1000), 0);
	sl_score_update(&st, &cfg, &c, 0, 2000);
	assert_true(st.score == 0);
}

static void test_decay_half_life(void **state)
{
	(void)state;
	const sl_cfg_score_t cfg = defaults();
	assert_int_equal(cfg.half_life_s, 60);
	ctr_t c = {0};
	sl_score_t st = based(&cfg, &c, 0);
	c.first_deliveries = 100;
	sl_score_update(&st, &cfg, &c, 0, 0);
	assert_float_equal(st.score, 100, 1e-9);
	sl_score_update(&st, &cfg, &c, 0, 60000);
	assert_float_equal(st.score, 50, 1e-9);
	sl_score_update(&st, &cfg, &c, 0, 90000); /* half a half-life */
	assert_float_equal(st.score, 50 / sqrt(2), 1e-9);
	sl_score_update(&st, &cfg, &c, 0, 90000 + 600000); /* ten more */
	assert_float_equal(st.score, 50 / sqrt(2) / 1024, 1e-9);

	/* Negative scores decay towards 0 too. */
	c.invalid = 1;
	sl_score_update(&st, &cfg, &c, 0, 700000);
	const double s = st.score;
	assert_true(s < -49);
	sl_score_update(&st, &cfg, &c, 0, 760000);
	assert_float_equal(st.score, s / 2, 1e-9);
	/* Time going back decays nothing. */
	sl_score_update(&st, &cfg, &c, 0, 1000);
	assert_float_equal(st.score, s / 2, 1e-9);
}

static void test_each_weight(void **state)
{
	(void)state;
	sl_cfg_score_t cfg = defaults();
	cfg.first_delivery_weight = 2;
	cfg.invalid_weight = 30;
	cfg.malformed_weight = 7;
	const ctr_t z = {0};
	struct {
		ctr_t c;
		double want;
	} cases[] = {
		{{.first_deliveries = 10}, 20},
		{{.invalid = 3}, -90},
		{{.malformed = 2}, -14},
		{{.frames_in = 1000, .frames_out = 5000}, 0}, /* not scored */
		{{.first_deliveries = 10, .invalid = 1, .malformed = 1}, 20 - 30 - 7},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sl_score_t st = based(&cfg, &z, 5);
		sl_score_update(&st, &cfg, &cases[i].c, 0, 5);
		assert_float_equal(st.score, cases[i].want, 1e-9);
	}
}

static void test_duplicates_allowance(void **state)
{
	(void)state;
	const sl_cfg_score_t cfg = defaults(); /* allowance 4 per first delivery, 0.05 beyond */
	const ctr_t z = {0};
	sl_score_t st = based(&cfg, &z, 0);
	sl_score_update(&st, &cfg, &(ctr_t){.first_deliveries = 10, .duplicates = 40}, 0, 0);
	assert_float_equal(st.score, 10, 1e-9); /* within: nothing off */

	st = based(&cfg, &z, 0);
	sl_score_update(&st, &cfg, &(ctr_t){.first_deliveries = 10, .duplicates = 60}, 0, 0);
	assert_float_equal(st.score, 10 - 0.05 * 20, 1e-9); /* 20 beyond it, mildly */

	/* Duplicates only: each one costs, but a thousand of them cost what
	 * one invalid signature does. */
	st = based(&cfg, &z, 0);
	sl_score_update(&st, &cfg, &(ctr_t){.duplicates = 1000}, 0, 0);
	assert_float_equal(st.score, -50, 1e-9);
	assert_int_equal(sl_score_verdict(&st, &cfg, 0), 0);

	/* The allowance is per update's first deliveries, not saved up. */
	st = based(&cfg, &z, 0);
	sl_score_update(&st, &cfg, &(ctr_t){.first_deliveries = 100}, 0, 0);
	sl_score_update(&st, &cfg, &(ctr_t){.first_deliveries = 100, .duplicates = 100}, 0, 0);
	assert_float_equal(st.score, 100 - 0.05 * 100, 1e-9);

	/* A peer always beaten by a shorter path brings only duplicates; the
	 * relay's new transactions from all its peers are what it may repeat. */
	st = based(&cfg, &z, 0);
	sl_score_update(&st, &cfg, &(ctr_t){.duplicates = 400}, 100, 0);
	assert_float_equal(st.score, 0, 1e-9);
	sl_score_update(&st, &cfg, &(ctr_t){.duplicates = 900}, 200, 0);
	assert_float_equal(st.score, -0.05 * (500 - 400), 1e-9);
	/* The relay's count going back (sluice-dp restarted) gives no allowance. */
	sl_score_update(&st, &cfg, &(ctr_t){.duplicates = 950}, 10, 0);
	assert_float_equal(st.score, -0.05 * 100 - 0.05 * 50, 1e-9);
}

static void test_cap_and_floor(void **state)
{
	(void)state;
	const sl_cfg_score_t cfg = defaults();
	const ctr_t z = {0};
	sl_score_t st = based(&cfg, &z, 0);
	sl_score_update(&st, &cfg, &(ctr_t){.first_deliveries = 5000}, 0, 0);
	assert_float_equal(st.score, cfg.score_cap, 0);
	sl_score_update(&st, &cfg, &(ctr_t){.first_deliveries = 6000}, 0, 0);
	assert_float_equal(st.score, cfg.score_cap, 0);
	/* A good past buys little: from the cap, three invalid signatures are
	 * 850, and 20 more cut the peer off. */
	sl_score_update(&st, &cfg, &(ctr_t){.first_deliveries = 6000, .invalid = 3}, 0, 0);
	assert_float_equal(st.score, 850, 1e-9);
	sl_score_update(&st, &cfg, &(ctr_t){.first_deliveries = 6000, .invalid = 23}, 0, 0);
	assert_true(st.score <= cfg.cutoff_threshold);

	st = based(&cfg, &z, 0);
	sl_score_update(&st, &cfg, &(ctr_t){.invalid = UINT64_MAX, .malformed = UINT64_MAX}, 0, 0);
	assert_true(isfinite(st.score));
	assert_float_equal(st.score, SL_SCORE_FLOOR, 0);
	assert_true(SL_SCORE_FLOOR <= -SL_CFG_SCORE_MAX);
}

static void test_threshold_exact(void **state)
{
	(void)state;
	const sl_cfg_score_t cfg = defaults(); /* invalid 50, threshold -100, cutoff 30 s */
	assert_float_equal(cfg.cutoff_threshold, -100, 0);
	const ctr_t z = {0};
	sl_score_t st = based(&cfg, &z, 0);
	sl_score_update(&st, &cfg, &(ctr_t){.invalid = 1}, 0, 0);
	assert_float_equal(st.score, -50, 0);
	assert_int_equal(sl_score_verdict(&st, &cfg, 0), 0);
	assert_int_equal(st.offences, 0);
	sl_score_update(&st, &cfg, &(ctr_t){.invalid = 2}, 0, 0);
	assert_float_equal(st.score, -100, 0); /* exactly the threshold: cut */
	assert_int_equal(sl_score_verdict(&st, &cfg, 0), 30000);
	assert_int_equal(st.offences, 1);
	assert_int_equal(st.cutoffs, 1);
	assert_float_equal(st.score, 0, 0); /* a fresh start after the cut */
	assert_int_equal(sl_score_verdict(&st, &cfg, 0), 0);

	/* Just over it: no cut. */
	st = based(&cfg, &z, 0);
	sl_score_update(&st, &cfg, &(ctr_t){.first_deliveries = 1, .invalid = 2}, 0, 0);
	assert_float_equal(st.score, -99, 0);
	assert_int_equal(sl_score_verdict(&st, &cfg, 0), 0);
}

static void test_backoff_doubles_to_max(void **state)
{
	(void)state;
	const sl_cfg_score_t cfg = defaults(); /* 30 s doubling to 3600 s */
	const uint64_t want_s[] = {30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600};
	ctr_t c = {0};
	uint64_t t = 0;
	sl_score_t st = based(&cfg, &c, t);
	for (unsigned i = 0; i < sizeof(want_s) / sizeof(want_s[0]); i++) {
		c.invalid += 2;
		sl_score_update(&st, &cfg, &c, 0, t);
		const uint64_t ms = sl_score_verdict(&st, &cfg, t);
		assert_int_equal(ms, want_s[i] * 1000);
		assert_int_equal(st.offences, i + 1);
		t += ms + 1000; /* back up a second after the cut */
	}
	assert_int_equal(st.cutoffs, 10);

	/* Forgiveness: one offence per cutoff_max_s without a cut, counted from
	 * the end of the last one. */
	sl_score_update(&st, &cfg, &c, 0, t + 3600 * 1000 - 2000);
	assert_int_equal(st.offences, 10);
	t += 3600 * 1000;
	sl_score_update(&st, &cfg, &c, 0, t);
	assert_int_equal(st.offences, 9);
	t += 7 * 3600 * 1000;
	sl_score_update(&st, &cfg, &c, 0, t);
	assert_int_equal(st.offences, 2);
	c.invalid += 2;
	sl_score_update(&st, &cfg, &c, 0, t);
	assert_int_equal(sl_score_verdict(&st, &cfg, t), 120 * 1000); /* 30 * 2^2 */
	assert_int_equal(st.offences, 3);
	t += 120 * 1000 + 100ull * 3600 * 1000;
	sl_score_update(&st, &cfg, &c, 0, t);
	assert_int_equal(st.offences, 0);
	c.invalid += 2;
	sl_score_update(&st, &cfg, &c, 0, t);
	assert_int_equal(sl_score_verdict(&st, &cfg, t), 30 * 1000);

	/* The longest settings do not overflow. */
	sl_cfg_score_t big = cfg;
	big.cutoff_s = big.cutoff_max_s = 604800;
	st.offences = 100;
	st.score = -1e9;
	assert_int_equal(sl_score_verdict(&st, &big, t), 604800ull * 1000);
}

static void test_counter_reset(void **state)
{
	(void)state;
	const sl_cfg_score_t cfg = defaults();
	ctr_t c = {.first_deliveries = 1000, .duplicates = 10, .invalid = 5, .malformed = 4};
	sl_score_t st = based(&cfg, &c, 0);
	c.first_deliveries = 1100;
	sl_score_update(&st, &cfg, &c, 0, 0);
	assert_float_equal(st.score, 100, 0);

	/* sluice-dp restarted: its counters start again; one went below the
	 * last value, another not (yet). Neither a negative difference nor a
	 * penalty for duplicates "without" first deliveries. */
	const ctr_t after = {.first_deliveries = 3, .duplicates = 300, .invalid = 0, .malformed = 4};
	sl_score_update(&st, &cfg, &after, 0, 0);
	assert_float_equal(st.score, 100, 0);
	assert_int_equal(sl_score_verdict(&st, &cfg, 0), 0);
	/* From the new base, counted as usual. */
	sl_score_update(&st, &cfg, &(ctr_t){.first_deliveries = 13, .duplicates = 300, .malformed = 4}, 0, 0);
	assert_float_equal(st.score, 110, 0);
	/* Back to all zero: nothing either. */
	sl_score_update(&st, &cfg, &(ctr_t){0}, 0, 0);
	assert_float_equal(st.score, 110, 0);
}

static void test_reset_for_another_peer(void **state)
{
	(void)state;
	const sl_cfg_score_t cfg = defaults();
	ctr_t c = {0};
	sl_score_t st = based(&cfg, &c, 0);
	c.invalid = 2;
	sl_score_update(&st, &cfg, &c, 0, 0);
	assert_int_not_equal(sl_score_verdict(&st, &cfg, 0), 0);
	sl_score_reset(&st);
	assert_int_equal(st.offences, 0);
	assert_int_equal(st.cutoffs, 0);
	/* The new peer's first update takes the slot's counts as its base. */
	c.invalid = 9;
	sl_score_update(&st, &cfg, &c, 0, 5000);
	assert_float_equal(st.score, 0, 0);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* Relay A in a full mesh of three relays: each transaction reaches A from
 * its own clients or from B and C, whichever is first; the others are
 * duplicates. B is the slower peer (first on a fifth of what the peers
 * bring), load varies 10x, a few malformed frames now and then (a flaky
 * link). Neither peer goes under the threshold in an hour of updates a
 * second. */
static void test_mesh_of_three_stays_up(void **state)
{
	(void)state;
	const sl_cfg_score_t cfg = defaults();
	ctr_t b = {0}, c = {0};
	sl_score_t sb = based(&cfg, &b, 0), sc = based(&cfg, &c, 0);
	double min_b = 0, min_c = 0;
	for (uint64_t t = 1000; t <= 3600 * 1000; t += 1000) {
		const unsigned txs = 100 + (unsigned)(uniform() * 900);
		for (unsigned i = 0; i < txs; i++) {
			const double r = uniform();
			if (r < 0.3) { /* A's own client was first: both peers send duplicates */
				b.duplicates++;
				c.duplicates++;
			} else if (r < 0.3 + 0.7 * 0.2) {
				b.first_deliveries++;
				c.duplicates++;
			} else {
				c.first_deliveries++;
				b.duplicates++;
			}
		}
		if (uniform() < 0.01)
			b.malformed++;
		sl_score_update(&sb, &cfg, &b, 0, t);
		sl_score_update(&sc, &cfg, &c, 0, t);
		assert_int_equal(sl_score_verdict(&sb, &cfg, t), 0);
		assert_int_equal(sl_score_verdict(&sc, &cfg, t), 0);
		min_b = fmin(min_b, sb.score);
		min_c = fmin(min_c, sc.score);
	}
	assert_true(min_b > cfg.cutoff_threshold && min_c > cfg.cutoff_threshold);
	assert_true(sb.score > 0 && sc.score > 0);
	assert_true(sc.score <= cfg.score_cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_update_is_the_base),
		cmocka_unit_test(test_decay_half_life),
		cmocka_unit_test(test_each_weight),
		cmocka_unit_test(test_duplicates_allowance),
		cmocka_unit_test(test_cap_and_floor),
		cmocka_unit_test(test_threshold_exact),
		cmocka_unit_test(test_backoff_doubles_to_max),
		cmocka_unit_test(test_counter_reset),
		cmocka_unit_test(test_reset_for_another_peer),
		cmocka_unit_test(test_mesh_of_three_stays_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
