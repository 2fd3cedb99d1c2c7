/*
 * engine/server/server-recover.c -- continuing a session from its journal.
 *
 * `tranched --journal FILE` with an existing FILE opens it for appending
 * (a torn tail, the unfinished last write, is cut and reported; damage
 * anywhere before it refuses the start and cuts nothing, naming the offset,
 * the span and the records after it), takes the scenario, seed
 * and start time from the header -- never from the scenario directory, so
 * an edited scenario file cannot change a session -- and rebuilds the
 * market and the execution layer from the seed.  Then it re-simulates:
 * every accepted command that changed something is applied again at the
 * simulated time it was journaled at, the clock being moved there first
 * exactly as the live loop moved it (exec_tick to the command's time, only
 * forwards), and finally the clock goes to the last journaled record's
 * time, what is due at that time included: a journal cut by a crash just
 * after a submit's first fill ends at the submit's own time, and the block
 * must start and trade there again.  A journaled speed command is applied
 * like the others, so the session keeps the pace a supervisor set
 * (--speed only sets the pace of a session that never had one).  The market is deterministic on its own
 * grid, so this reproduces
 * every event; each re-simulated fill is compared with the journaled fills
 * in order (block, child, px, qty) and the first difference refuses the
 * start.  Answers to command ids are restored so a resent id gets its
 * first answer.
 *
 * Events of the re-simulation that the journal already holds are neither
 * journaled nor published again (consoles ask for a snapshot).  Counting is
 * per topic: the journal is a prefix of the event stream, so the i-th
 * re-simulated event of a topic is old iff the journal has more than i of
 * that topic.  Events past the journal's end (written to the buffer but
 * lost in the crash, never published: fills are synced before they leave)
 * are new and go out as live ones, with the sequence continuing from the
 * last journaled seq.
 *
 * With several symbols, each market is deterministic on its own but the
 * interleaving of their events depends on how far each clock pass moved
 * (the live loop's small steps, re-simulation's long ones): so counting,
 * and the comparison of fills, is per topic and per symbol (the event's
 * "sym"; an event of no symbol, such as the kill switch's alert, counts
 * under none).  With one symbol everything counts under one key, as it
 * always did, so journals written before events carried "sym" recover.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/server/server-int.h"
#include "engine/model/model.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"

/* The execution layer's own topics: reproduced by re-simulation.  Those
 * past the journal's end are new and go out; any other topic the
 * re-simulation makes (book, block: the live loop's own, made again on
 * its next pass) is dropped.  "news" was missing until 2026-12-07: an item
 * re-made at the very end of the re-simulation (a crash before the first
 * pass, with an item at the open; or a cut between a record at the item's
 * time and the item) was dropped as if journaled, and never published. */
static const char *const rec_topics[] = {
	"alert", "child", "decision", "fill", "trade", "mid", "rfq", "news",
};
#define NTOPICS (sizeof rec_topics / sizeof rec_topics[0])

struct rec_fill {
	char block[24], child[32];
	int64_t px, qty;
	uint64_t offset;
};

/* Per topic and per key: key k < nmk is market k's symbol, nmk none. */
#define NKEYS (SCENARIO_MAX_MARKETS + 1)

struct recover {
	uint64_t journaled[NTOPICS][NKEYS], seen[NTOPICS][NKEYS];
	struct rec_fill *fills[NKEYS];
	size_t nfills[NKEYS], capfills[NKEYS];
	int diverged;
	char why[1024];
	/* The model the journal's first learned decision names (its
	 * policy.model_digest; "" none), and where that decision is. */
	char digest[24], model[64];
	uint64_t digest_offset;
	/* ...and its requests for quotes by the dealer model this digest
	 * names (learned:K), first at dealer_offset. */
	char dealer_digest[24];
	uint64_t dealer_offset;
};

/* The key an event counts under: its symbol's market, or "none". */
static int
rec_key(struct server *s, const cJSON *o)
{
	size_t n = exec_market_count(s->x);
	const char *sym = NULL;

	if (n <= 1)
		return 0;
	if (ipc_get_str(o, "sym", &sym) == 0)
		for (size_t i = 0; i < n; i++)
			if (strcmp(exec_market_at(s->x, i)->sym, sym) == 0)
				return (int)i;
	return (int)n;
}

