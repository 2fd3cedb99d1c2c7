/*
 * engine/model/ppo.c -- training the policy by proximal policy optimisation
 * (Schulman et al. 2017), the policy-gradient alternative to es.c.
 *
 * The policy is the model's own network: its POLICY_NACTIONS outputs are
 * the logits of a softmax.  While training, the model's choose hook
 * (model.h) samples each decision's action from the softmax with the
 * episode's own generator, and the episode's runner (engine/cli/train.c,
 * or a test's toy problem) records every decision in a trace with its
 * log-probability and step reward (trace.c).  Between decisions, when the
 * engine asks whether the policy wants to act (the check calls that wake
 * an event-driven decision), the sampler answers with the argmax and its
 * softmax log-probability: sampling every second would wake the policy
 * at random all session long, a behaviour the deployed argmax policy never
 * has.  The asks that do not wake it are not in the trace, so the ratio
 * PPO clips covers the decisions taken, not the seconds passed.
 * A separate value network with the policy's hidden sizes and one linear
 * output estimates the return from the same inputs; a separate network
 * keeps the value regression from pulling the policy's features around,
 * which matters when the only reward is the cost at the end of a session.
 *
 * One iteration: run `episodes` episodes, each with its own sampling
 * stream (seed, iteration, episode), in --jobs forked workers that send
 * back every step; file them by episode index, so what follows sees the
 * same data in the same order whatever the number of workers.  Scale the
 * rewards (reward_scale: returns of order one for the value network),
 * estimate advantages by GAE(lambda) against the value network, block by
 * block (the value after a block's last step is 0), normalise them over
 * the iteration, and take
 * `epochs` passes of Adam over minibatches in a seeded shuffle: the policy
 * on the clipped surrogate minus an entropy bonus, the value network on half
 * the squared error to the lambda-returns, each gradient clipped to a
 * global norm.  Every validate_every iterations the argmax policy (what the
 * engine will run) is scored on the validation episodes and the best is
 * kept, exactly as es.c keeps its best, so the two trainers are chosen
 * the same way.  The wall clock is read only for progress and the elapsed
 * time: the model does not depend on it.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/market/rng.h"
#include "engine/model/model.h"

#define PPO_MAX_JOBS 64

/* A growable byte buffer: what one item (an episode's steps, a validation
 * cost) sends back from a worker. */
struct ppo_buf {
	char *p;
	size_t n, cap;
};

static int
ppo_buf_add(struct ppo_buf *b, const void *v, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap > 0 ? b->cap : 4096;
		char *np;

		while (cap < b->n + n)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, v, n);
	b->n += n;
	return 0;
}

static double
ppo_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The network's inputs of step s, in the model's order. */
static void
ppo_input(const struct model *m, const struct trace_step *s, double *in)
{
	for (int i = 0; i < m->nfeat; i++)
		in[i] = s->f[m->feat[i]];
}

/* The training policy (model.choose): a decision's action drawn from the
 * softmax of the logits with the episode's generator; a check between
 * decisions answered with the argmax (see the top of the file). */
static int
ppo_choose(void *arg, const struct model *m, const double *f,
           struct policy_choice *c, int check, double *logp)
{
	struct rng *r = arg;
	double p[NN_MAX_WIDTH], mx, sum = 0, u, acc = 0;
	int na = m->net.size[m->net.nlayers], a = na - 1;

	(void)f;
	if (!check) {
		mx = c->logit[0];
		for (int k = 1; k < na; k++)
			if (c->logit[k] > mx)
				mx = c->logit[k];
		for (int k = 0; k < na; k++)
			sum += (p[k] = exp(c->logit[k] - mx));
		u = rng_uniform(r) * sum;
		for (int k = 0; k < na; k++)
			if ((acc += p[k]) > u) {
				a = k;
				break;
			}
		c->action = a;
	}
	*logp = model_logp(c, c->action);
	return 0;
}

/* What the items of one batch need: the options, the model, the iteration. */
struct ppo_ctx {
	const struct ppo_opts *o;
	const struct model *m;
	int it;      /* iteration; < 0 for validation */
};

/* The sampling stream of episode ep of iteration it: a function of the
 * seed and the indices only, so workers need not share a generator. */
static uint64_t
ppo_episode_seed(uint64_t seed, int it, int ep)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 0x7070ULL;

	x ^= rng_splitmix64(&x) + (uint64_t)it * 1000003ULL;
	return rng_splitmix64(&x) ^ ((uint64_t)ep << 20) ^ (uint64_t)ep;
}

