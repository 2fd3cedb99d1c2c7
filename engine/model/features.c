/*
 * engine/model/features.c -- what the policy sees at each decision, and how
 * each number is scaled.
 *
 * Every feature is a pure function of the book as it is now and of what
 * the execution layer says about the block (struct feat_input): the
 * block's inventory, time and schedule, and the fast signals of its market
 * exactly as exec_signals() reads them from signal.c (short-window moves
 * in sigmas, others' signed aggressive flow, depth and spread against
 * their baselines, the news feed's last item).  Nothing is recomputed here
 * and nothing is remembered between calls, so the policy may be asked
 * every second between its decisions (algo-learned.c's wake) without the
 * asking changing what it sees, and the same session gives the same
 * features bit for bit.
 *
 * Scales are fixed constants, not statistics of a training set: a model
 * file records the names, and these definitions are the normalisation it
 * was trained with.  Quantities are relative to the block (its quantity,
 * its lot), prices in sigmas, and every direction is turned so that + is
 * in the block's favour, so one policy serves buyers and sellers, blocks
 * of any size and any price level.
 *
 * impact_est is the impact model's (impact.c) predicted cost in bps of
 * crossing now with the schedule's next slice, passed in through struct
 * feat_input so that the model is loaded once by the layer above and
 * nothing here holds it.  Without an impact model, or with a one-sided
 * book, it is 0.
 */
#include <math.h>
#include <string.h>

#include "engine/model/model.h"

static const struct {
	const char *name, *doc;
} feat_table[FEAT_COUNT] = {
	[FEAT_INV_LEFT] = { "inv_left", "shares left / quantity (0..1)" },
	[FEAT_TIME_LEFT] = { "time_left", "window left / window (0..1)" },
	[FEAT_SCHED_DEV] = { "sched_dev", "(filled - schedule now) / quantity "
	    "x 10 (+-3)" },
	[FEAT_WORKING] = { "working", "shares working / shares left (0..1)" },
	[FEAT_QUEUE] = { "queue", "log(1 + shares queued ahead of our "
	    "children / lot) / 4 (0..3)" },
	[FEAT_MOVE5] = { "move5", "5-s mid move in sigmas, + in our favour, / 2 "
	    "(+-3)" },
	[FEAT_MOVE30] = { "move30", "30-s mid move in sigmas, + in our favour, "
	    "/ 2 (+-3)" },
	[FEAT_MOVE_ARR] = { "move_arrival", "mid move since arrival in sigmas "
	    "of the time elapsed, + in our favour, / 2 (+-3)" },
	[FEAT_FLOW5] = { "flow5", "others' signed aggressive flow over 5 s, + "
	    "in our favour (+-1)" },
	[FEAT_FLOW30] = { "flow30", "others' signed aggressive flow over 30 s, "
	    "+ in our favour (+-1)" },
	[FEAT_DEPTH_NEAR] = { "depth_near", "log(top-5 depth on our side / its "
	    "baseline) (+-3)" },
	[FEAT_DEPTH_FAR] = { "depth_far", "log(top-5 depth on the side we cross "
	    "into / its baseline) (+-3)" },
	[FEAT_SPREAD_REL] = { "spread_rel", "log(spread / its baseline) (+-3)" },
	[FEAT_NEWS_RECENT] = { "news_recent", "exp(-seconds since the last news "
	    "item / 300); 0 without news (0..1)" },
	[FEAT_NEWS_SENT] = { "news_sent", "the last news item's sentiment, + in "
	    "our favour, x news_recent (+-1)" },
	[FEAT_SINCE_ACT] = { "since_act", "seconds since the policy last left "
	    "its baseline / 600; 1 if never (0..1)" },
	[FEAT_PASSIVE] = { "passive", "share of the block's fills that were "
	    "passive (rested and were hit), 0..1; 0.5 before ten lots have "
	    "filled" },
	[FEAT_IMPACT_EST] = { "impact_est", "log(1 + impact model's bps for "
	    "crossing with the slice now) / 2 (0..3); 0 without an impact "
	    "model" },
};

