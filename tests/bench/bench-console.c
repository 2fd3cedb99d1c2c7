/*
 * tests/bench/bench-console.c -- what the console costs while an engine
 * publishes hard.  A stand-in engine binds the control (REP) and events
 * (PUB) sockets on an ipc path, answers hello, status and snapshot
 * minimally, and publishes realistic events -- ten-level books with our
 * orders (20 a second, conflated as the engine does), trades, block
 * progress, decisions with their reasons, alerts now and then, and a
 * heartbeat four times a second -- at --rate events a second in all, each
 * pass's events in one message as the engine sends them (protocol version
 * 2).  A pass is 1 ms by default, ten times as many messages as the
 * engine's 10 ms clock passes make; --pass-ms 10 is the engine's pace.  The real console (`tranche --connect URL --frames N`) runs on a
 * pseudo-terminal of 120 x 40 whose output is read and counted, and when
 * it exits after its N frames the figures are its own: CPU time (user +
 * system, from wait4), frames a second, bytes a second sent to the
 * terminal, and its peak resident set.
 *
 *   bench-console --tranche PATH [--rate N] [--frames N] [--runs N]
 *                 [--pass-ms N] [--json]
 *
 * Each run prints one line; with --runs above 1 a last line gives the
 * medians.  The targets: at most 30 frames a second, at most 5% of
 * one core, under 32 MB resident, at 10,000 events a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>

#include "ipc/codec.h"
#include "ipc/protocol.h"

#define T0 34200000000000LL /* 09:30:00 */

struct pub {
	nng_socket pub, rep;
	atomic_ullong seq;   /* last published */
	atomic_llong t;      /* simulated time of the last event */
	atomic_int stop;
	pthread_mutex_t mu;  /* seq and the send happen together */
	char events_url[512];
	/* The publishing thread's: this tick's events, joined by '\n'. */
	char *batch;
	size_t blen, bcap;
	uint64_t next_seq, msgs;
	int64_t bt;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
die(const char *what, int rv)
{
	fprintf(stderr, "bench-console: %s: %s\n", what, nng_strerror(rv));
	exit(1);
}

/* Queue one event for this tick's message, numbered as published. */
static void
pub_event(struct pub *p, const char *topic, cJSON *payload, int64_t t)
{
	size_t len;
	char *buf;

	buf = ipc_event_format(topic, ++p->next_seq, t, payload, &len);
	if (buf == NULL)
		abort();
	if (p->blen + len + 1 > p->bcap) {
		p->bcap = (p->blen + len + 1) * 2;
		if ((p->batch = realloc(p->batch, p->bcap)) == NULL)
			abort();
	}
	if (p->blen > 0)
		p->batch[p->blen++] = '\n';
	memcpy(p->batch + p->blen, buf, len);
	p->blen += len;
	p->bt = t;
	free(buf);
}

/* Send the tick's events as one message, as the engine sends a pass's
 * (engine/server/server.c); seq and t move under the lock, so a
 * snapshot's seq is never ahead of what was sent. */
static void
pub_flush(struct pub *p)
{
	if (p->blen == 0)
		return;
	pthread_mutex_lock(&p->mu);
	nng_send(p->pub, p->batch, p->blen, NNG_FLAG_NONBLOCK);
	atomic_store(&p->seq, p->next_seq);
	atomic_store(&p->t, p->bt);
	pthread_mutex_unlock(&p->mu);
	p->blen = 0;
	p->msgs++;
}

static cJSON *
book_payload(long i)
{
	cJSON *o = cJSON_CreateObject(), *bids, *asks, *ours, *u;
	int k, mid = 10000 + (int)(i / 50 % 40) - 20;

	cJSON_AddStringToObject(o, "sym", "QDI");
	bids = cJSON_AddArrayToObject(o, "bids");
	asks = cJSON_AddArrayToObject(o, "asks");
	for (k = 0; k < 10; k++) {
		int lv[3] = { mid - 1 - k, 100 * (int)((i + k * 7) % 40 + 1),
			1 + k % 4 };
		int la[3] = { mid + 1 + k, 100 * (int)((i + k * 5) % 30 + 1),
			1 + k % 3 };

		cJSON_AddItemToArray(bids, cJSON_CreateIntArray(lv, 3));
		cJSON_AddItemToArray(asks, cJSON_CreateIntArray(la, 3));
	}
	cJSON_AddNumberToObject(o, "last", mid);
	ours = cJSON_AddArrayToObject(o, "ours");
	u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "id", "c1");
	cJSON_AddStringToObject(u, "side", "buy");
	cJSON_AddNumberToObject(u, "px", mid - 1);
	cJSON_AddNumberToObject(u, "qty", 500);
	cJSON_AddNumberToObject(u, "ahead", (double)(i % 3000));
	cJSON_AddItemToArray(ours, u);
	return o;
}

