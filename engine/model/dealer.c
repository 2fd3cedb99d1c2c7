/*
 * engine/model/dealer.c -- learned dealer selection: which dealers to ask
 * for a quote, from what came back of earlier requests.
 *
 * Two small models share one record of each request (struct dealer_obs).
 * A logistic regression gives, for each dealer asked, the chance that its
 * quote is competitive -- it answered before the deadline and its price is
 * within comp_bps of the best quote of that request and no dearer than
 * accept_bps, the most the router takes by default -- from the request
 * (size against the market's daily volume, volatility, spread, how far
 * through the block's window, side), the dealer's history as the requester
 * saw it (how often it answered, how dear its quotes were, how often it was
 * the best, how far the mid moved against us after requests it lost),
 * which dealer it is and that times the size (each dealer prices size its
 * own way, so who is best depends on how much is asked).  A linear model gives the leakage cost of asking:
 * the lit mid's move against us over the minutes after a request is
 * regressed on the dealers asked (a per-dealer constant and a per-dealer
 * slope in size), so the part of the move each dealer adds is what the
 * data attribute to it when it is and is not in the set.
 *
 * The choice ranks dealers by p x gain_bps - leak, where gain_bps is what
 * a competitive quote is worth: the mean gap from the best to the second
 * quote of the training requests (what one more competitive dealer saves),
 * and asks the best k.  Nothing here reads struct dealer_params: the
 * inputs are built from the request and the history only, which is what a
 * desk could know.
 *
 * Training is plain SGD over the records in an order drawn from a seeded
 * generator, with a fixed step and epoch count, so the same records give
 * the same model bit for bit -- the property that lets a model trained on
 * a journal be compared exactly with one trained on the same requests
 * simulated.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/json/json-file.h"
#include "engine/market/rng.h"
#include "engine/model/model.h"

#ifndef TRANCHE_MODEL_DIR
#define TRANCHE_MODEL_DIR "engine/models"
#endif

#define DEALER_FORMAT "tranche-dealers"
#define DEALER_VERSION 1

static const char *const req_names[DEALER_NREQ] = {
	"size_pct/10", "vol_bps/10", "spread_bps/10", "tod", "side",
};
static const char *const hist_names[DEALER_NHIST] = {
	"respond", "quote_bps/10", "best", "lossmove_bps/10", "log1p(asked)/3",
};

static double
dealer_clip(double v, double lim)
{
	if (!isfinite(v))
		return 0;
	return v > lim ? lim : v < -lim ? -lim : v;
}

void
dealer_hist_init(struct dealer_hist *h)
{
	memset(h, 0, sizeof *h);
}

void
dealer_hist_features(const struct dealer_hist *h, int d, double *f)
{
	memset(f, 0, DEALER_NHIST * sizeof *f);
	if (d < 0 || d >= DEALER_MAX)
		return;
	/* Never asked: an even chance of an answer, nothing else known. */
	f[DEALER_H_RESPOND] = h->n[d] > 0 ? h->respond[d] : 0.5;
	f[DEALER_H_QUOTE] = h->nq[d] > 0 ? dealer_clip(h->quote[d] / 10, 5) : 0;
	f[DEALER_H_BEST] = h->nq[d] > 0 ? h->best[d] : 0;
	f[DEALER_H_LOSSMOVE] = h->nl[d] > 0 ? dealer_clip(h->lossmove[d] / 10,
	    5) : 0;
	f[DEALER_H_ASKED] = log1p((double)h->n[d]) / 3;
}

static void
dealer_avg(double *a, int n, double v)
{
	double w = 1.0 / n > DEALER_HIST_ALPHA ? 1.0 / n : DEALER_HIST_ALPHA;

	*a += w * (v - *a);
}

static int
dealer_best_quote(const struct dealer_obs *o, double *best, double *second)
{
	int nq = 0;

	*best = *second = INFINITY;
	for (int d = 0; d < o->ndealers && d < DEALER_MAX; d++) {
		double q = o->quote_bps[d];

		if (!(o->quoted & (1u << d)))
			continue;
		nq++;
		if (q < *best) {
			*second = *best;
			*best = q;
		} else if (q < *second)
			*second = q;
	}
	return nq;
}

