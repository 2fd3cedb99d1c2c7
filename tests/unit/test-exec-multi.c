/*
 * tests/unit/test-exec-multi.c -- several parent orders on several symbols
 * at once: one market per symbol, each block in its own.
 *
 * What must hold: a block on one symbol never touches another symbol's
 * book (its market runs exactly as it would with nobody trading in it);
 * the children of each block add up to that block exactly, and every fill
 * names its symbol; the same seed gives the same two-symbol session, event
 * for event; a one-symbol session is the session it always was (a fixed
 * figure, measured before markets became plural); and a scenario or an
 * order naming a symbol no market trades is refused, saying which.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/exec/exec.h"
#include "engine/exec/scenario.h"

#define NS 1000000000LL

/* The calm scenario, seed 1, its TWAP block to the end of its window, as
 * measured at commit 0ed101a (one market per engine, before this file). */
#define CALM_CASH 5002435400LL
#define CALM_CHILDREN 220
#define CALM_VOLUME 1217000LL
#define CALM_MSGS 78557ULL

static void
use_builtin_scenarios(void)
{
	setenv("TRANCHE_SCENARIO_DIR", TRANCHE_SOURCE_DIR "/engine/scenarios", 1);
}

/* Everything a session said: a running hash of every event, and per block
 * the shares its fills add up to and whether each fill named its symbol. */
struct rec {
	uint64_t hash;
	int64_t events;
	int64_t fill_qty[8];
	int wrong_sym;
	char block_sym[8][16];
	char child_ids[4096][24];
	int nchild_ids;
	int dup_child_id;
};

static uint64_t
fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
rec_emit(void *arg, const char *topic, cJSON *o)
{
	struct rec *r = arg;
	char *txt = cJSON_PrintUnformatted(o);
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "block");
	const cJSON *sym = cJSON_GetObjectItemCaseSensitive(o, "sym");
	int k = cJSON_IsString(b) ? atoi(b->valuestring) : -1;

	r->hash = fnv(fnv(r->hash ? r->hash : 1469598103934665603ULL, topic),
	    txt);
	r->events++;
	cJSON_free(txt);
	if (strcmp(topic, "fill") == 0 && k > 0 && k < 8) {
		r->fill_qty[k] += (int64_t)cJSON_GetObjectItemCaseSensitive(o,
		    "qty")->valuedouble;
		if (!cJSON_IsString(sym) || strcmp(sym->valuestring,
		    r->block_sym[k]) != 0)
			r->wrong_sym++;
	}
	if (strcmp(topic, "child") == 0 && cJSON_GetObjectItemCaseSensitive(o,
	    "reason") != NULL && r->nchild_ids < 4096) {
		const char *id = cJSON_GetObjectItemCaseSensitive(o,
		    "id")->valuestring;
		const char *status = cJSON_GetObjectItemCaseSensitive(o,
		    "status")->valuestring;

		if (strcmp(status, "cancelled") == 0)
			return;
		for (int i = 0; i < r->nchild_ids; i++)
			if (strcmp(r->child_ids[i], id) == 0)
				r->dup_child_id++;
		snprintf(r->child_ids[r->nchild_ids++], 24, "%s", id);
	}
}

/* The session of a scenario, with only the orders in mask (bit i: order
 * i), run to the end of its last window. */
static struct exec *
run(const struct scenario *sc, uint64_t seed, unsigned mask, struct rec *r)
{
	struct exec_emit em = { rec_emit, r };
	struct exec *x;
	char err[256];
	int64_t last = 0;

	assert_int_equal(scenario_exec_new(sc, seed, 0, r ? &em : NULL, &x, err,
	    sizeof err), 0);
	for (int i = 0; i < sc->norders; i++) {
		uint32_t id;

		if (!(mask & (1u << i)))
			continue;
		assert_int_equal(exec_submit(x, &sc->orders[i], &id, err,
		    sizeof err), 0);
		if (r != NULL && id < 8)
			snprintf(r->block_sym[id], 16, "%s", sc->orders[i].sym);
		if (sc->orders[i].end > last)
			last = sc->orders[i].end;
	}
	exec_tick(x, last > 0 ? last : sc->open + 3600 * NS);
	return x;
}

