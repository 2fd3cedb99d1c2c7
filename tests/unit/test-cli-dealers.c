/*
 * tests/unit/test-cli-dealers.c -- the dealer model's data and its use in
 * the router: the requests a journal recorded are the requests simulated,
 * and a model trained on either is the same model bit for bit; what the
 * requester knows when it asks never depends on the dealers' hidden
 * habits; and learned:K asks the dealers the model ranks best, skips a
 * dealer it says leaks, and says so in the decision.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/cli/cli.h"
#include "engine/exec/exec.h"
#include "engine/exec/scenario.h"
#include "engine/journal/journal.h"
#include "engine/model/model.h"

/* A short block-share: two hours, requests every 300 s. */
static const char *sets[] = { "orders.0.end=11:30:00" };

static void
load(struct scenario *sc)
{
	char err[512];

	assert_int_equal(scenario_load(sc, "block-share", sets, 1, err,
	    sizeof err), 0);
}

struct jsink {
	struct jrnl *j;
	int64_t t;
	int rfq_decisions;
	char reason[16][300];
};

/* What the daemon's journal gets: every event as TOPIC '\0' JSON. */
static void
jemit(void *arg, const char *topic, cJSON *o)
{
	struct jsink *s = arg;
	char *js = cJSON_PrintUnformatted(o), buf[65536];
	size_t tl = strlen(topic), jl = strlen(js);
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "action");

	if (strcmp(topic, "decision") == 0 && cJSON_IsString(a) &&
	    strcmp(a->valuestring, "rfq") == 0 && s->rfq_decisions < 16)
		snprintf(s->reason[s->rfq_decisions++], sizeof s->reason[0], "%s",
		    cJSON_GetObjectItemCaseSensitive(o, "reason")->valuestring);
	if (s->j != NULL && tl + 1 + jl <= sizeof buf) {
		memcpy(buf, topic, tl + 1);
		memcpy(buf + tl + 1, js, jl);
		assert_int_equal(jrnl_append(s->j, JRNL_EVENT, s->t++, buf,
		    tl + 1 + jl), 0);
	}
	free(js);
}

static void
journal_trains_the_model_simulation_trains(void **state)
{
	struct scenario sc;
	struct dealer_obs *sim = NULL, *rec = NULL, *jr = NULL;
	size_t ns = 0, cs = 0, nr = 0, cr = 0, nj = 0, cj = 0;
	char err[512], path[] = "/tmp/tranche-dj-XXXXXX";
	struct jsink js = { 0 };
	struct exec_emit e = { .emit = jemit, .arg = &js };
	struct cli_dealer_run plain = { .venues = VENUE_SET_ALL,
	    .dealers = "random:3", .rfq_every_s = 300 }, emitting = plain;
	struct dealer_train_opts to;
	struct dealer_model a, b;
	int fd;

	(void)state;
	load(&sc);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	remove(path);
	assert_int_equal(jrnl_create(&js.j, path, "{}"), 0);
	emitting.emit = &e;
	/* The trainer's session (no events) and the same session recorded. */
	assert_int_equal(cli_dealer_session(&sc, 10000001, &plain, &sim, &ns, &cs,
	    NULL, err, sizeof err), 0);
	assert_int_equal(cli_dealer_session(&sc, 10000001, &emitting, &rec, &nr,
	    &cr, NULL, err, sizeof err), 0);
	jrnl_close(js.j);
	assert_int_equal(cli_dealer_journal(path, &jr, &nj, &cj, err, sizeof err),
	    0);
	remove(path);
	assert_true(ns >= 5);
	assert_int_equal(ns, nr);
	assert_int_equal(ns, nj);
	assert_memory_equal(sim, jr, ns * sizeof *sim);
	for (size_t i = 0; i < ns; i++) {
		assert_true(sim[i].asked != 0 && sim[i].move_t > sim[i].t);
		assert_true(isfinite(sim[i].move_bps));
	}
	dealer_train_defaults(&to);
	assert_int_equal(dealer_train(&a, sim, ns, &to, err, sizeof err), 0);
	assert_int_equal(dealer_train(&b, jr, nj, &to, err, sizeof err), 0);
	assert_memory_equal(a.w, b.w, sizeof a.w);
	assert_memory_equal(a.leak_a, b.leak_a, sizeof a.leak_a);
	assert_memory_equal(a.leak_c, b.leak_c, sizeof a.leak_c);
	assert_true(a.leak_b == b.leak_b && a.gain_bps == b.gain_bps);
	dealer_model_free(&a);
	dealer_model_free(&b);
	free(sim);
	free(rec);
	free(jr);
	scenario_free(&sc);
}

