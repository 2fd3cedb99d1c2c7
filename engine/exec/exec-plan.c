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
 *
 * People see a plan two ways, both read from the same exec_plan_at() the
 * schedule follows (no second copy of its arithmetic): the block's "plan"
 * (exec_plan_json: a dozen samples of the plan and of the algorithm's own
 * schedule from now to the end), and each re-plan's description
 * (exec_plan_describe: before -> after, as text for the decision's reason
 * and as two summaries for its event).  Both time a curve by when it has
 * half of what remains due: one clock time a trader can hold two curves
 * against.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/exec/exec-int.h"
#include "engine/exec/scenario.h"

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

/* What plan pl of block p has due by t: the arithmetic of exec_target,
 * for any plan, so that a plan about to be replaced can still be read. */
static int64_t
exec_plan_at(const struct parent *p, const struct exec_plan *pl, int64_t t)
{
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

int64_t
exec_target(const struct parent *p, int64_t t)
{
	return exec_plan_at(p, &p->plan, t);
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

/*
 * What people are shown of a plan.  A schedule is a curve, and two curves
 * are compared by one number a trader can check against the clock: when
 * each has half of what remains due (the rest counted from a reference's
 * due shares at t, so both are measured against the same quantity), found
 * by halving [t, end] to the second, since a schedule never falls.
 */
struct plan_sum {
	const char *kind;  /* "base" (no plan: the algorithm's own), "ac", "own" */
	double urgency;    /* ac: kappa over the time left at t */
	int64_t lump;
	int64_t due;       /* due by t */
	int64_t half_t;    /* when half_qty is due */
};

static int64_t
exec_plan_when(const struct parent *p, const struct exec_plan *pl, int64_t t,
               int64_t q)
{
	int64_t lo = t, hi = p->spec.end;

	if (hi <= lo || exec_plan_at(p, pl, t) >= q)
		return t;
	while (hi - lo > 1000000000LL) {
		int64_t mid = lo + (hi - lo) / 2;

		if (exec_plan_at(p, pl, mid) >= q)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

static void
exec_plan_sum(const struct parent *p, const struct exec_plan *pl, int64_t t,
              int64_t q, struct plan_sum *s)
{
	s->kind = !pl->on ? "base" : pl->own ? "own" : "ac";
	s->urgency = pl->on && !pl->own ? pl->kappa * (double)(p->spec.end - t) :
	    0;
	s->lump = pl->on ? pl->lump : 0;
	s->due = exec_plan_at(p, pl, t);
	s->half_t = exec_plan_when(p, pl, t, q);
}

/* Half of what reference ref leaves at t: the shares both sides of a
 * comparison are timed to. */
static int64_t
exec_plan_half(const struct parent *p, const struct exec_plan *ref, int64_t t)
{
	int64_t due = exec_plan_at(p, ref, t);

	return due + (p->spec.qty - due + 1) / 2;
}

/* Shares with thousands separators, as the console shows them. */
static char *
exec_plan_qty(char *buf, size_t n, int64_t v)
{
	char d[32];
	size_t len, i, o = 0;

	snprintf(d, sizeof d, "%lld", (long long)(v < 0 ? -v : v));
	len = strlen(d);
	if (v < 0 && o + 1 < n)
		buf[o++] = '-';
	for (i = 0; i < len && o + 1 < n; i++) {
		if (i > 0 && (len - i) % 3 == 0 && o + 2 < n)
			buf[o++] = ',';
		buf[o++] = d[i];
	}
	buf[o] = '\0';
	return buf;
}


static char *
exec_plan_label(char *buf, size_t n, const struct parent *p,
                const struct plan_sum *s)
{
	if (strcmp(s->kind, "ac") == 0)
		snprintf(buf, n, "urgency %.2f", s->urgency);
	else if (strcmp(s->kind, "own") == 0)
		snprintf(buf, n, "the %s shape, rescaled", p->algo->name);
	else
		snprintf(buf, n, "the %s schedule", p->algo->name);
	return buf;
}

static void
exec_plan_add_time(cJSON *o, const char *name, int64_t t)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", (long long)t);
	cJSON_AddStringToObject(o, name, buf);
}

static cJSON *
exec_plan_sum_json(const struct plan_sum *s, int64_t q)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "kind", s->kind);
	if (strcmp(s->kind, "ac") == 0)
		cJSON_AddNumberToObject(o, "urgency", s->urgency);
	cJSON_AddNumberToObject(o, "lump", (double)s->lump);
	cJSON_AddNumberToObject(o, "due", (double)s->due);
	cJSON_AddNumberToObject(o, "half_qty", (double)q);
	exec_plan_add_time(o, "half_t", s->half_t);
	return o;
}

int
exec_plan_describe(const struct parent *p, const struct exec_plan *before,
                   int64_t t, char *buf, size_t n, cJSON **extra)
{
	struct plan_sum b, a;
	char qs[32], bt[16], at[16], bl[64], al[64], now[48] = "";
	int64_t q = exec_plan_half(p, before, t);
	int changed;

	exec_plan_sum(p, before, t, q, &b);
	exec_plan_sum(p, &p->plan, t, q, &a);
	if (extra != NULL) {
		if (*extra == NULL)
			*extra = cJSON_CreateObject();
		cJSON_DeleteItemFromObjectCaseSensitive(*extra, "plan_before");
		cJSON_DeleteItemFromObjectCaseSensitive(*extra, "plan_after");
		cJSON_AddItemToObject(*extra, "plan_before",
		    exec_plan_sum_json(&b, q));
		cJSON_AddItemToObject(*extra, "plan_after",
		    exec_plan_sum_json(&a, q));
	}
	exec_plan_qty(qs, sizeof qs, q);
	/* Whole seconds: a plan is said to the second. */
	scenario_clock_text(bt, sizeof bt, b.half_t / 1000000000LL *
	    1000000000LL);
	scenario_clock_text(at, sizeof at, a.half_t / 1000000000LL *
	    1000000000LL);
	exec_plan_label(bl, sizeof bl, p, &b);
	exec_plan_label(al, sizeof al, p, &a);
	if (b.due >= p->spec.qty) {
		snprintf(buf, n, "plan kept: nothing left on the schedule");
		return 0;
	}
	/* Shown to the second and the share: a change that shows neither
	 * is no change to the person reading it. */
	changed = a.half_t / 1000000000LL != b.half_t / 1000000000LL ||
	    a.due != b.due;
	if (!changed) {
		snprintf(buf, n, "plan kept: half the rest (%s) due by %s (%s)",
		    qs, at, al);
		return 0;
	}
	if (a.due != b.due) {
		char d[32];

		exec_plan_qty(d, sizeof d, a.due - b.due);
		snprintf(now, sizeof now, ", %s%s now", a.due > b.due ? "+" : "",
		    d);
	}
	/* Two urgencies read as one change: "urgency 0.95 -> 0.82". */
	if (strcmp(a.kind, "ac") == 0 && strcmp(b.kind, "ac") == 0)
		snprintf(al, sizeof al, "%.2f", a.urgency);
	if (a.half_t / 1000000000LL == b.half_t / 1000000000LL)
		snprintf(buf, n, "re-plan: half the rest (%s) due by %s as before "
		    "(%s -> %s)%s", qs, at, bl, al, now);
	else
		snprintf(buf, n, "re-plan: half the rest (%s) due by %s instead of "
		    "%s (%s -> %s)%s", qs, at, bt, bl, al, now);
	return 1;
}

/* The plan's samples: this many, from now to the end. */
#define EXEC_PLAN_POINTS 12

cJSON *
exec_plan_json(const struct parent *p, int64_t t)
{
	const struct exec_plan *pl = &p->plan, base = { .on = 0 };
	int64_t end = p->spec.end, q;
	cJSON *o, *pts, *bpts;

	if (!pl->on || EXEC_STATE_FINAL(p->state) || t >= end || t < pl->t0)
		return NULL;
	q = exec_plan_half(p, &base, t);
	o = cJSON_CreateObject();
	exec_plan_add_time(o, "since", pl->t0);
	exec_plan_add_time(o, "end", end);
	cJSON_AddNumberToObject(o, "from", (double)pl->from);
	cJSON_AddNumberToObject(o, "lump", (double)pl->lump);
	if (pl->own)
		cJSON_AddStringToObject(o, "shape", "own");
	else
		cJSON_AddNumberToObject(o, "urgency", pl->kappa *
		    (double)(pl->end - pl->t0));
	cJSON_AddNumberToObject(o, "half_qty", (double)q);
	exec_plan_add_time(o, "half_t", exec_plan_when(p, pl, t, q));
	exec_plan_add_time(o, "base_half_t", exec_plan_when(p, &base, t, q));
	pts = cJSON_AddArrayToObject(o, "points");
	bpts = cJSON_AddArrayToObject(o, "base_points");
	for (int i = 0; i < EXEC_PLAN_POINTS; i++) {
		int64_t ti = t + (int64_t)((long double)(end - t) * i /
		    (EXEC_PLAN_POINTS - 1));
		char ts[32];
		cJSON *a = cJSON_CreateArray(), *b = cJSON_CreateArray();

		snprintf(ts, sizeof ts, "%lld", (long long)ti);
		cJSON_AddItemToArray(a, cJSON_CreateString(ts));
		cJSON_AddItemToArray(a, cJSON_CreateNumber((double)exec_plan_at(p,
		    pl, ti)));
		cJSON_AddItemToArray(b, cJSON_CreateString(ts));
		cJSON_AddItemToArray(b, cJSON_CreateNumber((double)exec_plan_at(p,
		    &base, ti)));
		cJSON_AddItemToArray(pts, a);
		cJSON_AddItemToArray(bpts, b);
	}
	return o;
}
