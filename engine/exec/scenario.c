/*
 * engine/exec/scenario.c -- reading scenario files.
 *
 * A scenario is decoded against a table of known keys, one table per
 * object, so that a misspelt key is an error instead of a silently ignored
 * default (a quant who writes "sigam" must hear about it).  Overrides from
 * the command line (--set market.sigma=2, --set orders.0.qty=100000) are
 * applied to the JSON tree before decoding, so they pass the same checks as
 * the file itself.
 *
 * Several symbols: "markets" is an array of market objects, each with its
 * own "profile" and "events", in place of the one "market" object and the
 * top-level "profile" and "events".  Orders name their symbol; one naming
 * a symbol no market trades is refused with the list of those that do.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/exec/scenario.h"
#include "engine/json/json-file.h"
#include "engine/market/lobster.h"

#ifndef TRANCHE_SCENARIO_DIR
#define TRANCHE_SCENARIO_DIR "/usr/share/tranche/scenarios"
#endif

enum field_type { F_DOUBLE, F_INT, F_STRING, F_CLOCK, F_BOOL, F_SIDE,
	F_AGGR, F_PROFILE, F_CSV, F_VENUES };

struct field {
	const char *key;
	int type;
	size_t off;
	double min, max;
	size_t size; /* strings */
};

#define SP(k, t, lo, hi) { #k, t, offsetof(struct sim_params, k), lo, hi, 0 }
/* An F_INT row whose size is sizeof(int) writes an int, not an int64_t. */
#define SPI(k, lo, hi) { #k, F_INT, offsetof(struct sim_params, k), lo, hi, \
	sizeof(int) }
static const struct field market_fields[] = {
	{ "sym", F_STRING, offsetof(struct sim_params, sym), 0, 0, 16 },
	SP(tick, F_DOUBLE, 1e-6, 1000),
	SP(px0, F_INT, 1, 1e12),
	SP(sigma, F_DOUBLE, 0, 1e6),
	SP(perm_impact, F_DOUBLE, 0, 1),
	SP(act_sd, F_DOUBLE, 0, 3),
	SP(act_tau, F_DOUBLE, 1, 1e6),
	SP(mkt_rate, F_DOUBLE, 1e-6, 1e6),
	SP(mkt_size, F_DOUBLE, 100, 1e9),
	SP(lim_rate, F_DOUBLE, 1e-6, 1e6),
	SP(lim_size, F_DOUBLE, 100, 1e9),
	SP(lim_depth, F_DOUBLE, 0, 1e6),
	SP(lim_inside, F_DOUBLE, 0, 1),
	SP(lim_life, F_DOUBLE, 1e-3, 1e9),
	SP(deep_rate, F_DOUBLE, 0, 1e6),
	SP(deep_size, F_DOUBLE, 100, 1e9),
	SP(deep_range, F_DOUBLE, 1, 1e6),
	SP(deep_life, F_DOUBLE, 1e-3, 1e9),
	SPI(mm_count, 0, SIM_MAX_MM),
	SPI(mm_levels, 0, SIM_MAX_LEVELS),
	SP(mm_size, F_INT, 0, 1e9),
	SP(mm_half_spread, F_DOUBLE, 0.5, 1e6),
	SP(mm_skew, F_DOUBLE, 0, 1e6),
	SP(mm_interval, F_DOUBLE, 1e-3, 1e6),
	SP(mm_info, F_DOUBLE, 0, 1),
	SP(mm_vol_widen, F_DOUBLE, 0, 1e6),
	SP(mm_stress, F_DOUBLE, 0, 1e6),
	SP(mm_stress_pause, F_DOUBLE, 0, 86400),
	SP(mm_max_inv, F_INT, 0, 1e12),
	SP(value_rate, F_DOUBLE, 0, 1e6),
	SP(value_size, F_DOUBLE, 100, 1e9),
	SP(mom_lookback, F_DOUBLE, 0, 1000),
	SP(mom_threshold, F_DOUBLE, 0, 1e6),
	SP(mom_rate, F_DOUBLE, 0, 1e6),
	SP(mom_size, F_DOUBLE, 100, 1e9),
	SP(inf_threshold, F_DOUBLE, 0, 1e6),
	SP(inf_rate, F_DOUBLE, 0, 1e6),
	SP(inf_size, F_DOUBLE, 100, 1e9),
	{ NULL, 0, 0, 0, 0, 0 },
};
#undef SPI
#undef SP

#define EV(k, lo, hi) { #k, F_DOUBLE, offsetof(struct sim_event, k), lo, hi, 0 }
static const struct field event_fields[] = {
	{ "name", F_STRING, offsetof(struct sim_event, name), 0, 0, 32 },
	{ "at", F_CLOCK, offsetof(struct sim_event, at), 0, 0, 0 },
	EV(dur_s, 0, 86400),
	{ "decay", F_BOOL, offsetof(struct sim_event, decay), 0, 0, 0 },
	EV(jump, -1e9, 1e9),
	EV(drift, -1e9, 1e9),
	EV(vol, 0, 1000),
	EV(flow, 0, 1000),
	EV(mm_spread, 0.1, 1000),
	EV(mm_size, 0, 1000),
	EV(bid_depth, 0, 1000),
	EV(ask_depth, 0, 1000),
	EV(buy_rate, 0, 1e6),
	EV(sell_rate, 0, 1e6),
	{ NULL, 0, 0, 0, 0, 0 },
};
#undef EV

/* "news": the market's random news (market.h, struct sim_news_params);
 * "kind" is read first, by hand, since the rest default by kind. */
#define NW(k, lo, hi) { #k, F_DOUBLE, offsetof(struct sim_news_params, k), \
	lo, hi, 0 }
static const struct field news_fields[] = {
	{ "count", F_INT, offsetof(struct sim_news_params, count), 0,
	  SIM_MAX_NEWS, sizeof(int) },
	{ "first", F_CLOCK, offsetof(struct sim_news_params, first), 0, 0, 0 },
	{ "last", F_CLOCK, offsetof(struct sim_news_params, last), 0, 0, 0 },
	NW(size, 0, 1e6),
	NW(size_min, 0, 1e6),
	NW(p_up, 0, 1),
	NW(wrong, 0, 1),
	NW(fast_s, 0, 3600),
	NW(fast_interval, 0.001, 60),
	NW(fast_margin, 0, 1e6),
	NW(cancel, 0, 1),
	NW(tau_up, 0.001, 86400),
	NW(tau_down, 0.001, 86400),
	{ NULL, 0, 0, 0, 0, 0 },
};
#undef NW

