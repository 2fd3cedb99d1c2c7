/*
 * engine/cli/train.c -- `tranched train`: trains the learned policy
 * (engine/exec/algo-learned.c) by an evolution strategy (engine/model/es.c,
 * the default), by PPO (engine/model/ppo.c, --method ppo) or by rollout
 * policy iteration (engine/model/rollout.c, --method rollout: what
 * scripts/train runs).
 *
 * Training runs sessions exactly as the backtester does (no emit callback,
 * the scenario's market and orders), with the scenario's parameters
 * randomised per episode (volatility, spread, depth, volume, event time and
 * size, trend) so the policy cannot learn one path.  Seeds: training from
 * LEARNED_TRAIN_SEED, validation from LEARNED_VAL_SEED, and test seeds
 * (scripts/evaluate) below LEARNED_TEST_SEEDS, never used here.  The same
 * randomisation (cli_randomise) makes the impact model's data worlds.
 *
 * PPO sees the same randomised sessions through the trace of its sampled
 * decisions (model.h): step rewards that sum to minus the block's
 * shortfall in bps, taken in units of LEARNED_PPO_REWARD_BPS so that
 * returns are of order one for the value network.  Training episode ep of
 * iteration it runs training seed it x episodes + ep, from the same range
 * the evolution strategy draws from.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/cli/cli.h"
#include "engine/exec/exec.h"
#include "engine/exec/scenario.h"
#include "engine/model/model.h"
#include "engine/tca/tca.h"

/* A number option of this command (cli_opt_num). */
#define lt_num(opt, v, lo, hi, out) \
	cli_opt_num("tranched train", opt, v, lo, hi, out)
/* A count: a whole number. */
#define lt_whole(opt, v, lo, hi, out) \
	cli_opt_whole("tranched train", opt, v, lo, hi, out)

#define LEARNED_TEST_SEEDS 1000000ULL   /* 1 .. 999,999: test only */
#define LEARNED_TRAIN_SEED 10000000ULL
#define LEARNED_VAL_SEED 20000000ULL
#define LEARNED_PPO_REWARD_BPS 10.0

struct learned_train {
	struct scenario *sc;
	int nsc;
	int per;                   /* episodes per candidate per generation */
	const struct impact_model *impact; /* for impact_est; may be NULL */
};

/*
 * --start: an action by the name decisions give it ("base", "ac passive")
 * or by its number; *a gets it.  1 (with the error said) when it names no
 * action.
 */
static int
learned_action_arg(const char *v, int *a)
{
	char name[64], *end;
	long n = strtol(v, &end, 10);

	*a = -1;
	if (*v != '\0' && *end == '\0' && n >= 0 && n < POLICY_NACTIONS)
		*a = (int)n;
	for (int i = 0; *a < 0 && i < POLICY_NACTIONS; i++) {
		policy_action_name(name, sizeof name, i);
		if (strcmp(name, v) == 0)
			*a = i;
	}
	if (*a < 0) {
		fprintf(stderr, "tranched train: --start \"%s\": no such action "
		    "(a name as a decision prints it, e.g. \"ac passive\", or a "
		    "number 0..%d)\n", v, POLICY_NACTIONS - 1);
		return 1;
	}
	/* A lump held at every decision is a lump at every decision. */
	if (policy_lump(*a) > 0) {
		policy_action_name(name, sizeof name, *a);
		fprintf(stderr, "tranched train: --start \"%s\": action %d (%s) "
		    "has a lump; the start must be an action without one\n", v, *a,
		    name);
		return 1;
	}
	return 0;
}

static double
lt_unif(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_uniform(r);
}

/*
 * Randomise a scenario for one training episode: volatility, spread,
 * depth and volume by log-uniform factors, each event moved up to 45
 * minutes and its jump and drift scaled by 0.5..1.5.
 */
static void
learned_randomise_market(struct scenario *sc, struct sim_params *m,
                         struct rng *rp)
{
	struct rng r = *rp;

	m->sigma *= exp(lt_unif(&r, -0.35, 0.35));
	m->mm_half_spread *= exp(lt_unif(&r, -0.3, 0.3));
	double depth = exp(lt_unif(&r, -0.4, 0.4));

	m->mm_size = (int64_t)llround((double)m->mm_size * depth);
	m->lim_size *= depth;
	m->deep_size *= depth;
	double flow = exp(lt_unif(&r, -0.3, 0.3));

	m->mkt_rate *= flow;
	m->lim_rate *= flow;
	for (int i = 0; i < m->nevents; i++) {
		struct sim_event *e = &m->events[i];
		int64_t at = e->at + (int64_t)(lt_unif(&r, -45, 45) * 60e9);

		if (at < sc->open)
			at = sc->open;
		e->at = at;
		e->jump *= lt_unif(&r, 0.5, 1.5);
		e->drift *= lt_unif(&r, 0.5, 1.5);
	}
	*rp = r;
}

/* Every market of the scenario in turn, from one stream (the first market
 * draws exactly what a one-market scenario always drew). */
void
cli_randomise(struct scenario *sc, uint64_t seed)
{
	struct rng r;

	rng_seed(&r, seed ^ 0x5eedf00dULL);
	if (strcmp(sc->source, "ac") == 0) {
		sc->ac.sigma *= exp(lt_unif(&r, -0.3, 0.3));
		return;
	}
	for (int i = 0; i < sc->nmarkets; i++)
		learned_randomise_market(sc, &sc->markets[i], &r);
}

