/*
 * fix-suite.c -- runs QuickFIX's session acceptance definitions against a
 * FIX acceptor, as an independent judge.
 *
 * The judge links nothing from engine/: it speaks FIX over TCP sockets and
 * reads the definitions, so that a bug in the session layer cannot hide in a
 * shared parser.  For each definition it starts a fresh acceptor
 * (`tranched fix-echo --fix-listen tcp://127.0.0.1:0 --fix-sessions FILE
 * --fix-store DIR`, an echo application over the real session layer), reads
 * the port from the acceptor's "listening tcp://127.0.0.1:PORT" line, plays
 * the definition line by line, and stops the acceptor with SIGTERM.  A
 * definition passes only if every expectation is met in time *and* the
 * acceptor then exits with status 0 (so a sanitizer report, a leak or a
 * crash fails the definition that caused it).
 *
 * The format is QuickFIX's (test/Reflector.rb and test/Comparator.rb, and
 * ../shared/fix/README.md): I lines are sent with <TIME>, <TIME+n> and
 * <TIME-n> substituted and 9 and 10 computed where absent (a line that does
 * not start with 8= is sent exactly as written); E lines are compared field
 * by field, in order and by count, by the patterns of fields.fmt (POSIX
 * extended regexes, \d read as [0-9], anchored at both ends) or by value,
 * with 9 and 10 left out of the comparison because the definitions hold
 * placeholders there.  Instead the received message's own BodyLength and
 * CheckSum are checked against its bytes.  `iN,` / `IN,` / `EN,` / `eN,`
 * address connection N (1 when unnumbered).  A line the runner does not
 * understand fails the definition: nothing is skipped silently.
 *
 * The sessions file the acceptor gets is made from the definitions: every
 * Logon the definitions expect the acceptor to send names one session
 * (BeginString, our SenderCompID, the counterparty's TargetCompID), taken
 * over all definitions of the directory so that a definition whose point
 * is a refused logon still runs against an acceptor that knows the real
 * counterparty.  The dictionary is spec/FIXxy.xml beside fields.fmt.
 *
 * With -j N, definitions run in N child processes at once, longest first
 * (the heartbeat and test-request cases wait for the heartbeat interval).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "fixwire.h"

#define MAX_CONN 10
#define MAX_DEFS 512
#define MAX_PATTERNS 64
#define REPORT_MAX 16384

/* One definition file, read whole. */
struct def {
	char path[PATH_MAX];
	char name[PATH_MAX]; /* parent directory / file name, for reports */
	char root[PATH_MAX]; /* the directory holding fields.fmt */
	char *text;
	size_t len;
	double estimate; /* seconds it is expected to take, for ordering */
};

/* One comparison pattern of fields.fmt. */
struct pattern {
	int tag;
	char src[256];
	regex_t re;
};

/* One session the acceptor must know. */
struct sess {
	char version[16], sender[64], target[64];
	char root[PATH_MAX];
};

static struct def defs[MAX_DEFS];
static int ndefs;
static struct sess sessions[64];
static int nsessions;
static const char *opt_tranched;
static double opt_timeout = 15.0;
static double opt_start_timeout = 120.0;
static const char *opt_workdir;
static int opt_keep;

/* The report of the definition being run: one line, then detail lines. */
static char report[REPORT_MAX];
static size_t report_len;

