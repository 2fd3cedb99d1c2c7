/*
 * engine/model/rollout.c -- training the policy by rollout policy
 * iteration: a Q-function fitted to paired counterfactual rollouts.
 *
 * Why a third trainer.  The evolution strategy and PPO both kept the
 * untrained policy: ES scores whole sessions, so a candidate that changes
 * what it does in the one state that matters (the minutes after a
 * headline) is judged on 180 decisions of noise, and an argmax over 48 (now 60)
 * actions either never leaves its baseline or leaves it everywhere; PPO's
 * per-step rewards are noisy fills, and its advantages carried almost no
 * signal.  The simulator offers something neither used: it is
 * deterministic for a seed, so the same session can be run again with one
 * decision changed and everything else -- every other trader's arrivals,
 * the news, the randomised world -- the same.  The difference in cost
 * between the two runs is the value of that decision with most of the
 * market's noise cancelled (common random numbers, within one session).
 *
 * One iteration (Lagoudakis & Parr 2003, "Reinforcement learning as
 * classification"; Bertsekas' rollout algorithm, approximated):
 *
 *   1. run each training session under the current policy pi (the first
 *      iteration: the untrained policy, i.e. the baseline, or the start
 *      action at every decision, rollout_opts.start) and note its
 *      cost C_pi and whether it had news;
 *   2. pick `points` decision points in it: moments of its window drawn
 *      at random, and in a session with news, the first moment the
 *      news is fresh (at a freshness drawn at random, so the policy sees
 *      it at different ages);
 *   3. from each point, run the session again for every candidate action
 *      a: pi up to the point, then a (its lump once, its urgency and
 *      placement held for `hold` of the block's window), then pi again; its cost
 *      is C(s, a) and the paired difference D(s, a) = C(s, a) - C_pi, in
 *      bps of the block, is the label;
 *   4. fit D(s, a) = w_a . x(s) + b_a by ridge regression on the
 *      policy's inputs x (one shared design matrix, one solve per
 *      action): a linear Q-function, relative to pi;
 *   5. the new policy takes the action of lowest predicted D, and leaves
 *      the baseline (or the start action) only where that beats its
 *      prediction by `margin` bps: logits -D(s, a), that action's raised
 *      by the margin.
 *
 * Each iteration's policy is scored on the fixed validation sessions and
 * the best (the untrained policy included) is kept, as the other trainers
 * do.  Everything is seeded; workers' results are filed by index, so the
 * model is the same bit for bit whatever `jobs` is.  The wall clock is
 * read only for the progress bar and the elapsed time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/market/rng.h"
#include "engine/model/model.h"

/*
 * The candidate actions: every urgency and placement without a lump (20).
 * Lumps are left out: a rollout takes a lump once and holds the rest, but
 * a policy that prefers a lump in a state takes it again each time it
 * comes back to that state, which no rollout measured (and the scan of
 * constant actions found lumps the dearest of all).
 */
static int rl_cand[POLICY_NACTIONS];
static int rl_ncand;

static void
rl_candidates(void)
{
	rl_ncand = 0;
	for (int a = 0; a < POLICY_NACTIONS; a++)
		if (policy_lump(a) == 0)
			rl_cand[rl_ncand++] = a;
}

int
rollout_candidates(int *out)
{
	rl_candidates();
	if (out != NULL)
		memcpy(out, rl_cand, (size_t)rl_ncand * sizeof *out);
	return rl_ncand;
}

/* a without its lump: what is held after the point. */
static int
rl_nolump(int a)
{
	int u = a / POLICY_NSTYLE / POLICY_NLUMP;

	return (u * POLICY_NLUMP) * POLICY_NSTYLE + policy_style(a);
}

/* What a forced run does and what it saw (one per session run). */
struct rl_force {
	int action;          /* forced action; -1: follow the policy */
	int news;            /* 1: the point is the news' first fresh moment */
	double at;           /* time point: the window's fraction elapsed */
	double fresh;        /* news point: news_recent at least this */
	double hold;         /* the hold, as a fraction of the window */
	int fired;
	double t0;           /* fraction elapsed when it fired */
	double f[FEAT_COUNT];/* features then */
	double news_max;     /* the freshest news seen (base runs) */
};

