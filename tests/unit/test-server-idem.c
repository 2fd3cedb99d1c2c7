/*
 * tests/unit/test-server-idem.c -- the remembered answers of
 * engine/server/server-idem.c on their own, without a loop or sockets.
 *
 * idem_keys_are_per_principal: one id under two principals is two answers;
 *   a principal that is "" (not authenticated) finds and stores nothing;
 * idem_reused_id_with_another_body: the same principal and id with another
 *   request's body is -1 (id_reused), and storing it keeps the first;
 * idem_bounded_in_bytes: storing far more than IDEM_MAX_BYTES keeps the
 *   cache under it, forgetting the oldest first and keeping the newest.
 * idem_a_burst_forgets_only_its_senders: a principal's burst keeps another
 *   principal's answer (same uid, another client name), an identity's
 *   burst under many client names another identity's; only many
 *   identities at once reach everyone's bound.
 * idem_not_durable_until_resumed: a "not durable" answer gives way to the
 *   command's own once a journal_resume has written it.
 * idem_older_unnamed_token_principals_map: an older engine's name for a
 *   token without a name, its place among all tokens ("trader#2"), is read
 *   from a journal as this engine's ("trader#1"); nothing else changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/server/server-int.h"

static void
idem_keys_are_per_principal(void **state)
{
	struct server *s = calloc(1, sizeof *s);
	const char *rep;
	size_t len;

	assert_non_null(s);
	server_idem_store(s, "uid:1/viewer/a", "P", 1, "{\"v\":1}", 7);
	server_idem_store(s, "uid:1/supervisor/b", "P", 2, "{\"v\":2}", 7);
	assert_int_equal(server_idem_find(s, "uid:1/viewer/a", "P", 1, &rep,
	    &len), 1);
	assert_memory_equal(rep, "{\"v\":1}", 7);
	assert_int_equal(server_idem_find(s, "uid:1/supervisor/b", "P", 2, &rep,
	    &len), 1);
	assert_memory_equal(rep, "{\"v\":2}", 7);
	assert_int_equal(server_idem_find(s, "token:1/trader/c", "P", 1, &rep,
	    &len), 0);
	/* No principal: nothing found, nothing kept. */
	assert_int_equal(server_idem_find(s, "", "P", 1, &rep, &len), 0);
	server_idem_store(s, "", "Q", 1, "{}", 2);
	assert_int_equal(s->idem.count, 2);
	server_idem_free(s);
	free(s);
}

static void
idem_reused_id_with_another_body(void **state)
{
	struct server *s = calloc(1, sizeof *s);
	const char *rep;
	size_t len;

	assert_non_null(s);
	server_idem_store(s, "uid:1/trader/a", "R", 11, "first", 5);
	assert_int_equal(server_idem_find(s, "uid:1/trader/a", "R", 12, &rep,
	    &len), -1);
	server_idem_store(s, "uid:1/trader/a", "R", 12, "second", 6);
	assert_int_equal(server_idem_find(s, "uid:1/trader/a", "R", 11, &rep,
	    &len), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(rep, "first", 5);
	server_idem_free(s);
	free(s);
}

static void
idem_bounded_in_bytes(void **state)
{
	struct server *s = calloc(1, sizeof *s);
	char id[32], *big = malloc(4096);
	const char *rep;
	size_t len;
	int n = 4 * (int)(IDEM_MAX_BYTES / 4096);

	assert_non_null(s);
	assert_non_null(big);
	memset(big, 'x', 4096);
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "id-%d", i);
		server_idem_store(s, "uid:1/trader/a", id, (uint64_t)i, big, 4096);
		assert_true(s->idem.bytes <= IDEM_MAX_BYTES);
	}
	assert_true(s->idem.count < (size_t)n / 3);
	assert_int_equal(server_idem_find(s, "uid:1/trader/a", "id-0", 0, &rep,
	    &len), 0);
	snprintf(id, sizeof id, "id-%d", n - 1);
	assert_int_equal(server_idem_find(s, "uid:1/trader/a", id,
	    (uint64_t)(n - 1), &rep, &len), 1);
	assert_int_equal(len, 4096);
	server_idem_free(s);
	assert_int_equal(s->idem.count, 0);
	free(big);
	free(s);
}

/*
 * One principal's burst forgets only its own answers (a review: another
 * user's 13,000 throttles pushed a trader's submit out of the one shared
 * bound within 21 s, and the trader's retry made a second block).  The
 * same identity under many client names is bounded as one; only several
 * identities bursting at once reach everyone's bound.
 */