#define OP(k, t, lo, hi) { #k, t, offsetof(struct parent_spec, k), lo, hi, 0 }
static const struct field order_fields[] = {
	{ "sym", F_STRING, offsetof(struct parent_spec, sym), 0, 0, 16 },
	{ "side", F_SIDE, offsetof(struct parent_spec, side), 0, 0, 0 },
	OP(qty, F_INT, 1, 1e9),
	OP(start, F_CLOCK, 0, 0),
	OP(end, F_CLOCK, 0, 0),
	{ "interval_s", F_DOUBLE, 0, 0.001, 86400, 0 }, /* handled by hand */
	OP(limit_px, F_INT, 0, 1e12),
	OP(lot, F_INT, 1, 1e6),
	OP(max_pov, F_DOUBLE, EXEC_POV_MIN, 100),
	{ "cleanup", F_BOOL, offsetof(struct parent_spec, cleanup), 0, 0, 0 },
	{ "algo", F_STRING, offsetof(struct parent_spec, algo), 0, 0, 16 },
	{ "aggression", F_AGGR, offsetof(struct parent_spec, aggression), 0, 0, 0 },
	OP(catchup, F_DOUBLE, 0, EXEC_CATCHUP_MAX),
	OP(catchup_max, F_DOUBLE, 0, EXEC_CATCHUP_MAX),
	{ "inside", F_BOOL, offsetof(struct parent_spec, inside), 0, 0, 0 },
	OP(urgency, F_DOUBLE, 0, 100),
	/* Weights are relative: a day's volumes in shares fit. */
	{ "profile", F_PROFILE, 0, 0, SCENARIO_PROFILE_MAX, 0 },
	{ "profile_csv", F_CSV, 0, 0, SCENARIO_PROFILE_MAX, 0 },
	OP(pov, F_DOUBLE, 0.01, 99),
	OP(pov_floor, F_DOUBLE, 0, 100),
	OP(pov_cap, F_DOUBLE, 0, 100),
	OP(ac_lambda, F_DOUBLE, 0, 1),
	OP(ac_sigma, F_DOUBLE, 0, 1e6),
	OP(ac_eta, F_DOUBLE, 0, 1e6),
	OP(ac_gamma, F_DOUBLE, 0, 1e6),
	OP(win_pov, F_DOUBLE, 0, 100),
	OP(win_s, F_DOUBLE, 0, 86400),
	OP(max_rate, F_DOUBLE, 0, 1e6),
	OP(adapt, F_DOUBLE, 0, 5),
	OP(event_k, F_DOUBLE, 0, 100),
	OP(event_f, F_DOUBLE, 0, 1),
	OP(event_win, F_DOUBLE, 0, 120),
	OP(event_flow, F_DOUBLE, 0, 1),
	OP(react_s, F_DOUBLE, 0, 10),
	{ "venues", F_VENUES, offsetof(struct parent_spec, venues), 0, 0, 0 },
	{ "dealers", F_STRING, offsetof(struct parent_spec, dealers), 0, 0, 16 },
	OP(dark_pct, F_DOUBLE, 0, 100),
	OP(dark_min, F_INT, 0, 1e9),
	OP(rfq_pct, F_DOUBLE, 0, 100),
	OP(rfq_trigger, F_DOUBLE, 0, 1000),
	OP(rfq_max_bps, F_DOUBLE, 0, 1000),
	OP(rfq_every_s, F_DOUBLE, 0, 86400),
	{ "dark_cond", F_BOOL, offsetof(struct parent_spec, dark_cond), 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
#undef OP

/* The desk's bounds on one block (a scenario's "limits" object). */
static const struct field limit_fields[] = {
	{ "block_shares", F_INT, offsetof(struct scenario_limits, block_shares),
	    1, 1e9, 0 },
	{ "block_notional", F_DOUBLE, offsetof(struct scenario_limits,
	    block_notional), 1, 1e13, 0 },
	{ "open_notional", F_DOUBLE, offsetof(struct scenario_limits,
	    open_notional), 1, 1e14, 0 },
	{ "symbol_pov", F_DOUBLE, offsetof(struct scenario_limits,
	    symbol_pov), 0.01, 100, 0 },
	{ "symbol_pov_s", F_DOUBLE, offsetof(struct scenario_limits,
	    symbol_pov_s), 1, 86400, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* The venues beside a simulated market (a scenario's "venues" object)
 * and each of its "dealers". */
#define VP(k, lo, hi) { #k, F_DOUBLE, offsetof(struct venue_params, k), lo, \
	hi, 0 }
static const struct field venue_fields[] = {
	VP(dark_share, 0, 0.5),
	VP(natural_share, 0, 1),
	VP(natural_size, 100, 1e9),
	VP(flow_size, 100, 1e9),
	VP(natural_life, 1e-3, 86400),
	VP(flow_life, 1e-3, 86400),
	{ "pred_count", F_INT, offsetof(struct venue_params, pred_count), 1, 64,
	    sizeof(int) },
	VP(pred_small, 0, 1e9),
	VP(pred_window_s, 0, 86400),
	VP(pred_dur_s, 0, 86400),
	VP(pred_rate, 0, 100),
	VP(pred_size, 0, 1e9),
	VP(rfq_deadline_s, 0.001, 600),
	VP(hedge_s, 1, 86400),
	VP(leak_s, 1, 86400),
	VP(adv, 1, 1e12),
	VP(cond_min_rate, 0, 1),
	VP(cond_delay_s, 0, 86400),
	{ NULL, 0, 0, 0, 0, 0 },
};
#undef VP
#define DP(k, lo, hi) { #k, F_DOUBLE, offsetof(struct dealer_params, k), lo, \
	hi, 0 }
static const struct field dealer_fields[] = {
	{ "name", F_STRING, offsetof(struct dealer_params, name), 0, 0, 8 },
	DP(base_bps, 0, 10000),
	DP(size_bps, 0, 10000),
	DP(vol_mult, 0, 1000),
	DP(inv_bps, 0, 10000),
	DP(noise_bps, 0, 10000),
	DP(respond, 0, 1),
	DP(latency_s, 0, 600),
	DP(leak, 0, 1),
	DP(prehedge, 0, 1),
	DP(hedge, 0, 1),
	{ NULL, 0, 0, 0, 0, 0 },
};
#undef DP

/* The Almgren-Chriss market's parameters (a scenario's "ac" object). */
#define AP(k, lo, hi) { #k, F_DOUBLE, offsetof(struct ac_params, k), lo, hi, 0 }
static const struct field ac_fields[] = {
	AP(sigma, 0, 1e6),
	AP(eta, 0, 1e6),
	AP(gamma, 0, 1e6),
	AP(eps, 0, 1e6),
	AP(tau_min, 1e-3, 1440),
	AP(noise, 0, 100),
	AP(step_s, 0.001, 3600),
	{ NULL, 0, 0, 0, 0, 0 },
};
#undef AP

/* A value as a refusal names it: its JSON text, at most 60 bytes of it
 * with controls escaped and "..." when cut, and a number past a double's
 * range said so (cJSON prints it as null). */
static const char *
scenario_show(const cJSON *it, char *buf, size_t n)
{
	char *v;

	if (cJSON_IsNumber(it) && !isfinite(it->valuedouble))
		return "(beyond a double's range)";
	if ((v = cJSON_PrintUnformatted(it)) == NULL)
		return "?";
	json_text_show(buf, n, v, 60);
	cJSON_free(v);
	return buf;
}

/* The directory of the scenario being decoded, for relative CSV paths. */
static _Thread_local const char *scenario_dir_of;

/* A VWAP profile from a CSV file: one weight per line, the last
 * comma-separated column counts, lines that are not numbers (a header)
 * are skipped.  A number out of [0, SCENARIO_PROFILE_MAX] is refused
 * naming its line: it was skipped when negative or not finite, and taken
 * above 1e6 while the journal's header, which carries the weights, was
 * refused on recovery (found by a review). */
static int
scenario_profile_csv(struct parent_spec *ps, const char *file,
                     const char *where, char *err, size_t errlen)
{
	char path[1024], line[512];
	FILE *f;
	int n = 0, ln = 0;

	if (file[0] != '/' && scenario_dir_of != NULL)
		snprintf(path, sizeof path, "%s/%s", scenario_dir_of, file);
	else
		snprintf(path, sizeof path, "%s", file);
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s.profile_csv %.200s: %s", where, path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *c = strrchr(line, ','), *end, *w = c ? c + 1 : line;
		double v = strtod(w, &end);

		ln++;
		if (end == w)
			continue;
		if (!(v >= 0 && v <= SCENARIO_PROFILE_MAX)) {
			w[strcspn(w, "\r\n")] = '\0';
			snprintf(err, errlen, "%s.profile_csv %.200s: line %d: "
			    "weight %.40s: must be a number in [0, %g]", where, path,
			    ln, w, SCENARIO_PROFILE_MAX);
			fclose(f);
			return -1;
		}
		if (n == 64) {
			snprintf(err, errlen, "%s.profile_csv %.200s: more than 64 "
			    "buckets", where, path);
			fclose(f);
			return -1;
		}
		ps->profile[n++] = v;
	}
	fclose(f);
	if (n == 0) {
		snprintf(err, errlen, "%s.profile_csv %.200s: no weights", where, path);
		return -1;
	}
	ps->nprofile = n;
	return 0;
}

/*
 * A block without its own VWAP profile takes the scenario's session
 * profile over its window, resampled to 64 buckets: the volume the market
 * is expected to trade in each.
 */
static void
scenario_order_profile(const struct scenario *sc, const struct sim_params *mk,
                       struct parent_spec *ps)
{
	int n = mk->nprofile;
	double span = (double)(sc->close - sc->open);

	if (ps->nprofile > 0 || n <= 0 || span <= 0)
		return;
	for (int b = 0; b < 64; b++) {
		double a = (double)(ps->start - sc->open) + (double)(ps->end -
		    ps->start) * b / 64.0, z = a + (double)(ps->end - ps->start) /
		    64.0, w = 0;

		for (int i = 0; i < n; i++) {
			double lo = span * i / n, hi = span * (i + 1) / n;
			double o = (z < hi ? z : hi) - (a > lo ? a : lo);

			if (o > 0)
				w += mk->profile[i] * o / (hi - lo);
		}
		ps->profile[b] = w;
	}
	ps->nprofile = 64;
}

int64_t
scenario_parse_clock(const char *s)
{
	int v[3] = { 0, 0, 0 };

	/* H:MM:SS or HH:MM:SS, digits only: sscanf's %2d also took "+9",
	 * " 9" and "-0" for a field. */
	for (int i = 0; i < 3; i++) {
		int digits = 0;

		while (*s >= '0' && *s <= '9' && digits < 2) {
			v[i] = v[i] * 10 + (*s++ - '0');
			digits++;
		}
		if (digits == 0 || (i > 0 && digits != 2) ||
		    *s != (i < 2 ? ':' : '\0'))
			return -1;
		if (i < 2)
			s++;
	}
	if (v[0] > 23 || v[1] > 59 || v[2] > 59)
		return -1;
	return ((int64_t)v[0] * 3600 + v[1] * 60 + v[2]) * 1000000000LL;
}

char *
scenario_clock_text(char *buf, size_t n, int64_t t)
{
	long long s = (long long)(t / 1000000000LL);
	long long ms = (long long)(t / 1000000 % 1000);
	long long ns = (long long)(t % 1000000000LL);

	/* Nanoseconds whole when they are there: a news item at
	 * 09:45:00.0005 was journaled as 09:45:00, and a recovered session
	 * published it half a millisecond early (found by a review). */
	if (ns % 1000000 != 0) {
		int k;

		snprintf(buf, n, "%02lld:%02lld:%02lld.%09lld", s / 3600,
		    s / 60 % 60, s % 60, ns);
		for (k = (int)strlen(buf); k > 0 && buf[k - 1] == '0'; k--)
			buf[k - 1] = '\0';
	} else if (ms != 0)
		snprintf(buf, n, "%02lld:%02lld:%02lld.%03lld", s / 3600,
		    s / 60 % 60, s % 60, ms);
	else
		snprintf(buf, n, "%02lld:%02lld:%02lld", s / 3600, s / 60 % 60,
		    s % 60);
	return buf;
}

/* "<name> <value>: must be a time" into err, the value as JSON. */
static void
scenario_clock_err(char *err, size_t errlen, const char *name,
                   const cJSON *it)
{
	char *v = cJSON_PrintUnformatted(it);

	snprintf(err, errlen, "%s %s: must be a time \"HH:MM:SS\"", name,
	    v != NULL ? v : "?");
	cJSON_free(v);
}

static int
scenario_decode(const cJSON *obj, const struct field *fields, void *base,
                const char *where, char *err, size_t errlen)
{
	const cJSON *it;

	if (!cJSON_IsObject(obj)) {
		snprintf(err, errlen, "%s: must be an object", where);
		return -1;
	}
	cJSON_ArrayForEach(it, obj) {
		const struct field *f;
		char *dst;

		for (f = fields; f->key != NULL; f++)
			if (strcmp(f->key, it->string) == 0)
				break;
		if (f->key == NULL) {
			snprintf(err, errlen, "%s.%s: unknown key", where, it->string);
			return -1;
		}
		if (strcmp(f->key, "interval_s") == 0 && fields == order_fields) {
			if (!cJSON_IsNumber(it) || !(it->valuedouble >= f->min &&
			    it->valuedouble <= f->max)) {
				char v[96];

				snprintf(err, errlen, "%s.interval_s %s: must be a "
				    "number in [%g, %g]", where, scenario_show(it, v,
				    sizeof v), f->min, f->max);
				return -1;
			}
			((struct parent_spec *)base)->interval =
			    (int64_t)llround(it->valuedouble * 1e9);
			continue;
		}
		dst = (char *)base + f->off;
		switch (f->type) {
		case F_DOUBLE:
		case F_INT:
			if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) ||
			    it->valuedouble < f->min || it->valuedouble > f->max ||
			    (f->type == F_INT &&
			    it->valuedouble != floor(it->valuedouble))) {
				/* cJSON prints 1e999 (read as infinite) as null. */
				char *v = cJSON_IsNumber(it) &&
				    !isfinite(it->valuedouble) ? NULL :
				    cJSON_PrintUnformatted(it);

				snprintf(err, errlen, "%s.%s %s: must be %s in [%g, %g]",
				    where, f->key, v != NULL ? v : cJSON_IsNumber(it) ?
				    "(beyond a double's range)" : "?", f->type == F_INT ?
				    "a whole number" : "a number", f->min, f->max);
				cJSON_free(v);
				return -1;
			}
			if (f->type == F_DOUBLE)
				*(double *)dst = it->valuedouble;
			else if (f->size == sizeof(int))
				*(int *)dst = (int)it->valuedouble;
			else
				*(int64_t *)dst = (int64_t)it->valuedouble;
			break;
		case F_STRING:
			/* Text that reaches refusals and consoles: no control
			 * character, valid UTF-8 (a symbol with an escape
			 * sequence put it on the operator's terminal: found by
			 * a review). */
			if (!cJSON_IsString(it) || it->valuestring[0] == '\0' ||
			    strlen(it->valuestring) >= f->size ||
			    !json_text_ok(it->valuestring)) {
				char v[96];

				snprintf(err, errlen, "%s.%s %s: must be a string of "
				    "1..%zu characters, none of them a control",
				    where, f->key, scenario_show(it, v, sizeof v),
				    f->size - 1);
				return -1;
			}
			strcpy(dst, it->valuestring);
			break;
		case F_CLOCK: {
			int64_t t = cJSON_IsString(it) ?
			    scenario_parse_clock(it->valuestring) : -1;

			if (t < 0) {
				char name[160];

				snprintf(name, sizeof name, "%s.%s", where, f->key);
				scenario_clock_err(err, errlen, name, it);
				return -1;
			}
			*(int64_t *)dst = t;
			break;
		}
		case F_BOOL:
			if (!cJSON_IsBool(it)) {
				char *v = cJSON_PrintUnformatted(it);

				snprintf(err, errlen, "%s.%s %s: must be true or false",
				    where, f->key, v ? v : "?");
				cJSON_free(v);
				return -1;
			}
			*(int *)dst = cJSON_IsTrue(it);
			break;
		case F_AGGR: {
			int a = cJSON_IsString(it) ?
			    exec_aggression_parse(it->valuestring) : -1;

			if (a < 0) {
				char v[96];

				snprintf(err, errlen, "%s.%s %s: must be \"passive\", "
				    "\"neutral\" or \"aggressive\"", where, f->key,
				    scenario_show(it, v, sizeof v));
				return -1;
			}
			*(int *)dst = 1 + a;
			break;
		}
		case F_PROFILE: {
			struct parent_spec *ps = base;
			const cJSON *w;
			int n = 0;

			if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) < 1 ||
			    cJSON_GetArraySize(it) > 64) {
				snprintf(err, errlen, "%s.profile: must be an array of 1..64 "
				    "weights", where);
				return -1;
			}
			cJSON_ArrayForEach(w, it) {
				if (!cJSON_IsNumber(w) || !(w->valuedouble >= 0 &&
				    w->valuedouble <= f->max)) {
					snprintf(err, errlen, "%s.profile.%d: must be a number "
					    "in [0, %g]", where, n, f->max);
					return -1;
				}
				ps->profile[n++] = w->valuedouble;
			}
			ps->nprofile = n;
			break;
		}
		case F_CSV:
			if (!cJSON_IsString(it) || scenario_profile_csv(base,
			    it->valuestring, where, err, errlen) != 0) {
				if (!cJSON_IsString(it))
					snprintf(err, errlen, "%s.profile_csv: must be a file "
					    "name", where);
				return -1;
			}
			break;
		case F_VENUES:
			if (!cJSON_IsString(it) || venue_set_parse(it->valuestring,
			    (unsigned *)(void *)dst, err, errlen) != 0) {
				char e2[160];

				snprintf(e2, sizeof e2, "%s", cJSON_IsString(it) ? err :
				    "must be a string such as \"lit,dark,rfq\"");
				snprintf(err, errlen, "%s.venues: %s", where, e2);
				return -1;
			}
			break;
		case F_SIDE:
			if (cJSON_IsString(it) && strcmp(it->valuestring, "buy") == 0)
				*(int *)dst = BOOK_BID;
			else if (cJSON_IsString(it) &&
			    strcmp(it->valuestring, "sell") == 0)
				*(int *)dst = BOOK_ASK;
			else {
				char *v = cJSON_PrintUnformatted(it);

				snprintf(err, errlen, "%s.side %.40s: must be \"buy\", "
				    "\"sell\" or \"either\"", where, v != NULL ? v : "?");
				cJSON_free(v);
				return -1;
			}
			break;
		}
	}
	return 0;
}