static int
rl_choose(void *arg, const struct model *m, const double *f,
          struct policy_choice *c, int check, double *logp)
{
	struct rl_force *rf = arg;
	double el = 1 - f[FEAT_TIME_LEFT];

	(void)m;
	(void)check;
	*logp = 0;
	if (f[FEAT_NEWS_RECENT] > rf->news_max)
		rf->news_max = f[FEAT_NEWS_RECENT];
	if (rf->action < 0)
		return 0;
	if (!rf->fired) {
		if (rf->news ? f[FEAT_NEWS_RECENT] < rf->fresh : el < rf->at)
			return 0;
		rf->fired = 1;
		rf->t0 = el;
		memcpy(rf->f, f, sizeof rf->f);
		c->action = rf->action;
		return 0;
	}
	if (el < rf->t0 + rf->hold)
		c->action = rl_nolump(rf->action);
	return 0;
}

struct rl_item {
	int32_t fired;
	double cost;
	double news_max;
	double f[FEAT_COUNT];
};

static double
rl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One run: session ep of iteration it (it < 0: validation) under m, with
 * force (NULL: m as it is). */
static void
rl_one(const struct rollout_opts *o, const struct model *m, int it, int ep,
       const struct rl_force *force, struct rl_item *out)
{
	struct model run = *m;
	struct rl_force rf = force != NULL ? *force :
	    (struct rl_force){ .action = -1 };

	run.choose = rl_choose;
	run.choose_arg = &rf;
	run.trace = NULL;
	out->cost = o->cost(o->arg, &run, it, ep);
	out->fired = rf.fired;
	out->news_max = rf.news_max;
	memcpy(out->f, rf.f, sizeof out->f);
}

/* What a pool item of rl_run needs. */
struct rl_job {
	const struct rollout_opts *o;
	const struct model *m;
	int it;
	const int *ep;
	const struct rl_force *force;
};

static void
rl_item(void *arg, int i, void *out)
{
	const struct rl_job *j = arg;
	struct rl_item *r = out;

	rl_one(j->o, j->m, j->it, j->ep[i], j->force != NULL ? &j->force[i] :
	    NULL, r);
}

/*
 * Run n items in forked workers (pool.c): item i is session ep[i] with
 * force[i] (NULL: unforced) of iteration it.  Results land in out[i].
 */
static int
rl_run(const struct rollout_opts *o, const struct model *m, int it, int n,
       const int *ep, const struct rl_force *force, struct rl_item *out,
       char *err, size_t errlen)
{
	struct rl_job j = { .o = o, .m = m, .it = it, .ep = ep, .force = force };

	return model_pool_run(n, o->jobs, sizeof *out, rl_item, &j, out, err,
	    errlen);
}

/* The mean cost of sessions ep[0..n) of iteration it (< 0: validation)
 * under m as it is; *rc 0, or -1 with err set.  out has room for n. */
static double
rl_mean(const struct rollout_opts *o, const struct model *m, int it, int n,
        const int *ep, struct rl_item *out, char *err, size_t errlen, int *rc)
{
	double s = 0;

	*rc = rl_run(o, m, it, n, ep, NULL, out, err, errlen);
	for (int i = 0; *rc == 0 && i < n; i++)
		s += out[i].cost;
	return n > 0 ? s / n : 0;
}

static double
rl_validate(const struct rollout_opts *o, const struct model *m, char *err,
            size_t errlen, int *rc)
{
	int n = o->val_episodes;
	int *ep = calloc((size_t)(n > 0 ? n : 1), sizeof *ep);
	struct rl_item *out = malloc((size_t)(n > 0 ? n : 1) * sizeof *out);
	double s = 0;

	*rc = -1;
	if (ep == NULL || out == NULL)
		snprintf(err, errlen, "rollout: out of memory");
	else {
		for (int i = 0; i < n; i++)
			ep[i] = i;
		s = rl_mean(o, m, -1, n, ep, out, err, errlen, rc);
	}
	free(ep);
	free(out);
	return s;
}

/* Solve A x = b (n x n, row-major; A and b are destroyed) by Gaussian
 * elimination with partial pivoting.  0, or -1 when A is singular. */
