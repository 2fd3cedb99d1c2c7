/*
 * tests/unit/test-exec-rfq.c -- a trader's requests for quotes on a block
 * (exec_rfq_send, exec_rfq_accept, exec_rfq_reject and the rfq events).
 *
 * What must hold: a trader's request waits for the trader -- the router,
 * which here would take any quote, never takes one of it -- and expires at
 * its deadline with nothing filled; every bad input is refused with the
 * field and the value named and changes nothing (no child, no shares held,
 * no record); an accepted quote fills once, at its price, and the request
 * cannot be decided again; a rejected one ends with nothing filled; a
 * block cut below what its request holds withdraws it, and never fills
 * past its new quantity; a dealer turned off after it quoted is taken
 * neither by the trader nor by the router.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/exec/exec.h"
#include "engine/exec/scenario.h"

#define NS 1000000000LL

struct rec {
	int64_t rfq_fills, rfq_px, rfq_shares, rfq_events;
	char last_state[16];
};

static void
rec_emit(void *arg, const char *topic, cJSON *o)
{
	struct rec *r = arg;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "venue");

	if (strcmp(topic, "fill") == 0 && cJSON_IsString(v) &&
	    strcmp(v->valuestring, "rfq") == 0) {
		r->rfq_fills++;
		r->rfq_px = (int64_t)cJSON_GetObjectItemCaseSensitive(o,
		    "px")->valuedouble;
		r->rfq_shares += (int64_t)cJSON_GetObjectItemCaseSensitive(o,
		    "qty")->valuedouble;
	}
	if (strcmp(topic, "rfq") == 0) {
		r->rfq_events++;
		snprintf(r->last_state, sizeof r->last_state, "%s",
		    cJSON_GetObjectItemCaseSensitive(o, "state")->valuestring);
	}
}

struct fix {
	struct scenario sc;
	struct rec r;
	struct exec *x;
	uint32_t id;
	struct parent *p;
};

/* The calm scenario's block, 300,000 shares over an hour on every venue;
 * the router asks nobody (its trigger is out of reach) but would take any
 * quote (rfq_max_bps 1000); a minute in. */
static void
fix_open(struct fix *f)
{
	struct exec_emit e = { rec_emit, &f->r };
	struct parent_spec ps;
	char err[300];

	memset(f, 0, sizeof *f);
	setenv("TRANCHE_SCENARIO_DIR", TRANCHE_SOURCE_DIR "/engine/scenarios", 1);
	assert_int_equal(scenario_load(&f->sc, "calm", NULL, 0, err, sizeof err),
	    0);
	assert_int_equal(scenario_exec_new(&f->sc, 3, 1, &e, &f->x, err,
	    sizeof err), 0);
	scenario_order(&f->sc, 0, 3, &ps);
	ps.end = ps.start + 3600 * NS;
	ps.qty = 300000;
	assert_int_equal(venue_set_parse("lit,dark,rfq", &ps.venues, err,
	    sizeof err), 0);
	ps.rfq_trigger = 1000;
	ps.rfq_max_bps = 1000;
	if (exec_submit(f->x, &ps, &f->id, err, sizeof err) != 0)
		fail_msg("%s", err);
	exec_tick(f->x, ps.start + 60 * NS);
	f->p = exec_find(f->x, f->id);
	assert_non_null(f->p);
}

static void
fix_close(struct fix *f)
{
	scenario_exec_free(f->x);
	scenario_free(&f->sc);
}

/* The request's record as the snapshot has it (owned by the caller). */
static cJSON *
rfq_of(struct exec *x, const char *id)
{
	cJSON *a = exec_rfq_json(x), *it, *out = NULL;

	cJSON_ArrayForEach(it, a)
		if (strcmp(cJSON_GetObjectItemCaseSensitive(it, "id")->valuestring,
		    id) == 0)
			out = cJSON_Duplicate(it, 1);
	cJSON_Delete(a);
	return out;
}

