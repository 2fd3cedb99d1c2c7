/*
 * engine/model/es.c -- training the policy by an evolution strategy.
 *
 * Why not DQN or PPO: the cost of an execution is known only at the end of
 * a session (what the whole block cost against arrival, with whatever is
 * left valued at the end), one session is 180 decisions of a noisy market,
 * and there are two cores and twenty minutes.  A value method would have to
 * learn from a sparse, heavily delayed and very noisy reward; a policy
 * gradient would need many sessions per update.  An evolution strategy
 * (Salimans et al. 2017) scores whole policies on whole sessions, needs no
 * differentiable simulator and no per-step credit assignment, and, because
 * every candidate of a generation is run on the same seeds (the
 * backtester's common random numbers), compares candidates on the same
 * market paths, which removes most of the noise.  Episodes are independent,
 * so they run in forked workers.
 *
 * One generation: draw `pairs` Gaussian directions e_j, score w + s e_j and
 * w - s e_j on the same `episodes` episodes, turn the mean costs into
 * centred ranks (robust to a few extreme sessions), estimate the gradient
 * sum_j (r+_j - r-_j) e_j / (2 pairs s), and let Adam take the step.  Every
 * validate_every generations the current weights are scored on fixed
 * validation episodes; the best are kept.  The wall clock is read only for
 * the progress bar and the elapsed time: results do not depend on it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/market/rng.h"
#include "engine/model/model.h"

static double
es_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
es_gauss(struct rng *r)
{
	double u = rng_uniform(r), v = rng_uniform(r);

	return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(2 * M_PI * v);
}

/* What a pool item of es_run needs. */
struct es_job {
	const struct es_opts *o;
	struct model *cand;
	int per, gen;
};

static void
es_item(void *arg, int i, void *out)
{
	const struct es_job *j = arg;

	*(double *)out = j->o->cost(j->o->arg, &j->cand[i / j->per], j->gen,
	    i % j->per);
}

/*
 * Score n items in jobs forked workers (pool.c): item i is candidate
 * i / per with episode i % per, its weights cand[i / per].  Results land
 * in cost[i].
 */
static int
es_run(const struct es_opts *o, struct model *cand, int per, int n, int gen,
       double *cost, char *err, size_t errlen)
{
	struct es_job j = { .o = o, .cand = cand, .per = per, .gen = gen };

	if (model_pool_run(n, o->jobs, sizeof *cost, es_item, &j, cost, err,
	    errlen) != 0) {
		size_t k = strlen(err);

		snprintf(err + k, errlen > k ? errlen - k : 0, " (generation %d)",
		    gen);
		return -1;
	}
	return 0;
}

static double
es_mean(const double *v, int n)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += v[i];
	return n > 0 ? s / n : 0;
}

static double
es_validate(const struct es_opts *o, struct model *m, double *buf, char *err,
            size_t errlen, int *rc)
{
	*rc = es_run(o, m, o->val_episodes, o->val_episodes, -1, buf, err,
	    errlen);
	return es_mean(buf, o->val_episodes);
}

static void
es_bar(int gen, int total, double cost, double val, double best, double t0)
{
	int w = 30, fill = total > 0 ? gen * w / total : w;
	double el = es_now() - t0, eta = gen > 0 ? el * (total - gen) / gen : 0;

	fprintf(stderr, "\rtrain [");
	for (int i = 0; i < w; i++)
		fputc(i < fill ? '#' : '.', stderr);
	fprintf(stderr, "] %d/%d cost %.2f val %.2f best %.2f  %.0fs left ",
	    gen, total, cost, val, best, eta);
	fflush(stderr);
}