void
dealer_hist_update(struct dealer_hist *h, const struct dealer_obs *o)
{
	double best, second;

	dealer_best_quote(o, &best, &second);
	for (int d = 0; d < o->ndealers && d < DEALER_MAX; d++) {
		if (!(o->asked & (1u << d)))
			continue;
		h->n[d]++;
		dealer_avg(&h->respond[d], h->n[d], (o->quoted >> d) & 1u);
		if (o->quoted & (1u << d)) {
			h->nq[d]++;
			dealer_avg(&h->quote[d], h->nq[d], o->quote_bps[d]);
			dealer_avg(&h->best[d], h->nq[d], o->quote_bps[d] <= best);
		}
		if (o->winner != d && isfinite(o->move_bps)) {
			h->nl[d]++;
			dealer_avg(&h->lossmove[d], h->nl[d], o->move_bps);
		}
	}
}

void
dealer_inputs(const struct dealer_req *r, const double *hist, int slot,
              double *x)
{
	double *q = x + 1, *hh = q + DEALER_NREQ, *one = hh + DEALER_NHIST;

	memset(x, 0, DEALER_NX * sizeof *x);
	x[0] = 1;
	q[DEALER_REQ_SIZE] = dealer_clip(r->size_pct / 10, 10);
	q[DEALER_REQ_VOL] = dealer_clip(r->vol_bps / 10, 10);
	q[DEALER_REQ_SPREAD] = dealer_clip(r->spread_bps / 10, 10);
	q[DEALER_REQ_TOD] = dealer_clip(r->tod, 1);
	q[DEALER_REQ_SIDE] = r->side == BOOK_BID ? 1 : -1;
	for (int i = 0; i < DEALER_NHIST; i++)
		hh[i] = dealer_clip(hist[i], 10);
	if (slot >= 0 && slot < DEALER_MAX) {
		one[slot] = 1;
		one[DEALER_MAX + slot] = q[DEALER_REQ_SIZE];
	}
}

void
dealer_model_init(struct dealer_model *m)
{
	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "dealers");
	m->comp_bps = 1.0;
	m->accept_bps = 25.0;
	m->gain_bps = 1.0;
}

uint64_t
dealer_model_digest(const struct dealer_model *m)
{
	uint64_t h = 14695981039346656037ULL;
	const double f[] = { m->comp_bps, m->accept_bps, m->gain_bps,
	    m->leak_b };

	h = model_fnv(h, &m->ndealers, sizeof m->ndealers);
	for (int i = 0; i < m->ndealers; i++)
		h = model_fnv(h, m->names[i], strnlen(m->names[i],
		    sizeof m->names[i]) + 1);
	h = model_fnv(h, f, sizeof f);
	h = model_fnv(h, m->w, sizeof m->w);
	h = model_fnv(h, m->leak_a, (size_t)m->ndealers * sizeof *m->leak_a);
	h = model_fnv(h, m->leak_c, (size_t)m->ndealers * sizeof *m->leak_c);
	return h;
}

void
dealer_model_free(struct dealer_model *m)
{
	cJSON_Delete(m->meta);
	m->meta = NULL;
}

int
dealer_model_slot(const struct dealer_model *m, const char *name)
{
	for (int i = 0; i < m->ndealers; i++)
		if (strcmp(m->names[i], name) == 0)
			return i;
	return -1;
}

static double
dealer_sigmoid(double z)
{
	z = dealer_clip(z, 30);
	return 1 / (1 + exp(-z));
}

static double
dealer_leak_of(const struct dealer_model *m, int slot,
               const struct dealer_req *r)
{
	if (slot < 0)
		return 0;
	return m->leak_a[slot] + m->leak_c[slot] * dealer_clip(r->size_pct / 10,
	    10);
}

void
dealer_predict(const struct dealer_model *m, const struct dealer_req *r,
               const double *hist, const char *name, double *p, double *leak)
{
	double x[DEALER_NX], z = 0;
	int slot = dealer_model_slot(m, name);

	dealer_inputs(r, hist, slot, x);
	for (int i = 0; i < DEALER_NX; i++)
		z += m->w[i] * x[i];
	*p = dealer_sigmoid(z);
	*leak = dealer_leak_of(m, slot, r);
}