/*
 * Item i of a batch, its bytes into out.  A rollout sends an int32 status,
 * an int32 step count and the steps; a validation episode sends its cost.
 */
static int
ppo_item(const struct ppo_ctx *c, int i, struct ppo_buf *out)
{
	if (c->it < 0) {
		struct model local = *c->m;
		double cost;

		local.trace = NULL;
		local.choose = NULL;
		cost = c->o->cost(c->o->arg, &local, -1, i);
		return ppo_buf_add(out, &cost, sizeof cost);
	}
	struct trace tr;
	struct model local = *c->m;
	struct rng rg;
	int32_t hdr[2];
	int rc;

	trace_init(&tr);
	rng_seed(&rg, ppo_episode_seed(c->o->seed, c->it, i));
	local.trace = NULL;
	local.choose = ppo_choose;
	local.choose_arg = &rg;
	rc = c->o->rollout(c->o->arg, &local, c->it, i, &tr);
	hdr[0] = rc != 0 ? -1 : 0;
	hdr[1] = hdr[0] == 0 ? (int32_t)tr.n : 0;
	rc = ppo_buf_add(out, hdr, sizeof hdr);
	if (rc == 0 && hdr[1] > 0)
		rc = ppo_buf_add(out, tr.step, tr.n * sizeof *tr.step);
	trace_free(&tr);
	return rc;
}

/*
 * Run items 0..n-1 in jobs forked workers (worker k takes k, k + jobs, ...)
 * and file each item's bytes in res[i].  A worker frames each item as
 * int32 index, int64 length, bytes; the parent reads every pipe as it
 * fills (so no worker blocks on a full pipe) and parses at the end.
 */
static int
ppo_batch(const struct ppo_ctx *c, int n, struct ppo_buf *res, char *err,
          size_t errlen)
{
	int jobs = c->o->jobs > 1 ? c->o->jobs : 1, fds[PPO_MAX_JOBS], left;
	pid_t pids[PPO_MAX_JOBS];
	struct ppo_buf wb[PPO_MAX_JOBS];
	int rc = 0;

	if (jobs > PPO_MAX_JOBS)
		jobs = PPO_MAX_JOBS;
	if (jobs > n)
		jobs = n;
	if (jobs <= 1) {
		for (int i = 0; i < n; i++)
			if (ppo_item(c, i, &res[i]) != 0) {
				snprintf(err, errlen, "out of memory in episode %d", i);
				return -1;
			}
		return 0;
	}
	memset(wb, 0, sizeof wb);
	for (int k = 0; k < jobs; k++) {
		int p[2];

		if (pipe(p) != 0) {
			snprintf(err, errlen, "pipe: %s", strerror(errno));
			jobs = k;
			rc = -1;
			break;
		}
		fflush(NULL);
		if ((pids[k] = fork()) < 0) {
			snprintf(err, errlen, "fork: %s", strerror(errno));
			close(p[0]);
			close(p[1]);
			jobs = k;
			rc = -1;
			break;
		}
		if (pids[k] == 0) {
			close(p[0]);
			for (int j = 0; j < k; j++)
				close(fds[j]);
			for (int i = k; i < n; i += jobs) {
				struct ppo_buf b = { 0 };
				int32_t ix = i;
				int64_t len;
				size_t off = 0;

				if (ppo_item(c, i, &b) != 0)
					_exit(1);
				len = (int64_t)b.n;
				if (write(p[1], &ix, sizeof ix) != (ssize_t)sizeof ix ||
				    write(p[1], &len, sizeof len) != (ssize_t)sizeof len)
					_exit(1);
				while (off < b.n) {
					ssize_t w = write(p[1], b.p + off, b.n - off);

					if (w <= 0)
						_exit(1);
					off += (size_t)w;
				}
				free(b.p);
			}
			_exit(0);
		}
		close(p[1]);
		fds[k] = p[0];
	}
	left = jobs;
	while (left > 0) {
		struct pollfd pf[PPO_MAX_JOBS];

		for (int k = 0; k < jobs; k++)
			pf[k] = (struct pollfd){ .fd = fds[k], .events = POLLIN };
		if (poll(pf, (nfds_t)jobs, -1) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "poll: %s", strerror(errno));
			rc = -1;
			break;
		}
		for (int k = 0; k < jobs; k++) {
			char buf[65536];
			ssize_t r;

			if (fds[k] < 0 || !(pf[k].revents & (POLLIN | POLLHUP |
			    POLLERR)))
				continue;
			r = read(fds[k], buf, sizeof buf);
			if (r > 0) {
				if (ppo_buf_add(&wb[k], buf, (size_t)r) != 0) {
					snprintf(err, errlen, "out of memory");
					rc = -1;
				}
			} else if (r == 0 || errno != EINTR) {
				close(fds[k]);
				fds[k] = -1;
				left--;
			}
		}
	}
	for (int k = 0; k < jobs; k++) {
		if (fds[k] >= 0)
			close(fds[k]);
		waitpid(pids[k], NULL, 0);
	}
	for (int k = 0; k < jobs && rc == 0; k++) {
		size_t off = 0;

		while (off + sizeof(int32_t) + sizeof(int64_t) <= wb[k].n) {
			int32_t ix;
			int64_t len;

			memcpy(&ix, wb[k].p + off, sizeof ix);
			memcpy(&len, wb[k].p + off + sizeof ix, sizeof len);
			off += sizeof ix + sizeof len;
			if (ix < 0 || ix >= n || len < 0 ||
			    (size_t)len > wb[k].n - off) {
				snprintf(err, errlen, "a worker sent a damaged record "
				    "(episode %d, %lld bytes)", ix, (long long)len);
				rc = -1;
				break;
			}
			res[ix].n = 0;
			if (ppo_buf_add(&res[ix], wb[k].p + off, (size_t)len) != 0) {
				snprintf(err, errlen, "out of memory");
				rc = -1;
				break;
			}
			off += (size_t)len;
		}
	}
	for (int k = 0; k < PPO_MAX_JOBS; k++)
		free(wb[k].p);
	for (int i = 0; i < n && rc == 0; i++)
		if (res[i].n == 0) {
			snprintf(err, errlen, "a worker died before finishing episode "
			    "%d of iteration %d", i, c->it);
			rc = -1;
		}
	return rc;
}

