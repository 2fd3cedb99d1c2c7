/*
 * engine/model/nn.c -- the multilayer perceptron of nn.h.
 *
 * Nothing clever: loops over small dense layers in double precision.  The
 * forward pass keeps every layer's activations in the caller's nn_work so
 * the backward pass needs no second forward and no allocation.  The
 * derivatives of tanh and relu are taken from the activations themselves
 * (1 - a^2, a > 0), which is why nn_work stores post-activation values.
 *
 * The network's file format sits here too, beside the network: a policy
 * (model.c) and an impact model (impact.c) each add their own fields around
 * the same "arch" and "weights", so neither needs the other's header.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/json/json-file.h"
#include "engine/market/rng.h"
#include "engine/model/nn.h"

static const char *act_names[] = { "linear", "tanh", "relu" };

const char *
nn_act_name(int act)
{
	return act >= NN_LINEAR && act <= NN_RELU ? act_names[act] : "?";
}

int
nn_act_parse(const char *s)
{
	for (int i = NN_LINEAR; i <= NN_RELU; i++)
		if (strcmp(s, act_names[i]) == 0)
			return i;
	return -1;
}

size_t
nn_layer_offset(const struct nn *n, int l)
{
	size_t off = 0;

	for (int i = 0; i < l; i++)
		off += (size_t)n->size[i + 1] * (size_t)(n->size[i] + 1);
	return off;
}

int
nn_init(struct nn *n, int nin, const int *hidden, int nhidden, int nout,
        int act, uint64_t seed, char *err, size_t errlen)
{
	struct rng r;

	memset(n, 0, sizeof *n);
	if (nhidden < 0 || nhidden + 1 > NN_MAX_LAYERS) {
		snprintf(err, errlen, "%d hidden layers: must be 0..%d", nhidden,
		    NN_MAX_LAYERS - 1);
		return -1;
	}
	if (act < NN_LINEAR || act > NN_RELU) {
		snprintf(err, errlen, "activation %d: unknown", act);
		return -1;
	}
	n->nlayers = nhidden + 1;
	n->size[0] = nin;
	for (int i = 0; i < nhidden; i++) {
		n->size[i + 1] = hidden[i];
		n->act[i] = act;
	}
	n->size[n->nlayers] = nout;
	n->act[nhidden] = NN_LINEAR;
	for (int i = 0; i <= n->nlayers; i++)
		if (n->size[i] < 1 || n->size[i] > NN_MAX_WIDTH) {
			snprintf(err, errlen, "layer %d width %d: must be 1..%d", i,
			    n->size[i], NN_MAX_WIDTH);
			return -1;
		}
	n->nparams = nn_layer_offset(n, n->nlayers);
	if ((n->w = calloc(n->nparams, sizeof *n->w)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rng_seed(&r, seed);
	for (int l = 0; l < n->nlayers; l++) {
		int in = n->size[l], out = n->size[l + 1];
		double lim = sqrt(6.0 / (in + out));
		double *w = n->w + nn_layer_offset(n, l);

		for (int k = 0; k < in * out; k++)
			w[k] = (2 * rng_uniform(&r) - 1) * lim;
	}
	return 0;
}

void
nn_free(struct nn *n)
{
	free(n->w);
	n->w = NULL;
}

int
nn_copy(struct nn *dst, const struct nn *src)
{
	*dst = *src;
	if ((dst->w = malloc(src->nparams * sizeof *dst->w)) == NULL)
		return -1;
	memcpy(dst->w, src->w, src->nparams * sizeof *dst->w);
	return 0;
}

void
nn_forward(const struct nn *n, const double *in, double *out,
           struct nn_work *work)
{
	struct nn_work local;
	struct nn_work *wk = work != NULL ? work : &local;
	const double *w = n->w;

	memcpy(wk->a[0], in, (size_t)n->size[0] * sizeof *in);
	for (int l = 0; l < n->nlayers; l++) {
		int ni = n->size[l], no = n->size[l + 1], act = n->act[l];
		const double *b = w + (size_t)ni * no, *x = wk->a[l];
		double *y = wk->a[l + 1];

		for (int o = 0; o < no; o++) {
			const double *row = w + (size_t)o * ni;
			double s = b[o];

			for (int i = 0; i < ni; i++)
				s += row[i] * x[i];
			y[o] = act == NN_TANH ? tanh(s) : act == NN_RELU ?
			    (s > 0 ? s : 0) : s;
		}
		w += (size_t)no * (ni + 1);
	}
	memcpy(out, wk->a[n->nlayers], (size_t)n->size[n->nlayers] *
	    sizeof *out);
}

void
nn_backward(const struct nn *n, const struct nn_work *wk, const double *dout,
            double *grad, double *din)
{
	double d[NN_MAX_WIDTH], dprev[NN_MAX_WIDTH];

	memcpy(d, dout, (size_t)n->size[n->nlayers] * sizeof *d);
	for (int l = n->nlayers - 1; l >= 0; l--) {
		int ni = n->size[l], no = n->size[l + 1], act = n->act[l];
		size_t off = nn_layer_offset(n, l);
		const double *w = n->w + off, *x = wk->a[l], *y = wk->a[l + 1];

		/* Through the activation: d/ds from d/dy. */
		for (int o = 0; o < no; o++)
			if (act == NN_TANH)
				d[o] *= 1 - y[o] * y[o];
			else if (act == NN_RELU && y[o] <= 0)
				d[o] = 0;
		if (grad != NULL) {
			double *g = grad + off, *gb = g + (size_t)ni * no;

			for (int o = 0; o < no; o++) {
				for (int i = 0; i < ni; i++)
					g[(size_t)o * ni + i] += d[o] * x[i];
				gb[o] += d[o];
			}
		}
		if (l == 0 && din == NULL)
			break;
		for (int i = 0; i < ni; i++) {
			double s = 0;

			for (int o = 0; o < no; o++)
				s += w[(size_t)o * ni + i] * d[o];
			dprev[i] = s;
		}
		memcpy(d, dprev, (size_t)ni * sizeof *d);
	}
	if (din != NULL)
		memcpy(din, d, (size_t)n->size[0] * sizeof *din);
}

