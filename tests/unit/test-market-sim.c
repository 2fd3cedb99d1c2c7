/*
 * tests/unit/test-market-sim.c -- the agent-based simulator: what it must
 * guarantee (determinism, a sane book) and what its agents must make
 * happen (makers withdraw and return, news moves the value and widens the
 * spread, U-shaped volume, impact that emerges and partly decays).
 *
 * Every test builds its market from sim_params_default() plus the event
 * it needs, so none depends on the scenario files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "engine/market/market.h"
#include "engine/market/stats.h"

#define NS MARKET_NS_PER_SEC
#define OPEN (34200LL * NS)

struct tape {
	int64_t px[20000], qty[20000];
	int n;
};

static void
tape_trade(void *arg, int64_t px, int64_t qty, int aggressor)
{
	struct tape *t = arg;

	(void)aggressor;
	if (t->n < 20000) {
		t->px[t->n] = px;
		t->qty[t->n] = qty;
		t->n++;
	}
}

static struct market *
sim_open(const struct sim_params *p, uint64_t seed, struct tape *tp)
{
	struct market *m;

	assert_int_equal(market_sim_new(&m, p, seed, OPEN - 300 * NS), 0);
	if (tp != NULL) {
		memset(tp, 0, sizeof *tp);
		m->cbs.trade = tape_trade;
		m->cbs.arg = tp;
	}
	return m;
}

static void
same_seed_same_session_regardless_of_chunking(void **state)
{
	struct sim_params p;
	struct tape *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
	struct market *ma, *mb;
	uint64_t id;

	(void)state;
	sim_params_default(&p);
	ma = sim_open(&p, 42, a);
	mb = sim_open(&p, 42, b);
	/* One big advance against one-second chunks, with the same order of
	 * ours at the same simulated time in both. */
	market_advance(ma, OPEN + 600 * NS);
	market_submit(ma, BOOK_ASK, 0, 5000, BOOK_MARKET, &id, NULL);
	market_advance(ma, OPEN + 1800 * NS);
	for (int64_t t = OPEN - 299 * NS; t <= OPEN + 600 * NS; t += NS)
		market_advance(mb, t);
	market_submit(mb, BOOK_ASK, 0, 5000, BOOK_MARKET, &id, NULL);
	for (int64_t t = OPEN + 600 * NS; t <= OPEN + 1800 * NS; t += 1700000000LL)
		market_advance(mb, t);
	market_advance(mb, OPEN + 1800 * NS);
	assert_true(a->n > 100);
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->px, b->px, sizeof a->px[0] * (size_t)a->n);
	assert_memory_equal(a->qty, b->qty, sizeof a->qty[0] * (size_t)a->n);
	assert_int_equal(ma->msgs, mb->msgs);
	market_free(ma);
	market_free(mb);
	free(a);
	free(b);
}

static void
different_seed_different_session(void **state)
{
	struct sim_params p;
	struct tape *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
	struct market *ma, *mb;

	(void)state;
	sim_params_default(&p);
	ma = sim_open(&p, 1, a);
	mb = sim_open(&p, 2, b);
	market_advance(ma, OPEN + 600 * NS);
	market_advance(mb, OPEN + 600 * NS);
	assert_true(a->n != b->n || memcmp(a->px, b->px, sizeof a->px[0] *
	    (size_t)a->n) != 0);
	market_free(ma);
	market_free(mb);
	free(a);
	free(b);
}

static void
book_never_crossed_after_advance(void **state)
{
	struct sim_params p;
	struct market *m;

	(void)state;
	sim_params_default(&p);
	p.nevents = 1;
	sim_event_default(&p.events[0]);
	p.events[0].at = OPEN + 300 * NS;
	p.events[0].dur_s = 600;
	p.events[0].jump = -150;
	p.events[0].mm_spread = 3;
	m = sim_open(&p, 9, NULL);
	for (int64_t t = OPEN; t < OPEN + 1800 * NS; t += 3 * NS) {
		int64_t bp, bq, ap, aq;

		market_advance(m, t);
		if (book_best(m->book, BOOK_BID, &bp, &bq) == 0 &&
		    book_best(m->book, BOOK_ASK, &ap, &aq) == 0)
			assert_true(bp < ap);
	}
	market_free(m);
}

/* Mean over [from, to) of shares within 10 ticks of the mid, both sides,
 * and of the spread, sampled every second. */
static void
sample(struct market *m, int64_t from, int64_t to, double *depth,
       double *spread)
{
	double d = 0, s = 0;
	int n = 0;

	for (int64_t t = from; t < to; t += NS) {
		struct book_level lv[64];
		int64_t bp, bq, ap, aq;

		market_advance(m, t);
		if (book_best(m->book, BOOK_BID, &bp, &bq) != 0 ||
		    book_best(m->book, BOOK_ASK, &ap, &aq) != 0)
			continue;
		for (int side = 0; side < 2; side++) {
			int k = book_depth(m->book, side, lv, 64);

			for (int i = 0; i < k; i++)
				if (fabs((double)lv[i].px - (double)(ap + bp) / 2) <= 10)
					d += (double)lv[i].qty;
		}
		s += (double)(ap - bp);
		n++;
	}
	*depth = n ? d / n : 0;
	*spread = n ? s / n : 1e9;
}