/* Apply one "a.b.c=value" override to the tree. */
static int
scenario_set(cJSON *root, const char *set, char *err, size_t errlen)
{
	char path[256], *eq, *key, *save = NULL, *next;
	cJSON *node = root, *val;

	/* Only the path is held to 255 bytes: a value of a 60-weight profile
	 * passes that (it was refused as not path.key=value: found by a
	 * review). */
	if ((eq = strchr(set, '=')) == NULL || eq == set) {
		snprintf(err, errlen, "--set \"%.200s\": must be path.key=value",
		    set);
		return -1;
	}
	if ((size_t)(eq - set) >= sizeof path) {
		snprintf(err, errlen, "--set \"%.60s...\": the path is longer than "
		    "%zu bytes", set, sizeof path - 1);
		return -1;
	}
	memcpy(path, set, (size_t)(eq - set));
	path[eq - set] = '\0';
	/* strtok_r would pass over an empty part ("market..sigma"). */
	if (path[0] == '.' || path[strlen(path) - 1] == '.' ||
	    strstr(path, "..") != NULL) {
		snprintf(err, errlen, "--set \"%s\": the path \"%s\" has an "
		    "empty part", set, path);
		return -1;
	}
	/* A value that is not JSON as a whole ("10:30:00", "twap") is a
	 * string: cJSON_Parse alone would take the 10 and drop the rest.
	 * One that is JSON is held to what files are (no key twice). */
	val = cJSON_ParseWithOpts(eq + 1, NULL, 1);
	if (val != NULL) {
		char jerr[160];
		cJSON *strict = json_parse_strict(eq + 1, strlen(eq + 1), NULL,
		    jerr, sizeof jerr);

		if (strict == NULL) {
			cJSON_Delete(val);
			snprintf(err, errlen, "--set %s: %s", set, jerr);
			return -1;
		}
		cJSON_Delete(strict);
	} else
		val = cJSON_CreateString(eq + 1);
	key = strtok_r(path, ".", &save);
	while (key != NULL) {
		next = strtok_r(NULL, ".", &save);
		cJSON *child;
		char *end = key;
		long idx = 0;

		/* An array index: digits only, within the array's int (strtol
		 * took "+0" and " 0", and 4294967296 wrapped to 0). */
		while (*end >= '0' && *end <= '9' && idx <= INT_MAX)
			idx = idx * 10 + (*end++ - '0');
		if (cJSON_IsArray(node) && (end == key || *end != '\0' ||
		    idx > INT_MAX)) {
			cJSON_Delete(val);
			snprintf(err, errlen, "--set %s: \"%s\" is not an index of "
			    "the array (0 to %d)", set, key,
			    cJSON_GetArraySize(node) - 1);
			return -1;
		}
		if (cJSON_IsArray(node) && *end == '\0')
			child = cJSON_GetArrayItem(node, (int)idx);
		else if (cJSON_IsObject(node))
			child = cJSON_GetObjectItemCaseSensitive(node, key);
		else
			child = NULL;
		if (next == NULL) {
			if (cJSON_IsArray(node) && *end == '\0' && child != NULL)
				cJSON_ReplaceItemInArray(node, (int)idx, val);
			else if (cJSON_IsObject(node)) {
				if (child != NULL)
					cJSON_ReplaceItemInObjectCaseSensitive(node, key, val);
				else
					cJSON_AddItemToObject(node, key, val);
			} else {
				cJSON_Delete(val);
				snprintf(err, errlen, "--set %s: \"%s\" is not an object "
				    "or an array index", set, key);
				return -1;
			}
			return 0;
		}
		/* Alert thresholds, venue figures and the desk's limits may
		 * be set in a scenario that names none: each has a default. */
		if (child == NULL && node == root && (strcmp(key, "alerts") == 0 ||
		    strcmp(key, "venues") == 0 || strcmp(key, "limits") == 0))
			child = cJSON_AddObjectToObject(node, key);
		if (child == NULL) {
			cJSON_Delete(val);
			snprintf(err, errlen, "--set %s: no \"%s\" in the scenario",
			    set, key);
			return -1;
		}
		node = child;
		key = next;
	}
	cJSON_Delete(val);
	return 0;
}