/* The first dealer with the given status on request id, or NULL. */
static const char *
dealer_with(const cJSON *o, const char *status, char *buf, size_t n)
{
	const cJSON *d;

	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(o, "dealers"))
		if (strcmp(cJSON_GetObjectItemCaseSensitive(d,
		    "status")->valuestring, status) == 0) {
			snprintf(buf, n, "%s", cJSON_GetObjectItemCaseSensitive(d,
			    "dealer")->valuestring);
			return buf;
		}
	return NULL;
}

static int
live_rfq_children(const struct parent *p)
{
	int n = 0;

	for (size_t i = 0; i < p->nchildren; i++)
		n += p->children[i].live && p->children[i].venue == VENUE_RFQ;
	return n;
}

static void
a_trader_request_waits_and_expires_unfilled(void **state)
{
	struct fix f;
	char id[32], err[300];
	int64_t deadline, held;
	cJSON *o;

	(void)state;
	fix_open(&f);
	held = f.p->venue_working;
	assert_int_equal(exec_rfq_send(f.x, f.id, 20000, "all", 30, "size",
	    id, sizeof id, &deadline, err, sizeof err), 0);
	assert_int_equal(deadline, exec_now(f.x) + 30 * NS);
	assert_int_equal(f.p->venue_working, held + 20000);
	assert_int_equal(live_rfq_children(f.p), 1);
	exec_tick(f.x, deadline + 2 * NS);
	o = rfq_of(f.x, id);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o,
	    "state")->valuestring, "expired");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o,
	    "by")->valuestring, "trader");
	/* The router would have taken any quote; it took none of this. */
	assert_int_equal(f.r.rfq_fills, 0);
	assert_int_equal(f.p->venue_filled[VENUE_RFQ], 0);
	assert_int_equal(live_rfq_children(f.p), 0);
	cJSON_Delete(o);
	fix_close(&f);
}

/* One refusal: its code, its message naming the value, and nothing
 * changed. */
static void
refused(struct fix *f, int rv, const char *err, int want, const char *names,
        size_t kids, int64_t held)
{
	cJSON *a = exec_rfq_json(f->x);

	if (rv != want || strstr(err, names) == NULL)
		fail_msg("rv %d (want %d), '%s' (want '%s')", rv, want, err, names);
	assert_int_equal(f->p->nchildren, kids);
	assert_int_equal(f->p->venue_working, held);
	assert_int_equal(cJSON_GetArraySize(a), 0);
	cJSON_Delete(a);
}