static void report_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report_add(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (report_len >= sizeof report - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(report + report_len, sizeof report - report_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		report_len += (size_t)n < sizeof report - report_len ? (size_t)n
		                                                      : sizeof report - report_len - 1;
}

/* ---- fields.fmt ---------------------------------------------------------- */

static struct pattern patterns[MAX_PATTERNS];
static int npatterns;
static char patterns_root[PATH_MAX];

/* QuickFIX's patterns are Ruby regexes; the ones fields.fmt holds use only
 * \d beyond POSIX ERE.  Each is anchored at both ends, so that a value with
 * extra text around a matching time does not pass. */
static int patterns_load(const char *root, char *err, size_t errcap)
{
	char path[PATH_MAX + 16];
	char *text;
	size_t len;
	int rc;

	if (strcmp(root, patterns_root) == 0)
		return 0;
	for (int i = 0; i < npatterns; i++)
		regfree(&patterns[i].re);
	npatterns = 0;
	snprintf(path, sizeof path, "%s/fields.fmt", root);
	rc = fw_read_file(path, &text, &len);
	if (rc < 0) {
		snprintf(err, errcap, "%s: %s", path, strerror(-rc));
		return -1;
	}
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);
		while (l && (line[l - 1] == '\r' || line[l - 1] == ' '))
			line[--l] = 0;
		if (!l)
			continue;
		char *eq = strchr(line, '=');
		char *end;
		long tag = eq ? strtol(line, &end, 10) : -1;
		if (!eq || end != eq || tag <= 0) {
			snprintf(err, errcap, "%s: line \"%s\": not TAG=PATTERN", path, line);
			free(text);
			return -1;
		}
		if (npatterns == MAX_PATTERNS) {
			snprintf(err, errcap, "%s: more than %d patterns", path, MAX_PATTERNS);
			free(text);
			return -1;
		}
		struct pattern *p = &patterns[npatterns];
		char ere[600];
		size_t o = 0;
		o += (size_t)snprintf(ere, sizeof ere, "^(");
		for (const char *s = eq + 1; *s && o + 8 < sizeof ere; s++) {
			if (s[0] == '\\' && s[1] == 'd') {
				o += (size_t)snprintf(ere + o, sizeof ere - o, "[0-9]");
				s++;
			} else {
				ere[o++] = *s;
			}
		}
		snprintf(ere + o, sizeof ere - o, ")$");
		p->tag = (int)tag;
		snprintf(p->src, sizeof p->src, "%s", eq + 1);
		int rrc = regcomp(&p->re, ere, REG_EXTENDED | REG_NOSUB);
		if (rrc != 0) {
			char why[128];
			regerror(rrc, &p->re, why, sizeof why);
			snprintf(err, errcap, "%s: pattern for tag %ld \"%s\": %s", path, tag, eq + 1, why);
			free(text);
			return -1;
		}
		npatterns++;
	}
	free(text);
	snprintf(patterns_root, sizeof patterns_root, "%s", root);
	return 0;
}

static struct pattern *pattern_for(const char *tag, size_t taglen)
{
	char t[16];
	char *end;

	if (taglen == 0 || taglen >= sizeof t)
		return NULL;
	memcpy(t, tag, taglen);
	t[taglen] = 0;
	long v = strtol(t, &end, 10);
	if (*end)
		return NULL;
	for (int i = 0; i < npatterns; i++)
		if (patterns[i].tag == v)
			return &patterns[i];
	return NULL;
}

/* ---- definitions ----------------------------------------------------------- */

/* The directory above path that holds fields.fmt (the definitions' root). */
static int find_root(const char *dir, char *root, size_t cap)
{
	char cur[PATH_MAX];

	if (!realpath(dir, cur))
		return -1;
	for (;;) {
		char probe[PATH_MAX + 16];
		struct stat st;
		snprintf(probe, sizeof probe, "%s/fields.fmt", cur);
		if (stat(probe, &st) == 0) {
			snprintf(root, cap, "%s", cur);
			return 0;
		}
		char *slash = strrchr(cur, '/');
		if (!slash || slash == cur)
			return -1;
		*slash = 0;
	}
}

/* How long a definition is expected to take: a heartbeat or test request
 * it must wait for costs about one heartbeat interval. */
static double def_estimate(const struct def *d)
{
	char hb[16] = "30";
	double est = 1.0;
	const char *p = d->text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);
		char mt[8];
		if (ll > 1 && p[0] == 'I' && fw_field(p + 1, ll - 1, "108", hb, sizeof hb) == 0) {
			/* The logon's HeartBtInt sets the pace. */
		} else if (ll > 1 && p[0] == 'E' && fw_field(p + 1, ll - 1, "35", mt, sizeof mt) == 0 &&
		           (strcmp(mt, "0") == 0 || strcmp(mt, "1") == 0)) {
			est += atof(hb) < 30 ? atof(hb) : 0.5;
		} else if (ll > 1 && p[1] == 'D' && strncmp(p, "eDISCONNECT", 11) == 0) {
			est += 0.5;
		}
		p = nl ? nl + 1 : NULL;
	}
	return est;
}

