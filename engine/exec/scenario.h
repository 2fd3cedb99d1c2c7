/*
 * engine/exec/scenario.h -- scenarios: the market to simulate and the
 * parent orders to work in it, read from a JSON file (tranche-scenario(5)).
 * Part of engine/exec/'s API; exec.h has the rest.
 */
#ifndef TRANCHE_EXEC_SCENARIO_H
#define TRANCHE_EXEC_SCENARIO_H

#include "engine/exec/exec.h"

#define SCENARIO_MAX_ORDERS 16

struct scenario {
	char name[64];
	char path[512];
	int64_t open;    /* simulated ns since midnight when trading opens */
	int64_t close;
	int64_t warmup;  /* ns the market runs before open */
	struct sim_params market;
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
void scenario_free(struct scenario *sc);

/* The scenario's market source ("source": "sim" or "ac"), started at
 * open - warmup with the given seed. */
int scenario_market_new(const struct scenario *sc, uint64_t seed,
                        struct market **out);

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

#endif
