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

#define SOH '\001'
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

/* One TCP connection of a definition, with what it has read and not yet
 * consumed. */
struct conn {
	int fd;
	char *buf;
	size_t len, cap;
	int eof;
};

static struct def defs[MAX_DEFS];
static int ndefs;
static struct sess sessions[64];
static int nsessions;
static const char *opt_tranched;
static double opt_timeout = 15.0;
static const char *opt_workdir;
static int opt_keep;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

/* A message made printable: SOH as '|', other control bytes as \xNN, cut
 * at a few hundred bytes. */
static void printable(char *out, size_t cap, const char *m, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 8 < cap; i++) {
		unsigned char c = (unsigned char)m[i];
		if (c == SOH)
			out[o++] = '|';
		else if (c < 32 || c >= 127)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (o + 8 >= cap && cap > 4) {
		o = cap - 4;
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
}

static int read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return -errno;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(b, cap);
			if (!nb) {
				free(b);
				fclose(f);
				return -ENOMEM;
			}
			b = nb;
		}
		size_t r = fread(b + n, 1, 4096, f);
		n += r;
		if (r < 4096)
			break;
	}
	fclose(f);
	b[n] = 0;
	*out = b;
	*len = n;
	return 0;
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
	rc = read_file(path, &text, &len);
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

