/*
 * engine/model/model.c -- the policy's model: choosing an action, saying
 * why, and the model file.
 *
 * A model file is JSON: the feature names in the order the network reads
 * them (each with its normalisation in words), the action set, the
 * architecture, the weights as one flat array, and a "meta" object with
 * the training record (scenarios, seed ranges, source commit, evaluation)
 * that the trainer and scripts/evaluate fill in.  Loading checks every
 * feature name against this engine's table and refuses an unknown one by
 * name: a model trained on inputs the engine cannot compute must not
 * trade.  Doubles are written with 17 significant digits, so a saved and
 * reloaded model decides exactly as the one that was saved.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/model/model.h"

#ifndef TRANCHE_MODEL_DIR
#define TRANCHE_MODEL_DIR "engine/models"
#endif

#define MODEL_FORMAT "tranche-model"
#define MODEL_VERSION 1

static const double mults[POLICY_NMULT] = { 0, 0.5, 1, 2 };
static const char *style_names[POLICY_NSTYLE] = {
	"tactic", "passive", "inside", "cross",
};

double
policy_mult(int action)
{
	return action >= 0 && action < POLICY_NACTIONS ?
	    mults[action / POLICY_NSTYLE] : 1;
}

int
policy_style(int action)
{
	return action >= 0 && action < POLICY_NACTIONS ?
	    action % POLICY_NSTYLE : POLICY_TACTIC;
}

const char *
policy_style_name(int style)
{
	return style >= 0 && style < POLICY_NSTYLE ? style_names[style] : "?";
}

const char *
model_default_path(void)
{
	const char *e = getenv("TRANCHE_MODEL");

	return e != NULL && *e != '\0' ? e : TRANCHE_MODEL_DIR "/learned.json";
}

int
model_init(struct model *m, const int *hidden, int nhidden, uint64_t seed,
           double prior, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	if (nn_init(&m->net, FEAT_COUNT, hidden, nhidden, POLICY_NACTIONS,
	    NN_TANH, seed, err, errlen) != 0)
		return -1;
	m->nfeat = FEAT_COUNT;
	for (int i = 0; i < FEAT_COUNT; i++)
		m->feat[i] = i;
	/* A quiet output layer and a preference for the base action: the
	 * untrained policy works the base schedule, and training learns the
	 * residual. */
	int l = m->net.nlayers - 1, ni = m->net.size[l];
	double *w = m->net.w + nn_layer_offset(&m->net, l);

	for (int k = 0; k < ni * POLICY_NACTIONS; k++)
		w[k] *= 0.1;
	w[ni * POLICY_NACTIONS + POLICY_BASE_ACTION] = prior;
	snprintf(m->name, sizeof m->name, "learned");
	m->meta = cJSON_CreateObject();
	return 0;
}

void
model_free(struct model *m)
{
	nn_free(&m->net);
	cJSON_Delete(m->meta);
	m->meta = NULL;
}

int
model_copy(struct model *dst, const struct model *src)
{
	*dst = *src;
	dst->meta = NULL;
	dst->trace = NULL;
	if (nn_copy(&dst->net, &src->net) != 0)
		return -1;
	dst->meta = src->meta != NULL ? cJSON_Duplicate(src->meta, 1) : NULL;
	return 0;
}

/*
 * Training's stochastic policy: the action drawn from the softmax of the
 * logits with the trace's generator, and the decision appended to the trace
 * so that a policy gradient can replay it.  A trace that cannot grow stops
 * recording and says so (oom); the action is still drawn.
 */
static void
model_sample(const struct model *m, const double *in, struct policy_choice *c)
{
	struct policy_trace *tr = m->trace;
	double p[POLICY_NACTIONS], sum = 0, mx = c->logit[c->action], u, acc = 0;
	int a = POLICY_NACTIONS - 1;

	for (int k = 0; k < POLICY_NACTIONS; k++)
		sum += (p[k] = exp(c->logit[k] - mx));
	u = rng_uniform(&tr->rng) * sum;
	for (int k = 0; k < POLICY_NACTIONS; k++)
		if ((acc += p[k]) > u) {
			a = k;
			break;
		}
	c->action = a;
	if (tr->n == tr->cap) {
		int cap = tr->cap > 0 ? 2 * tr->cap : 256;
		struct policy_step *ns = realloc(tr->step, (size_t)cap *
		    sizeof *ns);

		if (ns == NULL) {
			tr->oom = 1;
			return;
		}
		tr->step = ns;
		tr->cap = cap;
	}
	struct policy_step *s = &tr->step[tr->n++];

	memset(s, 0, sizeof *s);
	memcpy(s->in, in, (size_t)m->nfeat * sizeof *in);
	s->action = a;
	s->logp = log(p[a] / sum);
}

