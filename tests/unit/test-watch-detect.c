/*
 * tests/unit/test-watch-detect.c -- the alert detector on constructed
 * series: a quiet market raises nothing in an hour; each kind fires on a
 * series built to show it (move, spread, depth, vol, volume, flow, news,
 * cost, behind, ahead) and names its numbers; a blip shorter than
 * confirm_s raises nothing; an alert escalates when it worsens and when a
 * WARN lasts; it clears, saying so, once the numbers are back; a block's
 * alerts clear when it ends, naming how; a stopped block raises and
 * escalates nothing; a block held back by a person's cap is told so and
 * does not escalate by lasting; thresholds are checked naming the key and
 * the value.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/watch/watch.h"

#define NS WATCH_NS_PER_SEC
#define T0 (9LL * 3600 * NS)

struct got {
	struct watch_alert a[256];
	int n;
};

static void
collect(void *arg, const struct watch_alert *a)
{
	struct got *g = arg;

	if (g->n < 256)
		g->a[g->n++] = *a;
}

/* A reproducible wiggle in [-1, 1). */
static double
noise(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*s >> 11) / (double)(1ULL << 52) - 1.0;
}

/* The quiet market: mid wandering a tick or so, a 4-6 tick spread, about
 * 3,000 shares in five levels a side and 50 shares a second both ways. */
static void
quiet(struct watch_sample *x, double mid, uint64_t *s)
{
	memset(x, 0, sizeof *x);
	x->mid = mid + noise(s);
	x->bid = (int64_t)x->mid - 2;
	x->ask = x->bid + 4 + (int64_t)(2 * fabs(noise(s)));
	x->bid_top = 300 + (int64_t)(100 * noise(s));
	x->ask_top = 300 + (int64_t)(100 * noise(s));
	x->bid5 = 3000 + (int64_t)(500 * noise(s));
	x->ask5 = 3000 + (int64_t)(500 * noise(s));
	x->buy = 25 + (int64_t)(20 * noise(s));
	x->sell = 25 + (int64_t)(20 * noise(s));
}

static struct watch *
new_watch(struct got *g, const struct watch_config *cfg)
{
	struct watch_config c;
	const char *syms[] = { "QDI" };
	struct watch *w;

	if (cfg == NULL)
		watch_config_default(&c);
	else
		c = *cfg;
	memset(g, 0, sizeof *g);
	assert_int_equal(watch_new(&w, &c, syms, 1, 0.01, collect, g), 0);
	return w;
}

/* Feed n quiet seconds from second *sec on. */
static void
feed_quiet(struct watch *w, int64_t *sec, int n, double mid, uint64_t *s)
{
	struct watch_sample x;

	for (int i = 0; i < n; i++, (*sec)++) {
		quiet(&x, mid, s);
		watch_sample(w, 0, T0 + *sec * NS, &x);
	}
}

static const struct watch_alert *
find(const struct got *g, const char *kind, int change)
{
	for (int i = 0; i < g->n; i++)
		if (strcmp(g->a[i].kind, kind) == 0 && g->a[i].change == change)
			return &g->a[i];
	return NULL;
}

static void
watch_quiet_market_raises_nothing(void **state)
{
	struct got g;
	struct watch *w = new_watch(&g, NULL);
	uint64_t s = 1;
	int64_t sec = 0;

	feed_quiet(w, &sec, 3600, 10000, &s);
	for (int i = 0; i < g.n; i++)
		fprintf(stderr, "unexpected: %s %s\n", g.a[i].kind, g.a[i].text);
	assert_int_equal(g.n, 0);
	assert_int_equal(watch_raised(w, 1), 0);
	watch_free(w);
}

/* Each kind: an hour of quiet, then the series that shows it. */
enum shape { S_MOVE, S_SPREAD, S_DEPTH, S_VOL, S_VOLUME, S_FLOW };