/* Every Logon the definition expects the acceptor to send names a session. */
static void def_sessions(const struct def *d)
{
	const char *p = d->text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);
		const char *m = p + 1;
		size_t ml = ll > 0 ? ll - 1 : 0;
		if (ll > 3 && p[0] == 'E' && isdigit((unsigned char)p[1]) && p[2] == ',') {
			m = p + 3;
			ml = ll - 3;
		}
		char mt[8], v[16], s[64], t[64];
		if (ll > 1 && p[0] == 'E' && fw_field(m, ml, "35", mt, sizeof mt) == 0 &&
		    strcmp(mt, "A") == 0 && fw_field(m, ml, "8", v, sizeof v) == 0 &&
		    fw_field(m, ml, "49", s, sizeof s) == 0 && fw_field(m, ml, "56", t, sizeof t) == 0) {
			int known = 0;
			for (int i = 0; i < nsessions; i++)
				if (!strcmp(sessions[i].version, v) && !strcmp(sessions[i].sender, s) &&
				    !strcmp(sessions[i].target, t))
					known = 1;
			if (!known && nsessions < (int)(sizeof sessions / sizeof sessions[0])) {
				struct sess *n = &sessions[nsessions++];
				snprintf(n->version, sizeof n->version, "%s", v);
				snprintf(n->sender, sizeof n->sender, "%s", s);
				snprintf(n->target, sizeof n->target, "%s", t);
				snprintf(n->root, sizeof n->root, "%s", d->root);
			}
		}
		p = nl ? nl + 1 : NULL;
	}
}

static int def_load(const char *path, int run, char *err, size_t errcap)
{
	struct def tmp;
	struct def *d = run ? &defs[ndefs] : &tmp;
	char dir[PATH_MAX];
	int rc;

	if (run && ndefs == MAX_DEFS) {
		snprintf(err, errcap, "%s: more than %d definitions", path, MAX_DEFS);
		return -1;
	}
	memset(d, 0, sizeof *d);
	if (!realpath(path, d->path)) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof dir, "%s", d->path);
	char *slash = strrchr(dir, '/');
	*slash = 0;
	const char *base = strrchr(dir, '/');
	snprintf(d->name, sizeof d->name, "%s/%s", base ? base + 1 : dir, slash + 1);
	if (find_root(dir, d->root, sizeof d->root) < 0) {
		snprintf(err, errcap, "%s: no fields.fmt in its directory or above", path);
		return -1;
	}
	rc = fw_read_file(d->path, &d->text, &d->len);
	if (rc < 0) {
		snprintf(err, errcap, "%s: %s", path, strerror(-rc));
		return -1;
	}
	def_sessions(d);
	if (!run) {
		free(d->text);
		return 0;
	}
	d->estimate = def_estimate(d);
	ndefs++;
	return 0;
}

static int is_def(const char *name)
{
	size_t l = strlen(name);
	return l > 4 && strcmp(name + l - 4, ".def") == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every .def of a directory, in name order; run says whether they are to be
 * run or only read for the sessions they name. */
static int dir_load(const char *dir, int run, char *err, size_t errcap)
{
	DIR *dh = opendir(dir);
	char *names[MAX_DEFS];
	int n = 0, rc = 0;
	struct dirent *e;

	if (!dh) {
		snprintf(err, errcap, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(dh)) && n < MAX_DEFS)
		if (is_def(e->d_name))
			names[n++] = strdup(e->d_name);
	closedir(dh);
	qsort(names, (size_t)n, sizeof names[0], cmp_str);
	for (int i = 0; i < n; i++) {
		char p[PATH_MAX * 2];
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		if (rc == 0 && def_load(p, run, err, errcap) < 0)
			rc = -1;
		free(names[i]);
	}
	if (rc == 0 && run && n == 0) {
		snprintf(err, errcap, "%s: no .def files", dir);
		rc = -1;
	}
	return rc;
}

/* ---- the acceptor ------------------------------------------------------------ */

struct acceptor {
	struct fw_proc proc;
	char dir[PATH_MAX];
	char log[PATH_MAX + 16];
	int port;
};

static int write_sessions(const char *path, const char *root)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "{\"sessions\":[");
	int first = 1;
	for (int i = 0; i < nsessions; i++) {
		const struct sess *s = &sessions[i];
		char dict[PATH_MAX + 64], vv[16];
		size_t o = 0;
		struct stat st;
		if (strcmp(s->root, root) != 0)
			continue;
		/* FIX.4.2 -> spec/FIX42.xml */
		for (const char *c = s->version; *c && o + 1 < sizeof vv; c++)
			if (*c != '.')
				vv[o++] = *c;
		vv[o] = 0;
		snprintf(dict, sizeof dict, "%s/spec/%s.xml", root, vv);
		fprintf(f,
		        "%s\n {\"name\":\"%s-%s\",\"version\":\"%s\",\"sender\":\"%s\","
		        "\"target\":\"%s\",\"heartbeat\":30,\"role\":\"trader\",\"user\":\"%s\"",
		        first ? "" : ",", s->target, vv, s->version, s->sender, s->target, s->target);
		if (stat(dict, &st) == 0)
			fprintf(f, ",\"dictionary\":\"%s\"", dict);
		fprintf(f, "}");
		first = 0;
	}
	fprintf(f, "\n]}\n");
	return fclose(f) == 0 ? 0 : -1;
}

