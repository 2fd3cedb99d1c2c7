/*
 * engine/cli/journal-cli.c -- `tranched journal check FILE` and
 * `tranched journal salvage FILE OUT`: what an operator runs when an engine
 * refuses to start on a damaged journal.
 *
 * Both walk the journal with the journal's own reader and resynchronise
 * after every damaged span (jrnl_resync()), so they see exactly the records
 * and the spans that recovery and replay see.  check reports every span:
 * where it starts, how many bytes, how many good records come before and
 * after it, and whether it is damage (a recovery would refuse it) or a torn
 * tail (a recovery would cut it); its exit status says which of the three a
 * journal is, so a script can decide before it restarts an engine.
 *
 * Command records carry "n", their number among the journal's command
 * records: a record that is whole and checksummed but written twice,
 * moved, missing, or without a number among numbered ones (a storage
 * fault that writes a block twice, a file pieced together by hand) is
 * damage too, by exactly the rule recovery applies (jcli_number()), so
 * check is clean when and only when recovery finds every number right.
 *
 * A command record that is not JSON and an event record that is not an
 * event are damage as well (recovery refuses them): salvage leaves them
 * out, since nothing can be read from them.
 *
 * A record whose checksum holds but whose time is not one of the session's
 * day (TRANCHE_TIME_OK) is damage too, as recovery refuses it: salvage
 * leaves out such a note and keeps such an event or command at the latest
 * good time before it (recovery matches events to the re-simulation's by
 * count, and a command the engine said yes to is never lost).
 *
 * salvage copies every good record, unchanged (kind, time, payload) but
 * for a command record's "n" and such a time (below), into a
 * new journal created with the same header, and ends it with a note that
 * lists what was skipped.  Of the command records it leaves out only one
 * that is the very bytes of the record already kept under its number (a
 * record written twice); any other that is out of place could be a
 * command the engine said yes to, so it is kept where it stands, and the
 * output names it.  The command records kept are numbered again from 1,
 * so an engine continues the copy.  The original is only ever opened for reading;
 * OUT must not exist (the journal's create refuses an existing file), and a
 * salvage that fails half-way removes what it wrote rather than leave a
 * journal that looks whole.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "engine/cli/cli.h"
#include "engine/exec/scenario.h"
#include "engine/journal/journal.h"
#include "engine/server/server.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"

#define JCLI_MAX_SPANS 4096

struct jcli_span {
	struct jrnl_span s;
	uint64_t before; /* good records before it */
};

#define JCLI_MAX_BAD 64

/* A command record out of its place. */
enum jcli_bad_kind {
	JCLI_REPEAT,     /* the same bytes as the record kept under its n:
	                    written twice; salvage leaves it out */
	JCLI_BEHIND,     /* n below the number due, other bytes: moved, or a
	                    number reused; kept */
	JCLI_AHEAD,      /* n past the number due: records missing before
	                    it (or moved later); kept */
	JCLI_UNNUMBERED, /* no n after numbered records; kept */
	JCLI_BADNUM,     /* n not a whole number from 1; kept */
	JCLI_NOTJSON,    /* not JSON: no command can be read from it, and
	                    recovery refuses it; salvage leaves it out */
};

struct jcli_bad {
	uint64_t offset;
	int kind;
	double n;      /* what it says (0 with none or not a number) */
	uint64_t due;  /* the number due there */
};

/* A numbered command record kept: its n, and a hash of its bytes. */
struct jcli_seen {
	uint64_t n, hash;
	uint32_t len;
};

/* A record whose time is not one of the session's day. */
struct jcli_badtime {
	uint64_t offset;
	int64_t t, kept_at; /* kept_at: its time in a copy; -1 left out */
	int kind;           /* enum jrnl_kind */
};

struct jcli_walk {
	/* Records whose checksum holds but whose time is not of the day
	 * (TRANCHE_TIME_OK): damage, by the rule recovery applies.  Salvage
	 * leaves such a note out and keeps such an event or command at the
	 * latest good time before it; past JCLI_MAX_BAD counted only. */
	struct jcli_badtime badt[JCLI_MAX_BAD];
	size_t nbadt, badt_more;
	uint64_t badt_left; /* notes among them (left out), all counted */
	int64_t t_good;
	/* Event records whose payload is not an event (recovery refuses
	 * them; salvage leaves them out): how many, and the first. */
	uint64_t ev_bad, ev_bad_at;
	char ev_bad_why[160];
	/* Events out of the order the engine published them in: outside
	 * one longest rising run of seqs, so another session's record or one
	 * written twice (recovery refuses them; salvage leaves them out).
	 * How many; the first is in seqo. */
	uint64_t ev_order;
	const struct seq_outliers *seqo; /* which they are (server_journal_
	                                  * seq_outliers()), or NULL */
	struct jcli_span *spans;
	size_t nspans, dropped; /* spans past JCLI_MAX_SPANS are counted only */
	uint64_t records, damaged_bytes, torn_bytes;
	int damaged, torn;
	/* Command records, by the rule recovery applies (a record's n is
	 * its place among them; none before the first numbered one): read
	 * and kept, the number due next, whether numbering has begun, what
	 * salvage left out, the numbers missing, those out of place (past
	 * JCLI_MAX_BAD counted only), and an open-addressed table of the
	 * numbered ones kept (cap a power of two). */
	uint64_t cmds, cmds_kept, due, cmds_left_out, cmds_missing;
	int numbered;
	struct jcli_bad bad[JCLI_MAX_BAD];
	size_t nbad, bad_more;
	struct jcli_seen *seen;
	size_t nseen, capseen;
};