/* What a market did, to compare two runs of it. */
struct mstate {
	int64_t now, volume, our_volume, last_px, flow, bid, ask;
	uint64_t msgs;
};

static void
mstate_of(const struct market *m, struct mstate *s)
{
	int64_t q;

	memset(s, 0, sizeof *s);
	s->now = m->now;
	s->volume = m->volume;
	s->our_volume = m->our_volume;
	s->last_px = m->last_px;
	s->flow = m->flow;
	s->msgs = m->msgs;
	book_best(m->book, BOOK_BID, &s->bid, &q);
	book_best(m->book, BOOK_ASK, &s->ask, &q);
}

static void
program_loads_two_markets(void **state)
{
	struct scenario sc;
	char err[512];

	use_builtin_scenarios();
	assert_int_equal(scenario_load(&sc, "program", NULL, 0, err,
	    sizeof err), 0);
	assert_int_equal(sc.nmarkets, 2);
	assert_string_equal(sc.markets[0].sym, "QDI");
	assert_string_equal(sc.markets[1].sym, "XYZ");
	assert_int_equal(sc.markets[1].px0, 5000);
	assert_int_equal(sc.norders, 2);
	assert_string_equal(sc.orders[0].sym, "QDI");
	assert_int_equal(sc.orders[0].side, BOOK_ASK);
	assert_string_equal(sc.orders[1].sym, "XYZ");
	assert_int_equal(sc.orders[1].side, BOOK_BID);
	/* Each market has its own profile, and each order's VWAP profile is
	 * resampled from its own market's. */
	assert_true(sc.markets[0].profile[0] != sc.markets[1].profile[0]);
	assert_true(sc.orders[0].profile[0] != sc.orders[1].profile[0]);
	/* Each market is open for the scenario's session. */
	assert_true(sc.markets[1].open == sc.open);
	assert_true(sc.markets[1].close == sc.close);
	scenario_free(&sc);
}

static void
market_seeds_are_derived_and_distinct(void **state)
{
	/* Market 0 has the session's seed itself: one-market sessions are
	 * what they always were. */
	assert_true(scenario_market_seed(42, 0) == 42);
	assert_true(scenario_market_seed(42, 1) != 42);
	assert_true(scenario_market_seed(42, 1) != scenario_market_seed(42, 2));
	assert_true(scenario_market_seed(42, 1) != scenario_market_seed(43, 1));
	assert_true(scenario_market_seed(42, 1) == scenario_market_seed(42, 1));
}

/*
 * A block on QDI alone: XYZ's market runs exactly as it does with no
 * blocks at all (and vice versa), and nothing of ours ever trades in it.
 */