/* The last lines of the acceptor's stderr, into the report. */
static void report_log_tail(const struct acceptor *a)
{
	char *t;
	size_t len;

	if (fw_read_file(a->log, &t, &len) < 0)
		return;
	size_t start = len > 1500 ? len - 1500 : 0;
	int lines = 0;
	for (size_t i = len; i > start; i--)
		if (t[i - 1] == '\n' && ++lines > 12) {
			start = i;
			break;
		}
	if (len > start) {
		report_add("    acceptor stderr (%s), last lines:\n", a->log);
		char *p = t + start;
		while (*p) {
			char *nl = strchr(p, '\n');
			if (nl)
				*nl = 0;
			char line[512];
			fw_printable(line, sizeof line, p, strlen(p));
			report_add("    | %s\n", line);
			if (!nl)
				break;
			p = nl + 1;
		}
	}
	free(t);
}

static int acceptor_start(struct acceptor *a, const struct def *d)
{
	char sessf[PATH_MAX + 32], store[PATH_MAX + 16], err[256];

	memset(a, 0, sizeof *a);
	a->proc.pid = -1;
	a->proc.out = -1;
	snprintf(a->dir, sizeof a->dir, "%s/fix-suite.XXXXXX", opt_workdir);
	if (!mkdtemp(a->dir)) {
		report_add(": cannot make a directory under %s: %s\n", opt_workdir, strerror(errno));
		a->dir[0] = 0;
		return -1;
	}
	snprintf(sessf, sizeof sessf, "%s/sessions.json", a->dir);
	snprintf(store, sizeof store, "%s/store", a->dir);
	snprintf(a->log, sizeof a->log, "%s/acceptor.log", a->dir);
	if (write_sessions(sessf, d->root) < 0) {
		report_add(": cannot write %s: %s\n", sessf, strerror(errno));
		return -1;
	}
	char *argv[] = {(char *)opt_tranched, "fix-echo", "--fix-listen", "tcp://127.0.0.1:0",
	                "--fix-sessions", sessf, "--fix-store", store, NULL};
	if (fw_proc_start(&a->proc, argv, a->log, 1, opt_start_timeout, err, sizeof err) < 0) {
		report_add(": acceptor %s\n", err);
		return -1;
	}
	a->port = a->proc.port;
	return 0;
}

/* SIGTERM, then its exit status: 0 when it exited 0 in time. */
static int acceptor_stop(struct acceptor *a, int *reported)
{
	char err[256];

	if (fw_proc_stop(&a->proc, 15.0, err, sizeof err) == 0)
		return 0;
	if (!*reported)
		report_add(": acceptor %s\n", err);
	*reported = 1;
	return -1;
}

static void acceptor_cleanup(struct acceptor *a, int failed)
{
	if (!a->dir[0])
		return;
	if (failed || opt_keep) {
		report_add("    kept %s\n", a->dir);
		return;
	}
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", a->dir);
	if (system(cmd) != 0)
		report_add("    could not remove %s\n", a->dir);
}

/* ---- messages ------------------------------------------------------------------ */

/* A field of a message: tag and value spans. */
struct span {
	const char *tag;
	size_t taglen;
	const char *val;
	size_t vallen;
};

/* The fields of a SOH-separated message (a trailing part without SOH counts
 * as a field). */
static int split_fields(const char *m, size_t len, struct span *f, int max)
{
	int n = 0;
	size_t i = 0;

	while (i < len && n < max) {
		size_t j = i;
		while (j < len && m[j] != SOH)
			j++;
		const char *eq = memchr(m + i, '=', j - i);
		f[n].tag = m + i;
		f[n].taglen = eq ? (size_t)(eq - (m + i)) : j - i;
		f[n].val = eq ? eq + 1 : m + j;
		f[n].vallen = eq ? (size_t)(m + j - (eq + 1)) : 0;
		n++;
		i = j + 1;
	}
	return n;
}

static int span_is(const struct span *s, const char *tag)
{
	return s->taglen == strlen(tag) && memcmp(s->tag, tag, s->taglen) == 0;
}

/* Compares a received frame with an expected line; 0 when they match, else
 * -1 with the first difference in why. */