unsigned
dealer_choose(const struct dealer_model *m, const struct dealer_req *r,
              int ndealers, const char (*names)[8],
              const double (*h)[DEALER_NHIST], unsigned avail, int k,
              struct dealer_rank *rk)
{
	unsigned mask = 0;

	memset(rk, 0, sizeof *rk);
	for (int d = 0; d < ndealers && d < DEALER_MAX; d++) {
		int at;

		if (!(avail & (1u << d)))
			continue;
		at = rk->n++;
		rk->idx[at] = d;
		dealer_predict(m, r, h[d], names[d], &rk->p[at], &rk->leak[at]);
		rk->net[at] = rk->p[at] * m->gain_bps - rk->leak[at];
	}
	/* Insertion sort, best net first; equal nets keep index order. */
	for (int i = 1; i < rk->n; i++)
		for (int j = i; j > 0 && rk->net[j] > rk->net[j - 1]; j--) {
			int ti = rk->idx[j];
			double tp = rk->p[j], tl = rk->leak[j], tn = rk->net[j];

			rk->idx[j] = rk->idx[j - 1];
			rk->p[j] = rk->p[j - 1];
			rk->leak[j] = rk->leak[j - 1];
			rk->net[j] = rk->net[j - 1];
			rk->idx[j - 1] = ti;
			rk->p[j - 1] = tp;
			rk->leak[j - 1] = tl;
			rk->net[j - 1] = tn;
		}
	for (int i = 0; i < k && i < rk->n; i++)
		mask |= 1u << rk->idx[i];
	return mask;
}

void
dealer_train_defaults(struct dealer_train_opts *o)
{
	o->epochs = 40;
	o->lr = 0.05;
	o->leak_lr = 0.002;
	o->l2 = 1e-4;
	o->comp_bps = 1.0;
	o->accept_bps = 25.0;
	o->seed = 1;
}

/* The model slot of each dealer of record o (-1: not in the model). */
static void
dealer_slots(const struct dealer_model *m, const struct dealer_obs *o,
             int *slot)
{
	for (int d = 0; d < DEALER_MAX; d++)
		slot[d] = d < o->ndealers ? dealer_model_slot(m, o->names[d]) : -1;
}

/* Competitive: it quoted, within comp_bps of the best quote, and no
 * dearer than accept_bps -- a best quote the requester would refuse is
 * worth nothing. */
static int
dealer_label(const struct dealer_obs *o, int d, double comp_bps,
             double accept_bps)
{
	double best, second;

	if (!(o->quoted & (1u << d)) || dealer_best_quote(o, &best, &second) == 0)
		return 0;
	return o->quote_bps[d] <= best + comp_bps && o->quote_bps[d] <= accept_bps;
}

static double
dealer_leak_pred(const struct dealer_model *m, const struct dealer_obs *o,
                 const int *slot)
{
	double y = m->leak_b;

	for (int d = 0; d < o->ndealers && d < DEALER_MAX; d++)
		if (o->asked & (1u << d))
			y += dealer_leak_of(m, slot[d], &o->req);
	return y;
}