static char *
scenario_read_file(const char *path, char *err, size_t errlen)
{
	FILE *f;
	char *buf;
	const char *nul;
	long n;
	struct stat st;

	/* Not a FIFO (fopen would wait for a writer) nor a directory. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "scenario %s: not a regular file", path);
		return NULL;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "scenario %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    n > 4 * 1024 * 1024 || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "scenario %s: unreadable or over 4 MiB", path);
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errlen, "scenario %s: read failed", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	/* The text ends at its last byte, not at a NUL inside it (what
	 * followed one was never read). */
	if ((nul = memchr(buf, '\0', (size_t)n)) != NULL) {
		snprintf(err, errlen, "scenario %s: a NUL byte at byte %zu",
		    path, (size_t)(nul - buf));
		free(buf);
		return NULL;
	}
	return buf;
}

/* Line number of byte offset off in text, for parse errors. */
static int
scenario_line_of(const char *text, const char *at)
{
	int line = 1;

	for (const char *p = text; p < at && *p != '\0'; p++)
		if (*p == '\n')
			line++;
	return line;
}

/* "profile": relative volume of equal slices of the session. */
const char *
scenario_data_dir(void)
{
	const char *d = getenv("TRANCHE_DATA_DIR");

	return d != NULL && *d != '\0' ? d : TRANCHE_DATA_DIR;
}

/* The "replay" object: message and orderbook files (relative to the data
 * directory unless absolute), and the start times sessions use. */
static int
scenario_replay(struct scenario *sc, const cJSON *obj, char *err,
                size_t errlen)
{
	const cJSON *it;

	if (!cJSON_IsObject(obj)) {
		snprintf(err, errlen, "replay: must be an object");
		return -1;
	}
	cJSON_ArrayForEach(it, obj) {
		const char *k = it->string;

		if (strcmp(k, "message") == 0 || strcmp(k, "orderbook") == 0) {
			char *dst = k[0] == 'm' ? sc->replay.message :
			    sc->replay.orderbook;

			if (!cJSON_IsString(it) || it->valuestring[0] == '\0') {
				snprintf(err, errlen, "replay.%s: must be a file name", k);
				return -1;
			}
			if (it->valuestring[0] == '/')
				snprintf(dst, 1024, "%.1000s", it->valuestring);
			else
				snprintf(dst, 1024, "%.500s/%.500s", scenario_data_dir(),
				    it->valuestring);
			if (access(dst, R_OK) != 0) {
				snprintf(err, errlen, "replay.%s %.300s: %s (the data "
				    "directory is $TRANCHE_DATA_DIR or ../shared/data)", k,
				    dst, strerror(errno));
				return -1;
			}
		} else if (strcmp(k, "starts") == 0) {
			if (!cJSON_IsNumber(it) || it->valuedouble < 1 ||
			    it->valuedouble > 1000 ||
			    it->valuedouble != (int)it->valuedouble) {
				snprintf(err, errlen, "replay.starts: must be a whole "
				    "number in [1, 1000]");
				return -1;
			}
			sc->replay.starts = (int)it->valuedouble;
		} else if (strcmp(k, "first_start") == 0 ||
		    strcmp(k, "last_start") == 0) {
			int64_t t = cJSON_IsString(it) ?
			    scenario_parse_clock(it->valuestring) : -1;

			if (t < 0) {
				char name[64];

				snprintf(name, sizeof name, "replay.%s", k);
				scenario_clock_err(err, errlen, name, it);
				return -1;
			}
			*(k[0] == 'f' ? &sc->replay.first : &sc->replay.last) = t;
		} else {
			snprintf(err, errlen, "replay.%s: unknown key", k);
			return -1;
		}
	}
	return 0;
}

static int
scenario_profile(struct sim_params *mk, const char *pre, const cJSON *arr,
                 char *err, size_t errlen)
{
	const cJSON *it;
	double sum = 0;
	int n = 0;

	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "%sprofile: must be an array of numbers",
		    pre);
		return -1;
	}
	cJSON_ArrayForEach(it, arr) {
		if (n == SIM_MAX_PROFILE) {
			snprintf(err, errlen, "%sprofile: more than %d slices", pre,
			    SIM_MAX_PROFILE);
			return -1;
		}
		if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) ||
		    it->valuedouble < 0 || it->valuedouble > 1e6) {
			char *v = cJSON_PrintUnformatted(it);

			snprintf(err, errlen, "%sprofile.%d %s: must be a number in "
			    "[0, 1e+06]", pre, n, v ? v : "?");
			cJSON_free(v);
			return -1;
		}
		sum += it->valuedouble;
		mk->profile[n++] = it->valuedouble;
	}
	if (n > 0 && !(sum > 0)) {
		snprintf(err, errlen, "%sprofile: the weights add up to 0", pre);
		return -1;
	}
	mk->nprofile = n;
	return 0;
}