static int compare(const char *exp, size_t elen, const char *got, size_t glen, char *why,
                   size_t cap)
{
	struct span ef[512], gf[512];
	int ne = split_fields(exp, elen, ef, 512);
	int ng = split_fields(got, glen, gf, 512);
	int ie = 0, ig = 0, pos = 0;

	for (;;) {
		while (ie < ne && (span_is(&ef[ie], "9") || span_is(&ef[ie], "10")))
			ie++;
		while (ig < ng && (span_is(&gf[ig], "9") || span_is(&gf[ig], "10")))
			ig++;
		if (ie == ne && ig == ng)
			return 0;
		pos++;
		if (ie == ne) {
			snprintf(why, cap, "field %d: expected no more fields, got %.*s=%.*s", pos,
			         (int)gf[ig].taglen, gf[ig].tag, (int)gf[ig].vallen, gf[ig].val);
			return -1;
		}
		if (ig == ng) {
			snprintf(why, cap, "field %d: expected %.*s=%.*s, got the end of the message", pos,
			         (int)ef[ie].taglen, ef[ie].tag, (int)ef[ie].vallen, ef[ie].val);
			return -1;
		}
		if (ef[ie].taglen != gf[ig].taglen || memcmp(ef[ie].tag, gf[ig].tag, ef[ie].taglen)) {
			snprintf(why, cap, "field %d: expected tag %.*s, got %.*s=%.*s", pos,
			         (int)ef[ie].taglen, ef[ie].tag, (int)gf[ig].taglen, gf[ig].tag,
			         (int)gf[ig].vallen, gf[ig].val);
			return -1;
		}
		struct pattern *p = pattern_for(ef[ie].tag, ef[ie].taglen);
		if (p) {
			char v[512];
			size_t vl = gf[ig].vallen < sizeof v - 1 ? gf[ig].vallen : sizeof v - 1;
			memcpy(v, gf[ig].val, vl);
			v[vl] = 0;
			if (vl != gf[ig].vallen || memchr(gf[ig].val, 0, gf[ig].vallen) ||
			    regexec(&p->re, v, 0, NULL, 0) != 0) {
				snprintf(why, cap, "field %d (%.*s): expected /%s/, got \"%s\"", pos,
				         (int)ef[ie].taglen, ef[ie].tag, p->src, v);
				return -1;
			}
		} else if (ef[ie].vallen != gf[ig].vallen ||
		           memcmp(ef[ie].val, gf[ig].val, ef[ie].vallen) != 0) {
			snprintf(why, cap, "field %d (%.*s): expected \"%.*s\", got \"%.*s\"", pos,
			         (int)ef[ie].taglen, ef[ie].tag, (int)ef[ie].vallen, ef[ie].val,
			         (int)gf[ig].vallen, gf[ig].val);
			return -1;
		}
		ie++;
		ig++;
	}
}

/* ---- running one definition ------------------------------------------------------- */