static void
bad_requests_name_the_value_and_change_nothing(void **state)
{
	struct fix f;
	struct parent_spec ps;
	char id[32], err[300];
	int64_t dl, held;
	size_t kids;
	uint32_t lit;

	(void)state;
	fix_open(&f);
	held = f.p->venue_working;
	kids = f.p->nchildren;
	refused(&f, exec_rfq_send(f.x, f.id, 5000, "D1,D9", 0, NULL, id,
	    sizeof id, &dl, err, sizeof err), err, EXEC_EFIELD,
	    "\"D9\": no such dealer", kids, held);
	refused(&f, exec_rfq_send(f.x, f.id, 5000, "D1,D1", 0, NULL, id,
	    sizeof id, &dl, err, sizeof err), err, EXEC_EFIELD,
	    "\"D1,D1\": names D1 twice", kids, held);
	refused(&f, exec_rfq_send(f.x, f.id, 5000, "D1,", 0, NULL, id,
	    sizeof id, &dl, err, sizeof err), err, EXEC_EFIELD,
	    "\"D1,\": ends with a comma", kids, held);
	assert_int_equal(exec_venue_enable(f.x, NULL, "D2", 0, NULL, err,
	    sizeof err), 0);
	refused(&f, exec_rfq_send(f.x, f.id, 5000, "D2", 0, NULL, id,
	    sizeof id, &dl, err, sizeof err), err, EXEC_EFIELD,
	    "\"D2\": turned off", kids, held);
	refused(&f, exec_rfq_send(f.x, f.id, 290000, NULL, 0, NULL, id,
	    sizeof id, &dl, err, sizeof err), err, EXEC_EFIELD,
	    "\"qty\" 290000: above what is unworked", kids, held);
	refused(&f, exec_rfq_send(f.x, f.id, 5000, NULL, 0.5, NULL, id,
	    sizeof id, &dl, err, sizeof err), err, EXEC_EFIELD,
	    "\"deadline_s\" 0.5", kids, held);
	refused(&f, exec_rfq_send(f.x, 99, 5000, NULL, 0, NULL, id,
	    sizeof id, &dl, err, sizeof err), err, EXEC_ENOTFOUND,
	    "block 99: no such block", kids, held);
	/* A block whose venue set has no rfq. */
	scenario_order(&f.sc, 0, 3, &ps);
	ps.start = exec_now(f.x);
	ps.end = ps.start + 600 * NS;
	ps.qty = 1000;
	assert_int_equal(venue_set_parse("lit,dark", &ps.venues, err,
	    sizeof err), 0);
	assert_int_equal(exec_submit(f.x, &ps, &lit, err, sizeof err), 0);
	f.p = exec_find(f.x, f.id);
	refused(&f, exec_rfq_send(f.x, lit, 500, NULL, 0, NULL, id,
	    sizeof id, &dl, err, sizeof err), err, EXEC_EFIELD,
	    "venues \"lit,dark\": no rfq", kids, held);
	/* A paused block asks nobody. */
	assert_int_equal(exec_pause(f.x, f.id, err, sizeof err), 0);
	held = f.p->venue_working;
	kids = f.p->nchildren;
	refused(&f, exec_rfq_send(f.x, f.id, 5000, NULL, 0, NULL, id,
	    sizeof id, &dl, err, sizeof err), err, EXEC_ESTATE,
	    "is PAUSED", kids, held);
	/* Deciding on a request nobody made. */
	assert_int_equal(exec_rfq_accept(f.x, "r999", "D1", NULL, err,
	    sizeof err), EXEC_ENOTFOUND);
	assert_non_null(strstr(err, "\"r999\""));
	assert_int_equal(exec_rfq_reject(f.x, "x1", NULL, err, sizeof err),
	    EXEC_EFIELD);
	assert_non_null(strstr(err, "\"x1\""));
	fix_close(&f);
}

static void
an_accepted_quote_fills_once_at_its_price(void **state)
{
	struct fix f;
	char id[32], err[300], dealer[16], other[16];
	int64_t dl, px = 0;
	const cJSON *d;
	cJSON *o = NULL;

	(void)state;
	fix_open(&f);
	assert_int_equal(exec_rfq_send(f.x, f.id, 20000, "all", 60, "size",
	    id, sizeof id, &dl, err, sizeof err), 0);
	for (int64_t t = exec_now(f.x) + NS; t < dl; t += NS) {
		exec_tick(f.x, t);
		cJSON_Delete(o);
		o = rfq_of(f.x, id);
		if (dealer_with(o, "quoted", dealer, sizeof dealer) != NULL &&
		    dealer_with(o, "pending", other, sizeof other) != NULL)
			break;
	}
	assert_non_null(dealer_with(o, "quoted", dealer, sizeof dealer));
	/* A dealer still thinking has nothing to take. */
	assert_non_null(dealer_with(o, "pending", other, sizeof other));
	assert_int_equal(exec_rfq_accept(f.x, id, other, NULL, err,
	    sizeof err), EXEC_EFIELD);
	assert_non_null(strstr(err, "has not quoted"));
	assert_int_equal(f.r.rfq_fills, 0);
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(o, "dealers"))
		if (strcmp(cJSON_GetObjectItemCaseSensitive(d,
		    "dealer")->valuestring, dealer) == 0)
			px = (int64_t)cJSON_GetObjectItemCaseSensitive(d,
			    "px")->valuedouble;
	cJSON_Delete(o);
	assert_int_equal(exec_rfq_accept(f.x, id, dealer, "best", err,
	    sizeof err), 0);
	assert_int_equal(f.r.rfq_fills, 1);
	assert_int_equal(f.r.rfq_px, px);
	assert_int_equal(f.r.rfq_shares, 20000);
	assert_int_equal(f.p->venue_filled[VENUE_RFQ], 20000);
	assert_string_equal(f.r.last_state, "accepted");
	assert_int_equal(live_rfq_children(f.p), 0);
	/* Decided: neither again nor the other way. */
	assert_int_equal(exec_rfq_accept(f.x, id, dealer, NULL, err,
	    sizeof err), EXEC_ESTATE);
	assert_non_null(strstr(err, "accepted at"));
	assert_int_equal(exec_rfq_reject(f.x, id, NULL, err, sizeof err),
	    EXEC_ESTATE);
	exec_tick(f.x, dl + 5 * NS);
	assert_int_equal(f.r.rfq_fills, 1);
	fix_close(&f);
}

