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
 * "Ours" and "+" mean in the block's favour: up for a seller, down for a
 * buyer, so one policy serves both sides.
 */
enum feat_id {
	FEAT_INV_LEFT,   /* shares left / quantity, 0..1 */
	FEAT_TIME_LEFT,  /* window left / window, 0..1 */
	FEAT_SCHED_DEV,  /* (filled - schedule now) / quantity x 10, +-3 */
	FEAT_WORKING,    /* shares working / shares left, 0..1 */
	FEAT_QUEUE,      /* log(1 + shares queued ahead of ours / lot) / 4, 0..3 */
	FEAT_MOVE5,      /* 5-s mid move in sigmas, + ours, / 2, +-3 */
	FEAT_MOVE30,     /* 30-s mid move in sigmas, + ours, / 2, +-3 */
	FEAT_MOVE_ARR,   /* move since arrival in sigmas of the time, + ours, / 2 */
	FEAT_FLOW5,      /* others' signed aggressive flow over 5 s, + ours, +-1 */
	FEAT_FLOW30,     /* ...over 30 s, +-1 */
	FEAT_DEPTH_NEAR, /* log(top-5 depth on our side / its baseline), +-3 */
	FEAT_DEPTH_FAR,  /* log(top-5 depth we would cross into / baseline), +-3 */
	FEAT_SPREAD_REL, /* log(spread / its baseline), +-3 */
	FEAT_NEWS_RECENT,/* exp(-seconds since the last news item / 300), 0..1 */
	FEAT_NEWS_SENT,  /* its sentiment, + ours (good news for a seller), x recency */
	FEAT_SINCE_ACT,  /* seconds since the policy last left its baseline / 600, 0..1 */
	FEAT_PASSIVE,    /* share of the block's fills that were passive, 0..1 (0.5 before any) */
	FEAT_IMPACT_EST, /* log(1 + impact model's bps for the slice) / 2, 0..3 */
	FEAT_COUNT
};

const char *feat_name(int id);
const char *feat_doc(int id);
/* The feature's id, or -1 if this engine does not know it. */
int feat_find(const char *name);

/*
 * What the execution layer knows of one block at a decision: the block,
 * and the fast signals of its market (exec_signals(), engine/model/
 * signal.c) as they are, so that nothing here recomputes them.
 */
struct feat_input {
	int side;              /* BOOK_BID buys, BOOK_ASK sells */
	int64_t qty, filled, working, lot;
	int64_t sched;         /* the schedule's (or plan's) target now */
	int64_t slice;         /* its next slice (>= lot): the impact model's size */
	int64_t t, start, end;
	int64_t queue_ahead;   /* shares ahead of our resting children; -1 none */
	/* exec_signals(); signals 0 when none have been sampled (then every
	 * signal feature is 0). */
	int signals;
	double move5, move30, move_arrival, flow5, flow30;
	double depth_near, depth_far, spread_rel;
	double news_age_s;     /* -1: no news yet */
	double news_sentiment;
	double since_act_s;    /* -1: the policy never left its baseline */
	int64_t passive_filled;/* of filled, shares that rested and were hit */
	/* The impact model (impact.h), loaded once by the caller; NULL: none,
	 * and impact_est is 0. */
	const struct impact_model *impact;
};

/* Fill f[FEAT_COUNT] from the market and in.  Stateless: the same input
 * gives the same features, however often it is asked. */
void feat_compute(const struct market *m, const struct feat_input *in,
                  double *f);

/*
 * Actions: a residual on top of a classical baseline (algo-learned.c:
 * ais-pass, passive in the money).  At each decision the baseline re-plans
 * the remainder with its urgency; an action adds an urgency offset to it
 * (negative slows down: back-loads what is left), or takes AC's own urgency
 * instead (the last urgency index, "ac": the baseline's answer to the
 * price dropped, so that a policy choosing it at every decision trades AC's
 * static curve), puts a lump of the remainder due now, and says how to
 * place: the block's own tactic, passive at the touch, inside the spread,
 * or crossing.  Action a is
 * ((urgency index) x POLICY_NLUMP + lump index) x POLICY_NSTYLE + style;
 * action 0, POLICY_BASE_ACTION, is "the baseline as it is".
 */