/* Plays one line; 0 when it was met, -1 with the report filled. */
static int play_line(const struct def *d, int lineno, char *line, struct fw_conn *conns, int port)
{
	char act = line[0];
	int cid = 1;
	char *body = line + 1;
	char where[PATH_MAX + 32];

	snprintf(where, sizeof where, ": line %d", lineno);
	if (isdigit((unsigned char)line[1]) && line[2] == ',') {
		cid = line[1] - '0';
		body = line + 3;
	}
	struct fw_conn *c = &conns[cid];
	size_t blen = strlen(body);

	if (act == 'i' || act == 'e') {
		if (act == 'i' && strcmp(body, "CONNECT") == 0) {
			if (c->fd >= 0)
				fw_conn_close(c);
			int rc = fw_conn_open(c, port);
			if (rc < 0) {
				report_add("%s: connect to 127.0.0.1:%d: %s\n", where, port, strerror(-rc));
				return -1;
			}
			return 0;
		}
		if (act == 'i' && strcmp(body, "DISCONNECT") == 0) {
			if (c->fd < 0) {
				report_add("%s: iDISCONNECT of connection %d, which is not open\n", where, cid);
				return -1;
			}
			fw_conn_close(c);
			return 0;
		}
		if (act == 'e' && strcmp(body, "CONNECT") == 0)
			return 0; /* QuickFIX's runner waits for nothing here either. */
		if (act == 'e' && strcmp(body, "DISCONNECT") == 0) {
			if (c->fd < 0) {
				report_add("%s: eDISCONNECT on connection %d, which is not open\n", where, cid);
				return -1;
			}
			double deadline = fw_now() + opt_timeout;
			while (!c->eof && c->len == 0 && fw_now() < deadline)
				fw_conn_fill(c, deadline);
			if (c->len) {
				char why[256] = "", pm[600];
				long fl = fw_frame_len(c->buf, c->len, why, sizeof why);
				fw_printable(pm, sizeof pm, c->buf, fl > 0 ? (size_t)fl : c->len);
				report_add("%s: expected a disconnect, got %s\n", where, pm);
				return -1;
			}
			if (!c->eof) {
				report_add("%s: expected a disconnect, the connection was still open after %.0f s\n",
				           where, opt_timeout);
				return -1;
			}
			fw_conn_close(c);
			return 0;
		}
		report_add("%s: cannot run \"%s\": not CONNECT or DISCONNECT\n", where, line);
		return -1;
	}
	if (act == 'I') {
		char t[8192], m[8192];
		int tl = fw_timify(body, blen, t, sizeof t);
		int ml = tl < 0 ? -1 : fw_fixify(t, (size_t)tl, m, sizeof m);
		if (ml < 0) {
			report_add("%s: cannot make a message of \"%s\"\n", where, line);
			return -1;
		}
		if (c->fd < 0) {
			report_add("%s: cannot send on connection %d: it is not open (or was closed)\n", where,
			           cid);
			return -1;
		}
		size_t off = 0;
		while (off < (size_t)ml) {
			ssize_t w = send(c->fd, m + off, (size_t)ml - off, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				report_add("%s: send on connection %d: %s (the acceptor closed it?)\n", where, cid,
				           strerror(errno));
				return -1;
			}
			off += (size_t)w;
		}
		return 0;
	}
	if (act == 'E') {
		char why[512] = "", pe[600], pg[600], et[8192];
		/* QuickFIX substitutes times in expectations too (SessionReset
		 * expects 52=<TIME>). */
		int etl = fw_timify(body, blen, et, sizeof et);
		if (etl < 0) {
			report_add("%s: cannot read the expectation \"%s\"\n", where, line);
			return -1;
		}
		body = et;
		blen = (size_t)etl;
		if (c->fd < 0) {
			report_add("%s: expected a message on connection %d, which is not open\n", where, cid);
			return -1;
		}
		double deadline = fw_now() + opt_timeout;
		long fl;
		while ((fl = fw_frame_len(c->buf, c->len, why, sizeof why)) == 0) {
			if ((c->eof || fw_now() >= deadline) && c->len > 0) {
				/* Bytes that never became a message: most often a
				 * BodyLength that runs past the CheckSum. */
				fw_frame_diag(c->buf, c->len, why, sizeof why);
				fw_printable(pg, sizeof pg, c->buf, c->len);
				report_add("%s: %s; got %s\n", where, why, pg);
				return -1;
			}
			if (c->eof) {
				fw_printable(pe, sizeof pe, body, blen);
				report_add("%s: expected %s, got a disconnect\n", where, pe);
				return -1;
			}
			if (fw_now() >= deadline) {
				fw_printable(pe, sizeof pe, body, blen);
				report_add("%s: expected %s, got nothing in %.0f s\n", where, pe, opt_timeout);
				return -1;
			}
			if (fw_conn_fill(c, deadline) < 0) {
				report_add("%s: out of memory\n", where);
				return -1;
			}
		}
		if (fl < 0) {
			fw_printable(pg, sizeof pg, c->buf, c->len);
			report_add("%s: %s: %s\n", where, why, pg);
			return -1;
		}
		if (compare(body, blen, c->buf, (size_t)fl, why, sizeof why) < 0) {
			fw_printable(pe, sizeof pe, body, blen);
			fw_printable(pg, sizeof pg, c->buf, (size_t)fl);
			report_add("%s: %s\n    expected %s\n    got      %s\n", where, why, pe, pg);
			return -1;
		}
		fw_conn_consume(c, (size_t)fl);
		return 0;
	}
	report_add("%s: cannot run \"%.80s\": unknown action '%c'\n", where, line, act);
	return -1;
}