static uint64_t
jcli_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

/* The kept record numbered n, or NULL. */
static struct jcli_seen *
jcli_seen_find(const struct jcli_walk *w, uint64_t n)
{
	if (w->capseen == 0)
		return NULL;
	for (size_t i = (size_t)(n * 0x9E3779B97F4A7C15ULL) & (w->capseen - 1);
	    w->seen[i].n != 0; i = (i + 1) & (w->capseen - 1))
		if (w->seen[i].n == n)
			return &w->seen[i];
	return NULL;
}

/* Remember a kept numbered record; -1 out of memory. */
static int
jcli_seen_add(struct jcli_walk *w, uint64_t n, uint64_t hash, uint32_t len)
{
	size_t i;

	if (jcli_seen_find(w, n) != NULL)
		return 0; /* a number reused: the first keeps it */
	if ((w->nseen + 1) * 2 > w->capseen) {
		size_t cap = w->capseen ? w->capseen * 2 : 1024;
		struct jcli_seen *t = calloc(cap, sizeof *t), *old = w->seen;
		size_t ocap = w->capseen;

		if (t == NULL)
			return -1;
		w->seen = t;
		w->capseen = cap;
		w->nseen = 0;
		for (size_t k = 0; k < ocap; k++)
			if (old[k].n != 0)
				(void)jcli_seen_add(w, old[k].n, old[k].hash,
				    old[k].len);
		free(old);
	}
	for (i = (size_t)(n * 0x9E3779B97F4A7C15ULL) & (w->capseen - 1);
	    w->seen[i].n != 0; i = (i + 1) & (w->capseen - 1))
		;
	w->seen[i] = (struct jcli_seen){ n, hash, len };
	w->nseen++;
	return 0;
}

static void
jcli_bad_add(struct jcli_walk *w, const struct jrnl_rec *rec, int kind,
             double n)
{
	w->damaged = 1;
	if (w->nbad < JCLI_MAX_BAD)
		w->bad[w->nbad++] = (struct jcli_bad){ rec->offset, kind, n,
		    w->due };
	else
		w->bad_more++;
}

/*
 * A command record's place, by recovery's rule: before the first record
 * with "n" none needs one; from it on, each must say the number due, one
 * past the record before (the first, one past the records before it).
 * Anything else is damage, listed once: after it the number due follows
 * the record's own, so that one record out of place is one line, not
 * every line after it.  1 to keep the record, as number w->cmds_kept in
 * a copy; 0 to leave it out, only when it is the very bytes of the
 * record kept under its number (a record written twice): a record that
 * could be a command of its own is never left out.  -1 out of memory.
 */
static int
jcli_number(struct jcli_walk *w, const struct jrnl_rec *rec)
{
	cJSON *o = cJSON_ParseWithLength((const char *)rec->data, rec->len);
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "n");
	double v = cJSON_IsNumber(n) ? n->valuedouble : 0;
	int whole = n != NULL && v >= 1 && v <= 9007199254740992.0 &&
	    v == (double)(uint64_t)v;
	uint64_t h = jcli_hash(rec->data, rec->len);
	const struct jcli_seen *same;

	w->cmds++;
	if (w->due == 0)
		w->due = 1;
	if (o == NULL) {
		jcli_bad_add(w, rec, JCLI_NOTJSON, 0);
		w->cmds_left_out++;
		return 0;
	}
	cJSON_Delete(o);
	if (n == NULL) {
		if (w->numbered)
			jcli_bad_add(w, rec, JCLI_UNNUMBERED, 0);
		w->due++;
		w->cmds_kept++;
		return 1;
	}
	w->numbered = 1;
	if (!whole) {
		jcli_bad_add(w, rec, JCLI_BADNUM, v);
		w->due++;
		w->cmds_kept++;
		return 1;
	}
	if ((uint64_t)v != w->due) {
		same = jcli_seen_find(w, (uint64_t)v);
		if (same != NULL && same->hash == h && same->len == rec->len) {
			jcli_bad_add(w, rec, JCLI_REPEAT, v);
			w->cmds_left_out++;
			w->due = (uint64_t)v + 1;
			return 0;
		}
		if ((uint64_t)v > w->due)
			w->cmds_missing += (uint64_t)v - w->due;
		jcli_bad_add(w, rec, (uint64_t)v < w->due ? JCLI_BEHIND :
		    JCLI_AHEAD, v);
	}
	w->due = (uint64_t)v + 1;
	w->cmds_kept++;
	return jcli_seen_add(w, (uint64_t)v, h, rec->len) == 0 ? 1 : -1;
}

