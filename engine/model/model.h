/*
 * engine/model/model.h -- the learned execution policy: the features it
 * sees, the actions it chooses between, the model file that carries it, and
 * the evolution strategy that trains it.  With nn.h and impact.h (the
 * impact and liquidity model), the whole API of engine/model/.
 *
 * model/ sits below exec/: it never sees a struct parent.  The execution
 * layer fills a struct feat_input with what it knows of a block and passes
 * the market; feat_compute() turns that into normalised features; a
 * struct model maps features to a choice among POLICY_NACTIONS actions and
 * says why.  Training runs sessions through a cost callback the layer above
 * provides (engine/cli/train.c), so model/ needs nothing from exec/.
 * signal.h (fast market signals over the last seconds) is the rest of the
 * folder's API: exec/ feeds it, algorithms and policies read it.
 */
#ifndef TRANCHE_MODEL_H
#define TRANCHE_MODEL_H

#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "engine/market/market.h"
#include "engine/model/impact.h"
#include "engine/model/nn.h"

/*
 * Features.  Each is documented with its normalisation in features.c and in
 * tranched(1); every one is clipped to a few units so no input dominates.
 */
enum feat_id {
	FEAT_INV_LEFT,   /* shares left / quantity, 0..1 */
	FEAT_TIME_LEFT,  /* window left / window, 0..1 */
	FEAT_SCHED_DEV,  /* (filled - base schedule) / slice / 5, +-3 */
	FEAT_SPREAD,     /* spread in ticks / 10, 0..3 */
	FEAT_SPREAD_REL, /* log(spread / its recent average), +-3 */
	FEAT_DEPTH_NEAR, /* log(1 + top-5 depth on our side / slice) / 4 */
	FEAT_DEPTH_FAR,  /* log(1 + top-5 depth on the side we cross into / slice) / 4 */
	FEAT_IMBALANCE,  /* (far - near) / (far + near) of those depths, +-1 */
	FEAT_VOL_SHORT,  /* short realised vol, ticks per decision / 5 */
	FEAT_VOL_LONG,   /* long realised vol, ticks per decision / 5 */
	FEAT_MOVE,       /* move since arrival in vol units, + in our favour */
	FEAT_VOLUME_REL, /* log(interval volume / its long average), +-3 */
	FEAT_QUEUE,      /* shares ahead of our working children / slice / 5 */
	FEAT_WORKING,    /* shares working / slice / 5, 0..3 */
	FEAT_ALERTS,     /* active alerts on the block / 2, 0..1 */
	FEAT_IMPACT_EST, /* log(1 + impact model's bps for the slice) / 2, 0..3 */
	FEAT_COUNT
};

const char *feat_name(int id);
const char *feat_doc(int id);
/* The feature's id, or -1 if this engine does not know it. */
int feat_find(const char *name);

/* What the execution layer knows of one block at a decision. */
struct feat_input {
	int side;              /* BOOK_BID buys, BOOK_ASK sells */
	int64_t qty, filled, working;
	int64_t sched;         /* the base schedule's target now */
	int64_t slice;         /* the base schedule's next slice (>= lot) */
	int64_t t, start, end;
	double arrival;        /* mid at the start, ticks */
	int64_t queue_ahead;   /* shares ahead of our resting children; -1 none */
	int alerts;            /* active alerts on the block */
	/* The impact model (impact.h), loaded once by the caller; NULL: none,
	 * and impact_est is 0. */
	const struct impact_model *impact;
};

/* What the features remember between decisions of one block. */
struct feat_state {
	int n;
	double last_mid, spread_avg, var_short, var_long, vol_avg;
	int64_t last_volume;
};

void feat_state_init(struct feat_state *s);
/* Fill f[FEAT_COUNT] from the market and in; updates s. */
void feat_compute(struct feat_state *s, const struct market *m,
                  const struct feat_input *in, double *f);

/*
 * Actions: how much to trade relative to what the base schedule's tactic
 * would do this interval (a multiplier), and how.  Action a is multiplier
 * a / POLICY_NSTYLE and style a % POLICY_NSTYLE.
 */
enum policy_style {
	POLICY_TACTIC,  /* the block's own tactic (post, cross to catch up) */
	POLICY_PASSIVE, /* post at the touch only */
	POLICY_INSIDE,  /* post one tick inside the spread */
	POLICY_CROSS,   /* cross the spread now */
};
#define POLICY_NMULT 4
#define POLICY_NSTYLE 4
#define POLICY_NACTIONS (POLICY_NMULT * POLICY_NSTYLE)
/* The action the untrained policy prefers: multiplier 1, own tactic. */
#define POLICY_BASE_ACTION (2 * POLICY_NSTYLE + POLICY_TACTIC)

double policy_mult(int action);
int policy_style(int action);
const char *policy_style_name(int style);