enum policy_style {
	POLICY_TACTIC,  /* the block's own tactic (post, cross to catch up) */
	POLICY_PASSIVE, /* post at the touch only */
	POLICY_INSIDE,  /* post one tick inside the spread */
	POLICY_CROSS,   /* cross the spread now */
};
#define POLICY_NURG 5
#define POLICY_NLUMP 3
#define POLICY_NSTYLE 4
#define POLICY_NACTIONS (POLICY_NURG * POLICY_NLUMP * POLICY_NSTYLE)
#define POLICY_BASE_ACTION 0

/* The urgency offset (kappa (T - t) units), the lump (a fraction of what
 * is left) and the style of action a; an action out of range is the base. */
double policy_urgency(int action);
/* 1 when action a's urgency is AC's (the block's kappa over the time left)
 * rather than the baseline's: the offset is then added to AC's. */
int policy_anchor(int action);
double policy_lump(int action);
int policy_style(int action);
const char *policy_style_name(int style);
/* "u+2 lump 10% cross", "base": the action in words. */
void policy_action_name(char *buf, size_t n, int action);

/*
 * A model: the network, which features feed it, and its record.  A model
 * may carry a second head for markets with no book to rest in (the
 * Almgren-Chriss world, where only crossing children fill and nobody else
 * trades): a market whose structure differs that much from a book is
 * better served by a policy fitted to it alone than by one linear fit
 * stretched over both (model version 4).  Both heads read the same
 * features; a model without the second head decides with `net` everywhere.
 */
enum model_head {
	MODEL_HEAD_BOOK,     /* markets with a book (the simulator, LOBSTER) */
	MODEL_HEAD_NO_BOOK,  /* markets with no book to rest in (the AC world) */
};
struct trace;
struct policy_choice;
/*
 * The news confirmation (model version 5, optional): a rule beside the
 * Q-function, its five numbers chosen by the trainer on training sessions
 * (rollout_tune_news).  When the feed's newest item on the block's symbol
 * is between after_lo and after_hi seconds old, its sentiment is against
 * the block, the mid has moved at least move_k sigmas against the block
 * over the last 30 s, and no 5-s move of the item's first 5 s reached
 * priced_k sigmas either way (a price that jumped at the headline has
 * already heard it: hard news), the policy takes `take` of
 * the remainder at once, crossing.  Once per item.
 */
struct news_rule {
	int on;
	double after_lo, after_hi; /* seconds since the item */
	double move_k;             /* 30-s move against the block, sigmas */
	double priced_k;           /* |5-s move| at the item: already priced */
	double take;               /* share of the remainder, (0, 1] */
};

/* {"after_s":[lo,hi],"move30_sigma":k,"priced_sigma":h,"take":f} into
 * *r (on); -1 with err naming the field and its value. */
int news_rule_from_json(struct news_rule *r, const cJSON *o, char *err,
                        size_t errlen);
cJSON *news_rule_to_json(const struct news_rule *r);

/*
 * After hard news (model version 6, optional): a rule beside the
 * Q-function, chosen by the trainer (rollout_tune_hard).  While the feed's
 * newest item on the block's symbol is one the price had already heard
 * when it came -- a 5-s move of the item's first 5 s reached priced_k
 * sigmas either way, measured from the market's samples (an item whose
 * jump is not known does not count) -- the policy takes `action` at every
 * decision instead of the Q-function's choice.  Hard news is in the price
 * within seconds (Chordia, Green & Kottimukkalur 2018): the move since
 * arrival it leaves behind is no trend to answer, and answering it only
 * pays impact.  Book markets only.  An item is hard news only when the
 * news confirmation, if the model has one, would also call it priced, so
 * the two never act on one item.
 */
struct hard_rule {
	int on;
	double priced_k; /* |5-s move| at the item, sigmas */
	int action;      /* 0 .. POLICY_NACTIONS - 1, without a lump */
};

/* {"priced_sigma":h,"action":"name"} into *r (on); -1 with err naming the
 * field and its value. */
int hard_rule_from_json(struct hard_rule *r, const cJSON *o, char *err,
                        size_t errlen);
cJSON *hard_rule_to_json(const struct hard_rule *r);