void
model_decide(const struct model *m, const double *f, struct policy_choice *c,
             int explain)
{
	double in[FEAT_COUNT], din[FEAT_COUNT], dout[POLICY_NACTIONS];
	struct nn_work w;
	int best = 0;

	for (int i = 0; i < m->nfeat; i++)
		in[i] = f[m->feat[i]];
	nn_forward(&m->net, in, c->logit, &w);
	for (int a = 1; a < POLICY_NACTIONS; a++)
		if (c->logit[a] > c->logit[best])
			best = a;
	c->action = best;
	if (m->trace != NULL)
		model_sample(m, in, c);
	if (!explain)
		return;
	double sum = 0;

	for (int a = 0; a < POLICY_NACTIONS; a++)
		sum += (c->prob[a] = exp(c->logit[a] - c->logit[best]));
	for (int a = 0; a < POLICY_NACTIONS; a++)
		c->prob[a] /= sum;
	/* Gradient x input of the chosen logit: which inputs pushed it. */
	memset(dout, 0, sizeof dout);
	dout[c->action] = 1;
	nn_backward(&m->net, &w, dout, NULL, din);
	for (int k = 0; k < POLICY_TOP; k++) {
		c->top[k] = -1;
		c->top_w[k] = 0;
	}
	for (int i = 0; i < m->nfeat; i++) {
		double s = din[i] * in[i];

		for (int k = 0; k < POLICY_TOP; k++)
			if (c->top[k] < 0 || fabs(s) > fabs(c->top_w[k])) {
				for (int j = POLICY_TOP - 1; j > k; j--) {
					c->top[j] = c->top[j - 1];
					c->top_w[j] = c->top_w[j - 1];
				}
				c->top[k] = m->feat[i];
				c->top_w[k] = s;
				break;
			}
	}
}

cJSON *
model_to_json(const struct model *m)
{
	cJSON *o = cJSON_CreateObject(), *a;

	cJSON_AddStringToObject(o, "format", MODEL_FORMAT);
	cJSON_AddNumberToObject(o, "version", MODEL_VERSION);
	cJSON_AddStringToObject(o, "name", m->name);
	a = cJSON_AddArrayToObject(o, "features");
	for (int i = 0; i < m->nfeat; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "name", feat_name(m->feat[i]));
		cJSON_AddStringToObject(f, "norm", feat_doc(m->feat[i]));
		cJSON_AddItemToArray(a, f);
	}
	a = cJSON_AddObjectToObject(o, "actions");
	cJSON_AddItemToObject(a, "mult", cJSON_CreateDoubleArray(mults,
	    POLICY_NMULT));
	cJSON_AddItemToObject(a, "style", cJSON_CreateStringArray(style_names,
	    POLICY_NSTYLE));
	cJSON_AddStringToObject(a, "index", "mult_index * 4 + style_index");
	nn_to_json(&m->net, o);
	if (m->meta != NULL)
		cJSON_AddItemToObject(o, "meta", cJSON_Duplicate(m->meta, 1));
	return o;
}

int
model_from_json(struct model *m, const cJSON *o, char *err, size_t errlen)
{
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(o, "version");
	const cJSON *feats = cJSON_GetObjectItemCaseSensitive(o, "features");
	const cJSON *acts = cJSON_GetObjectItemCaseSensitive(o, "actions");
	const cJSON *it, *mult;
	int a;

	memset(m, 0, sizeof *m);
	if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, MODEL_FORMAT) != 0 ||
	    !cJSON_IsNumber(ver) || ver->valueint != MODEL_VERSION) {
		snprintf(err, errlen, "not a %s version %d file", MODEL_FORMAT,
		    MODEL_VERSION);
		return -1;
	}
	if (!cJSON_IsArray(feats) || cJSON_GetArraySize(feats) < 1 ||
	    cJSON_GetArraySize(feats) > FEAT_COUNT) {
		snprintf(err, errlen, "\"features\": must be an array of 1..%d "
		    "names", FEAT_COUNT);
		return -1;
	}
	cJSON_ArrayForEach(it, feats) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
		int id = cJSON_IsString(n) ? feat_find(n->valuestring) : -1;

		if (id < 0) {
			snprintf(err, errlen, "feature \"%s\" is unknown to this "
			    "engine: refusing the model (known: inv_left, time_left, "
			    "... see tranched(1))", cJSON_IsString(n) ?
			    n->valuestring : "?");
			return -1;
		}
		m->feat[m->nfeat++] = id;
	}
	mult = cJSON_GetObjectItemCaseSensitive(acts, "mult");
	if (!cJSON_IsArray(mult) || cJSON_GetArraySize(mult) != POLICY_NMULT) {
		snprintf(err, errlen, "\"actions\": not this engine's action set "
		    "(%d multipliers x %d styles)", POLICY_NMULT, POLICY_NSTYLE);
		return -1;
	}
	a = 0;
	cJSON_ArrayForEach(it, mult)
		if (!cJSON_IsNumber(it) || it->valuedouble != mults[a++]) {
			snprintf(err, errlen, "\"actions.mult\": not this engine's "
			    "multipliers");
			return -1;
		}
	if (nn_from_json(&m->net, o, m->nfeat, POLICY_NACTIONS, err,
	    errlen) != 0)
		return -1;
	it = cJSON_GetObjectItemCaseSensitive(o, "name");
	snprintf(m->name, sizeof m->name, "%s", cJSON_IsString(it) ?
	    it->valuestring : "learned");
	it = cJSON_GetObjectItemCaseSensitive(o, "meta");
	m->meta = cJSON_IsObject(it) ? cJSON_Duplicate(it, 1) :
	    cJSON_CreateObject();
	return 0;
}

int
model_save(const struct model *m, const char *path, char *err, size_t errlen)
{
	return nn_write_json(model_to_json(m), path, err, errlen);
}

int
model_load(struct model *m, const char *path, char *err, size_t errlen)
{
	char e[256];
	cJSON *o;
	int rc;

	memset(m, 0, sizeof *m);
	if (nn_read_json(path, "model", &o, err, errlen) != 0)
		return -1;
	rc = model_from_json(m, o, e, sizeof e);
	cJSON_Delete(o);
	if (rc != 0)
		snprintf(err, errlen, "model %s: %s", path, e);
	return rc;
}
