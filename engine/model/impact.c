/*
 * engine/model/impact.c -- the impact and liquidity model: its inputs, its
 * fit, its evaluation against the square-root law, and its file.
 *
 * The inputs are fixed transforms of what any market source knows now: the
 * book (spread, depth of the top 1, 5 and 10 levels on the side a child
 * crosses into, the top-5 imbalance) and the market's own activity record
 * (market.h: realised volatility and volume rate over a short and a long
 * horizon, sampled on a fixed grid).  Nothing here keeps state between
 * calls, so the data generator, the policy's feature and the engine's
 * estimate command compute the same numbers from the same market.  Sizes
 * enter as ratios to depth and to volume, prices in ticks and logs, so a
 * model can serve a symbol it was not trained on as far as ratios carry.
 *
 * Each raw input is then standardised by the mean and deviation of the
 * training set, which the model file records beside the weights; so are
 * the two targets.  The fit is plain: MSE on the two standardised outputs,
 * Adam on minibatches in an order drawn from the seed, and the epoch with
 * the lowest validation loss is kept.  Everything is deterministic.
 *
 * The square-root law is the benchmark: impact_bps = Y sigma sqrt(Q / V),
 * sigma the long-horizon realised volatility of the mid scaled to a 6.5-hour
 * day in bps of the mid, V the long-horizon volume rate scaled to the same
 * day (an ADV estimate from the market itself), Y one number fitted by
 * least squares on the training set.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/market/rng.h"
#include "engine/model/impact.h"

#ifndef TRANCHE_MODEL_DIR
#define TRANCHE_MODEL_DIR "engine/models"
#endif

#define IMPACT_FORMAT "tranche-impact-model"
#define IMPACT_VERSION 1

static const struct {
	const char *name, *doc;
} impact_in_table[IMPACT_NIN] = {
	[IMPACT_SIZE_TOP] = { "size_top", "log(Q / shares at the far touch)" },
	[IMPACT_SIZE_DEPTH5] = { "size_depth5", "log(Q / far top-5 depth)" },
	[IMPACT_SIZE_DEPTH10] = { "size_depth10", "log(Q / far top-10 depth)" },
	[IMPACT_SPREAD] = { "spread", "log(spread in ticks)" },
	[IMPACT_IMBALANCE] = { "imbalance",
	    "(far - near) / (far + near) top-5 depth" },
	[IMPACT_VOL_SHORT] = { "vol_short",
	    "log(0.001 + short realised vol, ticks per 5 min)" },
	[IMPACT_VOL_LONG] = { "vol_long",
	    "log(0.001 + long realised vol, ticks per 5 min)" },
	[IMPACT_SIZE_VOLUME] = { "size_volume",
	    "log(Q / (1 + short-horizon volume rate x 300 s))" },
	[IMPACT_VOLUME_SHORT] = { "volume_short",
	    "log(1 + short-horizon volume rate x 300 s)" },
	[IMPACT_VOLUME_LONG] = { "volume_long",
	    "log(1 + long-horizon volume rate x 300 s)" },
	[IMPACT_TIME] = { "time_of_day", "hours since midnight" },
	[IMPACT_MID] = { "mid", "log(mid in ticks)" },
	[IMPACT_DEPTH5] = { "depth5", "log(1 + far top-5 depth)" },
	[IMPACT_HALF_SPREAD] = { "half_spread", "half spread, bps of the mid" },
	[IMPACT_SQRT_TERM] = { "sqrt_term",
	    "log(0.01 + sigma sqrt(Q / V)), sigma and V as the square-root law's" },
};

static const char *out_names[2] = { "impact_bps_beyond_half_spread",
	"log1p_volume_5min" };

const char *
impact_in_name(int i)
{
	return i >= 0 && i < IMPACT_NIN ? impact_in_table[i].name : "?";
}

const char *
impact_in_doc(int i)
{
	return i >= 0 && i < IMPACT_NIN ? impact_in_table[i].doc : "?";
}

const char *
impact_default_path(void)
{
	const char *e = getenv("TRANCHE_IMPACT_MODEL");

	return e != NULL && *e != '\0' ? e : TRANCHE_MODEL_DIR "/impact.json";
}

/* Cumulative far-side depth of the top 1, 5 and 10 levels. */
static void
impact_depths(const struct market *m, int side, double *d1, double *d5,
              double *d10)
{
	struct book_level lv[10];
	int n = book_depth(m->book, side, lv, 10);
	double d = 0;

	*d1 = *d5 = *d10 = 0;
	for (int i = 0; i < n; i++) {
		d += (double)lv[i].qty;
		if (i == 0)
			*d1 = d;
		if (i < 5)
			*d5 = d;
		*d10 = d;
	}
}

