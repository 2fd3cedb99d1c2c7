/*
 * engine/market/stats.c -- does the simulated market look like a market?
 * (`tranched stats`, engine/cli/stats.c, prints it.)  It runs whole days of a scenario's market with no
 * orders of ours, samples the book every simulated second and the tape
 * every minute, and prints what it saw next to the stylised facts of real
 * markets: spread and depth, volume per minute and its intraday U shape,
 * returns that do not predict returns, absolute returns that do (volatility
 * clusters), fat-tailed one-minute returns.
 *
 * Then it measures impact the way the empirical literature does: it sells
 * metaorders of several sizes (market orders sliced every ten seconds at a
 * fifth of the average volume, through market_submit like any trader) and
 * compares the mid at the end, and half an hour later, with the same seed's
 * session without the metaorder.  Pairing by seed removes most of the noise
 * that is not ours.  A straight line through log impact against log size
 * gives the exponent the square-root law says is near one half.
 *
 * Every session is seeded, so the table is the same on every machine.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/market/stats.h"

#define NS MARKET_NS_PER_SEC
#define STATS_META_START (10LL * 3600 + 30 * 60) /* 10:30, seconds */
#define STATS_SLICE_S 10
#define STATS_POV 0.2

static const double stats_meta_fracs[] = { 0.0025, 0.005, 0.01, 0.02, 0.04 };
#define STATS_NMETA (int)(sizeof stats_meta_fracs / sizeof stats_meta_fracs[0])

/* Growable array of doubles. */
struct stats_vec {
	double *v;
	size_t n, cap;
};

static int
stats_push(struct stats_vec *a, double x)
{
	if (a->n == a->cap) {
		size_t c = a->cap ? a->cap * 2 : 4096;
		double *v = realloc(a->v, c * sizeof *v);

		if (v == NULL)
			return -1;
		a->v = v;
		a->cap = c;
	}
	a->v[a->n++] = x;
	return 0;
}

static int
stats_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile (0..1) of v; sorts v. */
static double
stats_quantile(struct stats_vec *a, double q)
{
	if (a->n == 0)
		return 0;
	qsort(a->v, a->n, sizeof *a->v, stats_cmp);
	return a->v[(size_t)(q * (double)(a->n - 1) + 0.5)];
}

static double
stats_mean(const double *v, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return n ? s / (double)n : 0;
}

static double
stats_acf(const double *v, size_t n, size_t lag)
{
	double m = stats_mean(v, n), num = 0, den = 0;

	if (n <= lag + 1)
		return 0;
	for (size_t i = 0; i < n; i++)
		den += (v[i] - m) * (v[i] - m);
	for (size_t i = lag; i < n; i++)
		num += (v[i] - m) * (v[i - lag] - m);
	return den > 0 ? num / den : 0;
}

static int64_t
stats_side_within(const struct market *m, int side, double mid, double ticks)
{
	struct book_level lv[32];
	int n = book_depth(m->book, side, lv, 32);
	int64_t q = 0;

	for (int i = 0; i < n; i++)
		if (fabs((double)lv[i].px - mid) <= ticks)
			q += lv[i].qty;
	return q;
}