static void
jcli_usage(FILE *f)
{
	fprintf(f, "usage: tranched journal check FILE [--json]\n"
	    "       tranched journal salvage FILE OUT\n\n"
	    "check    report every damaged span of a journal (offset, bytes,\n"
	    "         good records before and after) and whether its tail is\n"
	    "         torn; exit 0 when clean, 1 when damaged or of format 1\n"
	    "         (an engine refuses to start on it; salvage converts\n"
	    "         format 1), 3 when only the tail is torn (an engine\n"
	    "         cuts it on start), 2 when it cannot be read\n"
	    "  --json one JSON object instead of lines\n"
	    "salvage  write every readable record of FILE to the new journal\n"
	    "         OUT, with FILE's header and a closing note of what was\n"
	    "         skipped; FILE is never opened for writing, and OUT must\n"
	    "         not exist\n");
}

static void
jcli_open_error(const char *tool, const char *path, int rc)
{
	char msg[1024];

	fprintf(stderr, "tranched journal %s: %s\n", tool,
	    jrnl_describe(msg, sizeof msg, rc, path));
}

/*
 * Walks every record of rd.  Each good record goes to copy (when given),
 * with the number a command record has in the copy (0 before numbering
 * begins: as it is), unless jcli_number() leaves it out; copy returns 0
 * or a journal error.  Each skipped span is
 * recorded.
 */
static int
jcli_walk(struct jrnl_reader *rd, struct jcli_walk *w,
    int (*copy)(void *arg, const struct jrnl_rec *rec, uint64_t n),
    void *arg)
{
	struct jrnl_rec rec;
	struct jrnl_span span;
	int rc;

	for (;;) {
		while ((rc = jrnl_next(rd, &rec)) == 1) {
			w->records++;
			if (!TRANCHE_TIME_OK(rec.t)) {
				w->damaged = 1;
				if (w->nbadt < JCLI_MAX_BAD)
					w->badt[w->nbadt++] = (struct jcli_badtime){
					    rec.offset, rec.t, w->t_good, (int)rec.kind };
				else
					w->badt_more++;
				/* A note says nothing recovery needs: left out.
				 * An event is kept, at the latest good time
				 * before it (recovery matches the re-simulation's
				 * events to the journal's by count, and a fill is
				 * one the engine reported); a command the engine
				 * said yes to is never left out either. */
				if (rec.kind == JRNL_NOTE) {
					w->badt_left++;
					continue;
				}
				rec.t = w->t_good;
			} else if (rec.t > w->t_good)
				w->t_good = rec.t;
			if (rec.kind == JRNL_EVENT) {
				struct ipc_event ev;
				char why[160];

				if (ipc_event_parse(rec.data, rec.len, &ev, why,
				    sizeof why) != 0) {
					w->damaged = 1;
					if (w->ev_bad++ == 0) {
						w->ev_bad_at = rec.offset;
						snprintf(w->ev_bad_why,
						    sizeof w->ev_bad_why, "%s", why);
					}
					continue;
				}
				ipc_event_free(&ev);
				if (w->seqo != NULL &&
				    server_seq_outlier(w->seqo, rec.offset)) {
					w->damaged = 1;
					w->ev_order++;
					continue;
				}
			}
			if (rec.kind == JRNL_COMMAND &&
			    (rc = jcli_number(w, &rec)) <= 0) {
				if (rc < 0)
					return JRNL_ENOMEM;
				/* Written twice: its time's line says so. */
				if (w->nbadt > 0 &&
				    w->badt[w->nbadt - 1].offset == rec.offset)
					w->badt[w->nbadt - 1].kept_at = -1;
				continue;
			}
			if (copy != NULL && (rc = copy(arg, &rec, w->numbered ?
			    w->cmds_kept : 0)) != 0)
				return rc;
		}
		if (rc == 0)
			return 0;
		if (rc != JRNL_ECORRUPT && rc != JRNL_ETORN)
			return rc;
		if ((rc = jrnl_resync(rd, &span)) < 0)
			return rc;
		if (span.error == JRNL_ETORN) {
			w->torn = 1;
			w->torn_bytes += span.bytes;
		} else {
			w->damaged = 1;
			w->damaged_bytes += span.bytes;
		}
		if (w->nspans < JCLI_MAX_SPANS) {
			w->spans[w->nspans].s = span;
			w->spans[w->nspans++].before = w->records;
		} else {
			w->dropped++;
		}
		if (rc == 0)
			return 0;
	}
}