static uint64_t
rec_sum(const uint64_t *v)
{
	uint64_t n = 0;

	for (int k = 0; k < NKEYS; k++)
		n += v[k];
	return n;
}

static int
rec_topic(const char *topic)
{
	for (size_t i = 0; i < NTOPICS; i++)
		if (strcmp(rec_topics[i], topic) == 0)
			return (int)i;
	return -1;
}

static void
rec_fill_of(const cJSON *o, struct rec_fill *f)
{
	const char *str = NULL;
	double v = 0;

	memset(f, 0, sizeof *f);
	if (ipc_get_str(o, "block", &str) == 0)
		snprintf(f->block, sizeof f->block, "%s", str);
	if (ipc_get_str(o, "child", &str) == 0)
		snprintf(f->child, sizeof f->child, "%s", str);
	if (ipc_get_num(o, "px", &v) == 0)
		f->px = (int64_t)v;
	if (ipc_get_num(o, "qty", &v) == 0)
		f->qty = (int64_t)v;
}

/* Whether the reader's error rv at rec is the torn tail the open found:
 * the end of the records, uncut until the session goes on. */
static int
rec_torn_end(const struct server *s, int rv, const struct jrnl_rec *rec)
{
	return s->jtorn_at > 0 && rec->offset == s->jtorn_at &&
	    (rv == JRNL_ETORN || rv == JRNL_ECORRUPT);
}

int
server_recover_event(struct server *s, const char *topic,
                     const cJSON *payload)
{
	struct recover *r = s->rec;
	int k = rec_topic(topic), key;
	uint64_t i;

	if (r == NULL || k < 0)
		return 1;
	key = rec_key(s, payload);
	i = r->seen[k][key]++;
	if (i >= r->journaled[k][key])
		return 0;       /* past the journal's end: a live event */
	if (strcmp(topic, "fill") == 0 && !r->diverged) {
		struct rec_fill got, *want = &r->fills[key][i];

		rec_fill_of(payload, &got);
		if (strcmp(got.block, want->block) != 0 ||
		    strcmp(got.child, want->child) != 0 ||
		    got.px != want->px || got.qty != want->qty) {
			r->diverged = 1;
			snprintf(r->why, sizeof r->why, "fill %llu at record "
			    "offset %llu: journaled block %s child %s px %lld qty "
			    "%lld, re-simulated block %s child %s px %lld qty %lld",
			    (unsigned long long)i + 1,
			    (unsigned long long)want->offset, want->block,
			    want->child, (long long)want->px, (long long)want->qty,
			    got.block, got.child, (long long)got.px,
			    (long long)got.qty);
		}
	}
	return 1;
}

/*
 * The market the journal's session ran on is the one this engine would run
 * it on.  Before 2026-12-07 the daemon ran a scenario of source "ac" on the
 * agent simulator, and its header named no market: re-simulated on the
 * Almgren-Chriss market such a session diverges at its first fill, and the
 * refusal said only that.  0, or -1 with err saying which market each is.
 */
static int
rec_market_check(const cJSON *h, const char *path, const struct scenario *sc,
                 char *err, size_t errlen)
{
	const char *want = sc->source[0] != '\0' ? sc->source : "sim";
	const cJSON *mk = cJSON_GetObjectItemCaseSensitive(h, "market");
	const char *had = NULL;

	if (mk != NULL && !cJSON_IsString(mk)) {
		char *v = cJSON_PrintUnformatted(mk);

		snprintf(err, errlen, "journal %s: header market %.40s: must be "
		    "a string naming the market its session ran on", path,
		    v != NULL ? v : "?");
		cJSON_free(v);
		return -1;
	}
	if (ipc_get_str(h, "market", &had) != 0) {
		if (strcmp(want, "ac") != 0)
			return 0; /* every other source ran as it runs now */
		snprintf(err, errlen, "journal %s: scenario %s is of source ac, "
		    "and its header names no market: it was written by an "
		    "engine before 2026-12-07, which ran such a scenario on the "
		    "agent simulator; this engine runs it on the Almgren-Chriss "
		    "market, so the session cannot be re-simulated and is not "
		    "continued (`tranched journal check` and `tranched tca` "
		    "still read it)", path, sc->name);
		return -1;
	}
	if (strcmp(had, want) != 0) {
		snprintf(err, errlen, "journal %s: header market \"%.32s\": the "
		    "session ran on that market, and this engine runs scenario "
		    "%s (source %s) on \"%s\": not continued", path, had,
		    sc->name, want, want);
		return -1;
	}
	return 0;
}