static void
a_rejected_request_ends_unfilled(void **state)
{
	struct fix f;
	char id[32], err[300];
	int64_t dl, held;
	cJSON *o;

	(void)state;
	fix_open(&f);
	held = f.p->venue_working;
	assert_int_equal(exec_rfq_send(f.x, f.id, 10000, "D1,D3", 0, "look",
	    id, sizeof id, &dl, err, sizeof err), 0);
	exec_tick(f.x, exec_now(f.x) + 5 * NS);
	assert_int_equal(exec_rfq_reject(f.x, id, "too wide", err, sizeof err),
	    0);
	assert_int_equal(f.p->venue_working, held);
	o = rfq_of(f.x, id);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o,
	    "state")->valuestring, "rejected");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o,
	    "reason")->valuestring, "too wide");
	cJSON_Delete(o);
	exec_tick(f.x, dl + 5 * NS);
	assert_int_equal(f.r.rfq_fills, 0);
	assert_int_equal(exec_rfq_accept(f.x, id, "D1", NULL, err, sizeof err),
	    EXEC_ESTATE);
	assert_non_null(strstr(err, "rejected at"));
	fix_close(&f);
}

/* Tick until some dealer has quoted on request id (its deadline dl);
 * that dealer's name in dealer. */
static void
wait_quoted(struct fix *f, const char *id, int64_t dl, char *dealer,
            size_t n)
{
	cJSON *o = NULL;

	for (int64_t t = exec_now(f->x) + NS; t < dl; t += NS) {
		exec_tick(f->x, t);
		cJSON_Delete(o);
		o = rfq_of(f->x, id);
		if (dealer_with(o, "quoted", dealer, n) != NULL)
			break;
	}
	assert_non_null(dealer_with(o, "quoted", dealer, n));
	cJSON_Delete(o);
}

/* A block cut below what its request and dark order hold withdraws
 * them: the quote can no longer be taken, and the block never fills past
 * its new quantity (a live request was filled whole after the cut, 64,800
 * shares on a block of 5,000, and a dark order went on resting after the
 * block was DONE: found by an adversarial review). */