static const char *const jcli_bad_names[] = { "repeated", "behind",
	"ahead", "unnumbered", "bad_number", "not_json" };

/* "command record at offset X says n=K where n=D was due: ..." */
static void
jcli_bad_line(FILE *f, const struct jcli_bad *b)
{
	fprintf(f, "command record at offset %" PRIu64 " ", b->offset);
	if (b->kind == JCLI_NOTJSON)
		fprintf(f, "is not JSON: no command can be read from it "
		    "(salvage leaves it out)\n");
	else if (b->kind == JCLI_UNNUMBERED)
		fprintf(f, "has no n where n=%" PRIu64 " was due: unnumbered "
		    "after numbered records (kept by salvage)\n", b->due);
	else if (b->kind == JCLI_BADNUM)
		fprintf(f, "has an n that is not a whole number from 1 where "
		    "n=%" PRIu64 " was due (kept by salvage)\n", b->due);
	else if (b->kind == JCLI_REPEAT)
		fprintf(f, "says n=%.0f where n=%" PRIu64 " was due: the same "
		    "bytes as the record n=%.0f, written twice (salvage leaves "
		    "it out)\n", b->n, b->due, b->n);
	else if (b->kind == JCLI_BEHIND)
		fprintf(f, "says n=%.0f where n=%" PRIu64 " was due: moved, or "
		    "its number used again (kept by salvage)\n", b->n, b->due);
	else
		fprintf(f, "says n=%.0f where n=%" PRIu64 " was due: %.0f command "
		    "records missing before it, or it moved (kept by "
		    "salvage)\n", b->n, b->due, b->n - (double)b->due);
}

/* The command records' numbering, as JSON. */
static cJSON *
jcli_bad_json(const struct jcli_walk *w)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();

	cJSON_AddNumberToObject(o, "records", (double)w->cmds);
	cJSON_AddNumberToObject(o, "kept", (double)w->cmds_kept);
	cJSON_AddNumberToObject(o, "left_out", (double)w->cmds_left_out);
	cJSON_AddNumberToObject(o, "missing", (double)w->cmds_missing);
	for (size_t i = 0; i < w->nbad; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "kind",
		    jcli_bad_names[w->bad[i].kind]);
		cJSON_AddNumberToObject(e, "offset", (double)w->bad[i].offset);
		if (w->bad[i].kind != JCLI_UNNUMBERED &&
		    w->bad[i].kind != JCLI_BADNUM &&
		    w->bad[i].kind != JCLI_NOTJSON)
			cJSON_AddNumberToObject(e, "n", w->bad[i].n);
		cJSON_AddNumberToObject(e, "due", (double)w->bad[i].due);
		cJSON_AddItemToArray(a, e);
	}
	cJSON_AddItemToObject(o, "out_of_place", a);
	cJSON_AddNumberToObject(o, "not_listed", (double)w->bad_more);
	return o;
}

static const char *
jcli_rec_kind(int kind)
{
	return kind == JRNL_COMMAND ? "command" : kind == JRNL_EVENT ? "event" :
	    "note";
}

/* "event record at offset X has time T ns, not a time of the day ..." */
static void
jcli_badtime_line(FILE *f, const struct jcli_badtime *b)
{
	fprintf(f, "%s record at offset %" PRIu64 " has time %lld ns, not a "
	    "time of the session's day", jcli_rec_kind(b->kind), b->offset,
	    (long long)b->t);
	if (b->kind == JRNL_NOTE)
		fprintf(f, " (salvage leaves it out)\n");
	else if (b->kept_at < 0)
		fprintf(f, " (salvage leaves it out: written twice)\n");
	else
		fprintf(f, " (salvage keeps it at %lld ns, the latest good time "
		    "before it)\n", (long long)b->kept_at);
}

static cJSON *
jcli_badtime_json(const struct jcli_walk *w)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < w->nbadt; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "kind", jcli_rec_kind(w->badt[i].kind));
		cJSON_AddNumberToObject(e, "offset", (double)w->badt[i].offset);
		/* Nanoseconds as a string, as every time in the protocol: a
		 * damaged one may be past what a double holds exactly. */
		ipc_add_i64_str(e, "t", w->badt[i].t);
		if (w->badt[i].kind != JRNL_NOTE && w->badt[i].kept_at >= 0)
			ipc_add_i64_str(e, "kept_at", w->badt[i].kept_at);
		cJSON_AddItemToArray(a, e);
	}
	return a;
}

static const char *
jcli_kind(const struct jrnl_span *s)
{
	return s->error == JRNL_ETORN ? "torn" : "damage";
}

