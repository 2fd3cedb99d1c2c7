/*
 * engine/exec/exec-news.c -- the news feed: items of a time, a symbol, a
 * headline and a sentiment score, held in time order, published as "news"
 * events at their times, and read by algorithms through exec_news_last().
 *
 * Items come from two places and are the same thing once here: the
 * simulated market's own news (what its scorer says of each, sign
 * sometimes wrong) and a file of JSON lines a desk attaches to any session
 * (tranched --news), a LOBSTER replay included.  A file is read whole and
 * checked line by line before anything is added, so a bad line changes
 * nothing and the message names the line, the field and the value.
 *
 * Publishing is part of exec_tick(): an item is a stop of the loop like a
 * mid sample, so it goes out at its own simulated time however the caller
 * slices time, and a daemon that recovers its journal publishes nothing
 * twice (the warm-up and recovery run without listeners).  Each item also
 * gives the alert detector a news window of EXEC_NEWS_ALERT_S seconds.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exec/exec-int.h"
#include "engine/json/json-file.h"
#include "engine/exec/scenario.h"

/* How long a news item's alert stays raised, seconds. */
#define EXEC_NEWS_ALERT_S 300.0
/* Longest line of a news file. */
#define EXEC_NEWS_LINE 4096

static int
exec_news_sym(const struct exec *x, const char *sym)
{
	for (size_t i = 0; i < x->nmk; i++)
		if (strcmp(x->mk[i].m->sym, sym) == 0)
			return (int)i;
	return -1;
}

static int
exec_news_check(const struct exec *x, const struct exec_news *n, char *err,
                size_t errlen)
{
	char syms[128], shown[100];

	if (exec_news_sym(x, n->sym) < 0) {
		exec_syms(x, syms, sizeof syms);
		snprintf(err, errlen, "field \"symbol\" \"%s\": not traded here "
		    "(%s)", json_text_show(shown, sizeof shown, n->sym, 32),
		    syms);
		return -1;
	}
	if (!(n->sentiment >= -1 && n->sentiment <= 1)) {
		snprintf(err, errlen, "field \"sentiment\" %g: must be in [-1, 1]",
		    n->sentiment);
		return -1;
	}
	if (n->t < 0 || n->t >= 86400LL * 1000000000LL) {
		snprintf(err, errlen, "field \"t\" %lld ns: must be within the day",
		    (long long)n->t);
		return -1;
	}
	if (n->headline[0] == '\0') {
		snprintf(err, errlen, "field \"headline\" \"\": must not be empty");
		return -1;
	}
	return 0;
}

int
exec_news_add(struct exec *x, const struct exec_news *n, char *err,
              size_t errlen)
{
	size_t i;

	if (exec_news_check(x, n, err, errlen) != 0)
		return -1;
	if (x->nnews == x->capnews) {
		size_t cap = x->capnews ? x->capnews * 2 : 16;
		struct exec_news *v = realloc(x->news, cap * sizeof *v);

		if (v == NULL) {
			snprintf(err, errlen, "news: out of memory");
			return -1;
		}
		x->news = v;
		x->capnews = cap;
	}
	/* After every item of the same time or earlier: ties keep the order
	 * they were added in.  Never before one already published. */
	for (i = x->nnews; i > x->news_pub && x->news[i - 1].t > n->t; i--)
		;
	memmove(&x->news[i + 1], &x->news[i], (x->nnews - i) * sizeof *x->news);
	x->news[i] = *n;
	x->nnews++;
	if (x->watch != NULL)
		watch_news(x->watch, exec_news_sym(x, n->sym), n->t,
		    EXEC_NEWS_ALERT_S, n->headline);
	return 0;
}

void
exec_news_free(struct exec *x)
{
	free(x->news);
	x->news = NULL;
	x->nnews = x->capnews = x->news_pub = 0;
}

size_t
exec_news_count(const struct exec *x)
{
	return x->nnews;
}

const struct exec_news *
exec_news_at(const struct exec *x, size_t i)
{
	return i < x->nnews ? &x->news[i] : NULL;
}

int64_t
exec_news_due(const struct exec *x)
{
	int64_t now = x->nmk > 0 ? x->mk[0].m->now : 0;

	if (x->news_pub >= x->nnews)
		return INT64_MAX;
	return x->news[x->news_pub].t > now ? x->news[x->news_pub].t : now;
}

cJSON *
exec_news_json(const struct exec_news *n)
{
	cJSON *o = cJSON_CreateObject();
	char clock[32];

	scenario_clock_text(clock, sizeof clock, n->t);
	cJSON_AddStringToObject(o, "t", clock);
	cJSON_AddStringToObject(o, "symbol", n->sym);
	cJSON_AddStringToObject(o, "headline", n->headline);
	cJSON_AddNumberToObject(o, "sentiment", n->sentiment);
	return o;
}