static int run_def(const struct def *d)
{
	struct acceptor a = {.proc = {.pid = -1, .out = -1}};
	struct fw_conn conns[MAX_CONN];
	int failed = 0, reported = 0;
	char err[512];
	double t0 = fw_now();

	report_len = 0;
	report_add("%s", d->name);
	for (int i = 0; i < MAX_CONN; i++)
		conns[i] = (struct fw_conn){.fd = -1};
	if (patterns_load(d->root, err, sizeof err) < 0) {
		report_add(": %s\n", err);
		failed = reported = 1;
	} else if (acceptor_start(&a, d) < 0) {
		failed = reported = 1;
	} else {
		char *text = strdup(d->text);
		char *p = text;
		int lineno = 0;
		while (p && !failed) {
			char *nl = strchr(p, '\n');
			if (nl)
				*nl = 0;
			lineno++;
			size_t l = strlen(p);
			while (l && p[l - 1] == '\r')
				p[--l] = 0;
			if (l && p[0] != '#' && play_line(d, lineno, p, conns, a.port) < 0)
				failed = reported = 1;
			p = nl ? nl + 1 : NULL;
		}
		free(text);
	}
	for (int i = 0; i < MAX_CONN; i++) {
		fw_conn_close(&conns[i]);
		free(conns[i].buf);
	}
	if (a.proc.pid > 0 || a.proc.out >= 0) {
		if (acceptor_stop(&a, &reported) < 0)
			failed = 1;
	}
	if (failed && a.dir[0])
		report_log_tail(&a);
	acceptor_cleanup(&a, failed);

	/* The first line is "PASS name (s)" or "FAIL name: why". */
	char head[64];
	snprintf(head, sizeof head, "%s ", failed ? "FAIL" : "PASS");
	if (!failed)
		report_add(" (%.1f s)\n", fw_now() - t0);
	memmove(report + strlen(head), report, report_len + 1 < sizeof report - strlen(head)
	                                               ? report_len + 1
	                                               : sizeof report - strlen(head) - 1);
	memcpy(report, head, strlen(head));
	report_len += strlen(head);
	if (report_len >= sizeof report)
		report_len = sizeof report - 1;
	report[report_len] = 0;
	return failed ? 1 : 0;
}

/* ---- main ------------------------------------------------------------------------------ */

static int cmp_estimate(const void *a, const void *b)
{
	const struct def *x = a, *y = b;
	if (x->estimate != y->estimate)
		return x->estimate < y->estimate ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: fix-suite --tranched PATH [-j N] [--timeout SEC] [--start-timeout SEC]\n"
	        "                 [--workdir DIR] [--keep]\n"
	        "                 [--skip-absent] [--list] DIR|FILE.def...\n"
	        "Runs QuickFIX session acceptance definitions against `PATH fix-echo`, one fresh\n"
	        "acceptor per definition.\n"
	        "  --tranched PATH  the acceptor's binary (run as PATH fix-echo --fix-listen URL\n"
	        "                   --fix-sessions FILE --fix-store DIR)\n"
	        "  -j N             run N definitions at once (default 1)\n"
	        "  --timeout SEC    how long each expectation waits (default 15)\n"
	        "  --start-timeout SEC  how long the acceptor may take to listen (default 120)\n"
	        "  --workdir DIR    where the stores and logs go (default $TMPDIR or /tmp)\n"
	        "  --keep           keep every definition's directory, not only failed ones'\n"
	        "  --skip-absent    exit 77 (skipped) when a DIR or FILE does not exist\n"
	        "  --list           print the definitions, longest expected first, and exit\n");
}