/* One session with model mdl (cli.h): its cost in bps of the arrival
 * value (the backtester's shortfall, unfilled valued at the end mid), plus
 * in AC markets the AC risk term lambda sigma^2 tau sum x_k^2. */
double
cli_train_episode(const struct scenario *sc, const struct model *mdl,
                  const struct impact_model *im, uint64_t seed,
                  struct trace *tr)
{
	struct model traced = *mdl;
	struct exec *x;
	struct ac_params ac;
	long double usd = 0, value = 0;
	int64_t last = 0;
	char err[256];

	if (scenario_exec_new(sc, seed, 0, NULL, &x, err, sizeof err) != 0)
		return 1e6;
	/* The trace rides on a shallow copy: the caller's model stays as it
	 * was, and its weights are only read. */
	traced.trace = tr;
	exec_set_model(x, &traced);
	exec_set_impact(x, im);
	for (int i = 0; i < sc->norders; i++) {
		struct parent_spec ps;

		/* As the backtester places it: a side of "either" is the
		 * seed's (it was always a sell here before), a replay's start
		 * the seed's. */
		scenario_order(sc, i, seed, &ps);
		snprintf(ps.algo, sizeof ps.algo, "learned");
		/* The policy is fit with the tactic crossing the whole gap
		 * once a slice behind, and runs with the learned algorithm's
		 * band (3 slices, half a slice a decision; algo-learned.c).
		 * Fit under the band, on development seeds 30,000,001..
		 * 30,000,400, it was 2.1 bps dearer on trend and 6.3 on
		 * news-shock for 3.8 cheaper on liquidity-squeeze; fit so
		 * and run under the band, 0.5 to 0.8 cheaper on calm,
		 * news-soft, news-hard and liquidity-squeeze and level on
		 * trend (README, Learned execution). */
		if (ps.catchup == 0)
			ps.catchup = 1;
		if (ps.catchup_max == 0)
			ps.catchup_max = 1000;
		if (exec_submit(x, &ps, NULL, err, sizeof err) == 0 && ps.end > last)
			last = ps.end;
	}
	exec_tick(x, last);
	for (size_t i = 0; i < exec_count(x); i++) {
		struct parent *p = exec_get(x, i);
		const struct market *m = p->m;
		int isac = market_ac_get(m, &ac) == 0;
		double sign = p->spec.side == BOOK_BID ? 1 : -1;

		usd += tca_is_cash(p->spec.side, p->arrival, p->filled, p->cash,
		    m->tick);
		usd += sign * (double)(p->spec.qty - p->filled) *
		    ((double)p->end_px - p->arrival) * m->tick;
		value += (long double)p->arrival * m->tick * p->spec.qty;
		if (tr != NULL)
			trace_finish(tr, p->id, p->filled, p->cash,
			    (double)p->end_px);
		if (isac && p->spec.ac_lambda > 0) {
			/* Inventory at each decision, from the children sent
			 * before it (AC markets fill crossing children at once). */
			double tau = (double)p->spec.interval / 60e9, risk = 0;

			for (int64_t t = p->spec.start; t < p->spec.end;
			    t += p->spec.interval) {
				int64_t done = 0;

				for (size_t c = 0; c < p->nchildren; c++)
					if (p->children[c].t < t)
						done += p->children[c].filled;
				risk += tau * (double)(p->spec.qty - done) *
				    (double)(p->spec.qty - done);
			}
			usd += p->spec.ac_lambda * ac.sigma * ac.sigma * risk;
		}
	}
	scenario_exec_free(x);
	return value > 0 ? (double)(usd / value * 1e4L) : 0;
}

/*
 * Every block of a training or validation session is a buy or a sell as
 * its seed says, whatever side the scenario gives it: trend (a seller in
 * a falling market) and liquidity-squeeze are written one-sided, and a
 * policy trained on them as written learns the prior that the price moves
 * against the block, and sells fast everywhere.  Either side, it has to
 * read the drift instead.
 */
static void
lt_either(struct scenario *sc)
{
	for (int i = 0; i < sc->norders; i++)
		sc->side_seeded[i] = 1;
}

static double
learned_cost(void *arg, const struct model *mdl, int gen, int ep)
{
	struct learned_train *lt = arg;
	struct scenario sc = lt->sc[ep % lt->nsc];
	uint64_t seed;

	lt_either(&sc);
	if (gen < 0)
		return cli_train_episode(&sc, mdl, lt->impact, LEARNED_VAL_SEED +
		    (uint64_t)ep, NULL);
	seed = LEARNED_TRAIN_SEED + (uint64_t)gen * (uint64_t)lt->per +
	    (uint64_t)ep;
	cli_randomise(&sc, seed);
	return cli_train_episode(&sc, mdl, lt->impact, seed, NULL);
}

/* What a rule's tuning (--news-rule, --hard-news) tried and chose, into
 * the training record under key; point(arg, i) is grid point i as JSON. */
