/*
 * tests/bench/bench-book.c -- `tranched bench book`: how many order book
 * operations one core does per second on a realistic mixed stream.
 *
 * The stream is what an exchange feed looks like near the touch: about half
 * the operations are passive limit orders placed at or a few ticks behind
 * the best price (now and then improving it), about a third are cancels of
 * orders picked at random from everything live (the hard case for caches,
 * since old orders are cold), and the rest are marketable orders, IOC
 * limits or market orders, sized to take about one resting order each.  The
 * split between adds and cancels leans gently towards holding the book at a
 * target size (--live), so a long run measures a book in a steady state
 * rather than one that grows or drains.
 *
 * Generating the stream needs to know which orders are live and where the
 * touch is, which depends on the matching itself.  So the generator drives
 * a scratch book of its own, in chunks, and records each operation; the
 * timed book then replays the chunk.  Matching is deterministic, so the
 * replay sees exactly the state the generator saw, every cancel hits a live
 * order, and neither the random number generator nor the bookkeeping is
 * inside the timed region.  Both books are warmed up with the same orders
 * first.  Every run uses the same seed, so runs differ only in the machine.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/market/book.h"
#include "tests/bench/bench.h"

#define BENCH_BOOK_CHUNK (1u << 20)
#define BENCH_BOOK_MID 1000000   /* ticks: $100.0000 at $0.0001 */
#define BENCH_BOOK_OWNERS 64     /* owners of resting orders; takers have none */

enum bench_book_kind {
	BENCH_BOOK_ADD,    /* passive GTC limit */
	BENCH_BOOK_CANCEL,
	BENCH_BOOK_IOC,    /* marketable IOC limit */
	BENCH_BOOK_MARKET,
};

struct bench_book_op {
	uint64_t id;
	int64_t px;
	int32_t qty;
	uint16_t kind;
	uint16_t side;
	uint32_t owner;
};

struct bench_book_cfg {
	long long ops;
	int runs;
	uint64_t seed;
	long live;
	int json;
};

/* The generator's view: its own book, the ids it believes live, the rng. */
struct bench_book_gen {
	uint64_t rng;
	struct book *b;
	uint64_t *ids;
	size_t nids, capids;
	uint64_t next_id;
	int64_t mid;
	long target;
};

/* What the timed book's callback counts. */
struct bench_book_tally {
	long long trades;
	long long shares;
};

