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
/* Version 4: an optional second head, "no_book", for markets with no
 * book to rest in.  Version 3 (a fifth urgency, AC's own: the "anchor"
 * list) is read as it is, one head for every market.  Version 2 (four
 * urgencies, all on the baseline's) and version 1 (multipliers of AC's
 * slice) are refused by name. */
#define MODEL_VERSION 6
#define MODEL_VERSION_MIN 3
/* Version 5: an optional "news_rule" (struct news_rule); version 6: an
 * optional "hard_news" (struct hard_rule).  A model is written with the
 * lowest version that holds what it has, so that an engine before a rule
 * still reads a model without it. */

/* Urgency offsets in kappa (T - t) units on top of the baseline's: one
 * slower (back-loading when the baseline is near a straight line), and
 * three faster, the last as fast as a news-driven sell-off wants; then
 * AC's urgency as it is, without the baseline's answer to the price (in
 * a market where that answer only adds cost and risk, as in the
 * Almgren-Chriss world). */
static const double urgs[POLICY_NURG] = { 0, -1, 2, 5, 0 };
static const int anchors[POLICY_NURG] = { 0, 0, 0, 0, 1 };
static const char *anchor_names[2] = { "ais-pass", "ac" };
/* Fractions of what is left due now. */
static const double lumps[POLICY_NLUMP] = { 0, 0.1, 0.3 };
static const char *style_names[POLICY_NSTYLE] = {
	"tactic", "passive", "inside", "cross",
};

static int
policy_ok(int action)
{
	return action >= 0 && action < POLICY_NACTIONS;
}

double
policy_urgency(int action)
{
	return policy_ok(action) ? urgs[action / POLICY_NSTYLE / POLICY_NLUMP] : 0;
}

int
policy_anchor(int action)
{
	return policy_ok(action) ? anchors[action / POLICY_NSTYLE /
	    POLICY_NLUMP] : 0;
}

double
policy_lump(int action)
{
	return policy_ok(action) ? lumps[action / POLICY_NSTYLE % POLICY_NLUMP] :
	    0;
}

int
policy_style(int action)
{
	return policy_ok(action) ? action % POLICY_NSTYLE : POLICY_TACTIC;
}

void
policy_action_name(char *buf, size_t n, int action)
{
	double u = policy_urgency(action), l = policy_lump(action);
	char us[32] = "", ls[32] = "";

	if (!policy_ok(action) || action == POLICY_BASE_ACTION) {
		snprintf(buf, n, "base");
		return;
	}
	if (policy_anchor(action))
		snprintf(us, sizeof us, u != 0 ? "ac%+g " : "ac ", u);
	else if (u != 0)
		snprintf(us, sizeof us, "u%+g ", u);
	if (l > 0)
		snprintf(ls, sizeof ls, "lump %g%% ", 100 * l);
	snprintf(buf, n, "%s%s%s", us, ls, style_names[policy_style(action)]);
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
	if (nn_init(&m->net, FEAT_COUNT - 1, hidden, nhidden, POLICY_NACTIONS,
	    NN_TANH, seed, err, errlen) != 0)
		return -1;
	for (int i = 0; i < FEAT_COUNT; i++)
		if (i != FEAT_IMPACT_EST)
			m->feat[m->nfeat++] = i;
	/* A silent output layer and a preference for the base action: the
	 * untrained policy is its baseline on every input, exactly (a test
	 * holds it to the baseline's fills), and training learns the residual.
	 * The evolution strategy's perturbations of the output layer are what
	 * first move it; the hidden layers matter from then on. */
	int l = m->net.nlayers - 1, ni = m->net.size[l];
	double *w = m->net.w + nn_layer_offset(&m->net, l);

	for (int k = 0; k < ni * POLICY_NACTIONS; k++)
		w[k] = 0;
	for (int k = 0; k < POLICY_NACTIONS; k++)
		w[ni * POLICY_NACTIONS + k] = 0;
	w[ni * POLICY_NACTIONS + POLICY_BASE_ACTION] = prior;
	snprintf(m->name, sizeof m->name, "learned");
	m->meta = cJSON_CreateObject();
	return 0;
}