static cJSON *
block_payload(long i, int64_t t)
{
	cJSON *o = cJSON_CreateObject();
	char ts[32];
	long filled = i % 100000;

	cJSON_AddStringToObject(o, "id", "B1");
	cJSON_AddStringToObject(o, "sym", "QDI");
	cJSON_AddStringToObject(o, "side", "buy");
	cJSON_AddNumberToObject(o, "qty", 100000);
	cJSON_AddNumberToObject(o, "filled", (double)filled);
	cJSON_AddNumberToObject(o, "working", 500);
	cJSON_AddNumberToObject(o, "remaining", (double)(100000 - filled));
	cJSON_AddStringToObject(o, "state", "WORKING");
	cJSON_AddStringToObject(o, "algo", "vwap");
	snprintf(ts, sizeof ts, "%lld", (long long)T0);
	cJSON_AddStringToObject(o, "start", ts);
	snprintf(ts, sizeof ts, "%lld", (long long)(T0 + 3600000000000LL));
	cJSON_AddStringToObject(o, "end", ts);
	cJSON_AddNumberToObject(o, "arrival_px", 10000.5);
	cJSON_AddNumberToObject(o, "avg_px", 10001.25);
	cJSON_AddNumberToObject(o, "sched_qty", (double)(filled + 300));
	cJSON_AddNumberToObject(o, "pct_sched", 97.5);
	cJSON_AddNumberToObject(o, "is_bps", 1.2);
	cJSON_AddNumberToObject(o, "is_cash", 120.5);
	cJSON_AddNumberToObject(o, "max_pov", 15);
	cJSON_AddNumberToObject(o, "mkt_vol", (double)(i * 10));
	cJSON_AddNumberToObject(o, "pov", 11.5);
	cJSON_AddNumberToObject(o, "passive_filled", (double)(filled / 2));
	cJSON_AddNumberToObject(o, "max_child", 0);
	cJSON_AddStringToObject(o, "aggression", "aggressive");
	cJSON_AddNumberToObject(o, "limit_px", 0);
	cJSON_AddNumberToObject(o, "is_spread", 40.25);
	cJSON_AddNumberToObject(o, "is_temp", 55.5);
	cJSON_AddNumberToObject(o, "is_timing", 24.75);
	cJSON_AddNumberToObject(o, "is_opp", -310.5);
	(void)t;
	return o;
}