static int
jcli_check(const char *path, int json)
{
	struct seq_outliers so = { 0 };
	char serr[256];
	struct jcli_walk w;
	struct jrnl_reader *rd;
	struct stat st;
	char *hj = NULL;
	int rc, status, hdr_ok, fmt;
	char hdr_err[512] = "", mended[256];
	cJSON *h;

	memset(&w, 0, sizeof w);
	/* A header one flipped bit from whole is read mended, and said. */
	if ((rc = jrnl_reader_open_mended(&rd, path, &hj, mended,
	    sizeof mended)) != 0) {
		jcli_open_error("check", path, rc);
		return 2;
	}
	if (mended[0] != '\0')
		w.damaged = 1;
	/* An older format is read, but an engine does not continue it:
	 * salvage converts it. */
	fmt = jrnl_reader_format(rd);
	/* The header's checksum held; what it says must be an object, or
	 * nothing (an engine, replay, tca) can use the journal. */
	h = hj != NULL ? cJSON_Parse(hj) : NULL;
	hdr_ok = cJSON_IsObject(h);
	/* An object, and one from which an engine can take the session: its
	 * scenario and seed, read as recovery reads them. */
	if (hdr_ok) {
		struct scenario sc;
		uint64_t seed;

		if (server_journal_session(h, path, &sc, &seed, hdr_err,
		    sizeof hdr_err) == 0) {
			/* Its news too, as recovery adds them (a sentiment
			 * of 5 was "clean" here and refused by the engine:
			 * found by a review). */
			const cJSON *it, *news = cJSON_GetObjectItemCaseSensitive(h,
			    "news");
			struct exec *x = NULL;
			char why[512];
			int i = 0;

			if (news != NULL && scenario_exec_new(&sc, seed, 1, NULL,
			    &x, why, sizeof why) == 0) {
				cJSON_ArrayForEach(it, news) {
					if (exec_news_add_json(x, it, why,
					    sizeof why) != 0) {
						snprintf(hdr_err, sizeof hdr_err,
						    "journal %.160s: header news.%d: %.300s",
						    path, i, why);
						hdr_ok = 0;
						break;
					}
					i++;
				}
			}
			if (x != NULL)
				scenario_exec_free(x);
			scenario_free(&sc);
		} else
			hdr_ok = 0;
	}
	cJSON_Delete(h);
	free(hj);
	/* A header that is not an object is damage.  One whose session an
	 * engine here refuses is not, necessarily: a replay scenario's data
	 * may be absent from this machine.  Either way no engine here
	 * continues the journal, and check says why. */
	if (!hdr_ok && hdr_err[0] == '\0')
		w.damaged = 1;
	if ((w.spans = calloc(JCLI_MAX_SPANS, sizeof *w.spans)) == NULL) {
		jrnl_reader_close(rd);
		fprintf(stderr, "tranched journal check: out of memory\n");
		return 2;
	}
	/* Which events are out of order, from a pass of its own: the walk
	 * below cannot tell a record that jumps ahead from those after it. */
	if (server_journal_seq_outliers(path, &so, serr, sizeof serr)
	    == 0)
		w.seqo = &so;
	rc = jcli_walk(rd, &w, NULL, NULL);
	jrnl_reader_close(rd);
	if (rc != 0) {
		jcli_open_error("check", path, rc);
		server_seq_outliers_free(&so);
		free(w.spans);
		free(w.seen);
		return 2;
	}
	if (stat(path, &st) != 0)
		st.st_size = 0;
	status = w.damaged || !hdr_ok || fmt != JRNL_FORMAT_VERSION ? 1 :
	    w.torn ? 3 : 0;
	if (json) {
		cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();
		char *txt;

		cJSON_AddStringToObject(o, "file", path);
		cJSON_AddNumberToObject(o, "format", fmt);
		cJSON_AddNumberToObject(o, "bytes", (double)st.st_size);
		cJSON_AddNumberToObject(o, "records", (double)w.records);
		cJSON_AddBoolToObject(o, "header_ok", hdr_ok);
		if (mended[0] != '\0')
			cJSON_AddStringToObject(o, "header_damage", mended);
		if (hdr_err[0] != '\0')
			cJSON_AddStringToObject(o, "header_error", hdr_err);
		cJSON_AddStringToObject(o, "state", w.damaged ? "damaged" :
		    !hdr_ok ? "refused" : fmt != JRNL_FORMAT_VERSION ?
		    "old-format" : w.torn ? "torn-tail" : "clean");
		cJSON_AddNumberToObject(o, "damaged_bytes",
		    (double)w.damaged_bytes);
		cJSON_AddNumberToObject(o, "torn_bytes", (double)w.torn_bytes);
		for (size_t i = 0; i < w.nspans; i++) {
			cJSON *s = cJSON_CreateObject();

			cJSON_AddStringToObject(s, "kind", jcli_kind(&w.spans[i].s));
			cJSON_AddNumberToObject(s, "offset",
			    (double)w.spans[i].s.offset);
			cJSON_AddNumberToObject(s, "bytes",
			    (double)w.spans[i].s.bytes);
			cJSON_AddNumberToObject(s, "records_before",
			    (double)w.spans[i].before);
			cJSON_AddNumberToObject(s, "records_after",
			    (double)(w.records - w.spans[i].before));
			cJSON_AddItemToArray(a, s);
		}
		cJSON_AddItemToObject(o, "spans", a);
		cJSON_AddNumberToObject(o, "spans_not_listed", (double)w.dropped);
		cJSON_AddItemToObject(o, "commands", jcli_bad_json(&w));
		cJSON_AddItemToObject(o, "times", jcli_badtime_json(&w));
		cJSON_AddNumberToObject(o, "events_unreadable", (double)w.ev_bad);
		cJSON_AddNumberToObject(o, "events_out_of_order",
		    (double)w.ev_order);
		if (w.ev_order > 0)
			cJSON_AddNumberToObject(o, "events_out_of_order_at",
			    (double)w.seqo->first_off);
		cJSON_AddNumberToObject(o, "times_not_listed",
		    (double)w.badt_more);
		txt = cJSON_PrintUnformatted(o);
		printf("%s\n", txt);
		cJSON_free(txt);
		cJSON_Delete(o);
	} else {
		for (size_t i = 0; i < w.nspans; i++)
			printf("%s at offset %" PRIu64 ": %" PRIu64 " bytes, %"
			    PRIu64 " good records before, %" PRIu64 " after\n",
			    w.spans[i].s.error == JRNL_ETORN ? "torn tail" :
			    "damaged", w.spans[i].s.offset, w.spans[i].s.bytes,
			    w.spans[i].before, w.records - w.spans[i].before);
		if (w.dropped > 0)
			printf("... and %zu more spans not listed\n", w.dropped);
		if (mended[0] != '\0')
			printf("header: damaged, %s: salvage mends it (read here "
			    "as mended)\n", mended);
		if (hdr_err[0] != '\0')
			printf("header: an engine will not continue it: %s\n",
			    hdr_err);
		else if (!hdr_ok)
			printf("header: not a JSON object (an engine, tranched "
			    "replay and tca refuse it)\n");
		for (size_t i = 0; i < w.nbad; i++)
			jcli_bad_line(stdout, &w.bad[i]);
		if (w.bad_more > 0)
			printf("... and %zu more command records out of place\n",
			    w.bad_more);
		for (size_t i = 0; i < w.nbadt; i++)
			jcli_badtime_line(stdout, &w.badt[i]);
		if (w.badt_more > 0)
			printf("... and %zu more records with a time not of the "
			    "day\n", w.badt_more);
		if (w.ev_bad > 0)
			printf("event record at offset %" PRIu64 " is not an event "
			    "(%s)%s (salvage leaves such records out)\n",
			    w.ev_bad_at, w.ev_bad_why, w.ev_bad > 1 ?
			    ", and more after it" : "");
		if (w.ev_order > 0)
			printf("event record at offset %" PRIu64 " has seq %"
			    PRIu64 " after %" PRIu64 ": the engine publishes each "
			    "seq once, in order, so it is another session's "
			    "record or one written twice (%" PRIu64 " such "
			    "record%s; salvage leaves them out)\n",
			    w.seqo->first_off, w.seqo->first_seq,
			    w.seqo->first_after, w.ev_order, w.ev_order == 1 ?
			    "" : "s");
		if (!hdr_ok && hdr_err[0] == '\0')
			printf("%s: damaged: its header, whose checksum holds, is "
			    "not a JSON object; nothing reads its %" PRIu64 " "
			    "records, salvage neither (it copies the header)\n",
			    path, w.records);
		else if (w.damaged)
			printf("%s: damaged: %s%" PRIu64 " bytes in %zu spans, %zu "
			    "command records out of place, %zu records with a "
			    "time not of the day, %" PRIu64 " event records that "
			    "are not events, %" PRIu64 " out of order, %" PRIu64
			    " good records; an engine will not start on it: "
			    "`tranched journal salvage %s NEW` copies the good "
			    "records\n",
			    path, mended[0] != '\0' ? "its header (mended as "
			    "read), " : "", w.damaged_bytes, w.nspans + w.dropped -
			    (size_t)w.torn, w.nbad + w.bad_more, w.nbadt +
			    w.badt_more, w.ev_bad, w.ev_order, w.records, path);
		else if (!hdr_ok)
			printf("%s: refused: an engine here will not continue "
			    "it, for its header's session (above); tranched "
			    "replay and tca read its %" PRIu64 " records (not "
			    "tca --leakage, which runs that session again), and "
			    "salvage copies the header as it is\n", path,
			    w.records);
		else if (w.torn)
			printf("%s: torn tail of %" PRIu64 " bytes after %" PRIu64
			    " good records (an unfinished last write; an engine "
			    "cuts it on start)\n", path, w.torn_bytes, w.records);
		else if (fmt == JRNL_FORMAT_VERSION)
			printf("%s: clean, %" PRIu64 " records, %lld bytes\n",
			    path, w.records, (long long)st.st_size);
		if (fmt != JRNL_FORMAT_VERSION)
			printf("%s: format %d: an engine reads it but will not "
			    "continue it (it writes format %d): `tranched journal "
			    "salvage %s NEW` converts it\n", path, fmt,
			    JRNL_FORMAT_VERSION, path);
	}
	server_seq_outliers_free(&so);
	free(w.spans);
	free(w.seen);
	return status;
}

