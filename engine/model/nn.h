/*
 * engine/model/nn.h -- a small multilayer perceptron: dense layers with
 * tanh, relu or linear activations, a forward pass, backpropagation, Adam,
 * seeded initialisation, and the network's JSON in a model file.  Part of
 * engine/model/'s API (model.h has the rest: features, the policy, model
 * files, training).
 *
 * Sizes are small (at most NN_MAX_WIDTH units a layer, NN_MAX_LAYERS
 * layers), so a forward pass works in a caller-provided struct nn_work on
 * the stack and allocates nothing: a decision must take microseconds.  All
 * parameters live in one array, layer by layer, each layer its weights
 * (row-major, out x in) then its biases: an optimiser or an evolution
 * strategy sees one vector.
 */
#ifndef TRANCHE_MODEL_NN_H
#define TRANCHE_MODEL_NN_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define NN_MAX_LAYERS 4
#define NN_MAX_WIDTH 64
/* The largest weight a file may hold: the shipped policy's largest is
 * 1000; scores past a double's range decide nothing. */
#define NN_WEIGHT_MAX 1e6

enum nn_act { NN_LINEAR, NN_TANH, NN_RELU };

struct nn {
	int nlayers;                   /* dense layers (hidden + output) */
	int size[NN_MAX_LAYERS + 1];   /* size[0] inputs ... size[nlayers] outputs */
	int act[NN_MAX_LAYERS];        /* activation of each layer */
	size_t nparams;
	double *w;
};

/* Activations of one forward pass, kept for backpropagation. */
struct nn_work {
	double a[NN_MAX_LAYERS + 1][NN_MAX_WIDTH];
};

/* A network nin -> hidden[0] -> ... -> nout, hidden layers with act, the
 * output linear; Xavier-uniform weights from seed, zero biases.  0, or -1
 * with err saying which size is out of range. */
int nn_init(struct nn *n, int nin, const int *hidden, int nhidden, int nout,
            int act, uint64_t seed, char *err, size_t errlen);
void nn_free(struct nn *n);
int nn_copy(struct nn *dst, const struct nn *src);

/* Offset of layer l's weights and biases in w. */
size_t nn_layer_offset(const struct nn *n, int l);

/* out[size[nlayers]] from in[size[0]]; w may be NULL. */
void nn_forward(const struct nn *n, const double *in, double *out,
                struct nn_work *w);

/* After nn_forward(in, w): add d(sum_k dout[k] out[k]) / d params to grad
 * (may be NULL) and store d/d inputs in din (may be NULL). */
void nn_backward(const struct nn *n, const struct nn_work *w,
                 const double *dout, double *grad, double *din);

const char *nn_act_name(int act);
int nn_act_parse(const char *s);

/* Adam (Kingma & Ba 2015), minimising: w -= lr * mhat / (sqrt(vhat) + eps). */
struct nn_adam {
	size_t n;
	double lr, b1, b2, eps;
	long t;
	double *m, *v;
};
int nn_adam_init(struct nn_adam *a, size_t n, double lr);
void nn_adam_step(struct nn_adam *a, double *w, const double *grad);
void nn_adam_free(struct nn_adam *a);

/*
 * The network's file format, beside the network: one JSON shape for every
 * model file that carries one (policies and impact models alike).
 */
/* "arch" (layers, activations) and "weights" (%.17g, so they round-trip)
 * added to o.  The reader checks the sizes against nin and nout and
 * initialises n: 0, or -1 with err naming the field. */
void nn_to_json(const struct nn *n, cJSON *o);
int nn_from_json(struct nn *n, const cJSON *o, int nin, int nout, char *err,
                 size_t errlen);
/* Numbers as raw %.17g JSON, exactly as they are. */
cJSON *nn_raw_array(const double *v, size_t n);
/* A model file's JSON (both kinds): 0 and *out, or -1 with err naming
 * `what` and the file. */
int nn_read_json(const char *path, const char *what, cJSON **out, char *err,
                 size_t errlen);
/* Write o (taken, freed) as indented JSON: 0, or -1 with err. */
int nn_write_json(cJSON *o, const char *path, char *err, size_t errlen);

#endif