static uint64_t
bench_book_rand(struct bench_book_gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t
bench_book_below(struct bench_book_gen *g, uint32_t n)
{
	return (uint32_t)(((bench_book_rand(g) >> 32) * n) >> 32);
}

/*
 * Ticks behind the best price for a passive order: one in eight improves
 * the best by a tick (-1); the rest join it (about 30%) or sit behind it,
 * most within a few ticks, with a tail to forty (40 u^3 for uniform u).
 */
static int64_t
bench_book_offset(struct bench_book_gen *g)
{
	uint64_t u;

	if (bench_book_below(g, 8) == 0)
		return -1;
	u = bench_book_below(g, 1024);
	return (int64_t)((40 * u * u * u) >> 30);
}

static int
bench_book_push_id(struct bench_book_gen *g, uint64_t id)
{
	uint64_t *p;

	if (g->nids == g->capids) {
		g->capids = g->capids ? g->capids * 2 : 4096;
		p = realloc(g->ids, g->capids * sizeof(*p));
		if (p == NULL)
			return -1;
		g->ids = p;
	}
	g->ids[g->nids++] = id;
	return 0;
}

/*
 * A random live id.  Filled orders are not removed from the list when they
 * fill; they are dropped here when picked, and the list is compacted when
 * it holds many more ids than the book has orders.
 */
static int
bench_book_pick_live(struct bench_book_gen *g, uint64_t *id)
{
	size_t i, j, live = book_order_count(g->b);

	if (live == 0)
		return -1;
	if (g->nids > 4 * live + 1024) {
		for (i = j = 0; i < g->nids; i++)
			if (book_order(g->b, g->ids[i], NULL) == BOOK_OK)
				g->ids[j++] = g->ids[i];
		g->nids = j;
	}
	for (;;) {
		i = bench_book_below(g, (uint32_t)g->nids);
		if (book_order(g->b, g->ids[i], NULL) == BOOK_OK) {
			*id = g->ids[i];
			g->ids[i] = g->ids[--g->nids];
			return 0;
		}
		g->ids[i] = g->ids[--g->nids];
	}
}

/* A passive order for side: never crosses, near the touch. */
static void
bench_book_passive(struct bench_book_gen *g, int side, struct bench_book_op *op)
{
	int64_t own, opp, px, off = bench_book_offset(g);
	int have_own, have_opp;

	have_own = book_best(g->b, side, &own, NULL) == BOOK_OK;
	have_opp = book_best(g->b, !side, &opp, NULL) == BOOK_OK;
	if (side == BOOK_BID) {
		px = (have_own ? own : (have_opp ? opp : g->mid)) - off;
		if (!have_own && !have_opp)
			px -= 1;
		if (have_opp && px >= opp)
			px = opp - 1;
	} else {
		px = (have_own ? own : (have_opp ? opp : g->mid)) + off;
		if (!have_own && !have_opp)
			px += 1;
		if (have_opp && px <= opp)
			px = opp + 1;
	}
	if (px < 1)
		px = 1;
	op->kind = BENCH_BOOK_ADD;
	op->side = (uint16_t)side;
	op->px = px;
	op->qty = 1 + (int32_t)bench_book_below(g, 200);
	op->owner = 1 + bench_book_below(g, BENCH_BOOK_OWNERS);
	op->id = g->next_id++;
}

/* Generate one operation and apply it to the generator's book. */
static int
bench_book_gen_one(struct bench_book_gen *g, struct bench_book_op *op)
{
	uint32_t r = bench_book_below(g, 100);
	size_t live = book_order_count(g->b);
	uint32_t split = live > (size_t)g->target ? 48 : 52;
	int side = (int)bench_book_below(g, 2);
	int64_t px;

	if (r >= split && r < 85 && live > 0) {
		op->kind = BENCH_BOOK_CANCEL;
		if (bench_book_pick_live(g, &op->id) != 0)
			return -1;
		book_cancel(g->b, op->id, NULL);
		return 0;
	}
	if (r >= 85) {
		op->side = (uint16_t)side;
		op->qty = 1 + (int32_t)bench_book_below(g, 200);
		op->owner = BOOK_OWNER_NONE;
		op->id = g->next_id++;
		if (bench_book_below(g, 3) == 0) {
			op->kind = BENCH_BOOK_MARKET;
			op->px = 0;
		} else {
			op->kind = BENCH_BOOK_IOC;
			if (book_best(g->b, !side, &px, NULL) != BOOK_OK)
				px = g->mid;
			op->px = side == BOOK_BID ?
			    px + bench_book_below(g, 3) :
			    px - bench_book_below(g, 3);
		}
		book_add(g->b, op->id, side, op->px, op->qty,
		    op->kind == BENCH_BOOK_IOC ? BOOK_IOC : BOOK_MARKET,
		    op->owner, NULL);
		return 0;
	}
	bench_book_passive(g, side, op);
	if (book_add(g->b, op->id, side, op->px, op->qty, BOOK_GTC, op->owner,
	    NULL) != BOOK_OK)
		return -1;
	return bench_book_push_id(g, op->id);
}

static void
bench_book_on_trade(void *arg, const struct book_trade *t)
{
	struct bench_book_tally *tl = arg;

	tl->trades++;
	tl->shares += t->qty;
}

/* The timed loop: replay n operations on b.  Returns the failures. */
static long
bench_book_replay(struct book *b, const struct bench_book_op *ops, size_t n)
{
	static const int tif[] = { BOOK_GTC, 0, BOOK_IOC, BOOK_MARKET };
	long bad = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct bench_book_op *op = &ops[i];

		if (op->kind == BENCH_BOOK_CANCEL)
			bad += book_cancel(b, op->id, NULL) != BOOK_OK;
		else
			bad += book_add(b, op->id, op->side, op->px, op->qty,
			    tif[op->kind], op->owner, NULL) != BOOK_OK;
	}
	return bad;
}

/*
 * One run: warm both books up to the target size, then generate and replay
 * chunk after chunk.  Fills *ns with the time spent replaying.
 */
