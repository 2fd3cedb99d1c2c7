/*
 * engine/server/server-fix-map.c -- what FIX says in the engine's terms
 * and back: a NewOrderSingle as a submit request, a UTC timestamp as
 * simulated time, an execution report as the body of a FIX.4.2 or
 * FIX.4.4 message.
 *
 * These are pure functions of their arguments (no engine, no socket), so
 * the unit tests check the mapping tag by tag; server-fix.c calls them.
 * A NewOrderSingle is checked here tag by tag, before the engine sees it,
 * so that a refusal names the FIX tag and its value ("OrderQty(38) \"12.5\":
 * must be a whole number ..."), not the JSON field the engine would name;
 * the engine's own checks (symbol traded, risk) still follow.  A UTC
 * timestamp's time of day is the simulated clock's time of day: the
 * simulated session is one day and its clock counts from midnight, so the
 * date is not looked at.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fix/fix.h"
#include "engine/market/venue.h"
#include "engine/server/server-int.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"

/* The user-defined tags a NewOrderSingle may carry (tranche-fix(7)). */
#define TAG_MAX_PARTICIPATION 5001
#define TAG_AGGRESSION        5002
#define TAG_VENUES            5003
#define TAG_AT_END            5004

const struct fix_catchup_tag server_fix_catchup_tags[2] = {
	{ 5005, "CatchUp", "catchup" },
	{ 5006, "CatchUpMax", "catchup_max" },
};

/* A tag's value, cut and shown safely (control characters escaped). */
int
server_fix_time(const char *v, int64_t *ns)
{
	int hh, mm, ss;
	size_t n = strlen(v);
	int64_t frac = 0, scale = 100000000;

	/* YYYYMMDD-HH:MM:SS, then optionally . and 1 to 9 digits. */
	if (n < 17)
		return -1;
	for (int i = 0; i < 17; i++) {
		int digit = v[i] >= '0' && v[i] <= '9';

		if ((i == 8 && v[i] != '-') || ((i == 11 || i == 14) &&
		    v[i] != ':') || (i != 8 && i != 11 && i != 14 && !digit))
			return -1;
	}
	hh = (v[9] - '0') * 10 + (v[10] - '0');
	mm = (v[12] - '0') * 10 + (v[13] - '0');
	ss = (v[15] - '0') * 10 + (v[16] - '0');
	if (hh > 23 || mm > 59 || ss > 60)
		return -1;
	if (n > 17) {
		if (v[17] != '.' || n == 18 || n > 27)
			return -1;
		for (size_t i = 18; i < n; i++, scale /= 10) {
			if (v[i] < '0' || v[i] > '9')
				return -1;
			frac += (v[i] - '0') * scale;
		}
	}
	*ns = ((int64_t)hh * 3600 + mm * 60 + ss) * 1000000000LL + frac;
	return 0;
}

const char *
server_fix_val(const struct fix_msg *m, int tag, char *buf, size_t n)
{
	char raw[256];

	if (fix_get_str(m, tag, raw, sizeof raw) != 0)
		snprintf(raw, sizeof raw, "(too long)");
	return ipc_show(buf, n, raw, strlen(raw));
}

int
server_fix_id_ok(const struct fix_msg *m, int tag, const char *v, char *text,
                 size_t n)
{
	size_t len = strlen(v), k;
	uint32_t cp;
	char buf[96];
	const char *name = tag == 41 ? "OrigClOrdID" : "ClOrdID";

	if (!ipc_utf8_valid(v, len)) {
		snprintf(text, n, "%s(%d) \"%s\": not valid UTF-8", name, tag,
		    server_fix_val(m, tag, buf, sizeof buf));
		return -1;
	}
	for (size_t i = 0; i < len; i += k) {
		k = ipc_utf8_char(v + i, len - i, &cp);
		if (k == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			snprintf(text, n, "%s(%d) \"%s\": a control character "
			    "(U+%04X) is not allowed in an id", name, tag,
			    server_fix_val(m, tag, buf, sizeof buf), (unsigned)cp);
			return -1;
		}
	}
	return 0;
}

/*
 * Price(44) as a whole number of ticks of tick, read from its text: a
 * value with more decimals than the tick has is refused however close it
 * is (found by a probe: a buy at 99.1099999999 became a limit of 99.11,
 * above the client's, because the check compared doubles within a
 * millionth of a tick).  0 and *ticks, or -1.
 */