/* Softmax of z into p, and log p into lp. */
static void
ppo_softmax(const double *z, int n, double *p, double *lp)
{
	double mx = z[0], sum = 0;

	for (int k = 1; k < n; k++)
		if (z[k] > mx)
			mx = z[k];
	for (int k = 0; k < n; k++)
		sum += exp(z[k] - mx);
	for (int k = 0; k < n; k++) {
		lp[k] = z[k] - mx - log(sum);
		p[k] = exp(lp[k]);
	}
}

double
ppo_policy_loss(const struct model *m, const struct trace_step *s,
                const double *adv, int n, double clip, double entropy,
                double *grad)
{
	int na = m->net.size[m->net.nlayers];
	double loss = 0;

	for (int i = 0; i < n; i++) {
		double z[NN_MAX_WIDTH], p[NN_MAX_WIDTH], lp[NN_MAX_WIDTH];
		double dz[NN_MAX_WIDTH], h = 0, r, s1, s2, A = adv[i];
		double in[FEAT_COUNT];
		struct nn_work w;

		ppo_input(m, &s[i], in);
		nn_forward(&m->net, in, z, &w);
		ppo_softmax(z, na, p, lp);
		for (int k = 0; k < na; k++)
			h -= p[k] * lp[k];
		r = exp(lp[s[i].action] - s[i].logp);
		s1 = r * A;
		s2 = (r < 1 - clip ? 1 - clip : r > 1 + clip ? 1 + clip : r) * A;
		loss += (-(s1 < s2 ? s1 : s2) - entropy * h) / n;
		if (grad == NULL)
			continue;
		/* The minimum takes the unclipped term whenever it is the
		 * smaller; otherwise the clipped one, flat in the logits. */
		for (int k = 0; k < na; k++) {
			dz[k] = entropy * p[k] * (lp[k] + h);
			if (s1 <= s2)
				dz[k] -= A * r * ((k == s[i].action) - p[k]);
			dz[k] /= n;
		}
		nn_backward(&m->net, &w, dz, grad, NULL);
	}
	return loss;
}

void
ppo_gae(const struct trace_step *s, const double *v, int n, double gamma,
        double lambda, double *adv, double *ret)
{
	double next_v = 0, gae = 0;

	for (int t = n - 1; t >= 0; t--) {
		double vt = v[t], delta = s[t].reward + gamma * next_v - vt;

		gae = delta + gamma * lambda * gae;
		adv[t] = gae;
		ret[t] = gae + vt;
		next_v = vt;
	}
}