struct model {
	char name[64];
	struct nn net;
	struct nn no_book;     /* nlayers 0: none, `net` decides there too */
	struct news_rule news; /* .on 0: none */
	struct hard_rule hard; /* .on 0: none */
	int nfeat;
	int feat[FEAT_COUNT];  /* network input i is feature feat[i] */
	cJSON *meta;           /* training, seeds, commit, evaluation (owned) */
	/*
	 * A trainer's hooks; both NULL in a model loaded from a file, and
	 * neither is saved or copied by model_copy().
	 *
	 * choose: pick the action instead of the argmax (a stochastic
	 * policy samples the softmax of c->logit); it sets c->action and
	 * returns the log-probability of that choice.  check is 1 when the
	 * engine asks between decisions whether the policy wants one
	 * (algo-learned.c's wake): choosing POLICY_BASE_ACTION, or the action
	 * already in force, then means "no decision now" and nothing is
	 * traced.  f is the full feature vector.
	 *
	 * trace: where every decision is recorded (trace_add()); NULL none.
	 */
	int (*choose)(void *arg, const struct model *m, const double *f,
	              struct policy_choice *c, int check, double *logp);
	void *choose_arg;
	struct trace *trace;
};

/* A new policy over every known feature but impact_est (which would cost a
 * third of an episode when the policy is asked every second): hidden
 * layers of tanh units from seed, the output layer's weights zero and its
 * bias prior (> 0) on POLICY_BASE_ACTION, so that the untrained policy is
 * its baseline on every input, exactly, and training learns the residual. */
int model_init(struct model *m, const int *hidden, int nhidden, uint64_t seed,
               double prior, char *err, size_t errlen);
void model_free(struct model *m);
/* 1 when the network reads feature id. */
int model_uses(const struct model *m, int id);
int model_copy(struct model *dst, const struct model *src);

/* What decides, as one number: FNV-1a (64 bits) over the features read,
 * both heads' shapes and weights, and the news rule; not the name or the
 * record (meta), so a model whose evaluation was re-run keeps it.  Two
 * models that differ in any of these differ in it (FNV-1a: no defence
 * against a forger, only against a mix-up).  Decisions
 * carry it ("model_digest", 16 hex digits) and a recovered session is
 * held to it. */
uint64_t model_digest(const struct model *m);
/* d as the 16 hex digits decisions and logs show, into buf (room for
 * MODEL_DIGEST_HEX); returns buf. */
#define MODEL_DIGEST_HEX 17
char *model_digest_hex(uint64_t d, char *buf);
/* FNV-1a, 64 bits, over n bytes of p, from h (14695981039346656037 to
 * start): the digests' hash. */
uint64_t model_fnv(uint64_t h, const void *p, size_t n);

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
/* The same with the head for the market the block trades in (enum
 * model_head); a head the model lacks is its `net`. */
void model_decide_head(const struct model *m, int head, const double *f,
                       struct policy_choice *c, int explain);
/* The network that decides in head's markets. */
const struct nn *model_head_net(const struct model *m, int head);
/* Carry src's network as m's head for markets with no book (src's own
 * no-book head when it has one, else its `net`); src must read m's
 * features in m's order.  0, or -1 with err naming the first input that
 * differs.  The trainers train `net` only and refuse a model that carries
 * a no-book head: attach it after training. */
int model_set_no_book(struct model *m, const struct model *src, char *err,
                      size_t errlen);
/* The check alone: 0 when src's head could be carried into m. */
int model_no_book_fits(const struct model *m, const struct model *src,
                       char *err, size_t errlen);
/* 0 when a trainer (who: "es", "ppo", "rollout") may train m; -1 with err
 * when m carries a no-book head, which training would not see. */
int model_trainable(const struct model *m, const char *who, char *err,
                    size_t errlen);
/* log softmax(c->logit)[action]: the action's log-probability under the
 * stochastic policy whose mode the argmax is. */
double model_logp(const struct policy_choice *c, int action);

/*
 * The episode trace: what a trainer needs to assign credit within an
 * episode (engine/model/trace.c).  Every decision a learned block takes
 * while model.trace is set appends one step: the time, the block, the
 * full feature vector the policy saw, the action taken and its
 * log-probability under the policy that chose it (the softmax of the
 * logits for the argmax policy, the sampler's own with model.choose), and
 * where the block stood (filled, cash, mid).  When the episode is over,
 * trace_finish() turns each block's steps into step rewards:
 *
 *   reward_k = -(IS of the fills between decision k and k+1) in bps of
 *              the block's arrival value (qty x arrival mid), positive good;
 *   split as reward_exec (each step's fills against the mid mark_s
 *   seconds after the step ends: spread and impact) plus reward_move (that
 *   later mid against arrival: the market's move on what was done);
 *   the last step also carries the terminal penalty: what is left unfilled
 *   valued at the end mid against arrival (the backtester's valuation),
 *   plus terminal_bps per unit of the unfilled fraction, and every step an
 *   optional risk term: -risk x (shares left / qty)^2 x the step's minutes.
 *
 * With terminal_bps and risk 0 the rewards of a block sum to minus its
 * implementation shortfall in bps (the backtester's is_bps) within
 * rounding: a trainer that maximises the sum minimises the cost.  The
 * layout is stable: fields are only ever added at the end.
 */