static int
rl_solve(double *A, double *b, int n, double *x)
{
	for (int c = 0; c < n; c++) {
		int p = c;

		for (int r = c + 1; r < n; r++)
			if (fabs(A[r * n + c]) > fabs(A[p * n + c]))
				p = r;
		if (fabs(A[p * n + c]) < 1e-12)
			return -1;
		if (p != c) {
			for (int k = 0; k < n; k++) {
				double t = A[c * n + k];

				A[c * n + k] = A[p * n + k];
				A[p * n + k] = t;
			}
			double t = b[c];

			b[c] = b[p];
			b[p] = t;
		}
		for (int r = c + 1; r < n; r++) {
			double q = A[r * n + c] / A[c * n + c];

			for (int k = c; k < n; k++)
				A[r * n + k] -= q * A[c * n + k];
			b[r] -= q * b[c];
		}
	}
	for (int r = n - 1; r >= 0; r--) {
		double s = b[r];

		for (int k = r + 1; k < n; k++)
			s -= A[r * n + k] * x[k];
		x[r] = s / A[r * n + r];
	}
	return 0;
}

/*
 * Fit D(s, a) = w_a . x + b_a for every candidate by ridge regression
 * over ns states (x: ns x nx, the policy's inputs; d: ns x ncand) and
 * write the policy: logits -D, the start action's + margin, every
 * non-candidate far below.  The intercept is not penalised.  *r2 gets the
 * fit's share of the labels' variance, over all candidates.
 */
int
rollout_fit(struct model *m, const double *x, const double *d, int ns,
            double ridge, double margin, int start, double *r2)
{
	int nx = m->nfeat, k = nx + 1, rc = -1;
	double *A, *Ac, *b, *w, *W, sse = 0, sst = 0;

	rl_candidates();
	if (m->net.nlayers != 1 || ns < 1)
		return -1;
	A = calloc((size_t)(k * k), sizeof *A);
	Ac = calloc((size_t)(k * k), sizeof *Ac);
	b = calloc((size_t)k, sizeof *b);
	w = calloc((size_t)k, sizeof *w);
	W = calloc((size_t)(k * rl_ncand), sizeof *W);

	if (A == NULL || Ac == NULL || b == NULL || w == NULL || W == NULL)
		goto out;
	for (int s = 0; s < ns; s++) {
		const double *xs = x + (size_t)s * (size_t)nx;

		for (int i = 0; i < k; i++)
			for (int j = 0; j < k; j++)
				A[i * k + j] += (i < nx ? xs[i] : 1) *
				    (j < nx ? xs[j] : 1);
	}
	for (int i = 0; i < nx; i++)
		A[i * k + i] += ridge;
	for (int a = 0; a < rl_ncand; a++) {
		double mean = 0;

		memcpy(Ac, A, (size_t)(k * k) * sizeof *A);
		memset(b, 0, (size_t)k * sizeof *b);
		for (int s = 0; s < ns; s++) {
			const double *xs = x + (size_t)s * (size_t)nx;
			double y = d[(size_t)s * (size_t)rl_ncand + (size_t)a];

			for (int i = 0; i < nx; i++)
				b[i] += xs[i] * y;
			b[nx] += y;
			mean += y / ns;
		}
		if (rl_solve(Ac, b, k, w) != 0)
			goto out;
		memcpy(W + (size_t)a * (size_t)k, w, (size_t)k * sizeof *w);
		for (int s = 0; s < ns; s++) {
			const double *xs = x + (size_t)s * (size_t)nx;
			double y = d[(size_t)s * (size_t)rl_ncand + (size_t)a];
			double p = w[nx];

			for (int i = 0; i < nx; i++)
				p += w[i] * xs[i];
			sse += (y - p) * (y - p);
			sst += (y - mean) * (y - mean);
		}
	}
	*r2 = sst > 0 ? 1 - sse / sst : 0;
	/* The policy: a linear layer from the inputs to the logits. */
	double *o = m->net.w;

	for (int a = 0; a < POLICY_NACTIONS; a++) {
		for (int i = 0; i < nx; i++)
			o[a * nx + i] = 0;
		o[nx * POLICY_NACTIONS + a] = -1e3;
	}
	for (int c = 0; c < rl_ncand; c++) {
		int a = rl_cand[c];
		const double *wa = W + (size_t)c * (size_t)k;

		for (int i = 0; i < nx; i++)
			o[a * nx + i] = -wa[i];
		o[nx * POLICY_NACTIONS + a] = -wa[nx] +
		    (a == start ? margin : 0);
	}
	rc = 0;
out:
	free(A);
	free(Ac);
	free(b);
	free(w);
	free(W);
	return rc;
}

