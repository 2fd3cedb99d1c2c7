/*
 * engine/cli/train-dealers.c -- `tranched train-dealers`: the dealer-
 * selection model (model.h, dealer.c) trained on simulated requests or on
 * the requests journals recorded, and `tranched dealer-table`: asking the
 * model's top k against all, a random k and a fixed top k, by net cost.
 *
 * Data.  A session is the scenario's blocks worked as the backtester works
 * them, with the venue set and the dealers asked set for every block; the
 * exec hands each request to the dealer sink once its leakage is measured
 * (exec_set_dealer_sink), and those records are the data.  Simulated
 * training asks random:K with K from 2 to 6 by session, so that every
 * dealer is seen in many different company -- what lets the leakage of
 * each be told apart -- and requests every rfq_every_s (300 s by default,
 * against the router's 900) for more of them per session.  A journal holds
 * the same records as the dealer_obs field of its "rfq-outcome"
 * decisions, written from the same struct: a model trained from a journal
 * is the model trained on the requests it recorded, bit for bit.
 *
 * Seeds.  Training sessions from 10,000,000, validation from 20,000,000;
 * the table runs test seeds 1..N.  Never the one for the other.
 *
 * Sessions run in --jobs forked workers, each writing its records to a
 * file of its own; the parent reads them back in session order, so the
 * data, and the model, are the same whatever --jobs is.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/backtest/backtest.h"
#include "engine/cli/cli.h"
#include "engine/journal/journal.h"
#include "engine/model/model.h"
#include "engine/tca/tca.h"

#define TD_TRAIN_SEED 10000000ULL
#define TD_VAL_SEED 20000000ULL
#define TD_MAX_VARIANTS 16

struct td_sink {
	struct dealer_obs **v;
	size_t *n, *cap;
	int failed;
};

static void
td_sink(void *arg, const struct dealer_obs *o)
{
	struct td_sink *s = arg;

	if (*s->n == *s->cap) {
		size_t c = *s->cap ? *s->cap * 2 : 64;
		struct dealer_obs *nv = realloc(*s->v, c * sizeof *nv);

		if (nv == NULL) {
			s->failed = 1;
			return;
		}
		*s->v = nv;
		*s->cap = c;
	}
	(*s->v)[(*s->n)++] = *o;
}

int
cli_dealer_session(const struct scenario *sc, uint64_t seed,
                   const struct cli_dealer_run *o,
                   struct dealer_obs **v, size_t *n, size_t *cap,
                   double *is_bps, char *err, size_t errlen)
{
	struct td_sink s = { .v = v, .n = n, .cap = cap };
	struct exec *x;
	int64_t last = 0;
	long double usd = 0, value = 0;

	if (scenario_exec_new(sc, seed, 0, o->emit, &x, err, errlen) != 0)
		return -1;
	exec_set_dealer_sink(x, td_sink, &s);
	for (int i = 0; i < sc->norders; i++) {
		struct parent_spec ps;

		scenario_order(sc, i, seed, &ps);
		if (o->venues != 0)
			ps.venues = o->venues;
		if (o->dealers != NULL)
			snprintf(ps.dealers, sizeof ps.dealers, "%s", o->dealers);
		if (o->rfq_every_s > 0)
			ps.rfq_every_s = o->rfq_every_s;
		if (exec_submit(x, &ps, NULL, err, errlen) != 0) {
			scenario_exec_free(x);
			return -1;
		}
		if (ps.end > last)
			last = ps.end;
	}
	exec_tick(x, last);
	/* The shortfall as the backtester counts it: unfilled shares valued
	 * at the end mid. */
	for (size_t i = 0; i < exec_count(x); i++) {
		struct parent *p = exec_get(x, i);
		double sign = p->spec.side == BOOK_BID ? 1 : -1;

		usd += tca_is_cash(p->spec.side, p->arrival, p->filled, p->cash,
		    p->m->tick);
		usd += sign * (double)(p->spec.qty - p->filled) *
		    ((double)p->end_px - p->arrival) * p->m->tick;
		value += (long double)p->arrival * p->m->tick * p->spec.qty;
	}
	if (is_bps != NULL)
		*is_bps = value > 0 ? (double)(usd / value * 1e4L) : 0;
	scenario_exec_free(x);
	if (s.failed) {
		snprintf(err, errlen, "out of memory for the session's requests");
		return -1;
	}
	return 0;
}

