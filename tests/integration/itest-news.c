/*
 * tests/integration/itest-news.c -- the news feed through the real daemon.
 *
 * news_is_published_journaled_and_replayed: news-hard with its item at
 *   09:31:00 and a --news file item at 09:30:40, at 10x: a subscriber gets
 *   both "news" events (sym, headline, sentiment in [-1, 1], src, at equal
 *   to the event's t) and the news alert of each, and a snapshot holds
 *   both; the journal holds the same two events with the same seqs;
 *   `tranched replay` serves them with those seqs, and its snapshot too.
 *
 * news_file_errors_name_line_field_value: a bad line stops the engine
 *   before it starts (exit 1, no journal written) with the file, the line
 *   number, the field and the value; so does a file that is not there.
 *
 * news_file_items_survive_a_crash: the engine is killed before the file's
 *   item is due and the file deleted; restarted on its journal, without
 *   --news, it still publishes the item (the journal header keeps it).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/journal/journal.h"
#include "ipc/protocol.h"
#include "tests/integration/itest.h"

static const char *tranched;

static void
write_news(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Wait for `want` news events on c (30 s at most); their seqs and
 * headlines in s[] and h[]; counts the news alerts raised in *alerts. */
static int
wait_news(struct ipc_client *c, int want, uint64_t *s, char h[][128],
          int *alerts)
{
	int n = 0;

	for (long long t0 = itest_now_ms(); n < want &&
	    itest_now_ms() - t0 < 30000;) {
		struct ipc_event ev;

		if (ipc_client_wait_event(c, &ev, 500) != 1)
			continue;
		if (strcmp(ev.topic, TOPIC_NEWS) == 0) {
			const cJSON *snt = cJSON_GetObjectItem(ev.json, "sentiment");
			char t[32];

			assert_true(cJSON_IsNumber(snt) && snt->valuedouble >= -1 &&
			    snt->valuedouble <= 1);
			assert_string_equal(itest_str(ev.json, "sym"), "QDI");
			snprintf(t, sizeof t, "%lld", (long long)ev.t);
			assert_string_equal(itest_str(ev.json, "at"), t);
			s[n] = ev.seq;
			snprintf(h[n], 128, "%s", itest_str(ev.json, "headline"));
			fprintf(stderr, "news seq %llu: %s (%s, %g)\n",
			    (unsigned long long)ev.seq, h[n],
			    itest_str(ev.json, "src"), snt->valuedouble);
			n++;
		} else if (alerts != NULL && strcmp(ev.topic, TOPIC_ALERT) == 0 &&
		    strcmp(itest_str(ev.json, "code"), "news") == 0 &&
		    strcmp(itest_str(ev.json, "state"), "raised") == 0)
			(*alerts)++;
		ipc_event_free(&ev);
	}
	return n;
}

