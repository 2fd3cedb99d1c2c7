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
 * says why.  Two trainers: the evolution strategy (es.c) scores whole
 * sessions; PPO (ppo.c) learns from a trace of the decisions a sampling
 * policy took.  Training runs sessions through a cost callback the layer above
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
#include "engine/market/rng.h"
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

/*
 * One decision of an episode as a policy gradient needs it: the network's
 * inputs, the action taken, its log-probability under the policy that took
 * it, and the reward that followed (filled in by whoever runs the episode).
 */
struct policy_step {
	double in[FEAT_COUNT];  /* network inputs, in the model's order */
	int action;
	double logp;
	double reward;
};

/* While a model carries a trace, model_decide samples its action from the
 * softmax with rng (instead of taking the argmax) and appends each decision
 * to step[]; oom is set if a step could not be kept. */
struct policy_trace {
	struct rng rng;
	struct policy_step *step;
	int n, cap, oom;
};

/* A model: the network, which features feed it, and its record. */
struct model {
	char name[64];
	struct nn net;
	int nfeat;
	int feat[FEAT_COUNT];  /* network input i is feature feat[i] */
	cJSON *meta;           /* training, seeds, commit, evaluation (owned) */
	struct policy_trace *trace;  /* training only: sample and record */
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
 * Training: proximal policy optimisation (Schulman et al. 2017), ppo.c.
 * Each iteration samples `episodes` episodes from the policy's softmax (in
 * --jobs forked workers, filed by index), estimates advantages by GAE(lambda)
 * with a separate value network, normalises them, and takes `epochs` passes
 * of Adam over shuffled minibatches of the clipped surrogate with an
 * entropy bonus.  The policy kept is the best argmax policy on validation.
 */
struct ppo_opts {
	int iterations;
	int episodes;         /* episodes per iteration */
	int epochs;           /* passes over each iteration's steps */
	int minibatch;        /* steps per gradient step */
	double clip;          /* surrogate clip range epsilon */
	double gamma, lambda; /* discount and GAE lambda */
	double entropy;       /* entropy bonus coefficient */
	double lr, vf_lr;     /* Adam steps of the policy and the value net */
	double max_grad;      /* global gradient norm clip; 0: none */
	int adv_sign;         /* +1; -1 flips the advantages (a test's control) */
	int jobs;
	uint64_t seed;
	int validate_every;   /* iterations between validations */
	int val_episodes;
	/* Run episode ep of iteration it with m, whose trace is set: every
	 * model_decide appends a step, and the callback fills in the rewards.
	 * 0, or -1 if the episode could not run. */
	int (*rollout)(void *arg, const struct model *m, int it, int ep);
	/* Validation cost of the argmax policy m on episode ep (lower is
	 * better), as es_opts.cost with gen < 0. */
	double (*cost)(void *arg, const struct model *m, int gen, int ep);
	void *arg;
	FILE *curve;
	int progress;
};

struct ppo_result {
	double best_val, base_val, seconds;
	int best_iter;
	double last_return;   /* mean episode return of the last iteration */
};

/* Train m in place (the value network is made inside, hidden layers like
 * m's); m ends as the best-validating model seen.  0, or -1 with err. */
int ppo_train(struct model *m, const struct ppo_opts *o, struct ppo_result *r,
              char *err, size_t errlen);

/*
 * The clipped surrogate with entropy bonus, averaged over n steps with
 * advantages adv[]: returns the loss (to minimise) and adds its gradient
 * to grad[m->net.nparams] (may be NULL).  Exposed so the tests can check
 * the gradient against finite differences.
 */
/*
 * Generalised advantage estimation over one episode of n steps with value
 * estimates v[]: adv[t] = sum_k (gamma lambda)^k delta_{t+k}, delta_t =
 * reward_t + gamma v[t+1] - v[t], the value after the last step 0; and
 * ret[t] = adv[t] + v[t], the value network's target.  ret may be v.
 */
void ppo_gae(const struct policy_step *s, const double *v, int n,
             double gamma, double lambda, double *adv, double *ret);

double ppo_policy_loss(const struct model *m, const struct policy_step *s,
                       const double *adv, int n, double clip,
                       double entropy, double *grad);

#endif