int
cli_dealer_journal(const char *path, struct dealer_obs **v, size_t *n,
                   size_t *cap, char *err, size_t errlen)
{
	struct td_sink s = { .v = v, .n = n, .cap = cap };
	struct jrnl_reader *r;
	struct jrnl_rec rec;
	int rv;

	if ((rv = jrnl_reader_open(&r, path, NULL)) != 0) {
		jrnl_describe(err, errlen, rv, path);
		return -1;
	}
	while ((rv = jrnl_next(r, &rec)) == 1) {
		const char *d = (const char *)rec.data;
		size_t tl = strnlen(d, rec.len);
		const cJSON *ob;
		cJSON *j;
		struct dealer_obs o;
		char e[200];

		/* An event is "TOPIC\0JSON"; only decisions can carry a
		 * request's record, and journals from before it carry none. */
		if (rec.kind != JRNL_EVENT || tl >= rec.len ||
		    strcmp(d, "decision") != 0)
			continue;
		if ((j = cJSON_ParseWithLength(d + tl + 1, rec.len - tl - 1)) == NULL)
			continue;
		ob = cJSON_GetObjectItemCaseSensitive(j, "dealer_obs");
		if (ob != NULL && dealer_obs_from_json(&o, ob, e, sizeof e) != 0) {
			snprintf(err, errlen, "journal %s: record at byte %llu: "
			    "dealer_obs.%s", path, (unsigned long long)rec.offset, e);
			cJSON_Delete(j);
			jrnl_reader_close(r);
			return -1;
		}
		if (ob != NULL)
			td_sink(&s, &o);
		cJSON_Delete(j);
	}
	jrnl_reader_close(r);
	if (rv < 0) {
		snprintf(err, errlen, "journal %s: damaged (%s); `tranched journal "
		    "salvage` copies what is readable", path, jrnl_strerror(rv));
		return -1;
	}
	if (s.failed) {
		snprintf(err, errlen, "out of memory reading %s", path);
		return -1;
	}
	return 0;
}

/* ---- sessions in worker processes ------------------------------------ */

/* What one session of the table or the data reports: its index and, for
 * the data, its records; for the table, its sums. */
struct td_sum {
	int64_t k;
	int32_t ok;
	double is_bps;
	double reqs, qty, filled, cost, move, none;
};

static int
td_write(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n ? 0 : -1;
}

/*
 * Run sessions 0..nk-1 in jobs workers: session k is run(k) in worker
 * k % jobs, which writes what run() returns to its own temporary file.
 * Then every file is read back and each session's bytes given to take()
 * in session order.
 */
typedef int (*td_run_fn)(void *arg, int64_t k, FILE *out);
typedef int (*td_take_fn)(void *arg, int64_t k, FILE *in);

