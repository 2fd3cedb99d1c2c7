/*
 * engine/exec/algo-twap.c -- time-weighted average price: the block is due
 * in equal parts of its window, so the target at time t is the quantity
 * times the fraction of the window elapsed.  The tactic (exec-tactic.c)
 * decides how each part is worked; TWAP only says how much by when.
 *
 * Five names share the schedule and differ in the tactic they default to,
 * because a learned policy must be compared with the best of a patient
 * and an impatient TWAP: "twap" (neutral: post at the touch, cross to catch
 * up), "twap-passive" (only post; stop at the end and report what is left),
 * "twap-patient" (only post, then cross what is left at the end of the
 * window, up to 1% through the touch: passive TWAP for a desk that must
 * finish the block),
 * "twap-band" (post at the touch; only when more than 8 slices behind,
 * cross one slice a decision: patient TWAP that starts catching up before
 * the end instead of sweeping the book with all that is left) and
 * "twap-aggressive" (cross for each slice as it comes due).
 */
#include "engine/exec/exec.h"

int64_t
algo_twap_target(const struct parent *p, int64_t t)
{
	const struct parent_spec *s = &p->spec;

	if (t <= s->start)
		return 0;
	if (t >= s->end)
		return s->qty;
	/* Long double: qty x ns overflows int64 for long windows. */
	return (int64_t)((long double)s->qty * (t - s->start) /
	    (long double)(s->end - s->start));
}

const struct algo_ops algo_twap_ops = {
	.name = "twap",
	.target = algo_twap_target,
};

const struct algo_ops algo_twap_passive_ops = {
	.name = "twap-passive",
	.target = algo_twap_target,
	.aggression = 1 + AGGR_PASSIVE,
};

/* Passive as twap-passive, whatever the block's aggression says, and
 * finishing: the end of the window crosses what is left (exec-tactic.c,
 * exec_end_of_window). */
const struct algo_ops algo_twap_patient_ops = {
	.name = "twap-patient",
	.target = algo_twap_target,
	.aggression = 1 + AGGR_PASSIVE,
	.finish = 1,
};

/*
 * Neutral, whatever the block's aggression says, with a wide catch-up
 * band crossed at a capped rate: posts at the touch as twap-passive does
 * while within 8 slices of the schedule; beyond that, one slice crossed at
 * each decision until back within the band; the end of the window crosses
 * what little is left.  A block far behind (the price ran away from its
 * posts) starts finishing while the book can refill between children.
 * Chosen on development seeds 30,000,001..30,000,400 (README, Algorithms
 * compared); the block's catchup and catchup_max override both numbers.
 */
const struct algo_ops algo_twap_band_ops = {
	.name = "twap-band",
	.target = algo_twap_target,
	.aggression = 1 + AGGR_NEUTRAL,
	.catchup = 8,
	.catchup_max = 1,
};

const struct algo_ops algo_twap_aggressive_ops = {
	.name = "twap-aggressive",
	.target = algo_twap_target,
	.aggression = 1 + AGGR_AGGRESSIVE,
};