/* The session a journal's header records, as recovery takes it: the
 * header's scenario (never the file: an edited scenario cannot change a
 * session; its name places relative CSV paths as the session found them)
 * and its seed.  0, or -1 with err naming the field and its value. */
int
server_journal_session(const struct cJSON *h, const char *path,
                       struct scenario *scn, uint64_t *seed, char *err,
                       size_t errlen)
{
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(h, "scenario");
	const char *name = NULL;
	char where[512];
	int64_t sd = 0;

	if (!cJSON_IsObject(sc)) {
		snprintf(err, errlen, "journal %s: header has no scenario: not a "
		    "session journal", path);
		return -1;
	}
	if (ipc_get_i64(h, "seed", &sd) != 0 || sd < 0) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(h, "seed");
		char *v = f != NULL ? cJSON_PrintUnformatted(f) : NULL;

		snprintf(err, errlen, "journal %s: header seed %s: must be a "
		    "whole number >= 0", path, v != NULL ? v : "missing");
		cJSON_free(v);
		return -1;
	}
	if (ipc_get_str(h, "scenario_name", &name) != 0 || name[0] == '\0')
		name = "journal";
	snprintf(where, sizeof where, "%.480s (header)", path);
	if (scenario_load_json(scn, sc, name, where, err, errlen) != 0)
		return -1;
	snprintf(scn->name, sizeof scn->name, "%s", name);
	/* The market too, so that check and tca --leakage refuse what
	 * recovery refuses (found by a review: check called clean an
	 * ac-world journal of the engine before 2026-12-07). */
	if (rec_market_check(h, path, scn, err, errlen) != 0) {
		scenario_free(scn);
		return -1;
	}
	*seed = (uint64_t)sd;
	return 0;
}

int
server_recover_open(struct server *s, char *err, size_t errlen)
{
	struct jrnl_open_report rep;
	char *hj = NULL;
	const char *name = NULL;
	cJSON *h = NULL;
	int rv, status = -1;

	snprintf(s->jpath, sizeof s->jpath, "%s", s->opts->journal);
	memset(&rep, 0, sizeof rep);
	/* Lazily: a start refused below (another model, a divergence)
	 * leaves even a torn tail where it was (an independent review found
	 * it cut by a refused start). */
	if ((rv = jrnl_open_append_lazy(&s->j, s->jpath, &hj, &rep)) != 0) {
		/* Synced records may follow the damage: nothing is cut, the
		 * operator salvages them into a new journal. */
		if (rv == JRNL_EDAMAGED)
			snprintf(err, errlen, "journal %s: damaged at offset %llu "
			    "(%llu bytes, %llu good records before it, %llu "
			    "after it; %llu damaged span%s, %llu bytes in all): "
			    "not started, nothing cut; see `tranched journal "
			    "check %s` and `tranched journal salvage %s NEW`",
			    s->jpath, (unsigned long long)rep.damage.offset,
			    (unsigned long long)rep.damage.bytes,
			    (unsigned long long)rep.records_before,
			    (unsigned long long)rep.records_after,
			    (unsigned long long)rep.damaged_spans,
			    rep.damaged_spans == 1 ? "" : "s",
			    (unsigned long long)rep.damaged_bytes, s->jpath,
			    s->jpath);
		else
			jrnl_describe(err, errlen, rv, s->jpath);
		return -1;
	}
	s->jtorn_at = rep.cut_bytes > 0 ? rep.good_bytes : 0;
	if (rep.cut_bytes > 0)
		fprintf(stderr, "tranched: journal %s: torn tail of %llu bytes "
		    "at offset %llu (an unfinished last write; %llu good "
		    "records kept), cut when the session goes on\n", s->jpath,
		    (unsigned long long)rep.cut_bytes,
		    (unsigned long long)rep.good_bytes,
		    (unsigned long long)rep.records);
	if (hj == NULL || (h = cJSON_Parse(hj)) == NULL) {
		snprintf(err, errlen, "journal %s: header is not JSON", s->jpath);
		goto out;
	}
	if (server_journal_session(h, s->jpath, &s->sc, &s->seed, err,
	    errlen) != 0)
		goto out;
	/* The items of the session's --news file, as it read them: the
	 * file may have changed since. */
	s->hdr_news = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(h,
	    "news"), 1);
	/* The same session goes on: the id it was created with (an older
	 * journal has none and keeps the new one). */
	if (ipc_get_str(h, "session", &name) == 0 && name[0] != '\0')
		snprintf(s->session, sizeof s->session, "%.16s", name);
	status = 0;