static void
run_shape(enum shape sh, const char *kind, const char *words)
{
	struct got g;
	struct watch *w = new_watch(&g, NULL);
	struct watch_sample x;
	const struct watch_alert *a;
	uint64_t s = 7;
	int64_t sec = 0;
	double mid = 10000;

	feed_quiet(w, &sec, 1800, mid, &s);
	assert_int_equal(g.n, 0);
	for (int i = 0; i < 120; i++, sec++) {
		quiet(&x, mid, &s);
		switch (sh) {
		case S_MOVE:
			/* 60 ticks down over ten seconds, then stays. */
			mid = 10000 - 6 * (i < 10 ? i : 10);
			x.mid = mid;
			x.bid = (int64_t)mid - 2;
			x.ask = x.bid + 5;
			break;
		case S_SPREAD:
			x.bid = (int64_t)x.mid - 10;
			x.ask = x.bid + 20;
			break;
		case S_DEPTH:
			x.bid5 = 200;
			x.bid_top = 40;
			break;
		case S_VOL:
			x.mid = mid + 12 * noise(&s);
			break;
		case S_VOLUME:
			x.buy *= 12;
			x.sell *= 12;
			break;
		case S_FLOW:
			x.buy = 300;
			x.sell = 0;
			break;
		}
		watch_sample(w, 0, T0 + sec * NS, &x);
	}
	a = find(&g, kind, WATCH_RAISED);
	if (a == NULL)
		for (int i = 0; i < g.n; i++)
			fprintf(stderr, "got: %s %s\n", g.a[i].kind, g.a[i].text);
	assert_non_null(a);
	assert_true(a->level >= WATCH_WARN);
	assert_int_equal(a->block, 0);
	assert_true(a->id > 0);
	assert_non_null(strstr(a->text, "QDI"));
	assert_non_null(strstr(a->text, words));
	assert_true(strlen(a->action) > 0);
	/* Raised within the window (60 s) and the confirmation time. */
	assert_true(a->t - (T0 + 1800 * NS) <= 70 * NS);
	watch_free(w);
}

static void
watch_move_fires(void **state)
{
	run_shape(S_MOVE, "move", "sigma) in");
}

static void
watch_spread_fires(void **state)
{
	run_shape(S_SPREAD, "spread", "x its 30-min level");
}

static void
watch_depth_fires(void **state)
{
	run_shape(S_DEPTH, "depth", "bid depth");
}

/* How many times kind changed so (raised, cleared) at or after t. */
static int
changed_since(const struct got *g, const char *kind, int change, int64_t t)
{
	int n = 0;

	for (int i = 0; i < g->n; i++)
		if (strcmp(g->a[i].kind, kind) == 0 &&
		    g->a[i].change == change && g->a[i].t >= t)
			n++;
	return n;
}

/*
 * A stress does not teach the baselines that it is normal: a 20-minute
 * blowout (80-tick spread, a tenth of the bid's depth), then 35 quiet
 * minutes, then a milder one (20 ticks, 15% of the depth), which alone
 * is alerted: the second is alerted too.  (The baselines learnt the first,
 * 80 ticks, and the second was never told: found by an adversarial review
 * on 2026-12-07.)  And a level that stands longer than a baseline is the
 * market's new level: it is learnt, and clears.
 */