static void *
pub_replies(void *arg)
{
	struct pub *p = arg;

	while (!atomic_load(&p->stop)) {
		char *msg = NULL, *out;
		size_t len;
		cJSON *req, *rep;
		const char *cmd = "";
		int rv;

		rv = nng_recv(p->rep, &msg, &len, NNG_FLAG_ALLOC);
		if (rv == NNG_ETIMEDOUT)
			continue;
		if (rv != 0)
			break;
		req = cJSON_ParseWithLength(msg, len);
		nng_free(msg, len);
		rep = cJSON_CreateObject();
		cJSON_AddBoolToObject(rep, "ok", 1);
		if (req != NULL) {
			cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");

			if (cJSON_IsString(id))
				cJSON_AddStringToObject(rep, "id", id->valuestring);
			ipc_get_str(req, "cmd", &cmd);
		}
		if (strcmp(cmd, CMD_HELLO) == 0) {
			cJSON_AddStringToObject(rep, "engine", "bench-pub");
			cJSON_AddNumberToObject(rep, "v", TRANCHE_PROTO_VERSION);
			cJSON_AddNumberToObject(rep, "tick", 0.01);
			cJSON_AddStringToObject(rep, "sym", "QDI");
			cJSON_AddStringToObject(rep, "events", p->events_url);
			cJSON_AddStringToObject(rep, "role", "trader");
		} else if (strcmp(cmd, CMD_STATUS) == 0) {
			cJSON *lim = cJSON_AddObjectToObject(rep, "limits");

			cJSON_AddStringToObject(rep, "state", "LIVE");
			cJSON_AddNumberToObject(rep, "speed", 1);
			cJSON_AddArrayToObject(rep, "blocks");
			cJSON_AddNumberToObject(lim, "max_pov", 25);
		} else if (strcmp(cmd, CMD_SNAPSHOT) == 0) {
			char ts[32];

			/* Minimal: where the stream stands; the events that
			 * follow fill the panels in. */
			pthread_mutex_lock(&p->mu);
			cJSON_AddNumberToObject(rep, "seq",
			    (double)atomic_load(&p->seq));
			snprintf(ts, sizeof ts, "%lld",
			    (long long)atomic_load(&p->t));
			pthread_mutex_unlock(&p->mu);
			cJSON_AddStringToObject(rep, "t", ts);
			cJSON_AddNumberToObject(rep, "tick", 0.01);
			cJSON_AddStringToObject(rep, "sym", "QDI");
			cJSON_AddStringToObject(rep, "state", "LIVE");
			cJSON_AddArrayToObject(rep, "blocks");
			cJSON_AddArrayToObject(rep, "decisions");
			cJSON_AddArrayToObject(rep, "alerts");
		} else {
			cJSON *err = cJSON_AddObjectToObject(rep, "error");

			cJSON_ReplaceItemInObject(rep, "ok", cJSON_CreateFalse());
			cJSON_AddStringToObject(err, "code", "E_READONLY");
			cJSON_AddStringToObject(err, "message",
			    "the benchmark's engine takes no commands");
		}
		out = cJSON_PrintUnformatted(rep);
		nng_send(p->rep, out, strlen(out), 0);
		free(out);
		cJSON_Delete(rep);
		cJSON_Delete(req);
	}
	return NULL;
}

/* Publish at `rate` events a second until told to stop: a pass every
 * pass_ms (1 by default) sends
 * what is due.  As the engine publishes (ipc/protocol.h), books are
 * conflated to 20 a second; the rest of the stream is 70% trades, 15%
 * block progress and 15% decisions, plus an alert every 5,000 events and a
 * heartbeat every 250 ms. */
struct pub_run {
	struct pub *p;
	long rate;
	long pass_ms;
	uint64_t sent;
};