out:
	cJSON_Delete(h);
	free(hj);
	return status;
}

/* Commands whose accepted answer changed the session: the table's
 * CMD_RECOVER rows (server-cmds.def says why each is). */
static int
rec_replays(const char *cmd)
{
	int flags = server_cmd_flags(cmd);

	return flags > 0 && (flags & CMD_RECOVER);
}

/* A learned decision's model (policy.model_digest) into r. */
static void
rec_digest_of(const cJSON *o, struct recover *r, uint64_t offset)
{
	const cJSON *pol = cJSON_GetObjectItemCaseSensitive(o, "policy");
	const char *d = NULL;

	if (r->dealer_digest[0] == '\0' &&
	    ipc_get_str(o, "dealer_model_digest", &d) == 0 && d[0] != '\0') {
		snprintf(r->dealer_digest, sizeof r->dealer_digest, "%.16s", d);
		r->dealer_offset = offset;
	}
	if (r->digest[0] == '\0' && cJSON_IsObject(pol) &&
	    ipc_get_str(pol, "model_digest", &d) == 0 && d[0] != '\0') {
		snprintf(r->digest, sizeof r->digest, "%.16s", d);
		r->digest_offset = offset;
		if (ipc_get_str(pol, "model", &d) == 0)
			snprintf(r->model, sizeof r->model, "%.48s", d);
	}
}

/*
 * The journal's learned decisions were made by model r->digest: the
 * re-simulation needs that model, or it re-decides with another and
 * diverges (refused then, at the first fill that differs, with no word of
 * why).  0 when the model this engine loads is it; else -1 with err
 * naming both and what to do.
 */
static int
rec_model_check(struct server *s, const struct recover *r, char *err,
                size_t errlen)
{
	char e[400], have[MODEL_DIGEST_HEX];
	uint64_t dd;

	/* The dealer model: the same check, for requests learned:K made. */
	if (r->dealer_digest[0] != '\0') {
		if (exec_dealer_model_digest(s->x, &dd, e, sizeof e) != 0) {
			snprintf(err, errlen, "journal %s: its requests for quotes "
			    "were chosen by dealer model %s (decision at record "
			    "offset %llu), and this engine has none: %s", s->jpath,
			    r->dealer_digest, (unsigned long long)r->dealer_offset,
			    e);
			return -1;
		}
		if (strcmp(model_digest_hex(dd, have), r->dealer_digest) != 0) {
			snprintf(err, errlen, "journal %s: its requests for quotes "
			    "were chosen by dealer model %s (decision at record "
			    "offset %llu), but this engine's, %s, is %s: "
			    "re-simulated with it the session would not be the one "
			    "journaled; not started (start it with "
			    "TRANCHE_DEALER_MODEL naming the session's dealer model "
			    "file: an engine names the digest of the dealer model "
			    "it loads on standard error)", s->jpath,
			    r->dealer_digest, (unsigned long long)r->dealer_offset,
			    dealer_model_default_path(), have);
			return -1;
		}
	}
	if (r->digest[0] == '\0')
		return 0;
	if (exec_need_model(s->x, e, sizeof e) != 0) {
		snprintf(err, errlen, "journal %s: its learned decisions were "
		    "made by model \"%s\" %s (decision at record offset %llu), "
		    "and this engine has none: %s", s->jpath, r->model, r->digest,
		    (unsigned long long)r->digest_offset, e);
		return -1;
	}
	if (strcmp(model_digest_hex(exec_model_digest(s->x), have),
	    r->digest) != 0) {
		snprintf(err, errlen, "journal %s: its learned decisions were "
		    "made by model \"%s\" %s (decision at record offset %llu), "
		    "but this engine's model, %s, is \"%s\" %s: re-simulated "
		    "with it the session would not be the one journaled; not "
		    "started (start it with TRANCHE_MODEL naming the session's "
		    "model file: an engine names the digest of the model it "
		    "loads on standard error)", s->jpath, r->model, r->digest,
		    (unsigned long long)r->digest_offset, model_default_path(),
		    exec_model(s->x)->name, have);
		return -1;
	}
	return 0;
}

