/*
 * engine/server/server-journal.c -- no acknowledgment without durability.
 *
 * Every record the engine journals goes through server_jrnl_append(), and
 * every point where something is about to leave the process (the events
 * of a loop pass, a command's answer, the end of the session) goes through
 * server_jrnl_commit() first: write the journal's buffer, and fdatasync it
 * when a fill or a command is among what leaves.  Only when that succeeds
 * does anything leave.
 *
 * When an append, a write or a sync fails -- ENOSPC, EIO, anything -- the
 * journal's error is sticky (engine/journal/journal.h) and the engine goes
 * JOURNAL-HALTED at the end of the pass it was in, never in the middle of
 * one, so that what is in memory is always what a re-simulation of the
 * journal's commands reproduces:
 *
 *   - the pass's events, which may not be on disk, are dropped from the
 *     wire (consoles see a sequence gap and take a snapshot);
 *   - every unfinished block goes JOURNAL-HALTED (exec_journal_halt()) and
 *     the simulated clock stops: time the journal cannot record is time a
 *     restart could not reproduce, so none passes.  Working children stay
 *     in the book, untouched, because cancelling them would be orders the
 *     journal cannot hold either;
 *   - a CRIT alert goes to every console, saying it is not journaled;
 *   - state-changing commands are answered journal_unavailable with the
 *     errno and change nothing; reads (hello, status, snapshot, estimate)
 *     are answered as always;
 *   - the heartbeat and status say JOURNAL-HALTED, and a stop exits 3.
 *
 * The records appended since the journal last reached the kernel are kept
 * here (jpend) until a write succeeds.  journal_resume, a supervisor's
 * command, closes the journal and reopens it, which cuts the torn tail the
 * failed write left; counts which of the kept records made it; writes the
 * rest again with a note of the halt; and syncs.  Only then is the halt
 * lifted, and the command itself is journaled and synced before its answer
 * leaves, like any other.  If the journal still cannot be written the
 * answer is journal_unavailable and nothing changes.  Events published
 * while halted (the alert, heartbeats, block states, refusals) are not in
 * the journal: the note and the resume's answer name their sequence range.
 *
 * A command whose own record is what failed to reach the disk has already
 * been carried out; its answer says so, and the kept record makes it stand
 * in the journal if the journal is resumed.  Its record is journaled after
 * its audit event, so a write that a full disk cuts short never leaves it
 * whole; after a failed fdatasync nobody can say, and the answer says that.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/server/server-int.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"

static void
jpend_clear(struct server *s)
{
	for (size_t i = 0; i < s->njpend; i++)
		free(s->jpend[i].data);
	s->njpend = 0;
	s->jpend_lost = 0;
}

static void
jpend_push(struct server *s, int kind, int64_t t, const void *data,
           size_t len)
{
	struct jpend *e;
	char *copy;

	if (s->njpend == s->capjpend) {
		size_t n = s->capjpend ? s->capjpend * 2 : 64;
		struct jpend *v = realloc(s->jpend, n * sizeof *v);

		if (v == NULL) {
			/* A resume cannot put this record back: it refuses. */
			s->jpend_lost = 1;
			return;
		}
		s->jpend = v;
		s->capjpend = n;
	}
	if ((copy = malloc(len > 0 ? len : 1)) == NULL) {
		s->jpend_lost = 1;
		return;
	}
	memcpy(copy, data, len);
	e = &s->jpend[s->njpend++];
	e->kind = kind;
	e->t = t;
	e->data = copy;
	e->len = len;
}

/* Latch the first failure: what failed, with which errno. */
static void
jrnl_failed(struct server *s, const char *what)
{
	int e = jrnl_errno(s->j);

	if (s->jfailed)
		return;
	s->jfailed = 1;
	s->jerrno = e != 0 ? e : errno != 0 ? errno : EIO;
	snprintf(s->jwhat, sizeof s->jwhat, "%s", what);
}

int
server_jrnl_append(struct server *s, int kind, int64_t t, const void *data,
                   size_t len, const char *what)
{
	if (s->jhalted || s->j == NULL)
		return -1;
	jpend_push(s, kind, t, data, len);
	if (!s->jfailed && jrnl_append(s->j, kind, t, data, len) != 0)
		jrnl_failed(s, what);
	return s->jfailed ? -1 : 0;
}

int
server_jrnl_command(struct server *s, cJSON *o, int64_t t, const char *what)
{
	char *txt;
	int rv;

	/* Numbered only when it will be in the journal: a halted journal
	 * takes nothing, and anything else appended is kept until it is
	 * written (again, by journal_resume). */
	if (s->jhalted || s->j == NULL)
		return -1;
	cJSON_AddNumberToObject(o, "n", (double)(s->jcmds + 1));
	if ((txt = cJSON_PrintUnformatted(o)) == NULL)
		return -1;
	s->jcmds++;
	rv = server_jrnl_append(s, JRNL_COMMAND, t, txt, strlen(txt), what);
	cJSON_free(txt);
	return rv;
}