/* "news": {"kind":"hard"|"soft"|"none", ...} -- the kind's defaults, then
 * the object's keys. */
static int
scenario_news(struct sim_params *mk, const char *pre, const cJSON *obj,
              char *err, size_t errlen)
{
	const cJSON *k;
	cJSON *copy;
	char where[48];
	int kind, rv;

	snprintf(where, sizeof where, "%snews", pre);
	if (!cJSON_IsObject(obj)) {
		snprintf(err, errlen, "%s: must be an object", where);
		return -1;
	}
	k = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	kind = cJSON_IsString(k) ? sim_news_kind_parse(k->valuestring) : -1;
	if (kind < 0) {
		char *v = k != NULL ? cJSON_PrintUnformatted(k) : NULL;

		snprintf(err, errlen, "%s.kind %s: must be \"hard\", \"soft\" or "
		    "\"none\"", where, v != NULL ? v : "(missing)");
		cJSON_free(v);
		return -1;
	}
	sim_news_default(&mk->news, kind);
	if ((copy = cJSON_Duplicate(obj, 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", where);
		return -1;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "kind");
	rv = scenario_decode(copy, news_fields, &mk->news, where, err, errlen);
	cJSON_Delete(copy);
	if (rv != 0)
		return -1;
	if (mk->news.last < mk->news.first) {
		snprintf(err, errlen, "%s.last: before first", where);
		return -1;
	}
	return 0;
}

/* "events": windows in which the market's conditions change. */
static int
scenario_events(struct sim_params *mk, const char *pre, const cJSON *arr,
                char *err, size_t errlen)
{
	const cJSON *it;
	int n = 0;

	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "%sevents: must be an array of objects",
		    pre);
		return -1;
	}
	cJSON_ArrayForEach(it, arr) {
		struct sim_event *e;
		char where[48];

		if (n == SIM_MAX_EVENTS) {
			snprintf(err, errlen, "%sevents: more than %d", pre,
			    SIM_MAX_EVENTS);
			return -1;
		}
		e = &mk->events[n];
		sim_event_default(e);
		e->at = -1;
		snprintf(where, sizeof where, "%sevents.%d", pre, n);
		if (scenario_decode(it, event_fields, e, where, err, errlen) != 0)
			return -1;
		if (e->at < 0) {
			snprintf(err, errlen, "%s.at: missing (a time \"HH:MM:SS\")",
			    where);
			return -1;
		}
		n++;
	}
	mk->nevents = n;
	return 0;
}

/*
 * "markets": one object per symbol, each the keys of "market" plus its own
 * "profile" and "events".  Every market starts from the defaults; each
 * must name its symbol, no two the same.
 */
static int
scenario_markets(struct scenario *sc, const cJSON *arr, char *err,
                 size_t errlen)
{
	const cJSON *it;
	int n = 0;

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1) {
		snprintf(err, errlen, "markets: must be an array of 1..%d market "
		    "objects", SCENARIO_MAX_MARKETS);
		return -1;
	}
	cJSON_ArrayForEach(it, arr) {
		struct sim_params *mk = &sc->markets[n];
		cJSON *copy;
		const cJSON *sub;
		char where[32], pre[32];
		int rv;

		if (n == SCENARIO_MAX_MARKETS) {
			snprintf(err, errlen, "markets: more than %d",
			    SCENARIO_MAX_MARKETS);
			return -1;
		}
		snprintf(where, sizeof where, "markets.%d", n);
		snprintf(pre, sizeof pre, "markets.%d.", n);
		if (!cJSON_IsObject(it)) {
			snprintf(err, errlen, "%s: must be an object", where);
			return -1;
		}
		sim_params_default(mk);
		mk->sym[0] = '\0';
		/* The market's own keys without its profile and events, which
		 * are decoded like the top-level ones. */
		if ((copy = cJSON_Duplicate(it, 1)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", where);
			return -1;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "profile");
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "events");
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "news");
		rv = scenario_decode(copy, market_fields, mk, where, err, errlen);
		cJSON_Delete(copy);
		if (rv != 0)
			return -1;
		if ((sub = cJSON_GetObjectItemCaseSensitive(it, "profile")) != NULL &&
		    scenario_profile(mk, pre, sub, err, errlen) != 0)
			return -1;
		if ((sub = cJSON_GetObjectItemCaseSensitive(it, "events")) != NULL &&
		    scenario_events(mk, pre, sub, err, errlen) != 0)
			return -1;
		if ((sub = cJSON_GetObjectItemCaseSensitive(it, "news")) != NULL &&
		    scenario_news(mk, pre, sub, err, errlen) != 0)
			return -1;
		if (mk->sym[0] == '\0') {
			snprintf(err, errlen, "%s.sym: missing (every market names "
			    "its symbol)", where);
			return -1;
		}
		for (int k = 0; k < n; k++)
			if (strcmp(sc->markets[k].sym, mk->sym) == 0) {
				snprintf(err, errlen, "%s.sym \"%s\": markets.%d trades it "
				    "already", where, mk->sym, k);
				return -1;
			}
		n++;
	}
	sc->nmarkets = n;
	return 0;
}

/* The "venues" object: the pool's and predator's figures, and "dealers",
 * an array that replaces the default dealers. */
static int
scenario_venues(struct scenario *sc, const cJSON *obj, char *err,
                size_t errlen)
{
	cJSON *copy = cJSON_Duplicate(obj, 1);
	const cJSON *dl = copy != NULL ?
	    cJSON_GetObjectItemCaseSensitive(copy, "dealers") : NULL;
	int rv = -1;

	if (copy == NULL || !cJSON_IsObject(copy)) {
		snprintf(err, errlen, "venues: must be an object");
		goto out;
	}
	if (dl != NULL) {
		const cJSON *d;
		int n = 0;

		if (!cJSON_IsArray(dl) || cJSON_GetArraySize(dl) < 1 ||
		    cJSON_GetArraySize(dl) > VENUE_MAX_DEALERS) {
			snprintf(err, errlen, "venues.dealers: must be an array of 1..%d "
			    "dealers", VENUE_MAX_DEALERS);
			goto out;
		}
		cJSON_ArrayForEach(d, dl) {
			char where[32];
			struct dealer_params *dp = &sc->venues.dealers[n];

			memset(dp, 0, sizeof *dp);
			snprintf(dp->name, sizeof dp->name, "D%d", n + 1);
			dp->respond = 1;
			dp->latency_s = 1;
			snprintf(where, sizeof where, "venues.dealers.%d", n);
			if (scenario_decode(d, dealer_fields, dp, where, err,
			    errlen) != 0)
				goto out;
			n++;
		}
		sc->venues.ndealers = n;
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "dealers");
	}
	if (scenario_decode(copy, venue_fields, &sc->venues, "venues", err,
	    errlen) != 0 || venue_params_check(&sc->venues, err, errlen) != 0)
		goto out;
	rv = 0;
out:
	cJSON_Delete(copy);
	return rv;
}