/* Pass 1: what the journal holds (events per topic, fills, the last seq
 * and time, the decision and alert rings). */
static int
rec_scan(struct server *s, struct jrnl_reader *rd, struct recover *r,
         int64_t *t_last, uint64_t *records, char *err, size_t errlen)
{
	struct jrnl_rec rec;
	int rv;

	while ((rv = jrnl_next(rd, &rec)) == 1) {
		struct ipc_event ev;
		char perr[256];
		int k, key;

		(*records)++;
		/* Re-simulating to a time outside the day would run the
		 * market for as long as it says (10^18 ns: 31 years) before
		 * the engine answered anyone. */
		if (!TRANCHE_TIME_OK(rec.t)) {
			snprintf(err, errlen, "journal %s: record at offset %llu has "
			    "time %lld ns, not a time of the session's day (no "
			    "engine writes one): not started; see "
			    "`tranched journal check %s` and `tranched journal "
			    "salvage %s NEW`", s->jpath,
			    (unsigned long long)rec.offset, (long long)rec.t,
			    s->jpath, s->jpath);
			return -1;
		}
		/* The latest time, not the last record's: a second market's
		 * events are journaled at its own time, which may be behind
		 * the first market's events already written (found by a
		 * review: a cut after an XYZ trade re-simulated too little
		 * and refused, or journaled a QDI trade twice). */
		if (rec.t > *t_last)
			*t_last = rec.t;
		if (rec.kind != JRNL_EVENT)
			continue;
		if (ipc_event_parse(rec.data, rec.len, &ev, perr,
		    sizeof perr) != 0) {
			snprintf(err, errlen, "journal %s: event at offset %llu: %s",
			    s->jpath, (unsigned long long)rec.offset, perr);
			return -1;
		}
		if (ev.seq > s->seq)
			s->seq = ev.seq;
		key = rec_key(s, ev.json);
		if ((k = rec_topic(ev.topic)) >= 0)
			r->journaled[k][key]++;
		if (strcmp(ev.topic, TOPIC_DECISION) == 0 ||
		    strcmp(ev.topic, TOPIC_ALERT) == 0 ||
		    strcmp(ev.topic, TOPIC_AUDIT) == 0) {
			const char *json = (const char *)rec.data +
			    strlen(ev.topic) + 1;

			if (strcmp(ev.topic, TOPIC_DECISION) == 0 &&
			    (r->digest[0] == '\0' || r->dealer_digest[0] == '\0'))
				rec_digest_of(ev.json, r, rec.offset);
			if (strcmp(ev.topic, TOPIC_ALERT) == 0)
				server_alert_push(s, json);
			else
				server_ring_push(strcmp(ev.topic, TOPIC_AUDIT) !=
				    0 ? &s->decisions : cJSON_HasObjectItem(ev.json,
				    "peer") ? &s->refusals : &s->audits, json);
			if (strcmp(ev.topic, TOPIC_AUDIT) == 0)
				server_ack_from_audit(s, ev.json, ev.t);
		}
		if (strcmp(ev.topic, TOPIC_NEWS) == 0)
			server_ring_push(&s->news, (const char *)rec.data +
			    strlen(ev.topic) + 1);
		if (strcmp(ev.topic, TOPIC_FILL) == 0) {
			if (r->nfills[key] == r->capfills[key]) {
				size_t n = r->capfills[key] ? r->capfills[key] * 2 :
				    256;
				struct rec_fill *v = realloc(r->fills[key],
				    n * sizeof *v);

				if (v == NULL) {
					ipc_event_free(&ev);
					snprintf(err, errlen, "out of memory");
					return -1;
				}
				r->fills[key] = v;
				r->capfills[key] = n;
			}
			rec_fill_of(ev.json, &r->fills[key][r->nfills[key]]);
			r->fills[key][r->nfills[key]++].offset = rec.offset;
		}
		ipc_event_free(&ev);
	}
	if (rv < 0 && !rec_torn_end(s, rv, &rec)) {
		snprintf(err, errlen, "journal %s: record at offset %llu: %s",
		    s->jpath, (unsigned long long)rec.offset, jrnl_strerror(rv));
		return -1;
	}
	return 0;
}