static void
watch_a_second_stress_after_a_first_is_told(void **state)
{
	struct got g;
	struct watch *w = new_watch(&g, NULL);
	struct watch_sample x;
	uint64_t s = 5;
	int64_t sec = 0, t2;

	(void)state;
	feed_quiet(w, &sec, 1800, 10000, &s);
	for (int i = 0; i < 1200; i++, sec++) {
		quiet(&x, 10000, &s);
		x.bid = (int64_t)x.mid - 40;
		x.ask = x.bid + 80;
		x.bid5 = 300;
		x.bid_top = 30;
		watch_sample(w, 0, T0 + sec * NS, &x);
	}
	assert_int_equal(changed_since(&g, "spread", WATCH_RAISED, 0), 1);
	assert_int_equal(changed_since(&g, "depth", WATCH_RAISED, 0), 1);
	feed_quiet(w, &sec, 2100, 10000, &s);
	assert_non_null(find(&g, "spread", WATCH_CLEARED));
	t2 = T0 + sec * NS;
	for (int i = 0; i < 900; i++, sec++) {
		quiet(&x, 10000, &s);
		x.bid = (int64_t)x.mid - 10;
		x.ask = x.bid + 20;
		x.bid5 = 450;
		x.bid_top = 45;
		watch_sample(w, 0, T0 + sec * NS, &x);
	}
	assert_int_equal(changed_since(&g, "spread", WATCH_RAISED, t2), 1);
	assert_int_equal(changed_since(&g, "depth", WATCH_RAISED, t2), 1);
	/* Two hours of it: the new level, learnt; the alerts clear. */
	for (int i = 0; i < 7200; i++, sec++) {
		quiet(&x, 10000, &s);
		x.bid = (int64_t)x.mid - 10;
		x.ask = x.bid + 20;
		watch_sample(w, 0, T0 + sec * NS, &x);
	}
	assert_int_equal(changed_since(&g, "spread", WATCH_CLEARED, t2), 1);
	assert_int_equal(changed_since(&g, "spread", WATCH_RAISED, t2), 1);
	watch_free(w);
}

static void
watch_vol_fires(void **state)
{
	run_shape(S_VOL, "vol", "volatility");
}

static void
watch_volume_fires(void **state)
{
	run_shape(S_VOLUME, "volume", "volume");
}

static void
watch_flow_fires(void **state)
{
	run_shape(S_FLOW, "flow", "aggressive buying");
}

static void
watch_news_raises_info_and_clears(void **state)
{
	struct got g;
	struct watch *w = new_watch(&g, NULL);
	const struct watch_alert *a, *c;
	uint64_t s = 3;
	int64_t sec = 0;

	assert_int_equal(watch_news(w, 0, T0 + 600 * NS, 120, "headline"), 0);
	feed_quiet(w, &sec, 1200, 10000, &s);
	a = find(&g, "news", WATCH_RAISED);
	c = find(&g, "news", WATCH_CLEARED);
	assert_non_null(a);
	assert_non_null(c);
	assert_int_equal(a->level, WATCH_INFO);
	assert_int_equal(a->t, T0 + 600 * NS);
	assert_non_null(strstr(a->text, "\"headline\""));
	assert_int_equal(c->t, T0 + 720 * NS);
	assert_int_equal(c->id, a->id);
	/* News is not a market data alert: the measurement leaves it out. */
	assert_int_equal(watch_raised(w, 1), 0);
	watch_free(w);
}

/* A spread blip shorter than confirm_s raises nothing. */
static void
watch_blip_is_not_confirmed(void **state)
{
	struct got g;
	struct watch *w = new_watch(&g, NULL);
	struct watch_sample x;
	uint64_t s = 5;
	int64_t sec = 0;

	feed_quiet(w, &sec, 1800, 10000, &s);
	/* Two seconds of a wide depthless book, back before confirmation. */
	for (int i = 0; i < 2; i++, sec++) {
		quiet(&x, 10000, &s);
		x.bid5 = 0;
		x.ask5 = 0;
		watch_sample(w, 0, T0 + sec * NS, &x);
	}
	feed_quiet(w, &sec, 600, 10000, &s);
	assert_int_equal(g.n, 0);
	watch_free(w);
}

/* Depth at 15% is WARN; lasting escalate_s it is CRIT (lasting); a new
 * alert at 15% falling to 5% escalates at once (worse); back to normal it
 * clears after clear_s, and says so. */