static int
scenario_top(struct scenario *sc, const cJSON *root, char *err, size_t errlen)
{
	const cJSON *it;
	const char *single = NULL;

	/* "markets" replaces "market" and the top-level profile and events. */
	if (cJSON_GetObjectItemCaseSensitive(root, "markets") != NULL) {
		if (cJSON_GetObjectItemCaseSensitive(root, "market") != NULL)
			single = "market";
		else if (cJSON_GetObjectItemCaseSensitive(root, "profile") != NULL)
			single = "profile";
		else if (cJSON_GetObjectItemCaseSensitive(root, "events") != NULL)
			single = "events";
		else if (cJSON_GetObjectItemCaseSensitive(root, "news") != NULL)
			single = "news";
		if (single != NULL) {
			snprintf(err, errlen, "%s: not with \"markets\" (give each "
			    "market its own %s)", single, strcmp(single, "market") ==
			    0 ? "parameters" : single);
			return -1;
		}
	}

	/* An order's default window starts at the open and ends three hours
	 * later or at the close, wherever "open" and "close" stand in the
	 * object (after "orders" they were not read yet: found by a review;
	 * and the default end passed an early close).  A bad one is refused
	 * below. */
	for (int k = 0; k < 2; k++) {
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(root, k == 0 ?
		    "open" : "close");
		int64_t t = cJSON_IsString(op) ?
		    scenario_parse_clock(op->valuestring) : -1;

		if (t >= 0)
			*(k == 0 ? &sc->open : &sc->close) = t;
	}
	cJSON_ArrayForEach(it, root) {
		const char *k = it->string;

		if (strcmp(k, "name") == 0 || strcmp(k, "description") == 0) {
			if (!cJSON_IsString(it)) {
				char v[96];

				snprintf(err, errlen, "%s %s: must be a string", k,
				    scenario_show(it, v, sizeof v));
				return -1;
			}
			if (k[0] == 'n')
				snprintf(sc->name, sizeof sc->name, "%s", it->valuestring);
		} else if (strcmp(k, "open") == 0 || strcmp(k, "close") == 0) {
			int64_t t = cJSON_IsString(it) ?
			    scenario_parse_clock(it->valuestring) : -1;

			if (t < 0) {
				scenario_clock_err(err, errlen, k, it);
				return -1;
			}
			*(k[0] == 'o' ? &sc->open : &sc->close) = t;
		} else if (strcmp(k, "warmup_s") == 0) {
			if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0 &&
			    it->valuedouble <= 3600)) {
				char v[96];

				snprintf(err, errlen, "warmup_s %s: must be a "
				    "number in [0, 3600]", scenario_show(it, v,
				    sizeof v));
				return -1;
			}
			sc->warmup = (int64_t)(it->valuedouble * 1e9);
		} else if (strcmp(k, "market") == 0) {
			if (scenario_decode(it, market_fields, &sc->markets[0],
			    "market", err, errlen) != 0)
				return -1;
		} else if (strcmp(k, "markets") == 0) {
			if (scenario_markets(sc, it, err, errlen) != 0)
				return -1;
		} else if (strcmp(k, "profile") == 0) {
			if (scenario_profile(&sc->markets[0], "", it, err,
			    errlen) != 0)
				return -1;
		} else if (strcmp(k, "events") == 0) {
			if (scenario_events(&sc->markets[0], "", it, err,
			    errlen) != 0)
				return -1;
		} else if (strcmp(k, "news") == 0) {
			if (scenario_news(&sc->markets[0], "", it, err,
			    errlen) != 0)
				return -1;
		} else if (strcmp(k, "source") == 0) {
			if (!cJSON_IsString(it) || (strcmp(it->valuestring, "sim") != 0 &&
			    strcmp(it->valuestring, "ac") != 0 &&
			    strcmp(it->valuestring, "lobster") != 0)) {
				snprintf(err, errlen, "source: must be \"sim\", \"ac\" "
				    "or \"lobster\"");
				return -1;
			}
			snprintf(sc->source, sizeof sc->source, "%s", it->valuestring);
		} else if (strcmp(k, "ac") == 0) {
			if (scenario_decode(it, ac_fields, &sc->ac, "ac", err,
			    errlen) != 0)
				return -1;
		} else if (strcmp(k, "replay") == 0) {
			if (scenario_replay(sc, it, err, errlen) != 0)
				return -1;
		} else if (strcmp(k, "alerts") == 0) {
			const cJSON *a;

			if (!cJSON_IsObject(it)) {
				snprintf(err, errlen, "alerts: must be an object");
				return -1;
			}
			cJSON_ArrayForEach(a, it) {
				if (!cJSON_IsNumber(a)) {
					snprintf(err, errlen, "alerts.%.40s: must be a "
					    "number", a->string);
					return -1;
				}
				if (watch_config_set(&sc->alerts, a->string,
				    a->valuedouble, err, errlen) != 0)
					return -1;
			}
			if (watch_config_check(&sc->alerts, err, errlen) != 0)
				return -1;
		} else if (strcmp(k, "venues") == 0) {
			if (scenario_venues(sc, it, err, errlen) != 0)
				return -1;
		} else if (strcmp(k, "limits") == 0) {
			if (scenario_decode(it, limit_fields, &sc->limits, "limits",
			    err, errlen) != 0)
				return -1;
		} else if (strcmp(k, "orders") == 0) {
			const cJSON *o;

			if (!cJSON_IsArray(it)) {
				snprintf(err, errlen, "orders: must be an array");
				return -1;
			}
			cJSON_ArrayForEach(o, it) {
				struct parent_spec *ps;
				char where[32];

				if (sc->norders == SCENARIO_MAX_ORDERS) {
					snprintf(err, errlen, "orders: more than %d",
					    SCENARIO_MAX_ORDERS);
					return -1;
				}
				ps = &sc->orders[sc->norders];
				memset(ps, 0, sizeof *ps);
				ps->side = BOOK_ASK;
				ps->lot = 100;
				ps->max_pov = 100;
				ps->cleanup = 1;
				ps->interval = 60LL * 1000000000LL;
				strcpy(ps->algo, "twap");
				ps->start = sc->open;
				ps->end = sc->open + 3LL * 3600 * 1000000000LL;
				if (ps->end > sc->close && sc->close > sc->open)
					ps->end = sc->close;
				snprintf(where, sizeof where, "orders.%d", sc->norders);
				/* "side":"either": the session's seed picks buy or
				 * sell (scenario_order()). */
				const cJSON *sd = cJSON_IsObject(o) ?
				    cJSON_GetObjectItemCaseSensitive(o, "side") : NULL;
				int either = cJSON_IsString(sd) &&
				    strcmp(sd->valuestring, "either") == 0, rv;
				cJSON *oc = cJSON_Duplicate(o, 1);

				if (oc == NULL) {
					snprintf(err, errlen, "%s: out of memory", where);
					return -1;
				}
				if (either)
					cJSON_DeleteItemFromObjectCaseSensitive(oc, "side");
				rv = scenario_decode(oc, order_fields, ps, where, err,
				    errlen);
				cJSON_Delete(oc);
				if (rv != 0)
					return -1;
				sc->side_seeded[sc->norders] = (unsigned char)either;
				sc->norders++;
			}
		} else {
			snprintf(err, errlen, "%s: unknown key", k);
			return -1;
		}
	}
	return 0;
}

/* Where a scenario of this name is read from (and what a relative CSV
 * path is relative to): 0, or -1 with err for a name that is not one. */
static int
scenario_path_of(struct scenario *sc, const char *name, char *err,
                 size_t errlen)
{
	const char *dir;
	size_t nl = strlen(name);

	if (strchr(name, '/') != NULL || (nl > 5 &&
	    strcmp(name + nl - 5, ".json") == 0))
		snprintf(sc->path, sizeof sc->path, "%s", name);
	else {
		for (const char *c = name; *c; c++)
			if (!(*c == '-' || *c == '_' || (*c >= 'a' && *c <= 'z') ||
			    (*c >= '0' && *c <= '9'))) {
				snprintf(err, errlen, "scenario \"%s\": a name is "
				    "lower-case letters, digits, - and _", name);
				return -1;
			}
		dir = getenv("TRANCHE_SCENARIO_DIR");
		snprintf(sc->path, sizeof sc->path, "%s/%s.json",
		    dir && *dir ? dir : TRANCHE_SCENARIO_DIR, name);
	}
	return 0;
}

static int scenario_from_root(struct scenario *sc, cJSON *root,
                              const char *name, const char *base,
                              const char **sets, int nsets, char *err,
                              size_t errlen);

int
scenario_load(struct scenario *sc, const char *name, const char **sets,
              int nsets, char *err, size_t errlen)
{
	char *text, jerr[200];
	cJSON *root;
	size_t at;

	memset(sc, 0, sizeof *sc);
	watch_config_default(&sc->alerts);
	if (scenario_path_of(sc, name, err, errlen) != 0)
		return -1;
	if ((text = scenario_read_file(sc->path, err, errlen)) == NULL)
		return -1;
	root = json_parse_strict(text, strlen(text), &at, jerr, sizeof jerr);
	if (root == NULL || !cJSON_IsObject(root)) {
		char line[32] = "";

		if (root != NULL)
			at = 0;
		if (at != SIZE_MAX)
			snprintf(line, sizeof line, "line %d: ",
			    scenario_line_of(text, text + at));
		snprintf(err, errlen, "scenario %s: %s%s", sc->path, line,
		    root == NULL ? jerr : "not a JSON object");
		cJSON_Delete(root);
		free(text);
		return -1;
	}
	free(text);
	return scenario_from_root(sc, root, name, sc->path, sets, nsets, err,
	    errlen);
}

/*
 * A journal header's scenario is one an engine already took.  One before
 * 2026-12-06 took an order's venue set without lit ("dark") as that set
 * with lit added, and ran the session so; such a set is now refused
 * (venue_set_parse), which left the session unrecoverable and its journal
 * unreadable by tca and journal check.  It is read as it was taken,
 * "lit,dark", as recovery reads such a submit (server-cmd.c).
 */