int main(int argc, char **argv)
{
	int jobs = 1, list = 0, skip_absent = 0;
	char err[PATH_MAX + 256];
	const char *paths[MAX_DEFS];
	int npaths = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--tranched") && i + 1 < argc) {
			opt_tranched = argv[++i];
		} else if (!strcmp(a, "-j") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 1 || v > 64) {
				fprintf(stderr, "fix-suite: -j %s: must be 1..64\n", argv[i]);
				return 2;
			}
			jobs = (int)v;
		} else if (!strcmp(a, "--timeout") && i + 1 < argc) {
			char *end;
			double v = strtod(argv[++i], &end);
			if (*end || !(v > 0 && v <= 3600)) {
				fprintf(stderr, "fix-suite: --timeout %s: must be seconds in (0, 3600]\n", argv[i]);
				return 2;
			}
			opt_timeout = v;
		} else if (!strcmp(a, "--start-timeout") && i + 1 < argc) {
			char *end;
			double v = strtod(argv[++i], &end);
			if (*end || !(v > 0 && v <= 3600)) {
				fprintf(stderr, "fix-suite: --start-timeout %s: must be seconds in (0, 3600]\n",
				        argv[i]);
				return 2;
			}
			opt_start_timeout = v;
		} else if (!strcmp(a, "--workdir") && i + 1 < argc) {
			opt_workdir = argv[++i];
		} else if (!strcmp(a, "--keep")) {
			opt_keep = 1;
		} else if (!strcmp(a, "--skip-absent")) {
			skip_absent = 1;
		} else if (!strcmp(a, "--list")) {
			list = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-') {
			fprintf(stderr, "fix-suite: unknown option %s\n", a);
			usage(stderr);
			return 2;
		} else if (npaths < MAX_DEFS) {
			paths[npaths++] = a;
		}
	}
	if (npaths == 0) {
		usage(stderr);
		return 2;
	}
	for (int i = 0; i < npaths; i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0) {
			if (skip_absent && errno == ENOENT) {
				printf("SKIP: %s does not exist (the FIX acceptance definitions live in "
				       "../shared/fix; set TRANCHE_FIX_DIR)\n",
				       paths[i]);
				return 77;
			}
			fprintf(stderr, "fix-suite: %s: %s\n", paths[i], strerror(errno));
			return 2;
		}
		int rc;
		if (S_ISDIR(st.st_mode)) {
			rc = dir_load(paths[i], 1, err, sizeof err);
		} else {
			rc = def_load(paths[i], 1, err, sizeof err);
			/* The sessions come from every definition beside it. */
			char dir[PATH_MAX];
			snprintf(dir, sizeof dir, "%s", defs[ndefs - 1].path);
			*strrchr(dir, '/') = 0;
			if (rc == 0)
				rc = dir_load(dir, 0, err, sizeof err);
		}
		if (rc < 0) {
			fprintf(stderr, "fix-suite: %s\n", err);
			return 2;
		}
	}
	qsort(defs, (size_t)ndefs, sizeof defs[0], cmp_estimate);
	if (list) {
		for (int i = 0; i < ndefs; i++)
			printf("%-60s ~%.0f s\n", defs[i].name, defs[i].estimate);
		for (int i = 0; i < nsessions; i++)
			printf("session %s %s -> %s\n", sessions[i].version, sessions[i].target,
			       sessions[i].sender);
		return 0;
	}
	if (!opt_tranched) {
		fprintf(stderr, "fix-suite: --tranched PATH is required\n");
		return 2;
	}
	if (!opt_workdir)
		opt_workdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Each definition runs in a child that reports through a pipe; the
	 * parent prints the reports as the children end. */
	pid_t pids[64];
	int pipes[64], slot_def[64];
	int running = 0, next = 0, passed = 0, failed = 0;
	const char *failures[MAX_DEFS];
	double t0 = fw_now();

	for (int i = 0; i < jobs; i++)
		pids[i] = -1;
	while (next < ndefs || running > 0) {
		while (running < jobs && next < ndefs) {
			int s = 0, pfd[2];
			while (pids[s] > 0)
				s++;
			if (pipe(pfd) < 0) {
				perror("fix-suite: pipe");
				return 2;
			}
			pid_t pid = fork();
			if (pid < 0) {
				perror("fix-suite: fork");
				return 2;
			}
			if (pid == 0) {
				close(pfd[0]);
				int rc = run_def(&defs[next]);
				size_t off = 0;
				while (off < report_len) {
					ssize_t w = write(pfd[1], report + off, report_len - off);
					if (w <= 0)
						break;
					off += (size_t)w;
				}
				_exit(rc);
			}
			close(pfd[1]);
			pids[s] = pid;
			pipes[s] = pfd[0];
			slot_def[s] = next++;
			running++;
		}
		int st;
		pid_t w = waitpid(-1, &st, 0);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			perror("fix-suite: waitpid");
			return 2;
		}
		int s = 0;
		while (s < jobs && pids[s] != w)
			s++;
		if (s == jobs)
			continue;
		char buf[REPORT_MAX];
		size_t n = 0;
		ssize_t r;
		while (n < sizeof buf - 1 && (r = read(pipes[s], buf + n, sizeof buf - 1 - n)) > 0)
			n += (size_t)r;
		buf[n] = 0;
		close(pipes[s]);
		pids[s] = -1;
		running--;
		int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && n > 0 && strncmp(buf, "PASS ", 5) == 0;
		if (ok) {
			passed++;
		} else {
			failures[failed++] = defs[slot_def[s]].name;
			if (n == 0 || strncmp(buf, "FAIL ", 5) != 0)
				printf("FAIL %s: the runner's child ended with %s %d\n", defs[slot_def[s]].name,
				       WIFEXITED(st) ? "status" : "signal",
				       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		}
		fputs(buf, stdout);
		if (n && buf[n - 1] != '\n')
			putchar('\n');
	}
	printf("%d definitions: %d passed, %d failed (%.1f s)\n", ndefs, passed, failed, fw_now() - t0);
	for (int i = 0; i < failed; i++)
		printf("  failed: %s\n", failures[i]);
	return failed ? 1 : 0;
}