static void
a_block_never_touches_the_other_book(void **state)
{
	struct scenario sc;
	struct exec *none, *q_only, *x_only;
	struct mstate a, b;
	char err[512];

	use_builtin_scenarios();
	assert_int_equal(scenario_load(&sc, "program", NULL, 0, err,
	    sizeof err), 0);
	none = run(&sc, 5, 0, NULL);
	/* No orders: run() ticks to open + 1 h; take both to the window's end
	 * so all three runs compare at the same time. */
	exec_tick(none, sc.orders[0].end);
	q_only = run(&sc, 5, 1u << 0, NULL);
	x_only = run(&sc, 5, 1u << 1, NULL);

	/* XYZ untouched by the QDI block. */
	mstate_of(exec_market_sym(none, "XYZ"), &a);
	mstate_of(exec_market_sym(q_only, "XYZ"), &b);
	assert_memory_equal(&a, &b, sizeof a);
	assert_int_equal(b.our_volume, 0);
	/* QDI untouched by the XYZ block. */
	mstate_of(exec_market_sym(none, "QDI"), &a);
	mstate_of(exec_market_sym(x_only, "QDI"), &b);
	assert_memory_equal(&a, &b, sizeof a);
	assert_int_equal(b.our_volume, 0);
	/* And the blocks did trade where they were sent. */
	assert_int_equal(exec_market_sym(q_only, "QDI")->our_volume,
	    sc.orders[0].qty);
	assert_int_equal(exec_market_sym(x_only, "XYZ")->our_volume,
	    sc.orders[1].qty);
	assert_true(exec_get(q_only, 0)->m == exec_market_sym(q_only, "QDI"));
	assert_true(exec_get(x_only, 0)->m == exec_market_sym(x_only, "XYZ"));
	/* The two markets are not one market twice. */
	mstate_of(exec_market_sym(none, "QDI"), &a);
	mstate_of(exec_market_sym(none, "XYZ"), &b);
	assert_true(a.volume != b.volume);
	scenario_exec_free(none);
	scenario_exec_free(q_only);
	scenario_exec_free(x_only);
	scenario_free(&sc);
}

static void
children_sum_exactly_to_each_parent(void **state)
{
	struct scenario sc;
	struct exec *x;
	struct rec *r = calloc(1, sizeof *r);
	char err[512];

	use_builtin_scenarios();
	/* Odd quantities: the last child of each must carry the odd lot. */
	const char *sets[] = { "orders.0.qty=300037", "orders.1.qty=399911" };
	assert_int_equal(scenario_load(&sc, "program", sets, 2, err,
	    sizeof err), 0);
	x = run(&sc, 11, 3, r);
	assert_int_equal(exec_count(x), 2);
	for (size_t i = 0; i < 2; i++) {
		struct parent *p = exec_get(x, i);
		int64_t kids = 0;

		for (size_t c = 0; c < p->nchildren; c++)
			kids += p->children[c].filled;
		assert_int_equal(p->state, PARENT_DONE);
		assert_int_equal(p->filled, p->spec.qty);
		assert_int_equal(kids, p->spec.qty);
		assert_int_equal(r->fill_qty[p->id], p->spec.qty);
		/* What the block traded is what its market saw of ours. */
		assert_int_equal(p->m->our_volume, p->spec.qty);
	}
	assert_int_equal(r->wrong_sym, 0);
	/* Child ids are unique across the two symbols. */
	assert_true(r->nchild_ids > 100);
	assert_int_equal(r->dup_child_id, 0);
	scenario_exec_free(x);
	scenario_free(&sc);
	free(r);
}

static void
same_seed_same_two_symbol_session(void **state)
{
	struct scenario sc;
	struct rec *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b),
	    *c = calloc(1, sizeof *c);
	struct exec *x;
	char err[512];

	use_builtin_scenarios();
	assert_int_equal(scenario_load(&sc, "program", NULL, 0, err,
	    sizeof err), 0);
	scenario_exec_free(run(&sc, 9, 3, a));
	scenario_exec_free(run(&sc, 9, 3, b));
	x = run(&sc, 10, 3, c);
	assert_true(a->events > 1000);
	assert_int_equal(a->events, b->events);
	assert_true(a->hash == b->hash);
	assert_true(a->hash != c->hash);
	scenario_exec_free(x);
	scenario_free(&sc);
	free(a);
	free(b);
	free(c);
}

/*
 * The calm scenario's TWAP block with seed 1, run flat out through the
 * one-market API: these figures were measured before the engine traded
 * several markets, and must not move (the crash test, the TCA figures and
 * the learned model all rest on one-symbol sessions staying the same).
 */