struct jcli_copy {
	struct jrnl *out;
	int64_t t_last;
};

static int
jcli_copy_rec(void *arg, const struct jrnl_rec *rec, uint64_t num)
{
	struct jcli_copy *c = arg;
	cJSON *o, *n;
	char *txt;
	int rc;

	c->t_last = rec->t;
	if (rec->kind != JRNL_COMMAND || (o = cJSON_ParseWithLength(
	    (const char *)rec->data, rec->len)) == NULL)
		return jrnl_append(c->out, rec->kind, rec->t, rec->data,
		    rec->len);
	n = cJSON_GetObjectItemCaseSensitive(o, "n");
	if (num == 0 || (cJSON_IsNumber(n) && n->valuedouble == (double)num)) {
		cJSON_Delete(o);
		return jrnl_append(c->out, rec->kind, rec->t, rec->data,
		    rec->len);
	}
	/* Numbered again, in its place in the copy (one without a number
	 * among numbered ones gets its own). */
	cJSON_DeleteItemFromObjectCaseSensitive(o, "n");
	cJSON_AddNumberToObject(o, "n", (double)num);
	txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (txt == NULL)
		return JRNL_ENOMEM;
	rc = jrnl_append(c->out, rec->kind, rec->t, txt, strlen(txt));
	cJSON_free(txt);
	return rc;
}