/* Scale g to global norm at most mx (mx <= 0: leave it). */
static void
ppo_clip_grad(double *g, size_t n, double mx)
{
	double s = 0;

	if (mx <= 0)
		return;
	for (size_t k = 0; k < n; k++)
		s += g[k] * g[k];
	s = sqrt(s);
	if (s > mx)
		for (size_t k = 0; k < n; k++)
			g[k] *= mx / s;
}

static double
ppo_value(const struct model *m, const struct nn *v, const struct trace_step *s)
{
	double in[FEAT_COUNT], out;

	ppo_input(m, s, in);
	nn_forward(v, in, &out, NULL);
	return out;
}

/* Steps by block, in time order within each (a stable sort: the index
 * breaks ties), so that GAE runs over one block's steps at a time. */
static int
ppo_by_block(const void *a, const void *b)
{
	const struct trace_step *x = a, *y = b;

	if (x->block != y->block)
		return x->block < y->block ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

static void
ppo_bar(int it, int total, double ret, double val, double best, double t0)
{
	int w = 30, fill = total > 0 ? it * w / total : w;
	double el = ppo_now() - t0, eta = it > 0 ? el * (total - it) / it : 0;

	fprintf(stderr, "\rppo [");
	for (int i = 0; i < w; i++)
		fputc(i < fill ? '#' : '.', stderr);
	fprintf(stderr, "] %d/%d return %.3f val %.2f best %.2f  %.0fs left ",
	    it, total, ret, val, best, eta);
	fflush(stderr);
}

/* Mean validation cost of m's argmax policy. */
static int
ppo_validate(const struct ppo_opts *o, const struct model *m,
             struct ppo_buf *res, double *val, char *err, size_t errlen)
{
	struct ppo_ctx c = { .o = o, .m = m, .it = -1 };
	double s = 0;

	for (int i = 0; i < o->val_episodes; i++)
		res[i].n = 0;
	if (ppo_batch(&c, o->val_episodes, res, err, errlen) != 0)
		return -1;
	for (int i = 0; i < o->val_episodes; i++) {
		double v;

		memcpy(&v, res[i].p, sizeof v);
		s += v;
	}
	*val = s / o->val_episodes;
	return 0;
}

int
ppo_train(struct model *m, const struct ppo_opts *o, struct ppo_result *r,
          char *err, size_t errlen)
{
	int E = o->episodes, nb = E > o->val_episodes ? E : o->val_episodes;
	int hidden[NN_MAX_LAYERS], nh = m->net.nlayers - 1, rc = -1;
	size_t np = m->net.nparams, total = 0, cap = 0;
	struct ppo_buf *res = NULL;
	struct trace_step *st = NULL, *mb = NULL;
	double *adv = NULL, *ret = NULL, *mbadv = NULL, *g = NULL, *gv = NULL;
	double *best = NULL, t0 = ppo_now(), last_val;
	int *perm = NULL;
	struct nn vnet;
	struct nn_adam pa, va;
	struct rng rs;

	memset(r, 0, sizeof *r);
	memset(&vnet, 0, sizeof vnet);
	memset(&pa, 0, sizeof pa);
	memset(&va, 0, sizeof va);
	if (model_trainable(m, "ppo", err, errlen) != 0)
		return -1;
	if (o->iterations < 1 || E < 1 || o->epochs < 1 || o->minibatch < 1 ||
	    o->val_episodes < 1 || o->validate_every < 1 || !(o->clip > 0) ||
	    !(o->lr > 0) || !(o->vf_lr > 0) || !(o->gamma >= 0 &&
	    o->gamma <= 1) || !(o->lambda >= 0 && o->lambda <= 1) ||
	    !(o->entropy >= 0) || !(o->reward_scale > 0)) {
		snprintf(err, errlen, "ppo: iterations %d, episodes %d, epochs %d, "
		    "minibatch %d, validation episodes %d, validate-every %d, clip "
		    "%g, lr %g, value lr %g: all must be > 0; gamma %g and lambda "
		    "%g must be in 0..1, entropy %g >= 0, reward scale %g > 0",
		    o->iterations, E, o->epochs, o->minibatch, o->val_episodes,
		    o->validate_every, o->clip, o->lr, o->vf_lr, o->gamma,
		    o->lambda, o->entropy, o->reward_scale);
		return -1;
	}
	for (int l = 0; l < nh; l++)
		hidden[l] = m->net.size[l + 1];
	if (nn_init(&vnet, m->net.size[0], hidden, nh, 1, m->net.act[0],
	    o->seed ^ 0x76616c7565ULL, err, errlen) != 0)
		return -1;
	/* A quiet value output: the first advantages are the returns. */
	for (int k = 0; k < vnet.size[nh]; k++)
		vnet.w[nn_layer_offset(&vnet, nh) + (size_t)k] *= 0.1;
	res = calloc((size_t)nb, sizeof *res);
	g = malloc(np * sizeof *g);
	gv = malloc(vnet.nparams * sizeof *gv);
	best = malloc(np * sizeof *best);
	mb = malloc((size_t)o->minibatch * sizeof *mb);
	mbadv = malloc((size_t)o->minibatch * sizeof *mbadv);
	if (res == NULL || g == NULL || gv == NULL || best == NULL || mb == NULL ||
	    mbadv == NULL || nn_adam_init(&pa, np, o->lr) != 0 ||
	    nn_adam_init(&va, vnet.nparams, o->vf_lr) != 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(best, m->net.w, np * sizeof *best);
	if (ppo_validate(o, m, res, &r->base_val, err, errlen) != 0)
		goto out;
	r->best_val = last_val = r->base_val;
	if (o->curve != NULL)
		fprintf(o->curve, "iteration,episodes,steps,return_mean,approx_kl,"
		    "clip_frac,entropy,value_loss,val_cost,best_val,seconds\n"
		    "0,0,0,,,,,,%.4f,%.4f,%.1f\n", r->base_val, r->best_val,
		    ppo_now() - t0);
	for (int it = 0; it < o->iterations; it++) {
		struct ppo_ctx c = { .o = o, .m = m, .it = it };
		double rsum = 0, amean = 0, asd = 0, kl = 0, cf = 0, ent = 0;
		double vloss = 0, val = NAN;
		size_t off = 0;
		long nupd = 0;

		for (int i = 0; i < E; i++)
			res[i].n = 0;
		if (ppo_batch(&c, E, res, err, errlen) != 0)
			goto out;
		total = 0;
		for (int i = 0; i < E; i++) {
			int32_t hdr[2];

			memcpy(hdr, res[i].p, sizeof hdr);
			if (hdr[0] != 0) {
				snprintf(err, errlen, "episode %d of iteration %d could "
				    "not run", i, it);
				goto out;
			}
			total += (size_t)hdr[1];
		}
		if (total > cap) {
			void *a = realloc(st, total * sizeof *st);
			void *b = realloc(adv, total * sizeof *adv);
			void *d = realloc(ret, total * sizeof *ret);
			void *e = realloc(perm, total * sizeof *perm);

			if (a != NULL)
				st = a;
			if (b != NULL)
				adv = b;
			if (d != NULL)
				ret = d;
			if (e != NULL)
				perm = e;
			if (a == NULL || b == NULL || d == NULL || e == NULL) {
				snprintf(err, errlen, "out of memory for %zu steps",
				    total);
				goto out;
			}
			cap = total;
		}
		/* GAE(lambda) per block of each episode: the value network's
		 * estimates go in ret[] and come back as the lambda-returns. */
		for (int i = 0; i < E; i++) {
			int32_t hdr[2];
			size_t b0 = off, end;

			memcpy(hdr, res[i].p, sizeof hdr);
			memcpy(st + off, res[i].p + sizeof hdr, (size_t)hdr[1] *
			    sizeof *st);
			end = off + (size_t)hdr[1];
			qsort(st + off, (size_t)hdr[1], sizeof *st, ppo_by_block);
			for (size_t k = off; k < end; k++) {
				st[k].reward *= o->reward_scale;
				ret[k] = ppo_value(m, &vnet, &st[k]);
				rsum += st[k].reward;
			}
			for (size_t k = off; k < end; k++)
				if (k + 1 == end || st[k + 1].block != st[k].block) {
					ppo_gae(st + b0, ret + b0, (int)(k + 1 - b0),
					    o->gamma, o->lambda, adv + b0, ret + b0);
					b0 = k + 1;
				}
			off = end;
		}
		for (size_t k = 0; k < total; k++)
			amean += adv[k] / (double)total;
		for (size_t k = 0; k < total; k++)
			asd += (adv[k] - amean) * (adv[k] - amean);
		asd = total > 1 ? sqrt(asd / (double)(total - 1)) : 0;
		for (size_t k = 0; k < total; k++)
			adv[k] = o->adv_sign * (adv[k] - amean) / (asd + 1e-8);
		for (size_t k = 0; k < total; k++)
			perm[k] = (int)k;
		rng_seed(&rs, o->seed * 7919ULL + (uint64_t)it);
		for (int ep = 0; ep < o->epochs; ep++) {
			for (size_t k = total; k > 1; k--) {
				size_t j = (size_t)rng_below(&rs, k);
				int t = perm[k - 1];

				perm[k - 1] = perm[j];
				perm[j] = t;
			}
			for (size_t b0 = 0; b0 < total; b0 += (size_t)o->minibatch) {
				int nm = (int)(total - b0 < (size_t)o->minibatch ?
				    total - b0 : (size_t)o->minibatch);

				for (int k = 0; k < nm; k++) {
					mb[k] = st[perm[b0 + (size_t)k]];
					mbadv[k] = adv[perm[b0 + (size_t)k]];
				}
				memset(g, 0, np * sizeof *g);
				ppo_policy_loss(m, mb, mbadv, nm, o->clip, o->entropy, g);
				ppo_clip_grad(g, np, o->max_grad);
				nn_adam_step(&pa, m->net.w, g);
				memset(gv, 0, vnet.nparams * sizeof *gv);
				for (int k = 0; k < nm; k++) {
					struct nn_work w;
					double v, d, in[FEAT_COUNT];

					ppo_input(m, &mb[k], in);
					nn_forward(&vnet, in, &v, &w);
					d = (v - ret[perm[b0 + (size_t)k]]) / nm;
					nn_backward(&vnet, &w, &d, gv, NULL);
				}
				ppo_clip_grad(gv, vnet.nparams, o->max_grad);
				nn_adam_step(&va, vnet.w, gv);
				nupd++;
			}
		}
		/* How far the epochs moved the policy on this iteration's steps:
		 * the approximate KL, the share of clipped ratios, the entropy. */
		for (size_t k = 0; k < total; k++) {
			double z[NN_MAX_WIDTH], p[NN_MAX_WIDTH], lp[NN_MAX_WIDTH];
			double d, v = ppo_value(m, &vnet, &st[k]), in[FEAT_COUNT];

			ppo_input(m, &st[k], in);
			nn_forward(&m->net, in, z, NULL);
			ppo_softmax(z, m->net.size[m->net.nlayers], p, lp);
			d = lp[st[k].action] - st[k].logp;
			kl += -d / (double)total;
			cf += (fabs(exp(d) - 1) > o->clip) / (double)total;
			for (int a = 0; a < m->net.size[m->net.nlayers]; a++)
				ent -= p[a] * lp[a] / (double)total;
			vloss += 0.5 * (v - ret[k]) * (v - ret[k]) / (double)total;
		}
		r->last_return = rsum / E;
		if ((it + 1) % o->validate_every == 0 || it + 1 == o->iterations) {
			if (ppo_validate(o, m, res, &val, err, errlen) != 0)
				goto out;
			last_val = val;
			if (val < r->best_val) {
				r->best_val = val;
				r->best_iter = it + 1;
				memcpy(best, m->net.w, np * sizeof *best);
			}
		}
		if (o->curve != NULL) {
			fprintf(o->curve, "%d,%lld,%zu,%.6f,%.6f,%.4f,%.4f,%.6f,", it + 1,
			    (long long)(it + 1) * E, total, r->last_return, kl, cf, ent,
			    vloss);
			if (isnan(val))
				fprintf(o->curve, ",");
			else
				fprintf(o->curve, "%.4f,", val);
			fprintf(o->curve, "%.4f,%.1f\n", r->best_val, ppo_now() - t0);
			fflush(o->curve);
		}
		if (o->progress)
			ppo_bar(it + 1, o->iterations, r->last_return, last_val,
			    r->best_val, t0);
	}
	if (o->progress)
		fputc('\n', stderr);
	memcpy(m->net.w, best, np * sizeof *best);
	rc = 0;
out:
	r->seconds = ppo_now() - t0;
	if (res != NULL)
		for (int i = 0; i < nb; i++)
			free(res[i].p);
	free(res);
	free(st);
	free(mb);
	free(adv);
	free(ret);
	free(mbadv);
	free(perm);
	free(g);
	free(gv);
	free(best);
	nn_adam_free(&pa);
	nn_adam_free(&va);
	nn_free(&vnet);
	return rc;
}