static void
watch_escalates_and_clears(void **state)
{
	struct watch_config c;
	struct got g;
	struct watch *w;
	struct watch_sample x;
	const struct watch_alert *r, *e, *cl;
	uint64_t s = 11;
	int64_t sec = 0, back;

	watch_config_default(&c);
	c.escalate_s = 120;
	c.clear_s = 30;
	w = new_watch(&g, &c);
	feed_quiet(w, &sec, 1800, 10000, &s);
	for (int i = 0; i < 200; i++, sec++) {
		quiet(&x, 10000, &s);
		x.bid5 = 450;
		watch_sample(w, 0, T0 + sec * NS, &x);
	}
	r = find(&g, "depth", WATCH_RAISED);
	e = find(&g, "depth", WATCH_ESCALATED);
	assert_non_null(r);
	assert_non_null(e);
	assert_int_equal(r->level, WATCH_WARN);
	assert_int_equal(e->level, WATCH_CRIT);
	assert_int_equal(e->id, r->id);
	assert_int_equal(e->t - r->t, 120 * NS);
	assert_non_null(strstr(e->text, "(lasting 2m00s)"));
	back = sec;
	feed_quiet(w, &sec, 400, 10000, &s);
	cl = find(&g, "depth", WATCH_CLEARED);
	assert_non_null(cl);
	assert_int_equal(cl->id, r->id);
	assert_int_equal(cl->level, WATCH_INFO);
	assert_non_null(strstr(cl->text, "cleared after"));
	assert_non_null(strstr(cl->text, "was CRIT"));
	assert_true(cl->t - (T0 + back * NS) >= 30 * NS);
	assert_true(cl->t - (T0 + back * NS) <= 60 * NS);
	assert_int_equal(watch_active(w), 0);

	/* Worse at once: WARN, then CRIT within seconds. */
	g.n = 0;
	for (int i = 0; i < 40; i++, sec++) {
		quiet(&x, 10000, &s);
		x.bid5 = i < 20 ? 450 : 100;
		watch_sample(w, 0, T0 + sec * NS, &x);
	}
	r = find(&g, "depth", WATCH_RAISED);
	e = find(&g, "depth", WATCH_ESCALATED);
	assert_non_null(r);
	assert_non_null(e);
	assert_int_equal(r->level, WATCH_WARN);
	assert_int_equal(e->level, WATCH_CRIT);
	assert_true(e->t - r->t < 20 * NS);
	assert_non_null(strstr(e->text, "(worse)"));
	watch_free(w);
}

static void
watch_block_cost_behind_ahead(void **state)
{
	struct got g;
	struct watch *w = new_watch(&g, NULL);
	struct watch_blockinfo b;
	const struct watch_alert *a;
	int64_t t = T0;

	memset(&b, 0, sizeof b);
	b.id = 7;
	b.active = 1;
	b.qty = 100000;
	/* On schedule, cheap: nothing. */
	for (int i = 0; i < 60; i++, t += NS) {
		b.sched = b.filled = 1000 * i;
		b.cost_bps = 2;
		b.cost_limit = 10;
		watch_block(w, t, &b);
	}
	assert_int_equal(g.n, 0);
	/* 12 bps against a 10 bps limit: WARN; 16 bps: CRIT (1.5x). */
	for (int i = 0; i < 10; i++, t += NS) {
		b.cost_bps = i < 5 ? 12 : 16;
		watch_block(w, t, &b);
	}
	a = find(&g, "cost", WATCH_RAISED);
	assert_non_null(a);
	assert_int_equal(a->block, 7);
	assert_int_equal(a->level, WATCH_WARN);
	assert_non_null(strstr(a->text, "12.0 bps"));
	assert_non_null(strstr(a->text, "limit of 10.0 bps"));
	assert_non_null(find(&g, "cost", WATCH_ESCALATED));
	/* 8% behind: WARN with how much and for how long. */
	g.n = 0;
	b.cost_bps = 2;
	for (int i = 0; i < 10; i++, t += NS) {
		b.sched = 60000;
		b.filled = 52000;
		watch_block(w, t, &b);
	}
	a = find(&g, "behind", WATCH_RAISED);
	assert_non_null(a);
	assert_int_equal(a->level, WATCH_WARN);
	assert_non_null(strstr(a->text, "behind schedule by 8000 shares "
	    "(8.0% of the block) for 3 s"));
	/* 12% ahead: CRIT at once. */
	g.n = 0;
	for (int i = 0; i < 100; i++, t += NS) {
		b.sched = 60000;
		b.filled = 72000;
		watch_block(w, t, &b);
	}
	assert_non_null(find(&g, "behind", WATCH_CLEARED));
	a = find(&g, "ahead", WATCH_RAISED);
	assert_non_null(a);
	assert_int_equal(a->level, WATCH_CRIT);
	/* The block finishes: what stands clears. */
	g.n = 0;
	b.active = 0;
	watch_block(w, t, &b);
	a = find(&g, "ahead", WATCH_CLEARED);
	assert_non_null(a);
	assert_non_null(strstr(a->text, "block 7 finished"));
	assert_int_equal(watch_active(w), 0);
	assert_int_equal(watch_raised(w, 0), 3);
	watch_free(w);
}