const char *
feat_name(int id)
{
	return id >= 0 && id < FEAT_COUNT ? feat_table[id].name : "?";
}

const char *
feat_doc(int id)
{
	return id >= 0 && id < FEAT_COUNT ? feat_table[id].doc : "?";
}

int
feat_find(const char *name)
{
	for (int i = 0; i < FEAT_COUNT; i++)
		if (strcmp(feat_table[i].name, name) == 0)
			return i;
	return -1;
}

static double
clip(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* log of a ratio to a baseline; 0 when either is unknown. */
static double
feat_log_rel(double r)
{
	return r > 0 && isfinite(r) ? clip(log(r), -3, 3) : 0;
}

void
feat_compute(const struct market *m, const struct feat_input *in, double *f)
{
	/* + is in our favour: up for a seller, down for a buyer. */
	double sgn = in->side == BOOK_BID ? -1 : 1;
	double win = (double)(in->end - in->start);
	double qty = (double)(in->qty > 0 ? in->qty : 1);
	double left = (double)(in->qty - in->filled);
	double lot = (double)(in->lot > 0 ? in->lot : 100);
	double recent = 0;

	memset(f, 0, FEAT_COUNT * sizeof *f);
	f[FEAT_INV_LEFT] = clip(left / qty, 0, 1);
	f[FEAT_TIME_LEFT] = win > 0 ? clip((double)(in->end - in->t) / win, 0,
	    1) : 0;
	f[FEAT_SCHED_DEV] = clip((double)(in->filled - in->sched) / qty * 10,
	    -3, 3);
	f[FEAT_WORKING] = left > 0 ? clip((double)in->working / left, 0, 1) : 0;
	f[FEAT_QUEUE] = in->queue_ahead > 0 ? clip(log1p((double)in->queue_ahead /
	    lot) / 4, 0, 3) : 0;
	if (in->signals) {
		f[FEAT_MOVE5] = clip(sgn * in->move5 / 2, -3, 3);
		f[FEAT_MOVE30] = clip(sgn * in->move30 / 2, -3, 3);
		f[FEAT_MOVE_ARR] = clip(in->move_arrival / 2, -3, 3);
		f[FEAT_FLOW5] = clip(sgn * in->flow5, -1, 1);
		f[FEAT_FLOW30] = clip(sgn * in->flow30, -1, 1);
		f[FEAT_DEPTH_NEAR] = feat_log_rel(in->depth_near);
		f[FEAT_DEPTH_FAR] = feat_log_rel(in->depth_far);
		f[FEAT_SPREAD_REL] = feat_log_rel(in->spread_rel);
	}
	if (in->news_age_s >= 0) {
		recent = exp(-in->news_age_s / 300);
		f[FEAT_NEWS_RECENT] = recent;
		f[FEAT_NEWS_SENT] = clip(sgn * in->news_sentiment, -1, 1) * recent;
	}
	f[FEAT_SINCE_ACT] = in->since_act_s >= 0 ? clip(in->since_act_s / 600, 0,
	    1) : 1;
	f[FEAT_PASSIVE] = in->filled >= 10 * (int64_t)lot ?
	    clip((double)in->passive_filled / (double)in->filled, 0, 1) : 0.5;
	if (in->impact != NULL) {
		struct impact_ctx ic;
		struct impact_est ie;
		char e[96];
		int64_t slice = in->slice > 0 ? in->slice : (int64_t)lot;

		if (impact_context(m, in->side, slice, &ic, e, sizeof e) == 0) {
			impact_predict(in->impact, &ic, &ie);
			f[FEAT_IMPACT_EST] = clip(log1p(ie.bps > 0 ? ie.bps : 0) / 2,
			    0, 3);
		}
	}
}
