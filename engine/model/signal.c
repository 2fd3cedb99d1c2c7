/*
 * engine/model/signal.c -- fast market signals (signal.h has the design).
 *
 * Each sample costs a few additions and one multiplication per baseline:
 * the rings are indexed by sample count modulo SIG_HIST, and the flow is
 * kept as running sums so that any window's flow is the difference of two
 * of them.  A sample with an empty side keeps the last known mid (a move
 * is then read as none rather than as a jump to nowhere) and does not
 * feed the spread or depth baselines.
 */
#include <math.h>
#include <string.h>

#include "engine/model/signal.h"

void
sig_init(struct sig_state *s)
{
	memset(s, 0, sizeof *s);
}

/* The weight of a new sample in a baseline: a plain mean at first, then
 * exponential over SIG_BASE_S samples. */
static double
sig_weight(int64_t n)
{
	return n < SIG_BASE_S ? 1.0 / (double)(n + 1) : 1.0 / SIG_BASE_S;
}

void
sig_update(struct sig_state *s, int64_t t, const struct sig_sample *x)
{
	int64_t i = s->n % SIG_HIST;
	double mid = x->mid > 0 ? x->mid : s->n > 0 ?
	    s->mid[(s->n - 1) % SIG_HIST] : 0;

	if (s->n > 0) {
		double d = mid - s->mid[(s->n - 1) % SIG_HIST], d2 = d * d;
		double w = sig_weight(s->n - 1);

		/* A jump counts at most SIG_CAP of its own sigmas, so a
		 * headline does not make every later move look small. */
		if (s->n > SIG_WARMUP && d2 > SIG_CAP * SIG_CAP * s->var1)
			d2 = SIG_CAP * SIG_CAP * s->var1;
		s->var1 += w * (d2 - s->var1);
	}
	s->mid[i] = mid;
	s->buy_total += x->buy > 0 ? x->buy : 0;
	s->sell_total += x->sell > 0 ? x->sell : 0;
	s->cbuy[i] = s->buy_total;
	s->csell[i] = s->sell_total;
	if (x->spread > 0 && x->mid > 0) {
		double w = sig_weight(s->n);

		s->spread_avg += w * ((double)x->spread - s->spread_avg);
		s->bid5_avg += w * ((double)x->bid5 - s->bid5_avg);
		s->ask5_avg += w * ((double)x->ask5 - s->ask5_avg);
		s->last_spread = (double)x->spread;
		s->last_bid5 = x->bid5;
		s->last_ask5 = x->ask5;
	}
	s->t = t;
	s->n++;
}

/* The window clamped to what the rings hold. */
static int
sig_window(const struct sig_state *s, int w)
{
	if (w < 1)
		w = 1;
	if (w > SIG_HIST - 1)
		w = SIG_HIST - 1;
	if (s->n <= w)
		w = s->n > 1 ? (int)s->n - 1 : 0;
	return w;
}

double
sig_move(const struct sig_state *s, int w)
{
	w = sig_window(s, w);
	if (s->n <= SIG_WARMUP || w == 0 || !(s->var1 > 0))
		return 0;
	double now = s->mid[(s->n - 1) % SIG_HIST];
	double then = s->mid[(s->n - 1 - w) % SIG_HIST];

	return (now - then) / sqrt(s->var1 * w);
}

double
sig_flow(const struct sig_state *s, int w, int64_t *vol)
{
	int64_t b, a;

	w = sig_window(s, w);
	if (vol != NULL)
		*vol = 0;
	if (w == 0)
		return 0;
	b = s->cbuy[(s->n - 1) % SIG_HIST] - s->cbuy[(s->n - 1 - w) % SIG_HIST];
	a = s->csell[(s->n - 1) % SIG_HIST] - s->csell[(s->n - 1 - w) %
	    SIG_HIST];
	if (vol != NULL)
		*vol = a + b;
	return a + b > 0 ? (double)(b - a) / (double)(a + b) : 0;
}

void
sig_read(const struct sig_state *s, struct sig_view *v)
{
	memset(v, 0, sizeof *v);
	v->sigma1 = sqrt(s->var1);
	v->move5 = sig_move(s, 5);
	v->move30 = sig_move(s, 30);
	v->flow5 = sig_flow(s, 5, &v->vol5);
	v->flow30 = sig_flow(s, 30, &v->vol30);
	v->depth_bid = s->bid5_avg > 0 ? (double)s->last_bid5 / s->bid5_avg : 1;
	v->depth_ask = s->ask5_avg > 0 ? (double)s->last_ask5 / s->ask5_avg : 1;
	v->spread_rel = s->spread_avg > 0 ? s->last_spread / s->spread_avg : 1;
}

int
sig_adverse_burst(const struct sig_state *s, int side, int w, double k,
                  double flow_min)
{
	double move = sig_move(s, w), flow = sig_flow(s, w, NULL);
	/* Against a buyer the price rises with buying; against a seller it
	 * falls with selling. */
	double against = side == BOOK_BID ? 1 : -1;

	return against * move >= k && against * flow >= flow_min;
}