/* A model: the network, which features feed it, and its record. */
struct model {
	char name[64];
	struct nn net;
	int nfeat;
	int feat[FEAT_COUNT];  /* network input i is feature feat[i] */
	cJSON *meta;           /* training, seeds, commit, evaluation (owned) */
};

/* A new policy over every known feature: hidden layers of tanh units from
 * seed, the output layer scaled down and biased by prior towards
 * POLICY_BASE_ACTION so that the untrained policy is the base schedule. */
int model_init(struct model *m, const int *hidden, int nhidden, uint64_t seed,
               double prior, char *err, size_t errlen);
void model_free(struct model *m);
int model_copy(struct model *dst, const struct model *src);

/* Save as JSON (tranche-model(5) in tranched(1)); load refuses a file whose
 * features, actions or architecture this engine does not know.  0, or -1
 * with err naming the file and what was wrong. */
int model_save(const struct model *m, const char *path, char *err,
               size_t errlen);
int model_load(struct model *m, const char *path, char *err, size_t errlen);

int model_from_json(struct model *m, const cJSON *o, char *err, size_t errlen);
cJSON *model_to_json(const struct model *m);

/* $TRANCHE_MODEL, else the shipped model. */
const char *model_default_path(void);

#define POLICY_TOP 3
struct policy_choice {
	int action;
	double logit[POLICY_NACTIONS];
	double prob[POLICY_NACTIONS];   /* softmax of the logits */
	int top[POLICY_TOP];            /* features that drove it most */
	double top_w[POLICY_TOP];       /* their gradient x input */
};

/* Choose an action from the full feature vector f[FEAT_COUNT] (argmax of
 * the logits).  With explain, also the probabilities and the features that
 * drove the choice (gradient x input of the chosen logit). */
void model_decide(const struct model *m, const double *f,
                  struct policy_choice *c, int explain);

/*
 * Training: an evolution strategy (Salimans et al. 2017) with antithetic
 * perturbations, centred ranks and Adam on the estimated gradient.  Every
 * candidate of a generation is scored on the same episodes (common random
 * numbers), so ranks compare policies, not luck.  Episodes run in --jobs
 * forked workers.
 */
struct es_opts {
	int generations;
	int pairs;            /* antithetic pairs per generation */
	int episodes;         /* episodes per candidate per generation */
	double sigma;         /* perturbation standard deviation */
	double lr;            /* Adam step */
	int jobs;
	uint64_t seed;
	int validate_every;   /* generations between validations */
	int val_episodes;     /* validation episodes */
	/* Cost of model m on episode ep of generation gen (lower is better);
	 * gen < 0 asks for validation episode ep (never a test seed). */
	double (*cost)(void *arg, const struct model *m, int gen, int ep);
	void *arg;
	FILE *curve;          /* learning curve CSV, may be NULL */
	int progress;         /* progress bar on stderr */
};

struct es_result {
	double best_val;      /* validation cost of the model kept */
	int best_gen;
	double base_val;      /* validation cost of the untrained policy */
	double seconds;
};

/* Train m in place; m ends as the best-validating model seen. */
int es_train(struct model *m, const struct es_opts *o, struct es_result *r,
             char *err, size_t errlen);

/*
 * Dealer selection (dealer.c): which dealers to ask for a quote.  For each
 * dealer a logistic model gives the chance of a competitive quote (one
 * within comp_bps of the best quote of its request and no dearer than
 * accept_bps) from the request and
 * the dealer's history as the requester saw it; a linear model gives the
 * leakage cost of asking it (the lit mid's move against us after the
 * request that asking it adds).  Neither sees a dealer's hidden habits
 * (struct dealer_params): only what came back of earlier requests.
 */
#define DEALER_MAX 8
enum dealer_req_id {
	DEALER_REQ_SIZE,    /* size / the market's daily volume, % / 10 */
	DEALER_REQ_VOL,     /* mid's volatility over 10 minutes, bps / 10 */
	DEALER_REQ_SPREAD,  /* lit spread, bps / 10 */
	DEALER_REQ_TOD,     /* fraction of the block's window gone, 0..1 */
	DEALER_REQ_SIDE,    /* +1 buy, -1 sell */
	DEALER_NREQ
};
enum dealer_hist_id {
	DEALER_H_RESPOND,   /* share of requests it answered */
	DEALER_H_QUOTE,     /* its quotes' cost against the mid, bps / 10 */
	DEALER_H_BEST,      /* share of its quotes that were the best */
	DEALER_H_LOSSMOVE,  /* mid's move against us after requests it lost,
	                       bps / 10 */
	DEALER_H_ASKED,     /* log(1 + times asked) / 3 */
	DEALER_NHIST
};
/* Logistic inputs: bias, request, history, one-hot dealer, and the
 * one-hot times the size (dealers price size differently). */
#define DEALER_NX (1 + DEALER_NREQ + DEALER_NHIST + 2 * DEALER_MAX)

