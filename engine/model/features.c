/*
 * engine/model/features.c -- what the policy sees at each decision, and how
 * each number is scaled.
 *
 * Every feature is a pure function of the book as it is now, what the
 * execution layer says about the block (struct feat_input) and a few
 * running averages kept per block (struct feat_state); nothing reads a
 * clock or a global, so the same session gives the same features bit for
 * bit.  Scales are fixed constants, not statistics of a training set: a
 * model file records the names, and these definitions are the
 * normalisation it was trained with.  Quantities are taken relative to the
 * base schedule's slice, so one policy serves blocks of any size, and
 * prices in ticks or volatility units, so it serves any price level.
 *
 * The running averages are exponential, updated once per decision:
 * spread_avg (weight 0.1: "its recent level"), var_short (0.3) and
 * var_long (0.02) of the squared mid change between decisions, and vol_avg
 * (0.05) of the market volume printed between decisions, which stands in
 * for the expected volume profile (the simulator's profile is not visible
 * to an algorithm, nor is a real day's).
 *
 * impact_est is the impact model's (impact.c) predicted cost in bps of
 * crossing now with the base schedule's next slice, passed in through
 * struct feat_input so that the model is loaded once by the layer above and
 * nothing here holds it.  Without an impact model, or with a one-sided
 * book, it is 0: the same as a free slice, which a policy trained with the
 * model never sees in the simulator.
 */
#include <math.h>
#include <string.h>

#include "engine/model/model.h"

static const struct {
	const char *name, *doc;
} feat_table[FEAT_COUNT] = {
	[FEAT_INV_LEFT] = { "inv_left", "shares left / quantity (0..1)" },
	[FEAT_TIME_LEFT] = { "time_left", "window left / window (0..1)" },
	[FEAT_SCHED_DEV] = { "sched_dev", "(filled - base schedule) / slice / 5 (+-3)" },
	[FEAT_SPREAD] = { "spread", "spread in ticks / 10 (0..3)" },
	[FEAT_SPREAD_REL] = { "spread_rel", "log(spread / recent average spread) (+-3)" },
	[FEAT_DEPTH_NEAR] = { "depth_near", "log(1 + top-5 depth on our side / slice) / 4" },
	[FEAT_DEPTH_FAR] = { "depth_far", "log(1 + top-5 depth on the far side / slice) / 4" },
	[FEAT_IMBALANCE] = { "imbalance", "(far - near) / (far + near) top-5 depth (+-1)" },
	[FEAT_VOL_SHORT] = { "vol_short", "short realised vol, ticks per decision / 5 (0..3)" },
	[FEAT_VOL_LONG] = { "vol_long", "long realised vol, ticks per decision / 5 (0..3)" },
	[FEAT_MOVE] = { "move", "mid move since arrival in long-vol units, + in our favour (+-3)" },
	[FEAT_VOLUME_REL] = { "volume_rel", "log(volume this interval / its average) (+-3)" },
	[FEAT_QUEUE] = { "queue", "shares queued ahead of our children / slice / 5 (0..3)" },
	[FEAT_WORKING] = { "working", "shares working / slice / 5 (0..3)" },
	[FEAT_ALERTS] = { "alerts", "active alerts on the block / 2 (0..1)" },
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

void
feat_state_init(struct feat_state *s)
{
	memset(s, 0, sizeof *s);
}

static double
clip(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int64_t
feat_depth(const struct market *m, int side)
{
	struct book_level lv[5];
	int n = book_depth(m->book, side, lv, 5);
	int64_t d = 0;

	for (int i = 0; i < n; i++)
		d += lv[i].qty;
	return d;
}

void
feat_compute(struct feat_state *s, const struct market *m,
             const struct feat_input *in, double *f)
{
	int64_t bp, ap, q;
	int far_side = in->side == BOOK_BID ? BOOK_ASK : BOOK_BID;
	double slice = (double)(in->slice > 0 ? in->slice : 1);
	double mid = market_mid(m), spread = 1, dmid = 0, dvol;
	double near, far, sgn = in->side == BOOK_BID ? -1 : 1;
	double win = (double)(in->end - in->start);

	if (book_best(m->book, BOOK_BID, &bp, &q) == 0 &&
	    book_best(m->book, BOOK_ASK, &ap, &q) == 0 && ap > bp)
		spread = (double)(ap - bp);
	if (mid <= 0)
		mid = s->n > 0 ? s->last_mid : in->arrival;
	if (s->n == 0) {
		s->spread_avg = spread;
		s->last_volume = m->volume;
	} else
		dmid = mid - s->last_mid;
	dvol = (double)(m->volume - s->last_volume);
	if (s->n > 0) {
		s->var_short = s->n == 1 ? dmid * dmid :
		    0.7 * s->var_short + 0.3 * dmid * dmid;
		s->var_long = s->n == 1 ? dmid * dmid :
		    0.98 * s->var_long + 0.02 * dmid * dmid;
		s->vol_avg = s->n == 1 ? dvol : 0.95 * s->vol_avg + 0.05 * dvol;
	}
	near = (double)feat_depth(m, in->side);
	far = (double)feat_depth(m, far_side);

	f[FEAT_INV_LEFT] = clip((double)(in->qty - in->filled) /
	    (double)in->qty, 0, 1);
	f[FEAT_TIME_LEFT] = win > 0 ? clip((double)(in->end - in->t) / win, 0,
	    1) : 0;
	f[FEAT_SCHED_DEV] = clip((double)(in->filled - in->sched) / slice / 5,
	    -3, 3);
	f[FEAT_SPREAD] = clip(spread / 10, 0, 3);
	f[FEAT_SPREAD_REL] = clip(log(spread / (s->spread_avg > 0 ?
	    s->spread_avg : spread)), -3, 3);
	f[FEAT_DEPTH_NEAR] = log1p(near / slice) / 4;
	f[FEAT_DEPTH_FAR] = log1p(far / slice) / 4;
	f[FEAT_IMBALANCE] = near + far > 0 ? (far - near) / (far + near) : 0;
	f[FEAT_VOL_SHORT] = clip(sqrt(s->var_short) / 5, 0, 3);
	f[FEAT_VOL_LONG] = clip(sqrt(s->var_long) / 5, 0, 3);
	f[FEAT_MOVE] = clip(sgn * (mid - in->arrival) / (sqrt(s->var_long *
	    (s->n > 0 ? s->n : 1)) + 1), -3, 3);
	f[FEAT_VOLUME_REL] = s->n > 1 ? clip(log((dvol + 1) / (s->vol_avg + 1)),
	    -3, 3) : 0;
	f[FEAT_QUEUE] = in->queue_ahead >= 0 ? clip((double)in->queue_ahead /
	    slice / 5, 0, 3) : 0;
	f[FEAT_WORKING] = clip((double)in->working / slice / 5, 0, 3);
	f[FEAT_ALERTS] = clip(in->alerts / 2.0, 0, 1);
	f[FEAT_IMPACT_EST] = 0;
	if (in->impact != NULL) {
		struct impact_ctx ic;
		struct impact_est ie;
		char e[96];

		if (impact_context(m, in->side, (int64_t)slice, &ic, e,
		    sizeof e) == 0) {
			impact_predict(in->impact, &ic, &ie);
			f[FEAT_IMPACT_EST] = clip(log1p(ie.bps > 0 ? ie.bps : 0) / 2,
			    0, 3);
		}
	}

	s->spread_avg = 0.9 * s->spread_avg + 0.1 * spread;
	s->last_mid = mid;
	s->last_volume = m->volume;
	s->n++;
}