/*
 * 0 when the command record o is in its place: its "n" is k, its number
 * among the journal's command records, or it has none and no record
 * before it had one (journals from before the numbering, and the start
 * of one an engine of this version continued); else -1 with err saying
 * which record, what it says and what was due.  `tranched journal check`
 * applies the same rule (engine/cli/journal-cli.c).
 */
static int
rec_numbered(const cJSON *o, uint64_t k, int *numbered, uint64_t offset,
             const char *path, char *err, size_t errlen)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "n");
	const char *why;

	if (n == NULL && !*numbered)
		return 0;
	if (n != NULL)
		*numbered = 1;
	if (cJSON_IsNumber(n) && n->valuedouble == (double)k)
		return 0;
	why = n == NULL ? "unnumbered after numbered records" :
	    !cJSON_IsNumber(n) ? "its n is not a number" :
	    n->valuedouble < (double)k ? "a record repeated or moved" :
	    "a record missing before it";
	snprintf(err, errlen, "journal %s: command record at offset %llu says "
	    "n=%.0f where n=%llu was due: %s; the engine will not start on it "
	    "(`tranched journal check %s` lists every such record, `tranched "
	    "journal salvage` copies them, each once, in order)", path,
	    (unsigned long long)offset, cJSON_IsNumber(n) ? n->valuedouble :
	    0.0, (unsigned long long)k, why, path);
	return -1;
}

/* Pass 2: the journaled commands again, at their times. */
static int
rec_commands(struct server *s, struct jrnl_reader *rd, uint64_t *napplied,
             uint64_t *nids, char *err, size_t errlen)
{
	struct jrnl_rec rec;
	int rv, numbered = 0;

	while ((rv = jrnl_next(rd, &rec)) == 1) {
		const cJSON *req, *rep;
		const char *cmd = NULL, *id = NULL, *client = NULL, *role = NULL;
		struct session sess;
		cJSON *o;

		if (rec.kind != JRNL_COMMAND)
			continue;
		if ((o = cJSON_ParseWithLength((const char *)rec.data,
		    rec.len)) == NULL) {
			snprintf(err, errlen, "journal %s: command at offset %llu: "
			    "not JSON", s->jpath, (unsigned long long)rec.offset);
			return -1;
		}
		/* Its number among the command records (journals before
		 * numbering have none): a record written twice, moved or
		 * taken out says so here, whole and with good checksums,
		 * where re-applying it would have made a second block. */
		s->jcmds++;
		if (rec_numbered(o, s->jcmds, &numbered, rec.offset, s->jpath,
		    err, errlen) != 0) {
			cJSON_Delete(o);
			return -1;
		}
		req = cJSON_GetObjectItemCaseSensitive(o, "req");
		rep = cJSON_GetObjectItemCaseSensitive(o, "rep");
		ipc_get_str(req, "cmd", &cmd);
		ipc_get_str(req, "id", &id);
		if (cmd != NULL && rec_replays(cmd) && cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(rep, "ok"))) {
			cJSON *again;

			/* The live clock only moves forwards, in whole passes:
			 * the command ran after every decision due by then. */
			if (rec.t > s->t) {
				exec_tick(s->x, rec.t);
				s->t = rec.t;
			}
			memset(&sess, 0, sizeof sess);
			sess.kind = PEER_LOCAL;
			sess.authed = 1;
			ipc_get_str(o, "client", &client);
			ipc_get_str(o, "role", &role);
			snprintf(sess.client, sizeof sess.client, "%s",
			    client ? client : "journal");
			sess.rank = role && server_role_rank(role) >= 0 ?
			    server_role_rank(role) : ROLE_SUPERVISOR;
			snprintf(sess.role, sizeof sess.role, "%s",
			    server_role_name(sess.rank));
			/* Who it was: a FIX order's report names the person. */
			ipc_get_str(o, "user", &client);
			snprintf(sess.user, sizeof sess.user, "%s",
			    client ? client : "");
			/* The gateway's own request (journals before the
			 * "gateway" member: its principal, "fix:NAME", which no
			 * control client can have). */
			client = NULL;
			ipc_get_str(o, "principal", &client);
			sess.gateway = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
			    o, "gateway")) || (client != NULL &&
			    strncmp(client, "fix:", 4) == 0);
			again = server_command_apply(s, req, &sess);
			if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(again,
			    "ok"))) {
				char *a = cJSON_PrintUnformatted(again);

				snprintf(err, errlen, "journal %s: command at offset "
				    "%llu (%s, id %s) was accepted but is refused "
				    "when re-applied: %s", s->jpath,
				    (unsigned long long)rec.offset, cmd,
				    id ? id : "-", a ? a : "?");
				cJSON_free(a);
				cJSON_Delete(again);
				cJSON_Delete(o);
				return -1;
			}
			cJSON_Delete(again);
			(*napplied)++;
		}
		/* Only what was carried out is an id's answer (journals
		 * written before that rule gave refusals a principal too). */
		if (id != NULL && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		    rep, "ok")) && cJSON_HasObjectItem(o, "principal")) {
			server_idem_restore(s, o);
			(*nids)++;
		}
		cJSON_Delete(o);
		if (s->rec->diverged)
			return 0;
	}
	if (rv < 0 && !rec_torn_end(s, rv, &rec)) {
		snprintf(err, errlen, "journal %s: record at offset %llu: %s",
		    s->jpath, (unsigned long long)rec.offset, jrnl_strerror(rv));
		return -1;
	}
	return 0;
}