int
server_fix_px_ticks(const struct fix_msg *m, double tick, int64_t *ticks)
{
	char v[40];
	const char *dot;
	double px;
	size_t k;
	int d;

	if (fix_get_str(m, 44, v, sizeof v) != 0 || fix_get_num(m, 44, &px) != 0 ||
	    !(tick > 0))
		return -1;
	/* The decimals that mean something, and the tick's own. */
	k = (dot = strchr(v, '.')) != NULL ? strlen(dot + 1) : 0;
	while (k > 0 && dot[k] == '0')
		k--;
	for (d = 0; d < 12; d++) {
		double t = tick * pow(10.0, d);

		if (fabs(t - floor(t + 0.5)) < 1e-9 * t)
			break;
	}
	if ((int)k > d)
		return -1;
	*ticks = llround(px / tick);
	return fabs((double)*ticks * tick - px) > tick * 1e-6 ? -1 : 0;
}

/* Append to the string in buf (n bytes), cutting what does not fit. */
static void fixmap_cat(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fixmap_cat(char *buf, size_t n, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, n - len, fmt, ap);
	va_end(ap);
}

cJSON *
server_fix_order_req(const struct fix_msg *m, const char *session,
                     long long inseq, const struct fix_ctx *c, char *text,
                     size_t n, int *rej)
{
	char clordid[64], sym[32], side[8], ordtype[8], tif[8] = "", buf[96];
	char strat[32], aggr[32], venues[64] = "", atend[16] = "", ts[40];
	double qty = 0, px = 0, pov = 0;
	int64_t start = -1, end = -1, ticks = 0;
	const char *algo = "twap", *urg = NULL;
	cJSON *req, *o;
	int rv;

	*rej = c->v42 ? 0 : 99;
	if ((rv = fix_get_str(m, 11, clordid, sizeof clordid)) != 0 ||
	    clordid[0] == '\0') {
		snprintf(text, n, "ClOrdID(11)%s%s: %s", rv == -2 ? " " : "",
		    rv == -2 ? server_fix_val(m, 11, buf, sizeof buf) : "",
		    rv == -2 ? "longer than 63 characters" : "required");
		return NULL;
	}
	/* Named as the counterparty sent it, not as the engine's command id
	 * it becomes ("field \"id\" \"fix-oms-3-...\"": found by a review). */
	if (server_fix_id_ok(m, 11, clordid, text, n) != 0)
		return NULL;
	if (fix_get_str(m, 55, sym, sizeof sym) != 0 || sym[0] == '\0' ||
	    strlen(sym) > 15) {
		*rej = 1;
		snprintf(text, n, "Symbol(55) \"%s\": required, at most 15 "
		    "characters", fix_get_str(m, 55, sym, sizeof sym) == -1 ? "" :
		    server_fix_val(m, 55, buf, sizeof buf));
		return NULL;
	}
	if (fix_get_str(m, 54, side, sizeof side) != 0 ||
	    (strcmp(side, "1") != 0 && strcmp(side, "2") != 0)) {
		snprintf(text, n, "Side(54) \"%s\": must be 1 (buy) or 2 (sell)",
		    fix_get_str(m, 54, side, sizeof side) == -1 ? "" :
		    server_fix_val(m, 54, buf, sizeof buf));
		return NULL;
	}
	if ((rv = fix_get_num(m, 38, &qty)) != 0 || !(qty >= 1 &&
	    qty <= 1e9) || qty != floor(qty)) {
		snprintf(text, n, "OrderQty(38) \"%s\": must be a whole number of "
		    "shares from 1 to 1000000000", rv == -1 ? "" :
		    server_fix_val(m, 38, buf, sizeof buf));
		return NULL;
	}
	if (fix_get_str(m, 40, ordtype, sizeof ordtype) != 0 ||
	    (strcmp(ordtype, "1") != 0 && strcmp(ordtype, "2") != 0)) {
		snprintf(text, n, "OrdType(40) \"%s\": must be 1 (market) or 2 "
		    "(limit)", fix_get_str(m, 40, ordtype, sizeof ordtype) == -1 ?
		    "" : server_fix_val(m, 40, buf, sizeof buf));
		return NULL;
	}
	rv = fix_get_num(m, 44, &px);
	if (ordtype[0] == '2') {
		if (rv != 0 || !(px > 0)) {
			snprintf(text, n, "Price(44) \"%s\": a limit order needs a "
			    "price > 0", rv == -1 ? "" : server_fix_val(m, 44, buf,
			    sizeof buf));
			return NULL;
		}
		/* The engine's prices are ticks up to 2^40: a larger price is
		 * said to be one, not "not a whole number of ticks". */
		if (px / c->tick > (double)(1LL << 40)) {
			snprintf(text, n, "Price(44) %s: above the largest price, "
			    "%.0f ticks of %g", server_fix_val(m, 44, buf,
			    sizeof buf), (double)(1LL << 40), c->tick);
			return NULL;
		}
		if (server_fix_px_ticks(m, c->tick, &ticks) != 0) {
			snprintf(text, n, "Price(44) %s: not a whole number of "
			    "ticks of %g", server_fix_val(m, 44, buf, sizeof buf),
			    c->tick);
			return NULL;
		}
	} else if (rv != -1) {
		snprintf(text, n, "Price(44) %s: a market order (OrdType 1) has "
		    "no price", server_fix_val(m, 44, buf, sizeof buf));
		return NULL;
	}
	rv = fix_get_str(m, 59, tif, sizeof tif);
	if (rv == -2 || (rv == 0 && strcmp(tif, "0") != 0 &&
	    strcmp(tif, "6") != 0)) {
		snprintf(text, n, "TimeInForce(59) \"%s\": must be 0 (day) or 6 "
		    "(good till date, with ExpireTime)", server_fix_val(m, 59, buf,
		    sizeof buf));
		return NULL;
	}
	if ((rv = fix_get_str(m, 168, ts, sizeof ts)) != -1 &&
	    (rv != 0 || server_fix_time(ts, &start) != 0)) {
		snprintf(text, n, "EffectiveTime(168) \"%s\": must be a UTC "
		    "timestamp YYYYMMDD-HH:MM:SS[.sss]", server_fix_val(m, 168, buf,
		    sizeof buf));
		return NULL;
	}
	if ((rv = fix_get_str(m, 126, ts, sizeof ts)) != -1 &&
	    (rv != 0 || server_fix_time(ts, &end) != 0)) {
		snprintf(text, n, "ExpireTime(126) \"%s\": must be a UTC "
		    "timestamp YYYYMMDD-HH:MM:SS[.sss]", server_fix_val(m, 126, buf,
		    sizeof buf));
		return NULL;
	}
	if (end < 0 && tif[0] == '6') {
		snprintf(text, n, "ExpireTime(126): required with TimeInForce 6 "
		    "(good till date)");
		return NULL;
	}
	if (end >= 0 && (end <= c->now || end > c->close)) {
		snprintf(text, n, "ExpireTime(126) %s: the window must end after "
		    "the simulated now (%02lld:%02lld:%02lld) and by the close "
		    "(%02lld:%02lld:%02lld)", server_fix_val(m, 126, buf, sizeof buf),
		    (long long)(c->now / 3600000000000LL),
		    (long long)(c->now / 60000000000LL % 60),
		    (long long)(c->now / 1000000000LL % 60),
		    (long long)(c->close / 3600000000000LL),
		    (long long)(c->close / 60000000000LL % 60),
		    (long long)(c->close / 1000000000LL % 60));
		return NULL;
	}
	if (end < 0)
		end = c->close;
	if (start >= end) {
		snprintf(text, n, "EffectiveTime(168) %s: must be before the "
		    "window's end", server_fix_val(m, 168, buf, sizeof buf));
		return NULL;
	}
	if ((rv = fix_get_str(m, 847, strat, sizeof strat)) == 0) {
		/* FIX's own numbers (1 VWAP, 2 Participate, 3 Minimize market
		 * impact), the user-defined range from 1000 for the rest, or
		 * the engine's names where a dictionary makes the tag a
		 * string. */
		static const char *const nums[][2] = {
			{ "1", "vwap" }, { "2", "pov" }, { "3", "ac" },
			{ "1000", "twap" }, { "1001", "twap-passive" },
			{ "1002", "twap-aggressive" }, { "1003", "learned" },
			{ "1004", "twap-patient" }, { "1005", "twap-band" },
		};

		algo = strat;
		for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++)
			if (strcmp(strat, nums[k][0]) == 0)
				algo = nums[k][1];
		if (algo_find(algo) == NULL) {
			/* Each number with its name, then the names that have
			 * no number; the value is cut to what leaves the whole
			 * list room in n bytes (Text(58) has 240), escapes and
			 * all. */
			char list[200] = "";
			const char *sep = "; by name also ";
			int room;

			for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++)
				fixmap_cat(list, sizeof list, "%s%s %s", k ? ", " : "",
				    nums[k][0], nums[k][1]);
			for (size_t i = 0; i < algo_count; i++) {
				size_t k = 0;

				while (k < sizeof nums / sizeof nums[0] &&
				    strcmp(nums[k][1], algo_all[i]->name) != 0)
					k++;
				if (k < sizeof nums / sizeof nums[0])
					continue;
				fixmap_cat(list, sizeof list, "%s%s", sep,
				    algo_all[i]->name);
				sep = ", ";
			}
			room = (int)n - (int)strlen(list) -
			    (int)sizeof "TargetStrategy(847) \"\": unknown ()";
			snprintf(text, n, "TargetStrategy(847) \"%.*s\": unknown (%s)",
			    room > 8 ? room : 8, server_fix_val(m, 847, buf,
			    sizeof buf), list);
			return NULL;
		}
	} else if (rv == -2) {
		snprintf(text, n, "TargetStrategy(847) \"%s\": too long",
		    server_fix_val(m, 847, buf, sizeof buf));
		return NULL;
	}
	if ((rv = fix_get_num(m, TAG_MAX_PARTICIPATION, &pov)) != -1 &&
	    (rv != 0 || !(pov >= EXEC_POV_MIN && pov <= 100))) {
		snprintf(text, n, "MaxParticipation(%d) \"%s\": must be a "
		    "percentage from " EXEC_POV_MIN_TEXT " to 100",
		    TAG_MAX_PARTICIPATION,
		    server_fix_val(m, TAG_MAX_PARTICIPATION, buf, sizeof buf));
		return NULL;
	}
	if ((rv = fix_get_str(m, TAG_AGGRESSION, aggr, sizeof aggr)) != -1) {
		urg = rv != 0 ? NULL : strcmp(aggr, "passive") == 0 ? "low" :
		    strcmp(aggr, "neutral") == 0 ? "medium" :
		    strcmp(aggr, "aggressive") == 0 ? "high" : NULL;
		if (urg == NULL) {
			snprintf(text, n, "Aggression(%d) \"%s\": must be passive, "
			    "neutral or aggressive", TAG_AGGRESSION,
			    server_fix_val(m, TAG_AGGRESSION, buf, sizeof buf));
			return NULL;
		}
	}
	if ((rv = fix_get_str(m, TAG_VENUES, venues, sizeof venues)) != -1) {
		/* The names the router knows (lit, dark, rfq); whether this
		 * engine's market has a dark pool and dealers is the submit's
		 * check, as for an order from the console. */
		unsigned set;
		char verr[160] = "must be a list such as lit,dark,rfq";

		if (rv != 0 || venue_set_parse(venues, &set, verr,
		    sizeof verr) != 0) {
			snprintf(text, n, "VenueSet(%d) \"%s\": %s", TAG_VENUES,
			    server_fix_val(m, TAG_VENUES, buf, sizeof buf), verr);
			return NULL;
		}
	}
	if ((rv = fix_get_str(m, TAG_AT_END, atend, sizeof atend)) != -1 &&
	    (rv != 0 || (strcmp(atend, "cross") != 0 &&
	    strcmp(atend, "leave") != 0))) {
		snprintf(text, n, "AtEnd(%d) \"%s\": must be cross or leave",
		    TAG_AT_END, server_fix_val(m, TAG_AT_END, buf, sizeof buf));
		return NULL;
	}
	/* The block's catch-up (the submit's params, tranche-protocol(7)),
	 * checked here so that a refusal names the tag. */
	const struct fix_catchup_tag *cu_tags = server_fix_catchup_tags;
	double cu[2] = { -1, -1 };

	for (size_t i = 0; i < 2; i++)
		if ((rv = fix_get_num(m, cu_tags[i].tag, &cu[i])) != -1 &&
		    (rv != 0 || !(cu[i] >= 0 && cu[i] <= EXEC_CATCHUP_MAX))) {
			snprintf(text, n, "%s(%d) \"%s\": must be a number of "
			    "slices from 0 (the algorithm's own) to %d",
			    cu_tags[i].name, cu_tags[i].tag, server_fix_val(m,
			    cu_tags[i].tag, buf, sizeof buf), EXEC_CATCHUP_MAX);
			return NULL;
		}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", CMD_SUBMIT);
	/* With the ClOrdID: ids stay unique after the counterparty starts
	 * its sequence numbers again (a ClOrdID is never used twice). */
	snprintf(text, n, "fix-%s-%lld-%s", session, inseq, clordid);
	cJSON_AddStringToObject(req, "id", text);
	cJSON_AddStringToObject(req, "sym", sym);
	cJSON_AddStringToObject(req, "side", side[0] == '1' ? "buy" : "sell");
	cJSON_AddNumberToObject(req, "qty", qty);
	cJSON_AddStringToObject(req, "algo", algo);
	if (start >= 0)
		ipc_add_i64_str(req, "start", start);
	ipc_add_i64_str(req, "end", end);
	if (ticks > 0)
		cJSON_AddNumberToObject(req, "limit_px", (double)ticks);
	if (pov > 0)
		cJSON_AddNumberToObject(req, "max_pov", pov);
	if (urg != NULL)
		cJSON_AddStringToObject(req, "urgency", urg);
	if (atend[0] != '\0')
		cJSON_AddStringToObject(req, "at_end", atend);
	if (venues[0] != '\0')
		cJSON_AddStringToObject(req, "venues", venues);
	if (cu[0] >= 0 || cu[1] >= 0) {
		o = cJSON_AddObjectToObject(req, "params");
		for (size_t i = 0; i < 2; i++)
			if (cu[i] >= 0)
				cJSON_AddNumberToObject(o, cu_tags[i].param, cu[i]);
	}
	o = cJSON_AddObjectToObject(req, "origin");
	cJSON_AddStringToObject(o, "kind", "fix");
	cJSON_AddStringToObject(o, "session", session);
	cJSON_AddStringToObject(o, "clordid", clordid);
	snprintf(text, n, "FIX NewOrderSingle ClOrdID %s from session %s",
	    clordid, session);
	cJSON_AddStringToObject(req, "reason", text);
	text[0] = '\0';
	return req;
}