int
dealer_train(struct dealer_model *m, const struct dealer_obs *v, size_t n,
             const struct dealer_train_opts *o, char *err, size_t errlen)
{
	size_t *ord;
	struct rng rng;
	double gsum = 0;
	size_t gn = 0;

	dealer_model_init(m);
	m->comp_bps = o->comp_bps;
	m->accept_bps = o->accept_bps;
	if (n == 0) {
		snprintf(err, errlen, "no requests to train on (0 records)");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		double best, second;

		for (int d = 0; d < v[i].ndealers && d < DEALER_MAX; d++)
			if (dealer_model_slot(m, v[i].names[d]) < 0 &&
			    m->ndealers < DEALER_MAX)
				snprintf(m->names[m->ndealers++], sizeof m->names[0], "%s",
				    v[i].names[d]);
		if (dealer_best_quote(&v[i], &best, &second) >= 2) {
			gsum += second - best;
			gn++;
		}
	}
	m->gain_bps = gn > 0 ? gsum / (double)gn : 1.0;
	if ((ord = malloc(n * sizeof *ord)) == NULL) {
		snprintf(err, errlen, "out of memory for %zu records", n);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		ord[i] = i;
	rng_seed(&rng, o->seed);
	for (int ep = 0; ep < o->epochs; ep++) {
		/* The step shrinks as 1 / (1 + epoch / 10): large early, fine
		 * at the end, the same for every run. */
		double lr = o->lr / (1 + ep / 10.0), llr = o->leak_lr /
		    (1 + ep / 10.0);

		for (size_t i = n; i > 1; i--) {
			size_t j = (size_t)rng_below(&rng, i), t = ord[i - 1];

			ord[i - 1] = ord[j];
			ord[j] = t;
		}
		for (size_t s = 0; s < n; s++) {
			const struct dealer_obs *ob = &v[ord[s]];
			int slot[DEALER_MAX];
			double e, sz = dealer_clip(ob->req.size_pct / 10, 10);

			dealer_slots(m, ob, slot);
			for (int d = 0; d < ob->ndealers && d < DEALER_MAX; d++) {
				double x[DEALER_NX], z = 0, g;

				if (!(ob->asked & (1u << d)))
					continue;
				dealer_inputs(&ob->req, ob->h[d], slot[d], x);
				for (int i = 0; i < DEALER_NX; i++)
					z += m->w[i] * x[i];
				g = dealer_sigmoid(z) - dealer_label(ob, d, o->comp_bps,
				    o->accept_bps);
				for (int i = 0; i < DEALER_NX; i++)
					m->w[i] -= lr * (g * x[i] + o->l2 * m->w[i]);
			}
			if (!isfinite(ob->move_bps))
				continue;
			/* The move is clipped at 100 bps so that one wild
			 * session cannot swing every dealer's estimate. */
			e = dealer_leak_pred(m, ob, slot) - dealer_clip(ob->move_bps, 100);
			m->leak_b -= llr * e;
			for (int d = 0; d < ob->ndealers && d < DEALER_MAX; d++)
				if ((ob->asked & (1u << d)) && slot[d] >= 0) {
					m->leak_a[slot[d]] -= llr * e;
					m->leak_c[slot[d]] -= llr * e * sz;
				}
		}
	}
	free(ord);
	return 0;
}

void
dealer_evaluate(const struct dealer_model *m, const struct dealer_obs *v,
                size_t n, struct dealer_fit *f)
{
	double ysum = 0, msum = 0, ll = 0, bll = 0, se = 0, bse = 0, pbar, mbar;
	size_t na = 0, nm = 0;

	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < n; i++) {
		for (int d = 0; d < v[i].ndealers && d < DEALER_MAX; d++)
			if (v[i].asked & (1u << d)) {
				ysum += dealer_label(&v[i], d, m->comp_bps, m->accept_bps);
				na++;
			}
		if (isfinite(v[i].move_bps)) {
			msum += dealer_clip(v[i].move_bps, 100);
			nm++;
		}
	}
	pbar = na > 0 ? ysum / (double)na : 0.5;
	mbar = nm > 0 ? msum / (double)nm : 0;
	pbar = pbar < 1e-6 ? 1e-6 : pbar > 1 - 1e-6 ? 1 - 1e-6 : pbar;
	for (size_t i = 0; i < n; i++) {
		int slot[DEALER_MAX];

		dealer_slots(m, &v[i], slot);
		for (int d = 0; d < v[i].ndealers && d < DEALER_MAX; d++) {
			double p, lk;
			int y;

			if (!(v[i].asked & (1u << d)))
				continue;
			dealer_predict(m, &v[i].req, v[i].h[d], v[i].names[d], &p, &lk);
			y = dealer_label(&v[i], d, m->comp_bps, m->accept_bps);
			p = p < 1e-9 ? 1e-9 : p > 1 - 1e-9 ? 1 - 1e-9 : p;
			ll -= y ? log(p) : log(1 - p);
			bll -= y ? log(pbar) : log(1 - pbar);
		}
		if (isfinite(v[i].move_bps)) {
			double mv = dealer_clip(v[i].move_bps, 100);
			double e = dealer_leak_pred(m, &v[i], slot) - mv;

			se += e * e;
			bse += (mv - mbar) * (mv - mbar);
		}
	}
	f->n = n;
	f->nasked = na;
	f->logloss = na > 0 ? ll / (double)na : 0;
	f->base_logloss = na > 0 ? bll / (double)na : 0;
	f->leak_rmse = nm > 0 ? sqrt(se / (double)nm) : 0;
	f->base_leak_rmse = nm > 0 ? sqrt(bse / (double)nm) : 0;
}