void
exec_news_publish(struct exec *x, int64_t t)
{
	while (x->news_pub < x->nnews && x->news[x->news_pub].t <= t) {
		const struct exec_news *n = &x->news[x->news_pub++];
		cJSON *o = cJSON_CreateObject();
		char buf[32];

		cJSON_AddStringToObject(o, "sym", n->sym);
		cJSON_AddStringToObject(o, "headline", n->headline);
		cJSON_AddNumberToObject(o, "sentiment", n->sentiment);
		cJSON_AddStringToObject(o, "src", n->src == EXEC_NEWS_FILE ?
		    "file" : "sim");
		snprintf(buf, sizeof buf, "%lld", (long long)n->t);
		cJSON_AddStringToObject(o, "at", buf);
		exec_emit(x, "news", o);
	}
}

int
exec_news_last(const struct exec *x, const struct market *m, int64_t now,
               int64_t *age, double *sentiment)
{
	*age = 0;
	*sentiment = 0;
	for (size_t i = x->nnews; i-- > 0;) {
		const struct exec_news *n = &x->news[i];

		if (n->t > now || strcmp(n->sym, m->sym) != 0)
			continue;
		*age = now - n->t;
		*sentiment = n->sentiment;
		return 0;
	}
	return -1;
}

/* "HH:MM:SS" or "HH:MM:SS.fff" (up to nanoseconds) -> ns; -1 if not. */
static int64_t
exec_news_parse_time(const char *s)
{
	char whole[9];
	const char *dot = strchr(s, '.');
	size_t n = dot != NULL ? (size_t)(dot - s) : strlen(s);
	int64_t t, frac = 0, scale = 100000000;

	if (n != 8)
		return -1;
	memcpy(whole, s, 8);
	whole[8] = '\0';
	if ((t = scenario_parse_clock(whole)) < 0)
		return -1;
	if (dot != NULL) {
		const char *p = dot + 1;

		if (*p == '\0' || strlen(p) > 9)
			return -1;
		for (; *p != '\0'; p++, scale /= 10) {
			if (*p < '0' || *p > '9')
				return -1;
			frac += (*p - '0') * scale;
		}
	}
	return t + frac;
}

/* One line's item; 0, or -1 with err naming the field and the value. */
static int
exec_news_line(const struct exec *x, const char *line, size_t len,
               struct exec_news *n, char *err, size_t errlen)
{
	char jerr[200];
	cJSON *o = json_parse_strict(line, len, NULL, jerr, sizeof jerr), *it;
	int have = 0, rv = -1;

	memset(n, 0, sizeof *n);
	n->src = EXEC_NEWS_FILE;
	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "%s", o == NULL ? jerr :
		    "not a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(it, o) {
		const char *k = it->string;
		char *v = cJSON_PrintUnformatted(it), shown[200];
		/* At most 40 bytes of the value in a refusal, never half a
		 * UTF-8 character, its controls (C1 too: cJSON writes them
		 * raw) and bytes that are not UTF-8 as \xNN. */
		const char *vs = v != NULL ? json_text_show(shown, sizeof shown,
		    v, 40) : "?";
		int bad = 0;

		if (strcmp(k, "t") == 0) {
			bad = !cJSON_IsString(it) ||
			    (n->t = exec_news_parse_time(it->valuestring)) < 0;
			if (bad)
				snprintf(err, errlen, "field \"t\" %s: must be a "
				    "time \"HH:MM:SS\" or \"HH:MM:SS.fff\"", vs);
			have |= 1;
		} else if (strcmp(k, "symbol") == 0) {
			bad = !cJSON_IsString(it) || it->valuestring[0] == '\0' ||
			    strlen(it->valuestring) >= sizeof n->sym;
			if (bad)
				snprintf(err, errlen, "field \"symbol\" %s: must be "
				    "a string of 1..%zu bytes", vs,
				    sizeof n->sym - 1);
			else
				strcpy(n->sym, it->valuestring);
			have |= 2;
		} else if (strcmp(k, "headline") == 0) {
			bad = !cJSON_IsString(it) || it->valuestring[0] == '\0' ||
			    strlen(it->valuestring) >= sizeof n->headline;
			if (bad)
				snprintf(err, errlen, "field \"headline\" %s: must "
				    "be a string of 1..%zu bytes", vs,
				    sizeof n->headline - 1);
			else {
				/* UTF-8, stripped of control characters (C0,
				 * DEL and C1) here: the headline reaches
				 * screens and every protocol client (C1 and
				 * bytes that are not UTF-8 were published as
				 * they came, found by a review). */
				strcpy(n->headline, it->valuestring);
				if (json_text_clean(n->headline) != 0) {
					bad = 1;
					snprintf(err, errlen, "field \"headline\" "
					    "\"%s\": not valid UTF-8",
					    json_text_show(shown, sizeof shown,
					    it->valuestring, 40));
				} else if (n->headline[0] == '\0') {
					bad = 1;
					snprintf(err, errlen, "field \"headline\" "
					    "\"%s\": nothing but control "
					    "characters", json_text_show(shown,
					    sizeof shown, it->valuestring, 40));
				}
			}
			have |= 4;
		} else if (strcmp(k, "sentiment") == 0) {
			bad = !cJSON_IsNumber(it) || !(it->valuedouble >= -1 &&
			    it->valuedouble <= 1);
			if (bad)
				snprintf(err, errlen, "field \"sentiment\" %s: must "
				    "be a number in [-1, 1]", cJSON_IsNumber(it) &&
				    !isfinite(it->valuedouble) ? "(a number "
				    "beyond a double's range)" : vs);
			else
				n->sentiment = it->valuedouble;
			have |= 8;
		} else {
			bad = 1;
			snprintf(err, errlen, "field \"%.40s\": unknown (known: t, "
			    "symbol, headline, sentiment)", k);
		}
		cJSON_free(v);
		if (bad)
			goto out;
	}
	if (have != 15) {
		snprintf(err, errlen, "field \"%s\": missing", !(have & 1) ? "t" :
		    !(have & 2) ? "symbol" : !(have & 4) ? "headline" :
		    "sentiment");
		goto out;
	}
	rv = exec_news_check(x, n, err, errlen);