static void
scenario_old_venue_sets(cJSON *root)
{
	cJSON *o, *v;
	char err[200], set[32];
	unsigned m;

	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(root, "orders")) {
		v = cJSON_GetObjectItemCaseSensitive(o, "venues");
		if (!cJSON_IsString(v) || venue_set_parse(v->valuestring, &m, err,
		    sizeof err) != -2)
			continue;
		venue_set_format(m, set, sizeof set);
		cJSON_ReplaceItemInObjectCaseSensitive(o, "venues",
		    cJSON_CreateString(set));
	}
}

int
scenario_load_json(struct scenario *sc, const cJSON *json, const char *name,
                   const char *where, char *err, size_t errlen)
{
	char base[sizeof sc->path];
	cJSON *root;

	memset(sc, 0, sizeof *sc);
	watch_config_default(&sc->alerts);
	if (!cJSON_IsObject(json)) {
		snprintf(err, errlen, "scenario %s: not a JSON object", where);
		return -1;
	}
	/* The name places relative CSV paths where the session found them;
	 * nothing is read from the scenario file itself. */
	if (scenario_path_of(sc, name, err, errlen) != 0)
		return -1;
	snprintf(base, sizeof base, "%s", sc->path);
	snprintf(sc->path, sizeof sc->path, "%s", where);
	if ((root = cJSON_Duplicate(json, 1)) == NULL) {
		snprintf(err, errlen, "scenario %s: out of memory", where);
		return -1;
	}
	scenario_old_venue_sets(root);
	return scenario_from_root(sc, root, name, base, NULL, 0, err, errlen);
}

/*
 * An order's profile_csv becomes the weights it held ("profile") in the
 * resolved scenario, which the journal's header keeps: recovery then needs
 * no file beside the scenario (the header's scenario was once decoded from
 * a temporary file, and a relative CSV path was looked for beside that),
 * and a CSV edited since cannot change the session.
 */
static void
scenario_inline_csv(const struct scenario *sc, cJSON *root)
{
	cJSON *orders = cJSON_GetObjectItemCaseSensitive(root, "orders"), *o;
	int i = 0;

	cJSON_ArrayForEach(o, orders) {
		const struct parent_spec *ps = &sc->orders[i];

		if (i++ >= sc->norders)
			break;
		if (!cJSON_HasObjectItem(o, "profile_csv") || ps->nprofile <= 0)
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(o, "profile_csv");
		cJSON_DeleteItemFromObjectCaseSensitive(o, "profile");
		cJSON_AddItemToObject(o, "profile", cJSON_CreateDoubleArray(
		    ps->profile, ps->nprofile));
	}
}

/* Decode a parsed scenario (taken: freed here) after its overrides. */
static int
scenario_from_root(struct scenario *sc, cJSON *root, const char *name,
                   const char *base, const char **sets, int nsets, char *err,
                   size_t errlen)
{
	char msg[400];

	for (int i = 0; i < nsets; i++) {
		char ac_set[300];
		const char *set = sets[i], *eq = strchr(set, '=');
		const cJSON *acobj = cJSON_GetObjectItemCaseSensitive(root, "ac");

		/* A bare key the AC market knows ("noise=0") is short for
		 * "ac.noise=0" in a scenario with an "ac" object. */
		if (eq != NULL && memchr(set, '.', (size_t)(eq - set)) == NULL &&
		    cJSON_IsObject(acobj)) {
			for (const struct field *f = ac_fields; f->key; f++)
				if (strlen(f->key) == (size_t)(eq - set) &&
				    strncmp(f->key, set, (size_t)(eq - set)) == 0) {
					snprintf(ac_set, sizeof ac_set, "ac.%s", set);
					set = ac_set;
					break;
				}
		}
		if (scenario_set(root, set, err, errlen) != 0) {
			cJSON_Delete(root);
			return -1;
		}
	}
	sim_params_default(&sc->markets[0]);
	venue_params_default(&sc->venues);
	sc->limits.block_shares = SCENARIO_BLOCK_SHARES;
	sc->limits.block_notional = SCENARIO_BLOCK_NOTIONAL;
	sc->limits.open_notional = SCENARIO_OPEN_NOTIONAL;
	sc->limits.symbol_pov = 100;
	sc->limits.symbol_pov_s = SCENARIO_SYMBOL_POV_S;
	sc->nmarkets = 1;
	strcpy(sc->source, "sim");
	sc->ac = (struct ac_params){ .sigma = 0.95 / sqrt(390.0), .eta = 7.2e-5,
	    .gamma = 2.5e-7, .eps = 0.01, .tau_min = 5, .noise = 1, .step_s = 1 };
	snprintf(sc->name, sizeof sc->name, "%s", name);
	sc->open = 9LL * 3600 * 1000000000LL + 30LL * 60 * 1000000000LL;
	sc->close = 16LL * 3600 * 1000000000LL;
	sc->warmup = 300LL * 1000000000LL;
	{
		/* Relative CSV paths are relative to the scenario file. */
		static _Thread_local char sdir[512];
		char *slash;

		snprintf(sdir, sizeof sdir, "%s", base);
		slash = strrchr(sdir, '/');
		if (slash != NULL)
			*slash = '\0';
		else
			strcpy(sdir, ".");
		scenario_dir_of = sdir;
	}
	if (scenario_top(sc, root, msg, sizeof msg) != 0) {
		snprintf(err, errlen, "scenario %s: %s", sc->path, msg);
		cJSON_Delete(root);
		return -1;
	}
	scenario_inline_csv(sc, root);
	for (int i = 1; i < sc->nmarkets; i++)
		if (sc->markets[i].tick != sc->markets[0].tick) {
			snprintf(err, errlen, "scenario %s: markets.%d.tick %g: every "
			    "market of a scenario has the tick of markets.0 (%g)",
			    sc->path, i, sc->markets[i].tick, sc->markets[0].tick);
			cJSON_Delete(root);
			return -1;
		}
	for (int i = 0; i < sc->norders; i++) {
		struct parent_spec *p = &sc->orders[i];
		int mi;

		/* An order without "sym" trades in the first market. */
		if (p->sym[0] == '\0')
			strcpy(p->sym, sc->markets[0].sym);
		if ((mi = scenario_market_index(sc, p->sym)) < 0) {
			char syms[160];

			scenario_syms(sc, syms, sizeof syms);
			snprintf(err, errlen, "scenario %s: orders.%d.sym \"%s\": no "
			    "market trades it (markets: %s)", sc->path, i, p->sym,
			    syms);
			cJSON_Delete(root);
			return -1;
		}
		if (p->end <= p->start || p->start < sc->open || p->end > sc->close) {
			char a[24], b[24], o[24], c[24];

			snprintf(err, errlen, "scenario %s: orders.%d: window %s to %s "
			    "must lie between open %s and close %s, start before end",
			    sc->path, i, scenario_clock_text(a, sizeof a, p->start),
			    scenario_clock_text(b, sizeof b, p->end),
			    scenario_clock_text(o, sizeof o, sc->open),
			    scenario_clock_text(c, sizeof c, sc->close));
			cJSON_Delete(root);
			return -1;
		}
		if (algo_find(p->algo) == NULL) {
			char known[160];

			algo_known(known, sizeof known);
			snprintf(err, errlen, "scenario %s: orders.%d.algo \"%s\": "
			    "unknown (known: %s)", sc->path, i, p->algo, known);
			cJSON_Delete(root);
			return -1;
		}
		if (p->qty > sc->limits.block_shares) {
			snprintf(err, errlen, "scenario %s: orders.%d.qty %lld: over "
			    "limits.block_shares %lld", sc->path, i,
			    (long long)p->qty, (long long)sc->limits.block_shares);
			cJSON_Delete(root);
			return -1;
		}
		sc->derived_profile[i] = p->nprofile == 0;
		scenario_order_profile(sc, &sc->markets[mi], p);
	}
	if (strcmp(sc->source, "lobster") == 0 && (sc->replay.message[0] ==
	    '\0' || sc->replay.orderbook[0] == '\0' || sc->nmarkets != 1)) {
		snprintf(err, errlen, "scenario %s: source \"lobster\" needs "
		    "replay.message and replay.orderbook, and one market (a "
		    "recorded day is one symbol)", sc->path);
		cJSON_Delete(root);
		return -1;
	}
	if (sc->replay.starts > 0) {
		int64_t len = sc->norders > 0 ? sc->orders[0].end -
		    sc->orders[0].start : 0;

		if (strcmp(sc->source, "lobster") != 0 || sc->norders == 0 ||
		    sc->replay.first < sc->open || sc->replay.last <
		    sc->replay.first || sc->replay.last + len > sc->close ||
		    (sc->replay.starts > 1 && sc->replay.last == sc->replay.first)) {
			snprintf(err, errlen, "scenario %s: replay.starts %d: needs "
			    "source \"lobster\", an order, and open <= first_start "
			    "< last_start with last_start + the first order's window "
			    "<= close", sc->path, sc->replay.starts);
			cJSON_Delete(root);
			return -1;
		}
	}
	if (sc->close <= sc->open) {
		snprintf(err, errlen, "scenario %s: close must be after open",
		    sc->path);
		cJSON_Delete(root);
		return -1;
	}
	/* Times are of the session's day (TRANCHE_TIME_OK): a warm-up
	 * starting before midnight would journal times below 0, which
	 * recovery and replay refuse. */
	if (sc->warmup > sc->open) {
		char clk[16];

		snprintf(err, errlen, "scenario %s: warmup_s %g: the warm-up would "
		    "start before midnight (open %s)", sc->path,
		    (double)sc->warmup / 1e9, scenario_clock_text(clk,
		    sizeof clk, sc->open));
		cJSON_Delete(root);
		return -1;
	}
	for (int i = 0; i < sc->nmarkets; i++) {
		sc->markets[i].open = sc->open;
		sc->markets[i].close = sc->close;
	}
	sc->json = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return 0;
}