/* ---- JSON ------------------------------------------------------------ */

/* %.17g round-trips a double; cJSON's own printer keeps only 15 digits,
 * and a record read back from a journal must be the record written. */
static cJSON *
dealer_num(double v)
{
	char buf[40];

	if (!isfinite(v))
		return cJSON_CreateNull();
	snprintf(buf, sizeof buf, "%.17g", v);
	return cJSON_CreateRaw(buf);
}

static void
dealer_add_num(cJSON *o, const char *name, double v)
{
	cJSON_AddItemToObject(o, name, dealer_num(v));
}

static cJSON *
dealer_nums(const double *v, int n)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(a, dealer_num(v[i]));
	return a;
}

/* Read n numbers of array field name of o into v.  0, or -1 with err. */
static int
dealer_read_nums(const cJSON *o, const char *name, double *v, int n,
                 char *err, size_t errlen)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, name), *it;
	int i = 0;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n) {
		snprintf(err, errlen, "%s: must be an array of %d numbers", name, n);
		return -1;
	}
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsNumber(it)) {
			snprintf(err, errlen, "%s[%d]: must be a number", name, i);
			return -1;
		}
		v[i++] = it->valuedouble;
	}
	return 0;
}

static int
dealer_read_num(const cJSON *o, const char *name, double *v, char *err,
                size_t errlen)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(it)) {
		snprintf(err, errlen, "%s: missing or not a number", name);
		return -1;
	}
	*v = it->valuedouble;
	return 0;
}

/* Integers that may pass 2^53 travel as strings (tranche-protocol(7)). */
static int
dealer_read_i64(const cJSON *o, const char *name, int64_t *v, char *err,
                size_t errlen)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	char *end;

	if (!cJSON_IsString(it) || it->valuestring[0] == '\0') {
		snprintf(err, errlen, "%s: missing or not a string", name);
		return -1;
	}
	*v = strtoll(it->valuestring, &end, 10);
	if (*end != '\0') {
		snprintf(err, errlen, "%s \"%.24s\": not a whole number", name,
		    it->valuestring);
		return -1;
	}
	return 0;
}

static void
dealer_add_i64(cJSON *o, const char *name, int64_t v)
{
	char b[24];

	snprintf(b, sizeof b, "%lld", (long long)v);
	cJSON_AddStringToObject(o, name, b);
}

/*
 * A record as JSON: the request, each dealer's history features when
 * asked, and per dealer whether it was asked and quoted and at what cost.
 * A move that was never measured (the block ended first) is null.
 */
cJSON *
dealer_obs_to_json(const struct dealer_obs *o)
{
	cJSON *j = cJSON_CreateObject(), *ds = cJSON_AddArrayToObject(j,
	    "dealers");

	dealer_add_i64(j, "t", o->t);
	dealer_add_i64(j, "qty", o->qty);
	cJSON_AddStringToObject(j, "side", o->req.side == BOOK_BID ? "buy" :
	    "sell");
	dealer_add_num(j, "size_pct", o->req.size_pct);
	dealer_add_num(j, "vol_bps", o->req.vol_bps);
	dealer_add_num(j, "spread_bps", o->req.spread_bps);
	dealer_add_num(j, "tod", o->req.tod);
	cJSON_AddNumberToObject(j, "winner", o->winner);
	dealer_add_i64(j, "filled", o->filled);
	dealer_add_num(j, "move_bps", o->move_bps);
	dealer_add_i64(j, "move_t", o->move_t);
	for (int d = 0; d < o->ndealers && d < DEALER_MAX; d++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "name", o->names[d]);
		cJSON_AddBoolToObject(e, "asked", (o->asked >> d) & 1u);
		cJSON_AddBoolToObject(e, "quoted", (o->quoted >> d) & 1u);
		dealer_add_num(e, "quote_bps", (o->quoted >> d) & 1u ?
		    o->quote_bps[d] : 0);
		cJSON_AddItemToObject(e, "hist", dealer_nums(o->h[d], DEALER_NHIST));
		cJSON_AddItemToArray(ds, e);
	}
	return j;
}