static void
one_symbol_session_is_unchanged(void **state)
{
	struct scenario sc;
	struct market *m;
	struct exec *x;
	struct parent *p;
	char err[512];

	use_builtin_scenarios();
	assert_int_equal(scenario_load(&sc, "calm", NULL, 0, err, sizeof err), 0);
	assert_int_equal(sc.nmarkets, 1);
	assert_int_equal(scenario_market_new(&sc, 1, &m), 0);
	assert_int_equal(exec_new(&x, m, NULL), 0);
	assert_int_equal(exec_submit(x, &sc.orders[0], NULL, err, sizeof err), 0);
	exec_tick(x, sc.orders[0].end);
	p = exec_get(x, 0);
	printf("calm seed 1: filled %lld cash %lld children %zu volume %lld "
	    "msgs %llu last %lld\n", (long long)p->filled, (long long)p->cash,
	    p->nchildren, (long long)m->volume, (unsigned long long)m->msgs,
	    (long long)m->last_px);
	assert_int_equal(p->filled, 500000);
	assert_int_equal(p->cash, CALM_CASH);
	assert_int_equal(p->nchildren, CALM_CHILDREN);
	assert_int_equal(m->volume, CALM_VOLUME);
	assert_int_equal(m->msgs, CALM_MSGS);
	exec_free(x);
	market_free(m);
	scenario_free(&sc);
}

/* Scenario errors name the field and the value. */
static void
scenario_errors_name_field_and_value(void **state)
{
	struct scenario sc;
	char err[512];
	struct {
		const char *set, *want;
	} cases[] = {
		{ "markets.1.sigam=2", "markets.1.sigam: unknown key" },
		{ "orders.1.sym=ABC", "orders.1.sym \"ABC\": no market trades it "
		    "(markets: QDI, XYZ)" },
		{ "markets.1.sym=QDI", "markets.1.sym \"QDI\": markets.0 trades it "
		    "already" },
		{ "markets.1.tick=0.05", "markets.1.tick 0.05: every market of a "
		    "scenario has the tick of markets.0 (0.01)" },
		{ "market={\"sigma\":2}", "market: not with \"markets\"" },
		{ "profile=[1,2]", "profile: not with \"markets\"" },
		{ "markets.1.profile.0=-1", "markets.1.profile.0 -1: must be a "
		    "number" },
		{ "markets.1.events=[{\"dur_s\":5}]", "markets.1.events.0.at: "
		    "missing" },
		{ "markets=[]", "markets: must be an array of 1..8" },
		/* The desk's bounds on a block bind the scenario's orders. */
		{ "limits.block_shares=350000", "orders.1.qty 400000: over "
		    "limits.block_shares 350000" },
		{ "limits.block_shares=0", "limits.block_shares" },
		{ "limits.block_notional=-5", "limits.block_notional" },
		{ "limits.blok_shares=5", "limits.blok_shares: unknown key" },
		{ "limits.symbol_pov=0", "limits.symbol_pov 0: must be a number "
		    "in [0.01, 100]" },
		{ "limits.symbol_pov=120", "limits.symbol_pov 120" },
		{ "limits.symbol_pov_s=0.5", "limits.symbol_pov_s 0.5" },
		/* An index is digits within the array (4294967296 wrapped to
		 * 0), and no part of a path is empty. */
		{ "orders.4294967296.qty=100", "\"4294967296\" is not an index "
		    "of the array (0 to " },
		{ "orders.+0.qty=100", "\"+0\" is not an index" },
		{ "markets..sigma=2", "the path \"markets..sigma\" has an empty "
		    "part" },
		{ "orders.0.start=+9:+9:+9", "orders.0.start \"+9:+9:+9\": must "
		    "be a time" },
		/* The value, not only the field. */
		{ "orders.0.side=Sell", "orders.0.side \"Sell\": must be" },
		{ "limits.symbol_pov=1e999", "limits.symbol_pov (beyond a "
		    "double's range): must be a number" },
		/* A JSON value is held to what files are. */
		{ "limits={\"symbol_pov\":10,\"symbol_pov\":50}",
		    "\"symbol_pov\" appears twice" },
		{ "orders.0.interval_s=0", "orders.0.interval_s 0: must be" },
		{ "orders.0.start=17:00:00", "orders.0: window 17:00:00 to " },
	};
	const char *good[] = { "markets.1.sigma=2" };

	use_builtin_scenarios();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *set = cases[i].set;

		err[0] = '\0';
		assert_int_equal(scenario_load(&sc, "program", &set, 1, err,
		    sizeof err), -1);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("--set %s: got \"%s\", want \"%s\"", set, err,
			    cases[i].want);
	}
	assert_int_equal(scenario_load(&sc, "program", good, 1, err,
	    sizeof err), 0);
	assert_true(sc.markets[1].sigma == 2.0);
	assert_true(sc.markets[0].sigma != 2.0);
	/* Without a "limits" object, the defaults. */
	assert_int_equal(sc.limits.block_shares, SCENARIO_BLOCK_SHARES);
	assert_true(sc.limits.block_notional == SCENARIO_BLOCK_NOTIONAL);
	assert_true(sc.limits.symbol_pov == 100);
	assert_true(sc.limits.symbol_pov_s == SCENARIO_SYMBOL_POV_S);
	scenario_free(&sc);

	/* One market: an order on another symbol lists the one there is. */
	const char *other[] = { "orders.0.sym=XYZ" };
	assert_int_equal(scenario_load(&sc, "calm", other, 1, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "orders.0.sym \"XYZ\": no market trades it "
	    "(markets: QDI)"));

	/* A market must name its symbol. */
	char path[] = "/tmp/test-exec-multi-XXXXXX.json";
	int fd = mkstemps(path, 5);
	const char *txt = "{\"markets\":[{\"sym\":\"QDI\"},{\"px0\":5000}]}";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, txt, strlen(txt)), (ssize_t)strlen(txt));
	close(fd);
	assert_int_equal(scenario_load(&sc, path, NULL, 0, err, sizeof err), -1);
	unlink(path);
	assert_non_null(strstr(err, "markets.1.sym: missing"));
}