int
impact_context(const struct market *m, int side, int64_t qty,
               struct impact_ctx *c, char *err, size_t errlen)
{
	int64_t bp, ap, q;
	int far = side == BOOK_BID ? BOOK_ASK : BOOK_BID;
	double f1, f5, f10, n1, n5, n10, spread, mid, q5s, q5l, ss, sl, hours;

	memset(c, 0, sizeof *c);
	if (qty <= 0 || (side != BOOK_BID && side != BOOK_ASK)) {
		snprintf(err, errlen, "qty %lld side %d: need qty > 0 and a side",
		    (long long)qty, side);
		return -1;
	}
	if (book_best(m->book, BOOK_BID, &bp, &q) != 0 ||
	    book_best(m->book, BOOK_ASK, &ap, &q) != 0 || ap <= bp) {
		snprintf(err, errlen, "the book is one-sided or crossed: no "
		    "estimate");
		return -1;
	}
	spread = (double)(ap - bp);
	mid = (double)(ap + bp) / 2;
	impact_depths(m, far, &f1, &f5, &f10);
	impact_depths(m, side, &n1, &n5, &n10);
	q5s = market_volume_rate(m, 0) * IMPACT_HORIZON_S;
	q5l = market_volume_rate(m, 1) * IMPACT_HORIZON_S;
	ss = market_sigma(m, 0);
	sl = market_sigma(m, 1);
	hours = (double)m->now / 3600e9;
	c->qty = (double)qty;
	c->mid = mid;
	c->half_spread_bps = spread / 2 / mid * 1e4;
	c->sigma_bps = sl * sqrt(IMPACT_DAY_S) / mid * 1e4;
	c->adv = market_volume_rate(m, 1) * IMPACT_DAY_S;
	c->vol5_base = log1p(q5s);
	c->x[IMPACT_SIZE_TOP] = log(c->qty / f1);
	c->x[IMPACT_SIZE_DEPTH5] = log(c->qty / f5);
	c->x[IMPACT_SIZE_DEPTH10] = log(c->qty / f10);
	c->x[IMPACT_SPREAD] = log(spread);
	c->x[IMPACT_IMBALANCE] = f5 + n5 > 0 ? (f5 - n5) / (f5 + n5) : 0;
	c->x[IMPACT_VOL_SHORT] = log(0.001 + ss * sqrt(IMPACT_HORIZON_S));
	c->x[IMPACT_VOL_LONG] = log(0.001 + sl * sqrt(IMPACT_HORIZON_S));
	c->x[IMPACT_SIZE_VOLUME] = log(c->qty / (1 + q5s));
	c->x[IMPACT_VOLUME_SHORT] = log1p(q5s);
	c->x[IMPACT_VOLUME_LONG] = log1p(q5l);
	c->x[IMPACT_TIME] = hours;
	c->x[IMPACT_MID] = log(mid);
	c->x[IMPACT_DEPTH5] = log1p(f5);
	c->x[IMPACT_HALF_SPREAD] = c->half_spread_bps;
	c->x[IMPACT_SQRT_TERM] = log(0.01 + impact_sqrt_law(1, c));
	return 0;
}

static void
impact_norm_in(const struct impact_model *im, const struct impact_ctx *c,
               double *z)
{
	for (int i = 0; i < IMPACT_NIN; i++) {
		double v = (c->x[i] - im->in_mean[i]) / im->in_sd[i];

		/* Far outside the training range, hold the input at its edge. */
		z[i] = v < -6 ? -6 : v > 6 ? 6 : v;
	}
}

double
impact_sqrt_law(double y, const struct impact_ctx *c)
{
	return c->adv > 0 ? y * c->sigma_bps * sqrt(c->qty / c->adv) : 0;
}

void
impact_predict(const struct impact_model *im, const struct impact_ctx *c,
               struct impact_est *e)
{
	double z[IMPACT_NIN], out[2];
	struct nn_work w;