int
server_recover_run(struct server *s, char *err, size_t errlen)
{
	struct recover r;
	struct jrnl_reader *rd = NULL;
	int64_t t_last = s->t;
	uint64_t records = 0, napplied = 0, nids = 0, fresh = 0, nfills = 0;
	int rv, status = -1;
	char note[512];

	memset(&r, 0, sizeof r);
	/* Everything already appended is on disk before we read it. */
	jrnl_sync(s->j);
	if ((rv = jrnl_reader_open(&rd, s->jpath, NULL)) != 0) {
		jrnl_describe(err, errlen, rv, s->jpath);
		return -1;
	}
	/* The engine publishes each seq once, in order: an event out of
	 * that order is another session's record or one written twice, and
	 * counted with the rest it would stand for an event the
	 * re-simulation never publishes (found by an adversarial review: a
	 * foreign record spliced in was continued, and tca's figures
	 * moved).  Which records are out of order is decided over the whole
	 * journal (server-seqorder.c). */
	{
		struct seq_outliers so;

		if (server_journal_seq_outliers(s->jpath, &so, err, errlen) != 0)
			goto out;
		if (so.n > 0) {
			snprintf(err, errlen, "journal %s: event at offset %llu "
			    "has seq %llu after %llu (%zu event record%s out of "
			    "the order the engine published them in): another "
			    "session's record or one written twice: not "
			    "started; see `tranched journal check %s` and "
			    "`tranched journal salvage %s NEW`", s->jpath,
			    (unsigned long long)so.first_off,
			    (unsigned long long)so.first_seq,
			    (unsigned long long)so.first_after, so.n,
			    so.n == 1 ? "" : "s", s->jpath, s->jpath);
			server_seq_outliers_free(&so);
			goto out;
		}
		server_seq_outliers_free(&so);
	}
	if (rec_scan(s, rd, &r, &t_last, &records, err, errlen) != 0 ||
	    rec_model_check(s, &r, err, errlen) != 0)
		goto out;
	if ((rv = jrnl_rewind(rd)) != 0) {
		snprintf(err, errlen, "journal %s: %s", s->jpath,
		    jrnl_strerror(rv));
		goto out;
	}
	s->rec = &r;
	s->recovering = 1;
	if (rec_commands(s, rd, &napplied, &nids, err, errlen) != 0)
		goto out;
	/* Up to and including t_last: the pass after a command works off
	 * what is due at the command's own time first (a block submitted
	 * then starts and trades then), so a journal that ends in those
	 * records ends at the command's time, and they are re-made only by a
	 * tick to it (exec_tick() does nothing twice: what it did at a time
	 * has moved its next due time past it). */
	if (!r.diverged && t_last >= s->t) {
		exec_tick(s->x, t_last);
		s->t = t_last;
	}
	for (int key = 0; key < NKEYS && !r.diverged; key++) {
		uint64_t seen = r.seen[3][key];
		struct rec_fill *f;

		if (seen >= r.nfills[key])
			continue;
		f = &r.fills[key][seen];
		r.diverged = 1;
		snprintf(r.why, sizeof r.why, "fill %llu at record offset %llu "
		    "(block %s child %s px %lld qty %lld) is journaled but the "
		    "re-simulation up to t=%lld made only %llu fills",
		    (unsigned long long)seen + 1,
		    (unsigned long long)f->offset, f->block, f->child,
		    (long long)f->px, (long long)f->qty, (long long)t_last,
		    (unsigned long long)seen);
	}
	if (r.diverged && getenv("TRANCHE_RECOVER_DEBUG") != NULL)
		for (size_t k = 0; k < NTOPICS; k++)
			fprintf(stderr, "tranched: recovery: %s: %llu journaled, "
			    "%llu re-simulated\n", rec_topics[k],
			    (unsigned long long)rec_sum(r.journaled[k]),
			    (unsigned long long)rec_sum(r.seen[k]));
	if (r.diverged) {
		snprintf(err, errlen, "journal %s: the re-simulated session "
		    "diverges from the journal, refusing to continue it: %s",
		    s->jpath, r.why);
		goto out;
	}
	for (int key = 0; key < NKEYS; key++)
		nfills += r.nfills[key];
	for (size_t k = 0; k < NTOPICS; k++)
		for (int key = 0; key < NKEYS; key++)
			if (r.seen[k][key] > r.journaled[k][key])
				fresh += r.seen[k][key] - r.journaled[k][key];
	snprintf(note, sizeof note, "{\"note\":\"recovered\",\"records\":%llu,"
	    "\"commands\":%llu,\"fills\":%llu,\"seq\":%llu,\"t\":\"%lld\","
	    "\"new_events\":%llu}", (unsigned long long)records,
	    (unsigned long long)napplied, (unsigned long long)nfills,
	    (unsigned long long)s->seq, (long long)s->t,
	    (unsigned long long)fresh);
	/* The new events waiting in the outbox go to the journal first. */
	for (size_t i = 0; i < s->nout; i++) {
		struct ipc_event ev;
		char perr[64];
		int64_t t = s->m->now;

		if (ipc_event_parse(s->out[i].buf, s->out[i].len, &ev, perr,
		    sizeof perr) == 0) {
			t = ev.t;
			ipc_event_free(&ev);
		}
		jrnl_append(s->j, JRNL_EVENT, t, s->out[i].buf, s->out[i].len);
	}
	jrnl_append(s->j, JRNL_NOTE, s->m->now, note, strlen(note));
	/* Nothing is served from a journal that cannot take the session's
	 * next records. */
	if (jrnl_sync(s->j) != 0) {
		snprintf(err, errlen, "journal %s: cannot write the recovery's "
		    "records: %s (errno %d)", s->jpath, strerror(jrnl_errno(s->j)),
		    jrnl_errno(s->j));
		goto out;
	}
	fprintf(stderr, "tranched: journal %s: continuing the session: %llu "
	    "records, %llu commands re-applied, %llu fills checked, at "
	    "t=%lld seq %llu (%llu events past the journal's end)\n",
	    s->jpath, (unsigned long long)records,
	    (unsigned long long)napplied, (unsigned long long)nfills,
	    (long long)s->t, (unsigned long long)s->seq,
	    (unsigned long long)fresh);
	status = 0;
out:
	s->recovering = 0;
	s->rec = NULL;
	for (int key = 0; key < NKEYS; key++)
		free(r.fills[key]);
	jrnl_reader_close(rd);
	return status;
}
