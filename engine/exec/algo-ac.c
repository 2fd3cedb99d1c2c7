/*
 * engine/exec/algo-ac.c -- implementation shortfall after Almgren and
 * Chriss: the holdings that minimise E + lambda V under linear impact
 * follow x(t) = X sinh(kappa (T - t)) / sinh(kappa T), so the target at t is
 * X - x(t).  Sampled at the decision grid t_j = j tau this is the paper's
 * discrete optimum when kappa solves
 *
 *     cosh(kappa tau) - 1 = tau^2 kappa~^2 / 2,
 *     kappa~^2 = lambda sigma^2 / eta~,   eta~ = eta - gamma tau / 2,
 *
 * with tau the block's decision interval.  lambda -> 0 gives TWAP; a larger
 * lambda front-loads.  Parameters are in dollars and minutes.
 *
 * Where they come from, in order: the block's own ac_sigma, ac_eta and
 * ac_gamma; else, in ac-world, the market's model (market_ac_get); else the
 * estimates exec-tactic.c makes from the market it sees before the block
 * starts: sigma from the realised variance of the mid over the warm-up, eta
 * from the cost of crossing one TWAP slice against the visible book at the
 * start (the average distance beyond the touch, times tau over the slice),
 * and gamma 0 -- permanent impact cannot be read off a snapshot, and the
 * trajectory depends on it only through eta~.  Without ac_lambda the
 * block's urgency is taken as kappa T directly (default 1).
 */
#include <math.h>

#include "engine/exec/exec.h"

static void
ac_start(struct parent *p, const struct market *m)
{
	const struct parent_spec *s = &p->spec;
	struct ac_params ap;
	double sigma = p->est_sigma, eta = p->est_eta, gamma = 0, k2, kt;
	double tau = (double)s->interval / 60e9;
	double T_ns = (double)(s->end - s->start);

	if (market_ac_get(m, &ap) == 0) {
		sigma = ap.sigma;
		eta = ap.eta;
		gamma = ap.gamma;
	}
	if (s->ac_sigma > 0)
		sigma = s->ac_sigma;
	if (s->ac_eta > 0)
		eta = s->ac_eta;
	if (s->ac_gamma > 0)
		gamma = s->ac_gamma;
	if (s->ac_lambda <= 0 || !(sigma > 0) || !(eta > 0)) {
		kt = s->urgency > 0 ? s->urgency : 1.0;
		p->ac_kappa = kt / T_ns;
		return;
	}
	double eta_t = eta - gamma * tau / 2;

	if (eta_t <= 0)
		eta_t = eta;
	k2 = s->ac_lambda * sigma * sigma / eta_t;
	/* kappa per minute, then per ns. */
	p->ac_kappa = acosh(1 + tau * tau * k2 / 2) / tau / 60e9;
}

static int64_t
ac_target(const struct parent *p, int64_t t)
{
	const struct parent_spec *s = &p->spec;
	double kT, left;

	if (t <= s->start)
		return 0;
	if (t >= s->end)
		return s->qty;
	kT = p->ac_kappa * (double)(s->end - s->start);
	if (kT < 1e-9)
		return algo_twap_target(p, t);
	left = sinh(p->ac_kappa * (double)(s->end - t)) / sinh(kT);
	/* Large kappa T overflows sinh: the block is due at once. */
	if (!isfinite(left))
		left = 0;
	int64_t done = (int64_t)((double)s->qty * (1.0 - left) + 1e-6);

	return done < 0 ? 0 : done > s->qty ? s->qty : done;
}

const struct algo_ops algo_ac_ops = {
	.name = "ac",
	.target = ac_target,
	.start = ac_start,
};