static void
learned_rule_meta(cJSON *tr, const char *key, const struct rule_tune *r,
                  int it, cJSON *(*point)(const void *, int), const void *arg)
{
	cJSON *o = cJSON_AddObjectToObject(tr, key), *a;
	char buf[128];

	snprintf(buf, sizeof buf, "training sessions of iteration %d (10000000 "
	    "+ %d x episodes_per_iteration + episode)", it + 1, it);
	cJSON_AddStringToObject(o, "sessions", buf);
	cJSON_AddNumberToObject(o, "train_cost_without_bps", r->train_off);
	a = cJSON_AddArrayToObject(o, "grid");
	for (int i = 0; i < r->npoints; i++) {
		cJSON *p = point(arg, i);

		cJSON_DeleteItemFromObjectCaseSensitive(p, "what");
		cJSON_AddNumberToObject(p, "train_cost_bps", r->train_cost[i]);
		cJSON_AddItemToArray(a, p);
	}
	cJSON_AddNumberToObject(o, "best", r->best);
	cJSON_AddNumberToObject(o, "val_sessions", r->val_sessions);
	cJSON_AddNumberToObject(o, "val_cost_without_bps", r->val_off);
	if (r->validated)
		cJSON_AddNumberToObject(o, "val_cost_with_best_bps", r->val_best);
	else
		cJSON_AddNullToObject(o, "val_cost_with_best_bps");
	cJSON_AddBoolToObject(o, "kept", r->kept);
	cJSON_AddNumberToObject(o, "seconds", r->seconds);
}

static cJSON *
learned_news_point(const void *arg, int i)
{
	return news_rule_to_json(&((const struct news_tune_result *)arg)->
	    point[i]);
}

static cJSON *
learned_hard_point(const void *arg, int i)
{
	return hard_rule_to_json(&((const struct hard_tune_result *)arg)->
	    point[i]);
}

/* One PPO episode: the training session learned_cost would run for it,
 * with m's sampler choosing and every decision in tr with its step
 * reward. */
static int
learned_rollout(void *arg, const struct model *m, int it, int ep,
                struct trace *tr)
{
	struct learned_train *lt = arg;
	struct scenario sc = lt->sc[ep % lt->nsc];
	uint64_t seed = LEARNED_TRAIN_SEED + (uint64_t)it * (uint64_t)lt->per +
	    (uint64_t)ep;

	lt_either(&sc);
	cli_randomise(&sc, seed);
	return cli_train_episode(&sc, m, lt->impact, seed, tr) >= 1e6 ? -1 : 0;
}

/* What a PPO model's record says of its training. */
static void
learned_ppo_meta(cJSON *tr, const struct ppo_opts *po)
{
	cJSON_AddStringToObject(tr, "method", "PPO: clipped surrogate, entropy "
	    "bonus, GAE(lambda) with a separate value network, normalised "
	    "advantages, Adam on shuffled minibatches; the trace's step rewards "
	    "(bps / 10); argmax policy kept on validation");
	cJSON_AddNumberToObject(tr, "episodes", (double)po->iterations *
	    po->episodes);
	cJSON_AddNumberToObject(tr, "iterations", po->iterations);
	cJSON_AddNumberToObject(tr, "episodes_per_iteration", po->episodes);
	cJSON_AddNumberToObject(tr, "ppo_epochs", po->epochs);
	cJSON_AddNumberToObject(tr, "minibatch", po->minibatch);
	cJSON_AddNumberToObject(tr, "clip", po->clip);
	cJSON_AddNumberToObject(tr, "gamma", po->gamma);
	cJSON_AddNumberToObject(tr, "gae_lambda", po->lambda);
	cJSON_AddNumberToObject(tr, "entropy", po->entropy);
	cJSON_AddNumberToObject(tr, "vf_lr", po->vf_lr);
	cJSON_AddNumberToObject(tr, "max_grad", po->max_grad);
	/* Not "prior": the common record writes it, and written here too
	 * every PPO model had a key twice, which the loader refuses (found by
	 * a review). */
}