int
nn_adam_init(struct nn_adam *a, size_t n, double lr)
{
	memset(a, 0, sizeof *a);
	a->n = n;
	a->lr = lr;
	a->b1 = 0.9;
	a->b2 = 0.999;
	a->eps = 1e-8;
	a->m = calloc(n, sizeof *a->m);
	a->v = calloc(n, sizeof *a->v);
	if (a->m == NULL || a->v == NULL) {
		nn_adam_free(a);
		return -1;
	}
	return 0;
}

void
nn_adam_step(struct nn_adam *a, double *w, const double *g)
{
	double c1, c2;

	a->t++;
	c1 = 1 - pow(a->b1, (double)a->t);
	c2 = 1 - pow(a->b2, (double)a->t);
	for (size_t i = 0; i < a->n; i++) {
		a->m[i] = a->b1 * a->m[i] + (1 - a->b1) * g[i];
		a->v[i] = a->b2 * a->v[i] + (1 - a->b2) * g[i] * g[i];
		w[i] -= a->lr * (a->m[i] / c1) / (sqrt(a->v[i] / c2) + a->eps);
	}
}

void
nn_adam_free(struct nn_adam *a)
{
	free(a->m);
	free(a->v);
	a->m = a->v = NULL;
}

/* ---- the network in a model file ------------------------------------ */

/* %.17g round-trips a double; cJSON's own printer keeps only 15 digits. */
cJSON *
nn_raw_array(const double *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++) {
		char buf[32];

		snprintf(buf, sizeof buf, "%.17g", v[i]);
		cJSON_AddItemToArray(a, cJSON_CreateRaw(buf));
	}
	return a;
}

void
nn_to_json(const struct nn *n, cJSON *o)
{
	cJSON *arch = cJSON_AddObjectToObject(o, "arch");

	cJSON_AddItemToObject(arch, "layers", cJSON_CreateIntArray(n->size,
	    n->nlayers + 1));
	cJSON_AddStringToObject(arch, "hidden_act", nn_act_name(n->act[0]));
	cJSON_AddStringToObject(arch, "output_act", "linear");
	cJSON_AddStringToObject(arch, "layout", "per layer: weights out x in "
	    "row-major, then biases");
	cJSON_AddItemToObject(o, "weights", nn_raw_array(n->w, n->nparams));
}

