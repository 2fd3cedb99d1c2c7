/*
 * engine/model/impact.h -- the impact and liquidity model: from the book and
 * the market's recent activity, the temporary impact in bps of a marketable
 * child of a given size, and the market's volume over the next five
 * minutes.  Part of engine/model/'s API (model.h and nn.h have the rest).
 *
 * Impact is the full cost of an immediate sweep against the mid just
 * before it: side x (average fill price - mid) / mid x 10^4, in bps, + a
 * cost (half spread included).  Volume is the market's printed volume, ours
 * excluded, in the five minutes after the child, as log(1 + shares).
 *
 * The model is a small MLP (nn.h) over IMPACT_NIN inputs, each a fixed
 * transform of the market (impact_context(), documented in impact.c and
 * tranched(1)) standardised by the training set's mean and deviation; its
 * two outputs are the impact beyond the half spread and the log volume,
 * standardised the same way (the half spread, known exactly, is added
 * back).  Beside it the
 * file keeps the square-root law the model is judged against,
 * impact = Y sigma sqrt(Q / V), with Y fitted on the same training set.
 */
#ifndef TRANCHE_MODEL_IMPACT_H
#define TRANCHE_MODEL_IMPACT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "engine/market/market.h"
#include "engine/model/nn.h"

enum impact_in {
	IMPACT_SIZE_TOP,     /* log(Q / shares at the far touch) */
	IMPACT_SIZE_DEPTH5,  /* log(Q / far top-5 depth) */
	IMPACT_SIZE_DEPTH10, /* log(Q / far top-10 depth) */
	IMPACT_SPREAD,       /* log(spread in ticks) */
	IMPACT_IMBALANCE,    /* (far - near) / (far + near) top-5 depth */
	IMPACT_VOL_SHORT,    /* log(0.001 + short vol, ticks per 5 min) */
	IMPACT_VOL_LONG,     /* log(0.001 + long vol, ticks per 5 min) */
	IMPACT_SIZE_VOLUME,  /* log(Q / (1 + recent 5-min volume)) */
	IMPACT_VOLUME_SHORT, /* log(1 + short-horizon rate x 300 s) */
	IMPACT_VOLUME_LONG,  /* log(1 + long-horizon rate x 300 s) */
	IMPACT_TIME,         /* hours since midnight */
	IMPACT_MID,          /* log(mid in ticks) */
	IMPACT_DEPTH5,       /* log(1 + far top-5 depth) */
	IMPACT_HALF_SPREAD,  /* half spread, bps of the mid */
	IMPACT_SQRT_TERM,    /* log(0.01 + sigma sqrt(Q / V)), the law's term */
	IMPACT_NIN
};

/* Seconds in the trading day the square-root law's sigma and V are
 * scaled to (6.5 hours). */
#define IMPACT_DAY_S 23400.0
/* The volume horizon, seconds. */
#define IMPACT_HORIZON_S 300.0

const char *impact_in_name(int i);
const char *impact_in_doc(int i);

/* What the model and the square-root law see of one child. */
struct impact_ctx {
	double x[IMPACT_NIN];  /* raw inputs, before standardisation */
	double qty;
	double mid;            /* ticks */
	double half_spread_bps;
	double sigma_bps;      /* long realised vol scaled to a day, bps of mid */
	double adv;            /* long volume rate x IMPACT_DAY_S, shares */
	double vol5_base;      /* naive forecast: log(1 + short rate x 300 s) */
};

/* The context of a child of qty shares on side (BOOK_BID buys) now.  0, or
 * -1 with err when qty <= 0 or the book is one-sided. */
int impact_context(const struct market *m, int side, int64_t qty,
                   struct impact_ctx *c, char *err, size_t errlen);

struct impact_model {
	char name[64];
	struct nn net;
	double in_mean[IMPACT_NIN], in_sd[IMPACT_NIN];
	double out_mean[2], out_sd[2];
	double sqrt_y;         /* Y of the square-root law */
	double sqrt_y_hs;      /* Y of half spread + the square-root law */
	cJSON *meta;           /* data, seeds, training, evaluation (owned) */
};

struct impact_est {
	double bps;            /* the model's impact, bps */
	double vol5;           /* the model's next-5-minute volume, shares */
	double sqrt_bps;       /* the square-root law's impact, bps */
};

void impact_predict(const struct impact_model *im, const struct impact_ctx *c,
                    struct impact_est *e);
/* Y sigma sqrt(Q / V) for this context (0 when V is unknown). */
double impact_sqrt_law(double y, const struct impact_ctx *c);

/* One observed child: its context and what happened. */
struct impact_sample {
	struct impact_ctx c;
	double y_bps;          /* impact, bps */
	double y_logvol;       /* log(1 + next-5-minute volume) */
};

/* Y minimising sum (y - Y sigma sqrt(Q/V))^2: sum(x y) / sum(x^2); with
 * net_of_spread, of y - half spread (the law on top of the half spread). */
/* Append s to the growable array *v of *n (capacity *cap): 0, or -1 out
 * of memory. */
int impact_sample_push(struct impact_sample **v, size_t *n, size_t *cap,
                       const struct impact_sample *s);

double impact_fit_sqrt(const struct impact_sample *s, size_t n,
                       int net_of_spread);

struct impact_fit_opts {
	int hidden[NN_MAX_LAYERS - 1], nhidden;
	int epochs, batch;
	double lr;
	uint64_t seed;
};

/*
 * Train im on tr (standardisation from tr, MSE on both standardised
 * outputs, Adam on minibatches in a seeded order) and keep the epoch with
 * the lowest loss on val; also fits sqrt_y on tr.  Deterministic for the
 * same samples and options.  0, or -1 with err.
 */
int impact_fit(struct impact_model *im, const struct impact_sample *tr,
               size_t ntr, const struct impact_sample *val, size_t nval,
               const struct impact_fit_opts *o, char *err, size_t errlen);

struct impact_metrics {
	size_t n;
	double mean_bps;
	double mae_model, r2_model;     /* impact: the model */
	double mae_sqrt, r2_sqrt;       /* impact: the square-root law */
	double mae_sqrt_hs, r2_sqrt_hs; /* impact: half spread + the law */
	double mae_vol, r2_vol;         /* log volume: the model */
	double mae_vol_base, r2_vol_base; /* log volume: recent rate x 300 s */
};

void impact_evaluate(const struct impact_model *im,
                     const struct impact_sample *s, size_t n,
                     struct impact_metrics *r);

void impact_free(struct impact_model *im);
cJSON *impact_to_json(const struct impact_model *im);
/* Refuses a file with a missing or wrong field, naming it. */
int impact_from_json(struct impact_model *im, const cJSON *o, char *err,
                     size_t errlen);
int impact_save(const struct impact_model *im, const char *path, char *err,
                size_t errlen);
int impact_load(struct impact_model *im, const char *path, char *err,
                size_t errlen);
/* $TRANCHE_IMPACT_MODEL, else the shipped engine/models/impact.json. */
const char *impact_default_path(void);

#endif