static void
learned_train_usage(FILE *f)
{
	fprintf(f, "usage: tranched train --scenarios S1[,S2...] --episodes N "
	    "--out MODEL [options]\n"
	    "Trains the learned policy by an evolution strategy, PPO or rollout\n"
	    "policy iteration on randomised scenarios (every block's side drawn\n"
	    "from its session's seed) and writes MODEL (JSON) and MODEL.csv\n"
	    "(learning curve).\n\n"
	    "  --scenarios S1[,S2...]  scenarios to train on (a name may repeat)\n"
	    "  --episodes N            training sessions in all\n"
	    "  --out MODEL             model file to write\n"
	    "  --method es|ppo|rollout evolution strategy (default), PPO, or rollout\n"
	    "                          policy iteration (a linear Q-function fitted\n"
	    "                          to paired counterfactual runs)\n"
	    "  --jobs J                worker processes (default 1)\n"
	    "  --seed K                initialisation and perturbation seed (default 1)\n"
	    "  --pairs P               es: antithetic pairs per generation (default 8)\n"
	    "  --per E                 es: episodes per candidate per generation\n"
	    "                          (default 2 per scenario); ppo: episodes per\n"
	    "                          iteration (default 8 per scenario)\n"
	    "  --sigma S               es: perturbation size (default 0.05)\n"
	    "  --lr R                  Adam step (default es 0.02, ppo 0.0003)\n"
	    "  --ppo-epochs K          ppo: passes over each iteration (default 4)\n"
	    "  --minibatch M           ppo: steps per gradient step (default 256)\n"
	    "  --clip C                ppo: surrogate clip range (default 0.2)\n"
	    "  --gamma G               ppo: discount per decision (default 1)\n"
	    "  --gae-lambda L          ppo: GAE lambda (default 0.95)\n"
	    "  --entropy B             ppo: entropy bonus (default 0.001)\n"
	    "  --vf-lr R               ppo: value network's Adam step (default 0.001)\n"
	    "  --max-grad N            ppo: gradient norm clip, 0 none (default 0.5)\n"
	    "  --iterations I          rollout: policy iterations (default 2)\n"
	    "  --points K              rollout: decision points per session, the\n"
	    "                          first at the news when there is news\n"
	    "                          (default 3)\n"
	    "  --hold F                rollout: a tried action is held for this\n"
	    "                          fraction of the window (default 0.1)\n"
	    "  --ridge L               rollout: ridge penalty (default 10)\n"
	    "  --margin B              rollout: bps an action must gain on the\n"
	    "                          start action to be taken (default 0.5)\n"
	    "  --start A               rollout: the policy the first iteration\n"
	    "                          runs, action A everywhere, and the one the\n"
	    "                          margin favours: a name as decisions print\n"
	    "                          it (\"base\", \"ac passive\", \"u-1 inside\")\n"
	    "                          or its number; no lump (default base)\n"
	    "  --clip-bps C            rollout: labels clipped to +-C bps, 0 not\n"
	    "                          (default 50)\n"
	    "  --news-rule             rollout: after the Q-function, choose the news\n"
	    "                          confirmation's numbers on a grid over fresh\n"
	    "                          training sessions; kept only if it validates\n"
	    "                          better than none\n"
	    "  --hard-news             rollout: after the Q-function (and the news\n"
	    "                          rule, when asked for), choose the rule after\n"
	    "                          hard news (the jump that makes news hard,\n"
	    "                          and the action while it is the newest item)\n"
	    "                          the same way, on other fresh sessions\n"
	    "  --states FILE           rollout: every labelled state to FILE (CSV:\n"
	    "                          iteration, session, point, news, the\n"
	    "                          policy's inputs, a label per candidate)\n"
	    "  --hidden H1[,H2[,H3]]   hidden tanh layers (default 16,16; rollout:\n"
	    "                          none, its policy is linear)\n"
	    "  --prior B               the untrained policy's bias towards its\n"
	    "                          baseline action (default es 0.3, ppo 5)\n"
	    "  --val-episodes V        validation sessions (default 8 per scenario)\n"
	    "  --rule-val-episodes R   with --news-rule or --hard-news: the rules'\n"
	    "                          validation sessions (default V)\n"
	    "  --validate-every G      generations between validations (default 5)\n"
	    "  --curve FILE            learning curve CSV (default MODEL.csv)\n"
	    "  --commit ID             source commit to record in the model\n"
	    "  --no-book-head MODEL    carry MODEL's network (trained on ac-world;\n"
	    "                          its no-book head if it has one) as the head\n"
	    "                          that decides in markets with no book to rest\n"
	    "                          in; the trained one decides in every other\n"
	    "                          market\n"
	    "  --quiet                 no progress bar\n"
	    "  --help                  print this help and exit\n");
}