/* Mid at every second from the open (index 0) to the close. */
static int
stats_day(const struct sim_params *p, int64_t warmup, uint64_t seed,
          double *mids, struct stats_vec *spread, struct stats_vec *top,
          struct stats_vec *depth, struct stats_vec *volmin,
          double *bucket, struct stats_vec *rets, double *daylen_vol)
{
	struct market *m;
	int64_t secs = (p->close - p->open) / NS, vol0;
	double last_mid = -1;
	int rv;

	if ((rv = market_sim_new(&m, p, seed, p->open - warmup)) != 0)
		return rv;
	market_advance(m, p->open);
	vol0 = m->volume;
	for (int64_t i = 0; i <= secs; i++) {
		int64_t t = p->open + i * NS, bp, bq, ap, aq;

		market_advance(m, t);
		mids[i] = market_mid(m);
		if (book_best(m->book, BOOK_BID, &bp, &bq) == 0 &&
		    book_best(m->book, BOOK_ASK, &ap, &aq) == 0) {
			stats_push(spread, (double)(ap - bp) * p->tick);
			stats_push(top, (double)(bq + aq) / 2);
			stats_push(depth, (double)(stats_side_within(m, BOOK_BID,
			    mids[i], 10) + stats_side_within(m, BOOK_ASK, mids[i],
			    10)) / 2);
		}
		if (i > 0 && i % 60 == 0) {
			double v = (double)(m->volume - vol0);

			stats_push(volmin, v);
			bucket[((i - 1) / 60) * 13 / (secs / 60)] += v;
			vol0 = m->volume;
			if (mids[i] > 0 && last_mid > 0)
				stats_push(rets, log(mids[i] / last_mid));
			last_mid = mids[i];
		}
	}
	*daylen_vol = (double)m->volume;
	market_free(m);
	return 0;
}

/* Sell qty shares from `start` (seconds since midnight) at rate shares/s in
 * market orders every STATS_SLICE_S seconds; mid at the end and 30 min on. */
static int
stats_meta(const struct sim_params *p, int64_t warmup, uint64_t seed,
           int64_t qty, double rate, int64_t *end_s, double *mid_end,
           double *mid_after)
{
	struct market *m;
	int64_t t = STATS_META_START * NS, left = qty;
	int rv;

	if ((rv = market_sim_new(&m, p, seed, p->open - warmup)) != 0)
		return rv;
	market_advance(m, t);
	while (left > 0) {
		double due = rate * STATS_SLICE_S;
		int64_t q = (int64_t)(due / 100 + 0.5) * 100, filled = 0;
		uint64_t id;

		if (q < 100)
			q = 100;
		if (q > left)
			q = left;
		market_submit(m, BOOK_ASK, 0, q, BOOK_MARKET, &id, &filled);
		/* An empty bid fills nothing: the slice waits for the next. */
		left -= filled > 0 ? filled : 0;
		t += STATS_SLICE_S * NS;
		market_advance(m, t);
		if (t + (1800 + STATS_SLICE_S) * NS > p->close)
			break;
	}
	*end_s = t / NS;
	*mid_end = market_mid(m);
	market_advance(m, t + 1800 * NS);
	*mid_after = market_mid(m);
	market_free(m);
	return 0;
}