/* exec itself refuses a block on a symbol it does not trade. */
static void
submit_on_an_untraded_symbol_is_refused(void **state)
{
	struct scenario sc;
	struct exec *x;
	struct parent_spec ps;
	char err[512];

	use_builtin_scenarios();
	assert_int_equal(scenario_load(&sc, "program", NULL, 0, err,
	    sizeof err), 0);
	assert_int_equal(scenario_exec_new(&sc, 1, 0, NULL, &x, err, sizeof err),
	    0);
	assert_int_equal(exec_market_count(x), 2);
	assert_string_equal(exec_market(x)->sym, "QDI");
	assert_null(exec_market_sym(x, "ABC"));
	ps = sc.orders[1];
	strcpy(ps.sym, "ABC");
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), -1);
	assert_string_equal(err, "sym \"ABC\": not traded here (symbols: QDI, "
	    "XYZ)");
	assert_int_equal(exec_count(x), 0);
	/* A second market for a symbol already traded is refused. */
	struct market *dup;
	assert_int_equal(scenario_market_new(&sc, 3, &dup), 0);
	assert_int_equal(exec_add_market(x, dup, err, sizeof err), -1);
	assert_non_null(strstr(err, "market QDI: a market trades that symbol "
	    "already"));
	assert_int_equal(exec_market_count(x), 2);
	market_free(dup);
	scenario_exec_free(x);
	scenario_free(&sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(program_loads_two_markets),
		cmocka_unit_test(market_seeds_are_derived_and_distinct),
		cmocka_unit_test(a_block_never_touches_the_other_book),
		cmocka_unit_test(children_sum_exactly_to_each_parent),
		cmocka_unit_test(same_seed_same_two_symbol_session),
		cmocka_unit_test(one_symbol_session_is_unchanged),
		cmocka_unit_test(scenario_errors_name_field_and_value),
		cmocka_unit_test(submit_on_an_untraded_symbol_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
