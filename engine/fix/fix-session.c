/*
 * fix-session.c -- the FIX session state machine, the sessions file, and
 * fix_send().
 *
 * A session is one configured counterparty (a line of the sessions file)
 * with its dictionary, its store and, while someone is logged on, the
 * connection it is bound to.  Everything here is driven from outside: a
 * framed message and the time come in (fix_engine_logon() for a
 * connection's first message, fix_session_input() after it), the timers
 * run when fix_session_tick() is called, and what the session sends is
 * appended to its output buffer for the acceptor to write.  That keeps the
 * rules testable without sockets or a clock.
 *
 * The rules are the FIX session specification's, in the reading QuickFIX
 * gives them (the acceptance suite is QuickFIX's): validation first, then
 * SendingTime and CompIDs, then the sequence number (too high: ask for a
 * resend and hold the message back until the gap is filled; too low: a
 * PossDup resend is checked and dropped, anything else ends the session),
 * then the message itself.  Every number that moves is written to the
 * store, and every message sent is in the store before its bytes are in
 * the output buffer, so a ResendRequest is always answered from the store,
 * after a restart too.
 */
#include "engine/fix/fix-int.h"
#include "engine/json/json-file.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
/* How long after our Logout the counterparty has to answer before we
 * close (QuickFIX's LogoutTimeout). */
#define LOGOUT_WAIT_NS (2 * NS)
/* The most out-of-order messages held while waiting for a gap to fill. */
#define QUEUE_MAX 10000
/* The output buffer's bound: a peer that stops reading is cut off by the
 * acceptor long before this; here it only guards memory. */
#define OUT_MAX (16u << 20)
/* A resend is answered this much at a time (resend_pump). */
#define RESEND_CHUNK (256u << 10)

enum sstate { S_IDLE, S_ACTIVE };

struct qmsg {
	long long seq;
	char *raw;
	size_t len;
};

struct fix_session {
	struct fix_engine *eng;
	struct fix_sess_cfg cfg;
	struct fix_dict *dict;
	int dict_shared; /* another session's, not ours to free */
	struct fix_store *store;
	void *conn;
	enum sstate state;
	int hb;
	int64_t last_recv, last_sent, logout_at;
	int64_t refused_told; /* when a refused Logon was last logged */
	int logout_sent;
	int test_req;
	int resend_requested;
	long long resend_end;
	struct qmsg *q;
	int nq, capq;
	char *out;
	size_t outlen, outcap;
	void (*kick)(void *conn);
	int disconnect;
	char why[160];
	/* Working space made once: a message's fields are too large to
	 * allocate per message (a burst of thousands would churn the heap). */
	struct fix_parsed *pin, *pq, *pres;
	char *scratch;
	/* The outgoing numbers in the output buffer (new messages to a
	 * logged-on counterparty, and resent ones): the acceptor takes them
	 * with the bytes (fix_session_take_batch) and marks them sent in the
	 * store once the write is done, which keeps the mark across a
	 * restart (W records).  What the store does not hold as sent never
	 * reached the counterparty, or is not known to have. */
	long long *pend;
	int npend, cappend;
	/* 1 while kept-aside messages are stored without being queued
	 * (again_out). */
	int hold_out;
	/* A ResendRequest answered a chunk at a time (resend_pump): its
	 * range, the next store record to look at, the number a GapFill is
	 * running from (0: none), the next number expected and the last one
	 * resent.  held_from: the first message numbered while it runs,
	 * stored and held back with all after it until it is done (0: none),
	 * so that nothing new goes out between resent ones. */
	struct {
		int active, idx;
		long long begin, end, gap, current, last;
	} rs;
	long long held_from;
	/* Application messages a reset of the numbers took from the store
	 * before they ever reached the counterparty, sent again after the
	 * reset's Logon, numbered anew. */
	char **again;
	size_t *again_len;
	int nagain;
	/* The counterparty's message rate: a bucket of FIX_RATE_WINDOW_S
	 * seconds' worth of cfg.max_msg_rate, refilled as time passes, one
	 * taken a message. */
	double rate_left;
	int64_t rate_t;
	/* 1 once logged out for its rate: what it sends is read and dropped
	 * until its Logout or LOGOUT_WAIT_NS.  Closing with its messages
	 * unread would reset the connection (RST), and the counterparty
	 * would lose our Logout and the answers before it. */
	int flooded;
};

#define SCRATCH_MAX (FIX_OUT_MAX + 2048)

struct fix_engine {
	struct fix_session *s;
	int n;
	struct fix_app app;
	int64_t (*clock)(void);
};

static int64_t clock_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* ---- the sessions file ---- */

static int user_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 32)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-@", *s)))
			return 0;
	return 1;
}

static int name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 32)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

static int compid_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n >= 64)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e || *s == '=')
			return 0;
	return 1;
}

static int cfg_str(const char *path, int i, const cJSON *o, const char *key, int required,
                   char *dst, size_t cap, char *err, size_t errcap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v) {
		if (required) {
			snprintf(err, errcap, "%s: sessions[%d].%s: missing", path, i, key);
			return -1;
		}
		return 0;
	}
	if (!cJSON_IsString(v) || !v->valuestring) {
		snprintf(err, errcap, "%s: sessions[%d].%s: must be a string", path, i, key);
		return -1;
	}
	if (strlen(v->valuestring) >= cap) {
		snprintf(err, errcap, "%s: sessions[%d].%s \"%.40s...\": longer than %zu characters",
		         path, i, key, v->valuestring, cap - 1);
		return -1;
	}
	snprintf(dst, cap, "%s", v->valuestring);
	return 1;
}