static void
idem_a_burst_forgets_only_its_senders(void **state)
{
	struct server *s = calloc(1, sizeof *s);
	char id[32], who[64], *big = malloc(4096);
	const char *rep;
	size_t len;
	int n = 2 * (int)(IDEM_MAX_BYTES / 4096);

	(void)state;
	assert_non_null(s);
	assert_non_null(big);
	memset(big, 'x', 4096);
	server_idem_store(s, "uid:1/trader/victim", "V1", 5, "{\"block\":2}", 11);
	server_idem_store(s, "token:bob/trader/oms", "B1", 6, "{\"block\":3}", 11);
	/* The same uid, another client name: its own bound. */
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "f%d", i);
		server_idem_store(s, "uid:1/trader/flood", id, (uint64_t)i, big,
		    4096);
	}
	assert_int_equal(server_idem_find(s, "uid:1/trader/victim", "V1", 5,
	    &rep, &len), 1);
	assert_memory_equal(rep, "{\"block\":2}", 11);
	assert_true(s->idem.bytes <= IDEM_PRINCIPAL_BYTES + 4096);
	/* One identity under many client names is bounded as one: bob's
	 * answer under another token stays. */
	for (int i = 0; i < n; i++) {
		snprintf(who, sizeof who, "token:eve/trader/c%d", i % 64);
		snprintf(id, sizeof id, "e%d", i);
		server_idem_store(s, who, id, (uint64_t)i, big, 4096);
	}
	assert_int_equal(server_idem_find(s, "token:bob/trader/oms", "B1", 6,
	    &rep, &len), 1);
	assert_true(s->idem.bytes <= IDEM_IDENTITY_BYTES +
	    IDEM_PRINCIPAL_BYTES + 8192);
	/* Many identities at once reach everyone's bound, the oldest first,
	 * and it holds. */
	for (int i = 0; i < 2 * n; i++) {
		snprintf(who, sizeof who, "token:t%d/trader/x", i % 16);
		snprintf(id, sizeof id, "m%d", i);
		server_idem_store(s, who, id, (uint64_t)i, big, 4096);
		assert_true(s->idem.bytes <= IDEM_MAX_BYTES);
	}
	assert_int_equal(server_idem_find(s, "uid:1/trader/victim", "V1", 5,
	    &rep, &len), 0);
	server_idem_free(s);
	assert_int_equal(s->idem.count, 0);
	assert_int_equal(s->idem.bytes, 0);
	free(big);
	free(s);
}

/*
 * A command carried out whose record the disk refused is remembered with
 * its "not durable" answer; once a journal_resume has written it, the
 * same id gets the command's own answer (found by a probe: the stale
 * answer, with no block id, pushed a client to submit again under a new
 * id).  Without a resume, the first answer stays.
 */
static void
idem_not_durable_until_resumed(void **state)
{
	static const char done[] = "{\"ok\":true,\"block\":\"3\"}";
	struct server *s = calloc(1, sizeof *s);
	const char *rep;
	size_t len;

	(void)state;
	assert_non_null(s);
	server_idem_store(s, "uid:1/trader/a", "S", 7, "not durable", 11);
	server_idem_durable_later(s, "uid:1/trader/a", "S", done, strlen(done));
	assert_int_equal(server_idem_find(s, "uid:1/trader/a", "S", 7, &rep,
	    &len), 1);
	assert_memory_equal(rep, "not durable", 11);
	s->jresumes++;
	assert_int_equal(server_idem_find(s, "uid:1/trader/a", "S", 7, &rep,
	    &len), 1);
	assert_int_equal(len, strlen(done));
	assert_memory_equal(rep, done, strlen(done));
	/* Another body under the id is still id_reused; another principal
	 * still finds nothing. */
	assert_int_equal(server_idem_find(s, "uid:1/trader/a", "S", 8, &rep,
	    &len), -1);
	assert_int_equal(server_idem_find(s, "uid:1/trader/b", "S", 7, &rep,
	    &len), 0);
	/* An entry stored after the resume with its later answer waits for
	 * the next resume. */
	server_idem_store(s, "uid:1/trader/a", "T", 9, "not durable", 11);
	server_idem_durable_later(s, "uid:1/trader/a", "T", "{\"ok\":true}",
	    11);
	assert_int_equal(server_idem_find(s, "uid:1/trader/a", "T", 9, &rep,
	    &len), 1);
	assert_memory_equal(rep, "not durable", 11);
	server_idem_free(s);
	free(s);
}

static void
idem_older_unnamed_token_principals_map(void **state)
{
	static const char *const same[] = {
		"token:trader#1/trader/desk", "token:alice/trader/desk",
		"uid:1000/trader/desk", "token:trader#/trader/desk",
		"token:trader#2x/trader/desk", "token:trader#2", "",
	};
	char buf[256];

	(void)state;
	assert_string_equal(server_idem_principal_now(
	    "token:trader#2/trader/desk", buf, sizeof buf),
	    "token:trader#1/trader/desk");
	assert_string_equal(server_idem_principal_now(
	    "token:supervisor#12/trader/ops", buf, sizeof buf),
	    "token:supervisor#1/trader/ops");
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
		assert_ptr_equal(server_idem_principal_now(same[i], buf,
		    sizeof buf), same[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(idem_keys_are_per_principal),
		cmocka_unit_test(idem_reused_id_with_another_body),
		cmocka_unit_test(idem_bounded_in_bytes),
		cmocka_unit_test(idem_a_burst_forgets_only_its_senders),
		cmocka_unit_test(idem_not_durable_until_resumed),
		cmocka_unit_test(idem_older_unnamed_token_principals_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