	impact_norm_in(im, c, z);
	nn_forward(&im->net, z, out, &w);
	e->bps = c->half_spread_bps + im->out_mean[0] + im->out_sd[0] * out[0];
	e->vol5 = expm1(im->out_mean[1] + im->out_sd[1] * out[1]);
	if (e->vol5 < 0)
		e->vol5 = 0;
	e->sqrt_bps = impact_sqrt_law(im->sqrt_y, c);
}

double
impact_fit_sqrt(const struct impact_sample *s, size_t n, int net_of_spread)
{
	double sxy = 0, sxx = 0;

	for (size_t i = 0; i < n; i++) {
		double x = impact_sqrt_law(1, &s[i].c);

		sxy += x * (s[i].y_bps - (net_of_spread ?
		    s[i].c.half_spread_bps : 0));
		sxx += x * x;
	}
	return sxx > 0 ? sxy / sxx : 0;
}

static void
impact_targets(const struct impact_model *im, const struct impact_sample *s,
               double *t)
{
	t[0] = (s->y_bps - s->c.half_spread_bps - im->out_mean[0]) /
	    im->out_sd[0];
	t[1] = (s->y_logvol - im->out_mean[1]) / im->out_sd[1];
}

/* Mean squared error over both standardised outputs. */
static double
impact_loss(const struct impact_model *im, const struct impact_sample *s,
            size_t n)
{
	double sum = 0, z[IMPACT_NIN], out[2], t[2];
	struct nn_work w;

	for (size_t i = 0; i < n; i++) {
		impact_norm_in(im, &s[i].c, z);
		nn_forward(&im->net, z, out, &w);
		impact_targets(im, &s[i], t);
		sum += (out[0] - t[0]) * (out[0] - t[0]) +
		    (out[1] - t[1]) * (out[1] - t[1]);
	}
	return n > 0 ? sum / (double)n / 2 : 0;
}

static void
impact_moments(const double *v, size_t stride, size_t n, double *mean,
               double *sd)
{
	double s = 0, ss = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i * stride];
	*mean = s / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (v[i * stride] - *mean) * (v[i * stride] - *mean);
	*sd = sqrt(ss / (double)n);
	if (!(*sd > 1e-9))
		*sd = 1;
}