int
stats_run(const struct sim_params *p, int64_t warmup, int seeds,
          uint64_t seed0, int meta, struct stats_result *r)
{
	struct stats_vec spread = { 0 }, top = { 0 }, depth = { 0 },
	    volmin = { 0 }, allrets = { 0 };
	int64_t secs = (p->close - p->open) / NS;
	double bucket[14] = { 0 }, dayvol = 0, *mids;
	double acf_r[3] = { 0 }, acf_a[3] = { 0 };
	int rv = 0;

	memset(r, 0, sizeof *r);
	r->seeds = seeds;
	if (seeds < 1 || secs < 3600)
		return -EINVAL;
	if ((mids = calloc((size_t)seeds * (size_t)(secs + 1),
	    sizeof *mids)) == NULL)
		return -ENOMEM;
	for (int k = 0; k < seeds; k++) {
		struct stats_vec rets = { 0 };
		double dv;

		rv = stats_day(p, warmup, seed0 + (uint64_t)k, mids +
		    (size_t)k * (size_t)(secs + 1), &spread, &top, &depth, &volmin,
		    bucket, &rets, &dv);
		if (rv != 0)
			break;
		dayvol += dv;
		static const size_t lr[3] = { 1, 2, 5 }, la[3] = { 1, 5, 10 };
		struct stats_vec ab = { 0 };
		for (size_t i = 0; i < rets.n; i++) {
			stats_push(&ab, fabs(rets.v[i]));
			stats_push(&allrets, rets.v[i]);
		}
		for (int j = 0; j < 3; j++) {
			acf_r[j] += stats_acf(rets.v, rets.n, lr[j]) / seeds;
			acf_a[j] += stats_acf(ab.v, ab.n, la[j]) / seeds;
		}
		free(rets.v);
		free(ab.v);
	}
	if (rv == 0) {
		double m = stats_mean(allrets.v, allrets.n), m2 = 0, m4 = 0,
		    tot = 0;

		for (size_t i = 0; i < allrets.n; i++) {
			double d = allrets.v[i] - m;

			m2 += d * d;
			m4 += d * d * d * d;
		}
		m2 /= (double)allrets.n;
		m4 /= (double)allrets.n;
		r->kurt = m2 > 0 ? m4 / (m2 * m2) - 3 : 0;
		r->sigma_daily = sqrt(m2 * (double)allrets.n / seeds);
		r->adv = dayvol / seeds;
		for (int j = 0; j < 13; j++)
			tot += bucket[j];
		r->first30 = bucket[0] / tot;
		r->mid30 = bucket[6] / tot;
		r->last30 = bucket[12] / tot;
		r->vol_min_mean = stats_mean(volmin.v, volmin.n);
		r->vol_min_p10 = stats_quantile(&volmin, 0.1);
		r->vol_min_p50 = stats_quantile(&volmin, 0.5);
		r->vol_min_p90 = stats_quantile(&volmin, 0.9);
		r->spread_mean = stats_mean(spread.v, spread.n);
		r->spread_p10 = stats_quantile(&spread, 0.1);
		r->spread_p50 = stats_quantile(&spread, 0.5);
		r->spread_p90 = stats_quantile(&spread, 0.9);
		r->top_p10 = stats_quantile(&top, 0.1);
		r->top_p50 = stats_quantile(&top, 0.5);
		r->top_p90 = stats_quantile(&top, 0.9);
		r->depth10_mean = stats_mean(depth.v, depth.n);
		memcpy(r->acf_r, acf_r, sizeof acf_r);
		memcpy(r->acf_abs, acf_a, sizeof acf_a);
	}
	if (rv == 0 && meta) {
		double rate = STATS_POV * r->adv / (double)secs, sx = 0, sy = 0,
		    sxx = 0, sxy = 0;
		int nfit = 0;

		r->nmeta = STATS_NMETA;
		for (int j = 0; j < STATS_NMETA && rv == 0; j++) {
			int64_t qty = (int64_t)(stats_meta_fracs[j] * r->adv / 100 +
			    0.5) * 100;
			double peak = 0, after = 0;

			for (int k = 0; k < seeds && rv == 0; k++) {
				const double *ctl = mids + (size_t)k * (size_t)(secs + 1);
				int64_t end_s;
				double me, ma, ce, ca;

				rv = stats_meta(p, warmup, seed0 + (uint64_t)k, qty, rate,
				    &end_s, &me, &ma);
				if (rv != 0)
					break;
				ce = ctl[end_s - p->open / NS];
				ca = ctl[end_s + 1800 - p->open / NS];
				/* A sell: impact is how far below the control the mid
				 * ends, as a fraction of the price. */
				if (me > 0 && ce > 0)
					peak += (ce - me) / ce * 1e4 / seeds;
				if (ma > 0 && ca > 0)
					after += (ca - ma) / ca * 1e4 / seeds;
			}
			r->meta_frac[j] = stats_meta_fracs[j];
			r->meta_qty[j] = (double)qty;
			r->meta_peak[j] = peak;
			r->meta_after[j] = after;
			if (peak > 0) {
				double x = log(stats_meta_fracs[j]), y = log(peak);

				sx += x;
				sy += y;
				sxx += x * x;
				sxy += x * y;
				nfit++;
			}
		}
		if (nfit >= 2)
			r->exponent = (nfit * sxy - sx * sy) / (nfit * sxx - sx * sx);
		else
			r->exponent = NAN;
	}
	free(spread.v);
	free(top.v);
	free(depth.v);
	free(volmin.v);
	free(allrets.v);
	free(mids);
	return rv;
}

