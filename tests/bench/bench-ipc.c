/*
 * tests/bench/bench-ipc.c -- `tranched bench ipc`: what the wire costs on
 * this machine, over ipc://.
 *
 *   latency   a publisher paced at --rates events per second sends events
 *             built as the engine builds them (ipc_event_format, TOPIC\0JSON
 *             with v/seq/t, --size bytes of payload) on a socket set up
 *             as the engine's (SENDBUF 1024, every send NNG_FLAG_NONBLOCK);
 *             "t" carries CLOCK_MONOTONIC when the event is made, on its
 *             schedule.  Since protocol 3 the socket is the engine's
 *             events socket: pair1 in polyamorous mode (SENDBUF 1024), and
 *             each message goes to every subscriber's pipe as its own copy
 *             (nng_msg_dup, nng_msg_set_pipe), as server-events.c sends to
 *             the peers it admitted; here every pipe is admitted as it
 *             connects (the hello is not what is measured).  With
 *             --batch-ms 0 each event is sent as soon as it
 *             is made, one event a message (protocol 1's way, still valid);
 *             with --batch-ms M the events made within each M ms pass wait
 *             and go out together at the end of the pass, joined by '\n',
 *             at most 64 KiB a message (server_send_batched()'s way, the
 *             engine's with its 10 ms passes).  Each subscriber is a
 *             separate process (this program, re-executed) with a pair1
 *             socket set up as ipc/client.c's (RECVBUF 8192)
 *             that splits messages with ipc_batch_next, decodes every event
 *             with ipc_event_parse and records the time it reaches the
 *             event minus "t" -- so the wait for the pass's send is in the
 *             latency -- and counts sequence gaps as lost.  It also records
 *             each message's receipt minus its send time ("msg" latency:
 *             the wire alone; a batch ends with a "sent" record, seq 0,
 *             that carries it, as the engine's do not).  The publisher's
 *             loop lag is how late each event was made against its
 *             schedule.
 *   fan-out   the same with 1, 8 and 64 subscribers (--subs), paced at the
 *             highest --rates and unpaced (as fast as the publisher can
 *             send): events/s sent, events/s received by the median
 *             subscriber, lost, and the publisher's send cost.
 *   stopped   --stop-with subscribers (8), and the same plus one that is
 *             connected but stopped (SIGSTOP: its socket fills, as a
 *             suspended console's would): compare the others' latency and
 *             rates, and the publisher's lag.
 *   command   round trips of REQ/REP "status" and "snapshot" against a real
 *             tranched (this program, calm scenario, speed 1) through
 *             ipc/client.c.
 *
 * Every figure is the median over --runs runs of that run's figure (a p99
 * is each run's 99th percentile, then the median of those).  The sockets
 * live in a fresh mkdtemp() directory, removed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>
#include <pthread.h>

#include "ipc/batch.h"
#include "ipc/client.h"
#include "ipc/codec.h"
#include "ipc/nngclose.h"
#include "ipc/protocol.h"
#include "tests/bench/bench.h"

extern char **environ;

#define MAX_SUBS 256
#define MAX_LIST 8

#define SENT_BYTES 128 /* room for batch_send()'s "sent" record */

struct bopts {
	double duration;        /* seconds per run */
	long long runs;
	long long rates[MAX_LIST];
	int nrates;
	long long batch[MAX_LIST]; /* ms a pass; 0: one event a message */
	int nbatch;
	long long subs[MAX_LIST];
	int nsubs;
	long long requests;
	long long size;
	long long stop_with;
	int json;
	int no_command;
	const char *dir;
};

/* One subscriber's view of one run. */
struct subres {
	long long recv, lost;
	double p50, p99, max;  /* ns, per event */
	double mp50, mp99;     /* ns, per message, send to receipt */
};

/* One run of the publisher. */
struct runres {
	long long sent, msgs, dropped_sends;
	double secs;
	double lag_p50, lag_p99, send_p99;  /* ns */
	struct subres sub[MAX_SUBS];
	int nsub;
};

static char self_exe[4096];
static char sock_dir[512];
static atomic_int bench_pipes;
static int runno; /* event sockets made: ev1 .. ev<runno> */

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile of v[0..n) (sorts v in place). */
static double
quantile(double *v, long long n, double q)
{
	long long k;

	if (n <= 0)
		return 0;
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	k = (long long)(q * (double)(n - 1) + 0.5);
	return v[k];
}