/*
 * The policy the first iteration runs (rollout_opts.start): the untrained
 * model's prior, on its baseline, moves to action a.  Its weights are all
 * zero, so it then takes a on every input.  a must be a candidate: a
 * lump held everywhere is a lump at every decision.
 */
static int
rl_start(struct model *m, int a, char *err, size_t errlen)
{
	int nx = m->nfeat, ok = 0;
	double *bias = m->net.w + (size_t)nx * POLICY_NACTIONS;

	for (int c = 0; c < rl_ncand; c++)
		ok |= rl_cand[c] == a;
	if (!ok) {
		char name[64];

		policy_action_name(name, sizeof name, a);
		snprintf(err, errlen, "rollout: start action %d (%s) is not a "
		    "candidate: it must have no lump", a, name);
		return -1;
	}
	if (a != POLICY_BASE_ACTION) {
		double t = bias[POLICY_BASE_ACTION];

		bias[POLICY_BASE_ACTION] = bias[a];
		bias[a] = t;
	}
	return 0;
}

/* --states: the header, then one row per labelled state. */
static void
rl_state_head(FILE *f, const struct model *m)
{
	fprintf(f, "iteration,session,point,news");
	for (int i = 0; i < m->nfeat; i++)
		fprintf(f, ",%s", feat_name(m->feat[i]));
	for (int c = 0; c < rl_ncand; c++) {
		char name[64];

		policy_action_name(name, sizeof name, rl_cand[c]);
		fprintf(f, ",\"label:%s\"", name);
	}
	fprintf(f, "\n");
}

static void
rl_state_row(FILE *f, const struct model *m, int it, int e, int k, int news,
             const double *x, const double *d)
{
	fprintf(f, "%d,%d,%d,%d", it + 1, e, k, news);
	for (int i = 0; i < m->nfeat; i++)
		fprintf(f, ",%.9g", x[i]);
	for (int c = 0; c < rl_ncand; c++)
		fprintf(f, ",%.9g", d[c]);
	fprintf(f, "\n");
}

static void
rl_bar(int it, int total, const char *what, double t0)
{
	fprintf(stderr, "\rtrain (rollouts) iteration %d/%d: %-24s %.0fs ",
	    it + 1, total, what, rl_now() - t0);
	fflush(stderr);
}

int
rollout_train(struct model *m, const struct rollout_opts *o,
              struct rollout_result *r, char *err, size_t errlen)
{
	int E = o->episodes, K = o->points, rc = -1, vrc;
	double t0 = rl_now();
	int *ep = NULL, *pep = NULL;
	struct rl_item *base = NULL, *res = NULL;
	struct rl_force *force = NULL;
	double *x = NULL, *d = NULL;
	struct model best;

	memset(r, 0, sizeof *r);
	memset(&best, 0, sizeof best);
	rl_candidates();
	if (model_trainable(m, "rollout", err, errlen) != 0)
		return -1;
	if (E < 1 || K < 1 || o->iterations < 1 || o->val_episodes < 1 ||
	    !(o->hold > 0) || !(o->ridge >= 0) || !(o->margin >= 0)) {
		snprintf(err, errlen, "rollout: episodes %d, points %d, iterations "
		    "%d, validation episodes %d, hold %g, ridge %g, margin %g: the "
		    "counts and the hold must be > 0, ridge and margin >= 0", E, K,
		    o->iterations, o->val_episodes, o->hold, o->ridge, o->margin);
		return -1;
	}
	if (m->net.nlayers != 1) {
		snprintf(err, errlen, "rollout: the policy must be linear (no "
		    "hidden layer): its logits are the fitted Q-function");
		return -1;
	}
	if (rl_start(m, o->start, err, errlen) != 0)
		return -1;
	size_t nitem = (size_t)E * (size_t)K * (size_t)rl_ncand;