int
impact_fit(struct impact_model *im, const struct impact_sample *tr,
           size_t ntr, const struct impact_sample *val, size_t nval,
           const struct impact_fit_opts *o, char *err, size_t errlen)
{
	size_t stride = sizeof *tr / sizeof(double), *order = NULL;
	double *grad = NULL, *best = NULL, best_loss = INFINITY;
	struct nn_adam adam = { 0 };
	struct rng r;
	int rc = -1;

	memset(im, 0, sizeof *im);
	if (ntr < 2 || o->epochs < 1 || o->batch < 1) {
		snprintf(err, errlen, "impact fit: %zu training samples, %d epochs, "
		    "batch %d: need at least 2, 1 and 1", ntr, o->epochs, o->batch);
		return -1;
	}
	/* struct impact_sample is all doubles: walk a field with a stride. */
	_Static_assert(sizeof(struct impact_sample) % sizeof(double) == 0,
	    "impact_sample must be doubles only");
	for (int i = 0; i < IMPACT_NIN; i++)
		impact_moments(&tr[0].c.x[i], stride, ntr, &im->in_mean[i],
		    &im->in_sd[i]);
	{
		double *beyond = malloc(ntr * sizeof *beyond);

		if (beyond == NULL) {
			snprintf(err, errlen, "impact fit: out of memory");
			return -1;
		}
		for (size_t i = 0; i < ntr; i++)
			beyond[i] = tr[i].y_bps - tr[i].c.half_spread_bps;
		impact_moments(beyond, 1, ntr, &im->out_mean[0], &im->out_sd[0]);
		free(beyond);
	}
	impact_moments(&tr[0].y_logvol, stride, ntr, &im->out_mean[1],
	    &im->out_sd[1]);
	im->sqrt_y = impact_fit_sqrt(tr, ntr, 0);
	im->sqrt_y_hs = impact_fit_sqrt(tr, ntr, 1);
	snprintf(im->name, sizeof im->name, "impact");
	if (nn_init(&im->net, IMPACT_NIN, o->hidden, o->nhidden, 2, NN_TANH,
	    o->seed, err, errlen) != 0)
		return -1;
	if ((order = malloc(ntr * sizeof *order)) == NULL ||
	    (grad = calloc(im->net.nparams, sizeof *grad)) == NULL ||
	    (best = malloc(im->net.nparams * sizeof *best)) == NULL ||
	    nn_adam_init(&adam, im->net.nparams, o->lr) != 0) {
		snprintf(err, errlen, "impact fit: out of memory");
		goto out;
	}
	memcpy(best, im->net.w, im->net.nparams * sizeof *best);
	rng_seed(&r, o->seed ^ 0x1a9ac7ULL);
	for (size_t i = 0; i < ntr; i++)
		order[i] = i;
	for (int ep = 0; ep < o->epochs; ep++) {
		for (size_t i = ntr - 1; i > 0; i--) {
			size_t j = (size_t)rng_below(&r, i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (size_t b = 0; b < ntr; b += (size_t)o->batch) {
			size_t e = b + (size_t)o->batch < ntr ? b + (size_t)o->batch :
			    ntr;

			memset(grad, 0, im->net.nparams * sizeof *grad);
			for (size_t k = b; k < e; k++) {
				const struct impact_sample *s = &tr[order[k]];
				double z[IMPACT_NIN], out[2], t[2], d[2];
				struct nn_work w;

				impact_norm_in(im, &s->c, z);
				nn_forward(&im->net, z, out, &w);
				impact_targets(im, s, t);
				d[0] = (out[0] - t[0]) / (double)(e - b);
				d[1] = (out[1] - t[1]) / (double)(e - b);
				nn_backward(&im->net, &w, d, grad, NULL);
			}
			nn_adam_step(&adam, im->net.w, grad);
		}
		double l = impact_loss(im, nval > 0 ? val : tr, nval > 0 ? nval :
		    ntr);

		if (l < best_loss) {
			best_loss = l;
			memcpy(best, im->net.w, im->net.nparams * sizeof *best);
		}
	}
	memcpy(im->net.w, best, im->net.nparams * sizeof *best);
	rc = 0;
out:
	nn_adam_free(&adam);
	free(order);
	free(grad);
	free(best);
	if (rc != 0)
		nn_free(&im->net);
	return rc;
}

/* Mean absolute error and R^2 (1 - SSE / SST about the truth's mean). */
static void
impact_score(const double *truth, const double *pred, size_t n, double *mae,
             double *r2)
{
	double mean = 0, sse = 0, sst = 0, ae = 0;

	for (size_t i = 0; i < n; i++)
		mean += truth[i];
	mean /= n > 0 ? (double)n : 1;
	for (size_t i = 0; i < n; i++) {
		ae += fabs(truth[i] - pred[i]);
		sse += (truth[i] - pred[i]) * (truth[i] - pred[i]);
		sst += (truth[i] - mean) * (truth[i] - mean);
	}
	*mae = n > 0 ? ae / (double)n : 0;
	*r2 = sst > 0 ? 1 - sse / sst : 0;
}

void
impact_evaluate(const struct impact_model *im, const struct impact_sample *s,
                size_t n, struct impact_metrics *r)
{
	double *buf = malloc((n > 0 ? n : 1) * 7 * sizeof *buf);
	double *ty, *pm, *ps, *tv, *pv, *pb, *ph;

	memset(r, 0, sizeof *r);
	r->n = n;
	if (buf == NULL || n == 0) {
		free(buf);
		return;
	}
	ty = buf;
	pm = buf + n;
	ps = buf + 2 * n;
	tv = buf + 3 * n;
	pv = buf + 4 * n;
	pb = buf + 5 * n;
	ph = buf + 6 * n;
	for (size_t i = 0; i < n; i++) {
		struct impact_est e;

		impact_predict(im, &s[i].c, &e);
		ty[i] = s[i].y_bps;
		pm[i] = e.bps;
		ps[i] = e.sqrt_bps;
		tv[i] = s[i].y_logvol;
		pv[i] = log1p(e.vol5);
		pb[i] = s[i].c.vol5_base;
		ph[i] = s[i].c.half_spread_bps + impact_sqrt_law(im->sqrt_y_hs,
		    &s[i].c);
		r->mean_bps += ty[i] / (double)n;
	}
	impact_score(ty, pm, n, &r->mae_model, &r->r2_model);
	impact_score(ty, ps, n, &r->mae_sqrt, &r->r2_sqrt);
	impact_score(ty, ph, n, &r->mae_sqrt_hs, &r->r2_sqrt_hs);
	impact_score(tv, pv, n, &r->mae_vol, &r->r2_vol);
	impact_score(tv, pb, n, &r->mae_vol_base, &r->r2_vol_base);
	free(buf);
}

void
impact_free(struct impact_model *im)
{
	nn_free(&im->net);
	cJSON_Delete(im->meta);
	im->meta = NULL;
}

cJSON *
impact_to_json(const struct impact_model *im)
{
	cJSON *o = cJSON_CreateObject(), *a, *n, *sq;

	cJSON_AddStringToObject(o, "format", IMPACT_FORMAT);
	cJSON_AddNumberToObject(o, "version", IMPACT_VERSION);
	cJSON_AddStringToObject(o, "name", im->name);
	a = cJSON_AddArrayToObject(o, "inputs");
	for (int i = 0; i < IMPACT_NIN; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "name", impact_in_name(i));
		cJSON_AddStringToObject(f, "raw", impact_in_doc(i));
		cJSON_AddItemToArray(a, f);
	}
	cJSON_AddItemToObject(o, "outputs", cJSON_CreateStringArray(out_names,
	    2));
	n = cJSON_AddObjectToObject(o, "norm");
	cJSON_AddStringToObject(n, "rule", "input z = (raw - in_mean) / in_sd, "
	    "held to [-6, 6]; output k = out_mean[k] + out_sd[k] x network "
	    "output k; impact bps = half spread bps + output 0, volume = "
	    "exp(output 1) - 1 shares");
	cJSON_AddItemToObject(n, "in_mean", nn_raw_array(im->in_mean,
	    IMPACT_NIN));
	cJSON_AddItemToObject(n, "in_sd", nn_raw_array(im->in_sd,
	    IMPACT_NIN));
	cJSON_AddItemToObject(n, "out_mean", nn_raw_array(im->out_mean, 2));
	cJSON_AddItemToObject(n, "out_sd", nn_raw_array(im->out_sd, 2));
	nn_to_json(&im->net, o);
	sq = cJSON_AddObjectToObject(o, "sqrt_law");
	cJSON_AddItemToObject(sq, "Y", nn_raw_array(&im->sqrt_y, 1));
	cJSON_AddStringToObject(sq, "formula", "impact_bps = Y sigma sqrt(Q / V)");
	cJSON_AddItemToObject(sq, "Y_spread", nn_raw_array(&im->sqrt_y_hs,
	    1));
	cJSON_AddStringToObject(sq, "formula_spread", "impact_bps = half spread "
	    "bps + Y_spread sigma sqrt(Q / V)");
	cJSON_AddStringToObject(sq, "sigma", "long-horizon (30 min) realised vol "
	    "of the mid x sqrt(23400 s), bps of the mid");
	cJSON_AddStringToObject(sq, "V", "long-horizon (30 min) market volume "
	    "rate x 23400 s, shares");
	cJSON_AddStringToObject(sq, "fit", "least squares on the training set");
	if (im->meta != NULL)
		cJSON_AddItemToObject(o, "meta", cJSON_Duplicate(im->meta, 1));
	return o;
}

/* n finite numbers from array field name of o (path names it in errors). */
static int
impact_get_array(const cJSON *o, const char *name, const char *path,
                 double *v, size_t n, int positive, char *err, size_t errlen)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, name), *it;
	size_t k = 0;

	if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n) {
		snprintf(err, errlen, "\"%s\": must be an array of %zu numbers (has "
		    "%d)", path, n, cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0);
		return -1;
	}
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) ||
		    (positive && !(it->valuedouble > 0))) {
			snprintf(err, errlen, "\"%s\"[%zu]: must be a finite number%s",
			    path, k, positive ? " > 0" : "");
			return -1;
		}
		v[k++] = it->valuedouble;
	}
	return 0;
}