int
server_jrnl_commit(struct server *s, int sync, const char *what)
{
	if (s->jhalted)
		return -1;
	if (s->j == NULL)
		return 0;
	if (!s->jfailed && (sync ? jrnl_sync(s->j) : jrnl_flush(s->j)) == 0) {
		/* In the kernel's hands now: a failed write later cannot take
		 * these back, short of an I/O error (the resume checks). */
		jpend_clear(s);
		s->jbase = jrnl_records(s->j);
		return 0;
	}
	jrnl_failed(s, what);
	return -1;
}

void
server_jrnl_error_text(const struct server *s, char *buf, size_t n)
{
	snprintf(buf, n, "journal write failed: %s (errno %d) writing %s at "
	    "t=%lld", strerror(s->jerrno), s->jerrno, s->jwhat,
	    (long long)s->jhalt_t);
}

void
server_jrnl_halt(struct server *s)
{
	char text[640], why[300];

	if (s->jhalted)
		return;
	if (!s->jfailed)
		jrnl_failed(s, "the journal");
	s->jhalt_t = s->m->now;
	/* Nothing of this pass reaches the wire: it may not be on disk. */
	for (size_t i = 0; i < s->nout; i++)
		free(s->out[i].buf);
	s->nout = 0;
	s->need_sync = 0;
	s->jhalted = 1;
	s->jhalt_seq = s->seq + 1;
	exec_journal_halt(s->x, 1);
	server_jrnl_error_text(s, why, sizeof why);
	fprintf(stderr, "tranched: %s: JOURNAL-HALTED: no child orders, no "
	    "changes, clock stopped, until a supervisor sends journal_resume "
	    "(journal %s)\n", why, s->jpath);
	snprintf(text, sizeof text, "%s: trading halted (JOURNAL-HALTED), "
	    "nothing is acknowledged; this alert cannot be journaled; free "
	    "space, then a supervisor sends journal_resume", why);
	server_publish_alert(s, "crit", "journal", text);
	exec_emit_dirty(s->x);
	server_status_check(s);
}

cJSON *
server_jrnl_refusal(struct server *s, const char *id, const char *cmd)
{
	char why[300];

	/* No journal at all is an in-process harness (fuzz-command). */
	if (!s->jhalted && (s->j == NULL ||
	    server_jrnl_commit(s, 1, "the records before a command") == 0))
		return NULL;
	server_jrnl_halt(s);
	server_jrnl_error_text(s, why, sizeof why);
	return ipc_reply_error(id, ERR_JOURNAL, "%s: the engine is "
	    "JOURNAL-HALTED and changes nothing until a supervisor sends "
	    "journal_resume; command \"%.32s\" was not carried out", why, cmd);
}

cJSON *
server_jrnl_unsynced(struct server *s, const char *id, const cJSON *reply)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(reply, "error");
	const char *msg = NULL;
	char why[300];
	cJSON *r;

	server_jrnl_halt(s);
	server_jrnl_error_text(s, why, sizeof why);
	if (err != NULL && ipc_get_str(err, "message", &msg) == 0)
		return ipc_reply_error(id, ERR_JOURNAL, "%s: the engine is "
		    "JOURNAL-HALTED (the command was refused anyway: %.200s)",
		    why, msg);
	r = ipc_reply_error(id, ERR_JOURNAL, "%s recording this command: "
	    "it was carried out but is not durable; the engine is "
	    "JOURNAL-HALTED; the command stands if a supervisor resumes the "
	    "journal; if the engine stops instead, a restart has it only if "
	    "its record reached the disk", why);
	/* Said in a member too, so that a client tells it from a refusal
	 * without reading the words (a console showed "refused" for a
	 * throttle in force: found by an adversarial review). */
	cJSON_AddBoolToObject(cJSON_GetObjectItemCaseSensitive(r, "error"),
	    "carried_out", 1);
	return r;
}