static void
an_amended_quantity_withdraws_what_would_overfill(void **state)
{
	struct fix f;
	char id[32], err[300], dealer[16];
	const char *field;
	int64_t dl;
	struct exec_amend a = { .limit_px = -1 };

	(void)state;
	fix_open(&f);
	assert_int_equal(exec_rfq_send(f.x, f.id, 20000, "all", 60, "size",
	    id, sizeof id, &dl, err, sizeof err), 0);
	wait_quoted(&f, id, dl, dealer, sizeof dealer);
	assert_true(f.p->venue_working >= 20000);
	/* What rests on the book fits the new rest; the request does not. */
	a.qty = f.p->filled + f.p->working + 1000;
	if (exec_amend(f.x, f.id, &a, &field, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(f.p->venue_working, 0);
	assert_int_equal(live_rfq_children(f.p), 0);
	assert_true(exec_rfq_accept(f.x, id, dealer, NULL, err, sizeof err) !=
	    0);
	assert_int_equal(f.r.rfq_fills, 0);
	for (int64_t t = exec_now(f.x) + NS; t < f.p->spec.end + 60 * NS;
	    t += 10 * NS) {
		exec_tick(f.x, t);
		assert_true(f.p->filled + f.p->working + f.p->venue_working <=
		    f.p->spec.qty);
	}
	assert_int_equal(f.p->filled, f.p->spec.qty);
	assert_int_equal(f.p->venue_working, 0);
	fix_close(&f);
}

/* A dealer a supervisor turns off after it quoted: its quote cannot be
 * taken, by a trader or by the router, until it is on again (a trader's
 * acceptance was taken and filled: found by an adversarial review). */
static void
a_dealer_turned_off_is_not_taken(void **state)
{
	struct fix f;
	char id[32], err[300], dealer[16];
	int64_t dl;

	(void)state;
	fix_open(&f);
	assert_int_equal(exec_rfq_send(f.x, f.id, 20000, "all", 60, "size",
	    id, sizeof id, &dl, err, sizeof err), 0);
	wait_quoted(&f, id, dl, dealer, sizeof dealer);
	assert_int_equal(exec_venue_enable(f.x, NULL, dealer, 0, NULL, err,
	    sizeof err), 0);
	assert_int_equal(exec_rfq_accept(f.x, id, dealer, NULL, err,
	    sizeof err), EXEC_EFIELD);
	assert_non_null(strstr(err, "turned off"));
	assert_non_null(strstr(err, dealer));
	assert_int_equal(f.r.rfq_fills, 0);
	/* On again: taken. */
	assert_int_equal(exec_venue_enable(f.x, NULL, dealer, 1, NULL, err,
	    sizeof err), 0);
	assert_int_equal(exec_rfq_accept(f.x, id, dealer, NULL, err,
	    sizeof err), 0);
	assert_int_equal(f.r.rfq_fills, 1);
	fix_close(&f);
}

/* The router's own request: at the deadline it takes the best quote of a
 * dealer that is on, never one turned off since it quoted. */
static void
the_router_skips_a_dealer_turned_off(void **state)
{
	struct fix f;
	char err[300];
	int64_t t, end;

	(void)state;
	fix_open(&f);
	/* Every dealer off once the router asked: whatever they quote is
	 * never taken. */
	f.p->spec.rfq_trigger = 1;
	end = exec_now(f.x) + 1800 * NS;
	for (t = exec_now(f.x) + NS; t < end && live_rfq_children(f.p) == 0;
	    t += NS)
		exec_tick(f.x, t);
	assert_true(live_rfq_children(f.p) > 0);
	for (int d = 0; d < 8; d++) {
		char name[8];

		snprintf(name, sizeof name, "D%d", d + 1);
		(void)exec_venue_enable(f.x, NULL, name, 0, NULL, err,
		    sizeof err);
	}
	for (int64_t u = t + 300 * NS; t < u; t += NS)
		exec_tick(f.x, t);
	assert_int_equal(f.r.rfq_fills, 0);
	assert_int_equal(f.p->venue_filled[VENUE_RFQ], 0);
	fix_close(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_trader_request_waits_and_expires_unfilled),
		cmocka_unit_test(bad_requests_name_the_value_and_change_nothing),
		cmocka_unit_test(an_accepted_quote_fills_once_at_its_price),
		cmocka_unit_test(a_rejected_request_ends_unfilled),
		cmocka_unit_test(an_amended_quantity_withdraws_what_would_overfill),
		cmocka_unit_test(a_dealer_turned_off_is_not_taken),
		cmocka_unit_test(the_router_skips_a_dealer_turned_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