int
dealer_obs_from_json(struct dealer_obs *o, const cJSON *j, char *err,
                     size_t errlen)
{
	const cJSON *side = cJSON_GetObjectItemCaseSensitive(j, "side");
	const cJSON *ds = cJSON_GetObjectItemCaseSensitive(j, "dealers");
	const cJSON *mv = cJSON_GetObjectItemCaseSensitive(j, "move_bps"), *e;
	double winner;
	char sub[160];

	memset(o, 0, sizeof *o);
	if (dealer_read_i64(j, "t", &o->t, err, errlen) != 0 ||
	    dealer_read_i64(j, "qty", &o->qty, err, errlen) != 0 ||
	    dealer_read_num(j, "size_pct", &o->req.size_pct, err, errlen) != 0 ||
	    dealer_read_num(j, "vol_bps", &o->req.vol_bps, err, errlen) != 0 ||
	    dealer_read_num(j, "spread_bps", &o->req.spread_bps, err,
	    errlen) != 0 ||
	    dealer_read_num(j, "tod", &o->req.tod, err, errlen) != 0 ||
	    dealer_read_num(j, "winner", &winner, err, errlen) != 0 ||
	    dealer_read_i64(j, "filled", &o->filled, err, errlen) != 0 ||
	    dealer_read_i64(j, "move_t", &o->move_t, err, errlen) != 0)
		return -1;
	if (!cJSON_IsString(side) || (strcmp(side->valuestring, "buy") != 0 &&
	    strcmp(side->valuestring, "sell") != 0)) {
		snprintf(err, errlen, "side: must be \"buy\" or \"sell\"");
		return -1;
	}
	o->req.side = side->valuestring[0] == 'b' ? BOOK_BID : BOOK_ASK;
	if (cJSON_IsNumber(mv))
		o->move_bps = mv->valuedouble;
	else if (cJSON_IsNull(mv))
		o->move_bps = NAN;
	else {
		snprintf(err, errlen, "move_bps: must be a number or null");
		return -1;
	}
	if (!cJSON_IsArray(ds) || cJSON_GetArraySize(ds) < 1 ||
	    cJSON_GetArraySize(ds) > DEALER_MAX) {
		snprintf(err, errlen, "dealers: must be an array of 1..%d",
		    DEALER_MAX);
		return -1;
	}
	if (!(winner >= -1 && winner < cJSON_GetArraySize(ds)) ||
	    winner != floor(winner)) {
		snprintf(err, errlen, "winner %g: must be -1 or a dealer's index",
		    winner);
		return -1;
	}
	o->winner = (int)winner;
	cJSON_ArrayForEach(e, ds) {
		int d = o->ndealers++;
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
		const cJSON *as = cJSON_GetObjectItemCaseSensitive(e, "asked");
		const cJSON *qu = cJSON_GetObjectItemCaseSensitive(e, "quoted");

		if (!cJSON_IsString(nm) || strlen(nm->valuestring) == 0 ||
		    strlen(nm->valuestring) >= sizeof o->names[0] ||
		    !cJSON_IsBool(as) || !cJSON_IsBool(qu)) {
			snprintf(err, errlen, "dealers[%d]: needs name (1..7 "
			    "characters), asked and quoted", d);
			return -1;
		}
		snprintf(o->names[d], sizeof o->names[d], "%s", nm->valuestring);
		if (cJSON_IsTrue(as))
			o->asked |= 1u << d;
		if (cJSON_IsTrue(qu))
			o->quoted |= 1u << d;
		if (dealer_read_num(e, "quote_bps", &o->quote_bps[d], sub,
		    sizeof sub) != 0 || dealer_read_nums(e, "hist", o->h[d],
		    DEALER_NHIST, sub, sizeof sub) != 0) {
			snprintf(err, errlen, "dealers[%d].%s", d, sub);
			return -1;
		}
	}
	return 0;
}