/* YYYYMMDD-HH:MM:SS.sss from a date and simulated ns. */
static void
sfix_stamp(char *buf, size_t n, const char *date, int64_t t)
{
	int64_t ms = t / 1000000;

	snprintf(buf, n, "%s-%02lld:%02lld:%02lld.%03lld", date,
	    (long long)(ms / 3600000 % 24), (long long)(ms / 60000 % 60),
	    (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}

/* Decimals enough to write a price of this tick exactly. */
static int
sfix_decimals(double tick)
{
	int d = 0;

	while (d < 8 && fabs(tick * pow(10, d) - llround(tick * pow(10,
	    d))) > 1e-9)
		d++;
	return d < 2 ? 2 : d;
}

void
server_fix_er_body(const struct fix_er *er, int v42, double tick,
                   const char *date, struct fix_out *o)
{
	char ts[40], et[2] = { er->exectype, 0 }, st[2] = { er->status, 0 };
	char sd[2] = { er->side, 0 }, ot[2] = { er->ordtype, 0 };
	int dec = sfix_decimals(tick);

	/* FIX 4.2 has no Trade (F) or OrderStatus (I) ExecType: a fill is
	 * Partial fill (1) or Fill (2), a status answer the status itself
	 * with ExecTransType 3 (Status). */
	if (v42 && er->exectype == 'F')
		et[0] = er->status == '2' ? '2' : '1';
	if (v42 && er->exectype == 'I')
		et[0] = er->status;
	fix_out_begin(o, "8");
	fix_out_str(o, 37, er->orderid);
	fix_out_str(o, 11, er->clordid);
	if (er->orig[0] != '\0')
		fix_out_str(o, 41, er->orig);
	fix_out_str(o, 17, er->execid);
	if (v42)
		fix_out_str(o, 20, er->exectype == 'I' ? "3" : "0");
	fix_out_str(o, 150, et);
	fix_out_str(o, 39, st);
	if (er->rejreason >= 0)
		fix_out_int(o, 103, er->rejreason);
	fix_out_str(o, 55, er->sym[0] != '\0' ? er->sym : "NONE");
	fix_out_str(o, 54, er->side != 0 ? sd : "1");
	if (er->qty > 0)
		fix_out_int(o, 38, er->qty);
	if (er->ordtype != 0)
		fix_out_str(o, 40, ot);
	if (er->limit_px > 0)
		fix_out_num(o, 44, (double)er->limit_px * tick, dec);
	if (er->lastqty > 0) {
		fix_out_int(o, 32, er->lastqty);
		fix_out_num(o, 31, (double)er->lastpx * tick, dec);
		fix_out_str(o, 30, er->lastmkt[0] != '\0' ? er->lastmkt : "lit");
	} else if (v42) {
		/* Required on every FIX.4.2 report (conditional from 4.3 on):
		 * a strict counterparty rejects a New or a Canceled without
		 * them. */
		fix_out_int(o, 32, 0);
		fix_out_str(o, 31, "0");
	}
	fix_out_int(o, 151, er->leaves);
	fix_out_int(o, 14, er->cum);
	fix_out_num(o, 6, er->avgpx * tick, dec + 4);
	sfix_stamp(ts, sizeof ts, date, er->t);
	fix_out_str(o, 60, ts);
	if (er->text[0] != '\0')
		fix_out_str(o, 58, er->text);
}