void
stats_print(FILE *f, const char *scenario, const struct stats_result *r)
{
	fprintf(f, "tranched stats: scenario %s, %d seed%s, whole days, no "
	    "orders of ours\n\n", scenario, r->seeds, r->seeds == 1 ? "" : "s");
	fprintf(f, "%-34s %-26s %s\n", "statistic", "this market",
	    "real markets (stylised facts)");
	fprintf(f, "%-34s %-26.0f %s\n", "volume per day, shares", r->adv,
	    "QDI: 2,000,000 (the brief)");
	char b[64];
	snprintf(b, sizeof b, "%.0f (p10 %.0f, p90 %.0f)", r->vol_min_mean,
	    r->vol_min_p10, r->vol_min_p90);
	fprintf(f, "%-34s %-26s %s\n", "volume per minute", b,
	    "bursty: p90 several times p10");
	snprintf(b, sizeof b, "%.1f%% / %.1f%% / %.1f%%", r->first30 * 100,
	    r->mid30 * 100, r->last30 * 100);
	fprintf(f, "%-34s %-26s %s\n", "volume share first/mid/last 30 min", b,
	    "U shape: 8.4% / ~4% / 21.8% (AMZN)");
	snprintf(b, sizeof b, "$%.3f (p10 %.2f, p90 %.2f)", r->spread_mean,
	    r->spread_p10, r->spread_p90);
	fprintf(f, "%-34s %-26s %s\n", "spread", b, "QDI: about $0.05");
	snprintf(b, sizeof b, "%.0f (p10 %.0f, p90 %.0f)", r->top_p50,
	    r->top_p10, r->top_p90);
	fprintf(f, "%-34s %-26s %s\n", "shares at the best (median)", b,
	    "a few hundred to a few thousand");
	fprintf(f, "%-34s %-26.0f %s\n", "shares within 10 ticks, per side",
	    r->depth10_mean, "several times the best");
	snprintf(b, sizeof b, "%+.3f / %+.3f / %+.3f", r->acf_r[0], r->acf_r[1],
	    r->acf_r[2]);
	fprintf(f, "%-34s %-26s %s\n", "autocorr 1-min returns lag 1/2/5", b,
	    "about 0 beyond a minute");
	snprintf(b, sizeof b, "%+.3f / %+.3f / %+.3f", r->acf_abs[0],
	    r->acf_abs[1], r->acf_abs[2]);
	fprintf(f, "%-34s %-26s %s\n", "autocorr |1-min returns| 1/5/10", b,
	    "positive, slowly decaying");
	fprintf(f, "%-34s %-26.2f %s\n", "excess kurtosis of 1-min returns",
	    r->kurt, "positive (fat tails)");
	fprintf(f, "%-34s %-26.2f %s\n", "daily volatility, %",
	    r->sigma_daily * 100, "1-2% for a large cap");
	if (r->nmeta == 0)
		return;
	fprintf(f, "\nmetaorder impact (sell, market orders every %d s at %.0f%% "
	    "of average volume, paired with the same seeds):\n", STATS_SLICE_S,
	    STATS_POV * 100);
	fprintf(f, "%-12s %-10s %-16s %s\n", "size/ADV", "shares",
	    "impact at end", "30 min later");
	for (int j = 0; j < r->nmeta; j++)
		fprintf(f, "%-12.4f %-10.0f %-16s %+.1f bps\n", r->meta_frac[j],
		    r->meta_qty[j], (snprintf(b, sizeof b, "%+.1f bps",
		    r->meta_peak[j]), b), r->meta_after[j]);
	fprintf(f, "%-34s %-26.2f %s\n", "fitted impact exponent",
	    r->exponent, "0.4-0.7 (square-root law)");
}