static int
bench_book_run(const struct bench_book_cfg *cfg, struct bench_book_op *ops,
    long long *ns, struct bench_book_tally *tally, size_t *live_end)
{
	struct bench_book_gen g;
	struct book *timed;
	struct book_cbs cbs = { bench_book_on_trade, NULL, tally };
	long long done = 0, t0;
	long bad = 0;
	size_t n, i;
	int rc = -1;

	memset(&g, 0, sizeof(g));
	memset(tally, 0, sizeof(*tally));
	g.rng = cfg->seed;
	g.mid = BENCH_BOOK_MID;
	g.next_id = 1;
	g.target = cfg->live;
	g.b = book_new();
	timed = book_new();
	if (g.b == NULL || timed == NULL)
		goto out;

	/* Warm up: passive orders on alternate sides until the book holds
	 * the target, applied to both books and not timed. */
	for (i = 0; book_order_count(g.b) < (size_t)cfg->live; i++) {
		bench_book_passive(&g, (int)(i & 1), &ops[0]);
		if (book_add(g.b, ops[0].id, ops[0].side, ops[0].px,
		    ops[0].qty, BOOK_GTC, ops[0].owner, NULL) != BOOK_OK ||
		    book_add(timed, ops[0].id, ops[0].side, ops[0].px,
		    ops[0].qty, BOOK_GTC, ops[0].owner, NULL) != BOOK_OK ||
		    bench_book_push_id(&g, ops[0].id) != 0)
			goto out;
	}

	book_set_cbs(timed, &cbs);
	*ns = 0;
	while (done < cfg->ops) {
		n = BENCH_BOOK_CHUNK;
		if ((long long)n > cfg->ops - done)
			n = (size_t)(cfg->ops - done);
		for (i = 0; i < n; i++)
			if (bench_book_gen_one(&g, &ops[i]) != 0)
				goto out;
		t0 = bench_now_ns();
		bad += bench_book_replay(timed, ops, n);
		*ns += bench_now_ns() - t0;
		done += (long long)n;
	}
	/* The replay must have seen exactly what the generator saw. */
	if (bad != 0 || book_order_count(timed) != book_order_count(g.b)) {
		fprintf(stderr, "bench book: the timed book diverged from the "
		    "generator's (%ld failed operations)\n", bad);
		goto out;
	}
	*live_end = book_order_count(timed);
	rc = 0;
out:
	book_free(g.b);
	book_free(timed);
	free(g.ids);
	return rc;
}

static void
bench_book_usage(FILE *f)
{
	fprintf(f,
	    "usage: tranched bench book [--ops N] [--runs R] [--seed S] "
	    "[--live L] [--json]\n"
	    "\n"
	    "Replays a mixed stream of order book operations (about 50%% "
	    "passive adds near\n"
	    "the touch, 35%% cancels of random live orders, 15%% marketable "
	    "IOC and market\n"
	    "orders) on one core and reports operations per second, the "
	    "median of R runs.\n"
	    "\n"
	    "  --ops N    operations per run, after warm-up (default 10000000)\n"
	    "  --runs R   number of runs, 1 to 1000 (default 5)\n"
	    "  --seed S   seed of the stream, any unsigned 64-bit number "
	    "(default 1)\n"
	    "  --live L   orders the book holds in its steady state, 1 to "
	    "100000000\n"
	    "             (default 10000)\n"
	    "  --json     print one JSON object instead of a table\n"
	    "  --help     print this and exit\n");
}