struct trace_step {
	int64_t t;                 /* decision time, simulated ns */
	uint32_t block;            /* the block's id */
	int side;                  /* BOOK_BID / BOOK_ASK */
	int action;                /* 0 .. POLICY_NACTIONS - 1 */
	int woken;                 /* 1: an event-driven decision, 0 the grid */
	double logp;               /* log-probability of action */
	double f[FEAT_COUNT];      /* every feature, by enum feat_id */
	int64_t qty, filled;       /* the block's quantity, filled then */
	int64_t cash;              /* its sum of px x qty of fills then, ticks */
	double mid;                /* the mid then, ticks */
	double arrival;            /* the block's arrival mid, ticks */
	/* Filled in by trace_finish(): */
	double reward;             /* reward_exec + reward_move (+ terminal, risk) */
	double reward_exec, reward_move;
	double terminal;           /* the last step's terminal penalty, else 0 */
	int last;                  /* 1 on the block's last step */
};

struct trace {
	struct trace_step *step;
	size_t n, cap;
	double mark_s;             /* the later mid's delay (0: 60 s) */
	double terminal_bps;       /* extra penalty per unit unfilled (0) */
	double risk;               /* risk weight, bps per minute (0) */
};

void trace_init(struct trace *tr);
void trace_free(struct trace *tr);
/* Append a step (s->reward and what follows it are filled in later).
 * 0, or -1 when memory runs out (the step is lost, the trace stays
 * valid). */
int trace_add(struct trace *tr, const struct trace_step *s);
/* Block id has ended with filled, cash and end_mid (ticks; the mid the
 * backtester values the unfilled at): fill in the rewards of its steps.
 * Returns the sum of those rewards (minus its IS in bps with terminal_bps
 * and risk 0), or 0 when the block has no step. */
double trace_finish(struct trace *tr, uint32_t block, int64_t filled,
                    int64_t cash, double end_mid);

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
 * The trainers' worker pool (pool.c): items 0..n-1 in `jobs` forked
 * workers, fn(arg, i, out) filling item i's `size` bytes of result, each
 * filed at res + i x size by its index (the same results whatever jobs).
 * 0, or -1 with err naming the item no worker delivered.
 */
int model_pool_run(int n, int jobs, size_t size,
                   void (*fn)(void *arg, int i, void *out), void *arg,
                   void *res, char *err, size_t errlen);

/*
 * Rollout policy iteration (rollout.c): from decision points of sessions
 * run under the current policy, the same session is run again once per
 * candidate action (that action at the point, its urgency and placement
 * held for `hold`, then the policy again); the paired differences in cost
 * are fitted by ridge regression, a linear Q-function whose lowest
 * predicted cost is the next policy's choice.  The model must be linear
 * (no hidden layer).
 */
struct rollout_opts {
	int iterations;       /* policy iterations */
	int episodes;         /* training sessions per iteration */
	int points;           /* decision points per session */
	double hold;          /* a tried action is held this fraction of the window */
	double ridge;         /* ridge penalty on the weights (not the intercept) */
	double margin;        /* bps an action must gain on start's to be taken */
	/* The policy the first iteration runs: this action everywhere
	 * (POLICY_BASE_ACTION: the baseline, ais-pass, as it is; any other
	 * candidate, e.g. AC's urgency posted passively).  rollout_train
	 * moves the untrained model's prior to it. */
	int start;
	double clip;          /* labels clipped to +-clip bps (0: not) */
	int jobs;
	uint64_t seed;        /* the points' times */
	int val_episodes;
	/* Validation sessions of a rule's tuning (rollout_tune_news,
	 * rollout_tune_hard); 0: val_episodes.  A rule acts on the sessions
	 * with news only, a few of every validation's. */
	int rule_val_episodes;
	/* Cost of m (its choose hook set by the trainer) on session ep of
	 * iteration it; it < 0: validation session ep. */
	double (*cost)(void *arg, const struct model *m, int it, int ep);
	void *arg;
	FILE *curve;
	/* Every labelled state (NULL: none), CSV with a header: iteration
	 * (from 1), session and point (from 0, the session within its
	 * iteration), news (1: the news point), the policy's inputs by name,
	 * then each candidate's label, "label:" and its action's name. */
	FILE *states;
	int progress;
};