/* The value of a tag in a line's message (between SOHs), copied. */
static int msg_field(const char *m, size_t len, const char *tag, char *out, size_t cap)
{
	size_t tl = strlen(tag);
	size_t i = 0;

	while (i < len) {
		size_t j = i;
		while (j < len && m[j] != SOH && m[j] != '\n')
			j++;
		if (j - i > tl && memcmp(m + i, tag, tl) == 0 && m[i + tl] == '=') {
			size_t vl = j - i - tl - 1;
			if (vl >= cap)
				vl = cap - 1;
			memcpy(out, m + i + tl + 1, vl);
			out[vl] = 0;
			return 0;
		}
		if (j < len && m[j] == '\n')
			break;
		i = j + 1;
	}
	return -1;
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
		if (ll > 1 && p[0] == 'I' && msg_field(p + 1, ll - 1, "108", hb, sizeof hb) == 0) {
			/* The logon's HeartBtInt sets the pace. */
		} else if (ll > 1 && p[0] == 'E' && msg_field(p + 1, ll - 1, "35", mt, sizeof mt) == 0 &&
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
		if (ll > 1 && p[0] == 'E' && msg_field(m, ml, "35", mt, sizeof mt) == 0 &&
		    strcmp(mt, "A") == 0 && msg_field(m, ml, "8", v, sizeof v) == 0 &&
		    msg_field(m, ml, "49", s, sizeof s) == 0 && msg_field(m, ml, "56", t, sizeof t) == 0) {
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
	rc = read_file(d->path, &d->text, &d->len);
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
	pid_t pid;
	int out; /* its stdout */
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

	if (read_file(a->log, &t, &len) < 0)
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
			printable(line, sizeof line, p, strlen(p));
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
	char sessf[PATH_MAX + 32], store[PATH_MAX + 16];
	int pfd[2];

	memset(a, 0, sizeof *a);
	a->pid = -1;
	a->out = -1;
	snprintf(a->dir, sizeof a->dir, "%s/fix-suite.XXXXXX", opt_workdir);
	if (!mkdtemp(a->dir)) {
		report_add(": cannot make a directory under %s: %s\n", opt_workdir, strerror(errno));
		return -1;
	}
	snprintf(sessf, sizeof sessf, "%s/sessions.json", a->dir);
	snprintf(store, sizeof store, "%s/store", a->dir);
	snprintf(a->log, sizeof a->log, "%s/acceptor.log", a->dir);
	if (write_sessions(sessf, d->root) < 0) {
		report_add(": cannot write %s: %s\n", sessf, strerror(errno));
		return -1;
	}
	if (pipe(pfd) < 0) {
		report_add(": pipe: %s\n", strerror(errno));
		return -1;
	}
	a->pid = fork();
	if (a->pid < 0) {
		report_add(": fork: %s\n", strerror(errno));
		return -1;
	}
	if (a->pid == 0) {
		/* The acceptor must not outlive the judge if the judge is killed. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int logfd = open(a->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(pfd[1], 1);
		if (logfd >= 0)
			dup2(logfd, 2);
		close(pfd[0]);
		close(pfd[1]);
		execl(opt_tranched, opt_tranched, "fix-echo", "--fix-listen", "tcp://127.0.0.1:0",
		      "--fix-sessions", sessf, "--fix-store", store, (char *)NULL);
		fprintf(stderr, "fix-suite: exec %s: %s\n", opt_tranched, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	a->out = pfd[0];

	/* Read its stdout until the listening line. */
	char line[512];
	size_t ll = 0;
	double deadline = now_s() + 30.0;
	for (;;) {
		double left = deadline - now_s();
		if (left <= 0) {
			report_add(": acceptor printed no \"listening tcp://127.0.0.1:PORT\" in 30 s\n");
			return -1;
		}
		struct pollfd p = {.fd = a->out, .events = POLLIN};
		int pr = poll(&p, 1, (int)(left * 1000) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		ssize_t r = read(a->out, line + ll, 1);
		if (r <= 0) {
			int st;
			waitpid(a->pid, &st, 0);
			report_add(": acceptor exited before listening (%s %d)\n",
			           WIFEXITED(st) ? "status" : "signal",
			           WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			a->pid = -1;
			report_log_tail(a);
			return -1;
		}
		if (line[ll] == '\n' || ll + 2 >= sizeof line) {
			line[ll] = 0;
			const char *pre = "listening tcp://";
			if (strncmp(line, pre, strlen(pre)) == 0) {
				const char *colon = strrchr(line, ':');
				char *end;
				long port = strtol(colon + 1, &end, 10);
				if (port <= 0 || port > 65535 || *end) {
					report_add(": acceptor's line \"%s\" has no port\n", line);
					return -1;
				}
				a->port = (int)port;
				return 0;
			}
			ll = 0;
			continue;
		}
		ll++;
	}
}

/* SIGTERM, then its exit status: 0 when it exited 0 in time. */
static int acceptor_stop(struct acceptor *a, int *reported)
{
	int st = 0, rc = 0;

	if (a->pid > 0) {
		kill(a->pid, SIGTERM);
		double deadline = now_s() + 15.0;
		pid_t w;
		while ((w = waitpid(a->pid, &st, WNOHANG)) == 0 && now_s() < deadline) {
			/* Drain its stdout so that it can never block on a full pipe. */
			char sink[512];
			struct pollfd p = {.fd = a->out, .events = POLLIN};
			if (poll(&p, 1, 20) > 0 && read(a->out, sink, sizeof sink) <= 0)
				usleep(20000);
		}
		if (w == 0) {
			kill(a->pid, SIGKILL);
			waitpid(a->pid, &st, 0);
			if (!*reported)
				report_add(": acceptor did not exit within 15 s of SIGTERM\n");
			*reported = 1;
			rc = -1;
		} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			if (!*reported)
				report_add(": acceptor ended with %s %d after SIGTERM\n",
				           WIFEXITED(st) ? "status" : "signal",
				           WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			*reported = 1;
			rc = -1;
		}
		a->pid = -1;
	}
	if (a->out >= 0)
		close(a->out);
	a->out = -1;
	return rc;
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

/* <TIME>, <TIME+n>, <TIME-n> as YYYYMMDD-HH:MM:SS of UTC now. */
static int timify(const char *in, size_t len, char *out, size_t cap)
{
	time_t t0 = time(NULL);
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		if (len - i >= 6 && memcmp(in + i, "<TIME", 5) == 0) {
			size_t j = i + 5;
			long shift = 0;
			if (in[j] == '+' || in[j] == '-') {
				char *end;
				shift = strtol(in + j + 1, &end, 10);
				if (end == in + j + 1)
					return -1;
				if (in[j] == '-')
					shift = -shift;
				j = (size_t)(end - in);
			}
			if (j >= len || in[j] != '>')
				return -1;
			time_t t = t0 + shift;
			struct tm tm;
			gmtime_r(&t, &tm);
			if (o + 18 >= cap)
				return -1;
			o += strftime(out + o, cap - o, "%Y%m%d-%H:%M:%S", &tm);
			i = j + 1;
			continue;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = in[i++];
	}
	out[o] = 0;
	return (int)o;
}

/* QuickFIX's fixify: where the message starts with 8= and has no 9, a 9 is
 * put after the 8 counting from there to the 10 (or the end); where it has no
 * 10, one is computed.  A message not starting with 8= is left alone.  One
 * difference: where a 10 is written but no 9 (3b_InvalidChecksum), QuickFIX
 * counts one byte short (it drops the SOH before the 10); here the 9 is right,
 * so that such a line tests the acceptor's CheckSum check and not, again, its
 * BodyLength check. */
static int fixify(const char *in, size_t len, char *out, size_t cap)
{
	const char *head_end;
	size_t hl, bl;
	const char *body, *cks = NULL;
	int has_len = 0;

	if (len < 2 || memcmp(in, "8=", 2) != 0 || !(head_end = memchr(in, SOH, len))) {
		if (len + 1 > cap)
			return -1;
		memcpy(out, in, len);
		out[len] = 0;
		return (int)len;
	}
	hl = (size_t)(head_end - in) + 1;
	body = in + hl;
	bl = len - hl;
	/* Is there a 9 field anywhere (QuickFIX looks for SOH 9=)? */
	for (size_t i = 0; i + 3 <= len; i++)
		if (in[i] == SOH && in[i + 1] == '9' && in[i + 2] == '=') {
			has_len = 1;
			break;
		}
	/* A 10 field running to the end of the message. */
	for (size_t i = 1; i + 4 <= bl; i++)
		if (body[i - 1] == SOH && memcmp(body + i, "10=", 3) == 0 && body[bl - 1] == SOH) {
			cks = body + i;
			break;
		}
	size_t msgl = cks ? (size_t)(cks - body) : bl;
	size_t o = 0;
	if (hl + msgl + 64 > cap)
		return -1;
	memcpy(out, in, hl);
	o = hl;
	if (!has_len)
		o += (size_t)snprintf(out + o, cap - o, "9=%zu%c", msgl, SOH);
	memcpy(out + o, body, msgl);
	o += msgl;
	if (cks) {
		size_t cl = bl - msgl;
		if (o + cl + 1 > cap)
			return -1;
		memcpy(out + o, cks, cl);
		o += cl;
	} else {
		unsigned sum = 0;
		for (size_t i = 0; i < o; i++)
			sum += (unsigned char)out[i];
		o += (size_t)snprintf(out + o, cap - o, "10=%03u%c", sum % 256, SOH);
	}
	out[o] = 0;
	return (int)o;
}

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

/* One complete frame at the start of c->buf: its length, 0 when more bytes
 * are needed, -1 with why when the bytes cannot be a FIX message. */
static long frame_len(const struct conn *c, char *why, size_t cap)
{
	const char *b = c->buf;
	size_t n = c->len;

	if (n < 2)
		return 0;
	if (memcmp(b, "8=", 2) != 0) {
		snprintf(why, cap, "received bytes that do not start with 8=");
		return -1;
	}
	const char *s1 = memchr(b, SOH, n);
	if (!s1)
		return n > 64 ? (snprintf(why, cap, "no SOH after BeginString"), -1) : 0;
	size_t p = (size_t)(s1 - b) + 1;
	if (n < p + 2)
		return 0;
	if (memcmp(b + p, "9=", 2) != 0) {
		snprintf(why, cap, "second field is not 9 (BodyLength)");
		return -1;
	}
	size_t q = p + 2;
	unsigned long blen = 0;
	while (q < n && isdigit((unsigned char)b[q])) {
		blen = blen * 10 + (unsigned long)(b[q] - '0');
		if (blen > 1000000) {
			snprintf(why, cap, "BodyLength over 1000000");
			return -1;
		}
		q++;
	}
	if (q == n)
		return 0;
	if (q == p + 2 || b[q] != SOH) {
		snprintf(why, cap, "BodyLength is not a number");
		return -1;
	}
	size_t body = q + 1;
	size_t end = body + blen;
	if (n < end + 7)
		return 0;
	if (memcmp(b + end, "10=", 3) != 0 || b[end + 6] != SOH || b[end - 1] != SOH) {
		/* Find where the trailer really is, to say by how much it is wrong. */
		for (size_t i = body; i + 4 <= n; i++)
			if (b[i - 1] == SOH && memcmp(b + i, "10=", 3) == 0) {
				snprintf(why, cap, "BodyLength %lu but the body is %zu bytes", blen, i - body);
				return -1;
			}
		return n > end + 4096 ? (snprintf(why, cap, "BodyLength %lu: no 10= at its end", blen), -1)
		                      : 0;
	}
	unsigned sum = 0;
	for (size_t i = 0; i < end; i++)
		sum += (unsigned char)b[i];
	if (!isdigit((unsigned char)b[end + 3]) || !isdigit((unsigned char)b[end + 4]) ||
	    !isdigit((unsigned char)b[end + 5])) {
		snprintf(why, cap, "CheckSum \"%.3s\" is not three digits", b + end + 3);
		return -1;
	}
	unsigned got = (unsigned)((b[end + 3] - '0') * 100 + (b[end + 4] - '0') * 10 + (b[end + 5] - '0'));
	if (got != sum % 256) {
		snprintf(why, cap, "CheckSum %03u but the bytes sum to %03u", got, sum % 256);
		return -1;
	}
	return (long)(end + 7);
}

/* Why the bytes waiting in c are not a whole message (they stopped coming
 * before the end their BodyLength promised). */
static void frame_diag(const struct conn *c, char *why, size_t cap)
{
	const char *b = c->buf;
	size_t n = c->len;
	const char *s1 = memchr(b, SOH, n);
	char *end;

	snprintf(why, cap, "an incomplete message (%zu bytes) and nothing more", n);
	if (!s1 || (size_t)(s1 - b) + 3 > n || memcmp(s1 + 1, "9=", 2) != 0)
		return;
	unsigned long blen = strtoul(s1 + 3, &end, 10);
	if (end >= b + n || *end != SOH)
		return;
	size_t body = (size_t)(end - b) + 1;
	for (size_t i = body; i + 4 <= n; i++)
		if (b[i - 1] == SOH && memcmp(b + i, "10=", 3) == 0) {
			snprintf(why, cap, "BodyLength %lu but the body is %zu bytes", blen, i - body);
			return;
		}
	snprintf(why, cap, "BodyLength %lu but only %zu bytes came", blen, n - body);
}

/* Reads into c until a frame is complete, EOF, or the deadline. */
static int conn_fill(struct conn *c, double deadline)
{
	for (;;) {
		double left = deadline - now_s();
		if (left <= 0)
			return 0;
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int pr = poll(&p, 1, (int)(left * 1000) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		if (c->len + 4096 > c->cap) {
			size_t ncap = c->cap ? c->cap * 2 : 16384;
			char *nb = realloc(c->buf, ncap);
			if (!nb)
				return -1;
			c->buf = nb;
			c->cap = ncap;
		}
		ssize_t r = read(c->fd, c->buf + c->len, 4096);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			c->eof = 1;
			return 0;
		}
		c->len += (size_t)r;
		return 1;
	}
}

static void conn_consume(struct conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
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

static int conn_open(struct conn *c, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(c->fd);
		c->fd = -1;
		return -e;
	}
	c->len = 0;
	c->eof = 0;
	return 0;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->eof = 0;
}

/* Plays one line; 0 when it was met, -1 with the report filled. */
static int play_line(const struct def *d, int lineno, char *line, struct conn *conns, int port)
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
	struct conn *c = &conns[cid];
	size_t blen = strlen(body);

	if (act == 'i' || act == 'e') {
		if (act == 'i' && strcmp(body, "CONNECT") == 0) {
			if (c->fd >= 0)
				conn_close(c);
			int rc = conn_open(c, port);
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
			conn_close(c);
			return 0;
		}
		if (act == 'e' && strcmp(body, "CONNECT") == 0)
			return 0; /* QuickFIX's runner waits for nothing here either. */
		if (act == 'e' && strcmp(body, "DISCONNECT") == 0) {
			if (c->fd < 0) {
				report_add("%s: eDISCONNECT on connection %d, which is not open\n", where, cid);
				return -1;
			}
			double deadline = now_s() + opt_timeout;
			while (!c->eof && c->len == 0 && now_s() < deadline)
				conn_fill(c, deadline);
			if (c->len) {
				char why[256] = "", pm[600];
				long fl = frame_len(c, why, sizeof why);
				printable(pm, sizeof pm, c->buf, fl > 0 ? (size_t)fl : c->len);
				report_add("%s: expected a disconnect, got %s\n", where, pm);
				return -1;
			}
			if (!c->eof) {
				report_add("%s: expected a disconnect, the connection was still open after %.0f s\n",
				           where, opt_timeout);
				return -1;
			}
			conn_close(c);
			return 0;
		}
		report_add("%s: cannot run \"%s\": not CONNECT or DISCONNECT\n", where, line);
		return -1;
	}
	if (act == 'I') {
		char t[8192], m[8192];
		int tl = timify(body, blen, t, sizeof t);
		int ml = tl < 0 ? -1 : fixify(t, (size_t)tl, m, sizeof m);
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
		char why[512] = "", pe[600], pg[600];
		if (c->fd < 0) {
			report_add("%s: expected a message on connection %d, which is not open\n", where, cid);
			return -1;
		}
		double deadline = now_s() + opt_timeout;
		long fl;
		while ((fl = frame_len(c, why, sizeof why)) == 0) {
			if ((c->eof || now_s() >= deadline) && c->len > 0) {
				/* Bytes that never became a message: most often a
				 * BodyLength that runs past the CheckSum. */
				frame_diag(c, why, sizeof why);
				printable(pg, sizeof pg, c->buf, c->len);
				report_add("%s: %s; got %s\n", where, why, pg);
				return -1;
			}
			if (c->eof) {
				printable(pe, sizeof pe, body, blen);
				report_add("%s: expected %s, got a disconnect\n", where, pe);
				return -1;
			}
			if (now_s() >= deadline) {
				printable(pe, sizeof pe, body, blen);
				report_add("%s: expected %s, got nothing in %.0f s\n", where, pe, opt_timeout);
				return -1;
			}
			if (conn_fill(c, deadline) < 0) {
				report_add("%s: out of memory\n", where);
				return -1;
			}
		}
		if (fl < 0) {
			printable(pg, sizeof pg, c->buf, c->len);
			report_add("%s: %s: %s\n", where, why, pg);
			return -1;
		}
		if (compare(body, blen, c->buf, (size_t)fl, why, sizeof why) < 0) {
			printable(pe, sizeof pe, body, blen);
			printable(pg, sizeof pg, c->buf, (size_t)fl);
			report_add("%s: %s\n    expected %s\n    got      %s\n", where, why, pe, pg);
			return -1;
		}
		conn_consume(c, (size_t)fl);
		return 0;
	}
	report_add("%s: cannot run \"%.80s\": unknown action '%c'\n", where, line, act);
	return -1;
}

static int run_def(const struct def *d)
{
	struct acceptor a = {.pid = -1, .out = -1};
	struct conn conns[MAX_CONN];
	int failed = 0, reported = 0;
	char err[512];
	double t0 = now_s();

	report_len = 0;
	report_add("%s", d->name);
	for (int i = 0; i < MAX_CONN; i++)
		conns[i] = (struct conn){.fd = -1};
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
		conn_close(&conns[i]);
		free(conns[i].buf);
	}
	if (a.pid > 0 || a.out >= 0) {
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
		report_add(" (%.1f s)\n", now_s() - t0);
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
	        "usage: fix-suite --tranched PATH [-j N] [--timeout SEC] [--workdir DIR] [--keep]\n"
	        "                 [--skip-absent] [--list] DIR|FILE.def...\n"
	        "Runs QuickFIX session acceptance definitions against `PATH fix-echo`, one fresh\n"
	        "acceptor per definition.\n"
	        "  --tranched PATH  the acceptor's binary (run as PATH fix-echo --fix-listen URL\n"
	        "                   --fix-sessions FILE --fix-store DIR)\n"
	        "  -j N             run N definitions at once (default 1)\n"
	        "  --timeout SEC    how long each expectation waits (default 15)\n"
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
	double t0 = now_s();

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
	printf("%d definitions: %d passed, %d failed (%.1f s)\n", ndefs, passed, failed, now_s() - t0);
	for (int i = 0; i < failed; i++)
		printf("  failed: %s\n", failures[i]);
	return failed ? 1 : 0;
}
