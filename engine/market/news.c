/*
 * engine/market/news.c -- the simulated market's random news: which items
 * a session has (time, sign, size, the feed's headline and sentiment) and
 * the defaults of the two kinds.  How the market reacts to an item is the
 * simulator's (sim.c, sim_news_fire()); this file only decides what
 * happens, so the feed and the tests can ask for a session's items without
 * running it.
 *
 * Items are drawn from their own generator, seeded from the session's seed
 * and nothing else: the same seed gives the same items whatever else the
 * scenario says, and the agents' streams are untouched, so a scenario
 * without news is the session it always was.
 *
 * The sentiment is what a vendor's scorer would say: the direction of the
 * news, stronger for bigger items, with some noise, and with chance
 * `wrong` the wrong sign (vendors' scores disagree with the eventual price
 * move for a sizeable share of headlines; 0.2 is the default, stated in
 * tranche-scenario(5)).  The headline always tells the truth: it is the
 * score that errs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/market/market.h"

void
sim_news_default(struct sim_news_params *np, int kind)
{
	memset(np, 0, sizeof *np);
	np->kind = kind;
	if (kind == SIM_NEWS_NONE)
		return;
	np->count = 1;
	np->first = 36000LL * MARKET_NS_PER_SEC;   /* 10:00 */
	np->last = 43200LL * MARKET_NS_PER_SEC;    /* 12:00 */
	np->size = 60;
	np->size_min = 60;
	np->p_up = 0.5;
	np->wrong = 0.2;
	np->fast_s = 10;
	np->fast_interval = 0.05;
	np->fast_margin = 2;
	np->cancel = 0.7;
	np->tau_up = 15;
	np->tau_down = 300;
}

int
sim_news_kind_parse(const char *s)
{
	if (strcmp(s, "none") == 0)
		return SIM_NEWS_NONE;
	if (strcmp(s, "hard") == 0)
		return SIM_NEWS_HARD;
	if (strcmp(s, "soft") == 0)
		return SIM_NEWS_SOFT;
	return -1;
}

const char *
sim_news_kind_name(int kind)
{
	return kind == SIM_NEWS_HARD ? "hard" : kind == SIM_NEWS_SOFT ? "soft" :
	    "none";
}

int
sim_news_check(const struct sim_news_params *np)
{
	if (np->kind == SIM_NEWS_NONE)
		return 0;
	if ((np->kind != SIM_NEWS_HARD && np->kind != SIM_NEWS_SOFT) ||
	    np->count < 0 || np->count > SIM_MAX_NEWS || np->first < 0 ||
	    np->last < np->first || !(np->size >= 0) || !(np->size_min >= 0) ||
	    !(np->p_up >= 0 && np->p_up <= 1) ||
	    !(np->wrong >= 0 && np->wrong <= 1) || !(np->fast_s >= 0) ||
	    !(np->fast_interval > 0) || !(np->fast_margin >= 0) ||
	    !(np->cancel >= 0 && np->cancel <= 1) || !(np->tau_up > 0) ||
	    !(np->tau_down > 0))
		return BOOK_EINVAL;
	return 0;
}

/* Headlines by kind (hard, soft) and sign (good, bad): a hard item is a
 * fact the market can price at once, a soft one an opinion it weighs. */
static const char *const news_heads[2][2][4] = {
	{
		{ "%s beats earnings estimates", "%s raises full-year guidance",
		  "%s wins large federal contract", "%s gets takeover offer" },
		{ "%s misses earnings estimates", "%s cuts full-year guidance",
		  "%s recalls flagship product", "%s CFO resigns abruptly" },
	},
	{
		{ "Analyst upgrades %s to buy", "TV host names %s a top pick",
		  "Report: %s gaining market share", "%s bulls see more upside" },
		{ "Analyst downgrades %s to sell", "TV host turns bearish on %s",
		  "Report: %s losing market share", "%s faces doubts on margins" },
	},
};

/* The template with its "%s" replaced by the symbol (by hand: a format
 * that is not a literal is not one the compiler can check). */
static void
news_headline(char *buf, size_t n, const char *tmpl, const char *sym)
{
	const char *at = strstr(tmpl, "%s");

	snprintf(buf, n, "%.*s%s%s", (int)(at - tmpl), tmpl, sym, at + 2);
}

static int
news_cmp(const void *a, const void *b)
{
	const struct sim_news_item *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

int
sim_news_draw(const struct sim_news_params *np, uint64_t seed,
              const char *sym, struct sim_news_item *items)
{
	struct rng r;
	uint64_t mix = seed ^ 0x6e6577735f697465ULL; /* "news_ite" */
	int n;

	if (np->kind == SIM_NEWS_NONE || sim_news_check(np) != 0)
		return 0;
	rng_seed(&r, rng_splitmix64(&mix));
	n = np->count;
	for (int i = 0; i < n; i++) {
		struct sim_news_item *it = &items[i];
		int64_t span = np->last - np->first;
		int good = rng_uniform(&r) < np->p_up;
		double mag = np->size_min + rng_exp(&r, np->size > 0 ?
		    np->size : 1e-9);
		double score, ref = np->size_min + 2 * np->size;

		memset(it, 0, sizeof *it);
		/* Whole milliseconds: the feed's times print exactly. */
		it->at = np->first + (int64_t)(rng_uniform(&r) * (double)span) /
		    1000000 * 1000000;
		it->kind = np->kind;
		it->jump = good ? mag : -mag;
		/* Stronger for bigger news, never quite certain. */
		score = 0.3 + 0.6 * (ref > 0 && mag < ref ? mag / ref : 1) +
		    0.1 * (rng_uniform(&r) - 0.5);
		if (score > 1)
			score = 1;
		if (rng_uniform(&r) < np->wrong)
			good = !good;
		/* Three decimals, as a vendor's feed prints it. */
		score = round(score * 1000) / 1000;
		it->sentiment = good ? score : -score;
		news_headline(it->headline, sizeof it->headline,
		    news_heads[np->kind == SIM_NEWS_SOFT][it->jump < 0]
		    [rng_below(&r, 4)], sym);
	}
	qsort(items, (size_t)n, sizeof *items, news_cmp);
	return n;
}