int fix_sessions_load(const char *path, struct fix_sess_cfg **out, int *nout, char *err,
                      size_t errcap)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = malloc(1 << 20);
	size_t len = buf ? fread(buf, 1, 1 << 20, f) : 0;
	int toobig = buf && len == (1 << 20);
	fclose(f);
	if (!buf || toobig) {
		snprintf(err, errcap, "%s: %s", path, buf ? "larger than 1 MiB" : "out of memory");
		free(buf);
		return -1;
	}
	char jerr[200];
	cJSON *root = json_parse_strict(buf, len, NULL, jerr, sizeof jerr);
	free(buf);
	if (!root) {
		snprintf(err, errcap, "%s: %s", path, jerr);
		return -1;
	}
	struct fix_sess_cfg *cfg = NULL;
	int n = 0;
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "sessions");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1) {
		snprintf(err, errcap, "%s: sessions: must be a list of at least one session", path);
		goto fail;
	}
	int total = cJSON_GetArraySize(arr);
	if (total > 256) {
		snprintf(err, errcap, "%s: sessions: %d sessions, at most 256", path, total);
		goto fail;
	}
	cfg = calloc((size_t)total, sizeof *cfg);
	if (!cfg) {
		snprintf(err, errcap, "%s: out of memory", path);
		goto fail;
	}
	const cJSON *o;
	cJSON_ArrayForEach(o, arr)
	{
		int i = n;
		struct fix_sess_cfg *c = &cfg[n++];
		if (!cJSON_IsObject(o)) {
			snprintf(err, errcap, "%s: sessions[%d]: must be an object", path, i);
			goto fail;
		}
		static const char *known[] = {"name", "version", "sender", "target", "heartbeat",
		                              "role", "user", "dictionary", "reset_on_disconnect",
		                              "max_msg_rate"};
		const cJSON *k;
		cJSON_ArrayForEach(k, o)
		{
			int ok = 0;
			for (size_t j = 0; j < sizeof known / sizeof known[0]; j++)
				ok |= !strcmp(k->string, known[j]);
			if (!ok) {
				snprintf(err, errcap,
				         "%s: sessions[%d].%.40s: unknown field (known: name, version, sender, "
				         "target, heartbeat, role, user, dictionary, reset_on_disconnect, "
				         "max_msg_rate)",
				         path, i, k->string);
				goto fail;
			}
		}
		if (cfg_str(path, i, o, "name", 1, c->name, sizeof c->name, err, errcap) < 0 ||
		    cfg_str(path, i, o, "version", 1, c->version, sizeof c->version, err, errcap) < 0 ||
		    cfg_str(path, i, o, "sender", 1, c->sender, sizeof c->sender, err, errcap) < 0 ||
		    cfg_str(path, i, o, "target", 1, c->target, sizeof c->target, err, errcap) < 0)
			goto fail;
		if (!name_ok(c->name)) {
			snprintf(err, errcap, "%s: sessions[%d].name \"%s\": 1 to 32 of a-z A-Z 0-9 - _",
			         path, i, c->name);
			goto fail;
		}
		if (strcmp(c->version, "FIX.4.2") && strcmp(c->version, "FIX.4.4")) {
			snprintf(err, errcap, "%s: sessions[%d].version \"%s\": must be FIX.4.2 or FIX.4.4",
			         path, i, c->version);
			goto fail;
		}
		if (!compid_ok(c->sender) || !compid_ok(c->target)) {
			snprintf(err, errcap, "%s: sessions[%d].%s \"%s\": a CompID is 1 to 63 printable "
			         "characters without spaces or '='", path, i,
			         compid_ok(c->sender) ? "target" : "sender",
			         compid_ok(c->sender) ? c->target : c->sender);
			goto fail;
		}
		c->heartbeat = 30;
		const cJSON *hb = cJSON_GetObjectItemCaseSensitive(o, "heartbeat");
		if (hb) {
			if (!cJSON_IsNumber(hb) || hb->valuedouble != (double)(int)hb->valuedouble ||
			    hb->valuedouble < 1 || hb->valuedouble > 3600) {
				char *s = cJSON_PrintUnformatted(hb);
				snprintf(err, errcap, "%s: sessions[%d].heartbeat %s: must be 1 to 3600 seconds",
				         path, i, s ? s : "?");
				free(s);
				goto fail;
			}
			c->heartbeat = (int)hb->valuedouble;
		}
		c->max_msg_rate = FIX_RATE_DEFAULT;
		const cJSON *mr = cJSON_GetObjectItemCaseSensitive(o, "max_msg_rate");
		if (mr) {
			if (!cJSON_IsNumber(mr) || mr->valuedouble != (double)(int)mr->valuedouble ||
			    mr->valuedouble < 1 || mr->valuedouble > FIX_RATE_MAX) {
				char *s = cJSON_PrintUnformatted(mr);
				snprintf(err, errcap, "%s: sessions[%d].max_msg_rate %s: must be a whole "
				         "number of messages a second, 1 to %d", path, i, s ? s : "?",
				         FIX_RATE_MAX);
				free(s);
				goto fail;
			}
			c->max_msg_rate = (int)mr->valuedouble;
		}
		snprintf(c->role, sizeof c->role, "trader");
		if (cfg_str(path, i, o, "role", 0, c->role, sizeof c->role, err, errcap) < 0)
			goto fail;
		if (strcmp(c->role, "trader") && strcmp(c->role, "supervisor") &&
		    strcmp(c->role, "viewer")) {
			snprintf(err, errcap,
			         "%s: sessions[%d].role \"%s\": must be trader, supervisor or viewer", path,
			         i, c->role);
			goto fail;
		}
		snprintf(c->user, sizeof c->user, "%s", c->name);
		if (cfg_str(path, i, o, "user", 0, c->user, sizeof c->user, err, errcap) < 0 ||
		    cfg_str(path, i, o, "dictionary", 0, c->dictionary, sizeof c->dictionary, err,
		            errcap) < 0)
			goto fail;
		/* The user goes into every audit record of the session's
		 * actions and onto supervisors' screens: the tokens file's rule
		 * for a person's name (1 to 32 letters, digits or . _ - @). */
		if (!user_ok(c->user)) {
			char shown[200];
			size_t at = 0;

			for (const char *u = c->user; *u && at + 5 < sizeof shown; u++)
				at += (size_t)snprintf(shown + at, sizeof shown - at,
				                      *u > ' ' && *u < 127 ? "%c" : "\\x%02x",
				                      (unsigned char)*u);
			shown[at] = '\0';
			snprintf(err, errcap, "%s: sessions[%d].user \"%s\": 1 to 32 letters, digits "
			         "or . _ - @", path, i, shown);
			goto fail;
		}
		/* The dictionary is read later, by the engine: a file that is
		 * not there is said here, where the index and field are known. */
		if (c->dictionary[0] != '\0' && access(c->dictionary, R_OK) != 0) {
			snprintf(err, errcap, "%s: sessions[%d].dictionary \"%s\": %s", path, i,
			         c->dictionary, strerror(errno));
			goto fail;
		}
		c->reset_on_disconnect = -1;
		const cJSON *rd = cJSON_GetObjectItemCaseSensitive(o, "reset_on_disconnect");
		if (rd) {
			if (!cJSON_IsBool(rd)) {
				snprintf(err, errcap, "%s: sessions[%d].reset_on_disconnect: must be true or false",
				         path, i);
				goto fail;
			}
			c->reset_on_disconnect = cJSON_IsTrue(rd);
		}
		for (int j = 0; j < i; j++) {
			if (!strcmp(cfg[j].name, c->name)) {
				snprintf(err, errcap, "%s: sessions[%d].name \"%s\": also sessions[%d]'s", path,
				         i, c->name, j);
				goto fail;
			}
			if (!strcmp(cfg[j].version, c->version) && !strcmp(cfg[j].sender, c->sender) &&
			    !strcmp(cfg[j].target, c->target)) {
				snprintf(err, errcap,
				         "%s: sessions[%d].target \"%s\": %s %s->%s (target to sender) is "
				         "also sessions[%d]'s",
				         path, i, c->target, c->version, c->target, c->sender, j);
				goto fail;
			}
		}
	}
	cJSON_Delete(root);
	*out = cfg;
	*nout = n;
	return 0;
fail:
	cJSON_Delete(root);
	free(cfg);
	return -1;
}

/* The rate's bucket when full: FIX_RATE_WINDOW_S seconds' worth. */
static double rate_cap(const struct fix_session *s)
{
	return (double)s->cfg.max_msg_rate * FIX_RATE_WINDOW_S;
}

/* 1 when the counterparty has sent more than its max_msg_rate allows:
 * every message it sends may be answered, and every answer is stored, so
 * a peer in a loop would fill the disk the journal is on. */
static int over_rate(struct fix_session *s, int64_t now)
{
	double cap = rate_cap(s);

	/* The clock is the wall's: a step back refills nothing and moves
	 * the mark back with it (kept, the mark would refill nothing until
	 * the wall passed it again, and lock a steady peer out). */
	if (now > s->rate_t) {
		s->rate_left += (double)(now - s->rate_t) / NS * s->cfg.max_msg_rate;
		if (s->rate_left > cap)
			s->rate_left = cap;
	}
	s->rate_t = now;
	if (s->rate_left < 1)
		return 1;
	s->rate_left -= 1;
	return 0;
}

/* ---- the engine: the set of sessions ---- */