/* The closing note: where the records came from and every span skipped. */
static char *
jcli_salvage_note(const char *path, const struct jcli_walk *w)
{
	cJSON *o = cJSON_CreateObject(), *s = cJSON_CreateObject();
	cJSON *a = cJSON_CreateArray();
	char *txt;

	cJSON_AddStringToObject(s, "from", path);
	cJSON_AddNumberToObject(s, "records", (double)(w->records -
	    w->cmds_left_out - w->badt_left - w->ev_bad - w->ev_order));
	cJSON_AddNumberToObject(s, "events_unreadable", (double)w->ev_bad);
	cJSON_AddNumberToObject(s, "events_out_of_order", (double)w->ev_order);
	cJSON_AddNumberToObject(s, "skipped_bytes",
	    (double)(w->damaged_bytes + w->torn_bytes));
	for (size_t i = 0; i < w->nspans; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "kind", jcli_kind(&w->spans[i].s));
		cJSON_AddNumberToObject(e, "offset", (double)w->spans[i].s.offset);
		cJSON_AddNumberToObject(e, "bytes", (double)w->spans[i].s.bytes);
		cJSON_AddItemToArray(a, e);
	}
	cJSON_AddItemToObject(s, "skipped", a);
	cJSON_AddNumberToObject(s, "spans_not_listed", (double)w->dropped);
	cJSON_AddItemToObject(s, "commands", jcli_bad_json(w));
	cJSON_AddItemToObject(s, "times", jcli_badtime_json(w));
	cJSON_AddNumberToObject(s, "times_not_listed", (double)w->badt_more);
	cJSON_AddItemToObject(o, "salvage", s);
	txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return txt;
}