static int
td_parallel(int64_t nk, int jobs, td_run_fn run, td_take_fn take, void *arg,
            int progress)
{
	FILE *tmp[256];
	pid_t pid[256];
	int bad = 0;

	if (jobs > nk)
		jobs = (int)(nk > 0 ? nk : 1);
	for (int j = 0; j < jobs; j++) {
		if ((tmp[j] = tmpfile()) == NULL)
			return -1;
		fflush(NULL);
		if ((pid[j] = fork()) < 0)
			return -1;
		if (pid[j] == 0) {
			int rc = 0;

			for (int64_t k = j; k < nk && rc == 0; k += jobs) {
				rc = run(arg, k, tmp[j]);
				if (progress && j == 0)
					fprintf(stderr, "\r%lld/%lld sessions", (long long)k + 1,
					    (long long)nk);
			}
			if (fflush(tmp[j]) != 0)
				rc = -1;
			_exit(rc == 0 ? 0 : 1);
		}
	}
	for (int j = 0; j < jobs; j++) {
		int st;

		while (waitpid(pid[j], &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad = 1;
		rewind(tmp[j]);
	}
	if (progress)
		fprintf(stderr, "\n");
	/* Each worker wrote its sessions in order; take them round-robin. */
	for (int64_t k = 0; k < nk && !bad; k++)
		if (take(arg, k, tmp[k % jobs]) != 0)
			bad = 1;
	for (int j = 0; j < jobs; j++)
		fclose(tmp[j]);
	return bad ? -1 : 0;
}

/* ---- train-dealers ----------------------------------------------------- */

struct td_data {
	const struct scenario *sc;
	int nsc;
	uint64_t base;
	double every;
	unsigned venues;
	struct dealer_obs *v;
	size_t n, cap;
};

static int
td_data_run(void *arg, int64_t k, FILE *out)
{
	struct td_data *d = arg;
	const struct scenario *sc = &d->sc[k % d->nsc];
	char dl[16], err[300];
	struct dealer_obs *v = NULL;
	size_t n = 0, cap = 0;
	int nd = sc->venues.ndealers > 0 ? sc->venues.ndealers : 6;
	int kk = 2 + (int)(k % 5);
	struct cli_dealer_run o = { .venues = d->venues, .dealers = dl,
	    .rfq_every_s = d->every };
	int64_t cnt;
	int rc;

	snprintf(dl, sizeof dl, "random:%d", kk < nd ? kk : nd);
	rc = cli_dealer_session(sc, d->base + (uint64_t)k, &o, &v, &n, &cap, NULL,
	    err, sizeof err);
	if (rc != 0) {
		fprintf(stderr, "tranched train-dealers: session %lld: %s\n",
		    (long long)k, err);
		n = 0;
	}
	cnt = (int64_t)n;
	rc = td_write(out, &cnt, sizeof cnt) == 0 && (n == 0 || td_write(out, v,
	    n * sizeof *v) == 0) ? rc : -1;
	free(v);
	return rc;
}

static int
td_data_take(void *arg, int64_t k, FILE *in)
{
	struct td_data *d = arg;
	int64_t cnt;

	(void)k;
	if (fread(&cnt, sizeof cnt, 1, in) != 1 || cnt < 0)
		return -1;
	if (d->n + (size_t)cnt > d->cap) {
		size_t c = (d->n + (size_t)cnt) * 2;
		struct dealer_obs *nv = realloc(d->v, c * sizeof *nv);

		if (nv == NULL)
			return -1;
		d->v = nv;
		d->cap = c;
	}
	if (cnt > 0 && fread(d->v + d->n, sizeof *d->v, (size_t)cnt, in) !=
	    (size_t)cnt)
		return -1;
	d->n += (size_t)cnt;
	return 0;
}

static void
td_usage(FILE *f)
{
	fprintf(f, "usage: tranched train-dealers [options]\n"
	    "Trains the dealer-selection model (--dealers learned:K) on simulated\n"
	    "requests (training seeds from 10,000,000, validation from\n"
	    "20,000,000) or on the requests journals recorded.\n\n"
	    "  --scenario S[,S2...]  scenarios to simulate (default block-share)\n"
	    "  --sessions N          training sessions (default 300)\n"
	    "  --val N               validation sessions (default 60)\n"
	    "  --rfq-every S         seconds between a block's requests in the\n"
	    "                        simulated sessions (default 300)\n"
	    "  --from-journal FILE   train on the requests FILE recorded instead\n"
	    "                        (repeatable; the rest of the arguments may\n"
	    "                        name more journals)\n"
	    "  --epochs E            SGD epochs (default 40)\n"
	    "  --seed K              SGD order seed (default 1)\n"
	    "  --jobs J              worker processes (default 1)\n"
	    "  --out FILE            model file (default engine/models/dealers.json\n"
	    "                        or $TRANCHE_DEALER_MODEL)\n"
	    "  --quiet               no progress\n"
	    "  --help                print this help and exit\n");
}

static int
td_load_scenarios(const char *prog, char *list, struct scenario *sc, int max,
                  int *nsc)
{
	char *names[16], err[512];

	*nsc = cli_split(list, names, max < 16 ? max : 16);
	if (*nsc <= 0) {
		fprintf(stderr, "%s: --scenario \"%s\": 1..%d names separated "
		    "by commas, none empty\n", prog, list, max < 16 ? max : 16);
		return -1;
	}
	for (int i = 0; i < *nsc; i++)
		if (scenario_load(&sc[i], names[i], NULL, 0, err, sizeof err) != 0) {
			fprintf(stderr, "%s: %s\n", prog, err);
			while (i-- > 0)
				scenario_free(&sc[i]);
			return -1;
		}
	return 0;
}

static int
train_dealers_main(int argc, char **argv)
{
	enum { O_SC = 1, O_SESS, O_VAL, O_EVERY, O_JRNL, O_EPOCHS, O_SEED, O_JOBS,
	    O_OUT, O_QUIET, O_HELP };
	static const struct option lo[] = {
		{ "scenario", required_argument, NULL, O_SC },
		{ "sessions", required_argument, NULL, O_SESS },
		{ "val", required_argument, NULL, O_VAL },
		{ "rfq-every", required_argument, NULL, O_EVERY },
		{ "from-journal", required_argument, NULL, O_JRNL },
		{ "epochs", required_argument, NULL, O_EPOCHS },
		{ "seed", required_argument, NULL, O_SEED },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "out", required_argument, NULL, O_OUT },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = "tranched train-dealers";
	char sclist[256] = "block-share", err[512];
	const char *out = dealer_model_default_path(), *jr[64];
	double sess = 300, val = 60, every = 300, epochs = 40, seed = 1, jobs = 1;
	int njr = 0, quiet = 0, c, nsc = 0, rc = 1;
	struct scenario sc[16];
	struct dealer_train_opts to;
	struct dealer_model m;
	struct dealer_fit fit, vfit;
	struct td_data d = { 0 }, vd = { 0 };
	cJSON *meta;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_SC:
			snprintf(sclist, sizeof sclist, "%s", optarg);
			break;
		case O_SESS:
			if (cli_opt_num(prog, "sessions", optarg, 1, 1e6, &sess) != 0)
				return 2;
			break;
		case O_VAL:
			if (cli_opt_num(prog, "val", optarg, 0, 1e6, &val) != 0)
				return 2;
			break;
		case O_EVERY:
			if (cli_opt_num(prog, "rfq-every", optarg, 60, 86400,
			    &every) != 0)
				return 2;
			break;
		case O_JRNL:
			if (njr == 64) {
				fprintf(stderr, "%s: --from-journal: at most 64\n", prog);
				return 2;
			}
			jr[njr++] = optarg;
			break;
		case O_EPOCHS:
			if (cli_opt_num(prog, "epochs", optarg, 1, 10000, &epochs) != 0)
				return 2;
			break;
		case O_SEED:
			if (cli_opt_num(prog, "seed", optarg, 0, 1e15, &seed) != 0)
				return 2;
			break;
		case O_JOBS:
			if (cli_opt_num(prog, "jobs", optarg, 1, 256, &jobs) != 0)
				return 2;
			break;
		case O_OUT:
			out = optarg;
			break;
		case O_QUIET:
			quiet = 1;
			break;
		case O_HELP:
			td_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "%s: unknown option or missing value \"%s\" "
			    "(see --help)\n", prog, argv[optind - 1]);
			return 2;
		}
	}
	/* More journals may follow --from-journal as plain arguments. */
	for (; optind < argc && njr > 0 && njr < 64; optind++)
		jr[njr++] = argv[optind];
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\" (see --help)\n", prog,
		    argv[optind]);
		return 2;
	}
	dealer_train_defaults(&to);
	to.epochs = (int)epochs;
	to.seed = (uint64_t)seed;
	meta = cJSON_CreateObject();
	if (njr > 0) {
		cJSON *a = cJSON_AddArrayToObject(meta, "journals");

		for (int i = 0; i < njr; i++) {
			if (cli_dealer_journal(jr[i], &d.v, &d.n, &d.cap, err,
			    sizeof err) != 0) {
				fprintf(stderr, "%s: %s\n", prog, err);
				goto out;
			}
			cJSON_AddItemToArray(a, cJSON_CreateString(jr[i]));
		}
		if (d.n == 0) {
			fprintf(stderr, "%s: the journals hold no dealer requests "
			    "(rfq-outcome decisions with a dealer_obs field)\n", prog);
			goto out;
		}
	} else {
		if (td_load_scenarios(prog, sclist, sc, 16, &nsc) != 0) {
			cJSON_Delete(meta);
			return 2;
		}
		d.sc = vd.sc = sc;
		d.nsc = vd.nsc = nsc;
		d.venues = vd.venues = VENUE_SET_ALL;
		d.every = vd.every = every;
		d.base = TD_TRAIN_SEED;
		vd.base = TD_VAL_SEED;
		if (td_parallel((int64_t)sess, (int)jobs, td_data_run, td_data_take,
		    &d, !quiet) != 0 || (val > 0 && td_parallel((int64_t)val,
		    (int)jobs, td_data_run, td_data_take, &vd, !quiet) != 0)) {
			fprintf(stderr, "%s: a worker failed\n", prog);
			goto out;
		}
		cJSON_AddStringToObject(meta, "scenarios", sclist);
		cJSON_AddNumberToObject(meta, "train_seeds_from", TD_TRAIN_SEED);
		cJSON_AddNumberToObject(meta, "train_sessions", sess);
		cJSON_AddNumberToObject(meta, "val_seeds_from", TD_VAL_SEED);
		cJSON_AddNumberToObject(meta, "val_sessions", val);
		cJSON_AddNumberToObject(meta, "rfq_every_s", every);
		cJSON_AddStringToObject(meta, "dealers_asked", "random:K, K = 2 + "
		    "session mod 5");
	}
	if (dealer_train(&m, d.v, d.n, &to, err, sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		goto out;
	}
	dealer_evaluate(&m, d.v, d.n, &fit);
	cJSON_AddNumberToObject(meta, "train_requests", (double)d.n);
	cJSON_AddNumberToObject(meta, "epochs", to.epochs);
	cJSON_AddNumberToObject(meta, "sgd_seed", (double)to.seed);
	cJSON_AddNumberToObject(meta, "train_logloss", fit.logloss);
	cJSON_AddNumberToObject(meta, "train_base_logloss", fit.base_logloss);
	cJSON_AddNumberToObject(meta, "train_leak_rmse", fit.leak_rmse);
	cJSON_AddNumberToObject(meta, "train_base_leak_rmse", fit.base_leak_rmse);
	printf("trained on %zu requests (%zu dealers asked): log loss %.4f "
	    "(constant %.4f), leakage rmse %.2f bps (constant %.2f)\n", d.n,
	    fit.nasked, fit.logloss, fit.base_logloss, fit.leak_rmse,
	    fit.base_leak_rmse);
	if (vd.n > 0) {
		dealer_evaluate(&m, vd.v, vd.n, &vfit);
		cJSON_AddNumberToObject(meta, "val_requests", (double)vd.n);
		cJSON_AddNumberToObject(meta, "val_logloss", vfit.logloss);
		cJSON_AddNumberToObject(meta, "val_base_logloss", vfit.base_logloss);
		cJSON_AddNumberToObject(meta, "val_leak_rmse", vfit.leak_rmse);
		cJSON_AddNumberToObject(meta, "val_base_leak_rmse",
		    vfit.base_leak_rmse);
		printf("validation, %zu requests: log loss %.4f (constant %.4f), "
		    "leakage rmse %.2f bps (constant %.2f)\n", vd.n, vfit.logloss,
		    vfit.base_logloss, vfit.leak_rmse, vfit.base_leak_rmse);
	}
	for (int i = 0; i < m.ndealers; i++) {
		struct dealer_req r = { .side = BOOK_ASK, .size_pct = 10 };

		printf("  %-4s leakage est %5.1f bps at 10%% of ADV\n", m.names[i],
		    m.leak_a[i] + m.leak_c[i] * r.size_pct / 10);
	}
	m.meta = meta;
	meta = NULL;
	if (dealer_model_save(&m, out, err, sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		dealer_model_free(&m);
		goto out;
	}
	printf("wrote %s\n", out);
	dealer_model_free(&m);
	rc = 0;
out:
	cJSON_Delete(meta);
	free(d.v);
	free(vd.v);
	for (int i = 0; i < nsc; i++)
		scenario_free(&sc[i]);
	return rc;
}

const struct cli_cmd cli_train_dealers_cmd = {
	.name = "train-dealers",
	.main = train_dealers_main,
	.usage = "train-dealers [--sessions N] [--from-journal FILE...] "
	    "[--out FILE] ...",
	.help = "train the dealer-selection model (--dealers learned:K)",
};

/* ---- dealer-table ------------------------------------------------------ */

struct tb_ctx {
	const struct scenario *sc;
	int nsc;
	int64_t nseeds;
	uint64_t base;
	int nvar;
	const char *var[TD_MAX_VARIANTS];
	struct td_sum *res;   /* [k * nvar + v], k = scenario * nseeds + seed */
};

static int
tb_run(void *arg, int64_t k, FILE *out)
{
	struct tb_ctx *t = arg;
	const struct scenario *sc = &t->sc[k / t->nseeds];
	uint64_t seed = t->base + (uint64_t)(k % t->nseeds);

	for (int vi = 0; vi < t->nvar; vi++) {
		struct dealer_obs *v = NULL;
		size_t n = 0, cap = 0;
		struct cli_dealer_run o = { .venues = VENUE_SET_ALL,
		    .dealers = t->var[vi] };
		struct td_sum s = { .k = k };
		char err[300];

		s.ok = cli_dealer_session(sc, seed, &o, &v, &n, &cap, &s.is_bps, err,
		    sizeof err) == 0;
		if (!s.ok)
			fprintf(stderr, "tranched dealer-table: %s seed %llu %s: %s\n",
			    sc->name, (unsigned long long)seed, t->var[vi], err);
		for (size_t i = 0; i < n; i++) {
			const struct dealer_obs *ob = &v[i];

			if (!isfinite(ob->move_bps))
				continue;
			s.reqs++;
			s.qty += (double)ob->qty;
			s.move += (double)ob->qty * ob->move_bps;
			if (ob->winner >= 0) {
				s.filled += (double)ob->filled;
				s.cost += (double)ob->filled * ob->quote_bps[ob->winner];
			} else
				s.none++;
		}
		free(v);
		if (td_write(out, &s, sizeof s) != 0)
			return -1;
	}
	return 0;
}

static int
tb_take(void *arg, int64_t k, FILE *in)
{
	struct tb_ctx *t = arg;

	return fread(&t->res[k * t->nvar], sizeof *t->res, (size_t)t->nvar, in) ==
	    (size_t)t->nvar ? 0 : -1;
}

static double
tb_net(const struct td_sum *s)
{
	return s->qty > 0 ? (s->cost + s->move) / s->qty : NAN;
}

static void
tb_usage(FILE *f)
{
	fprintf(f, "usage: tranched dealer-table --seeds N [options]\n"
	    "Every dealer choice on the same test seeds 1..N (venues lit,dark,rfq),\n"
	    "with net cost per request = (filled x quote cost against the mid when\n"
	    "asked + asked x the mid's move against us over the next 150 s) /\n"
	    "asked, in bps, and paired 95%% intervals against the first choice.\n\n"
	    "  --scenario S[,S2...]  scenarios (default block-share)\n"
	    "  --dealers D[,D2...]   choices (default learned:2,learned:3,all,\n"
	    "                        random:2,random:3,top:2,top:3)\n"
	    "  --seeds N             test seeds per scenario\n"
	    "  --seed-base K         first seed (default 1)\n"
	    "  --jobs J              worker processes (default 1)\n"
	    "  --csv FILE            also write every session's sums to FILE\n"
	    "  --quiet               no progress\n"
	    "  --help                print this help and exit\n");
}

static int
dealer_table_main(int argc, char **argv)
{
	enum { O_SC = 1, O_DL, O_SEEDS, O_BASE, O_JOBS, O_CSV, O_QUIET, O_HELP };
	static const struct option lo[] = {
		{ "scenario", required_argument, NULL, O_SC },
		{ "dealers", required_argument, NULL, O_DL },
		{ "seeds", required_argument, NULL, O_SEEDS },
		{ "seed-base", required_argument, NULL, O_BASE },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "csv", required_argument, NULL, O_CSV },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = "tranched dealer-table", *csv = NULL;
	char sclist[256] = "block-share", dls[256] =
	    "learned:2,learned:3,all,random:2,random:3,top:2,top:3", err[300];
	char *vars[TD_MAX_VARIANTS];
	double seeds = 0, base = 1, jobs = 1;
	int quiet = 0, c, nsc = 0, rc = 1;
	struct scenario sc[16];
	struct tb_ctx t = { 0 };

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_SC:
			snprintf(sclist, sizeof sclist, "%s", optarg);
			break;
		case O_DL:
			snprintf(dls, sizeof dls, "%s", optarg);
			break;
		case O_SEEDS:
			if (cli_opt_num(prog, "seeds", optarg, 1, 1e6, &seeds) != 0)
				return 2;
			break;
		case O_BASE:
			if (cli_opt_num(prog, "seed-base", optarg, 0, 9999999, &base) != 0)
				return 2;
			break;
		case O_JOBS:
			if (cli_opt_num(prog, "jobs", optarg, 1, 256, &jobs) != 0)
				return 2;
			break;
		case O_CSV:
			csv = optarg;
			break;
		case O_QUIET:
			quiet = 1;
			break;
		case O_HELP:
			tb_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "%s: unknown option or missing value \"%s\" "
			    "(see --help)\n", prog, argv[optind - 1]);
			return 2;
		}
	}
	if (seeds < 1 || optind < argc) {
		tb_usage(stderr);
		return 2;
	}
	/* Test seeds only: the training and validation ranges start at
	 * 10,000,000. */
	if (base + seeds > (double)TD_TRAIN_SEED) {
		fprintf(stderr, "%s: --seed-base %g --seeds %g: reaches the training "
		    "seeds (10,000,000 on)\n", prog, base, seeds);
		return 2;
	}
	if ((t.nvar = cli_split(dls, vars, TD_MAX_VARIANTS)) <= 0) {
		fprintf(stderr, "%s: --dealers \"%s\": 1..%d choices separated "
		    "by commas, none empty\n", prog, dls, TD_MAX_VARIANTS);
		return 2;
	}
	for (int i = 0; i < t.nvar; i++) {
		int mode, k;

		if (exec_dealers_parse(vars[i], 0, &mode, &k, err, sizeof err) != 0) {
			fprintf(stderr, "%s: --dealers: %s\n", prog, err);
			return 2;
		}
		t.var[i] = vars[i];
	}
	if (td_load_scenarios(prog, sclist, sc, 16, &nsc) != 0)
		return 2;
	t.sc = sc;
	t.nsc = nsc;
	t.nseeds = (int64_t)seeds;
	t.base = (uint64_t)base;
	t.res = calloc((size_t)(nsc * t.nseeds * t.nvar), sizeof *t.res);
	if (t.res == NULL || td_parallel(nsc * t.nseeds, (int)jobs, tb_run,
	    tb_take, &t, !quiet) != 0) {
		fprintf(stderr, "%s: a worker failed\n", prog);
		goto out;
	}
	if (csv != NULL) {
		FILE *f = fopen(csv, "w");

		if (f == NULL) {
			fprintf(stderr, "%s: --csv %s: cannot write\n", prog, csv);
			goto out;
		}
		fprintf(f, "scenario,seed,dealers,requests,asked,filled,cost_bps_x_sh,"
		    "move_bps_x_sh,none,net_bps,is_bps\n");
		for (int64_t k = 0; k < nsc * t.nseeds; k++)
			for (int vi = 0; vi < t.nvar; vi++) {
				const struct td_sum *s = &t.res[k * t.nvar + vi];

				fprintf(f, "%s,%llu,%s,%.0f,%.0f,%.0f,%.6g,%.6g,%.0f,%.6g,"
				    "%.6g\n", sc[k / t.nseeds].name,
				    (unsigned long long)(t.base + (uint64_t)(k % t.nseeds)),
				    t.var[vi], s->reqs, s->qty, s->filled, s->cost, s->move,
				    s->none, tb_net(s), s->is_bps);
			}
		fclose(f);
	}
	for (int si = 0; si < nsc; si++) {
		printf("%s, seeds %llu..%llu, venues lit,dark,rfq; net cost per "
		    "request in bps of the shares asked (price against the mid when "
		    "asked + the mid's move against us in the next 150 s); "
		    "differences to %s, paired 95%% intervals\n\n", sc[si].name,
		    (unsigned long long)t.base, (unsigned long long)(t.base +
		    (uint64_t)t.nseeds - 1), t.var[0]);
		printf("%-10s %6s %8s %8s %8s %21s %7s %7s %21s\n", "dealers",
		    "reqs", "net", "price", "leak", "net - first [95%]", "fill%",
		    "none%", "IS - first [95%]");
		for (int vi = 0; vi < t.nvar; vi++) {
			double *dn = calloc((size_t)t.nseeds, sizeof *dn);
			double *di = calloc((size_t)t.nseeds, sizeof *di);
			double q = 0, cost = 0, move = 0, fl = 0, none = 0, reqs = 0;
			int np = 0;
			struct bt_stats sn, sis;

			if (dn == NULL || di == NULL) {
				free(dn);
				free(di);
				goto out;
			}
			for (int64_t k = si * t.nseeds; k < (si + 1) * t.nseeds; k++) {
				const struct td_sum *s = &t.res[k * t.nvar + vi];
				const struct td_sum *f0 = &t.res[k * t.nvar];

				q += s->qty;
				cost += s->cost;
				move += s->move;
				fl += s->filled;
				none += s->none;
				reqs += s->reqs;
				if (s->ok && f0->ok && isfinite(tb_net(s)) &&
				    isfinite(tb_net(f0))) {
					dn[np] = tb_net(s) - tb_net(f0);
					di[np++] = s->is_bps - f0->is_bps;
				}
			}
			backtest_stats(dn, np, &sn);
			backtest_stats(di, np, &sis);
			printf("%-10s %6.0f %8.2f %8.2f %8.2f %6.2f [%5.2f,%5.2f] %7.1f "
			    "%7.1f %6.2f [%5.2f,%5.2f]\n", t.var[vi], reqs,
			    q > 0 ? (cost + move) / q : NAN, q > 0 ? cost / q : NAN,
			    q > 0 ? move / q : NAN, sn.mean, sn.lo, sn.hi,
			    q > 0 ? 100 * fl / q : NAN, reqs > 0 ? 100 * none / reqs : NAN,
			    sis.mean, sis.lo, sis.hi);
			free(dn);
			free(di);
		}
		printf("\n");
	}
	rc = 0;
out:
	free(t.res);
	for (int i = 0; i < nsc; i++)
		scenario_free(&sc[i]);
	return rc;
}

const struct cli_cmd cli_dealer_table_cmd = {
	.name = "dealer-table",
	.main = dealer_table_main,
	.usage = "dealer-table --seeds N [--scenario S] [--dealers D,...] ...",
	.help = "compare dealer choices (learned:K, all, random:K, top:K) by "
	    "net cost",
};