void
model_free(struct model *m)
{
	nn_free(&m->net);
	nn_free(&m->no_book);
	memset(&m->no_book, 0, sizeof m->no_book);
	cJSON_Delete(m->meta);
	m->meta = NULL;
}

int
model_uses(const struct model *m, int id)
{
	for (int i = 0; i < m->nfeat; i++)
		if (m->feat[i] == id)
			return 1;
	return 0;
}

int
model_copy(struct model *dst, const struct model *src)
{
	*dst = *src;
	dst->meta = NULL;
	memset(&dst->no_book, 0, sizeof dst->no_book);
	if (nn_copy(&dst->net, &src->net) != 0)
		return -1;
	if (src->no_book.nlayers > 0 && nn_copy(&dst->no_book,
	    &src->no_book) != 0) {
		nn_free(&dst->net);
		memset(&dst->no_book, 0, sizeof dst->no_book);
		return -1;
	}
	dst->meta = src->meta != NULL ? cJSON_Duplicate(src->meta, 1) : NULL;
	return 0;
}

const struct nn *
model_head_net(const struct model *m, int head)
{
	return head == MODEL_HEAD_NO_BOOK && m->no_book.nlayers > 0 &&
	    m->no_book.w != NULL ? &m->no_book : &m->net;
}

int
model_no_book_fits(const struct model *m, const struct model *src,
                   char *err, size_t errlen)
{
	if (src->nfeat != m->nfeat) {
		snprintf(err, errlen, "the no-book head must read this model's %d "
		    "features (it reads %d)", m->nfeat, src->nfeat);
		return -1;
	}
	for (int i = 0; i < m->nfeat; i++)
		if (src->feat[i] != m->feat[i]) {
			snprintf(err, errlen, "the no-book head must read this "
			    "model's features in its order: input %d is \"%s\" "
			    "there, \"%s\" here", i, feat_name(src->feat[i]),
			    feat_name(m->feat[i]));
			return -1;
		}
	return 0;
}

