/*
 * tests/bench/bench-load.c -- the engine's loop under a crowd of clients
 * that ask for snapshots and status as fast as they are answered.
 *
 *   bench-load --tranched PATH [--clients 32] [--seconds 20] [--speed 60]
 *              [--scenario NAME] [--status-every 4] [--check] [--json]
 *
 * It starts the real tranched in a temporary directory, subscribes to its
 * events, and runs --clients threads, each with a REQ socket of its own
 * that sends snapshot, snapshot, snapshot, status ... (a status every
 * --status-every requests; 1: only status, 0: only snapshots) back to back
 * for --seconds.  It reports what a console would feel: the gaps between
 * heartbeats as they arrive (median, p99, the largest; the engine sends
 * one a second of wall time), the simulated clock's speed between the first
 * and the last heartbeat against --speed and its largest step between two
 * heartbeats, snapshot and status replies per
 * second, and the engine's resident size (VmRSS) after the first second
 * and at the end; and the engine's CPU time per reply and the largest
 * snapshot in bytes, figures that a busy machine leaves nearly alone, so
 * that two engines can be compared on it.
 *
 * With --check it is the integration test integration/snapshot-load: it
 * fails (exit 1, saying which) unless the heartbeat gap's p99 is under
 * 1.2 s, the clock ran within 10% of --speed and never stepped more than
 * 1.2 s of wall time's worth between heartbeats, the engine answered at least
 * one snapshot a second per client on average, and RSS grew by less than
 * 32 MB.  The old engine failed the first two: its request handler drained
 * every waiting request, each answer let its client ask again before the
 * drain ended, and the loop stopped turning for the whole run.
 *
 * Built as its own program (like bench-console.c), run by scripts/bench
 * load and, short, by ctest.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "ipc/client.h"
#include "ipc/nngclose.h"
#include "ipc/protocol.h"

/* This build's protocol version as text, for hand-written hellos. */
#define PROTO_STR_(x) #x
#define PROTO_STR(x) PROTO_STR_(x)
#define PROTO_V PROTO_STR(TRANCHE_PROTO_VERSION)

extern char **environ;

#define MAX_CLIENTS 256
#define MAX_BEATS 4096

struct load {
	char url[300];
	int every;         /* a status every `every` requests, 0: none */
	long long until_ms;
	long snaps, stats, errors;
	size_t snap_bytes;  /* the largest snapshot reply */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long
rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * The engine's CPU time (user + system) in seconds from /proc/PID/stat,
 * -1 when it cannot be read.  CPU time per reply is what a loaded machine
 * does not change much, where replies per second of wall time halve when
 * another build takes the cores: it is the figure to compare two engines by.
 */
static double
cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	size_t n;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces: fields count from its ')'. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void *
load_client(void *arg)
{
	struct load *l = arg;
	nng_socket s;
	char req[96];
	long n = 0;

	if (nng_req0_open(&s) != 0)
		return NULL;
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 10000);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, TRANCHE_MAX_MSG * 16);
	if (nng_dial(s, l->url, NULL, 0) != 0) {
		l->errors++;
		ipc_nng_close(s, 2000);
		return NULL;
	}
	while (now_ms() < l->until_ms) {
		int snap = l->every == 0 || n % l->every != l->every - 1;
		char *buf;
		size_t len;

		snprintf(req, sizeof req, "{\"cmd\":\"%s\",\"id\":\"load-%p-%ld\"}",
		    snap ? "snapshot" : "status", (void *)l, n++);
		if (nng_send(s, req, strlen(req), 0) != 0 ||
		    nng_recv(s, &buf, &len, NNG_FLAG_ALLOC) != 0) {
			l->errors++;
			continue;
		}
		if (len > 10 && memcmp(buf, "{\"ok\":true", 10) == 0) {
			(snap ? &l->snaps : &l->stats)[0]++;
			if (snap && len > l->snap_bytes)
				l->snap_bytes = len;
		}
		else
			l->errors++;
		nng_free(buf, len);
	}
	ipc_nng_close(s, 2000);
	return NULL;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static pid_t
spawn(char *const argv[])
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
		execve(argv[0], argv, environ);
		_exit(127);
	}
	return pid;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench-load --tranched PATH [--clients N] "
	    "[--seconds S] [--speed X] [--scenario NAME] [--status-every N] "
	    "[--check] [--json]\n");
}