static void
makers_withdraw_in_squeeze_and_return(void **state)
{
	struct sim_params p;
	struct market *m;
	double d_before, d_during, d_after, s_before, s_during, s_after;

	(void)state;
	sim_params_default(&p);
	p.nevents = 1;
	sim_event_default(&p.events[0]);
	p.events[0].at = OPEN + 600 * NS;
	p.events[0].dur_s = 600;
	p.events[0].mm_size = 0;
	m = sim_open(&p, 3, NULL);
	sample(m, OPEN, OPEN + 600 * NS, &d_before, &s_before);
	sample(m, OPEN + 660 * NS, OPEN + 1200 * NS, &d_during, &s_during);
	sample(m, OPEN + 1260 * NS, OPEN + 1800 * NS, &d_after, &s_after);
	print_message("depth within 10 ticks %.0f / %.0f / %.0f, spread %.1f / "
	    "%.1f / %.1f ticks (before / during / after)\n", d_before, d_during,
	    d_after, s_before, s_during, s_after);
	assert_true(d_during < 0.7 * d_before);
	assert_true(s_during > s_before);
	assert_true(d_after > 1.3 * d_during);
	market_free(m);
}

static void
headline_moves_fundamental_and_widens_spread(void **state)
{
	struct sim_params p;
	struct market *m;
	double v0, v1, d, s_before, s_after, mid0, mid1;

	(void)state;
	sim_params_default(&p);
	p.sigma = 0.2; /* so the jump stands out of the walk */
	p.nevents = 1;
	sim_event_default(&p.events[0]);
	p.events[0].at = OPEN + 600 * NS;
	p.events[0].dur_s = 1200;
	p.events[0].jump = -150;
	p.events[0].mm_spread = 3;
	m = sim_open(&p, 5, NULL);
	sample(m, OPEN, OPEN + 599 * NS, &d, &s_before);
	v0 = market_sim_value(m);
	mid0 = market_mid(m);
	market_advance(m, OPEN + 601 * NS);
	v1 = market_sim_value(m);
	assert_true(v1 < v0 - 120);
	sample(m, OPEN + 660 * NS, OPEN + 1200 * NS, &d, &s_after);
	mid1 = market_mid(m);
	assert_true(s_after > 2 * s_before);
	assert_true(mid1 < mid0 - 100); /* informed selling took the price down */
	market_free(m);
}

static void
volume_follows_u_shape(void **state)
{
	struct sim_params p;
	int64_t first = 0, middle = 0, last = 0;
	const int64_t mid_from = OPEN + 2 * 3600 * NS, mid_to = mid_from +
	    3 * 3600 * NS;

	(void)state;
	sim_params_default(&p);
	/* Activity spells make single days noisy: add up six, and take the
	 * middle as the mean half hour of 11:30-14:30. */
	for (uint64_t seed = 11; seed < 17; seed++) {
		struct market *m = sim_open(&p, seed, NULL);
		int64_t v;

		market_advance(m, OPEN);
		v = m->volume;
		market_advance(m, OPEN + 1800 * NS);
		first += m->volume - v;
		market_advance(m, mid_from);
		v = m->volume;
		market_advance(m, mid_to);
		middle += (m->volume - v) / 6;
		market_advance(m, p.close - 1800 * NS);
		v = m->volume;
		market_advance(m, p.close);
		last += m->volume - v;
		market_free(m);
	}
	print_message("volume first 30 min %lld, a midday half hour %lld, last "
	    "30 min "
	    "%lld\n", (long long)first, (long long)middle, (long long)last);
	assert_true(first > middle);
	assert_true(last > 2 * middle);
}

static void
impact_emerges_and_partly_decays(void **state)
{
	struct sim_params p;
	struct market *m, *c;
	double now, later;
	int64_t filled = 0;
	uint64_t id;

	(void)state;
	sim_params_default(&p);
	/* The same seed with and without our sale: the fundamental and the
	 * arrivals are the same, so the difference is the market's reaction. */
	m = sim_open(&p, 8, NULL);
	c = sim_open(&p, 8, NULL);
	market_advance(m, OPEN + 1800 * NS);
	market_advance(c, OPEN + 1800 * NS);
	assert_int_equal(market_submit(m, BOOK_ASK, 0, 20000, BOOK_MARKET, &id,
	    &filled), 0);
	assert_true(filled > 0);
	now = market_mid(c) - market_mid(m);
	market_advance(m, OPEN + 2400 * NS);
	market_advance(c, OPEN + 2400 * NS);
	later = market_mid(c) - market_mid(m);
	print_message("impact %.1f ticks right after the sale, %.1f ten minutes "
	    "later\n", now, later);
	assert_true(now > 5);
	/* The book refilled, makers and value traders leaned against the
	 * move. */
	assert_true(later < now / 2);
	market_free(m);
	market_free(c);
}

/* Calibration: the mid tracks the fundamental closely enough that one-minute
 * returns do not trend (before makers leaned on the fundamental, lag 1 was
 * +0.23), and the spread stays near the brief's $0.05. */
static void
calm_returns_do_not_trend(void **state)
{
	struct sim_params p;
	struct stats_result r;

	(void)state;
	sim_params_default(&p);
	assert_int_equal(stats_run(&p, 300 * NS, 4, 1, 0, &r), 0);
	print_message("1-min return autocorrelation lag 1 %+.3f, lag 2 %+.3f; "
	    "spread $%.3f\n", r.acf_r[0], r.acf_r[1], r.spread_mean);
	assert_true(fabs(r.acf_r[0]) < 0.12);
	assert_true(fabs(r.acf_r[1]) < 0.1);
	assert_true(r.spread_mean > 0.04 && r.spread_mean < 0.06);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_seed_same_session_regardless_of_chunking),
		cmocka_unit_test(different_seed_different_session),
		cmocka_unit_test(book_never_crossed_after_advance),
		cmocka_unit_test(makers_withdraw_in_squeeze_and_return),
		cmocka_unit_test(headline_moves_fundamental_and_widens_spread),
		cmocka_unit_test(volume_follows_u_shape),
		cmocka_unit_test(impact_emerges_and_partly_decays),
		cmocka_unit_test(calm_returns_do_not_trend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
