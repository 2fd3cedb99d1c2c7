/*
 * engine/cli/backtest.c -- `tranched backtest`: every algorithm on
 * the same seeds of every scenario, and a table of what each cost.
 *
 * Work is split by seed across --jobs worker processes (fork: the market
 * and exec layers keep no global state, so a child needs nothing but the
 * loaded scenarios).  Each worker writes one fixed-size record per
 * (scenario, seed, algorithm) to its pipe as soon as the session ends; the
 * parent polls the pipes, files each record in its slot, and draws the
 * progress bar on stderr.  Because results are filed by slot, the report
 * is the same whatever --jobs is.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/backtest/backtest.h"
#include "engine/cli/cli.h"
#include "engine/model/model.h"

#define BT_MAX 16

struct bt_rec {
	int32_t sc, algo;
	int64_t seed_ix;
	struct bt_result r;
	int32_t ok;
};

/* Distinct refusal messages a worker remembers having printed: past
 * this many, every new one is printed (the count line still sums them). */
#define BT_SEEN 64

/* 1 the first time a worker sees message msg (FNV-1a of its text). */
static int
bt_first_time(uint64_t *seen, int *n, const char *msg)
{
	uint64_t h = 14695981039346656037ULL;

	for (const char *p = msg; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	for (int k = 0; k < *n; k++)
		if (seen[k] == h)
			return 0;
	if (*n < BT_SEEN)
		seen[(*n)++] = h;
	return 1;
}

/* A JSON number with four decimals, or null where there is none (an
 * interval of one session). */
static void
bt_jnum(char *dst, size_t n, double v)
{
	if (isfinite(v))
		snprintf(dst, n, "%.4f", v);
	else
		snprintf(dst, n, "null");
}

static void
bt_usage(FILE *f)
{
	char known[160];

	algo_known(known, sizeof known);
	fprintf(f, "usage: tranched backtest --scenario S[,S2...] --algo A[,B...] "
	    "--seeds N [options]\n"
	    "Runs every algorithm on the same seeds of each scenario (common random\n"
	    "numbers) and reports the implementation shortfall of each.  A\n"
	    "session of several blocks (on one symbol or several, as in the\n"
	    "program scenario) counts as one: its dollars over the arrival value\n"
	    "of all its blocks (the notional-weighted shortfall in bps).\n\n"
	    "  --scenario S[,S2...]  scenarios (names or files)\n"
	    "  --algo A[,B...]       algorithms (below); differences are to the "
	    "first\n"
	    "  --seeds N             sessions per scenario and algorithm\n"
	    "  --seed-base K         first seed (default 1)\n"
	    "  --venues V            venue set of every block: lit, lit,dark,\n"
	    "                        lit,rfq or lit,dark,rfq (repeatable: each set is run on\n"
	    "                        the same seeds, differences are to the first)\n"
	    "  --dealers D           dealers asked: all, random:K, top:K or learned:K\n"
	    "                        (repeatable, like --venues)\n"
	    "  --leakage             also run each session's matched sessions\n"
	    "                        (the same seed without the dark pool, and\n"
	    "                        without RFQ) and report the lit mid's move\n"
	    "                        after our dark fills and requests against\n"
	    "                        theirs, +30 s and +5 min, bps against us\n"
	    "  --set PATH=VALUE      override a scenario value (repeatable)\n"
	    "  --jobs J              worker processes (default 1)\n"
	    "  --json                one JSON object per line instead of a table\n"
	    "  --csv FILE            also write every session's result to FILE\n"
	    "  --quiet               no progress bar\n"
	    "  --help                print this help and exit\n\n"
	    "algorithms: %s\n", known);
}

static int
bt_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static double
bt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
backtest_main(int argc, char **argv)
{
	enum { O_SC = 1, O_ALGO, O_SEEDS, O_BASE, O_SET, O_JOBS, O_JSON, O_CSV,
	    O_QUIET, O_HELP, O_VENUES, O_DEALERS, O_LEAK };
	static const struct option lo[] = {
		{ "scenario", required_argument, NULL, O_SC },
		{ "algo", required_argument, NULL, O_ALGO },
		{ "seeds", required_argument, NULL, O_SEEDS },
		{ "seed-base", required_argument, NULL, O_BASE },
		{ "set", required_argument, NULL, O_SET },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "json", no_argument, NULL, O_JSON },
		{ "csv", required_argument, NULL, O_CSV },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "help", no_argument, NULL, O_HELP },
		{ "venues", required_argument, NULL, O_VENUES },
		{ "dealers", required_argument, NULL, O_DEALERS },
		{ "leakage", no_argument, NULL, O_LEAK },
		{ NULL, 0, NULL, 0 },
	};
	char *scs[BT_MAX], *algos[BT_MAX], err[512], *end;
	const char *sets[64], *csv = NULL;
	int nsc = 0, nalgo = 0, nsets = 0, jobs = 1, json = 0, quiet = 0, c;
	int leakage = 0;
	long long nseeds = 0, base = 1;
	struct scenario *sc;
	/* Venue sets and dealer choices; none given is one variant that
	 * keeps each block's own. */
	unsigned vens[BT_MAX];
	const char *vnames[BT_MAX], *dls[BT_MAX];
	int nven = 0, ndl = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_SC:
			if ((nsc = cli_split(optarg, scs, BT_MAX)) <= 0) {
				fprintf(stderr, "tranched backtest: --scenario \"%s\": "
				    "1..%d names separated by commas, none empty\n",
				    optarg, BT_MAX);
				return 2;
			}
			break;
		case O_ALGO:
			if ((nalgo = cli_split(optarg, algos, BT_MAX)) <= 0) {
				fprintf(stderr, "tranched backtest: --algo \"%s\": 1..%d "
				    "names separated by commas, none empty\n", optarg,
				    BT_MAX);
				return 2;
			}
			for (int i = 0; i < nalgo; i++)
				if (algo_find(algos[i]) == NULL) {
					char known[160];

					algo_known(known, sizeof known);
					fprintf(stderr, "tranched backtest: --algo %s: unknown "
					    "(known: %s)\n", algos[i], known);
					return 2;
				}
			break;
		case O_SEEDS:
		case O_BASE:
			errno = 0;
			{
				long long v = strtoll(optarg, &end, 10);
				/* A session's seed is the daemon's: up to 2^63 - 1
				 * (the base was held to 1e8, so the daemon's larger
				 * seeds could not be backtested: found by a review). */
				long long hi = c == O_SEEDS ? 100000000LL : INT64_MAX;

				if (errno != 0 || *end != '\0' || optarg[0] == '\0' ||
				    v < (c == O_SEEDS) || v > hi) {
					fprintf(stderr, "tranched backtest: --%s %s: must be a "
					    "whole number from %d to %lld\n", c == O_SEEDS ?
					    "seeds" : "seed-base", optarg, c == O_SEEDS, hi);
					return 2;
				}
				*(c == O_SEEDS ? &nseeds : &base) = v;
			}
			break;
		case O_SET:
			if (nsets == 64) {
				fprintf(stderr, "tranched backtest: --set: at most 64\n");
				return 2;
			}
			sets[nsets++] = optarg;
			break;
		case O_JOBS: {
			/* Range-checked before it is an int: 4294967298 was 2. */
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			jobs = errno == 0 && v >= 1 && v <= 256 ? (int)v : 0;
			if (*end != '\0' || optarg[0] == '\0' || jobs < 1) {
				fprintf(stderr, "tranched backtest: --jobs %s: must be "
				    "1..256\n", optarg);
				return 2;
			}
			break;
		}
		case O_JSON:
			json = 1;
			break;
		case O_CSV:
			csv = optarg;
			break;
		case O_QUIET:
			quiet = 1;
			break;
		case O_LEAK:
			leakage = 1;
			break;
		case O_HELP:
			bt_usage(stdout);
			return 0;
		case O_VENUES:
			if (nven == BT_MAX) {
				fprintf(stderr, "tranched backtest: --venues: at most %d\n",
				    BT_MAX);
				return 2;
			}
			if (venue_set_parse(optarg, &vens[nven], err,
			    sizeof err) != 0) {
				fprintf(stderr, "tranched backtest: --venues: %s\n", err);
				return 2;
			}
			vnames[nven++] = optarg;
			break;
		case O_DEALERS: {
			int mode, k;

			if (ndl == BT_MAX) {
				fprintf(stderr, "tranched backtest: --dealers: at most "
				    "%d\n", BT_MAX);
				return 2;
			}
			if (exec_dealers_parse(optarg, 0, &mode, &k, err,
			    sizeof err) != 0) {
				fprintf(stderr, "tranched backtest: --dealers: %s\n", err);
				return 2;
			}
			dls[ndl++] = optarg;
			break;
		}
		default:
			fprintf(stderr, "tranched backtest: unknown option or missing "
			    "value \"%s\" (see --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (nsc == 0 || nalgo == 0 || nseeds == 0 || optind < argc) {
		bt_usage(stderr);
		return 2;
	}
	if (base > INT64_MAX - (nseeds - 1)) {
		fprintf(stderr, "tranched backtest: --seed-base %lld with --seeds "
		    "%lld: the last seed would pass %lld\n", base, nseeds,
		    (long long)INT64_MAX);
		return 2;
	}
	/* The learned policy's model is read once here: a file it cannot use
	 * is one error before anything runs, not one per session. */
	for (int a = 0; a < nalgo; a++)
		if (algo_find(algos[a])->needs_model) {
			struct model m;

			if (model_load(&m, model_default_path(), err,
			    sizeof err) != 0) {
				fprintf(stderr, "tranched backtest: algo \"%s\": %s\n",
				    algos[a], err);
				return 2;
			}
			model_free(&m);
			break;
		}
	if ((sc = calloc((size_t)nsc, sizeof *sc)) == NULL)
		return 1;
	for (int i = 0; i < nsc; i++) {
		int bad = scenario_load(&sc[i], scs[i], sets, nsets, err,
		    sizeof err) != 0;

		if (bad)
			fprintf(stderr, "tranched backtest: %s\n", err);
		else if (sc[i].norders == 0) {
			fprintf(stderr, "tranched backtest: %s has no orders\n", scs[i]);
			scenario_free(&sc[i]);
			bad = 1;
		}
		if (bad) {
			/* Give back what the scenarios before it loaded. */
			while (i-- > 0)
				scenario_free(&sc[i]);
			free(sc);
			return 2;
		}
	}
	/* The CSV is opened before any session runs: a path that cannot be
	 * written is said now, not after the whole backtest. */
	FILE *csvf = NULL;

	if (csv != NULL && (csvf = fopen(csv, "w")) == NULL) {
		fprintf(stderr, "tranched backtest: --csv %s: %s\n", csv,
		    strerror(errno));
		for (int i = 0; i < nsc; i++)
			scenario_free(&sc[i]);
		free(sc);
		return 1;
	}

	/* Every algorithm with every venue set and dealer choice: variant
	 * v is algorithm v / (nv * nd), venue set v / nd % nv, dealers
	 * v % nd. */
	int nv = nven > 0 ? nven : 1, nd = ndl > 0 ? ndl : 1;
	int nvar = nalgo * nv * nd;
	char (*vlabel)[64] = calloc((size_t)nvar, sizeof *vlabel);
	struct bt_opts *vopt = calloc((size_t)nvar, sizeof *vopt);

	if (vlabel == NULL || vopt == NULL)
		return 1;
	for (int k = 0; k < nvar; k++) {
		int a = k / (nv * nd), vi = k / nd % nv, di = k % nd;

		vopt[k].algo = algos[a];
		vopt[k].venues = nven > 0 ? vens[vi] : 0;
		vopt[k].dealers = ndl > 0 ? dls[di] : NULL;
		vopt[k].leakage = leakage;
		snprintf(vlabel[k], sizeof vlabel[k], "%s%s%s%s%s", algos[a],
		    nven > 0 ? "@" : "", nven > 0 ? vnames[vi] : "",
		    ndl > 0 ? "/" : "", ndl > 0 ? dls[di] : "");
	}
	nalgo = nvar;
	size_t total = (size_t)nsc * (size_t)nseeds * (size_t)nalgo;
	struct bt_rec *res = calloc(total, sizeof *res);
	int *fds = calloc((size_t)jobs, sizeof *fds);
	pid_t *pids = calloc((size_t)jobs, sizeof *pids);
	size_t got = 0;
	double t0 = bt_now(), last_draw = 0;
	int failed = 0;

	if (res == NULL || fds == NULL || pids == NULL)
		return 1;
	fflush(NULL);
	for (int j = 0; j < jobs; j++) {
		int pfd[2];

		if (pipe(pfd) != 0 || (pids[j] = fork()) < 0) {
			perror("tranched backtest");
			return 1;
		}
		if (pids[j] == 0) {
			uint64_t seen[BT_SEEN];
			int nseen = 0;

			close(pfd[0]);
			for (long long s = j; s < nseeds; s += jobs)
				for (int i = 0; i < nsc; i++)
					for (int a = 0; a < nalgo; a++) {
						struct bt_rec r = { .sc = i, .algo = a, .seed_ix = s };

						r.ok = backtest_session_opts(&sc[i], &vopt[a],
						    (uint64_t)(base + s), &r.r, err, sizeof err) == 0;
						/* Each distinct error once a
						 * worker: the count is below. */
						if (!r.ok && bt_first_time(seen, &nseen,
						    err))
							fprintf(stderr, "tranched backtest: %s\n", err);
						if (bt_write_all(pfd[1], &r, sizeof r) != 0)
							_exit(1);
					}
			_exit(0);
		}
		close(pfd[1]);
		fds[j] = pfd[0];
	}
	while (got < total) {
		struct pollfd pf[256];
		int n = 0;

		for (int j = 0; j < jobs; j++)
			if (fds[j] >= 0)
				pf[n++] = (struct pollfd){ .fd = fds[j], .events = POLLIN };
		if (n == 0)
			break;
		if (poll(pf, (nfds_t)n, -1) < 0 && errno != EINTR)
			break;
		for (int k = 0; k < n; k++) {
			struct bt_rec r;
			ssize_t rd;

			if (!(pf[k].revents & (POLLIN | POLLHUP)))
				continue;
			rd = read(pf[k].fd, &r, sizeof r);
			if (rd == (ssize_t)sizeof r) {
				size_t slot = ((size_t)r.sc * (size_t)nseeds +
				    (size_t)r.seed_ix) * (size_t)nalgo + (size_t)r.algo;
				res[slot] = r;
				got++;
				continue;
			}
			/* Records are far below PIPE_BUF, so a short read is the
			 * end of a worker. */
			for (int j = 0; j < jobs; j++)
				if (fds[j] == pf[k].fd) {
					close(fds[j]);
					fds[j] = -1;
				}
		}
		if (!quiet && (bt_now() - last_draw > 0.2 || got == total)) {
			double el = bt_now() - t0, frac = (double)got / (double)total;
			int w = (int)(frac * 30);

			last_draw = bt_now();
			fprintf(stderr, "\r[%.*s%*s] %zu/%zu sessions %.0f/s", w,
			    "##############################", 30 - w, "", got, total,
			    el > 0 ? (double)got / el : 0.0);
		}
	}
	for (int j = 0; j < jobs; j++) {
		int st;

		if (fds[j] >= 0)
			close(fds[j]);
		waitpid(pids[j], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = 1;
	}
	double el = bt_now() - t0;

	if (!quiet)
		fprintf(stderr, "\n%zu sessions in %.2f s: %.1f sessions/s with %d "
		    "job(s)\n", got, el, el > 0 ? (double)got / el : 0.0, jobs);
	if (got < total)
		failed = 1;
	/* A session the engine refused (its error is above) leaves a row
	 * with fewer seeds, or none, whose figures would read as results:
	 * the run fails, and says how many. */
	size_t refused = 0;

	for (size_t i = 0; got == total && i < total; i++)
		refused += !res[i].ok;
	if (refused > 0) {
		fprintf(stderr, "tranched backtest: %zu of %zu sessions refused "
		    "(errors above): the figures below leave them out\n", refused,
		    total);
		failed = 1;
	}

	if (csvf != NULL) {
		FILE *f = csvf;

		fprintf(f, "scenario,algo,seed,is_usd,is_bps,completion,"
		    "participation,first_slice,refused,lit_pct,dark_pct,rfq_pct,"
		    "leak_shares,pred_trigs,rfq_asked,rfq_won,dark_fill_rate,"
		    "firm_rate,leak_dark_n,leak_dark_30s,leak_dark_300s,leak_rfq_n,"
		    "leak_rfq_30s,leak_rfq_300s\n");
		for (size_t k = 0; k < total; k++) {
			struct bt_rec *r = &res[k];

			if (!r->ok)
				continue;
			char qn[160];

			/* A label with a venue set has commas: quoted; a
			 * scenario's name when it has one. */
			fprintf(f, "%s,\"%s\",%lld,%.2f,%.4f,%.6f,%.4f,%.0f,%lld,%.2f,"
			    "%.2f,%.2f,%.0f,%lld,%lld,%lld,%.2f,%.2f,%d,%.4f,%.4f,%d,"
			    "%.4f,%.4f\n",
			    cli_csv_field(qn, sizeof qn, sc[r->sc].name),
			    vlabel[r->algo], base + r->seed_ix, r->r.is_usd, r->r.is_bps, r->r.completion,
			    r->r.participation, r->r.first_slice,
			    (long long)r->r.refused, r->r.venue_pct[VENUE_LIT],
			    r->r.venue_pct[VENUE_DARK], r->r.venue_pct[VENUE_RFQ],
			    r->r.leak_shares, (long long)r->r.pred_trigs,
			    (long long)r->r.rfq_asked, (long long)r->r.rfq_won,
			    r->r.dark_fill_rate, r->r.firm_rate,
			    r->r.leak_n[VENUE_DARK], r->r.leak_bps[VENUE_DARK][0],
			    r->r.leak_bps[VENUE_DARK][1], r->r.leak_n[VENUE_RFQ],
			    r->r.leak_bps[VENUE_RFQ][0], r->r.leak_bps[VENUE_RFQ][1]);
		}
		if (ferror(f) | (fclose(f) != 0)) {
			fprintf(stderr, "tranched backtest: --csv %s: write failed: "
			    "%s\n", csv, strerror(errno));
			failed = 1;
		}
	}

	double *v = calloc((size_t)nseeds, sizeof *v);
	double *d = calloc((size_t)nseeds, sizeof *d);
	double *u = calloc((size_t)nseeds, sizeof *u);
	double *w = calloc((size_t)nseeds, sizeof *w);

	if (v == NULL || d == NULL || u == NULL || w == NULL)
		return 1;
	/* Labels with a venue set or dealers are longer than a name. */
	int aw = nven > 0 || ndl > 0 ? 28 : 16;

	if (!json) {
		printf("%-16s %-*s %6s %9s %8s %21s %12s %12s %6s %6s %21s",
		    "scenario", aw, "algo", "n", "IS bps", "sd", "95% CI", "IS $",
		    "sd $", "done%", "pov%", "diff bps (95% CI)");
		if (nven > 0 || ndl > 0)
			printf(" %6s %6s %6s %8s %5s %7s", "lit%", "dark%", "rfq%",
			    "leak sh", "pred", "rfq w/a");
		if (leakage)
			printf(" %6s %6s %8s %8s %8s %8s", "dfill%", "firm%",
			    "lk d30s", "lk d5m", "lk r30s", "lk r5m");
		printf("\n");
	}
	for (int i = 0; i < nsc; i++)
		for (int a = 0; a < nalgo; a++) {
			struct bt_stats s, sd_usd, ds;
			double comp = 0, pov = 0, vp[VENUE_COUNT] = { 0 }, leak = 0;
			double pred = 0, asked = 0, won = 0;
			int n = 0;

			for (long long k = 0; k < nseeds; k++) {
				struct bt_rec *r = &res[((size_t)i * (size_t)nseeds +
				    (size_t)k) * (size_t)nalgo + (size_t)a];
				struct bt_rec *r0 = &res[((size_t)i * (size_t)nseeds +
				    (size_t)k) * (size_t)nalgo];

				if (!r->ok || !r0->ok)
					continue;
				v[n] = r->r.is_bps;
				u[n] = r->r.is_usd;
				d[n] = r->r.is_bps - r0->r.is_bps;
				comp += r->r.completion >= 1.0 ? 1 : 0;
				pov += r->r.participation;
				for (int vv = 0; vv < VENUE_COUNT; vv++)
					vp[vv] += r->r.venue_pct[vv];
				leak += r->r.leak_shares;
				pred += (double)r->r.pred_trigs;
				asked += (double)r->r.rfq_asked;
				won += (double)r->r.rfq_won;
				n++;
			}
			backtest_stats(v, n, &s);
			backtest_stats(u, n, &sd_usd);
			backtest_stats(d, n, &ds);
			/* The rates and leakage: means over the sessions where
			 * they exist (NAN where nothing was sent or measured). */
			struct bt_stats xs[6];

			for (int q = 0; q < 6; q++) {
				int m = 0;

				for (long long k = 0; k < nseeds; k++) {
					struct bt_rec *r = &res[((size_t)i *
					    (size_t)nseeds + (size_t)k) * (size_t)nalgo +
					    (size_t)a];
					double x = q == 0 ? r->r.dark_fill_rate : q == 1 ?
					    r->r.firm_rate : r->r.leak_bps[q < 4 ? VENUE_DARK :
					    VENUE_RFQ][q % 2];

					if (r->ok && !isnan(x))
						w[m++] = x;
				}
				backtest_stats(w, m, &xs[q]);
			}
			comp = n ? comp / n : 0;
			pov = n ? pov / n : 0;
			for (int vv = 0; vv < VENUE_COUNT; vv++)
				vp[vv] = n ? vp[vv] / n : 0;
			leak = n ? leak / n : 0;
			pred = n ? pred / n : 0;
			if (json) {
				/* Strings escaped (a name with a quote made the line
				 * not JSON), and an interval of one session null. */
				char *jn = cli_json_string(sc[i].name);
				char *ja = cli_json_string(vlabel[a]);
				char l1[40], h1[40], l2[40], h2[40];

				bt_jnum(l1, sizeof l1, s.lo);
				bt_jnum(h1, sizeof h1, s.hi);
				bt_jnum(l2, sizeof l2, ds.lo);
				bt_jnum(h2, sizeof h2, ds.hi);
				printf("{\"scenario\":%s,\"algo\":%s,\"n\":%d,"
				    "\"is_bps_mean\":%.4f,\"is_bps_sd\":%.4f,"
				    "\"ci95_lo\":%s,\"ci95_hi\":%s,"
				    "\"is_usd_mean\":%.2f,\"is_usd_sd\":%.2f,"
				    "\"completion\":%.4f,\"participation\":%.4f,"
				    "\"diff_bps_mean\":%.4f,\"diff_ci95_lo\":%s,"
				    "\"diff_ci95_hi\":%s,\"seed_base\":%lld,"
				    "\"lit_pct\":%.2f,\"dark_pct\":%.2f,\"rfq_pct\":%.2f,"
				    "\"leak_shares\":%.0f,\"pred_trigs\":%.2f,"
				    "\"rfq_asked\":%.0f,\"rfq_won\":%.0f",
				    jn != NULL ? jn : "null", ja != NULL ? ja : "null", n,
				    s.mean, s.sd, l1, h1,
				    sd_usd.mean, sd_usd.sd, comp, pov, ds.mean, l2, h2,
				    base, vp[VENUE_LIT], vp[VENUE_DARK], vp[VENUE_RFQ], leak,
				    pred, asked, won);
				static const char *const xn[6] = { "dark_fill_rate",
				    "firm_rate", "leak_dark_30s", "leak_dark_300s",
				    "leak_rfq_30s", "leak_rfq_300s" };

				/* Each as mean, its 95% interval and the sessions it
				 * exists in; null when in none. */
				cJSON_free(jn);
				cJSON_free(ja);
				for (int q = 0; q < 6; q++)
					if (xs[q].n > 0) {
						bt_jnum(l1, sizeof l1, xs[q].lo);
						bt_jnum(h1, sizeof h1, xs[q].hi);
						printf(",\"%s\":%.4f,\"%s_lo\":%s,\"%s_hi\":"
						    "%s,\"%s_n\":%d", xn[q], xs[q].mean, xn[q],
						    l1, xn[q], h1, xn[q], xs[q].n);
					} else
						printf(",\"%s\":null,\"%s_n\":0", xn[q], xn[q]);
				printf("}\n");
			} else {
				char ci[32], dci[40];

				/* One session has no interval. */
				if (isnan(s.lo))
					snprintf(ci, sizeof ci, "-");
				else
					snprintf(ci, sizeof ci, "[%.2f, %.2f]", s.lo, s.hi);
				if (a == 0)
					snprintf(dci, sizeof dci, "-");
				else if (isnan(ds.lo))
					snprintf(dci, sizeof dci, "%+.2f", ds.mean);
				else
					snprintf(dci, sizeof dci, "%+.2f [%+.2f, %+.2f]",
					    ds.mean, ds.lo, ds.hi);
				printf("%-16s %-*s %6d %9.2f %8.2f %21s %12.0f %12.0f "
				    "%6.1f %6.2f %21s", sc[i].name, aw, vlabel[a], n, s.mean,
				    s.sd, ci, sd_usd.mean, sd_usd.sd, 100 * comp, pov, dci);
				if (nven > 0 || ndl > 0) {
					char rw[24];

					snprintf(rw, sizeof rw, "%.0f/%.0f", won, asked);
					printf(" %6.1f %6.1f %6.1f %8.0f %5.2f %7s",
					    vp[VENUE_LIT], vp[VENUE_DARK], vp[VENUE_RFQ], leak,
					    pred, rw);
				}
				if (leakage) {
					for (int q = 0; q < 6; q++)
						if (xs[q].n > 0)
							printf(q < 2 ? " %6.1f" : " %+8.2f", xs[q].mean);
						else
							printf(q < 2 ? " %6s" : " %8s", "-");
				}
				printf("\n");
			}
		}
	free(v);
	free(d);
	free(u);
	free(w);
	free(vlabel);
	free(vopt);
	for (int i = 0; i < nsc; i++)
		scenario_free(&sc[i]);
	free(sc);
	free(res);
	free(fds);
	free(pids);
	return failed ? 1 : 0;
}

const struct cli_cmd cli_backtest_cmd = {
	.name = "backtest",
	.main = backtest_main,
	.usage = "backtest --scenario S --algo A[,B...] --seeds N [...]",
	.help = "every algorithm on the same seeds of each scenario, and what "
	    "each cost",
};