static void *
pub_events(void *arg)
{
	struct pub_run *r = arg;
	struct pub *p = r->p;
	int64_t start = now_ns(), next_hb = start, next_book = start;
	long i = 0;

	while (!atomic_load(&p->stop)) {
		int64_t now = now_ns(), due;
		int64_t t = T0 + (now - start) * 10;
		struct timespec ts = { 0, 1000000 * r->pass_ms };

		due = (now - start) / 1000 * r->rate / 1000000;
		while (i < due) {
			cJSON *o;
			char reason[160];
			int kind = (int)(i % 20);

			if (now >= next_book) {
				pub_event(p, TOPIC_BOOK, o = book_payload(i), t);
				next_book += 50000000;
			} else if (kind < 14) {
				o = cJSON_CreateObject();
				cJSON_AddNumberToObject(o, "px", 10000 + i % 7);
				cJSON_AddNumberToObject(o, "qty", 100 * (i % 9 + 1));
				cJSON_AddStringToObject(o, "aggr", i % 2 ? "buy" :
				    "sell");
				pub_event(p, TOPIC_TRADE, o, t);
			} else if (kind < 17)
				pub_event(p, TOPIC_BLOCK, o = block_payload(i, t), t);
			else {
				o = cJSON_CreateObject();
				snprintf(reason, sizeof reason, "post 500 at the touch "
				    "for slice %ld: schedule %ld by then, %ld filled",
				    i, i * 3, i * 2);
				cJSON_AddStringToObject(o, "block", "B1");
				cJSON_AddStringToObject(o, "action", "post");
				cJSON_AddNumberToObject(o, "qty", 500);
				cJSON_AddNumberToObject(o, "px", 10000);
				cJSON_AddStringToObject(o, "style", "passive");
				cJSON_AddStringToObject(o, "reason", reason);
				pub_event(p, TOPIC_DECISION, o, t);
			}
			cJSON_Delete(o);
			if (i % 5000 == 4999) {
				o = cJSON_CreateObject();
				cJSON_AddStringToObject(o, "sev", "warn");
				cJSON_AddStringToObject(o, "code", "behind");
				cJSON_AddStringToObject(o, "text", "behind schedule");
				cJSON_AddStringToObject(o, "block", "B1");
				pub_event(p, TOPIC_ALERT, o, t);
				cJSON_Delete(o);
			}
			i++;
			r->sent++;
		}
		if (now >= next_hb) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddNumberToObject(o, "speed", 10);
			cJSON_AddStringToObject(o, "state", "LIVE");
			cJSON_AddNumberToObject(o, "subs", 1);
			cJSON_AddNumberToObject(o, "util", 0.1);
			cJSON_AddStringToObject(o, "name", "bench-pub");
			pub_event(p, TOPIC_HEARTBEAT, o, t);
			cJSON_Delete(o);
			next_hb += 250000000;
		}
		pub_flush(p);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

struct figures {
	double cpu_pct, fps, kbps, rss_mb, secs, events_s, msgs_s;
};

static int
run_once(const char *tranche, const char *dir, long rate, long pass_ms,
         long frames,
         struct figures *fg)
{
	struct pub p;
	struct pub_run r;
	pthread_t th_rep, th_pub;
	char url[512], fr[32];
	struct winsize ws = { .ws_row = 40, .ws_col = 120 };
	struct rusage ru;
	int64_t t0, t1;
	uint64_t out_bytes = 0;
	int master, status, rv;
	pid_t pid;

	memset(&p, 0, sizeof p);
	pthread_mutex_init(&p.mu, NULL);
	snprintf(url, sizeof url, "ipc://%s/ctl", dir);
	ipc_events_url(url, p.events_url, sizeof p.events_url);
	if ((rv = nng_pub0_open(&p.pub)) != 0)
		die("pub", rv);
	if ((rv = nng_rep0_open(&p.rep)) != 0)
		die("rep", rv);
	nng_socket_set_ms(p.rep, NNG_OPT_RECVTIMEO, 100);
	if ((rv = nng_listen(p.pub, p.events_url, NULL, 0)) != 0)
		die(p.events_url, rv);
	if ((rv = nng_listen(p.rep, url, NULL, 0)) != 0)
		die(url, rv);
	r.p = &p;
	r.rate = rate;
	r.pass_ms = pass_ms;
	r.sent = 0;
	pthread_create(&th_rep, NULL, pub_replies, &p);
	pthread_create(&th_pub, NULL, pub_events, &r);

	snprintf(fr, sizeof fr, "%ld", frames);
	t0 = now_ns();
	pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0) {
		perror("bench-console: forkpty");
		return -1;
	}
	if (pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", "C.UTF-8", 1);
		unsetenv("NO_COLOR");
		execl(tranche, tranche, "--connect", url, "--frames", fr,
		    (char *)NULL);
		perror("exec tranche");
		_exit(127);
	}
	/* Read what the console draws (a terminal that does not read would
	 * stall it), until it exits. */
	for (;;) {
		struct pollfd pf = { .fd = master, .events = POLLIN };
		char buf[65536];
		ssize_t n;

		if (poll(&pf, 1, 200) > 0) {
			n = read(master, buf, sizeof buf);
			if (n > 0) {
				out_bytes += (uint64_t)n;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			break; /* EIO: the console's side closed */
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			goto reaped;
	}
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("wait4");
		return -1;
	}
	goto measured;
reaped:
	/* Already reaped without rusage: take it from the children total. */
	getrusage(RUSAGE_CHILDREN, &ru);
measured:
	t1 = now_ns();
	atomic_store(&p.stop, 1);
	pthread_join(th_pub, NULL);
	pthread_join(th_rep, NULL);
	close(master);
	nng_close(p.pub);
	nng_close(p.rep);
	pthread_mutex_destroy(&p.mu);
	free(p.batch);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench-console: the console exited %d\n",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
		return -1;
	}
	fg->secs = (double)(t1 - t0) / 1e9;
	fg->cpu_pct = 100.0 * ((double)ru.ru_utime.tv_sec +
	    (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	    (double)ru.ru_stime.tv_usec / 1e6) / fg->secs;
	fg->fps = (double)frames / fg->secs;
	fg->kbps = (double)out_bytes / 1024.0 / fg->secs;
	fg->rss_mb = (double)ru.ru_maxrss / 1024.0;
	fg->events_s = (double)r.sent / fg->secs;
	fg->msgs_s = (double)p.msgs / fg->secs;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
print_fig(const char *label, const struct figures *f, int json)
{
	if (json)
		printf("{\"bench\":\"console\",\"run\":\"%s\",\"events_s\":%.0f,"
		    "\"msgs_s\":%.0f,\"cpu_pct\":%.2f,\"fps\":%.1f,"
		    "\"tty_kib_s\":%.1f,\"rss_mb\":%.1f,\"secs\":%.2f}\n", label,
		    f->events_s, f->msgs_s, f->cpu_pct, f->fps, f->kbps, f->rss_mb,
		    f->secs);
	else
		printf("console %-6s %6.0f events/s in %5.0f messages/s  CPU %5.2f%% "
		    "of a core  %5.1f frames/s  %7.1f KiB/s to the terminal  "
		    "RSS %5.1f MB  (%.1f s)\n", label, f->events_s, f->msgs_s,
		    f->cpu_pct, f->fps, f->kbps, f->rss_mb, f->secs);
}

int
main(int argc, char **argv)
{
	const char *tranche = NULL;
	long rate = 10000, frames = 250, runs = 1, pass_ms = 1;
	int json = 0, i, a;
	struct figures f[16], m;
	double v[6][16];
	char dir[] = "/tmp/bench-console.XXXXXX", label[16];

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--tranche") == 0 && a + 1 < argc)
			tranche = argv[++a];
		else if (strcmp(argv[a], "--rate") == 0 && a + 1 < argc)
			rate = strtol(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--pass-ms") == 0 && a + 1 < argc)
			pass_ms = strtol(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--frames") == 0 && a + 1 < argc)
			frames = strtol(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--runs") == 0 && a + 1 < argc)
			runs = strtol(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--json") == 0)
			json = 1;
		else {
			fprintf(stderr, "usage: bench-console --tranche PATH "
			    "[--rate N] [--frames N] [--runs N] [--pass-ms N] "
			    "[--json]\n");
			return 2;
		}
	}
	if (tranche == NULL || rate < 1 || rate > 1000000 || frames < 1 ||
	    pass_ms < 1 || pass_ms > 100 ||
	    runs < 1 || runs > 16) {
		fprintf(stderr, "bench-console: --tranche PATH is needed; rate "
		    "1..1000000, frames >= 1, runs 1..16, pass-ms 1..100\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	for (i = 0; i < runs; i++) {
		if (run_once(tranche, dir, rate, pass_ms, frames, &f[i]) != 0)
			return 1;
		snprintf(label, sizeof label, "run %d", i + 1);
		print_fig(label, &f[i], json);
		v[0][i] = f[i].cpu_pct, v[1][i] = f[i].fps, v[2][i] = f[i].kbps;
		v[3][i] = f[i].rss_mb, v[4][i] = f[i].events_s;
		v[5][i] = f[i].msgs_s;
		fflush(stdout);
	}
	if (runs > 1) {
		m.cpu_pct = median(v[0], (int)runs);
		m.fps = median(v[1], (int)runs);
		m.kbps = median(v[2], (int)runs);
		m.rss_mb = median(v[3], (int)runs);
		m.events_s = median(v[4], (int)runs);
		m.msgs_s = median(v[5], (int)runs);
		m.secs = f[0].secs;
		print_fig("median", &m, json);
	}
	rmdir(dir);
	return 0;
}