struct rollout_result {
	double base_val, best_val;
	int best_iter;        /* 0: the untrained policy */
	int states;           /* labelled states over all iterations */
	double seconds;
};

int rollout_train(struct model *m, const struct rollout_opts *o,
                  struct rollout_result *r, char *err, size_t errlen);
/*
 * What tuning a rule found (rollout_tune_news, rollout_tune_hard): every
 * point of its grid run on the same training sessions, sessions the
 * rollouts never saw; the point of lowest mean cost then run on the
 * validation sessions (o->rule_val_episodes of them), and kept only when
 * it validates below val_off, the model's validation without the rule on
 * the same sessions.
 */
#define RULE_TUNE_MAX 64
struct rule_tune {
	int npoints;
	double train_cost[RULE_TUNE_MAX];
	double train_off;          /* the same sessions without the rule */
	int best;                  /* index of the lowest training cost */
	double val_best, val_off;
	int val_sessions;
	int validated;             /* 0: no setting beat no rule in training */
	int kept;
	double seconds;
};

/*
 * The news confirmation's numbers (struct news_rule), chosen after the
 * Q-function on the training sessions of iteration o->iterations.  m->news
 * is set or cleared.
 */
struct news_tune_result {
	struct rule_tune t;
	struct news_rule point[RULE_TUNE_MAX];
};
int rollout_tune_news(struct model *m, const struct rollout_opts *o,
                      struct news_tune_result *r, char *err, size_t errlen);
/*
 * The rule after hard news (struct hard_rule), chosen the same way after
 * the news confirmation, on the training sessions of iteration
 * o->iterations + 1 (which neither the rollouts nor the news rule saw),
 * with m's news rule in m.  m->hard is set or cleared.
 */
struct hard_tune_result {
	struct rule_tune t;
	struct hard_rule point[RULE_TUNE_MAX];
};
int rollout_tune_hard(struct model *m, const struct rollout_opts *o,
                      struct hard_tune_result *r, char *err, size_t errlen);

/* The candidate actions, in the order of the labels' columns (out may be
 * NULL); their count. */
int rollout_candidates(int *out);
/* Step 5 alone: fit D(s, a) over ns states (x: ns x m->nfeat inputs, d:
 * ns x rollout_candidates() labels, bps) and write m's linear policy, in
 * which an action must beat `start`'s by margin bps to be taken;
 * *r2 the fit's share of the labels' variance.  0, or -1 when m is not
 * linear, ns < 1 or the system is singular. */
int rollout_fit(struct model *m, const double *x, const double *d, int ns,
                double ridge, double margin, int start, double *r2);

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
/* What decides in a dealer model, as one number (model_digest's kind):
 * the dealers, thresholds, weights and leakage figures, not the name or
 * the record.  Requests it chose carry it, and a recovery is held to it. */
uint64_t dealer_model_digest(const struct dealer_model *m);

/*
 * Training: proximal policy optimisation (Schulman et al. 2017), ppo.c.
 * Each iteration samples `episodes` episodes from the policy's softmax (in
 * --jobs forked workers, filed by index), estimates advantages from their
 * traces' step rewards by GAE(lambda), block by block, with a separate value
 * network, normalises them, and takes `epochs` passes
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
	double reward_scale;  /* step rewards are multiplied by it (> 0) */
	int adv_sign;         /* +1; -1 flips the advantages (a test's control) */
	int jobs;
	uint64_t seed;
	int validate_every;   /* iterations between validations */
	int val_episodes;
	/* Run episode ep of iteration it with m, whose choose hook samples
	 * the policy, recording every decision in tr with its step reward
	 * (trace_finish()).  0, or -1 if the episode could not run. */
	int (*rollout)(void *arg, const struct model *m, int it, int ep,
	               struct trace *tr);
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
void ppo_gae(const struct trace_step *s, const double *v, int n,
             double gamma, double lambda, double *adv, double *ret);

double ppo_policy_loss(const struct model *m, const struct trace_step *s,
                       const double *adv, int n, double clip,
                       double entropy, double *grad);

#endif