cJSON *
server_jrnl_resume(struct server *s, const char *id,
                   const struct session *sess, const char *reason)
{
	struct jrnl_open_report rep;
	char note[700], why[300], text[600];
	uint64_t kept, seq_from = s->jhalt_seq, seq_to = s->seq;
	size_t restored = 0;
	struct jrnl *j;
	cJSON *r, *a;
	int rv, e;

	if (!s->jhalted)
		return ipc_reply_error(id, ERR_STATE, "the journal is not "
		    "halted: nothing to resume");
	server_jrnl_error_text(s, why, sizeof why);
	/* The failed writer cannot say what reached the disk: reopening
	 * cuts the torn tail and counts the good records. */
	jrnl_close(s->j);
	s->j = NULL;
	memset(&rep, 0, sizeof rep);
	errno = 0;
	if ((rv = jrnl_open_append(&j, s->jpath, NULL, &rep)) != 0) {
		e = errno;
		return ipc_reply_error(id, ERR_JOURNAL, "journal %s cannot be "
		    "reopened: %s (%s, errno %d); still JOURNAL-HALTED (%s)",
		    s->jpath, jrnl_strerror(rv), strerror(e), e, why);
	}
	s->j = j;
	if (s->jpend_lost || rep.records < s->jbase ||
	    rep.records > s->jbase + s->njpend)
		return ipc_reply_error(id, ERR_JOURNAL, "journal %s holds %llu "
		    "good records where %llu had been written and %zu more were "
		    "%s: what the kernel accepted is gone, so this process "
		    "cannot continue the session; stop it (it exits 3) and "
		    "restart it on the journal", s->jpath,
		    (unsigned long long)rep.records,
		    (unsigned long long)s->jbase, s->njpend, s->jpend_lost ?
		    "pending (some could not be kept in memory)" : "pending");
	kept = rep.records - s->jbase;
	snprintf(note, sizeof note, "{\"note\":\"journal_resumed\",\"errno\":"
	    "%d,\"error\":\"%s\",\"halted_at\":\"%lld\",\"written_again\":%llu,"
	    "\"unjournaled_seq\":[%llu,%llu]}", s->jerrno,
	    strerror(s->jerrno), (long long)s->jhalt_t,
	    (unsigned long long)(s->njpend - kept),
	    (unsigned long long)seq_from, (unsigned long long)seq_to);
	/* Kept with the others, so a failure now is counted like one. */
	jpend_push(s, JRNL_NOTE, s->m->now, note, strlen(note));
	rv = 0;
	for (size_t i = (size_t)kept; i < s->njpend && rv == 0; i++)
		rv = jrnl_append(j, s->jpend[i].kind, s->jpend[i].t,
		    s->jpend[i].data, s->jpend[i].len);
	if (rv == 0)
		rv = jrnl_sync(j);
	if (rv != 0) {
		e = jrnl_errno(j) != 0 ? jrnl_errno(j) : EIO;
		return ipc_reply_error(id, ERR_JOURNAL, "journal still cannot be "
		    "written: %s (errno %d); still JOURNAL-HALTED, nothing "
		    "changed (%s)", strerror(e), e, why);
	}
	restored = s->njpend - (size_t)kept - 1;
	jpend_clear(s);
	s->jbase = jrnl_records(j);
	s->jfailed = 0;
	s->jhalted = 0;
	s->jresumes++;
	exec_journal_halt(s->x, 0);
	/* The clock goes on from where it stopped, not from the wall. */
	if (s->loop_inited)
		s->wall_last = uv_now(&s->loop);
	s->owed_ns = 0;
	snprintf(text, sizeof text, "journal resumed by %s (%s): %.200s; "
	    "%zu records written again; events seq %llu..%llu were published "
	    "while halted and are not in the journal", sess->client, reason ?
	    reason : "", why, restored, (unsigned long long)seq_from,
	    (unsigned long long)seq_to);
	server_publish_alert(s, "warn", "journal", text);
	fprintf(stderr, "tranched: %s\n", text);
	r = ipc_reply_ok(id);
	cJSON_AddStringToObject(r, "state", server_state(s));
	cJSON_AddNumberToObject(r, "written_again", (double)restored);
	a = cJSON_AddArrayToObject(r, "unjournaled_seq");
	cJSON_AddItemToArray(a, cJSON_CreateNumber((double)seq_from));
	cJSON_AddItemToArray(a, cJSON_CreateNumber((double)seq_to));
	return r;
}

void
server_jrnl_describe(struct server *s, cJSON *o)
{
	char why[300];

	cJSON_AddStringToObject(o, "journal", s->jhalted ? "halted" : "ok");
	if (!s->jhalted)
		return;
	server_jrnl_error_text(s, why, sizeof why);
	cJSON_AddStringToObject(o, "journal_error", why);
	cJSON_AddNumberToObject(o, "journal_errno", s->jerrno);
}

int
server_jrnl_finish(struct server *s)
{
	char why[300];

	/* The last events of a clean stop are on disk before we say so. */
	if (!s->jhalted && s->j != NULL &&
	    server_jrnl_commit(s, 1, "the end of the session") != 0)
		s->jhalted = 1;
	if (!s->jhalted)
		return 0;
	if (s->jhalt_t == 0)
		s->jhalt_t = s->m->now;
	server_jrnl_error_text(s, why, sizeof why);
	fprintf(stderr, "tranched: exiting with status %d: %s, and the journal "
	    "was never resumed: nothing after its last good write was "
	    "acknowledged; free space and restart on %s to continue the "
	    "session\n", SERVER_EXIT_JOURNAL, why, s->jpath);
	return SERVER_EXIT_JOURNAL;
}

int
server_jrnl_env_check(char *err, size_t errlen)
{
	const char *v = getenv("TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER");
	char *end = NULL;

	if (v == NULL)
		return 0;
	errno = 0;
	if (*v >= '0' && *v <= '9')
		(void)strtoll(v, &end, 10);
	if (end == NULL || *end != '\0' || errno != 0) {
		snprintf(err, errlen, "TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER \"%.40s\":"
		    " must be a whole number of bytes (a test-only fault switch)",
		    v);
		return -1;
	}
	fprintf(stderr, "tranched: TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER=%s: "
	    "journal writes fail with ENOSPC after %s bytes (test only)\n", v, v);
	return 0;
}

void
server_jrnl_free(struct server *s)
{
	jpend_clear(s);
	free(s->jpend);
	s->jpend = NULL;
	s->capjpend = 0;
}