int
model_set_no_book(struct model *m, const struct model *src, char *err,
                  size_t errlen)
{
	/* A model that has a no-book head of its own gives that one. */
	const struct nn *from = model_head_net(src, MODEL_HEAD_NO_BOOK);
	struct nn n;

	if (model_no_book_fits(m, src, err, errlen) != 0)
		return -1;
	if (nn_copy(&n, from) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nn_free(&m->no_book);
	m->no_book = n;
	return 0;
}

int
model_trainable(const struct model *m, const char *who, char *err,
                size_t errlen)
{
	if (m->no_book.nlayers == 0)
		return 0;
	snprintf(err, errlen, "%s: the model carries a no-book head, which "
	    "training would not see: train one head, attach the other after "
	    "(tranched train --no-book-head)", who);
	return -1;
}

void
model_decide(const struct model *m, const double *f, struct policy_choice *c,
             int explain)
{
	model_decide_head(m, MODEL_HEAD_BOOK, f, c, explain);
}

void
model_decide_head(const struct model *m, int head, const double *f,
                  struct policy_choice *c, int explain)
{
	double in[FEAT_COUNT], din[FEAT_COUNT], dout[POLICY_NACTIONS];
	const struct nn *net = model_head_net(m, head);
	struct nn_work w;
	int best = 0;

	for (int i = 0; i < m->nfeat; i++)
		in[i] = f[m->feat[i]];
	nn_forward(net, in, c->logit, &w);
	for (int a = 1; a < POLICY_NACTIONS; a++)
		if (c->logit[a] > c->logit[best])
			best = a;
	c->action = best;
	if (!explain)
		return;
	double sum = 0;

	for (int a = 0; a < POLICY_NACTIONS; a++)
		sum += (c->prob[a] = exp(c->logit[a] - c->logit[best]));
	for (int a = 0; a < POLICY_NACTIONS; a++)
		c->prob[a] /= sum;
	/* Gradient x input of the chosen logit: which inputs pushed it. */
	memset(dout, 0, sizeof dout);
	dout[best] = 1;
	nn_backward(net, &w, dout, NULL, din);
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

double
model_logp(const struct policy_choice *c, int action)
{
	double mx = c->logit[0], sum = 0;

	for (int a = 1; a < POLICY_NACTIONS; a++)
		if (c->logit[a] > mx)
			mx = c->logit[a];
	for (int a = 0; a < POLICY_NACTIONS; a++)
		sum += exp(c->logit[a] - mx);
	return c->logit[action] - mx - log(sum);
}

cJSON *
model_to_json(const struct model *m)
{
	cJSON *o = cJSON_CreateObject(), *a, *u;

	cJSON_AddStringToObject(o, "format", MODEL_FORMAT);
	cJSON_AddNumberToObject(o, "version", m->hard.on ? 6 : m->news.on ? 5 :
	    4);
	cJSON_AddStringToObject(o, "name", m->name);
	a = cJSON_AddArrayToObject(o, "features");
	for (int i = 0; i < m->nfeat; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "name", feat_name(m->feat[i]));
		cJSON_AddStringToObject(f, "norm", feat_doc(m->feat[i]));
		cJSON_AddItemToArray(a, f);
	}
	a = cJSON_AddObjectToObject(o, "actions");
	cJSON_AddItemToObject(a, "urgency", cJSON_CreateDoubleArray(urgs,
	    POLICY_NURG));
	u = cJSON_AddArrayToObject(a, "anchor");
	for (int i = 0; i < POLICY_NURG; i++)
		cJSON_AddItemToArray(u, cJSON_CreateString(
		    anchor_names[anchors[i]]));
	cJSON_AddItemToObject(a, "lump", cJSON_CreateDoubleArray(lumps,
	    POLICY_NLUMP));
	cJSON_AddItemToObject(a, "style", cJSON_CreateStringArray(style_names,
	    POLICY_NSTYLE));
	cJSON_AddStringToObject(a, "baseline", "ais-pass");
	cJSON_AddStringToObject(a, "index", "(urgency_index * 3 + lump_index) * "
	    "4 + style_index");
	nn_to_json(&m->net, o);
	if (m->no_book.nlayers > 0) {
		cJSON *h = cJSON_AddObjectToObject(o, "no_book");

		cJSON_AddStringToObject(h, "markets", "no book to rest in (the "
		    "Almgren-Chriss world); \"arch\" and \"weights\" above "
		    "decide in every other market");
		nn_to_json(&m->no_book, h);
	}
	if (m->news.on)
		cJSON_AddItemToObject(o, "news_rule", news_rule_to_json(&m->news));
	if (m->hard.on)
		cJSON_AddItemToObject(o, "hard_news", hard_rule_to_json(&m->hard));
	if (m->meta != NULL)
		cJSON_AddItemToObject(o, "meta", cJSON_Duplicate(m->meta, 1));
	return o;
}

cJSON *
news_rule_to_json(const struct news_rule *r)
{
	cJSON *o = cJSON_CreateObject();
	double after[2] = { r->after_lo, r->after_hi };

	cJSON_AddStringToObject(o, "what", "take \"take\" of the remainder at "
	    "once, crossing, when the newest news item is between after_s "
	    "seconds old, its sentiment is against the block, the 30-s move is "
	    "move30_sigma against it, and no 5-s move of the item's first 5 s "
	    "reached priced_sigma either way; once per item");
	cJSON_AddItemToObject(o, "after_s", cJSON_CreateDoubleArray(after, 2));
	cJSON_AddNumberToObject(o, "move30_sigma", r->move_k);
	cJSON_AddNumberToObject(o, "priced_sigma", r->priced_k);
	cJSON_AddNumberToObject(o, "take", r->take);
	return o;
}

/* Rule `rule`'s number `name` (o's) into *v, within [lo, hi]; -1 naming
 * it otherwise. */
static int
rule_num(const cJSON *o, const char *rule, const char *name, double lo,
         double hi, double *v, char *err, size_t errlen)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	char *txt;

	if (cJSON_IsNumber(it) && isfinite(it->valuedouble) &&
	    it->valuedouble >= lo && it->valuedouble <= hi) {
		*v = it->valuedouble;
		return 0;
	}
	txt = it != NULL ? cJSON_PrintUnformatted(it) : NULL;
	snprintf(err, errlen, "\"%s.%s\": %s: must be a number from %g "
	    "to %g", rule, name, txt != NULL ? txt : "missing", lo, hi);
	free(txt);
	return -1;
}