static void
news_is_published_journaled_and_replayed(void **state)
{
	struct itest_engine e;
	struct jrnl_reader *rd;
	struct jrnl_rec rec;
	struct ipc_client *c;
	char file[300], arg[320], url[400], listen[420], h[4][128], jh[4][128];
	uint64_t s[4], js[4];
	int n, nj = 0, alerts = 0, st;
	pid_t pid;
	cJSON *r;

	(void)state;
	snprintf(file, sizeof file, "%s/itest-news-%ld.jsonl",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
	write_news(file, "{\"t\":\"09:30:40\",\"symbol\":\"QDI\",\"headline\":"
	    "\"Desk wire: QDI supplier warns\",\"sentiment\":-0.4}\n");
	snprintf(arg, sizeof arg, "--news=%s", file);
	assert_int_equal(itest_start(&e, tranched, "--scenario=news-hard",
	    "--seed=2", "--speed=10", arg, "--set=news.first=09:31:00",
	    "--set=news.last=09:31:00", (char *)NULL), 0);
	n = wait_news(e.c, 2, s, h, &alerts);
	assert_int_equal(n, 2);
	assert_string_equal(h[0], "Desk wire: QDI supplier warns");
	assert_non_null(strstr(h[1], "QDI"));
	assert_true(alerts >= 1);
	/* A console attaching now finds both in the snapshot. */
	r = itest_cmd(&e, "{\"cmd\":\"snapshot\"}");
	assert_non_null(r);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "news")), 2);
	assert_string_equal(itest_str(cJSON_GetArrayItem(cJSON_GetObjectItem(r,
	    "news"), 0), "headline"), "Desk wire: QDI supplier warns");
	cJSON_Delete(r);
	/* Stopped by hand: itest_stop() would take the directory with it. */
	kill(e.pid, SIGTERM);
	assert_int_equal(waitpid(e.pid, &st, 0), e.pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	e.pid = 0;
	unlink(file);

	/* The journal has them, with the same seqs. */
	assert_int_equal(jrnl_reader_open(&rd, e.journal, NULL), 0);
	while (jrnl_next(rd, &rec) == 1 && nj < 4) {
		struct ipc_event ev;
		char err[64];

		if (rec.kind != JRNL_EVENT ||
		    ipc_event_parse(rec.data, rec.len, &ev, err, sizeof err) != 0)
			continue;
		if (strcmp(ev.topic, TOPIC_NEWS) == 0) {
			js[nj] = ev.seq;
			snprintf(jh[nj], 128, "%s", itest_str(ev.json, "headline"));
			nj++;
		}
		ipc_event_free(&ev);
	}
	jrnl_reader_close(rd);
	assert_int_equal(nj, 2);
	for (int i = 0; i < 2; i++) {
		assert_true(js[i] == s[i]);
		assert_string_equal(jh[i], h[i]);
	}

	/* tranched replay serves them. */
	snprintf(url, sizeof url, "ipc://%s/replay", e.dir);
	snprintf(listen, sizeof listen, "--listen=%s", url);
	char *argv[] = { (char *)tranched, "replay", e.journal, "--speed=20",
	    listen, NULL };
	assert_true((pid = itest_spawn(tranched, argv)) > 0);
	assert_int_equal(ipc_client_open(&c, url, NULL, "replay-news"), 0);
	/* The replay sends an event a message, and hard news makes a burst
	 * of them at one instant: a deep queue keeps them. */
	assert_int_equal(ipc_client_set_event_queue(c, 8192), 0);
	r = NULL;
	for (int i = 0; i < 100 && r == NULL; i++) {
		cJSON *req = cJSON_Parse("{\"cmd\":\"hello\",\"role\":\"viewer\","
		    "\"v\":3}");

		if (ipc_client_request(c, req, &r, 200) != 0)
			r = NULL;
		cJSON_Delete(req);
	}
	assert_non_null(r);
	assert_true(itest_ok(r));
	cJSON_Delete(r);
	n = wait_news(c, 2, js, jh, NULL);
	/* The replay's snapshot holds what it has replayed of them. */
	r = NULL;
	for (int i = 0; i < 100 && r == NULL; i++) {
		cJSON *req = cJSON_Parse("{\"cmd\":\"snapshot\"}");

		if (ipc_client_request(c, req, &r, 200) != 0)
			r = NULL;
		cJSON_Delete(req);
	}
	assert_non_null(r);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "news")), 2);
	cJSON_Delete(r);
	assert_int_equal(n, 2);
	for (int i = 0; i < 2; i++) {
		assert_true(js[i] == s[i]);
		assert_string_equal(jh[i], h[i]);
	}
	ipc_client_close(c);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	itest_stop(&e);
}

/* Run tranched with a news file holding `text`; its exit status, its
 * stderr in out, and whether it wrote a journal. */