	ep = malloc((size_t)E * sizeof *ep);
	base = calloc((size_t)E, sizeof *base);
	pep = malloc(nitem * sizeof *pep);
	force = calloc(nitem, sizeof *force);
	res = calloc(nitem, sizeof *res);
	x = calloc((size_t)E * (size_t)K * (size_t)m->nfeat, sizeof *x);
	d = calloc((size_t)E * (size_t)K * (size_t)rl_ncand, sizeof *d);
	if (ep == NULL || base == NULL || pep == NULL || force == NULL ||
	    res == NULL || x == NULL || d == NULL) {
		snprintf(err, errlen, "rollout: out of memory for %zu runs", nitem);
		goto out;
	}
	if (model_copy(&best, m) != 0) {
		snprintf(err, errlen, "rollout: out of memory");
		goto out;
	}
	r->base_val = rl_validate(o, m, err, errlen, &vrc);
	if (vrc != 0)
		goto out;
	r->best_val = r->base_val;
	r->best_iter = 0;
	if (o->states != NULL)
		rl_state_head(o->states, m);
	if (o->curve != NULL)
		fprintf(o->curve, "iteration,states,fit_r2,mean_gain_bps,val_cost_bps,"
		    "best_bps\n0,0,0,0,%.6f,%.6f\n", r->base_val, r->best_val);
	for (int it = 0; it < o->iterations; it++) {
		int ns = 0;
		double r2 = 0, gain = 0, val;

		/* 1. The sessions under the current policy. */
		if (o->progress)
			rl_bar(it, o->iterations, "sessions", t0);
		for (int e = 0; e < E; e++)
			ep[e] = e;
		if (rl_run(o, m, it, E, ep, NULL, base, err, errlen) != 0)
			goto out;
		/* 2. Their points, and 3. a run per point and candidate. */
		size_t n = 0;

		for (int e = 0; e < E; e++) {
			struct rng rg;

			rng_seed(&rg, o->seed * 1000003ULL + (uint64_t)it * 7919ULL +
			    (uint64_t)e * 104729ULL + 17);
			for (int k = 0; k < K; k++) {
				struct rl_force f = {
					.hold = o->hold,
					.at = 0.02 + 0.9 * rng_uniform(&rg),
					.fresh = 0.75 + 0.23 * rng_uniform(&rg),
				};

				/* The first point of a session with news is the
				 * news itself, when it was fresh enough. */
				f.news = k == 0 && base[e].news_max >= f.fresh;
				for (int c = 0; c < rl_ncand; c++) {
					f.action = rl_cand[c];
					force[n] = f;
					pep[n++] = e;
				}
			}
		}
		if (o->progress)
			rl_bar(it, o->iterations, "rollouts", t0);
		if (rl_run(o, m, it, (int)n, pep, force, res, err, errlen) != 0)
			goto out;
		/* 4. The states every candidate reached, and their labels. */
		for (int e = 0; e < E; e++)
			for (int k = 0; k < K; k++) {
				size_t i0 = ((size_t)e * (size_t)K + (size_t)k) *
				    (size_t)rl_ncand;
				int ok = 1;

				for (int c = 0; c < rl_ncand; c++)
					if (!res[i0 + (size_t)c].fired ||
					    !isfinite(res[i0 + (size_t)c].cost) ||
					    res[i0 + (size_t)c].cost >= 1e6)
						ok = 0;
				if (!ok || base[e].cost >= 1e6)
					continue;
				for (int i = 0; i < m->nfeat; i++)
					x[(size_t)ns * (size_t)m->nfeat + (size_t)i] =
					    res[i0].f[m->feat[i]];
				double lo = 0;

				for (int c = 0; c < rl_ncand; c++) {
					double dd = res[i0 + (size_t)c].cost -
					    base[e].cost;

					/* A label beyond the clip (a session
					 * the action wrecked) counts as the
					 * clip: one wreck must not move every
					 * other state's fit. */
					if (o->clip > 0 && dd > o->clip)
						dd = o->clip;
					if (o->clip > 0 && dd < -o->clip)
						dd = -o->clip;

					d[(size_t)ns * (size_t)rl_ncand + (size_t)c] = dd;
					if (dd < lo)
						lo = dd;
				}
				gain += lo;
				if (o->states != NULL)
					rl_state_row(o->states, m, it, e, k,
					    force[i0].news, x + (size_t)ns *
					    (size_t)m->nfeat, d + (size_t)ns *
					    (size_t)rl_ncand);
				ns++;
			}
		/* Without a ridge penalty the fit needs more states than
		 * inputs; with one, any state will do. */
		if (ns < 1 || (o->ridge <= 0 && ns < m->nfeat + 2)) {
			snprintf(err, errlen, "rollout: iteration %d reached only %d "
			    "states: more episodes or points", it, ns);
			goto out;
		}
		/* 5. The new policy, and its validation. */
		if (rollout_fit(m, x, d, ns, o->ridge, o->margin, o->start,
		    &r2) != 0) {
			snprintf(err, errlen, "rollout: iteration %d: the ridge system "
			    "is singular (ridge %g)", it, o->ridge);
			goto out;
		}
		if (o->progress)
			rl_bar(it, o->iterations, "validation", t0);
		val = rl_validate(o, m, err, errlen, &vrc);
		if (vrc != 0)
			goto out;
		r->states += ns;
		if (val < r->best_val) {
			r->best_val = val;
			r->best_iter = it + 1;
			model_free(&best);
			if (model_copy(&best, m) != 0) {
				snprintf(err, errlen, "rollout: out of memory");
				goto out;
			}
		}
		if (o->curve != NULL) {
			fprintf(o->curve, "%d,%d,%.6f,%.6f,%.6f,%.6f\n", it + 1, ns,
			    r2, gain / ns, val, r->best_val);
			fflush(o->curve);
		}
	}
	if (o->progress)
		fprintf(stderr, "\n");
	/* m ends as the best-validating policy; its meta stays m's. */
	memcpy(m->net.w, best.net.w, m->net.nparams * sizeof *m->net.w);
	r->seconds = rl_now() - t0;
	rc = 0;
out:
	model_free(&best);
	free(ep);
	free(base);
	free(pep);
	free(force);
	free(res);
	free(x);
	free(d);
	return rc;
}