int
news_rule_from_json(struct news_rule *r, const cJSON *o, char *err,
                    size_t errlen)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "after_s");
	struct news_rule n = { .on = 1 };

	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "\"news_rule\": must be an object");
		return -1;
	}
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 2 ||
	    !cJSON_IsNumber(cJSON_GetArrayItem(a, 0)) ||
	    !cJSON_IsNumber(cJSON_GetArrayItem(a, 1)) ||
	    !(cJSON_GetArrayItem(a, 0)->valuedouble >= 0) ||
	    !(cJSON_GetArrayItem(a, 1)->valuedouble <= 3600) ||
	    !(cJSON_GetArrayItem(a, 0)->valuedouble <
	    cJSON_GetArrayItem(a, 1)->valuedouble)) {
		char *txt = a != NULL ? cJSON_PrintUnformatted(a) : NULL;

		snprintf(err, errlen, "\"news_rule.after_s\": %s: must be [lo, "
		    "hi] seconds with 0 <= lo < hi <= 3600", txt != NULL ? txt :
		    "missing");
		free(txt);
		return -1;
	}
	n.after_lo = cJSON_GetArrayItem(a, 0)->valuedouble;
	n.after_hi = cJSON_GetArrayItem(a, 1)->valuedouble;
	if (rule_num(o, "news_rule", "move30_sigma", 0.1, 100, &n.move_k, err,
	    errlen) != 0 || rule_num(o, "news_rule", "priced_sigma", 0.1, 1e6,
	    &n.priced_k, err, errlen) != 0 || rule_num(o, "news_rule", "take",
	    0.01, 1, &n.take, err, errlen) != 0)
		return -1;
	*r = n;
	return 0;
}

cJSON *
hard_rule_to_json(const struct hard_rule *r)
{
	cJSON *o = cJSON_CreateObject();
	char name[32];

	policy_action_name(name, sizeof name, r->action);
	cJSON_AddStringToObject(o, "what", "while the newest news item is one "
	    "whose first 5 s moved the price priced_sigma or more either way "
	    "(hard news, already in the price), take \"action\" at every "
	    "decision instead of the Q-function's choice");
	cJSON_AddNumberToObject(o, "priced_sigma", r->priced_k);
	cJSON_AddStringToObject(o, "action", name);
	return o;
}

int
hard_rule_from_json(struct hard_rule *r, const cJSON *o, char *err,
                    size_t errlen)
{
	struct hard_rule h = { .on = 1, .action = -1 };
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "action");
	char name[32];

	if (!cJSON_IsObject(o)) {
		char *txt = cJSON_PrintUnformatted(o);

		snprintf(err, errlen, "\"hard_news\": %s: must be an object",
		    txt != NULL ? txt : "?");
		free(txt);
		return -1;
	}
	/* The news rule's bounds. */
	if (rule_num(o, "hard_news", "priced_sigma", 0.1, 1e6, &h.priced_k,
	    err, errlen) != 0)
		return -1;
	for (int i = 0; cJSON_IsString(a) && i < POLICY_NACTIONS; i++) {
		policy_action_name(name, sizeof name, i);
		if (policy_lump(i) == 0 && strcmp(name, a->valuestring) == 0)
			h.action = i;
	}
	if (h.action < 0) {
		char *txt = a != NULL ? cJSON_PrintUnformatted(a) : NULL;

		snprintf(err, errlen, "\"hard_news.action\": %s: must name an "
		    "action without a lump (\"ac passive\", \"passive\", "
		    "\"base\", ... see tranched(1))", txt != NULL ? txt :
		    "missing");
		free(txt);
		return -1;
	}
	*r = h;
	return 0;
}

/* actions.NAME must be this engine's list v[n], value for value. */
static int
model_check_list(const cJSON *acts, const char *name, const double *v, int n,
                 char *err, size_t errlen)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(acts, name), *it;
	int a = 0;

	if (!cJSON_IsArray(l) || cJSON_GetArraySize(l) != n) {
		snprintf(err, errlen, "\"actions.%s\": not this engine's action set "
		    "(%d urgencies x %d lumps x %d styles)", name, POLICY_NURG,
		    POLICY_NLUMP, POLICY_NSTYLE);
		return -1;
	}
	cJSON_ArrayForEach(it, l)
		if (!cJSON_IsNumber(it) || it->valuedouble != v[a++]) {
			snprintf(err, errlen, "\"actions.%s\": value %g is not this "
			    "engine's %g", name, cJSON_IsNumber(it) ?
			    it->valuedouble : NAN, v[a - 1]);
			return -1;
		}
	return 0;
}