/* A block 8% behind (WARN) or 12% behind (CRIT) for n seconds from *t. */
static void
feed_behind(struct watch *w, struct watch_blockinfo *b, int64_t *t, int n,
            int64_t behind)
{
	for (int i = 0; i < n; i++, *t += NS) {
		b->sched = 60000;
		b->filled = 60000 - behind;
		watch_block(w, *t, b);
	}
}

static struct watch_blockinfo
block3(void)
{
	struct watch_blockinfo b;

	memset(&b, 0, sizeof b);
	b.id = 3;
	b.active = 1;
	b.qty = 100000;
	return b;
}

static void
watch_block_end_clears_saying_how(void **state)
{
	struct got g;
	struct watch *w = new_watch(&g, NULL);
	struct watch_blockinfo b = block3();
	const struct watch_alert *a;
	int64_t t = T0;

	feed_behind(w, &b, &t, 30, 12000);
	a = find(&g, "behind", WATCH_RAISED);
	assert_non_null(a);
	assert_int_equal(a->level, WATCH_CRIT);
	/* The window ends with 52% filled: the CRIT clears, naming how the
	 * block ended, and nothing stands. */
	g.n = 0;
	b.active = 0;
	b.state = "EXPIRED";
	b.filled = 52000;
	watch_block(w, t, &b);
	a = find(&g, "behind", WATCH_CLEARED);
	assert_non_null(a);
	assert_non_null(strstr(a->text, "(was CRIT): block 3 ended EXPIRED "
	    "52%"));
	assert_int_equal(watch_active(w), 0);
	watch_free(w);
}

static void
watch_stopped_block_raises_nothing_new(void **state)
{
	struct got g;
	struct watch *w = new_watch(&g, NULL);
	struct watch_blockinfo b = block3();
	int64_t t = T0;

	/* Paused (or halted, or past its window) and falling behind: the
	 * person who stopped it knows; nothing is raised. */
	b.stopped = 1;
	feed_behind(w, &b, &t, 600, 12000);
	for (int i = 0; i < g.n; i++)
		fprintf(stderr, "unexpected: %s %s\n", g.a[i].kind, g.a[i].text);
	assert_int_equal(g.n, 0);
	/* Working again: a WARN is raised as usual... */
	b.stopped = 0;
	feed_behind(w, &b, &t, 10, 8000);
	assert_non_null(find(&g, "behind", WATCH_RAISED));
	/* ...and stopped again, worse and for longer than escalate_s, it
	 * holds at WARN: neither worse numbers nor lasting escalate it. */
	g.n = 0;
	b.stopped = 1;
	feed_behind(w, &b, &t, 900, 12000);
	for (int i = 0; i < g.n; i++)
		fprintf(stderr, "unexpected: %s %s\n", g.a[i].kind, g.a[i].text);
	assert_int_equal(g.n, 0);
	assert_int_equal(watch_active(w), 1);
	/* Resumed, the lasting clock starts again: no CRIT at once. */
	b.stopped = 0;
	feed_behind(w, &b, &t, 60, 8000);
	assert_null(find(&g, "behind", WATCH_ESCALATED));
	watch_free(w);
}