static int
run_bad(const char *dir, const char *text, int nofile, char *out, size_t n,
        int *journal)
{
	char file[400], cmd[2048], j[400];
	struct stat sb;
	FILE *p;
	size_t len = 0;
	int st;

	snprintf(file, sizeof file, "%s/news.jsonl", dir);
	snprintf(j, sizeof j, "%s/bad.trj", dir);
	unlink(file);
	unlink(j);
	if (!nofile)
		write_news(file, text);
	snprintf(cmd, sizeof cmd, "'%s' --listen=ipc://%s/bad --journal=%s "
	    "--speed=max --exit-when-done --news=%s 2>&1", tranched, dir, j, file);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (len + 1 < n && fgets(out + len, (int)(n - len), p) != NULL)
		len += strlen(out + len);
	out[len] = '\0';
	st = pclose(p);
	*journal = stat(j, &sb) == 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
news_file_errors_name_line_field_value(void **state)
{
	static const struct {
		const char *text, *want[3];
	} cases[] = {
		{ "{\"t\":\"10:00:00\",\"symbol\":\"QDI\",\"headline\":\"ok\","
		  "\"sentiment\":0.2}\n"
		  "{\"t\":\"10:01:00\",\"symbol\":\"QDI\",\"headline\":\"x\","
		  "\"sentiment\":1.5}\n", { "line 2", "\"sentiment\"", "1.5" } },
		{ "\n{\"t\":\"10:00:00\",\"symbol\":\"ABC\",\"headline\":\"x\","
		  "\"sentiment\":0}\n", { "line 2", "\"symbol\"", "ABC" } },
		{ "{\"t\":\"9:30\",\"symbol\":\"QDI\",\"headline\":\"x\","
		  "\"sentiment\":0}\n", { "line 1", "\"t\"", "9:30" } },
		{ "{\"t\":\"10:00:00\",\"symbol\":\"QDI\",\"headline\":\"x\"}\n",
		  { "line 1", "\"sentiment\"", "missing" } },
	};
	char dir[256], out[4096];
	int journal;

	(void)state;
	snprintf(dir, sizeof dir, "%s/tranche-news-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(run_bad(dir, cases[i].text, 0, out, sizeof out,
		    &journal), 1);
		fprintf(stderr, "%s", out);
		assert_non_null(strstr(out, "news.jsonl"));
		for (int k = 0; k < 3; k++)
			assert_non_null(strstr(out, cases[i].want[k]));
		assert_false(journal);
	}
	assert_int_equal(run_bad(dir, NULL, 1, out, sizeof out, &journal), 1);
	fprintf(stderr, "%s", out);
	assert_non_null(strstr(out, "news.jsonl"));
	assert_non_null(strstr(out, "No such file"));
	assert_false(journal);
	rmdir(dir);
}

static void
news_file_items_survive_a_crash(void **state)
{
	struct itest_engine e, e2;
	char file[300], arg[320], jarg[320], h[2][128];
	uint64_t s[2];
	cJSON *r;

	(void)state;
	snprintf(file, sizeof file, "%s/itest-news-crash-%ld.jsonl",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
	write_news(file, "{\"t\":\"09:31:00\",\"symbol\":\"QDI\",\"headline\":"
	    "\"Kept through a crash\",\"sentiment\":0.3}\n");
	snprintf(arg, sizeof arg, "--news=%s", file);
	/* The simulator's own item well after the file's. */
	assert_int_equal(itest_start(&e, tranched, "--scenario=news-soft",
	    "--seed=3", "--speed=10", arg, "--set=news.first=11:00:00",
	    "--set=news.last=11:00:00", (char *)NULL), 0);
	/* Killed well before the item is due (the test means nothing
	 * otherwise: an item published before a crash is not published
	 * again). */
	r = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_non_null(r);
	assert_true(itest_str(r, "t")[0] != '\0');
	assert_true(atoll(itest_str(r, "t")) < 34250LL * 1000000000LL);
	cJSON_Delete(r);
	kill(e.pid, SIGKILL);
	waitpid(e.pid, NULL, 0);
	e.pid = 0;
	unlink(file);
	/* The same journal, no --news: the header's copy is the session's. */
	snprintf(jarg, sizeof jarg, "--journal=%s", e.journal);
	assert_int_equal(itest_start(&e2, tranched, jarg, "--speed=10",
	    (char *)NULL), 0);
	assert_int_equal(wait_news(e2.c, 1, s, h, NULL), 1);
	assert_string_equal(h[0], "Kept through a crash");
	assert_int_equal(itest_stop(&e2), 0);
	itest_stop(&e);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(news_is_published_journaled_and_replayed),
		cmocka_unit_test(news_file_errors_name_line_field_value),
		cmocka_unit_test(news_file_items_survive_a_crash),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: itest-news TRANCHED\n");
		return 2;
	}
	tranched = argv[1];
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