static cJSON *
dealer_names_json(const char *const *names, int n)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(names[i]));
	return a;
}

static cJSON *
dealer_model_to_json(const struct dealer_model *m)
{
	cJSON *o = cJSON_CreateObject(), *ds;
	const char *in[DEALER_NX];
	char onehot[2 * DEALER_MAX][16];

	cJSON_AddStringToObject(o, "format", DEALER_FORMAT);
	cJSON_AddNumberToObject(o, "version", DEALER_VERSION);
	cJSON_AddStringToObject(o, "name", m->name);
	ds = cJSON_AddArrayToObject(o, "dealers");
	for (int i = 0; i < m->ndealers; i++)
		cJSON_AddItemToArray(ds, cJSON_CreateString(m->names[i]));
	in[0] = "bias";
	for (int i = 0; i < DEALER_NREQ; i++)
		in[1 + i] = req_names[i];
	for (int i = 0; i < DEALER_NHIST; i++)
		in[1 + DEALER_NREQ + i] = hist_names[i];
	for (int i = 0; i < 2 * DEALER_MAX; i++) {
		snprintf(onehot[i], sizeof onehot[i], i < DEALER_MAX ? "dealer%d" :
		    "dealer%d*size", i % DEALER_MAX);
		in[1 + DEALER_NREQ + DEALER_NHIST + i] = onehot[i];
	}
	cJSON_AddItemToObject(o, "comp_inputs", dealer_names_json(in, DEALER_NX));
	dealer_add_num(o, "comp_bps", m->comp_bps);
	dealer_add_num(o, "accept_bps", m->accept_bps);
	dealer_add_num(o, "gain_bps", m->gain_bps);
	cJSON_AddItemToObject(o, "comp_w", dealer_nums(m->w, DEALER_NX));
	dealer_add_num(o, "leak_b", m->leak_b);
	cJSON_AddItemToObject(o, "leak_a", dealer_nums(m->leak_a, DEALER_MAX));
	cJSON_AddItemToObject(o, "leak_c", dealer_nums(m->leak_c, DEALER_MAX));
	cJSON_AddItemToObject(o, "meta", m->meta != NULL ?
	    cJSON_Duplicate(m->meta, 1) : cJSON_CreateObject());
	return o;
}

int
dealer_model_save(const struct dealer_model *m, const char *path, char *err,
                  size_t errlen)
{
	cJSON *o = dealer_model_to_json(m);
	char *s = cJSON_Print(o);
	char tmp[4096];
	FILE *f;
	int bad;

	cJSON_Delete(o);
	if (s == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "%s: cannot write", tmp);
		free(s);
		return -1;
	}
	bad = fputs(s, f) < 0 || fputc('\n', f) == EOF;
	bad |= fclose(f) != 0;
	free(s);
	if (bad || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: cannot write", path);
		remove(tmp);
		return -1;
	}
	return 0;
}