out:
	cJSON_Delete(o);
	return rv;
}

int
exec_news_add_json(struct exec *x, const cJSON *o, char *err, size_t errlen)
{
	struct exec_news n;
	char *text = cJSON_PrintUnformatted(o);
	int rv;

	if (text == NULL) {
		snprintf(err, errlen, "news: out of memory");
		return -1;
	}
	rv = exec_news_line(x, text, strlen(text), &n, err, errlen);
	cJSON_free(text);
	return rv == 0 ? exec_news_add(x, &n, err, errlen) : -1;
}

/* One line of f into buf (at most cap - 1 bytes, without its newline):
 * its length, -1 at the end of the file, -2 when it is longer (the rest
 * of the file is not read: /dev/zero is one endless line). */
static long
exec_news_getline(FILE *f, char *buf, size_t cap)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (n + 1 >= cap)
			return -2;
		buf[n++] = (char)c;
	}
	if (c == EOF && n == 0)
		return -1;
	buf[n] = '\0';
	return (long)n;
}

static int
exec_news_cmp(const void *a, const void *b)
{
	const struct exec_news *p = a, *q = b;

	if (p->t != q->t)
		return p->t < q->t ? -1 : 1;
	return (p->src > q->src) - (p->src < q->src);
}

int
exec_news_load(struct exec *x, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct exec_news *v = NULL;
	size_t n = 0, cap = 0;
	char line[EXEC_NEWS_LINE + 2], why[512];
	const char *nul;
	long lineno = 0, got;
	int rv = -1;

	if (f == NULL) {
		snprintf(err, errlen, "news %s: %s", path, strerror(errno));
		return -1;
	}
	while ((got = exec_news_getline(f, line, sizeof line)) != -1) {
		size_t len = (size_t)got;
		const char *p = line;

		lineno++;
		if (got == -2) {
			snprintf(err, errlen, "news %s line %ld: longer than %d "
			    "bytes", path, lineno, EXEC_NEWS_LINE);
			goto out;
		}
		if ((nul = memchr(line, '\0', len)) != NULL) {
			snprintf(err, errlen, "news %s line %ld: a NUL byte at "
			    "column %zu", path, lineno, (size_t)(nul - line) + 1);
			goto out;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct exec_news *nv = realloc(v, nc * sizeof *nv);

			if (nv == NULL) {
				snprintf(err, errlen, "news %s: out of memory", path);
				goto out;
			}
			v = nv;
			cap = nc;
		}
		if (exec_news_line(x, p, strlen(p), &v[n], why,
		    sizeof why) != 0) {
			snprintf(err, errlen, "news %s line %ld: %s", path, lineno,
			    why);
			goto out;
		}
		n++;
	}
	if (ferror(f)) {
		/* errno says why (a directory: EISDIR). */
		snprintf(err, errlen, "news %s: %s", path, strerror(errno));
		goto out;
	}
	/* In time order first, ties as the file gives them: each add is then
	 * an append (200,000 lines in reverse order took minutes). */
	for (size_t i = 0; i < n; i++)
		v[i].src = (int)i; /* the line's place, until sorted */
	qsort(v, n, sizeof *v, exec_news_cmp);
	for (size_t i = 0; i < n; i++) {
		v[i].src = EXEC_NEWS_FILE;
		if (exec_news_add(x, &v[i], why, sizeof why) != 0) {
			snprintf(err, errlen, "news %s: %s", path, why);
			goto out;
		}
	}
	rv = 0;
out:
	fclose(f);
	free(v);
	return rv;
}