void
scenario_free(struct scenario *sc)
{
	if (sc->json != NULL)
		cJSON_free(sc->json);
	sc->json = NULL;
}

uint64_t
scenario_market_seed(uint64_t seed, int i)
{
	uint64_t x;

	if (i == 0)
		return seed;
	/* Two rounds of splitmix64 over the seed and the index: neighbouring
	 * indices and seeds give unrelated streams. */
	x = seed ^ ((uint64_t)i * 0xd1342543de82ef95ULL);
	x = rng_splitmix64(&x);
	return rng_splitmix64(&x);
}

int
scenario_market_index(const struct scenario *sc, const char *sym)
{
	for (int i = 0; i < sc->nmarkets; i++)
		if (strcmp(sc->markets[i].sym, sym) == 0)
			return i;
	return -1;
}

void
scenario_syms(const struct scenario *sc, char *buf, size_t n)
{
	size_t len = 0;

	if (n == 0)
		return;
	buf[0] = '\0';
	for (int i = 0; i < sc->nmarkets && len < n; i++) {
		int w = snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
		    sc->markets[i].sym);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* A replay's files refused by the loader, which said why on stderr: not
 * one of the book's errors (it read as "the order was invalid"). */
#define SCENARIO_EREPLAY (-1000)

static int
scenario_market_start(const struct scenario *sc, int i, uint64_t seed,
                      int sim_only, struct market **out)
{
	int64_t t0 = sc->open - sc->warmup;

	seed = scenario_market_seed(seed, i);
	if (!sim_only && strcmp(sc->source, "ac") == 0)
		return market_ac_new(out, &sc->markets[i], &sc->ac, seed, t0);
	if (!sim_only && strcmp(sc->source, "lobster") == 0) {
		char err[400];

		/* The recorded day has no randomness: the seed only picks the
		 * start time (scenario_order). */
		if (market_lobster_new(out, sc->replay.message,
		    sc->replay.orderbook, sc->markets[i].sym, sc->markets[i].tick,
		    err, sizeof err) != 0) {
			fprintf(stderr, "tranched: %s\n", err);
			return SCENARIO_EREPLAY;
		}
		return 0;
	}
	return market_sim_new(out, &sc->markets[i], seed, t0);
}

int
scenario_market_new(const struct scenario *sc, uint64_t seed,
                    struct market **out)
{
	return scenario_market_start(sc, 0, seed, 0, out);
}

int
scenario_market_new_at(const struct scenario *sc, int i, uint64_t seed,
                       struct market **out)
{
	if (i < 0 || i >= sc->nmarkets)
		return -1;
	return scenario_market_start(sc, i, seed, 0, out);
}

int
scenario_exec_new(const struct scenario *sc, uint64_t seed, int sim_only,
                  const struct exec_emit *e, struct exec **out, char *err,
                  size_t errlen)
{
	struct market *m[SCENARIO_MAX_MARKETS] = { NULL };
	struct exec *x = NULL;
	int i, n = 0, rv;

	*out = NULL;
	for (i = 0; i < sc->nmarkets; i++, n++) {
		if ((rv = scenario_market_start(sc, i, seed, sim_only,
		    &m[i])) != 0) {
			snprintf(err, errlen, "%s: market %s cannot start: %s",
			    sc->name, sc->markets[i].sym, rv == SCENARIO_EREPLAY ?
			    "its recorded files were refused (the reason is "
			    "above)" : book_strerror(rv));
			goto fail;
		}
		/* A simulated market has a dark pool and dealers beside it;
		 * they draw from streams of their own and leave the lit book
		 * alone unless a block trades in them. */
		if ((sim_only || strcmp(sc->source, "sim") == 0) &&
		    (rv = venue_attach(m[i], &sc->venues,
		    scenario_market_seed(seed, i))) != 0) {
			snprintf(err, errlen, "%s: market %s: venues cannot start: "
			    "%s", sc->name, sc->markets[i].sym, book_strerror(rv));
			n++;
			goto fail;
		}
	}
	if (exec_new(&x, m[0], e) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 1; i < n; i++)
		if (exec_add_market(x, m[i], err, errlen) != 0)
			goto fail;
	if (exec_set_desk_pov(x, sc->limits.symbol_pov,
	    sc->limits.symbol_pov_s, err, errlen) != 0)
		goto fail;
	if (e != NULL && e->emit != NULL) {
		if (exec_set_alerts(x, &sc->alerts, err, errlen) != 0)
			goto fail;
		/* The scenario's events are the news the desk hears. */
		for (i = 0; i < n; i++)
			for (int k = 0; k < sc->markets[i].nevents; k++)
				exec_alert_news(x, sc->markets[i].sym,
				    sc->markets[i].events[k].at,
				    sc->markets[i].events[k].dur_s,
				    sc->markets[i].events[k].name);
	}
	/* The markets' own news is the feed's: every item with what the
	 * market's scorer says of it. */
	for (i = 0; i < n; i++)
		for (int k = 0; k < market_news_count(m[i]); k++) {
			struct sim_news_item it;
			struct exec_news en;

			market_news_get(m[i], k, &it);
			memset(&en, 0, sizeof en);
			en.t = it.at;
			en.src = EXEC_NEWS_SIM;
			en.sentiment = it.sentiment;
			snprintf(en.sym, sizeof en.sym, "%s", m[i]->sym);
			snprintf(en.headline, sizeof en.headline, "%s", it.headline);
			if (exec_news_add(x, &en, err, errlen) != 0)
				goto fail;
		}
	*out = x;
	return 0;
fail:
	exec_free(x);
	for (i = 0; i < n; i++)
		market_free(m[i]);
	return -1;
}

void
scenario_exec_free(struct exec *x)
{
	struct market *m[SCENARIO_MAX_MARKETS] = { NULL };
	size_t n = 0;

	if (x == NULL)
		return;
	for (; n < exec_market_count(x) && n < SCENARIO_MAX_MARKETS; n++)
		m[n] = exec_market_at(x, n);
	exec_free(x);
	for (size_t i = 0; i < n; i++)
		market_free(m[i]);
}

void
scenario_order(const struct scenario *sc, int i, uint64_t seed,
               struct parent_spec *out)
{
	int64_t len, at;
	int k;

	*out = sc->orders[i];
	if (sc->side_seeded[i]) {
		/* Its own mix of the seed and the order's index: half the
		 * seeds buy, half sell, whatever else the seed decides. */
		uint64_t mix = seed ^ (0x73696465ULL + (uint64_t)i); /* "side" */

		out->side = (rng_splitmix64(&mix) >> 11) & 1 ? BOOK_BID : BOOK_ASK;
	}
	if (sc->replay.starts <= 0)
		return;
	k = (int)((seed > 0 ? seed - 1 : 0) % (uint64_t)sc->replay.starts);
	at = sc->replay.starts == 1 ? sc->replay.first : sc->replay.first +
	    (sc->replay.last - sc->replay.first) * k / (sc->replay.starts - 1);
	/* Every order moves with the first, keeping its window. */
	len = out->end - out->start;
	out->start += at - sc->orders[0].start;
	out->end = out->start + len;
	if (sc->derived_profile[i]) {
		int mi = scenario_market_index(sc, out->sym);

		out->nprofile = 0;
		scenario_order_profile(sc, &sc->markets[mi < 0 ? 0 : mi], out);
	}
}