int
main(int argc, char **argv)
{
	const char *tranched = NULL, *scenario = "news-shock";
	long clients = 32, seconds = 20;
	double speed = 60;
	int check = 0, json = 0, status = 0, every = 4;
	char dir[] = "/tmp/bench-load.XXXXXX", listen[320], journal[320];
	char sp[32], sc[128], ctl[300];
	static struct load loads[MAX_CLIENTS];
	pthread_t th[MAX_CLIENTS];
	static long long beat_ms[MAX_BEATS], gaps[MAX_BEATS];
	static int64_t beat_t[MAX_BEATS];
	int nbeats = 0;
	struct ipc_client *sub = NULL;
	long rss0 = -1, rss1 = -1;
	double cpu0 = -1, cpu1 = -1;
	long long t0, t1;
	pid_t pid;

	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--tranched") == 0 && a + 1 < argc)
			tranched = argv[++a];
		else if (strcmp(argv[a], "--clients") == 0 && a + 1 < argc)
			clients = strtol(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--seconds") == 0 && a + 1 < argc)
			seconds = strtol(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--speed") == 0 && a + 1 < argc)
			speed = strtod(argv[++a], NULL);
		else if (strcmp(argv[a], "--scenario") == 0 && a + 1 < argc)
			scenario = argv[++a];
		else if (strcmp(argv[a], "--status-every") == 0 && a + 1 < argc)
			every = (int)strtol(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--check") == 0)
			check = 1;
		else if (strcmp(argv[a], "--json") == 0)
			json = 1;
		else {
			usage();
			return 2;
		}
	}
	if (tranched == NULL || clients < 1 || clients > MAX_CLIENTS ||
	    seconds < 2 || seconds > 600 || !(speed > 0 && speed <= 10000)) {
		usage();
		return 2;
	}
	if (check) {
		/* AddressSanitizer holds freed memory in quarantines (256 MB
		 * and 1 MB a thread) that count as resident and, with the
		 * allocator's size classes, grow RSS by megabytes a second
		 * under this load: off for the engine here, so that RSS measures
		 * what the engine keeps (every other test keeps them). */
		const char *prev = getenv("ASAN_OPTIONS");
		char asan[1024];

		snprintf(asan, sizeof asan, "%s%squarantine_size_mb=0:"
		    "thread_local_quarantine_size_kb=0",
		    prev ? prev : "", prev && prev[0] ? ":" : "");
		setenv("ASAN_OPTIONS", asan, 1);
	}
	if (mkdtemp(dir) == NULL) {
		perror("bench-load: mkdtemp");
		return 1;
	}
	snprintf(ctl, sizeof ctl, "ipc://%s/ctl", dir);
	snprintf(listen, sizeof listen, "--listen=%s", ctl);
	snprintf(journal, sizeof journal, "--journal=%s/s.trj", dir);
	snprintf(sp, sizeof sp, "--speed=%g", speed);
	snprintf(sc, sizeof sc, "--scenario=%s", scenario);
	char *targv[] = { (char *)tranched, listen, journal, sp, sc, NULL };
	if ((pid = spawn(targv)) < 0) {
		perror("bench-load: fork");
		return 1;
	}
	if (ipc_client_open(&sub, ctl, NULL, "bench-load") != 0) {
		fprintf(stderr, "bench-load: cannot open a client\n");
		status = 1;
		goto out;
	}
	/* Until the engine answers, then a second for the events to flow. */
	for (t0 = now_ms(); ; ) {
		cJSON *req = cJSON_Parse("{\"cmd\":\"hello\",\"role\":\"viewer\","
		    "\"client\":\"bench-load\",\"v\":" PROTO_V "}"), *rep = NULL;
		int rv = ipc_client_request(sub, req, &rep, 1000);

		cJSON_Delete(req);
		cJSON_Delete(rep);
		if (rv == 0)
			break;
		if (now_ms() - t0 > 30000 || waitpid(pid, NULL, WNOHANG) == pid) {
			fprintf(stderr, "bench-load: %s did not answer\n", tranched);
			status = 1;
			goto out;
		}
	}
	for (t0 = now_ms(); now_ms() - t0 < 1000;) {
		struct ipc_event ev;

		if (ipc_client_wait_event(sub, &ev, 100) == 1)
			ipc_event_free(&ev);
	}
	rss0 = rss_kb(pid);
	cpu0 = cpu_s(pid);
	t0 = now_ms();
	for (long i = 0; i < clients; i++) {
		snprintf(loads[i].url, sizeof loads[i].url, "%s", ctl);
		loads[i].until_ms = t0 + seconds * 1000;
		loads[i].every = every;
		if (pthread_create(&th[i], NULL, load_client, &loads[i]) != 0) {
			fprintf(stderr, "bench-load: thread %ld: %s\n", i,
			    strerror(errno));
			clients = i;
			break;
		}
	}
	/* The heartbeats, as they arrive, while the clients hammer. */
	while (now_ms() < t0 + seconds * 1000) {
		struct ipc_event ev;

		if (ipc_client_wait_event(sub, &ev, 100) != 1)
			continue;
		if (strcmp(ev.topic, TOPIC_HEARTBEAT) == 0 && nbeats < MAX_BEATS) {
			beat_ms[nbeats] = now_ms();
			beat_t[nbeats++] = ev.t;
		}
		ipc_event_free(&ev);
	}
	for (long i = 0; i < clients; i++)
		pthread_join(th[i], NULL);
	t1 = now_ms();
	rss1 = rss_kb(pid);
	cpu1 = cpu_s(pid);
	{
		long snaps = 0, stats = 0, errors = 0;
		size_t sbytes = 0;
		double cpu = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
		double p50 = 0, p99 = 0, max = 0, ratio = 0, step = 0;
		int ngaps = nbeats - 1;

		for (long i = 0; i < clients; i++) {
			snaps += loads[i].snaps;
			stats += loads[i].stats;
			errors += loads[i].errors;
			if (loads[i].snap_bytes > sbytes)
				sbytes = loads[i].snap_bytes;
		}
		for (int i = 0; i < ngaps; i++) {
			gaps[i] = beat_ms[i + 1] - beat_ms[i];
			/* The clock's largest step between two heartbeats, in
			 * simulated seconds: a stalled loop shows as a jump. */
			if ((double)(beat_t[i + 1] - beat_t[i]) / 1e9 > step)
				step = (double)(beat_t[i + 1] - beat_t[i]) / 1e9;
		}
		if (ngaps > 0) {
			qsort(gaps, (size_t)ngaps, sizeof gaps[0], cmp_ll);
			p50 = (double)gaps[ngaps / 2];
			p99 = (double)gaps[(int)((ngaps - 1) * 0.99 + 0.5)];
			max = (double)gaps[ngaps - 1];
		}
		if (nbeats > 1 && beat_ms[nbeats - 1] > beat_ms[0])
			ratio = (double)(beat_t[nbeats - 1] - beat_t[0]) / 1e6 /
			    (double)(beat_ms[nbeats - 1] - beat_ms[0]) / speed;
		double secs = (double)(t1 - t0) / 1000.0;
		if (json)
			printf("{\"bench\":\"load\",\"clients\":%ld,\"secs\":%.1f,"
			    "\"beats\":%d,\"beat_gap_p50_ms\":%.0f,"
			    "\"beat_gap_p99_ms\":%.0f,\"beat_gap_max_ms\":%.0f,"
			    "\"clock_speed_ratio\":%.3f,\"clock_step_max_s\":%.1f,"
			    "\"snapshots_s\":%.1f,"
			    "\"status_s\":%.1f,\"errors\":%ld,\"rss_start_mb\":%.1f,"
			    "\"rss_end_mb\":%.1f,\"engine_cpu_s\":%.2f,"
			    "\"cpu_ms_per_reply\":%.3f,\"snapshot_bytes\":%zu}\n",
			    clients, secs, nbeats, p50, p99,
			    max, ratio, step, (double)snaps / secs, (double)stats / secs,
			    errors, rss0 / 1024.0, rss1 / 1024.0, cpu,
			    snaps + stats > 0 ? 1000 * cpu / (double)(snaps + stats) : 0,
			    sbytes);
		else
			printf("load: %ld clients for %.1f s at speed %g: heartbeat "
			    "gap median %.0f ms, p99 %.0f ms, max %.0f ms (%d beats); "
			    "clock at %.3f x its speed, largest step %.1f simulated s; "
			    "%.1f snapshots/s, %.1f status/s, "
			    "%ld errors; RSS %.1f MB -> %.1f MB; engine CPU %.2f s, "
			    "%.3f ms a reply; snapshot %zu bytes\n", clients, secs,
			    speed, p50, p99, max, nbeats, ratio, step,
			    (double)snaps / secs,
			    (double)stats / secs, errors, rss0 / 1024.0, rss1 / 1024.0,
			    cpu, snaps + stats > 0 ? 1000 * cpu /
			    (double)(snaps + stats) : 0, sbytes);
		if (check) {
			if (ngaps < seconds / 2 || p99 >= 1200) {
				fprintf(stderr, "FAIL: heartbeat gap p99 %.0f ms over %d "
				    "gaps (must be < 1200 ms)\n", p99, ngaps);
				status = 1;
			}
			if (ratio < 0.9 || ratio > 1.1 || step > 1.2 * speed) {
				fprintf(stderr, "FAIL: the simulated clock ran at %.3f x "
				    "--speed (must be 0.9..1.1), its largest step between "
				    "heartbeats %.1f simulated s (at most %.1f)\n", ratio,
				    step, 1.2 * speed);
				status = 1;
			}
			if ((double)snaps / secs < (double)clients) {
				fprintf(stderr, "FAIL: %.1f snapshots/s for %ld clients\n",
				    (double)snaps / secs, clients);
				status = 1;
			}
			if (rss0 < 0 || rss1 < 0 || rss1 - rss0 > 32 * 1024) {
				fprintf(stderr, "FAIL: RSS %ld kB -> %ld kB (at most 32 MB "
				    "more)\n", rss0, rss1);
				status = 1;
			}
		}
	}
out:
	ipc_client_close(sub);
	kill(pid, SIGTERM);
	for (t0 = now_ms(); now_ms() - t0 < 10000;) {
		int st;

		if (waitpid(pid, &st, WNOHANG) == pid) {
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "bench-load: tranched exited with %d\n",
				    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
				status = 1;
			}
			pid = 0;
			break;
		}
		usleep(10000);
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fprintf(stderr, "bench-load: tranched did not stop on SIGTERM\n");
		status = 1;
	}
	{
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench-load: could not remove %s\n", dir);
	}
	return status;
}