int fix_engine_open(struct fix_engine **out, const struct fix_sess_cfg *cfg, int n,
                    const char *store_dir, const struct fix_app *app, char *err, size_t errcap)
{
	struct fix_engine *e = calloc(1, sizeof *e);
	if (!e || !(e->s = calloc((size_t)n, sizeof *e->s))) {
		free(e);
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	e->app = *app;
	e->clock = clock_real;
	for (int i = 0; i < n; i++) {
		struct fix_session *s = &e->s[i];
		s->eng = e;
		s->cfg = cfg[i];
		s->hb = cfg[i].heartbeat;
		/* A configuration made without the sessions file (tests,
		 * fix-echo's own) gets the file's default. */
		if (s->cfg.max_msg_rate <= 0)
			s->cfg.max_msg_rate = FIX_RATE_DEFAULT;
		s->rate_left = rate_cap(s);
		s->pin = malloc(sizeof *s->pin);
		s->pq = malloc(sizeof *s->pq);
		s->pres = malloc(sizeof *s->pres);
		s->scratch = malloc(SCRATCH_MAX);
		if (!s->pin || !s->pq || !s->pres || !s->scratch) {
			snprintf(err, errcap, "session %s: out of memory", cfg[i].name);
			e->n = i + 1;
			fix_engine_close(e);
			return -1;
		}
		/* Sessions that name the same dictionary share one copy: a
		 * QuickFIX dictionary takes a good part of a second to read. */
		for (int j = 0; j < i && !s->dict; j++)
			if (!strcmp(e->s[j].cfg.dictionary, cfg[i].dictionary) &&
			    !strcmp(e->s[j].cfg.version, cfg[i].version) && !e->s[j].dict_shared) {
				s->dict = e->s[j].dict;
				s->dict_shared = 1;
			}
		int rc = s->dict ? 0
		         : cfg[i].dictionary[0]
		                 ? fix_dict_load(&s->dict, cfg[i].dictionary, err, errcap)
		                 : fix_dict_builtin(&s->dict, cfg[i].version, err, errcap);
		if (rc == 0 && strcmp(fix_dict_version(s->dict), cfg[i].version)) {
			snprintf(err, errcap, "session %s: dictionary %s is %s, the session is %s",
			         cfg[i].name, cfg[i].dictionary, fix_dict_version(s->dict),
			         cfg[i].version);
			rc = -1;
		}
		if (rc == 0)
			rc = fix_store_open(&s->store, store_dir, cfg[i].name, err, errcap);
		e->n = i + 1;
		if (rc < 0) {
			fix_engine_close(e);
			return -1;
		}
	}
	*out = e;
	return 0;
}

/* The messages a reset kept aside to send again, let go. */
static void again_free(struct fix_session *s)
{
	for (int i = 0; i < s->nagain; i++)
		free(s->again[i]);
	free(s->again);
	free(s->again_len);
	s->again = NULL;
	s->again_len = NULL;
	s->nagain = 0;
}

void fix_engine_close(struct fix_engine *e)
{
	if (!e)
		return;
	for (int i = 0; i < e->n; i++) {
		struct fix_session *s = &e->s[i];
		if (!s->dict_shared)
			fix_dict_free(s->dict);
		/* The marks of the last writes, durable with the close's sync. */
		if (s->store)
			fix_store_mark_written(s->store);
		fix_store_close(s->store);
		for (int k = 0; k < s->nq; k++)
			free(s->q[k].raw);
		free(s->q);
		free(s->out);
		free(s->pin);
		free(s->pq);
		free(s->pres);
		free(s->scratch);
		free(s->pend);
		again_free(s);
	}
	free(e->s);
	free(e);
}

int fix_engine_count(const struct fix_engine *e)
{
	return e->n;
}

struct fix_session *fix_engine_session(struct fix_engine *e, int i)
{
	return i >= 0 && i < e->n ? &e->s[i] : NULL;
}

void fix_engine_set_clock(struct fix_engine *e, int64_t (*now)(void))
{
	e->clock = now;
}

/* ---- accessors ---- */

const char *fix_session_name(const struct fix_session *s)
{
	return s->cfg.name;
}

const char *fix_session_role(const struct fix_session *s)
{
	return s->cfg.role;
}

const char *fix_session_user(const struct fix_session *s)
{
	return s->cfg.user;
}

int fix_session_logged_on(const struct fix_session *s)
{
	return s->conn && s->state == S_ACTIVE;
}

void *fix_session_conn(const struct fix_session *s)
{
	return s->conn;
}

size_t fix_session_out_len(const struct fix_session *s)
{
	return s->outlen;
}

const char *fix_session_out_buf(const struct fix_session *s)
{
	return s->out;
}

void fix_session_out_clear(struct fix_session *s)
{
	/* Bytes cleared before a commit never went: nothing is marked. */
	s->outlen = 0;
	s->npend = 0;
}

void fix_session_set_kick(struct fix_session *s, void (*kick)(void *conn))
{
	s->kick = kick;
}

long long fix_session_next_in(const struct fix_session *s)
{
	return fix_store_next_in(s->store);
}

long long fix_session_next_out(const struct fix_session *s)
{
	return fix_store_next_out(s->store);
}

const struct fix_sess_cfg *fix_session_cfg(const struct fix_session *s)
{
	return &s->cfg;
}

const char *fix_session_state(const struct fix_session *s)
{
	if (!s->conn)
		return "disconnected";
	if (s->logout_sent)
		return "logging-out";
	return "active";
}

/* ---- field helpers ---- */

static const struct fix_field *fld(const struct fix_msg *m, int tag)
{
	for (int i = 0; i < m->n; i++)
		if (m->f[i].tag == tag)
			return &m->f[i];
	return NULL;
}

static int fld_is(const struct fix_msg *m, int tag, const char *v)
{
	const struct fix_field *f = fld(m, tag);
	return f && (size_t)f->len == strlen(v) && !memcmp(f->val, v, (size_t)f->len);
}

static long long fld_seq(const struct fix_msg *m, int tag)
{
	long long v;
	return fix_get_int(m, tag, &v) == 0 ? v : -1;
}

static void msgtype_of(const struct fix_msg *m, char *mt, size_t cap)
{
	if (fix_get_str(m, 35, mt, cap) < 0)
		mt[0] = '\0';
}

/* ---- sending ---- */

/* Outgoing seq is in the output buffer (marked sent once written: the
 * batch goes with the bytes).  Without room it is left unmarked: at worst
 * sent again after a reset, marked PossResend, never lost. */
static void pend_add(struct fix_session *s, long long seq)
{
	if (s->npend == s->cappend) {
		int cap = s->cappend ? s->cappend * 2 : 64;
		long long *p = realloc(s->pend, (size_t)cap * sizeof *p);

		if (p == NULL)
			return;
		s->pend = p;
		s->cappend = cap;
	}
	s->pend[s->npend++] = seq;
}

static int out_append(struct fix_session *s, const char *p, size_t n)
{
	if (s->outlen + n > OUT_MAX) {
		snprintf(s->why, sizeof s->why, "output buffer above %u bytes", OUT_MAX);
		s->disconnect = 1;
		return -1;
	}
	if (s->outlen + n > s->outcap) {
		size_t cap = s->outcap ? s->outcap : 4096;
		while (cap < s->outlen + n)
			cap *= 2;
		char *nb = realloc(s->out, cap);
		if (!nb) {
			s->disconnect = 1;
			return -1;
		}
		s->out = nb;
		s->outcap = cap;
	}
	memcpy(s->out + s->outlen, p, n);
	s->outlen += n;
	return 0;
}

static int hdr_set(struct fix_hdr *h, int tag, const char *v)
{
	h->tag = tag;
	snprintf(h->val, sizeof h->val, "%s", v);
	return 1;
}

/* The standard header fields for a message numbered seq at now, plus
 * extra ones (already in hdr[0..n)).  Returns the count. */
static int hdr_std(struct fix_session *s, struct fix_hdr *hdr, int n, long long seq, int64_t now)
{
	char b[32];
	snprintf(b, sizeof b, "%lld", seq);
	n += hdr_set(&hdr[n], 34, b);
	n += hdr_set(&hdr[n], 49, s->cfg.sender);
	fix_time_fmt(now, b, sizeof b);
	n += hdr_set(&hdr[n], 52, b);
	n += hdr_set(&hdr[n], 56, s->cfg.target);
	return n;
}

/* Numbers, stores and queues a message (admin or application).  Returns
 * the seq or -1 (nothing numbered, nothing queued). */
static long long send_new(struct fix_session *s, int64_t now, const char *msgtype,
                          struct fix_hdr *extra, int nextra, const char *body, size_t blen,
                          int sync)
{
	struct fix_hdr hdr[16];
	int n = 0;
	for (int i = 0; i < nextra && n < 8; i++)
		hdr[n++] = extra[i];
	long long seq = fix_store_next_out(s->store);
	n = hdr_std(s, hdr, n, seq, now);
	char *buf = s->scratch;
	long len = fix_build(buf, SCRATCH_MAX, s->cfg.version, msgtype, hdr, n, body, blen);
	if (len < 0 || fix_store_out(s->store, seq, buf, (size_t)len, sync) < 0) {
		if (len >= 0)
			snprintf(s->why, sizeof s->why, "store: %s", fix_store_error(s->store));
		return -1;
	}
	if (s->conn && s->state == S_ACTIVE && !s->hold_out) {
		if (s->rs.active) {
			if (!s->held_from)
				s->held_from = seq;
		} else if (out_append(s, buf, (size_t)len) == 0) {
			s->last_sent = now;
			pend_add(s, seq);
		}
	}
	return seq;
}

/* A session message: a store that cannot be written ends the connection,
 * because the session cannot keep the promise that numbers persist. */
static void send_admin(struct fix_session *s, int64_t now, const char *msgtype,
                       struct fix_hdr *extra, int nextra, const char *body, size_t blen)
{
	if (send_new(s, now, msgtype, extra, nextra, body, blen, 0) < 0)
		s->disconnect = 1;
}

static void send_logout(struct fix_session *s, int64_t now, const char *text)
{
	struct fix_out o;
	fix_out_begin(&o, "5");
	if (text)
		fix_out_str(&o, 58, text);
	send_admin(s, now, "5", NULL, 0, o.body, o.len);
	s->logout_sent = 1;
	s->logout_at = now;
}

static void send_logon(struct fix_session *s, int64_t now, long long hb, int reset)
{
	struct fix_out o;
	fix_out_begin(&o, "A");
	fix_out_int(&o, 98, 0);
	fix_out_int(&o, 108, hb);
	if (reset)
		fix_out_str(&o, 141, "Y");
	send_admin(s, now, "A", NULL, 0, o.body, o.len);
}

static void send_resend_request(struct fix_session *s, int64_t now, long long seq)
{
	long long begin = fix_store_next_in(s->store);
	struct fix_out o;
	fix_out_begin(&o, "2");
	fix_out_int(&o, 7, begin);
	fix_out_int(&o, 16, 0);
	send_admin(s, now, "2", NULL, 0, o.body, o.len);
	s->resend_requested = 1;
	s->resend_end = seq - 1;
}

/* Reverse routing of a message we answer (QuickFIX's reverseRoute). */
static int reverse_route(const struct fix_msg *m, struct fix_hdr *hdr)
{
	static const int pair[][2] = {{115, 128}, {128, 115}, {116, 129},
	                              {129, 116}, {144, 145}, {145, 144}};
	int n = 0;
	for (size_t i = 0; i < sizeof pair / sizeof pair[0]; i++) {
		const struct fix_field *f = fld(m, pair[i][0]);
		if (f && f->len > 0 && f->len < (int)sizeof hdr[0].val) {
			hdr[n].tag = pair[i][1];
			memcpy(hdr[n].val, f->val, (size_t)f->len);
			hdr[n].val[f->len] = '\0';
			n++;
		}
	}
	return n;
}

static void store_in(struct fix_session *s, long long seq)
{
	if (fix_store_in(s->store, seq) < 0) {
		snprintf(s->why, sizeof s->why, "store: %s", fix_store_error(s->store));
		s->disconnect = 1;
	}
}

static void incr_in(struct fix_session *s)
{
	store_in(s, fix_store_next_in(s->store));
}

static void send_reject(struct fix_session *s, int64_t now, const struct fix_msg *m, int reason,
                        int has_ref, int reftag)
{
	char mt[8];
	msgtype_of(m, mt, sizeof mt);
	const struct fix_field *sf = fld(m, 34);
	struct fix_out o;
	fix_out_begin(&o, "3");
	if (sf && sf->len > 0 && sf->len < 20) {
		char b[24];
		memcpy(b, sf->val, (size_t)sf->len);
		b[sf->len] = '\0';
		fix_out_str(&o, 45, b);
	}
	fix_out_str(&o, 58, fix_reject_text(reason));
	if (has_ref && (reftag != 0 || reason == FIX_REJ_INVALID_TAG))
		fix_out_int(&o, 371, reftag);
	if (mt[0])
		fix_out_str(&o, 372, mt);
	if (strcmp(s->cfg.version, "FIX.4.2") || reason <= FIX_REJ_INVALID_MSGTYPE)
		fix_out_int(&o, 373, reason);
	struct fix_hdr route[6];
	int nr = reverse_route(m, route);
	long long seq = fld_seq(m, 34);
	if (strcmp(mt, "A") && strcmp(mt, "4") && seq == fix_store_next_in(s->store))
		incr_in(s);
	send_admin(s, now, "3", route, nr, o.body, o.len);
}

static void send_seq_reset(struct fix_session *s, int64_t now, long long begin, long long end)
{
	struct fix_hdr hdr[8];
	char b[32];
	int n = 0;
	n += hdr_set(&hdr[n], 43, "Y");
	fix_time_fmt(now, b, sizeof b);
	n += hdr_set(&hdr[n], 122, b);
	n = hdr_std(s, hdr, n, begin, now);
	struct fix_out o;
	fix_out_begin(&o, "4");
	fix_out_int(&o, 36, end);
	fix_out_str(&o, 123, "Y");
	char buf[1024];
	long len = fix_build(buf, sizeof buf, s->cfg.version, "4", hdr, n, o.body, o.len);
	if (len > 0) {
		out_append(s, buf, (size_t)len);
		s->last_sent = now;
	}
}

/* A stored message's body: from the first field that is not one the
 * session puts in a header, up to the CheckSum ("" when none). */
static void msg_body(const struct fix_msg *m, const char **body, size_t *blen)
{
	int i = 3;
	while (i < m->n && (m->f[i].tag == 34 || m->f[i].tag == 43 || m->f[i].tag == 49 ||
	                    m->f[i].tag == 52 || m->f[i].tag == 56 || m->f[i].tag == 97 ||
	                    m->f[i].tag == 122))
		i++;
	*body = "";
	*blen = 0;
	if (i < m->n - 1) {
		/* Back up from the value to the tag's first character. */
		const char *p = m->f[i].val - 1;
		while (p > m->raw && p[-1] != FIX_SOH)
			p--;
		*body = p;
		*blen = (size_t)(m->f[m->n - 1].val - 3 - p);
	}
}

/* Sends a stored application message again, with PossDupFlag and its
 * first SendingTime as OrigSendingTime. */
static int resend_app(struct fix_session *s, int64_t now, const struct fix_msg *m)
{
	struct fix_hdr hdr[8];
	int n = 0;
	char mt[8], orig[32];
	long long seq = fld_seq(m, 34);
	msgtype_of(m, mt, sizeof mt);
	if (fix_get_str(m, 52, orig, sizeof orig) < 0)
		return -1;
	n += hdr_set(&hdr[n], 43, "Y");
	n += hdr_set(&hdr[n], 122, orig);
	/* One first sent again after a reset says so again. */
	if (fld_is(m, 97, "Y"))
		n += hdr_set(&hdr[n], 97, "Y");
	n = hdr_std(s, hdr, n, seq, now);
	const char *body;
	size_t blen;
	msg_body(m, &body, &blen);
	long len = fix_build(s->scratch, SCRATCH_MAX, s->cfg.version, mt, hdr, n, body, blen);
	if (len > 0 && out_append(s, s->scratch, (size_t)len) == 0) {
		s->last_sent = now;
		pend_add(s, seq);
	}
	return len > 0 ? 0 : -1;
}

/* ---- receiving ---- */

static int queue_add(struct fix_session *s, long long seq, const struct fix_msg *m)
{
	for (int i = 0; i < s->nq; i++)
		if (s->q[i].seq == seq)
			return 0;
	if (s->nq >= QUEUE_MAX) {
		snprintf(s->why, sizeof s->why, "more than %d messages held for a resend", QUEUE_MAX);
		s->disconnect = 1;
		return -1;
	}
	if (s->nq == s->capq) {
		int cap = s->capq ? s->capq * 2 : 16;
		struct qmsg *nq = realloc(s->q, (size_t)cap * sizeof *nq);
		if (!nq)
			return -1;
		s->q = nq;
		s->capq = cap;
	}
	char *raw = malloc(m->rawlen);
	if (!raw)
		return -1;
	memcpy(raw, m->raw, m->rawlen);
	s->q[s->nq].seq = seq;
	s->q[s->nq].raw = raw;
	s->q[s->nq].len = m->rawlen;
	s->nq++;
	return 0;
}

/* The checks every message passes (QuickFIX's verify): SendingTime,
 * CompIDs, then the sequence number.  1: go on; 0: handled here. */
static int verify(struct fix_session *s, int64_t now, const struct fix_msg *m, int check_high,
                  int check_low)
{
	int64_t st;
	const struct fix_field *f52 = fld(m, 52);
	if (!f52 || fix_time_parse(f52->val, f52->len, &st) < 0 ||
	    st < now - FIX_MAX_LATENCY_NS || st > now + FIX_MAX_LATENCY_NS) {
		send_reject(s, now, m, FIX_REJ_SENDING_TIME, 0, 0);
		send_logout(s, now, NULL);
		return 0;
	}
	if (!fld_is(m, 49, s->cfg.target) || !fld_is(m, 56, s->cfg.sender)) {
		send_reject(s, now, m, FIX_REJ_COMPID, 0, 0);
		send_logout(s, now, NULL);
		return 0;
	}
	long long seq = fld_seq(m, 34);
	long long next = fix_store_next_in(s->store);
	if (check_high && seq > next) {
		if (!s->resend_requested)
			send_resend_request(s, now, seq);
		queue_add(s, seq, m);
		return 0;
	}
	if (check_low && seq < next) {
		if (!fld_is(m, 43, "Y")) {
			char t[96];
			snprintf(t, sizeof t, "MsgSeqNum too low, expecting %lld but received %lld", next,
			         seq);
			send_logout(s, now, t);
			snprintf(s->why, sizeof s->why, "%s", t);
			s->disconnect = 1;
			return 0;
		}
		int64_t orig;
		const struct fix_field *f122 = fld(m, 122);
		if (!f122) {
			send_reject(s, now, m, FIX_REJ_REQUIRED_MISSING, 1, 122);
			return 0;
		}
		if (fix_time_parse(f122->val, f122->len, &orig) == 0 && orig > st) {
			send_reject(s, now, m, FIX_REJ_SENDING_TIME, 0, 0);
			send_logout(s, now, NULL);
		}
		return 0;
	}
	if ((check_high || check_low) && s->resend_requested && seq >= s->resend_end)
		s->resend_requested = 0;
	s->last_recv = now;
	s->test_req = 0;
	return 1;
}

/*
 * A reset of the numbers to 1/1: the application messages the store does
 * not hold as sent (queued while nobody was logged on and never resent,
 * or numbered above the last W a restart found) are kept aside to be sent
 * again after the Logon, and the store starts afresh.  The counterparty
 * that resets gives up what was in flight, as FIX says, but not what it
 * could never have had.  0, or <0 when the store cannot take it.
 */
static int reset_numbers(struct fix_session *s)
{
	int nrec = fix_store_count(s->store);

	/* What an earlier reset kept aside and has not sent yet stays, first
	 * (again_out() normally stores it at once). */
	for (int i = 0; i < nrec; i++) {
		const struct fix_store_rec *r = fix_store_rec(s->store, i);
		char *raw, **a;
		size_t len, *l;

		if (r->sent || fix_is_admin(r->type))
			continue;
		if (fix_store_read(s->store, i, &raw, &len) < 0)
			continue;
		a = realloc(s->again, (size_t)(s->nagain + 1) * sizeof *a);
		l = a ? realloc(s->again_len, (size_t)(s->nagain + 1) * sizeof *l) : NULL;
		if (a)
			s->again = a;
		if (!a || !l) {
			free(raw);
			continue;
		}
		s->again_len = l;
		s->again[s->nagain] = raw;
		s->again_len[s->nagain++] = len;
	}
	if (fix_store_set(s->store, 1, 1) < 0) {
		/* The store is as it was: nothing taken from it. */
		again_free(s);
		return -1;
	}
	/* Bytes of the old numbering not yet committed do not go (what
	 * they held is among the kept-aside); batches already handed to the
	 * socket belong to the old store's epoch, and so does a resend being
	 * answered and what it held back (kept aside above: never sent). */
	s->outlen = 0;
	s->npend = 0;
	s->rs.active = 0;
	s->held_from = 0;
	/* A Logout among them does not go either: the reset starts the
	 * session afresh, not logging out. */
	s->logout_sent = 0;
	return 0;
}

/*
 * What reset_numbers() kept aside, as new messages (the body as it was; a
 * new header and number) marked PossResend: one numbered above a
 * restart's last W may have arrived before, and the counterparty tells by
 * its ids (ExecID).  queue 1: after the reset's Logon, queued to go now.
 * queue 0: stored without queueing a byte (synced), where no Logon follows
 * the reset to send them (a reset on disconnect; a reset Logon that was
 * then refused): numbered before anything queued after them, they outlive
 * a restart and go as stored messages do, by ResendRequest or again after
 * the next reset.
 */
static void again_out(struct fix_session *s, int64_t now, int queue)
{
	int k, kept = 0;

	s->hold_out = !queue;
	for (k = 0; k < s->nagain; k++) {
		const char *why;
		char mt[8];
		struct fix_hdr pr[1];
		int npr = hdr_set(&pr[0], 97, "Y");

		if (fix_parse(s->again[k], s->again_len[k], s->pres, &why) < 0)
			continue;
		const struct fix_msg *m = &s->pres->m;
		const char *body;
		size_t blen;
		msgtype_of(m, mt, sizeof mt);
		msg_body(m, &body, &blen);
		/* Copied out of again[k] by send_new before it is freed. */
		if (send_new(s, now, mt, pr, npr, body, blen, 0) < 0)
			break;
	}
	s->hold_out = 0;
	/* Stored ones are made durable at once when nothing is queued to
	 * commit them (one sync for all). */
	if (!queue && k > 0 && fix_store_sync(s->store) < 0)
		k = 0;
	if (k < s->nagain) {
		/* The store could not take the rest: they stay kept aside,
		 * in order, for the next try (a disconnect, the next reset),
		 * rather than being lost with the old file. */
		fprintf(stderr, "tranched: FIX session %s: %d message(s) kept "
		    "aside by a reset could not be stored yet: %s\n",
		    s->cfg.name, s->nagain - k, fix_store_error(s->store));
		for (int i = 0; i < k; i++)
			free(s->again[i]);
		for (int i = k; i < s->nagain; i++) {
			s->again[kept] = s->again[i];
			s->again_len[kept++] = s->again_len[i];
		}
		s->nagain = kept;
		if (queue)
			s->disconnect = 1;
		return;
	}
	again_free(s);
}

/*
 * The messages numbered while a resend ran, held back (send_new): they
 * go now, as stored, after the last resent one.
 */
static void release_held(struct fix_session *s, int64_t now)
{
	int nrec = fix_store_count(s->store);

	if (!s->held_from)
		return;
	for (int i = 0; i < nrec && !s->disconnect; i++) {
		const struct fix_store_rec *r = fix_store_rec(s->store, i);
		char *raw;
		size_t len;

		if (r->seq < s->held_from)
			continue;
		if (fix_store_read(s->store, i, &raw, &len) < 0) {
			/* Stored and never sent: the next ResendRequest, or a
			 * reset, brings it. */
			break;
		}
		if (out_append(s, raw, len) == 0) {
			s->last_sent = now;
			pend_add(s, r->seq);
		}
		free(raw);
	}
	s->held_from = 0;
}

/*
 * Answers the ResendRequest in s->rs until the output holds RESEND_CHUNK
 * bytes: application messages again with PossDupFlag, session ones and
 * numbers the store does not hold gap-filled.  The acceptor calls it
 * again (fix_session_pump) once what it wrote has gone, so a resend of a
 * whole day never needs more than a chunk of memory, and a counterparty
 * that reads is never cut off for its size (the output buffer's bound,
 * OUT_MAX, was reached by one of about 55,000 reports).
 */
static void resend_pump(struct fix_session *s, int64_t now)
{
	int nrec = fix_store_count(s->store);

	while (s->rs.active && s->rs.idx < nrec && s->outlen < RESEND_CHUNK &&
	       !s->disconnect) {
		int i = s->rs.idx++;
		const struct fix_store_rec *r = fix_store_rec(s->store, i);
		if (r->seq < s->rs.begin || r->seq > s->rs.end)
			continue;
		if (s->rs.current != r->seq && !s->rs.gap)
			s->rs.gap = s->rs.current;
		s->rs.current = r->seq + 1;
		s->rs.last = r->seq;
		/* Session messages are gap-filled without reading them back. */
		if (fix_is_admin(r->type)) {
			if (!s->rs.gap)
				s->rs.gap = r->seq;
			continue;
		}
		char *raw;
		size_t len;
		const char *why;
		if (fix_store_read(s->store, i, &raw, &len) < 0) {
			s->rs.idx = nrec;
			break;
		}
		if (fix_parse(raw, len, s->pres, &why) < 0) {
			/* Our own message no longer parses: fill its number. */
			free(raw);
			if (!s->rs.gap)
				s->rs.gap = r->seq;
			continue;
		}
		if (s->rs.gap)
			send_seq_reset(s, now, s->rs.gap, r->seq);
		resend_app(s, now, &s->pres->m);
		s->rs.gap = 0;
		free(raw);
	}
	if (!s->rs.active || s->disconnect || s->rs.idx < nrec)
		return;
	if (s->rs.gap)
		send_seq_reset(s, now, s->rs.gap, s->rs.last + 1);
	if (s->rs.end > s->rs.last) {
		/* Numbers the store does not hold (QuickFIX numbers this reset
		 * with BeginSeqNo). */
		long long next_out = fix_store_next_out(s->store);
		long long to = s->rs.end + 1 > next_out ? next_out : s->rs.end + 1;
		send_seq_reset(s, now, s->rs.begin, to);
	}
	s->rs.active = 0;
	release_held(s, now);
}

int fix_session_pump(struct fix_session *s)
{
	if (!s->rs.active || !s->conn || s->state != S_ACTIVE)
		return 0;
	resend_pump(s, s->eng->clock());
	return s->rs.active;
}

static void on_resend_request(struct fix_session *s, int64_t now, const struct fix_msg *m)
{
	if (!verify(s, now, m, 0, 0))
		return;
	long long begin = fld_seq(m, 7), end = fld_seq(m, 16);
	long long next_out = fix_store_next_out(s->store);
	/* No answer to a range below 1 or running backwards could be
	 * followed (a SequenceReset numbered -5, or one whose NewSeqNo is
	 * below its own number): it is refused, naming the tag. */
	if (begin < 1 || end < 0 || (end != 0 && end < begin)) {
		send_reject(s, now, m, FIX_REJ_BAD_VALUE, 1, begin < 1 ? 7 : 16);
		return;
	}
	if (end == 0 || end >= next_out)
		end = next_out - 1;
	/* Numbers never sent: a GapFill there would be numbered above the
	 * last sent and take the counterparty's number back (found by a
	 * probe: 7=500 got 34=500 with 36=8).  Refused, naming BeginSeqNo. */
	if (begin > end) {
		send_reject(s, now, m, FIX_REJ_BAD_VALUE, 1, 7);
		return;
	}
	/* A second request while one is answered starts afresh from its
	 * own range; what was held back stays held until this one is done. */
	s->rs.active = 1;
	s->rs.idx = 0;
	s->rs.begin = begin;
	s->rs.end = end;
	s->rs.gap = 0;
	s->rs.current = begin;
	s->rs.last = 0;
	resend_pump(s, now);
	long long seq = fld_seq(m, 34);
	if (seq == fix_store_next_in(s->store))
		incr_in(s);
}

static void on_sequence_reset(struct fix_session *s, int64_t now, const struct fix_msg *m)
{
	int gapfill = fld_is(m, 123, "Y");
	if (!verify(s, now, m, gapfill, gapfill))
		return;
	long long newseq = fld_seq(m, 36);
	long long next = fix_store_next_in(s->store);
	if (newseq > next) {
		if (fix_store_set(s->store, newseq, fix_store_next_out(s->store)) < 0) {
			snprintf(s->why, sizeof s->why, "store: %s", fix_store_error(s->store));
			s->disconnect = 1;
		}
	} else if (newseq < next) {
		send_reject(s, now, m, FIX_REJ_BAD_VALUE, 0, 36);
	}
}

static void on_logout(struct fix_session *s, int64_t now, const struct fix_msg *m)
{
	if (!verify(s, now, m, 0, 0))
		return;
	if (!s->logout_sent)
		send_logout(s, now, NULL);
	incr_in(s);
	snprintf(s->why, sizeof s->why, "logout");
	s->disconnect = 1;
}

static void process(struct fix_session *s, int64_t now, const struct fix_msg *m);

/* Messages held back for a gap that is now filled. */
static void process_queue(struct fix_session *s, int64_t now)
{
	for (;;) {
		if (s->disconnect)
			return;
		long long next = fix_store_next_in(s->store);
		int k = -1;
		for (int i = 0; i < s->nq; i++)
			if (s->q[i].seq == next)
				k = i;
		/* Drop what the numbers have passed. */
		for (int i = 0; i < s->nq;) {
			if (s->q[i].seq < next && i != k) {
				free(s->q[i].raw);
				s->q[i] = s->q[--s->nq];
				if (k == s->nq)
					k = i;
			} else {
				i++;
			}
		}
		if (k < 0)
			return;
		struct qmsg q = s->q[k];
		s->q[k] = s->q[--s->nq];
		struct fix_parsed *p = s->pq;
		const char *why;
		if (fix_parse(q.raw, q.len, p, &why) == 0) {
			char mt[8];
			msgtype_of(&p->m, mt, sizeof mt);
			if (!strcmp(mt, "A") || !strcmp(mt, "2"))
				incr_in(s);
			else
				process(s, now, &p->m);
		} else {
			incr_in(s);
		}
		free(q.raw);
	}
}

static void process(struct fix_session *s, int64_t now, const struct fix_msg *m)
{
	char mt[8];
	msgtype_of(m, mt, sizeof mt);
	if (!fld_is(m, 8, s->cfg.version)) {
		if (!strcmp(mt, "5")) {
			on_logout(s, now, m);
		} else {
			send_logout(s, now, "Incorrect BeginString");
			incr_in(s);
		}
		return;
	}
	struct fix_rej rej;
	if (fix_dict_validate(s->dict, m, &rej)) {
		send_reject(s, now, m, rej.reason, rej.has_ref, rej.reftag);
		return;
	}
	if (!strcmp(mt, "5")) {
		on_logout(s, now, m);
	} else if (!strcmp(mt, "2")) {
		on_resend_request(s, now, m);
	} else if (!strcmp(mt, "4")) {
		on_sequence_reset(s, now, m);
	} else if (!strcmp(mt, "3")) {
		if (verify(s, now, m, 0, 1))
			incr_in(s);
	} else if (!strcmp(mt, "1")) {
		if (verify(s, now, m, 1, 1)) {
			/* The Heartbeat must carry the TestReqID back whatever
			 * its length (the peer matches on it); one too long for
			 * a message of ours is refused by a Reject instead of
			 * being answered without it. */
			char id[FIX_OUT_MAX - 64];
			struct fix_out o;
			int r = fix_get_str(m, 112, id, sizeof id);

			if (r == -2) {
				/* send_reject() has counted the message in: counting
				 * it again here would make the peer's next number
				 * "too low" and end the session. */
				send_reject(s, now, m, 5, 1, 112);
			} else {
				fix_out_begin(&o, "0");
				if (r == 0)
					fix_out_str(&o, 112, id);
				send_admin(s, now, "0", NULL, 0, o.body, o.len);
				incr_in(s);
			}
		}
	} else if (!strcmp(mt, "A") && fld_is(m, 141, "Y")) {
		/* A Logon with ResetSeqNumFlag inside a session: both sides
		 * start again at 1, and our Logon says so. */
		if (reset_numbers(s) < 0) {
			snprintf(s->why, sizeof s->why, "store: %s", fix_store_error(s->store));
			s->disconnect = 1;
			return;
		}
		s->resend_requested = 0;
		if (verify(s, now, m, 0, 1)) {
			send_logon(s, now, s->hb, 1);
			incr_in(s);
			again_out(s, now, 1);
		}
		again_out(s, now, 0);
	} else if (!strcmp(mt, "0") || !strcmp(mt, "A")) {
		if (verify(s, now, m, 1, 1))
			incr_in(s);
	} else {
		if (verify(s, now, m, 1, 1)) {
			/* Delivered, then counted: a crash inside on_app means the
			 * counterparty sends it again (PossDup) and the application
			 * sees it twice, never not at all; it can tell by MsgSeqNum
			 * (tag 34) or its own ids. */
			if (s->eng->app.on_app)
				s->eng->app.on_app(s->eng->app.ud, s, m);
			incr_in(s);
		}
	}
}

int fix_session_input(struct fix_session *s, int64_t now, const char *raw, size_t len)
{
	struct fix_parsed *p = s->pin;
	const char *why;
	if (s->flooded) {
		if (fix_parse(raw, len, p, &why) == 0 && fld_is(&p->m, 35, "5"))
			s->disconnect = 1;
		return s->disconnect ? FIX_DISCONNECT : FIX_CONT;
	}
	int parsed = fix_parse(raw, len, p, &why) == 0;
	if (s->state == S_ACTIVE && over_rate(s, now)) {
		/* Not processed and not counted in: nothing of it was said
		 * yes to, and the counterparty sends it again after its next
		 * Logon, as any message we did not take. */
		char text[160];

		snprintf(text, sizeof text, "more than %d messages a second over %d s "
		         "(max_msg_rate)", s->cfg.max_msg_rate, FIX_RATE_WINDOW_S);
		snprintf(s->why, sizeof s->why, "%s", text);
		if (!s->logout_sent)
			send_logout(s, now, text);
		s->flooded = 1;
		return s->disconnect ? FIX_DISCONNECT : FIX_CONT;
	}
	if (!parsed) {
		/* Garbled: dropped, sequence numbers untouched. */
		return s->disconnect ? FIX_DISCONNECT : FIX_CONT;
	}
	/* A resend of what was already taken (PossDup, a number below the
	 * next expected) that is dropped unanswered costs the store nothing:
	 * its charge is given back.  A counterparty answering our
	 * ResendRequest resends from the gap on, the messages queued behind
	 * it included, which were charged when they first came. */
	int dup = fld_is(&p->m, 43, "Y") && fld_seq(&p->m, 34) > 0 &&
	          fld_seq(&p->m, 34) < fix_store_next_in(s->store);
	long long out0 = fix_store_next_out(s->store);
	process(s, now, &p->m);
	if (dup && fix_store_next_out(s->store) == out0 &&
	    s->rate_left + 1 <= rate_cap(s))
		s->rate_left += 1;
	process_queue(s, now);
	return s->disconnect ? FIX_DISCONNECT : FIX_CONT;
}

struct fix_session *fix_engine_logon(struct fix_engine *e, void *conn, int64_t now,
                                     const char *raw, size_t len, const char **why)
{
	struct fix_parsed *p = malloc(sizeof *p);
	struct fix_session *s = NULL, *named = NULL;
	if (!p) {
		*why = "out of memory";
		return NULL;
	}
	if (fix_parse(raw, len, p, why) < 0)
		goto out;
	const struct fix_msg *m = &p->m;
	if (!fld_is(m, 35, "A")) {
		*why = "first message is not a Logon";
		goto out;
	}
	for (int i = 0; i < e->n && !s; i++)
		if (fld_is(m, 8, e->s[i].cfg.version) && fld_is(m, 49, e->s[i].cfg.target) &&
		    fld_is(m, 56, e->s[i].cfg.sender))
			s = &e->s[i];
	if (!s) {
		*why = "Logon names no configured session (BeginString, SenderCompID, TargetCompID)";
		goto out;
	}
	named = s;
	if (s->conn) {
		*why = "session is already logged on";
		s = NULL;
		goto out;
	}
	struct fix_rej rej;
	if (fix_dict_validate(s->dict, m, &rej)) {
		*why = "Logon does not validate";
		s = NULL;
		goto out;
	}
	int64_t st;
	const struct fix_field *f52 = fld(m, 52);
	if (!f52 || fix_time_parse(f52->val, f52->len, &st) < 0 ||
	    st < now - FIX_MAX_LATENCY_NS || st > now + FIX_MAX_LATENCY_NS) {
		*why = "Logon SendingTime is more than 120 s from ours";
		s = NULL;
		goto out;
	}
	long long hb = fld_seq(m, 108);
	if (hb < 1 || hb > 3600) {
		*why = "Logon HeartBtInt is not 1 to 3600";
		s = NULL;
		goto out;
	}
	/* A Logon counts against the rate as any message: a peer logging on
	 * in a loop is answered, and stored, as often as it likes otherwise.
	 * Counted once it is whole: a refused one stores nothing, and must
	 * not use up the session's rate while its counterparty is away. */
	if (over_rate(s, now)) {
		*why = "more messages a second than the session's max_msg_rate";
		s = NULL;
		goto out;
	}
	int reset = fld_is(m, 141, "Y");
	if (reset && reset_numbers(s) < 0) {
		/* An operator's fault, not the counterparty's: said where the
		 * operator looks, as well as to the peer's connection. */
		fprintf(stderr, "tranched: FIX session %s: Logon with "
		    "ResetSeqNumFlag refused: store: %s\n", s->cfg.name,
		    fix_store_error(s->store));
		*why = "store cannot be written";
		s = NULL;
		goto out;
	}
	s->conn = conn;
	s->state = S_ACTIVE;
	s->hb = (int)hb;
	s->last_recv = s->last_sent = now;
	s->test_req = 0;
	s->logout_sent = 0;
	s->resend_requested = 0;
	s->disconnect = 0;
	s->flooded = 0;
	s->outlen = 0;
	s->why[0] = '\0';
	long long seq = fld_seq(m, 34);
	if (seq < fix_store_next_in(s->store)) {
		/* Too low and not a resend: a Logout that says so, then close. */
		verify(s, now, m, 0, 1);
		s->disconnect = 1;
		again_out(s, now, 0);
		goto out;
	}
	send_logon(s, now, hb, reset);
	again_out(s, now, 1);
	if (seq > fix_store_next_in(s->store)) {
		send_resend_request(s, now, seq);
		queue_add(s, seq, m);
	} else {
		incr_in(s);
		process_queue(s, now);
	}
	if (e->app.on_logon)
		e->app.on_logon(e->app.ud, s);
out:
	/* A session's own counterparty refused: the connection closes
	 * without a Logout (QuickFIX's acceptance definitions expect a bare
	 * disconnect), so the reason is said where the operator looks, once
	 * a second at most (found by an independent probe: it was said
	 * nowhere). */
	if (!s && named != NULL && *why != NULL &&
	    now - named->refused_told >= 1000000000LL) {
		named->refused_told = now;
		fprintf(stderr, "tranched: FIX session %s: Logon refused: %s; "
		    "the connection is closed\n", named->cfg.name, *why);
	}
	free(p);
	return s;
}

int fix_session_tick(struct fix_session *s, int64_t now)
{
	if (!s->conn)
		return FIX_CONT;
	if (s->disconnect)
		return FIX_DISCONNECT;
	if (s->logout_sent) {
		if (now - s->logout_at >= LOGOUT_WAIT_NS) {
			if (!s->flooded)
				snprintf(s->why, sizeof s->why, "no answer to our Logout");
			return FIX_DISCONNECT;
		}
		return FIX_CONT;
	}
	int64_t hb = (int64_t)s->hb * NS;
	int64_t since_recv = now - s->last_recv, since_sent = now - s->last_sent;
	if (since_recv < hb && since_sent < hb)
		return FIX_CONT;
	if (since_recv * 10 >= hb * 24) {
		snprintf(s->why, sizeof s->why, "nothing received for %.1f s (HeartBtInt %d)",
		         (double)since_recv / NS, s->hb);
		return FIX_DISCONNECT;
	}
	if (since_recv * 10 >= hb * 12 * (s->test_req + 1)) {
		struct fix_out o;
		fix_out_begin(&o, "1");
		fix_out_str(&o, 112, "TEST");
		send_admin(s, now, "1", NULL, 0, o.body, o.len);
		s->test_req++;
	} else if (since_sent >= hb && s->test_req == 0) {
		send_admin(s, now, "0", NULL, 0, "", 0);
	}
	return s->disconnect ? FIX_DISCONNECT : FIX_CONT;
}

int fix_session_commit(struct fix_session *s)
{
	/* The store's mark (W) of the batches written since the last
	 * commit rides in this sync: a reset after a restart then knows
	 * what the counterparty had.  It lags the bytes (a batch counts when
	 * its write is done), never runs ahead of them. */
	if (fix_store_mark_written(s->store) < 0 ||
	    fix_store_sync(s->store) < 0) {
		snprintf(s->why, sizeof s->why, "store: %s", fix_store_error(s->store));
		s->npend = 0;
		s->outlen = 0;
		s->disconnect = 1;
		return -1;
	}
	return 0;
}

void fix_session_take_batch(struct fix_session *s, struct fix_batch *b)
{
	b->seq = s->pend;
	b->n = s->npend;
	b->epoch = fix_store_epoch(s->store);
	s->pend = NULL;
	s->npend = s->cappend = 0;
}

void fix_session_batch_sent(struct fix_session *s, const struct fix_batch *b)
{
	if (b->epoch != fix_store_epoch(s->store))
		return;
	for (int i = 0; i < b->n; i++)
		fix_store_mark_sent(s->store, b->seq[i]);
}

void fix_batch_free(struct fix_batch *b)
{
	free(b->seq);
	b->seq = NULL;
	b->n = 0;
}

void fix_session_disconnected(struct fix_session *s, const char *why)
{
	if (!s->conn)
		return;
	int was_on = s->state == S_ACTIVE;
	s->conn = NULL;
	s->state = S_IDLE;
	s->outlen = 0;
	s->npend = 0;
	/* A resend cut short: what it held back is stored and unsent, and
	 * comes by the next ResendRequest or reset, as anything unsent. */
	s->rs.active = 0;
	s->held_from = 0;
	s->logout_sent = 0;
	s->disconnect = 0;
	s->flooded = 0;
	s->resend_requested = 0;
	for (int k = 0; k < s->nq; k++)
		free(s->q[k].raw);
	s->nq = 0;
	fix_store_mark_written(s->store);
	fix_store_sync(s->store);
	if (s->nagain > 0)
		again_out(s, s->eng->clock(), 0);
	if (s->cfg.reset_on_disconnect == 1) {
		if (reset_numbers(s) < 0)
			fprintf(stderr, "tranched: FIX session %s: reset on "
			    "disconnect failed, the numbers stay where they were: "
			    "store: %s\n", s->cfg.name, fix_store_error(s->store));
		else
			again_out(s, s->eng->clock(), 0);
	}
	if (was_on && s->eng->app.on_logout)
		s->eng->app.on_logout(s->eng->app.ud, s, why ? why : s->why);
}

/* ---- the application's calls ---- */

long long fix_send(struct fix_session *s, const struct fix_out *o)
{
	if (!s || !o || o->overflow || !o->msgtype[0])
		return -1;
	int64_t now = s->eng->clock();
	/* Logged on, the record is made durable by the commit that comes
	 * before its bytes are written (one for a batch); otherwise nothing
	 * would commit it soon, so it is flushed now. */
	int on = s->conn && s->state == S_ACTIVE && s->kick;
	long long seq = send_new(s, now, o->msgtype, NULL, 0, o->body, o->len, !on);
	if (seq < 0)
		return -2;
	if (s->outlen && s->kick && s->conn)
		s->kick(s->conn);
	return seq;
}

int fix_session_each_sent(struct fix_session *s,
                          void (*cb)(void *ud, long long seq, const struct fix_msg *m), void *ud)
{
	int count = 0;
	struct fix_parsed *p = malloc(sizeof *p);
	if (!p)
		return -1;
	for (int i = 0; i < fix_store_count(s->store); i++) {
		char *raw;
		size_t len;
		const char *why;
		if (fix_store_read(s->store, i, &raw, &len) < 0) {
			free(p);
			return -1;
		}
		if (fix_parse(raw, len, p, &why) == 0) {
			char mt[8];
			msgtype_of(&p->m, mt, sizeof mt);
			if (!fix_is_admin(mt)) {
				cb(ud, fix_store_rec(s->store, i)->seq, &p->m);
				count++;
			}
		}
		free(raw);
	}
	free(p);
	return count;
}

int fix_session_keep_sent(struct fix_session *s, const char *prefix,
                          void (*cb)(void *ud, const char *execid), void *ud)
{
	int n = fix_store_id_count(s->store);

	fix_store_keep_ids(s->store, prefix);
	for (int i = 0; i < n; i++)
		cb(ud, fix_store_id(s->store, i));
	return n;
}

cJSON *fix_engine_status(struct fix_engine *e)
{
	cJSON *arr = cJSON_CreateArray();
	if (!arr)
		return NULL;
	for (int i = 0; i < e->n; i++) {
		struct fix_session *s = &e->s[i];
		cJSON *o = cJSON_CreateObject();
		if (!o)
			break;
		cJSON_AddItemToArray(arr, o);
		cJSON_AddStringToObject(o, "name", s->cfg.name);
		cJSON_AddStringToObject(o, "sender", s->cfg.sender);
		cJSON_AddStringToObject(o, "target", s->cfg.target);
		cJSON_AddStringToObject(o, "version", s->cfg.version);
		cJSON_AddStringToObject(o, "role", s->cfg.role);
		cJSON_AddStringToObject(o, "state", fix_session_state(s));
		cJSON_AddNumberToObject(o, "next_in", (double)fix_store_next_in(s->store));
		cJSON_AddNumberToObject(o, "next_out", (double)fix_store_next_out(s->store));
		cJSON_AddNumberToObject(o, "heartbeat", s->hb);
		cJSON_AddNumberToObject(o, "max_msg_rate", s->cfg.max_msg_rate);
	}
	return arr;
}