/*
 * A rule's grid, tried on the trained policy (rollout_tune_news,
 * rollout_tune_hard; model.h, struct rule_tune): set(m, arg, i) puts point
 * i into m (i < 0: no rule); it is the iteration whose training sessions
 * the points run on.  label names the stage in the progress bar and in
 * errors ("news rule: ...").
 */
static int
rl_tune(struct model *m, const struct rollout_opts *o, const char *label,
        int it, void (*set)(struct model *, const void *, int),
        const void *arg, struct rule_tune *g, char *err, size_t errlen)
{
	int E = o->episodes, V = o->rule_val_episodes > 0 ?
	    o->rule_val_episodes : o->val_episodes, n = E > V ? E : V, rc = -1;
	int *ep = malloc((size_t)(n > 0 ? n : 1) * sizeof *ep);
	struct rl_item *out = calloc((size_t)(n > 0 ? n : 1), sizeof *out);
	size_t ll = strlen(label);
	double t0 = rl_now();

	g->best = -1;
	g->validated = g->kept = 0;
	g->val_sessions = V;
	if (ep == NULL || out == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (int i = 0; i < n; i++)
		ep[i] = i;
	set(m, arg, -1);
	if (o->progress)
		rl_bar(0, 1, label, t0);
	g->train_off = rl_mean(o, m, it, E, ep, out, err, errlen, &rc);
	if (rc != 0)
		goto done;
	g->val_off = g->val_best = rl_mean(o, m, -1, V, ep, out, err, errlen,
	    &rc);
	if (rc != 0)
		goto done;
	for (int i = 0; i < g->npoints; i++) {
		set(m, arg, i);
		if (o->progress)
			rl_bar(i, g->npoints, label, t0);
		g->train_cost[i] = rl_mean(o, m, it, E, ep, out, err, errlen, &rc);
		if (rc != 0)
			goto done;
		if (g->best < 0 || g->train_cost[i] < g->train_cost[g->best])
			g->best = i;
	}
	set(m, arg, -1);
	if (g->best >= 0 && g->train_cost[g->best] < g->train_off) {
		set(m, arg, g->best);
		g->val_best = rl_mean(o, m, -1, V, ep, out, err, errlen, &rc);
		if (rc != 0)
			goto done;
		g->validated = 1;
		g->kept = g->val_best < g->val_off;
		if (!g->kept)
			set(m, arg, -1);
	}
	if (o->progress)
		fprintf(stderr, "\n");
	rc = 0;
done:
	if (rc != 0) {
		char e[256];

		snprintf(e, sizeof e, "%s", err);
		if (strncmp(e, label, ll) != 0 || strncmp(e + ll, ": ", 2) != 0)
			snprintf(err, errlen, "%s: %s", label, e);
		set(m, arg, -1);
	}
	g->seconds = rl_now() - t0;
	free(ep);
	free(out);
	return rc;
}

/*
 * The news confirmation's grid (model.h).  Seconds after the item the rule
 * may fire from (to 120), the 30-s move against the block that confirms
 * it, the 5-s move at the item above which it counts as already priced,
 * and the share of the remainder taken.
 */
static const double nt_lo[] = { 20, 40 };
static const double nt_k[] = { 1, 2 };
static const double nt_priced[] = { 15, 20, 30 };
static const double nt_take[] = { 0.5, 1 };

static void
rl_set_news(struct model *m, const void *arg, int i)
{
	const struct news_tune_result *r = arg;

	if (i < 0)
		m->news.on = 0;
	else
		m->news = r->point[i];
}

int
rollout_tune_news(struct model *m, const struct rollout_opts *o,
                  struct news_tune_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	for (size_t a = 0; a < sizeof nt_lo / sizeof *nt_lo; a++)
		for (size_t b = 0; b < sizeof nt_k / sizeof *nt_k; b++)
			for (size_t c = 0; c < sizeof nt_priced / sizeof *nt_priced;
			    c++)
				for (size_t d = 0; d < sizeof nt_take / sizeof *nt_take;
				    d++)
					r->point[r->t.npoints++] = (struct news_rule){
						.on = 1, .after_lo = nt_lo[a],
						.after_hi = 120, .move_k = nt_k[b],
						.priced_k = nt_priced[c],
						.take = nt_take[d],
					};
	return rl_tune(m, o, "news rule", o->iterations, rl_set_news, r, &r->t,
	    err, errlen);
}

/*
 * The rule after hard news (model.h, struct hard_rule): the jump at the
 * item that makes it hard news, as the news confirmation's grid has them
 * (those at least the confirmation's own, when the model has one: below
 * it the engine reads no item as hard), and what to do while it is the
 * newest item -- AC's curve posted at the touch or with the tactic, or the
 * baseline's own (ais-pass's answer to the price kept) posted or with the
 * tactic.
 */
static const double ht_priced[] = { 15, 20, 30 };
static const int ht_action[] = {
	/* (urgency index x POLICY_NLUMP + lump index) x POLICY_NSTYLE +
	 * style, with urgency 4 AC's own and lump 0 none */
	4 * POLICY_NLUMP * POLICY_NSTYLE + POLICY_PASSIVE,
	4 * POLICY_NLUMP * POLICY_NSTYLE + POLICY_TACTIC,
	POLICY_PASSIVE,
	POLICY_TACTIC,
};

static void
rl_set_hard(struct model *m, const void *arg, int i)
{
	const struct hard_tune_result *r = arg;

	if (i < 0)
		m->hard.on = 0;
	else
		m->hard = r->point[i];
}

int
rollout_tune_hard(struct model *m, const struct rollout_opts *o,
                  struct hard_tune_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	for (size_t a = 0; a < sizeof ht_priced / sizeof *ht_priced; a++)
		for (size_t b = 0; b < sizeof ht_action / sizeof *ht_action &&
		    (!m->news.on || ht_priced[a] >= m->news.priced_k); b++)
			r->point[r->t.npoints++] = (struct hard_rule){
				.on = 1, .priced_k = ht_priced[a],
				.action = ht_action[b],
			};
	return rl_tune(m, o, "hard-news rule", o->iterations + 1, rl_set_hard,
	    r, &r->t, err, errlen);
}