struct dealer_req {
	int side;            /* BOOK_BID buys */
	double size_pct, vol_bps, spread_bps, tod;
};

/* What a requester remembers of each dealer of one market: averages that
 * weight each new request by max(1/n, DEALER_HIST_ALPHA). */
#define DEALER_HIST_ALPHA 0.1
struct dealer_hist {
	int n[DEALER_MAX], nq[DEALER_MAX], nl[DEALER_MAX];
	double respond[DEALER_MAX], quote[DEALER_MAX], best[DEALER_MAX];
	double lossmove[DEALER_MAX];
};

/* One request and what came of it: the training record, journaled as a
 * "dealer_obs" object of the rfq-outcome decision (tranched(1)). */
struct dealer_obs {
	int64_t t, qty;
	struct dealer_req req;
	int ndealers;
	char names[DEALER_MAX][8];
	double h[DEALER_MAX][DEALER_NHIST]; /* history features when asked */
	unsigned asked, quoted;             /* dealer masks */
	double quote_bps[DEALER_MAX];       /* cost against the mid when asked */
	int winner;                         /* -1: none accepted */
	int64_t filled;                     /* shares the winner filled */
	double move_bps;                    /* mid's move against us by move_t */
	int64_t move_t;
};

void dealer_hist_init(struct dealer_hist *h);
void dealer_hist_features(const struct dealer_hist *h, int d, double *f);
/* Learn from a finished request (its asked, quoted, quote_bps, winner,
 * move_bps). */
void dealer_hist_update(struct dealer_hist *h, const struct dealer_obs *o);
/* Inputs x[DEALER_NX] of dealer slot slot (-1: unknown to the model). */
void dealer_inputs(const struct dealer_req *r, const double *hist, int slot,
                   double *x);

struct dealer_model {
	char name[64];
	int ndealers;
	char names[DEALER_MAX][8];
	double comp_bps;    /* "competitive": within this of the best quote */
	double accept_bps;  /* ...and no dearer than this against the mid */
	double gain_bps;    /* what a competitive quote is worth (mean gap
	                       from the best to the second quote) */
	double w[DEALER_NX];
	double leak_b, leak_a[DEALER_MAX], leak_c[DEALER_MAX];
	cJSON *meta;        /* owned */
};

void dealer_model_init(struct dealer_model *m);
void dealer_model_free(struct dealer_model *m);
/* The slot of the dealer called name, or -1. */
int dealer_model_slot(const struct dealer_model *m, const char *name);
/* p(competitive) and leakage estimate (bps) of asking dealer name. */
void dealer_predict(const struct dealer_model *m, const struct dealer_req *r,
                    const double *hist, const char *name, double *p,
                    double *leak);

/* A ranking of the dealers of a market: net = p x gain_bps - leak. */
struct dealer_rank {
	int n;
	int idx[DEALER_MAX];          /* market dealer indices, best first */
	double p[DEALER_MAX], leak[DEALER_MAX], net[DEALER_MAX];
};
/* Rank the dealers in mask avail (names[i], h[i] their history features)
 * and return the mask of the best k (ties by index). */
unsigned dealer_choose(const struct dealer_model *m,
                       const struct dealer_req *r, int ndealers,
                       const char (*names)[8],
                       const double (*h)[DEALER_NHIST], unsigned avail,
                       int k, struct dealer_rank *rk);

struct dealer_train_opts {
	int epochs;
	double lr, leak_lr, l2;
	double comp_bps, accept_bps;
	uint64_t seed;
};
void dealer_train_defaults(struct dealer_train_opts *o);
/* Fit m (its dealers: those the records name, in order of appearance) by
 * SGD in a seeded order: the same records give the same model, bit for
 * bit.  0, or -1 with err. */
int dealer_train(struct dealer_model *m, const struct dealer_obs *v, size_t n,
                 const struct dealer_train_opts *o, char *err, size_t errlen);
/* Log loss of p(competitive) and squared error of the leakage estimate on
 * v, and the same for constant predictions (the mean label, mean move). */
struct dealer_fit {
	size_t n, nasked;
	double logloss, base_logloss, leak_rmse, base_leak_rmse;
};
void dealer_evaluate(const struct dealer_model *m, const struct dealer_obs *v,
                     size_t n, struct dealer_fit *f);

cJSON *dealer_obs_to_json(const struct dealer_obs *o);
/* 0, or -1 with err naming the field. */
int dealer_obs_from_json(struct dealer_obs *o, const cJSON *j, char *err,
                         size_t errlen);
int dealer_model_save(const struct dealer_model *m, const char *path,
                      char *err, size_t errlen);
int dealer_model_load(struct dealer_model *m, const char *path, char *err,
                      size_t errlen);
/* $TRANCHE_DEALER_MODEL, else the shipped engine/models/dealers.json. */
const char *dealer_model_default_path(void);

#endif