static void
sleep_until(long long t_ns)
{
	struct timespec ts = { t_ns / 1000000000LL, t_ns % 1000000000LL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

static void
sleep_ms(int ms)
{
	sleep_until(bench_now_ns() + ms * 1000000LL);
}

/* --- the subscriber process ------------------------------------------- */

static int
worker_main(const char *url, long long maxn)
{
	nng_socket sub;
	nng_msg *msg;
	struct ipc_event ev;
	struct ipc_raw raw;
	char err[256];
	double *lat, *mlat;
	long long n = 0, nm = 0, lost = 0, recv = 0;
	uint64_t next = 0;
	int rv, started = 0, done = 0;

	lat = malloc(sizeof *lat * (size_t)(maxn + 1));
	mlat = malloc(sizeof *mlat * (size_t)(maxn + 1));
	if (lat == NULL || mlat == NULL)
		return 1;
	if ((rv = nng_pair1_open(&sub)) != 0) {
		fprintf(stderr, "bench ipc worker: %s\n", nng_strerror(rv));
		return 1;
	}
	nng_socket_set_size(sub, NNG_OPT_RECVMAXSZ, TRANCHE_MAX_MSG * 16);
	nng_socket_set_ms(sub, NNG_OPT_RECONNMINT, 50);
	nng_socket_set_int(sub, NNG_OPT_RECVBUF, 8192);
	if ((rv = nng_dial(sub, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		fprintf(stderr, "bench ipc worker: dial %s: %s\n", url,
		    nng_strerror(rv));
		return 1;
	}
	/* Until the first event, wait long (the others are connecting);
	 * afterwards a second of silence means the publisher is gone. */
	nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 30000);
	while (!done) {
		size_t off = 0;
		long long got, newest = -1, sent = -1;

		if ((rv = nng_recvmsg(sub, &msg, 0)) != 0)
			break;
		got = bench_now_ns();
		/* Each event's receipt is when this loop reaches it: the
		 * decoding of the events before it in its message counts. */
		while (!done && (rv = ipc_batch_next(nng_msg_body(msg),
		    nng_msg_len(msg), &off, &raw, err, sizeof err)) != 0) {
			long long now = bench_now_ns();

			if (rv < 0 || ipc_event_parse(raw.rec, raw.len, &ev,
			    err, sizeof err) != 0) {
				fprintf(stderr, "bench ipc worker: %s\n", err);
				continue;
			}
			if (!started) {
				started = 1;
				nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 1000);
			}
			if (strcmp(ev.topic, "end") == 0)
				done = 1;
			else if (strcmp(ev.topic, "sent") == 0)
				sent = ev.t;
			else {
				if (next != 0 && ev.seq > next)
					lost += (long long)(ev.seq - next);
				next = ev.seq + 1;
				recv++;
				if (n < maxn)
					lat[n++] = (double)(now - ev.t);
				if (ev.t > newest)
					newest = ev.t;
			}
			ipc_event_free(&ev);
		}
		nng_msg_free(msg);
		/* A batch's "sent" record, else (one event a message) the
		 * event's own "t", which is when it was sent. */
		if (sent >= 0 && nm < maxn)
			mlat[nm++] = (double)(got - sent);
		else if (newest >= 0 && nm < maxn)
			mlat[nm++] = (double)(got - newest);
	}
	{
		/* In order: quantile() sorts, so the maximum is read last. */
		double p50 = quantile(lat, n, 0.5), p99 = quantile(lat, n, 0.99);
		double max = n ? lat[n - 1] : 0.0;
		double mp50 = quantile(mlat, nm, 0.5);
		double mp99 = quantile(mlat, nm, 0.99);

		printf("%lld %lld %.0f %.0f %.0f %.0f %.0f\n", recv, lost, p50,
		    p99, max, mp50, mp99);
	}
	fflush(stdout);
	/* Not nng_close(), not even ipc_nng_close(): with a full receive
	 * queue NNG 1.5 can wait in it for good.  The process ends here and
	 * the kernel closes the socket. */
	_exit(0);
}

/* --- the publisher ---------------------------------------------------- */

struct worker {
	pid_t pid;
	int fd;
};

static int
spawn_worker(const char *url, long long maxn, struct worker *w)
{
	char nbuf[32];
	char *argv[] = { self_exe, "bench", "ipc", "--worker", (char *)url,
	    nbuf, NULL };
	posix_spawn_file_actions_t fa;
	int p[2], rv;

	snprintf(nbuf, sizeof nbuf, "%lld", maxn);
	if (pipe(p) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	posix_spawn_file_actions_addclose(&fa, p[1]);
	rv = posix_spawn(&w->pid, self_exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rv != 0) {
		close(p[0]);
		fprintf(stderr, "bench ipc: spawn %s: %s\n", self_exe,
		    strerror(rv));
		return -1;
	}
	w->fd = p[0];
	return 0;
}

static int
collect_worker(struct worker *w, struct subres *r)
{
	char buf[256];
	ssize_t n, got = 0;
	int st;

	/* At most 60 s: a subscriber exits after a second of silence, and
	 * one that does not (its NNG wedged) is killed and said, not waited
	 * for (ctest's 120 s ran out once in CI, with nothing said). */
	for (long long t0 = bench_now_ns(); got < (ssize_t)sizeof buf - 1;) {
		struct pollfd pf = { .fd = w->fd, .events = POLLIN };
		long long left = 60000 - (bench_now_ns() - t0) / 1000000;

		if (left <= 0 || poll(&pf, 1, (int)left) == 0) {
			fprintf(stderr, "bench ipc: subscriber %d said nothing "
			    "in 60 s: killed\n", (int)w->pid);
			kill(w->pid, SIGKILL);
			break;
		}
		if ((n = read(w->fd, buf + got, sizeof buf - 1 -
		    (size_t)got)) <= 0)
			break;
		got += n;
	}
	buf[got > 0 ? got : 0] = '\0';
	close(w->fd);
	waitpid(w->pid, &st, 0);
	memset(r, 0, sizeof *r);
	if (sscanf(buf, "%lld %lld %lf %lf %lf %lf %lf", &r->recv, &r->lost,
	    &r->p50, &r->p99, &r->max, &r->mp50, &r->mp99) != 7) {
		fprintf(stderr, "bench ipc: a subscriber reported nothing "
		    "(exit status %d)\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	return 0;
}

/* The subscribers' pipes, every one admitted (server-events.c's table). */
static pthread_mutex_t pipes_mu = PTHREAD_MUTEX_INITIALIZER;
static nng_pipe pipes[MAX_SUBS + 8];
static int npipes;

static void
pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	pthread_mutex_lock(&pipes_mu);
	if (ev == NNG_PIPE_EV_ADD_PRE && npipes < MAX_SUBS + 8)
		pipes[npipes++] = p;
	else if (ev == NNG_PIPE_EV_REM_POST)
		for (int i = 0; i < npipes; i++)
			if (nng_pipe_id(pipes[i]) == nng_pipe_id(p)) {
				pipes[i] = pipes[--npipes];
				break;
			}
	pthread_mutex_unlock(&pipes_mu);
	if (ev == NNG_PIPE_EV_ADD_POST)
		atomic_fetch_add(&bench_pipes, 1);
	else if (ev == NNG_PIPE_EV_REM_POST)
		atomic_fetch_sub(&bench_pipes, 1);
}

/* As evchan_send(): a copy to every pipe but the last, msg itself to the
 * last, never blocking.  0, or -1 if a send failed. */
static int
pub_sendmsg(nng_socket pub, nng_msg *msg)
{
	nng_pipe to[MAX_SUBS + 8];
	int n, rv = 0;

	pthread_mutex_lock(&pipes_mu);
	n = npipes;
	memcpy(to, pipes, sizeof to[0] * (size_t)n);
	pthread_mutex_unlock(&pipes_mu);
	for (int i = 0; i < n; i++) {
		nng_msg *m = msg;

		if (i + 1 < n && nng_msg_dup(&m, msg) != 0) {
			rv = -1;
			continue;
		}
		nng_msg_set_pipe(m, to[i]);
		if (nng_sendmsg(pub, m, NNG_FLAG_NONBLOCK) != 0) {
			nng_msg_free(m);
			rv = -1;
		}
	}
	if (n == 0)
		nng_msg_free(msg);
	return rv;
}

static int
pub_send(nng_socket pub, const char *topic, uint64_t seq, long long t,
         cJSON *payload)
{
	nng_msg *msg;
	size_t len;
	char *buf = ipc_event_format(topic, seq, t, payload, &len);
	int rv = -1;

	if (buf == NULL)
		return -1;
	/* As server_flush(): copy into a message, send without blocking. */
	if (nng_msg_alloc(&msg, 0) == 0) {
		nng_msg_append(msg, buf, len);
		rv = pub_sendmsg(pub, msg);
	}
	free(buf);
	return rv;
}

/*
 * Send a pass's events as server_send_batched() does, through the same
 * ipc/batch.h; b is then empty.  Its last record, which the engine's have
 * not, is a "sent" event (seq 0, "t" now) from which the subscribers time
 * the message itself.
 */
static int
batch_send(nng_socket pub, struct ipc_batch *b)
{
	cJSON *e = cJSON_CreateObject();
	size_t len;
	char *buf = ipc_event_format("sent", 0, bench_now_ns(), e, &len);
	nng_msg *msg;

	if (buf != NULL) {
		(void)ipc_batch_add(b, buf, len);
		free(buf);
	}
	cJSON_Delete(e);
	if (ipc_batch_take(b, &msg) != 0 || msg == NULL)
		return -1;
	return pub_sendmsg(pub, msg);
}

/*
 * One run: nsubs reading subscribers plus nstopped stopped ones, `rate`
 * events/s (0 = unpaced) for `secs`, the events of each `batch_ms` pass
 * in one message (0: one event a message).
 */
static int
pub_run(const struct bopts *o, int nsubs, int nstopped, long long rate,
        long long batch_ms, struct runres *res)
{
	struct worker w[MAX_SUBS + 8];
	char url[600];
	nng_socket pub;
	cJSON *payload;
	char *pad;
	double *lag = NULL, *cost = NULL;
	struct ipc_batch bb = { 0 };
	long long maxn, start, next, interval, end, i = 0;
	long long pass = batch_ms * 1000000LL, deadline, bevents = 0;
	int total = nsubs + nstopped, rv, nw = 0, ret = -1;

	memset(res, 0, sizeof *res);
	snprintf(url, sizeof url, "ipc://%s/ev%d", sock_dir, ++runno);
	maxn = rate > 0 ? (long long)((double)rate * o->duration) + 16 :
	    5000000;
	if ((rv = nng_pair1_open_poly(&pub)) != 0) {
		fprintf(stderr, "bench ipc: nng: %s\n", nng_strerror(rv));
		return -1;
	}
	nng_socket_set_size(pub, NNG_OPT_RECVMAXSZ, 1024);
	nng_socket_set_int(pub, NNG_OPT_SENDBUF, 1024);
	atomic_store(&bench_pipes, 0);
	npipes = 0;
	nng_pipe_notify(pub, NNG_PIPE_EV_ADD_PRE, pipe_cb, NULL);
	nng_pipe_notify(pub, NNG_PIPE_EV_ADD_POST, pipe_cb, NULL);
	nng_pipe_notify(pub, NNG_PIPE_EV_REM_POST, pipe_cb, NULL);
	if ((rv = nng_listen(pub, url, NULL, 0)) != 0) {
		fprintf(stderr, "bench ipc: listen %s: %s\n", url,
		    nng_strerror(rv));
		ipc_nng_close(pub, 3000);
		return -1;
	}
	for (nw = 0; nw < total; nw++)
		if (spawn_worker(url, maxn, &w[nw]) != 0)
			goto out;
	for (start = bench_now_ns(); atomic_load(&bench_pipes) < total;) {
		if (bench_now_ns() - start > 20000000000LL) {
			fprintf(stderr, "bench ipc: only %d of %d subscribers "
			    "connected in 20 s\n", atomic_load(&bench_pipes),
			    total);
			goto out;
		}
		sleep_ms(5);
	}
	for (int k = nsubs; k < total; k++)
		kill(w[k].pid, SIGSTOP);
	sleep_ms(200);

	payload = cJSON_CreateObject();
	pad = malloc((size_t)o->size + 1);
	lag = malloc(sizeof *lag * (size_t)maxn);
	cost = malloc(sizeof *cost * (size_t)maxn);
	if (payload == NULL || pad == NULL || lag == NULL || cost == NULL) {
		fprintf(stderr, "bench ipc: out of memory\n");
		cJSON_Delete(payload);
		free(pad);
		goto out;
	}
	memset(pad, 'x', (size_t)o->size);
	pad[o->size] = '\0';
	cJSON_AddStringToObject(payload, "sym", "BENCH");
	cJSON_AddStringToObject(payload, "pad", pad);
	free(pad);

	interval = rate > 0 ? 1000000000LL / rate : 0;
	start = next = bench_now_ns();
	end = start + (long long)(o->duration * 1e9);
	deadline = start + pass;
	while (i < maxn) {
		long long t0, t1;
		size_t len;
		char *buf;

		if (rate > 0)
			sleep_until(pass > 0 && bb.len > 0 && deadline < next ?
			    deadline : next);
		t0 = bench_now_ns();
		if (pass > 0 && t0 >= deadline) {
			/* The end of a pass: what it made goes out. */
			if (bb.len > 0) {
				if (batch_send(pub, &bb) != 0)
					res->dropped_sends += bevents;
				cost[res->msgs++] = (double)(bench_now_ns() - t0);
				bevents = 0;
			}
			while (deadline <= t0)
				deadline += pass;
			continue;
		}
		if (t0 >= end)
			break;
		if (pass == 0) {
			if (pub_send(pub, "bench", (uint64_t)i + 1, t0, payload) != 0)
				res->dropped_sends++;
			t1 = bench_now_ns();
			cost[res->msgs++] = (double)(t1 - t0);
		} else {
			/* Made now, sent at the end of the pass. */
			buf = ipc_event_format("bench", (uint64_t)i + 1, t0, payload,
			    &len);
			if (buf == NULL)
				res->dropped_sends++;
			else {
				if (ipc_batch_full(&bb, len + SENT_BYTES)) {
					if (batch_send(pub, &bb) != 0)
						res->dropped_sends += bevents;
					cost[res->msgs++] =
					    (double)(bench_now_ns() - t0);
					bevents = 0;
				}
				if (ipc_batch_add(&bb, buf, len) != 0)
					res->dropped_sends++;
				else
					bevents++;
				free(buf);
			}
		}
		lag[i] = rate > 0 ? (double)(t0 - next) : 0;
		next += interval;
		i++;
	}
	if (bb.len > 0) {
		long long t0 = bench_now_ns();

		if (batch_send(pub, &bb) != 0)
			res->dropped_sends += bevents;
		cost[res->msgs++] = (double)(bench_now_ns() - t0);
	}
	res->secs = (double)(bench_now_ns() - start) / 1e9;
	res->sent = i;
	res->lag_p50 = quantile(lag, i, 0.5);
	res->lag_p99 = quantile(lag, i, 0.99);
	res->send_p99 = quantile(cost, res->msgs, 0.99);
	cJSON_Delete(payload);
	ret = 0;
out:
	/* Stopped subscribers go first; the others get "end" a few times
	 * (a send may be dropped) and then a second of silence. */
	for (int k = nsubs; k < nw; k++) {
		kill(w[k].pid, SIGKILL);
		waitpid(w[k].pid, NULL, 0);
		close(w[k].fd);
	}
	{
		cJSON *e = cJSON_CreateObject();

		for (int k = 0; k < 20; k++) {
			pub_send(pub, "end", (uint64_t)i + 1, bench_now_ns(), e);
			sleep_ms(10);
		}
		cJSON_Delete(e);
	}
	for (int k = 0; k < nw && k < nsubs; k++) {
		if (ret == 0 && collect_worker(&w[k], &res->sub[k]) != 0)
			ret = -1;
		else if (ret != 0) {
			kill(w[k].pid, SIGKILL);
			waitpid(w[k].pid, NULL, 0);
			close(w[k].fd);
		}
	}
	res->nsub = nsubs;
	ipc_nng_close(pub, 3000);
	ipc_batch_free(&bb);
	free(lag);
	free(cost);
	return ret;
}

/* --- figures ---------------------------------------------------------- */

struct fig {
	double sent_per_s, msgs_per_s, recv_per_s, lost_pct;
	double p50, p99, max, lag_p50, lag_p99, send_p99, mp50, mp99;
};
#define NFIG 12

/* One run's figures: latency over all reading subscribers (the median
 * subscriber's p50, the worst subscriber's p99 and max, the same for the
 * message latency), receive rate of the median subscriber. */
static void
run_fig(const struct runres *r, struct fig *f)
{
	double p50[MAX_SUBS] = { 0 }, mp50[MAX_SUBS] = { 0 };
	double rr[MAX_SUBS] = { 0 };
	long long lost = 0, recv = 0;

	memset(f, 0, sizeof *f);
	for (int k = 0; k < r->nsub; k++) {
		p50[k] = r->sub[k].p50;
		mp50[k] = r->sub[k].mp50;
		rr[k] = (double)r->sub[k].recv / r->secs;
		if (r->sub[k].p99 > f->p99)
			f->p99 = r->sub[k].p99;
		if (r->sub[k].mp99 > f->mp99)
			f->mp99 = r->sub[k].mp99;
		if (r->sub[k].max > f->max)
			f->max = r->sub[k].max;
		lost += r->sub[k].lost;
		recv += r->sub[k].recv;
	}
	f->sent_per_s = (double)r->sent / r->secs;
	f->msgs_per_s = (double)r->msgs / r->secs;
	f->recv_per_s = bench_median(rr, r->nsub);
	f->p50 = bench_median(p50, r->nsub);
	f->mp50 = bench_median(mp50, r->nsub);
	f->lost_pct = recv + lost > 0 ? 100.0 * (double)lost /
	    (double)(recv + lost) : 0;
	f->lag_p50 = r->lag_p50;
	f->lag_p99 = r->lag_p99;
	f->send_p99 = r->send_p99;
}

static int header_done;

static void
print_fig(const struct bopts *o, const char *what, int subs, int stopped,
          long long rate, long long batch_ms, const struct fig *f)
{
	char rbuf[32];

	if (rate > 0)
		snprintf(rbuf, sizeof rbuf, "%lld", rate);
	else
		snprintf(rbuf, sizeof rbuf, "max");
	if (o->json) {
		printf("{\"bench\":\"ipc\",\"what\":\"%s\",\"subs\":%d,"
		    "\"stopped\":%d,\"rate\":\"%s\",\"batch_ms\":%lld,"
		    "\"size\":%lld,\"runs\":%lld,"
		    "\"duration_s\":%g,\"sent_per_s\":%.0f,\"msgs_per_s\":%.0f,"
		    "\"recv_per_s\":%.0f,"
		    "\"lost_pct\":%.3f,\"p50_us\":%.1f,\"p99_us\":%.1f,"
		    "\"max_us\":%.1f,\"msg_p50_us\":%.1f,\"msg_p99_us\":%.1f,"
		    "\"lag_p50_us\":%.1f,\"lag_p99_us\":%.1f,"
		    "\"send_p99_us\":%.1f}\n", what, subs, stopped, rbuf,
		    batch_ms, o->size, o->runs, o->duration, f->sent_per_s,
		    f->msgs_per_s, f->recv_per_s, f->lost_pct, f->p50 / 1e3,
		    f->p99 / 1e3, f->max / 1e3, f->mp50 / 1e3, f->mp99 / 1e3,
		    f->lag_p50 / 1e3, f->lag_p99 / 1e3, f->send_p99 / 1e3);
	} else {
		if (!header_done++)
			printf("%-9s %4s %4s %6s %5s %9s %8s %9s %7s %8s %8s "
			    "%9s %8s %8s %8s %8s %8s\n", "measure", "subs",
			    "stop", "rate", "batch", "sent/s", "msgs/s",
			    "recv/s", "lost%", "p50 us", "p99 us", "max us",
			    "msg p50", "msg p99", "lag p50", "lag p99",
			    "send p99");
		printf("%-9s %4d %4d %6s %5lld %9.0f %8.0f %9.0f %7.3f %8.1f "
		    "%8.1f %9.1f %8.1f %8.1f %8.1f %8.1f %8.1f\n", what, subs,
		    stopped, rbuf, batch_ms, f->sent_per_s, f->msgs_per_s,
		    f->recv_per_s, f->lost_pct, f->p50 / 1e3, f->p99 / 1e3,
		    f->max / 1e3, f->mp50 / 1e3, f->mp99 / 1e3,
		    f->lag_p50 / 1e3, f->lag_p99 / 1e3, f->send_p99 / 1e3);
	}
	fflush(stdout);
}

/* Median over the runs of each figure. */
static int
measure(const struct bopts *o, const char *what, int subs, int stopped,
        long long rate, long long batch_ms)
{
	struct runres *r = malloc(sizeof *r);
	struct fig f, med;
	double *v[NFIG];
	double *fv[NFIG] = { &f.sent_per_s, &f.msgs_per_s, &f.recv_per_s,
	    &f.lost_pct, &f.p50, &f.p99, &f.max, &f.lag_p50, &f.lag_p99,
	    &f.send_p99, &f.mp50, &f.mp99 };
	double *mv[NFIG] = { &med.sent_per_s, &med.msgs_per_s,
	    &med.recv_per_s, &med.lost_pct, &med.p50, &med.p99, &med.max,
	    &med.lag_p50, &med.lag_p99, &med.send_p99, &med.mp50, &med.mp99 };
	int runs = (int)o->runs, rv = 0;

	if (r == NULL)
		return -1;
	for (int k = 0; k < NFIG; k++)
		v[k] = calloc((size_t)runs, sizeof(double));
	for (int k = 0; k < NFIG; k++)
		if (v[k] == NULL) {
			rv = -1;
			goto out;
		}
	for (int i = 0; i < runs; i++) {
		if (pub_run(o, subs, stopped, rate, batch_ms, r) != 0) {
			rv = -1;
			goto out;
		}
		run_fig(r, &f);
		for (int k = 0; k < NFIG; k++)
			v[k][i] = *fv[k];
	}
	for (int k = 0; k < NFIG; k++)
		*mv[k] = bench_median(v[k], runs);
	print_fig(o, what, subs, stopped, rate, batch_ms, &med);
out:
	for (int k = 0; k < NFIG; k++)
		free(v[k]);
	free(r);
	return rv;
}

/* --- command round trips against a real engine ------------------------- */

static int
command_bench(const struct bopts *o)
{
	char url[600], jpath[600], logp[600];
	char *argv[] = { self_exe, "--scenario", "calm", "--speed", "1",
	    "--listen", url, "--journal", jpath, "--name", "bench", NULL };
	const char *cmds[] = { "status", "snapshot" };
	posix_spawn_file_actions_t fa;
	struct ipc_client *c = NULL;
	pid_t pid;
	long long t0;
	double *rt[2] = { NULL, NULL }, *p50 = NULL, *p99 = NULL;
	int rv, ret = -1, up = 0;

	snprintf(url, sizeof url, "ipc://%s/ctl", sock_dir);
	snprintf(jpath, sizeof jpath, "%s/bench.trj", sock_dir);
	snprintf(logp, sizeof logp, "%s/engine.log", sock_dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, logp, O_WRONLY | O_CREAT |
	    O_TRUNC, 0600);
	rv = posix_spawn(&pid, self_exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rv != 0) {
		fprintf(stderr, "bench ipc: spawn %s: %s\n", self_exe,
		    strerror(rv));
		return -1;
	}
	if ((rv = ipc_client_open(&c, url, NULL, "bench")) != 0) {
		fprintf(stderr, "bench ipc: client %s: %s\n", url,
		    ipc_client_strerror(rv));
		goto out;
	}
	for (t0 = bench_now_ns(); bench_now_ns() - t0 < 20000000000LL;) {
		cJSON *req = cJSON_Parse("{\"cmd\":\"hello\",\"v\":3,"
		    "\"role\":\"viewer\",\"client\":\"bench\"}"), *rep = NULL;

		rv = ipc_client_request(c, req, &rep, 500);
		cJSON_Delete(req);
		up = rv == 0 && cJSON_IsTrue(cJSON_GetObjectItem(rep, "ok"));
		cJSON_Delete(rep);
		if (up)
			break;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			pid = 0;
			break;
		}
	}
	if (!up) {
		fprintf(stderr, "bench ipc: the engine did not answer hello on "
		    "%s (its log: %s)\n", url, logp);
		goto out;
	}
	p50 = calloc((size_t)o->runs, sizeof(double));
	p99 = calloc((size_t)o->runs, sizeof(double));
	for (int k = 0; k < 2; k++) {
		rt[k] = malloc(sizeof(double) * (size_t)o->requests);
		if (rt[k] == NULL || p50 == NULL || p99 == NULL)
			goto out;
		for (long long run = 0; run < o->runs; run++) {
			for (long long i = -20; i < o->requests; i++) {
				char body[64];
				cJSON *req, *rep = NULL;
				long long a, b;

				snprintf(body, sizeof body, "{\"cmd\":\"%s\"}",
				    cmds[k]);
				req = cJSON_Parse(body);
				a = bench_now_ns();
				rv = ipc_client_request(c, req, &rep, 5000);
				b = bench_now_ns();
				cJSON_Delete(req);
				if (rv != 0 || !cJSON_IsTrue(cJSON_GetObjectItem(rep,
				    "ok"))) {
					fprintf(stderr, "bench ipc: %s request "
					    "failed: %s\n", cmds[k], rv ?
					    ipc_client_strerror(rv) : "refused");
					cJSON_Delete(rep);
					goto out;
				}
				cJSON_Delete(rep);
				if (i >= 0) /* the first 20 warm up */
					rt[k][i] = (double)(b - a);
			}
			p50[run] = quantile(rt[k], o->requests, 0.5);
			p99[run] = quantile(rt[k], o->requests, 0.99);
		}
		double m50 = bench_median(p50, (int)o->runs);
		double m99 = bench_median(p99, (int)o->runs);
		if (o->json)
			printf("{\"bench\":\"ipc\",\"what\":\"command\",\"cmd\":"
			    "\"%s\",\"requests\":%lld,\"runs\":%lld,"
			    "\"p50_us\":%.1f,\"p99_us\":%.1f}\n", cmds[k],
			    o->requests, o->runs, m50 / 1e3, m99 / 1e3);
		else
			printf("command %-8s round trip: p50 %.1f us, p99 %.1f "
			    "us (%lld requests x %lld runs, calm, speed 1)\n",
			    cmds[k], m50 / 1e3, m99 / 1e3, o->requests, o->runs);
		fflush(stdout);
	}
	ret = 0;
out:
	ipc_client_close(c);
	if (pid > 0) {
		/* The engine stops within seconds (its NNG closes are bounded);
		 * one that does not is killed, and said. */
		kill(pid, SIGTERM);
		for (int k = 0; k < 200 && waitpid(pid, NULL, WNOHANG) == 0; k++)
			sleep_ms(50);
		if (waitpid(pid, NULL, WNOHANG) == 0) {
			fprintf(stderr, "bench ipc: the engine did not stop within "
			    "10 s of SIGTERM: killed (its log: %s)\n", logp);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
	}
	free(rt[0]);
	free(rt[1]);
	free(p50);
	free(p99);
	return ret;
}

/* --- arguments -------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tranched bench ipc [--duration S] [--runs R] [--rates N,...]\n"
	    "           [--batch-ms M,...] [--subs N,...] [--stop-with N]\n"
	    "           [--requests N] [--size BYTES] [--no-command] [--dir DIR]\n"
	    "           [--json]\n"
	    "\n"
	    "Events over ipc:// from a pair1 socket set up as the engine's to\n"
	    "subscriber processes set up as the console's: latency from an\n"
	    "event's making to its decoding at each rate, fan-out to each number\n"
	    "of subscribers, the effect of a stopped subscriber, and REQ/REP\n"
	    "round trips to a real tranched.  Figures are medians over R runs.\n"
	    "\n"
	    "  --duration S   seconds per run (default 2)\n"
	    "  --runs R       runs per measure (default 3)\n"
	    "  --rates N,...  paced events per second (default 1000,10000)\n"
	    "  --batch-ms M,...  each measure once per M: the events made in\n"
	    "                 each M ms pass go out as one message, as the\n"
	    "                 engine's 10 ms passes do; 0 sends each event as\n"
	    "                 made, one a message (default 0,10)\n"
	    "  --subs N,...   subscriber counts for fan-out, 1..%d (default 1,8,64)\n"
	    "  --stop-with N  reading subscribers beside the stopped one (default 8)\n"
	    "  --requests N   round trips per command per run (default 2000)\n"
	    "  --size BYTES   payload padding per event (default 300)\n"
	    "  --no-command   skip the round trips (no engine is started)\n"
	    "  --dir DIR      where the socket directory goes (default $TMPDIR\n"
	    "                 or /tmp)\n"
	    "  --json         one JSON object per measure, not a table\n",
	    MAX_SUBS);
}

static int
number(const char *opt, const char *val, long long lo, long long hi,
       long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(val, &end, 10);
	if (*val == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi) {
		fprintf(stderr, "bench ipc: %s '%s': must be an integer from "
		    "%lld to %lld\n", opt, val, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int
number_list(const char *opt, const char *val, long long lo, long long hi,
            long long *out, int *n)
{
	char buf[256], *tok, *save;

	snprintf(buf, sizeof buf, "%s", val);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (*n == MAX_LIST) {
			fprintf(stderr, "bench ipc: %s '%s': at most %d values\n",
			    opt, val, MAX_LIST);
			return -1;
		}
		if (number(opt, tok, lo, hi, &out[(*n)++]) != 0)
			return -1;
	}
	if (*n == 0) {
		fprintf(stderr, "bench ipc: %s '%s': needs a list of integers\n",
		    opt, val);
		return -1;
	}
	return 0;
}

/* 0 go on, 1 after --help, 2 bad argument. */
static int
args(int argc, char **argv, struct bopts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *val, *eq = strchr(arg, '=');
		char name[32];
		size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		long long v;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			return 1;
		}
		if (strcmp(arg, "--json") == 0) {
			o->json = 1;
			continue;
		}
		if (strcmp(arg, "--no-command") == 0) {
			o->no_command = 1;
			continue;
		}
		if (nlen >= sizeof name)
			nlen = sizeof name - 1;
		memcpy(name, arg, nlen);
		name[nlen] = '\0';
		if (strcmp(name, "--duration") && strcmp(name, "--runs") &&
		    strcmp(name, "--rates") && strcmp(name, "--subs") &&
		    strcmp(name, "--batch-ms") &&
		    strcmp(name, "--requests") && strcmp(name, "--size") &&
		    strcmp(name, "--stop-with") &&
		    strcmp(name, "--dir")) {
			fprintf(stderr, "bench ipc: unknown option '%s' (see "
			    "tranched bench ipc --help)\n", arg);
			return 2;
		}
		if (eq != NULL)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			fprintf(stderr, "bench ipc: %s needs a value\n", name);
			return 2;
		}
		if (strcmp(name, "--duration") == 0) {
			char *end;
			double d;

			errno = 0;
			d = strtod(val, &end);
			if (*val == '\0' || *end != '\0' || errno != 0 ||
			    !(d >= 0.01 && d <= 3600)) {
				fprintf(stderr, "bench ipc: --duration '%s': must "
				    "be seconds from 0.01 to 3600\n", val);
				return 2;
			}
			o->duration = d;
		} else if (strcmp(name, "--runs") == 0) {
			if (number(name, val, 1, 1000, &o->runs) != 0)
				return 2;
		} else if (strcmp(name, "--rates") == 0) {
			if (number_list(name, val, 1, 1000000, o->rates,
			    &o->nrates) != 0)
				return 2;
		} else if (strcmp(name, "--batch-ms") == 0) {
			if (number_list(name, val, 0, 10000, o->batch,
			    &o->nbatch) != 0)
				return 2;
		} else if (strcmp(name, "--subs") == 0) {
			if (number_list(name, val, 1, MAX_SUBS, o->subs,
			    &o->nsubs) != 0)
				return 2;
		} else if (strcmp(name, "--stop-with") == 0) {
			if (number(name, val, 1, MAX_SUBS - 1, &o->stop_with) != 0)
				return 2;
		} else if (strcmp(name, "--requests") == 0) {
			if (number(name, val, 1, 100000000, &o->requests) != 0)
				return 2;
		} else if (strcmp(name, "--size") == 0) {
			if (number(name, val, 0, TRANCHE_MAX_MSG / 2, &v) != 0)
				return 2;
			o->size = v;
		} else
			o->dir = val;
	}
	return 0;
}

int
bench_ipc_main(int argc, char **argv)
{
	struct bopts o = { .duration = 2, .runs = 3, .rates = { 1000, 10000 },
	    .nrates = 2, .batch = { 0, 10 }, .nbatch = 2, .subs = { 1, 8, 64 }, .nsubs = 3, .requests = 2000,
	    .size = 300, .stop_with = 8 };
	const char *tmp;
	long long top;
	ssize_t n;
	int rv, sw, status = 1;

	if (argc >= 4 && strcmp(argv[1], "--worker") == 0) {
		long long maxn;

		if (number("--worker N", argv[3], 1, 1LL << 32, &maxn) != 0)
			return 2;
		return worker_main(argv[2], maxn);
	}
	if ((rv = args(argc, argv, &o)) != 0)
		return rv == 1 ? 0 : 2;
	if ((n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1)) <=
	    0) {
		fprintf(stderr, "bench ipc: /proc/self/exe: %s\n",
		    strerror(errno));
		return 1;
	}
	self_exe[n] = '\0';
	tmp = o.dir ? o.dir : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	if (snprintf(sock_dir, sizeof sock_dir, "%s/tranche-bench-ipc-XXXXXX",
	    tmp) >= (int)sizeof sock_dir || mkdtemp(sock_dir) == NULL) {
		fprintf(stderr, "bench ipc: --dir '%s': cannot make a temporary "
		    "directory there: %s\n", tmp, strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!o.json)
		printf("ipc://, %lld-byte payload, %g s x %lld runs per measure; "
		    "latency is from the event's making to its decoding in\n"
		    "another process (batch M: the events of each M ms pass sent "
		    "as one message; msg: a message from send to receipt)\n\n",
		    o.size, o.duration, o.runs);
	top = o.rates[0];
	for (int i = 0; i < o.nrates; i++)
		if (o.rates[i] > top)
			top = o.rates[i];
	sw = (int)o.stop_with;
	for (int i = 0; i < o.nrates; i++)
		for (int b = 0; b < o.nbatch; b++)
			if (measure(&o, "latency", 1, 0, o.rates[i],
			    o.batch[b]) != 0)
				goto out;
	for (int i = 0; i < o.nsubs; i++)
		for (int b = 0; b < o.nbatch; b++)
			if (measure(&o, "fan-out", (int)o.subs[i], 0, top,
			    o.batch[b]) != 0)
				goto out;
	for (int i = 0; i < o.nsubs; i++)
		for (int b = 0; b < o.nbatch; b++)
			if (measure(&o, "fan-out", (int)o.subs[i], 0, 0,
			    o.batch[b]) != 0)
				goto out;
	for (int b = 0; b < o.nbatch; b++)
		if (measure(&o, "stopped", sw, 0, top, o.batch[b]) != 0 ||
		    measure(&o, "stopped", sw, 1, top, o.batch[b]) != 0 ||
		    measure(&o, "stopped", sw, 0, 0, o.batch[b]) != 0 ||
		    measure(&o, "stopped", sw, 1, 0, o.batch[b]) != 0)
			goto out;
	if (!o.no_command) {
		if (!o.json)
			printf("\n");
		if (command_bench(&o) != 0)
			goto out;
	}
	status = 0;
out:
	{
		char cmd[700];

		/* Sockets, the engine's journal and log: all ours. */
		snprintf(cmd, sizeof cmd, "%s/engine.log", sock_dir);
		unlink(cmd);
		snprintf(cmd, sizeof cmd, "%s/bench.trj", sock_dir);
		unlink(cmd);
		for (int k = 1; k <= runno; k++) {
			snprintf(cmd, sizeof cmd, "%s/ev%d", sock_dir, k);
			unlink(cmd);
		}
		snprintf(cmd, sizeof cmd, "%s/ctl", sock_dir);
		unlink(cmd);
		snprintf(cmd, sizeof cmd, "%s/ctl.events", sock_dir);
		unlink(cmd);
		/* Let NNG free what its closed sockets still queue. */
		nng_fini();
		if (rmdir(sock_dir) != 0)
			fprintf(stderr, "bench ipc: left %s behind: %s\n", sock_dir,
			    strerror(errno));
	}
	return status;
}
