/*
 * tests/unit/test-market-news.c -- the simulated market's random news:
 * the items are seeded and two-sided, the feed's sentiment is wrong about
 * as often as the scenario says, and the two kinds are learned at
 * different speeds -- hard news is in the price within seconds, soft news
 * over minutes, good soft news faster than bad.
 *
 * The speed tests measure as `tranched bench news` does: each session with
 * an item beside the same seed without it, the share of the jump in the
 * difference of their mids, averaged over seeds.  Their thresholds sit
 * between the kinds, so a market that learns both kinds the same way fails
 * one of them whichever way it learns.
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

#define NS MARKET_NS_PER_SEC
#define AT ((10LL * 3600 + 30 * 60) * NS)

static void
items_are_seeded_and_two_sided(void **state)
{
	struct sim_news_params np;
	struct sim_news_item a[SIM_MAX_NEWS], b[SIM_MAX_NEWS];
	int up = 0, down = 0, wrong = 0, total = 0;

	(void)state;
	sim_news_default(&np, SIM_NEWS_HARD);
	np.count = 4;
	assert_int_equal(sim_news_draw(&np, 7, "QDI", a), 4);
	assert_int_equal(sim_news_draw(&np, 7, "QDI", b), 4);
	assert_memory_equal(a, b, sizeof a[0] * 4);
	assert_int_equal(sim_news_draw(&np, 8, "QDI", b), 4);
	assert_true(memcmp(a, b, sizeof a[0] * 4) != 0);
	for (uint64_t seed = 1; seed <= 300; seed++) {
		int n = sim_news_draw(&np, seed, "QDI", a);

		for (int i = 0; i < n; i++) {
			assert_true(a[i].at >= np.first && a[i].at <= np.last);
			assert_true(i == 0 || a[i].at >= a[i - 1].at);
			assert_true(fabs(a[i].jump) >= np.size_min);
			assert_true(a[i].sentiment >= -1 && a[i].sentiment <= 1);
			assert_non_null(strstr(a[i].headline, "QDI"));
			up += a[i].jump > 0;
			down += a[i].jump < 0;
			wrong += (a[i].jump > 0) != (a[i].sentiment > 0);
			total++;
		}
	}
	/* p_up 0.5 and wrong 0.2 over 1,200 items: within four standard
	 * deviations. */
	assert_true(up > 520 && down > 520);
	assert_true(fabs((double)wrong / total - np.wrong) < 0.05);
	/* No news, no items. */
	sim_news_default(&np, SIM_NEWS_NONE);
	assert_int_equal(sim_news_draw(&np, 7, "QDI", a), 0);
}

static void
market_fires_its_items(void **state)
{
	struct sim_params p;
	struct sim_news_item it;
	struct market *m;
	double before, after;

	(void)state;
	sim_params_default(&p);
	sim_news_default(&p.news, SIM_NEWS_HARD);
	p.news.first = p.news.last = AT;
	p.news.size = 0;
	p.news.size_min = 100;
	p.news.p_up = 0;
	assert_int_equal(market_sim_new(&m, &p, 3, AT - 600 * NS), 0);
	assert_int_equal(market_news_count(m), 1);
	assert_int_equal(market_news_get(m, 0, &it), 0);
	assert_int_equal(market_news_get(m, 1, &it), -1);
	assert_true(it.at == AT && fabs(it.jump + 100) < 1e-6);
	market_advance(m, AT - 1);
	before = market_sim_value(m);
	market_advance(m, AT);
	after = market_sim_value(m);
	/* The jump lands at the item's own nanosecond, not on the clock's
	 * next second. */
	assert_true(after - before < -99 && after - before > -101);
	market_free(m);
	/* A bad parameter is refused, not run. */
	p.news.tau_up = 0;
	p.news.kind = SIM_NEWS_SOFT;
	assert_int_equal(market_sim_new(&m, &p, 3, AT - 600 * NS), BOOK_EINVAL);
}

/* Mean share of a jump of `jump` ticks in the mid h seconds after it. */
static double
absorbed(int kind, double jump, double h, int seeds)
{
	struct sim_params p, base;
	double sum = 0;

	sim_params_default(&base);
	p = base;
	sim_news_default(&p.news, kind);
	p.news.first = p.news.last = AT;
	p.news.size = 0;
	p.news.size_min = fabs(jump);
	p.news.p_up = jump > 0;
	for (int k = 1; k <= seeds; k++) {
		struct market *a, *b;

		assert_int_equal(market_sim_new(&a, &p, (uint64_t)k, AT - 900 * NS),
		    0);
		assert_int_equal(market_sim_new(&b, &base, (uint64_t)k,
		    AT - 900 * NS), 0);
		market_advance(a, AT + (int64_t)(h * NS));
		market_advance(b, AT + (int64_t)(h * NS));
		assert_true(market_mid(a) > 0 && market_mid(b) > 0);
		sum += (market_mid(a) - market_mid(b)) / jump;
		market_free(a);
		market_free(b);
	}
	return sum / seeds;
}

static void
hard_news_is_priced_within_seconds(void **state)
{
	(void)state;
	/* Chordia, Green and Kottimukkalur (2018): milliseconds. */
	assert_true(absorbed(SIM_NEWS_HARD, -100, 10, 12) > 0.85);
	assert_true(absorbed(SIM_NEWS_HARD, 100, 10, 12) > 0.85);
}

static void
soft_news_diffuses_over_minutes(void **state)
{
	double s10, s60, s900;

	(void)state;
	/* Busse and Green (2002): bad news over about 15 minutes, good news
	 * within one. */
	s10 = absorbed(SIM_NEWS_SOFT, -100, 10, 12);
	s60 = absorbed(SIM_NEWS_SOFT, -100, 60, 12);
	s900 = absorbed(SIM_NEWS_SOFT, -100, 900, 12);
	print_message("soft bad: %.2f at 10 s, %.2f at 1 min, %.2f at 15 min\n",
	    s10, s60, s900);
	assert_true(s10 < 0.3);
	assert_true(s60 < 0.6);
	assert_true(s900 > 0.8);
	assert_true(absorbed(SIM_NEWS_SOFT, 100, 60, 12) > 0.8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(items_are_seeded_and_two_sided),
		cmocka_unit_test(market_fires_its_items),
		cmocka_unit_test(hard_news_is_priced_within_seconds),
		cmocka_unit_test(soft_news_diffuses_over_minutes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
