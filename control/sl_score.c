#include "sl_score.h"

#include <math.h>
#include <string.h>

void sl_score_reset(sl_score_t *st)
{
	memset(st, 0, sizeof(*st));
}

/* One offence forgiven per cutoff_max_s since the end of the last cut. */
static void forgive(sl_score_t *st, const sl_cfg_score_t *cfg, uint64_t now_ms)
{
	const uint64_t period = (uint64_t)cfg->cutoff_max_s * 1000;
	while (st->offences > 0 && now_ms >= st->clean_since_ms &&
	       now_ms - st->clean_since_ms >= period) {
		st->offences--;
		st->clean_since_ms += period;
	}
}

static bool went_back(const struct sl_peertab_dp_peer *now, const struct sl_peertab_dp_peer *last)
{
	return now->first_deliveries < last->first_deliveries || now->duplicates < last->duplicates ||
	       now->invalid < last->invalid || now->malformed < last->malformed;
}

void sl_score_update(sl_score_t *st, const sl_cfg_score_t *cfg, const struct sl_peertab_dp_peer *c,
		     uint64_t relay_first, uint64_t now_ms)
{
	forgive(st, cfg, now_ms);
	if (st->based && now_ms > st->updated_ms)
		st->score *= exp2(-(double)(now_ms - st->updated_ms) / 1000.0 / cfg->half_life_s);
	if (st->based && !went_back(c, &st->last)) {
		const double first = (double)(c->first_deliveries - st->last.first_deliveries);
		const double dup = (double)(c->duplicates - st->last.duplicates);
		const double relay = relay_first >= st->last_relay_first
					     ? (double)(relay_first - st->last_relay_first) : 0;
		const double excess = dup - cfg->duplicate_allowance * fmax(first, relay);
		st->score += cfg->first_delivery_weight * first -
			     cfg->invalid_weight * (double)(c->invalid - st->last.invalid) -
			     cfg->malformed_weight * (double)(c->malformed - st->last.malformed) -
			     cfg->duplicate_weight * (excess > 0 ? excess : 0);
		st->score = fmin(cfg->score_cap, fmax(SL_SCORE_FLOOR, st->score));
	}
	st->last = *c;
	st->last_relay_first = relay_first;
	st->based = true;
	if (now_ms > st->updated_ms)
		st->updated_ms = now_ms;
}

uint64_t sl_score_verdict(sl_score_t *st, const sl_cfg_score_t *cfg, uint64_t now_ms)
{
	forgive(st, cfg, now_ms);
	if (!(st->score <= cfg->cutoff_threshold))
		return 0;
	const uint64_t max_ms = (uint64_t)cfg->cutoff_max_s * 1000;
	uint64_t ms = (uint64_t)cfg->cutoff_s * 1000;
	for (unsigned i = 0; i < st->offences && ms < max_ms; i++)
		ms *= 2;
	if (ms > max_ms)
		ms = max_ms;
	st->offences++;
	st->cutoffs++;
	st->score = 0;
	st->clean_since_ms = now_ms + ms;
	return ms;
}