/* A whole decimal number in [lo, hi], or an error naming the option. */
static int
bench_book_number(const char *opt, const char *val, unsigned long long lo,
    unsigned long long hi, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (val == NULL) {
		fprintf(stderr, "bench book: %s needs a value\n", opt);
		return -1;
	}
	errno = 0;
	v = strtoull(val, &end, 10);
	if (val[0] < '0' || val[0] > '9' || *end != '\0' || errno != 0 ||
	    v < lo || v > hi) {
		fprintf(stderr, "bench book: %s \"%s\": must be a whole number "
		    "from %llu to %llu\n", opt, val, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* 0 to run, 1 after --help, 2 on a bad argument. */
static int
bench_book_parse(int argc, char **argv, struct bench_book_cfg *cfg)
{
	unsigned long long v;
	const char *a, *val;
	int i = 0;

	cfg->ops = 10000000;
	cfg->runs = 5;
	cfg->seed = 1;
	cfg->live = 10000;
	cfg->json = 0;

	/* argv may start with the benchmark's own name; nothing else is
	 * positional. */
	if (argc > 0 && argv[0] != NULL && argv[0][0] != '-')
		i = 1;
	for (; i < argc; i++) {
		a = argv[i];
		val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			bench_book_usage(stdout);
			return 1;
		} else if (strcmp(a, "--json") == 0) {
			cfg->json = 1;
		} else if (strcmp(a, "--ops") == 0) {
			if (bench_book_number(a, val, 1, 1000000000000ULL,
			    &v) != 0)
				return 2;
			cfg->ops = (long long)v;
			i++;
		} else if (strcmp(a, "--runs") == 0) {
			if (bench_book_number(a, val, 1, 1000, &v) != 0)
				return 2;
			cfg->runs = (int)v;
			i++;
		} else if (strcmp(a, "--seed") == 0) {
			if (bench_book_number(a, val, 0, UINT64_MAX, &v) != 0)
				return 2;
			cfg->seed = v;
			i++;
		} else if (strcmp(a, "--live") == 0) {
			if (bench_book_number(a, val, 1, 100000000, &v) != 0)
				return 2;
			cfg->live = (long)v;
			i++;
		} else {
			fprintf(stderr, "bench book: unknown option \"%s\" "
			    "(try --help)\n", a);
			return 2;
		}
	}
	return 0;
}

int
bench_book_main(int argc, char **argv)
{
	struct bench_book_cfg cfg;
	struct bench_book_tally tally;
	struct bench_book_op *ops;
	double *rate, med, lo, hi;
	long long ns;
	size_t live = 0, chunk;
	int rc, r;

	rc = bench_book_parse(argc, argv, &cfg);
	if (rc != 0)
		return rc == 1 ? 0 : 2;

	chunk = cfg.ops < BENCH_BOOK_CHUNK ? (size_t)cfg.ops : BENCH_BOOK_CHUNK;
	ops = malloc(chunk * sizeof(*ops));
	rate = malloc((size_t)cfg.runs * sizeof(*rate));
	if (ops == NULL || rate == NULL) {
		fprintf(stderr, "bench book: out of memory\n");
		free(ops);
		free(rate);
		return 1;
	}
	if (!cfg.json)
		printf("book: %lld operations a run after warm-up, about %ld "
		    "live orders, seed %" PRIu64 "\n", cfg.ops, cfg.live,
		    cfg.seed);
	for (r = 0; r < cfg.runs; r++) {
		if (bench_book_run(&cfg, ops, &ns, &tally, &live) != 0) {
			fprintf(stderr, "bench book: run %d failed\n", r + 1);
			free(ops);
			free(rate);
			return 1;
		}
		rate[r] = (double)cfg.ops / ((double)(ns > 0 ? ns : 1) / 1e9);
		if (!cfg.json)
			printf("  run %d: %8.2f M ops/s  (%.1f ms, %lld trades, "
			    "%zu orders live at the end)\n", r + 1,
			    rate[r] / 1e6, (double)ns / 1e6, tally.trades,
			    live);
	}
	med = bench_median(rate, cfg.runs);
	lo = hi = rate[0];
	for (r = 1; r < cfg.runs; r++) {
		lo = rate[r] < lo ? rate[r] : lo;
		hi = rate[r] > hi ? rate[r] : hi;
	}
	if (cfg.json)
		printf("{\"bench\":\"book\",\"ops\":%lld,\"runs\":%d,"
		    "\"seed\":%" PRIu64 ",\"live\":%ld,"
		    "\"median_ops_per_s\":%.0f,\"min\":%.0f,\"max\":%.0f,"
		    "\"trades\":%lld,\"shares\":%lld}\n", cfg.ops, cfg.runs,
		    cfg.seed, cfg.live, med, lo, hi, tally.trades,
		    tally.shares);
	else
		printf("median %.2f M ops/s (min %.2f, max %.2f), %lld trades "
		    "a run\n", med / 1e6, lo / 1e6, hi / 1e6, tally.trades);
	free(ops);
	free(rate);
	return 0;
}