static void
watch_throttled_behind_says_so(void **state)
{
	struct got g;
	struct watch *w = new_watch(&g, NULL);
	struct watch_blockinfo b = block3();
	const struct watch_alert *a;
	int64_t t = T0;

	b.cap_binds = 1;
	b.cap_pct = 12;
	b.cap_set = T0 + 10 * 60 * NS;
	/* 8% behind for twice escalate_s: a WARN that says whose cap holds
	 * the block back, and stays a WARN. */
	feed_behind(w, &b, &t, 600, 8000);
	a = find(&g, "behind", WATCH_RAISED);
	assert_non_null(a);
	assert_int_equal(a->level, WATCH_WARN);
	assert_non_null(strstr(a->text, "behind schedule by 8000 shares"));
	assert_non_null(strstr(a->text, "while throttled to 12% by a person's "
	    "cap"));
	assert_string_equal(a->action, "the cap set at 09:10 binds; raise it "
	    "or accept the shortfall");
	assert_null(find(&g, "behind", WATCH_ESCALATED));
	/* Worse numbers still escalate it. */
	feed_behind(w, &b, &t, 5, 12000);
	a = find(&g, "behind", WATCH_ESCALATED);
	assert_non_null(a);
	assert_int_equal(a->level, WATCH_CRIT);
	assert_null(strstr(a->text, "lasting"));
	watch_free(w);
}

static void
watch_config_names_key_and_value(void **state)
{
	struct watch_config c;
	char err[512];

	watch_config_default(&c);
	assert_int_equal(watch_config_check(&c, err, sizeof err), 0);
	assert_int_equal(watch_config_set(&c, "move_warn", 5, err, sizeof err),
	    0);
	assert_true(c.move_warn == 5);
	assert_int_equal(watch_config_set(&c, "mov_warn", 5, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "alerts.mov_warn: unknown"));
	assert_non_null(strstr(err, "move_warn"));
	assert_int_equal(watch_config_set(&c, "depth_warn", 2, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "alerts.depth_warn 2: must be in [0, 1]"));
	assert_true(c.depth_warn == 0.2);
	c.spread_crit = 2;
	assert_int_equal(watch_config_check(&c, err, sizeof err), -1);
	assert_non_null(strstr(err, "alerts.spread_crit 2: must be at least "
	    "alerts.spread_warn 2.5"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(watch_quiet_market_raises_nothing),
		cmocka_unit_test(watch_move_fires),
		cmocka_unit_test(watch_spread_fires),
		cmocka_unit_test(watch_depth_fires),
		cmocka_unit_test(watch_a_second_stress_after_a_first_is_told),
		cmocka_unit_test(watch_vol_fires),
		cmocka_unit_test(watch_volume_fires),
		cmocka_unit_test(watch_flow_fires),
		cmocka_unit_test(watch_news_raises_info_and_clears),
		cmocka_unit_test(watch_blip_is_not_confirmed),
		cmocka_unit_test(watch_escalates_and_clears),
		cmocka_unit_test(watch_block_cost_behind_ahead),
		cmocka_unit_test(watch_block_end_clears_saying_how),
		cmocka_unit_test(watch_stopped_block_raises_nothing_new),
		cmocka_unit_test(watch_throttled_behind_says_so),
		cmocka_unit_test(watch_config_names_key_and_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