/* actions.NAME, a list of n names, must be this engine's want[], name for
 * name (the anchors' and the styles'). */
static int
model_check_names(const cJSON *acts, const char *name,
                  const char *const *want, int n, char *err, size_t errlen)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(acts, name), *it;
	int a = 0;

	if (!cJSON_IsArray(l) || cJSON_GetArraySize(l) != n) {
		snprintf(err, errlen, "\"actions.%s\": not this engine's action "
		    "set (%d urgencies x %d lumps x %d styles)", name, POLICY_NURG,
		    POLICY_NLUMP, POLICY_NSTYLE);
		return -1;
	}
	cJSON_ArrayForEach(it, l) {
		const char *w = want[a++];

		if (!cJSON_IsString(it) || strcmp(it->valuestring, w) != 0) {
			snprintf(err, errlen, "\"actions.%s\": value \"%.40s\" is "
			    "not this engine's \"%s\"", name, cJSON_IsString(it) ?
			    it->valuestring : "?", w);
			return -1;
		}
	}
	return 0;
}

/* actions.anchor must be this engine's, name for name; so must the
 * styles, and the baseline is ais-pass. */
static int
model_check_anchor(const cJSON *acts, char *err, size_t errlen)
{
	const char *want[POLICY_NURG];
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(acts, "baseline");

	for (int a = 0; a < POLICY_NURG; a++)
		want[a] = anchor_names[anchors[a]];
	if (model_check_names(acts, "anchor", want, POLICY_NURG, err,
	    errlen) != 0 || model_check_names(acts, "style", style_names,
	    POLICY_NSTYLE, err, errlen) != 0)
		return -1;
	if (!cJSON_IsString(b) || strcmp(b->valuestring, "ais-pass") != 0) {
		snprintf(err, errlen, "\"actions.baseline\": %s is not this "
		    "engine's \"ais-pass\"", cJSON_IsString(b) ? b->valuestring :
		    "missing or not a name");
		return -1;
	}
	return 0;
}

int
model_from_json(struct model *m, const cJSON *o, char *err, size_t errlen)
{
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(o, "version");
	const cJSON *feats = cJSON_GetObjectItemCaseSensitive(o, "features");
	const cJSON *acts = cJSON_GetObjectItemCaseSensitive(o, "actions");
	const cJSON *it;

	memset(m, 0, sizeof *m);
	if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, MODEL_FORMAT) != 0 ||
	    !cJSON_IsNumber(ver) || ver->valuedouble != (double)ver->valueint ||
	    ver->valueint < MODEL_VERSION_MIN || ver->valueint > MODEL_VERSION) {
		/* The version as the file wrote it ("5" read as nan). */
		char *v = ver != NULL ? cJSON_PrintUnformatted(ver) : NULL;

		snprintf(err, errlen, "format \"%.60s\" version %.40s: this engine "
		    "reads %s version %d to %d (re-train: scripts/train)",
		    cJSON_IsString(fmt) ? fmt->valuestring : "?",
		    v != NULL ? v : "(missing)", MODEL_FORMAT,
		    MODEL_VERSION_MIN, MODEL_VERSION);
		cJSON_free(v);
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
		/* Each once: a name twice fed one input where the network was
		 * trained on another (found by a review). */
		for (int k = 0; k < m->nfeat; k++)
			if (m->feat[k] == id) {
				snprintf(err, errlen, "feature \"%s\" is named twice "
				    "(features %d and %d): refusing the model", n->valuestring,
				    k, m->nfeat);
				return -1;
			}
		m->feat[m->nfeat++] = id;
	}
	if (model_check_list(acts, "urgency", urgs, POLICY_NURG, err, errlen) != 0 ||
	    model_check_anchor(acts, err, errlen) != 0 ||
	    model_check_list(acts, "lump", lumps, POLICY_NLUMP, err, errlen) != 0)
		return -1;
	if (nn_from_json(&m->net, o, m->nfeat, POLICY_NACTIONS, err,
	    errlen) != 0)
		return -1;
	it = cJSON_GetObjectItemCaseSensitive(o, "no_book");
	if (it != NULL) {
		char e[256] = "must be an object with \"arch\" and "
		    "\"weights\" (version 4)";

		if (!cJSON_IsObject(it) || ver->valueint < 4 ||
		    nn_from_json(&m->no_book, it, m->nfeat, POLICY_NACTIONS, e,
		    sizeof e) != 0) {
			snprintf(err, errlen, "\"no_book\": %s", e);
			nn_free(&m->net);
			memset(&m->no_book, 0, sizeof m->no_book);
			return -1;
		}
	}
	/* The rules, each from the version that brought it. */
	it = cJSON_GetObjectItemCaseSensitive(o, "news_rule");
	if (it != NULL && (ver->valueint < 5 || news_rule_from_json(&m->news, it,
	    err, errlen) != 0)) {
		if (ver->valueint < 5)
			snprintf(err, errlen, "\"news_rule\": needs version 5 (the "
			    "file says %d)", ver->valueint);
		goto fail;
	}
	it = cJSON_GetObjectItemCaseSensitive(o, "hard_news");
	if (it != NULL && (ver->valueint < 6 || hard_rule_from_json(&m->hard, it,
	    err, errlen) != 0)) {
		if (ver->valueint < 6)
			snprintf(err, errlen, "\"hard_news\": needs version 6 (the "
			    "file says %d)", ver->valueint);
		goto fail;
	}
	it = cJSON_GetObjectItemCaseSensitive(o, "name");
	snprintf(m->name, sizeof m->name, "%s", cJSON_IsString(it) ?
	    it->valuestring : "learned");
	it = cJSON_GetObjectItemCaseSensitive(o, "meta");
	m->meta = cJSON_IsObject(it) ? cJSON_Duplicate(it, 1) :
	    cJSON_CreateObject();
	return 0;