int
es_train(struct model *m, const struct es_opts *o, struct es_result *r,
         char *err, size_t errlen)
{
	int P = o->pairs, E = o->episodes, ncand = 2 * P, rc = 0;
	size_t np = m->net.nparams;
	double *eps = NULL, *grad = NULL, *cost = NULL, *cc = NULL, *rank = NULL;
	double *vbuf = NULL, t0 = es_now(), val = 0, last_val;
	struct model *cand = NULL, best;
	struct nn_adam adam;
	struct rng rg;

	memset(r, 0, sizeof *r);
	memset(&best, 0, sizeof best);
	if (model_trainable(m, "es", err, errlen) != 0)
		return -1;
	if (P < 1 || E < 1 || o->generations < 1 || o->val_episodes < 1 ||
	    !(o->sigma > 0) || !(o->lr > 0)) {
		snprintf(err, errlen, "es: pairs %d, episodes %d, generations %d, "
		    "validation episodes %d, sigma %g, lr %g: all must be > 0", P,
		    E, o->generations, o->val_episodes, o->sigma, o->lr);
		return -1;
	}
	if (nn_adam_init(&adam, np, o->lr) != 0)
		return -1;
	eps = malloc((size_t)P * np * sizeof *eps);
	grad = malloc(np * sizeof *grad);
	cost = malloc((size_t)ncand * E * sizeof *cost);
	cc = malloc((size_t)ncand * sizeof *cc);
	rank = malloc((size_t)ncand * sizeof *rank);
	vbuf = malloc((size_t)o->val_episodes * sizeof *vbuf);
	cand = calloc((size_t)ncand, sizeof *cand);
	if (eps == NULL || grad == NULL || cost == NULL || cc == NULL ||
	    rank == NULL || vbuf == NULL || cand == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	for (int c = 0; c < ncand; c++)
		if (nn_copy(&cand[c].net, &m->net) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			goto out;
		} else {
			cand[c].nfeat = m->nfeat;
			memcpy(cand[c].feat, m->feat, sizeof m->feat);
		}
	if (model_copy(&best, m) != 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	r->base_val = r->best_val = es_validate(o, m, vbuf, err, errlen, &rc);
	if (rc != 0)
		goto out;
	last_val = r->base_val;
	if (o->curve != NULL)
		fprintf(o->curve, "generation,episodes,cost_mean,cost_best,"
		    "val_cost,best_val,seconds\n0,0,,,%.4f,%.4f,%.1f\n", r->base_val,
		    r->best_val, es_now() - t0);
	for (int g = 0; g < o->generations; g++) {
		rng_seed(&rg, o->seed * 1000003ULL + (uint64_t)g);
		for (size_t k = 0; k < (size_t)P * np; k++)
			eps[k] = es_gauss(&rg);
		for (int c = 0; c < ncand; c++) {
			double s = c % 2 == 0 ? o->sigma : -o->sigma;
			const double *e = eps + (size_t)(c / 2) * np;

			for (size_t k = 0; k < np; k++)
				cand[c].net.w[k] = m->net.w[k] + s * e[k];
		}
		if ((rc = es_run(o, cand, E, ncand * E, g, cost, err, errlen)) != 0)
			goto out;
		double cbest = INFINITY;

		for (int c = 0; c < ncand; c++) {
			cc[c] = es_mean(cost + (size_t)c * E, E);
			if (cc[c] < cbest)
				cbest = cc[c];
		}
		/* Centred ranks in [-0.5, 0.5]; ties share the mean rank. */
		for (int c = 0; c < ncand; c++) {
			double below = 0, eq = 0;

			for (int d = 0; d < ncand; d++)
				if (cc[d] < cc[c])
					below++;
				else if (cc[d] == cc[c])
					eq++;
			rank[c] = (below + (eq - 1) / 2) / (ncand - 1) - 0.5;
		}
		memset(grad, 0, np * sizeof *grad);
		for (int j = 0; j < P; j++) {
			double d = (rank[2 * j] - rank[2 * j + 1]) / (2.0 * P * o->sigma);
			const double *e = eps + (size_t)j * np;

			for (size_t k = 0; k < np; k++)
				grad[k] += d * e[k];
		}
		nn_adam_step(&adam, m->net.w, grad);
		val = NAN;
		if ((g + 1) % o->validate_every == 0 || g + 1 == o->generations) {
			val = es_validate(o, m, vbuf, err, errlen, &rc);
			if (rc != 0)
				goto out;
			last_val = val;
			if (val < r->best_val) {
				r->best_val = val;
				r->best_gen = g + 1;
				memcpy(best.net.w, m->net.w, np * sizeof *m->net.w);
			}
		}
		if (o->curve != NULL) {
			fprintf(o->curve, "%d,%lld,%.4f,%.4f,", g + 1,
			    (long long)(g + 1) * ncand * E, es_mean(cc, ncand), cbest);
			if (isnan(val))
				fprintf(o->curve, ",");
			else
				fprintf(o->curve, "%.4f,", val);
			fprintf(o->curve, "%.4f,%.1f\n", r->best_val, es_now() - t0);
			fflush(o->curve);
		}
		if (o->progress)
			es_bar(g + 1, o->generations, es_mean(cc, ncand), last_val,
			    r->best_val, t0);
	}
	if (o->progress)
		fputc('\n', stderr);
	memcpy(m->net.w, best.net.w, np * sizeof *m->net.w);
out:
	r->seconds = es_now() - t0;
	if (cand != NULL)
		for (int c = 0; c < ncand; c++)
			nn_free(&cand[c].net);
	free(cand);
	model_free(&best);
	nn_adam_free(&adam);
	free(eps);
	free(grad);
	free(cost);
	free(cc);
	free(rank);
	free(vbuf);
	return rc;
}
