/*
 * engine/exec/exec-plan.c -- trajectories an algorithm owns (struct
 * exec_plan in exec.h).
 *
 * A scheduler's target is a fixed function of time; an adaptive algorithm
 * needs to move it.  A plan does that without the tactic knowing: every
 * reader of the schedule asks exec_target(), which follows the plan while
 * one is on.  A re-plan starts from the schedule's own target at its time,
 * never from what is filled: a block behind its schedule stays behind its
 * new one by the same shares, so the tactic's catch-up still answers for
 * fills the market did not give, and a re-plan says only how the rest is
 * to be spread.  The rest follows the Almgren-Chriss holdings
 * x(t) = R sinh(kappa (T - t)) / sinh(kappa T) re-solved over the time
 * left, which is what continuous-time AC would choose from that point with
 * urgency kappa T: a plan re-made with the same kappa is the same curve.
 * AC's curves only front-load (a negative kappa gives the same sinh
 * ratio), so a negative urgency here means the mirror image, done fraction
 * sinh(|kappa| t) / sinh(|kappa| T): the same shape back-loaded, which is
 * what "slow down" has to mean for a schedule already near a straight line.
 */
#include <math.h>
#include <stdio.h>

#include "engine/exec/exec-int.h"

double
exec_ac_frac(double kappa, int64_t dt, int64_t T)
{
	double k = fabs(kappa), kT = k * (double)T;

	if (T <= 0 || dt >= T)
		return 1;
	if (dt <= 0)
		return 0;
	if (kT < 1e-9)
		return (double)dt / (double)T;
	/* Past this sinh(x) is exp(x) / 2 to double precision, and sinh
	 * itself would overflow a little further on. */
	if (kT > 40)
		return kappa > 0 ? 1 - exp(-k * (double)dt) :
		    exp(k * (double)(dt - T));
	/* Front-loaded: AC's holdings; back-loaded: their mirror image. */
	return kappa > 0 ? 1 - sinh(k * (double)(T - dt)) / sinh(kT) :
	    sinh(k * (double)dt) / sinh(kT);
}

int64_t
exec_target(const struct parent *p, int64_t t)
{
	const struct exec_plan *pl = &p->plan;
	int64_t qty = p->spec.qty, rest, done;
	double lump;

	if (!pl->on)
		return p->algo->target(p, t);
	/* A lump due at once is due at t0 itself, so the decision that made
	 * the plan already sees it. */
	if (t < pl->t0)
		return pl->from;
	if (t == pl->t0)
		return pl->from + (pl->lump_ns == 0 ? pl->lump : 0);
	if (t >= pl->end)
		return qty;
	lump = pl->lump_ns > 0 && t - pl->t0 < pl->lump_ns ? (double)pl->lump *
	    (double)(t - pl->t0) / (double)pl->lump_ns : (double)pl->lump;
	rest = qty - pl->from - pl->lump;
	if (pl->own) {
		/* The algorithm's own schedule after t0, rescaled to the rest. */
		int64_t b = p->algo->target(p, t);
		double frac = qty > pl->own0 ? (double)(b - pl->own0) /
		    (double)(qty - pl->own0) : 1;

		done = pl->from + (int64_t)(lump + (double)rest * (frac < 0 ? 0 :
		    frac) + 1e-6);
	} else
		done = pl->from + (int64_t)(lump + (double)rest *
		    exec_ac_frac(pl->kappa, t - pl->t0, pl->end - pl->t0) + 1e-6);
	return done < 0 ? 0 : done > qty ? qty : done;
}

int
exec_replan(struct parent *p, int64_t t, double kappa, int64_t lump,
            int64_t lump_ns, char *err, size_t errlen)
{
	int64_t from;
	int own = kappa == EXEC_PLAN_OWN;

	if (own)
		kappa = 0;
	if (!isfinite(kappa) || fabs(kappa) * (double)(p->spec.end - t) >
	    EXEC_PLAN_MAX_URGENCY) {
		snprintf(err, errlen, "plan kappa %g per ns: must be finite, with "
		    "an urgency over the time left of at most %g either way",
		    kappa, EXEC_PLAN_MAX_URGENCY);
		return -1;
	}
	if (lump < 0 || lump_ns < 0) {
		snprintf(err, errlen, "plan lump %lld over %lld ns: neither may be "
		    "negative", (long long)lump, (long long)lump_ns);
		return -1;
	}
	if (t < p->spec.start || t >= p->spec.end) {
		snprintf(err, errlen, "plan time %lld: outside the window [%lld, "
		    "%lld)", (long long)t, (long long)p->spec.start,
		    (long long)p->spec.end);
		return -1;
	}
	from = exec_target(p, t);
	if (lump > p->spec.qty - from)
		lump = p->spec.qty - from;
	p->plan = (struct exec_plan){
		.on = 1, .t0 = t, .end = p->spec.end, .from = from, .lump = lump,
		.lump_ns = lump_ns, .kappa = kappa, .own = own,
		.own0 = p->algo->target(p, t),
	};
	p->dirty = 1;
	return 0;
}