static int
jcli_salvage(const char *path, const char *outpath)
{
	struct jcli_copy c = { NULL, 0 };
	struct seq_outliers so = { 0 };
	struct jrnl_reader *rd;
	struct jcli_walk w;
	char *hj = NULL, *note = NULL, mended[256], serr[256];
	int rc;

	memset(&w, 0, sizeof w);
	/* A header one flipped bit from whole is written mended. */
	if ((rc = jrnl_reader_open_mended(&rd, path, &hj, mended,
	    sizeof mended)) != 0) {
		jcli_open_error("salvage", path, rc);
		return 2;
	}
	if ((w.spans = calloc(JCLI_MAX_SPANS, sizeof *w.spans)) == NULL) {
		fprintf(stderr, "tranched journal salvage: out of memory\n");
		jrnl_reader_close(rd);
		free(hj);
		return 2;
	}
	if ((rc = jrnl_create(&c.out, outpath, hj)) != 0) {
		jcli_open_error("salvage", outpath, rc);
		if (rc == JRNL_EEXIST)
			fprintf(stderr, "tranched journal salvage: %s exists; "
			    "salvage writes only a new file\n", outpath);
		jrnl_reader_close(rd);
		free(w.spans);
		free(w.seen);
		free(hj);
		return 2;
	}
	if (server_journal_seq_outliers(path, &so, serr, sizeof serr) == 0)
		w.seqo = &so;
	rc = jcli_walk(rd, &w, jcli_copy_rec, &c);
	jrnl_reader_close(rd);
	if (rc == 0 && (note = jcli_salvage_note(path, &w)) == NULL)
		rc = JRNL_ENOMEM;
	if (rc == 0)
		rc = jrnl_append(c.out, JRNL_NOTE, c.t_last, note, strlen(note));
	if (rc == 0)
		rc = jrnl_sync(c.out);
	jrnl_close(c.out);
	cJSON_free(note);
	free(hj);
	if (rc != 0) {
		jcli_open_error("salvage", outpath, rc);
		unlink(outpath);
		fprintf(stderr, "tranched journal salvage: %s removed\n",
		    outpath);
		server_seq_outliers_free(&so);
		free(w.spans);
		free(w.seen);
		return 2;
	}
	if (mended[0] != '\0')
		printf("header mended: %s\n", mended);
	for (size_t i = 0; i < w.nspans; i++)
		printf("skipped %s at offset %" PRIu64 ": %" PRIu64 " bytes\n",
		    w.spans[i].s.error == JRNL_ETORN ? "torn tail" : "damage",
		    w.spans[i].s.offset, w.spans[i].s.bytes);
	for (size_t i = 0; i < w.nbad; i++)
		jcli_bad_line(stdout, &w.bad[i]);
	for (size_t i = 0; i < w.nbadt; i++)
		jcli_badtime_line(stdout, &w.badt[i]);
	printf("%s: %" PRIu64 " records written from %s; %" PRIu64 " bytes of "
	    "damage and %" PRIu64 " of torn tail skipped", outpath,
	    w.records - w.cmds_left_out - w.badt_left - w.ev_bad - w.ev_order,
	    path, w.damaged_bytes, w.torn_bytes);
	if (w.ev_bad > 0)
		printf("; %" PRIu64 " event records that are not events left out "
		    "(the first at offset %" PRIu64 ": %s)", w.ev_bad,
		    w.ev_bad_at, w.ev_bad_why);
	if (w.ev_order > 0)
		printf("; %" PRIu64 " event records out of order left out (the "
		    "first at offset %" PRIu64 ": seq %" PRIu64 " after %" PRIu64
		    ")", w.ev_order, w.seqo->first_off, w.seqo->first_seq,
		    w.seqo->first_after);
	if (w.nbadt + w.badt_more > 0)
		printf("; of the records with a time not of the day, %" PRIu64
		    " notes left out, the rest kept at the latest good time "
		    "before each", w.badt_left);
	if (w.nbad + w.bad_more > 0)
		printf("; %" PRIu64 " command records left out (written "
		    "twice, or not JSON), %" PRIu64 " missing, the rest "
		    "numbered again in the order they stand", w.cmds_left_out,
		    w.cmds_missing);
	printf("\n");
	server_seq_outliers_free(&so);
	free(w.spans);
	free(w.seen);
	return 0;
}

static int
journal_cli_main(int argc, char **argv)
{
	int json = 0;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		jcli_usage(stdout);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "check") == 0) {
		const char *path = NULL;

		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0)
				json = 1;
			else if (argv[i][0] == '-' || path != NULL) {
				fprintf(stderr, "tranched journal check: unexpected "
				    "\"%s\" (see tranched journal --help)\n",
				    argv[i]);
				return 2;
			} else
				path = argv[i];
		}
		if (path != NULL)
			return jcli_check(path, json);
	} else if (argc == 4 && strcmp(argv[1], "salvage") == 0 &&
	    argv[2][0] != '-' && argv[3][0] != '-') {
		return jcli_salvage(argv[2], argv[3]);
	} else if (argc >= 2 && strcmp(argv[1], "check") != 0 &&
	    strcmp(argv[1], "salvage") != 0) {
		fprintf(stderr, "tranched journal: unknown subcommand \"%s\" "
		    "(known: check, salvage)\n", argv[1]);
		return 2;
	}
	jcli_usage(stderr);
	return 2;
}

const struct cli_cmd cli_journal_cmd = {
	.name = "journal",
	.main = journal_cli_main,
	.usage = "journal check JOURNAL [--json] | salvage JOURNAL OUT",
	.help = "find every damaged span of a journal; copy its readable "
	    "records to a new one",
};