int
impact_from_json(struct impact_model *im, const cJSON *o, char *err,
                 size_t errlen)
{
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(o, "version");
	const cJSON *ins = cJSON_GetObjectItemCaseSensitive(o, "inputs");
	const cJSON *norm = cJSON_GetObjectItemCaseSensitive(o, "norm");
	const cJSON *sq = cJSON_GetObjectItemCaseSensitive(o, "sqrt_law");
	const cJSON *it;
	int i = 0;

	memset(im, 0, sizeof *im);
	if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, IMPACT_FORMAT) !=
	    0 || !cJSON_IsNumber(ver) || ver->valueint != IMPACT_VERSION) {
		snprintf(err, errlen, "\"format\"/\"version\": not a %s version %d "
		    "file", IMPACT_FORMAT, IMPACT_VERSION);
		return -1;
	}
	if (!cJSON_IsArray(ins) || cJSON_GetArraySize(ins) != IMPACT_NIN) {
		snprintf(err, errlen, "\"inputs\": must list this engine's %d "
		    "inputs", IMPACT_NIN);
		return -1;
	}
	cJSON_ArrayForEach(it, ins) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");

		if (!cJSON_IsString(n) || strcmp(n->valuestring,
		    impact_in_name(i)) != 0) {
			snprintf(err, errlen, "\"inputs\"[%d]: \"%s\", this engine "
			    "computes \"%s\" there", i, cJSON_IsString(n) ?
			    n->valuestring : "?", impact_in_name(i));
			return -1;
		}
		i++;
	}
	if (!cJSON_IsObject(norm)) {
		snprintf(err, errlen, "\"norm\": missing (an object of in_mean, "
		    "in_sd, out_mean, out_sd)");
		return -1;
	}
	if (impact_get_array(norm, "in_mean", "norm.in_mean", im->in_mean,
	    IMPACT_NIN, 0, err, errlen) != 0 ||
	    impact_get_array(norm, "in_sd", "norm.in_sd", im->in_sd, IMPACT_NIN,
	    1, err, errlen) != 0 ||
	    impact_get_array(norm, "out_mean", "norm.out_mean", im->out_mean, 2,
	    0, err, errlen) != 0 ||
	    impact_get_array(norm, "out_sd", "norm.out_sd", im->out_sd, 2, 1,
	    err, errlen) != 0)
		return -1;
	if (!cJSON_IsObject(sq) || impact_get_array(sq, "Y", "sqrt_law.Y",
	    &im->sqrt_y, 1, 0, err, errlen) != 0 || impact_get_array(sq,
	    "Y_spread", "sqrt_law.Y_spread", &im->sqrt_y_hs, 1, 0, err,
	    errlen) != 0) {
		if (!cJSON_IsObject(sq))
			snprintf(err, errlen, "\"sqrt_law\": missing (an object with "
			    "\"Y\")");
		return -1;
	}
	if (nn_from_json(&im->net, o, IMPACT_NIN, 2, err, errlen) != 0)
		return -1;
	it = cJSON_GetObjectItemCaseSensitive(o, "name");
	snprintf(im->name, sizeof im->name, "%s", cJSON_IsString(it) ?
	    it->valuestring : "impact");
	it = cJSON_GetObjectItemCaseSensitive(o, "meta");
	im->meta = cJSON_IsObject(it) ? cJSON_Duplicate(it, 1) :
	    cJSON_CreateObject();
	return 0;
}

int
impact_save(const struct impact_model *im, const char *path, char *err,
            size_t errlen)
{
	return nn_write_json(impact_to_json(im), path, err, errlen);
}

int
impact_load(struct impact_model *im, const char *path, char *err,
            size_t errlen)
{
	char e[256];
	cJSON *o;
	int rc;

	memset(im, 0, sizeof *im);
	if (nn_read_json(path, "impact model", &o, err, errlen) != 0)
		return -1;
	rc = impact_from_json(im, o, e, sizeof e);
	cJSON_Delete(o);
	if (rc != 0)
		snprintf(err, errlen, "impact model %s: %s", path, e);
	return rc;
}

int
impact_sample_push(struct impact_sample **v, size_t *n, size_t *cap,
                   const struct impact_sample *s)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct impact_sample *nv = realloc(*v, nc * sizeof *nv);

		if (nv == NULL)
			return -1;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = *s;
	return 0;
}
