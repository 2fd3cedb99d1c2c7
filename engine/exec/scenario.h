/*
 * engine/exec/scenario.h -- scenarios: the markets to simulate (one per
 * symbol) and the parent orders to work in them, read from a JSON file
 * (tranche-scenario(5)).  Part of engine/exec/'s API; exec.h has the rest.
 *
 * A scenario has one market (the "market" object) or several ("markets",
 * an array, one symbol each).  Market 0 is started with the session's seed
 * itself, so a one-market scenario is the same session it always was; each
 * further market gets its own seed derived from the session's seed and its
 * index (scenario_market_seed()).
 */
#ifndef TRANCHE_EXEC_SCENARIO_H
#define TRANCHE_EXEC_SCENARIO_H

#include "engine/exec/exec.h"
#include "engine/watch/watch.h"

#define SCENARIO_MAX_ORDERS 16
/* A VWAP profile's weights are relative; a day's volumes in shares fit. */
#define SCENARIO_PROFILE_MAX 1e12
/* The desk's default bounds on one block ("limits"). */
#define SCENARIO_BLOCK_SHARES 5000000LL
#define SCENARIO_BLOCK_NOTIONAL 500e6
#define SCENARIO_OPEN_NOTIONAL 2e9
#define SCENARIO_SYMBOL_POV_S 300
#define SCENARIO_MAX_MARKETS EXEC_MAX_MARKETS

struct scenario {
	char name[64];
	char path[512];
	int64_t open;    /* simulated ns since midnight when trading opens */
	int64_t close;
	int64_t warmup;  /* ns the market runs before open */
	/* One market per symbol; markets[0] is the "market" object of a
	 * one-market scenario.  Every market has the same tick. */
	struct sim_params markets[SCENARIO_MAX_MARKETS];
	int nmarkets;
	struct parent_spec orders[SCENARIO_MAX_ORDERS];
	int norders;
	char source[16];      /* "sim" (default), "ac" or "lobster" */
	struct ac_params ac;  /* the "ac" object, for source "ac" */
	/* The "replay" object, for source "lobster": a recorded day (paths
	 * resolved against the data directory) and the start times its
	 * sessions use: seed k starts the orders at start k-1 of `starts`
	 * evenly spaced from first to last. */
	struct {
		char message[1024], orderbook[1024];
		int starts;
		int64_t first, last;
	} replay;
	unsigned char derived_profile[SCENARIO_MAX_ORDERS];
	/* Order i's "side" was "either": scenario_order() picks it from the
	 * seed (orders[i].side holds sell until then). */
	unsigned char side_seeded[SCENARIO_MAX_ORDERS];
	/* The "alerts" object: the alert detector's thresholds (defaults
	 * where it says nothing). */
	struct watch_config alerts;
	/* The "venues" object: the dark pool and dealers beside every
	 * simulated market (defaults where it says nothing). */
	struct venue_params venues;
	/* The "limits" object: the desk's bounds on one block, whoever sends
	 * it (a trader's submit or amend, a FIX order or replace; refused
	 * with "risk") and the scenario's own orders (refused when it
	 * loads).  block_shares: shares (default 5,000,000); block_notional:
	 * dollars, the shares at the symbol's mid when the block is sent
	 * (default 500,000,000); open_notional: dollars, what every
	 * unfinished block has left to trade, a new or raised one included,
	 * each at its symbol's mid (default 2,000,000,000).  A journal's
	 * recovery re-applies what was accepted under the limits of its own
	 * header.  symbol_pov: percent, the share of each symbol's volume
	 * over the last symbol_pov_s seconds (default 300) that all the
	 * desk's blocks on it may take together, their working children
	 * counted as if filled (default 100: none); checked on every child
	 * (exec_set_desk_pov). */
	struct scenario_limits {
		int64_t block_shares;
		double block_notional;
		double open_notional;
		double symbol_pov;
		double symbol_pov_s;
	} limits;
	char *json;      /* the resolved scenario (after --set), malloc'd */
};

/*
 * Load a scenario by name (looked up as NAME.json in $TRANCHE_SCENARIO_DIR,
 * then the built-in directory) or by path (anything with a '/' or ending in
 * .json), apply "path.key=value" overrides, and check every value.  Unknown
 * keys are errors.  0, or -1 with err naming the file, key and value.
 */
int scenario_load(struct scenario *sc, const char *name, const char **sets,
                  int nsets, char *err, size_t errlen);
/*
 * The same from a scenario already in memory (a journal header's): json is
 * the scenario object, name the name or path it was loaded under (relative
 * CSV paths are relative to where that name is found), where what messages
 * and sc->path call it ("journal J (header)").  What an older engine
 * took is read as it took it: an order's venue set without lit as that
 * set with lit added.  0, or -1 with err.
 */
int scenario_load_json(struct scenario *sc, const cJSON *json,
                       const char *name, const char *where, char *err,
                       size_t errlen);
void scenario_free(struct scenario *sc);

/* The scenario's market source ("source": "sim" or "ac") for its first
 * market, started at open - warmup with the given seed. */
int scenario_market_new(const struct scenario *sc, uint64_t seed,
                        struct market **out);
/* Market i of the scenario, started with scenario_market_seed(seed, i). */
int scenario_market_new_at(const struct scenario *sc, int i, uint64_t seed,
                           struct market **out);
/* The seed market i of a session with this seed starts with: the seed
 * itself for market 0, else an independent one mixed (splitmix64) from the
 * seed and i. */
uint64_t scenario_market_seed(uint64_t seed, int i);
/* Index of the market trading sym; -1 if none does. */
int scenario_market_index(const struct scenario *sc, const char *sym);
/* "QDI, XYZ": the symbols the scenario trades, for messages. */
void scenario_syms(const struct scenario *sc, char *buf, size_t n);

/*
 * The whole session's machinery: every market of the scenario started with
 * its seed (sim_only: the simulator even where "source" says otherwise, as
 * the daemon does) and an exec trading in all of them.  With an emit
 * callback the exec watches for alerts with the scenario's thresholds and
 * its events as news.  The exec owns the
 * markets: scenario_exec_free() frees both.  0, or -1 with err.
 */
int scenario_exec_new(const struct scenario *sc, uint64_t seed, int sim_only,
                      const struct exec_emit *e, struct exec **out,
                      char *err, size_t errlen);
void scenario_exec_free(struct exec *x);

/* Order i as a session with this seed runs it: in a replay the seed picks
 * the start time (the window keeps its length and the VWAP profile follows
 * it); elsewhere exactly orders[i]. */
void scenario_order(const struct scenario *sc, int i, uint64_t seed,
                    struct parent_spec *out);

/* Where recorded data is looked for: $TRANCHE_DATA_DIR, else the project's
 * ../shared/data. */
const char *scenario_data_dir(void);

/* "HH:MM:SS" -> ns since midnight; -1 if malformed. */
int64_t scenario_parse_clock(const char *s);
/* ns since midnight as "HH:MM:SS", "HH:MM:SS.fff" when it has
 * milliseconds, or with up to 9 digits when it has less; into buf;
 * returns buf. */
char *scenario_clock_text(char *buf, size_t n, int64_t t);

#endif