fail:
	nn_free(&m->net);
	nn_free(&m->no_book);
	memset(&m->no_book, 0, sizeof m->no_book);
	return -1;
}

int
model_save(const struct model *m, const char *path, char *err, size_t errlen)
{
	return nn_write_json(model_to_json(m), path, err, errlen);
}

uint64_t
model_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t
model_fnv_net(uint64_t h, const struct nn *n)
{
	h = model_fnv(h, &n->nlayers, sizeof n->nlayers);
	for (int l = 0; l < n->nlayers; l++) {
		h = model_fnv(h, &n->size[l], sizeof n->size[l]);
		h = model_fnv(h, &n->act[l], sizeof n->act[l]);
	}
	if (n->nlayers > 0)
		h = model_fnv(h, &n->size[n->nlayers], sizeof n->size[0]);
	/* A weight of -0 decides as 0 does, and a file rewritten by another
	 * JSON writer (scripts/evaluate's) may turn one into the other. */
	for (size_t i = 0; n->w != NULL && i < n->nparams; i++) {
		double v = n->w[i] == 0 ? 0.0 : n->w[i];

		h = model_fnv(h, &v, sizeof v);
	}
	return h;
}

uint64_t
model_digest(const struct model *m)
{
	uint64_t h = 14695981039346656037ULL;

	h = model_fnv(h, &m->nfeat, sizeof m->nfeat);
	h = model_fnv(h, m->feat, (size_t)m->nfeat * sizeof *m->feat);
	h = model_fnv_net(h, &m->net);
	h = model_fnv_net(h, &m->no_book);
	h = model_fnv(h, &m->news.on, sizeof m->news.on);
	if (m->news.on) {
		const double v[] = { m->news.after_lo, m->news.after_hi,
		    m->news.move_k, m->news.priced_k, m->news.take };

		h = model_fnv(h, v, sizeof v);
	}
	/* Only when on: a model without the rule keeps the digest it had
	 * before there was one (journals name it). */
	if (m->hard.on) {
		const double v[] = { m->hard.priced_k, (double)m->hard.action };

		h = model_fnv(h, &m->hard.on, sizeof m->hard.on);
		h = model_fnv(h, v, sizeof v);
	}
	return h;
}

char *
model_digest_hex(uint64_t d, char *buf)
{
	snprintf(buf, MODEL_DIGEST_HEX, "%016llx", (unsigned long long)d);
	return buf;
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
