/*
 * engine/model/nn.c -- the multilayer perceptron of nn.h.
 *
 * Nothing clever: loops over small dense layers in double precision.  The
 * forward pass keeps every layer's activations in the caller's nn_work so
 * the backward pass needs no second forward and no allocation.  The
 * derivatives of tanh and relu are taken from the activations themselves
 * (1 - a^2, a > 0), which is why nn_work stores post-activation values.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