int
nn_from_json(struct nn *n, const cJSON *o, int nin_want, int nout_want,
             char *err, size_t errlen)
{
	const cJSON *arch = cJSON_GetObjectItemCaseSensitive(o, "arch");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "weights");
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(arch, "layers");
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(arch, "hidden_act");
	const cJSON *it;
	int hidden[NN_MAX_LAYERS], nl = 0, nin = 0, nout = 0, i = 0;
	size_t k = 0;

	if (!cJSON_IsArray(layers) || cJSON_GetArraySize(layers) < 2 ||
	    cJSON_GetArraySize(layers) > NN_MAX_LAYERS + 1 ||
	    !cJSON_IsString(act) || nn_act_parse(act->valuestring) < 0) {
		snprintf(err, errlen, "\"arch\": needs \"layers\" (2..%d sizes) and "
		    "\"hidden_act\" (linear, tanh, relu)", NN_MAX_LAYERS + 1);
		return -1;
	}
	cJSON_ArrayForEach(it, layers) {
		/* Whole numbers only: 17.9 was read as 17. */
		int v = cJSON_IsNumber(it) && it->valuedouble ==
		    floor(it->valuedouble) && it->valuedouble >= 1 &&
		    it->valuedouble <= NN_MAX_WIDTH ? (int)it->valuedouble : -1;

		if (v < 0) {
			snprintf(err, errlen, "\"arch.layers\": %g is not a layer "
			    "size (a whole number, 1..%d)", cJSON_IsNumber(it) ?
			    it->valuedouble : NAN, NN_MAX_WIDTH);
			return -1;
		}

		if (i == 0)
			nin = v;
		else if (i == cJSON_GetArraySize(layers) - 1)
			nout = v;
		else
			hidden[nl++] = v;
		i++;
	}
	if (nin != nin_want || nout != nout_want) {
		snprintf(err, errlen, "\"arch.layers\": %d inputs and %d outputs, "
		    "want %d and %d", nin, nout, nin_want, nout_want);
		return -1;
	}
	if (nn_init(n, nin, hidden, nl, nout, nn_act_parse(act->valuestring), 0,
	    err, errlen) != 0)
		return -1;
	if (!cJSON_IsArray(w) || (size_t)cJSON_GetArraySize(w) != n->nparams) {
		snprintf(err, errlen, "\"weights\": %d numbers, the architecture "
		    "needs %zu", cJSON_IsArray(w) ? cJSON_GetArraySize(w) : 0,
		    n->nparams);
		nn_free(n);
		return -1;
	}
	cJSON_ArrayForEach(it, w) {
		/* Finite is not enough: weights of 1.7e308 overflowed every
		 * score, and the policy fell back to its baseline without a
		 * word (found by a review). */
		if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) ||
		    fabs(it->valuedouble) > NN_WEIGHT_MAX) {
			char *v = cJSON_IsNumber(it) && isfinite(it->valuedouble) ?
			    cJSON_PrintUnformatted(it) : NULL;

			snprintf(err, errlen, "\"weights\"[%zu] %s: must be a "
			    "number within +-%g", k, v != NULL ? v :
			    cJSON_IsNumber(it) ? "(not finite)" : "(not a number)",
			    NN_WEIGHT_MAX);
			cJSON_free(v);
			nn_free(n);
			return -1;
		}
		n->w[k++] = it->valuedouble;
	}
	return 0;
}

/* Write o (taken) as indented JSON to path: 0, or -1 with err naming the
 * file. */
int
nn_write_json(cJSON *o, const char *path, char *err, size_t errlen)
{
	char *s = cJSON_Print(o);
	FILE *f;
	int rc = 0;

	cJSON_Delete(o);
	if (s == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if ((f = fopen(path, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(s);
		return -1;
	}
	if (fputs(s, f) < 0 || fputc('\n', f) < 0)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc != 0)
		snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
	free(s);
	return rc;
}

/*
 * Read a JSON model file (a policy or an impact model): at most 64 MiB,
 * parsed whole.  0 and *out (cJSON_Delete it), or -1 with err naming what
 * (e.g. "model") and the file.
 */
int
nn_read_json(const char *path, const char *what, cJSON **out, char *err,
             size_t errlen)
{
	FILE *f;
	char *buf = NULL, e[200];
	long n = 0;
	struct stat st;

	*out = NULL;
	/* Not a FIFO (fopen would wait for a writer) nor a directory. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: not a regular file", what, path);
		return -1;
	}
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (64L << 20) ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errlen, "%s %s: cannot read it%s", what, path,
		    n > (64L << 20) ? " (larger than 64 MiB)" : "");
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	*out = json_parse_strict(buf, (size_t)n, NULL, e, sizeof e);
	free(buf);
	if (*out == NULL) {
		snprintf(err, errlen, "%s %s: %s", what, path, e);
		return -1;
	}
	return 0;
}