static int
learned_train_main(int argc, char **argv)
{
	enum { O_SC = 1, O_EP, O_OUT, O_JOBS, O_SEED, O_PAIRS, O_PER, O_SIGMA,
	    O_LR, O_HIDDEN, O_VAL, O_RVAL, O_VEVERY, O_CURVE, O_COMMIT, O_QUIET,
	    O_HELP,
	    O_METHOD, O_PRIOR, O_PEPOCHS, O_MB, O_CLIP, O_GAMMA, O_LAMBDA, O_ENT,
	    O_VFLR, O_MAXG, O_ITERS, O_POINTS, O_HOLD, O_RIDGE, O_MARGIN, O_CLIPL,
	    O_STATES, O_NOBOOK, O_NEWS, O_HARD, O_START };
	static const struct option lo[] = {
		{ "scenarios", required_argument, NULL, O_SC },
		{ "episodes", required_argument, NULL, O_EP },
		{ "out", required_argument, NULL, O_OUT },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "seed", required_argument, NULL, O_SEED },
		{ "pairs", required_argument, NULL, O_PAIRS },
		{ "per", required_argument, NULL, O_PER },
		{ "sigma", required_argument, NULL, O_SIGMA },
		{ "lr", required_argument, NULL, O_LR },
		{ "hidden", required_argument, NULL, O_HIDDEN },
		{ "prior", required_argument, NULL, O_PRIOR },
		{ "val-episodes", required_argument, NULL, O_VAL },
		{ "rule-val-episodes", required_argument, NULL, O_RVAL },
		{ "validate-every", required_argument, NULL, O_VEVERY },
		{ "curve", required_argument, NULL, O_CURVE },
		{ "commit", required_argument, NULL, O_COMMIT },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "help", no_argument, NULL, O_HELP },
		{ "method", required_argument, NULL, O_METHOD },
		{ "ppo-epochs", required_argument, NULL, O_PEPOCHS },
		{ "minibatch", required_argument, NULL, O_MB },
		{ "clip", required_argument, NULL, O_CLIP },
		{ "gamma", required_argument, NULL, O_GAMMA },
		{ "gae-lambda", required_argument, NULL, O_LAMBDA },
		{ "entropy", required_argument, NULL, O_ENT },
		{ "vf-lr", required_argument, NULL, O_VFLR },
		{ "max-grad", required_argument, NULL, O_MAXG },
		{ "iterations", required_argument, NULL, O_ITERS },
		{ "points", required_argument, NULL, O_POINTS },
		{ "hold", required_argument, NULL, O_HOLD },
		{ "ridge", required_argument, NULL, O_RIDGE },
		{ "margin", required_argument, NULL, O_MARGIN },
		{ "start", required_argument, NULL, O_START },
		{ "clip-bps", required_argument, NULL, O_CLIPL },
		{ "states", required_argument, NULL, O_STATES },
		{ "no-book-head", required_argument, NULL, O_NOBOOK },
		{ "news-rule", no_argument, NULL, O_NEWS },
		{ "hard-news", no_argument, NULL, O_HARD },
		{ NULL, 0, NULL, 0 },
	};
	char *scarg = NULL, *out = NULL, *curve = NULL, *names[16], err[512];
	char *states = NULL, *nobook = NULL;
	struct model nbm;
	int have_nbm = 0;
	FILE *sf = NULL;
	int states_bad = 0;
	const char *commit = "unknown";
	double episodes = 0, jobs = 1, seed = 1, pairs = 8, per = 0, sigma = 0.05;
	double lr = 0, val = 0, vevery = 5, prior = -100, pepochs = 4, mbsz = 256;
	double clip = 0.2, gamma = 1, lambda = 0.95, ent = 0.001, vflr = 0.001;
	double maxg = 0.5, iters = 2, points = 3, hold = 0.1, ridge = 10;
	double margin = 0.5, clipl = 50, rval = 0;
	int ppo = 0, rollout = 0, news_rule = 0, start = POLICY_BASE_ACTION;
	int hard_rule = 0;
	struct news_tune_result nres;
	struct hard_tune_result hres;
	int hidden[NN_MAX_LAYERS] = { 16, 16 }, nhidden = 2, quiet = 0, c, nsc = 0;
	struct learned_train lt = { 0 };
	struct impact_model im;
	struct model mdl;
	struct es_opts o;
	struct es_result res;
	struct ppo_opts po;
	struct ppo_result pres;
	struct rollout_opts ro;
	struct rollout_result rres;
	FILE *cf;
	int rc = 1;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case O_SC:
			scarg = optarg;
			break;
		case O_EP:
			bad = lt_whole("episodes", optarg, 1, 1e9, &episodes);
			break;
		case O_OUT:
			out = optarg;
			break;
		case O_JOBS:
			bad = lt_whole("jobs", optarg, 1, 64, &jobs);
			break;
		case O_SEED:
			bad = lt_whole("seed", optarg, 0, 1e15, &seed);
			break;
		case O_PAIRS:
			bad = lt_whole("pairs", optarg, 1, 256, &pairs);
			break;
		case O_PER:
			bad = lt_whole("per", optarg, 1, 1000, &per);
			break;
		case O_SIGMA:
			bad = lt_num("sigma", optarg, 1e-6, 10, &sigma);
			break;
		case O_LR:
			bad = lt_num("lr", optarg, 1e-6, 10, &lr);
			break;
		case O_HIDDEN:
			bad = cli_opt_hidden("tranched train", optarg, hidden,
			    &nhidden);
			break;
		case O_PRIOR:
			bad = lt_num("prior", optarg, 1e-6, 100, &prior);
			break;
		case O_VAL:
			bad = lt_whole("val-episodes", optarg, 1, 100000, &val);
			break;
		case O_RVAL:
			bad = lt_whole("rule-val-episodes", optarg, 1, 100000, &rval);
			break;
		case O_VEVERY:
			bad = lt_whole("validate-every", optarg, 1, 100000, &vevery);
			break;
		case O_CURVE:
			curve = optarg;
			break;
		case O_STATES:
			states = optarg;
			break;
		case O_NOBOOK:
			nobook = optarg;
			break;
		case O_NEWS:
			news_rule = 1;
			break;
		case O_HARD:
			hard_rule = 1;
			break;
		case O_COMMIT:
			commit = optarg;
			break;
		case O_QUIET:
			quiet = 1;
			break;
		case O_METHOD:
			if (strcmp(optarg, "es") == 0 || strcmp(optarg, "ppo") == 0 ||
			    strcmp(optarg, "rollout") == 0) {
				ppo = strcmp(optarg, "ppo") == 0;
				rollout = strcmp(optarg, "rollout") == 0;
			} else {
				fprintf(stderr, "tranched train: --method \"%s\": must be "
				    "es, ppo or rollout\n", optarg);
				bad = 1;
			}
			break;
		case O_PEPOCHS:
			bad = lt_whole("ppo-epochs", optarg, 1, 100, &pepochs);
			break;
		case O_MB:
			bad = lt_whole("minibatch", optarg, 1, 1e6, &mbsz);
			break;
		case O_CLIP:
			bad = lt_num("clip", optarg, 1e-6, 10, &clip);
			break;
		case O_GAMMA:
			bad = lt_num("gamma", optarg, 0, 1, &gamma);
			break;
		case O_LAMBDA:
			bad = lt_num("gae-lambda", optarg, 0, 1, &lambda);
			break;
		case O_ENT:
			bad = lt_num("entropy", optarg, 0, 10, &ent);
			break;
		case O_VFLR:
			bad = lt_num("vf-lr", optarg, 1e-8, 10, &vflr);
			break;
		case O_MAXG:
			bad = lt_num("max-grad", optarg, 0, 1e6, &maxg);
			break;
		case O_ITERS:
			bad = lt_whole("iterations", optarg, 1, 100, &iters);
			break;
		case O_POINTS:
			bad = lt_whole("points", optarg, 1, 100, &points);
			break;
		case O_HOLD:
			bad = lt_num("hold", optarg, 1e-3, 1, &hold);
			break;
		case O_RIDGE:
			bad = lt_num("ridge", optarg, 0, 1e9, &ridge);
			break;
		case O_MARGIN:
			bad = lt_num("margin", optarg, 0, 1e4, &margin);
			break;
		case O_START:
			bad = learned_action_arg(optarg, &start);
			break;
		case O_CLIPL:
			bad = lt_num("clip-bps", optarg, 0, 1e6, &clipl);
			break;
		case O_HELP:
			learned_train_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "tranched train: unknown option or missing value "
			    "\"%s\" (see --help)\n", argv[optind - 1]);
			return 2;
		}
		if (bad)
			return 2;
	}
	if (scarg == NULL || out == NULL || episodes <= 0 || optind < argc) {
		learned_train_usage(stderr);
		return 2;
	}
	if (news_rule && !rollout) {
		fprintf(stderr, "tranched train: --news-rule: only with --method "
		    "rollout (it is tuned on the rollout policy)\n");
		return 2;
	}
	if (rval > 0 && !news_rule && !hard_rule) {
		fprintf(stderr, "tranched train: --rule-val-episodes: only with "
		    "--news-rule or --hard-news\n");
		return 2;
	}
	if (hard_rule && !rollout) {
		fprintf(stderr, "tranched train: --hard-news: only with --method "
		    "rollout (it is tuned on the rollout policy)\n");
		return 2;
	}
	if (start != POLICY_BASE_ACTION && !rollout) {
		fprintf(stderr, "tranched train: --start: only with --method "
		    "rollout (the evolution strategy and PPO start from the "
		    "baseline)\n");
		return 2;
	}
	if (states != NULL && !rollout) {
		fprintf(stderr, "tranched train: --states %s: only with --method "
		    "rollout (the labelled states are its)\n", states);
		return 2;
	}
	char *scdup = strdup(scarg);

	if (scdup == NULL || (nsc = cli_split(scdup, names, 16)) <= 0) {
		fprintf(stderr, "tranched train: --scenarios \"%s\": 1..16 names "
		    "separated by commas, none empty\n", scarg);
		free(scdup);
		return 2;
	}
	lt.sc = calloc((size_t)nsc, sizeof *lt.sc);
	lt.nsc = nsc;
	lt.per = per > 0 ? (int)per : (ppo ? 8 : 2) * nsc;
	/* Rollout: the sessions of an iteration, so that no two iterations
	 * share a training seed. */
	if (rollout)
		lt.per = (int)ceil(episodes / iters);
	if (lr <= 0)
		lr = ppo ? 3e-4 : 0.02;
	if (prior < 0)
		prior = ppo ? 5 : 0.3;
	for (int i = 0; i < nsc; i++)
		if (scenario_load(&lt.sc[i], names[i], NULL, 0, err, sizeof err) !=
		    0) {
			fprintf(stderr, "tranched train: %s\n", err);
			for (int k = 0; k < i; k++)
				scenario_free(&lt.sc[k]);
			free(lt.sc);
			free(scdup);
			return 2;
		}
	/* A rollout forces one block's decisions; a session of several
	 * blocks would force them all at once and label none. */
	for (int i = 0; rollout && i < nsc; i++)
		if (lt.sc[i].norders != 1) {
			fprintf(stderr, "tranched train: --method rollout: scenario "
			    "\"%s\" has %d blocks: rollouts need sessions of one "
			    "block\n", names[i], lt.sc[i].norders);
			for (int k = 0; k < nsc; k++)
				scenario_free(&lt.sc[k]);
			free(lt.sc);
			free(scdup);
			return 2;
		}
	/* The impact model behind the impact_est feature, loaded once: the
	 * same one the engine will load for the policy. */
	if (impact_load(&im, impact_default_path(), err, sizeof err) == 0)
		lt.impact = &im;
	else
		fprintf(stderr, "tranched train: %s: feature impact_est will be 0 "
		    "throughout\n", err);
	o = (struct es_opts){
		.pairs = (int)pairs, .episodes = lt.per, .sigma = sigma, .lr = lr,
		.jobs = (int)jobs, .seed = (uint64_t)seed,
		.validate_every = (int)vevery,
		.val_episodes = val > 0 ? (int)val : 8 * nsc,
		.cost = learned_cost, .arg = &lt, .progress = !quiet,
	};
	o.generations = (int)ceil(episodes / (2.0 * o.pairs * o.episodes));
	po = (struct ppo_opts){
		.iterations = (int)ceil(episodes / lt.per), .episodes = lt.per,
		.epochs = (int)pepochs, .minibatch = (int)mbsz, .clip = clip,
		.gamma = gamma, .lambda = lambda, .entropy = ent, .lr = lr,
		.vf_lr = vflr, .max_grad = maxg, .adv_sign = 1, .jobs = o.jobs,
		.reward_scale = 1 / LEARNED_PPO_REWARD_BPS,
		.seed = o.seed, .validate_every = o.validate_every,
		.val_episodes = o.val_episodes, .rollout = learned_rollout,
		.cost = learned_cost, .arg = &lt, .progress = !quiet,
	};
	ro = (struct rollout_opts){
		.iterations = (int)iters, .episodes = lt.per, .points = (int)points,
		.hold = hold, .ridge = ridge, .margin = margin, .clip = clipl,
		.start = start, .jobs = o.jobs,
		.seed = o.seed, .val_episodes = o.val_episodes,
		.rule_val_episodes = (int)rval,
		.cost = learned_cost, .arg = &lt, .progress = !quiet,
	};
	if (rollout)
		nhidden = 0;
	if (model_init(&mdl, hidden, nhidden, (uint64_t)seed, prior, err,
	    sizeof err) != 0) {
		fprintf(stderr, "tranched train: %s\n", err);
		goto out;
	}
	/* The no-book head is read before the hours of training, and
	 * attached after it: the head trained here is the book's. */
	if (nobook != NULL) {
		if (model_load(&nbm, nobook, err, sizeof err) != 0) {
			fprintf(stderr, "tranched train: --no-book-head %s\n",
			    err);
			model_free(&mdl);
			goto out;
		}
		have_nbm = 1;
		if (model_no_book_fits(&mdl, &nbm, err, sizeof err) != 0) {
			fprintf(stderr, "tranched train: --no-book-head %s: %s\n",
			    nobook, err);
			model_free(&mdl);
			goto out;
		}
	}
	char cpath[1024];

	snprintf(cpath, sizeof cpath, "%s", curve != NULL ? curve : out);
	if (curve == NULL)
		snprintf(cpath, sizeof cpath, "%s.csv", out);
	/* --out is written at the end: one that cannot be is refused now,
	 * not after the training (found by a review: 15 minutes of
	 * scripts/train, then "Is a directory"). */
	{
		struct stat st;
		int existed = stat(out, &st) == 0;
		FILE *of = NULL;

		if ((existed && !S_ISREG(st.st_mode)) ||
		    (of = fopen(out, "a")) == NULL) {
			fprintf(stderr, "tranched train: --out %s: %s\n", out,
			    existed && !S_ISREG(st.st_mode) ?
			    "not a regular file" : strerror(errno));
			model_free(&mdl);
			goto out;
		}
		fclose(of);
		if (!existed)
			unlink(out);
	}
	if (states != NULL && (sf = fopen(states, "w")) == NULL) {
		fprintf(stderr, "tranched train: --states %s: %s\n", states,
		    strerror(errno));
		model_free(&mdl);
		goto out;
	}
	ro.states = sf;
	if ((cf = fopen(cpath, "w")) == NULL) {
		fprintf(stderr, "tranched train: %s: %s\n", cpath, strerror(errno));
		if (sf != NULL) {
			fclose(sf);
			unlink(states);
		}
		model_free(&mdl);
		goto out;
	}
	o.curve = po.curve = ro.curve = cf;
	if (!quiet && rollout)
		fprintf(stderr, "training on %d scenario(s) by rollouts: %d "
		    "iterations x %d sessions x %d points, %d jobs\n", nsc,
		    ro.iterations, ro.episodes, ro.points, ro.jobs);
	if (!quiet && !ppo && !rollout)
		fprintf(stderr, "training on %d scenario(s): %d generations x %d "
		    "candidates x %d episodes, %d jobs\n", nsc, o.generations,
		    2 * o.pairs, o.episodes, o.jobs);
	if (!quiet && ppo)
		fprintf(stderr, "training on %d scenario(s) by PPO: %d iterations x "
		    "%d episodes, %d jobs\n", nsc, po.iterations, po.episodes,
		    po.jobs);
	/* --news-rule: the rule's numbers, on the policy just trained. */
	if (rollout && rollout_train(&mdl, &ro, &rres, err, sizeof err) == 0 &&
	    (!news_rule || rollout_tune_news(&mdl, &ro, &nres, err,
	    sizeof err) == 0) &&
	    (!hard_rule || rollout_tune_hard(&mdl, &ro, &hres, err,
	    sizeof err) == 0)) {
		res = (struct es_result){ .best_val = rres.best_val, .best_gen =
		    rres.best_iter, .base_val = rres.base_val, .seconds =
		    rres.seconds };
		o.generations = ro.iterations;
	} else if (rollout) {
		fprintf(stderr, "tranched train: %s\n", err);
		fclose(cf);
		if (sf != NULL)
			fclose(sf);
		model_free(&mdl);
		goto out;
	} else if (ppo && ppo_train(&mdl, &po, &pres, err, sizeof err) == 0) {
		res = (struct es_result){ .best_val = pres.best_val, .best_gen =
		    pres.best_iter, .base_val = pres.base_val, .seconds =
		    pres.seconds };
		o.generations = po.iterations;
	} else if (ppo || es_train(&mdl, &o, &res, err, sizeof err) != 0) {
		fprintf(stderr, "tranched train: %s\n", err);
		fclose(cf);
		model_free(&mdl);
		goto out;
	}
	fclose(cf);
	/* A states file that could not be written (a full disk) fails the
	 * run, but the model it trained is still saved. */
	if (sf != NULL && (ferror(sf) | fclose(sf)) != 0) {
		fprintf(stderr, "tranched train: --states %s: could not write "
		    "every state (%s); the model is saved, the states file is "
		    "not whole\n", states, strerror(errno));
		states_bad = 1;
	}

	cJSON *tr = cJSON_AddObjectToObject(mdl.meta, "training"), *a, *sd;
	char aname[64];

	cJSON_AddStringToObject(mdl.meta, "commit", commit);
	cJSON_AddStringToObject(mdl.meta, "base_schedule", "ais-pass");
	cJSON_AddStringToObject(mdl.meta, "impact_model", lt.impact != NULL ?
	    impact_default_path() : "none (impact_est was 0)");
	if (ppo)
		learned_ppo_meta(tr, &po);
	else if (rollout) {
		cJSON_AddStringToObject(tr, "method", "rollout policy iteration: "
		    "paired counterfactual runs of the same session from each "
		    "decision point, one per candidate action; a linear Q-function "
		    "fitted by ridge regression to the paired differences in cost");
		cJSON_AddNumberToObject(tr, "iterations", ro.iterations);
		cJSON_AddNumberToObject(tr, "sessions_per_iteration", ro.episodes);
		cJSON_AddNumberToObject(tr, "points", ro.points);
		cJSON_AddNumberToObject(tr, "hold", ro.hold);
		cJSON_AddNumberToObject(tr, "ridge", ro.ridge);
		cJSON_AddNumberToObject(tr, "margin_bps", ro.margin);
		policy_action_name(aname, sizeof aname, ro.start);
		cJSON_AddStringToObject(tr, "start", aname);
		cJSON_AddNumberToObject(tr, "clip_bps", ro.clip);
		cJSON_AddNumberToObject(tr, "states", rres.states);
		if (news_rule)
			learned_rule_meta(tr, "news_rule", &nres.t, ro.iterations,
			    learned_news_point, &nres);
		if (hard_rule)
			learned_rule_meta(tr, "hard_news", &hres.t,
			    ro.iterations + 1, learned_hard_point, &hres);
	} else
		cJSON_AddStringToObject(tr, "method", "evolution strategy: "
		    "antithetic Gaussian perturbations, centred ranks, Adam; common "
		    "random numbers within a generation");
	a = cJSON_AddArrayToObject(tr, "scenarios");
	for (int i = 0; i < nsc; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(names[i]));
	cJSON_AddStringToObject(tr, "randomised", "per episode: sigma x "
	    "e^U(-.35,.35), mm half spread x e^U(-.3,.3), depth (mm, limit and "
	    "deep sizes) x e^U(-.4,.4), noise flow x e^U(-.3,.3), each event moved "
	    "U(-45,45) min, jump and drift x U(.5,1.5); ac: sigma x e^U(-.3,.3)");
	if (!ppo && !rollout) {
		cJSON_AddNumberToObject(tr, "episodes", (double)o.generations * 2 *
		    o.pairs * o.episodes);
		cJSON_AddNumberToObject(tr, "generations", o.generations);
		cJSON_AddNumberToObject(tr, "pairs", o.pairs);
		cJSON_AddNumberToObject(tr, "episodes_per_candidate", o.episodes);
		cJSON_AddNumberToObject(tr, "sigma", o.sigma);
	}
	cJSON_AddNumberToObject(tr, "lr", o.lr);
	cJSON_AddNumberToObject(tr, "prior", prior);
	cJSON_AddNumberToObject(tr, "seed", seed);
	cJSON_AddNumberToObject(tr, "jobs", o.jobs);
	cJSON_AddNumberToObject(tr, "seconds", res.seconds);
	cJSON_AddNumberToObject(tr, "val_cost_untrained_bps", res.base_val);
	cJSON_AddNumberToObject(tr, "val_cost_best_bps", res.best_val);
	cJSON_AddNumberToObject(tr, "best_generation", res.best_gen);
	sd = cJSON_AddObjectToObject(mdl.meta, "seeds");
	cJSON_AddStringToObject(sd, "train", ppo || rollout ? "10000000 + "
	    "iteration x episodes_per_iteration + episode" : "10000000 + generation x "
	    "episodes_per_candidate + episode");
	cJSON_AddStringToObject(sd, "validation", "20000000 .. 20000000 + "
	    "val_episodes - 1, and a rule's up to its val_sessions - 1 "
	    "(scenarios not randomised; each block's side drawn from its seed, "
	    "as in training)");
	cJSON_AddStringToObject(sd, "test", "1 .. 999999: scripts/evaluate only, "
	    "never used for training or model choice");
	if (have_nbm) {
		cJSON *h = cJSON_AddObjectToObject(mdl.meta, "no_book_head");
		/* A model with a head of its own gives that head, and its
		 * record. */
		const cJSON *hm = nbm.no_book.nlayers > 0 ?
		    cJSON_GetObjectItemCaseSensitive(nbm.meta, "no_book_head") :
		    nbm.meta;
		const cJSON *ht = cJSON_GetObjectItemCaseSensitive(hm, "training");

		const char *base = strrchr(nobook, '/');

		/* The file's name, not where it was: scripts/train's is a
		 * temporary directory, and the model must come out the same. */
		cJSON_AddStringToObject(h, "from", base != NULL ? base + 1 :
		    nobook);
		cJSON_AddStringToObject(h, "markets", "no book to rest in (the "
		    "Almgren-Chriss world); this model's validation above is its "
		    "book head's, on the scenarios it trained on");
		if (ht != NULL)
			cJSON_AddItemToObject(h, "training", cJSON_Duplicate(ht, 1));
		if (model_set_no_book(&mdl, &nbm, err, sizeof err) != 0) {
			fprintf(stderr, "tranched train: --no-book-head %s: %s\n",
			    nobook, err);
			model_free(&mdl);
			goto out;
		}
	}
	if (model_save(&mdl, out, err, sizeof err) != 0) {
		fprintf(stderr, "tranched train: %s\n", err);
		model_free(&mdl);
		goto out;
	}
	printf("trained %s in %.0f s: validation cost %.3f bps (untrained %.3f), "
	    "best at %s %d of %d; curve %s\n", out, res.seconds,
	    res.best_val, res.base_val, ppo || rollout ? "iteration" :
	    "generation",
	    res.best_gen, o.generations, cpath);
	model_free(&mdl);
	rc = states_bad ? 1 : 0;
out:
	for (int i = 0; i < nsc; i++)
		scenario_free(&lt.sc[i]);
	free(lt.sc);
	free(scdup);
	if (lt.impact != NULL)
		impact_free(&im);
	if (have_nbm)
		model_free(&nbm);
	return rc;
}

const struct cli_cmd cli_train_cmd = {
	.name = "train",
	.main = learned_train_main,
	.usage = "train --scenarios S1[,S2...] --episodes N --out MODEL",
	.help = "train the learned policy (evolution strategy, PPO or rollouts)",
};