static void
features_never_read_hidden_dealer_habits(void **state)
{
	struct scenario a, b;
	struct dealer_obs *va = NULL, *vb = NULL;
	size_t na = 0, ca = 0, nb = 0, cb = 0;
	char err[512];
	struct cli_dealer_run o = { .venues = VENUE_SET_ALL, .dealers = "all",
	    .rfq_every_s = 300 };

	(void)state;
	load(&a);
	load(&b);
	/* The same dealers by name, with other prices, answers and habits
	 * after losing. */
	for (int d = 0; d < b.venues.ndealers; d++) {
		struct dealer_params *p = &b.venues.dealers[d];

		p->base_bps *= 3;
		p->size_bps *= 0.5;
		p->noise_bps += 1;
		p->respond = 0.5;
		p->leak = 0;
		p->prehedge = 0;
	}
	assert_int_equal(cli_dealer_session(&a, 10000002, &o, &va, &na, &ca, NULL,
	    err, sizeof err), 0);
	assert_int_equal(cli_dealer_session(&b, 10000002, &o, &vb, &nb, &cb, NULL,
	    err, sizeof err), 0);
	assert_true(na >= 1 && nb >= 1);
	/* The first request is asked before any dealer has answered: what
	 * the requester knows is the same, what comes back is not. */
	assert_true(va[0].t == vb[0].t && va[0].qty == vb[0].qty);
	assert_memory_equal(&va[0].req, &vb[0].req, sizeof va[0].req);
	assert_memory_equal(va[0].h, vb[0].h, sizeof va[0].h);
	assert_true(va[0].quoted != vb[0].quoted ||
	    memcmp(va[0].quote_bps, vb[0].quote_bps, sizeof va[0].quote_bps) != 0);
	free(va);
	free(vb);
	scenario_free(&a);
	scenario_free(&b);
}

/*
 * A model that says D4 leaks 30 bps and the others nothing, with D1 and
 * D2 the likeliest to be competitive: learned:3 asks D1, D2 and one more,
 * never D4, and every rfq decision names what it asked and skipped.
 */
static void
learned_k_asks_the_best_and_skips_the_leaker(void **state)
{
	struct scenario sc;
	struct dealer_model m;
	struct dealer_obs *v = NULL;
	size_t n = 0, cap = 0;
	char err[512], path[] = "/tmp/tranche-dm-XXXXXX";
	struct jsink js = { 0 };
	struct exec_emit e = { .emit = jemit, .arg = &js };
	struct cli_dealer_run o = { .venues = VENUE_SET_ALL,
	    .dealers = "learned:3", .rfq_every_s = 300, .emit = &e };
	int fd;

	(void)state;
	load(&sc);
	dealer_model_init(&m);
	m.ndealers = 6;
	for (int d = 0; d < 6; d++)
		snprintf(m.names[d], sizeof m.names[d], "D%d", d + 1);
	m.gain_bps = 5;
	m.w[0] = -1;
	m.w[1 + DEALER_NREQ + DEALER_NHIST + 0] = 3;  /* D1 */
	m.w[1 + DEALER_NREQ + DEALER_NHIST + 1] = 2;  /* D2 */
	m.w[1 + DEALER_NREQ + DEALER_NHIST + 3] = 4;  /* D4: competitive... */
	m.leak_a[3] = 30;                             /* ...but it leaks */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(dealer_model_save(&m, path, err, sizeof err), 0);
	setenv("TRANCHE_DEALER_MODEL", path, 1);
	assert_int_equal(cli_dealer_session(&sc, 5, &o, &v, &n, &cap, NULL, err,
	    sizeof err), 0);
	unsetenv("TRANCHE_DEALER_MODEL");
	remove(path);
	assert_true(n >= 3);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(__builtin_popcount(v[i].asked), 3);
		assert_true(v[i].asked & 1u);
		assert_true(v[i].asked & 2u);
		assert_false(v[i].asked & 8u);
	}
	assert_true(js.rfq_decisions >= 3);
	for (int i = 0; i < js.rfq_decisions; i++) {
		assert_non_null(strstr(js.reason[i], "asked D1,D2,"));
		assert_non_null(strstr(js.reason[i], "p(competitive) 0.88,0.73,"));
		assert_non_null(strstr(js.reason[i], "D4: leaks 30.0 bps"));
	}
	dealer_model_free(&m);
	free(v);
	scenario_free(&sc);
}

static void
learned_k_without_a_model_is_refused_by_name(void **state)
{
	struct scenario sc;
	struct dealer_obs *v = NULL;
	size_t n = 0, cap = 0;
	char err[512];
	struct cli_dealer_run o = { .venues = VENUE_SET_ALL,
	    .dealers = "learned:2" };

	(void)state;
	load(&sc);
	setenv("TRANCHE_DEALER_MODEL", "/nonexistent/dealers.json", 1);
	assert_int_equal(cli_dealer_session(&sc, 5, &o, &v, &n, &cap, NULL, err,
	    sizeof err), -1);
	unsetenv("TRANCHE_DEALER_MODEL");
	assert_non_null(strstr(err, "learned:K"));
	assert_non_null(strstr(err, "/nonexistent/dealers.json"));
	free(v);
	scenario_free(&sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(journal_trains_the_model_simulation_trains),
		cmocka_unit_test(features_never_read_hidden_dealer_habits),
		cmocka_unit_test(learned_k_asks_the_best_and_skips_the_leaker),
		cmocka_unit_test(learned_k_without_a_model_is_refused_by_name),
	};

	setenv("TRANCHE_SCENARIO_DIR", TRANCHE_SOURCE_DIR "/engine/scenarios", 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