static int
dealer_model_from_json(struct dealer_model *m, const cJSON *o, char *err,
                       size_t errlen)
{
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(o, "version");
	const cJSON *ds = cJSON_GetObjectItemCaseSensitive(o, "dealers");
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(o, "comp_inputs");
	const cJSON *nm = cJSON_GetObjectItemCaseSensitive(o, "name");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(o, "meta"), *it;
	int i = 0;

	dealer_model_init(m);
	if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, DEALER_FORMAT) != 0) {
		snprintf(err, errlen, "format: must be \"%s\"", DEALER_FORMAT);
		return -1;
	}
	if (!cJSON_IsNumber(ver) || ver->valuedouble != DEALER_VERSION) {
		snprintf(err, errlen, "version %g: this engine reads version %d",
		    cJSON_IsNumber(ver) ? ver->valuedouble : -1.0, DEALER_VERSION);
		return -1;
	}
	if (cJSON_IsString(nm))
		snprintf(m->name, sizeof m->name, "%s", nm->valuestring);
	if (!cJSON_IsArray(ds) || cJSON_GetArraySize(ds) > DEALER_MAX) {
		snprintf(err, errlen, "dealers: must be an array of 0..%d names",
		    DEALER_MAX);
		return -1;
	}
	cJSON_ArrayForEach(it, ds) {
		if (!cJSON_IsString(it) || strlen(it->valuestring) == 0 ||
		    strlen(it->valuestring) >= sizeof m->names[0]) {
			snprintf(err, errlen, "dealers[%d]: must be a name of 1..7 "
			    "characters", i);
			return -1;
		}
		snprintf(m->names[i++], sizeof m->names[0], "%s", it->valuestring);
	}
	m->ndealers = i;
	/* The inputs must be the ones this engine computes, in its order:
	 * weights over other inputs would be read against the wrong ones. */
	if (!cJSON_IsArray(in) || cJSON_GetArraySize(in) != DEALER_NX) {
		snprintf(err, errlen, "comp_inputs: must name the %d inputs this "
		    "engine computes", DEALER_NX);
		return -1;
	}
	i = 0;
	cJSON_ArrayForEach(it, in) {
		const char *want = i == 0 ? "bias" : i <= DEALER_NREQ ?
		    req_names[i - 1] : i <= DEALER_NREQ + DEALER_NHIST ?
		    hist_names[i - 1 - DEALER_NREQ] : NULL;
		char oh[16];

		if (want == NULL) {
			int k = i - 1 - DEALER_NREQ - DEALER_NHIST;

			snprintf(oh, sizeof oh, k < DEALER_MAX ? "dealer%d" :
			    "dealer%d*size", k % DEALER_MAX);
			want = oh;
		}
		if (!cJSON_IsString(it) || strcmp(it->valuestring, want) != 0) {
			snprintf(err, errlen, "comp_inputs[%d] \"%.30s\": this engine's "
			    "input %d is \"%s\"", i, cJSON_IsString(it) ?
			    it->valuestring : "?", i, want);
			return -1;
		}
		i++;
	}
	if (dealer_read_num(o, "comp_bps", &m->comp_bps, err, errlen) != 0 ||
	    dealer_read_num(o, "accept_bps", &m->accept_bps, err, errlen) != 0 ||
	    dealer_read_num(o, "gain_bps", &m->gain_bps, err, errlen) != 0 ||
	    dealer_read_nums(o, "comp_w", m->w, DEALER_NX, err, errlen) != 0 ||
	    dealer_read_num(o, "leak_b", &m->leak_b, err, errlen) != 0 ||
	    dealer_read_nums(o, "leak_a", m->leak_a, DEALER_MAX, err,
	    errlen) != 0 ||
	    dealer_read_nums(o, "leak_c", m->leak_c, DEALER_MAX, err,
	    errlen) != 0)
		return -1;
	if (cJSON_IsObject(meta))
		m->meta = cJSON_Duplicate(meta, 1);
	return 0;
}

int
dealer_model_load(struct dealer_model *m, const char *path, char *err,
                  size_t errlen)
{
	FILE *f;
	char *buf = NULL, e[300];
	long len;
	cJSON *o;
	int rv;
	struct stat st;

	dealer_model_init(m);
	/* Not a FIFO (fopen would wait for a writer) nor a directory. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    len > 16 * 1024 * 1024 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		snprintf(err, errlen, "%s: cannot read", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	o = json_parse_strict(buf, (size_t)len, NULL, e, sizeof e);
	free(buf);
	if (o == NULL) {
		snprintf(err, errlen, "%s: %s", path, e);
		return -1;
	}
	rv = dealer_model_from_json(m, o, e, sizeof e);
	cJSON_Delete(o);
	if (rv != 0) {
		dealer_model_free(m);
		snprintf(err, errlen, "%s: %s", path, e);
	}
	return rv;
}

const char *
dealer_model_default_path(void)
{
	const char *e = getenv("TRANCHE_DEALER_MODEL");

	return e != NULL && *e != '\0' ? e : TRANCHE_MODEL_DIR "/dealers.json";
}
