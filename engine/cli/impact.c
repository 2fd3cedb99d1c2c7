/*
 * engine/cli/impact.c -- `tranched impact`: the data the impact
 * model learns from, its training, and its evaluation on held-out sessions
 * against the square-root law.
 *
 * Data (engine/cli/impact-data.c): simulated sessions of randomised
 * scenarios with one marketable child of ours every 6 to 9 minutes; the
 * impact is side x (average fill - mid before) / mid before x 1e4 bps, the
 * full cost of the sweep against the mid, half spread included; the volume
 * is the market's, ours excluded, in the five minutes after the child.
 *
 * Seeds.  Training sessions from IMPACT_TRAIN_SEED, validation (the epoch
 * kept) from IMPACT_VAL_SEED, test sessions 1..N: disjoint from each other
 * and from the policy's training (10,000,000+) and validation (20,000,000+).
 * Session k uses scenario k mod (number of scenarios).
 *
 * Sessions run in --jobs forked workers, each sending its samples down a
 * pipe; the parent files them by session, so the data set, and so the
 * model, is the same whatever --jobs is.
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
#include "engine/model/impact.h"
#include "engine/model/model.h"

/* A number option of this command (cli_opt_num). */
#define ic_num(opt, v, lo, hi, out) \
	cli_opt_num("tranched impact", opt, v, lo, hi, out)

#define IMPACT_TRAIN_SEED 30000000ULL
#define IMPACT_VAL_SEED 40000000ULL
#define IMPACT_MAX_SC 16
#define IMPACT_DEFAULT_SC "calm,news-shock,liquidity-squeeze,trend"


/* ---- sessions in worker processes ------------------------------------ */

struct ic_set {
	struct impact_sample *v;
	size_t n, cap;
	size_t sessions;
};

struct ic_rec {
	int64_t k;             /* session index */
	int32_t last;          /* 1: the session's end marker, no sample */
	int32_t ok;
	struct impact_sample s;
};

static int
ic_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static void
ic_worker(int fd, struct scenario *sc, int nsc, uint64_t seed0, size_t nses,
          int job, int jobs)
{
	for (size_t k = (size_t)job; k < nses; k += (size_t)jobs) {
		struct impact_sample *v = NULL;
		size_t n = 0, cap = 0;
		struct ic_rec rec;
		char err[256];
		int ok = cli_impact_collect(&sc[k % (size_t)nsc], seed0 + k, &v,
		    &n, &cap, err, sizeof err) == 0;

		if (!ok)
			fprintf(stderr, "tranched impact: %s\n", err);
		memset(&rec, 0, sizeof rec);
		rec.k = (int64_t)k;
		for (size_t i = 0; i < n; i++) {
			rec.s = v[i];
			rec.ok = 1;
			if (ic_write(fd, &rec, sizeof rec) != 0)
				_exit(1);
		}
		free(v);
		rec.last = 1;
		rec.ok = ok;
		if (ic_write(fd, &rec, sizeof rec) != 0)
			_exit(1);
	}
	_exit(0);
}

/*
 * nses sessions from seed0 over the scenarios, in jobs workers; the samples
 * in session order.  0, or -1 (a session failed, or a worker died).
 */
static int
ic_generate(struct scenario *sc, int nsc, uint64_t seed0, size_t nses,
            int jobs, const char *what, int progress, struct ic_set *out)
{
	struct ic_set *per = calloc(nses ? nses : 1, sizeof *per);
	struct pollfd pfd[64];
	pid_t pid[64];
	size_t done = 0;
	int open = 0, rc = 0;
	char *partial[64] = { 0 };
	size_t have[64] = { 0 };

	memset(out, 0, sizeof *out);
	if (per == NULL)
		return -1;
	if ((size_t)jobs > nses)
		jobs = nses > 0 ? (int)nses : 1;
	fflush(NULL);
	for (int j = 0; j < jobs; j++) {
		int p[2];

		if (pipe(p) != 0 || (pid[j] = fork()) < 0) {
			perror("tranched impact: fork");
			return -1;
		}
		if (pid[j] == 0) {
			close(p[0]);
			for (int i = 0; i < j; i++)
				close(pfd[i].fd);
			ic_worker(p[1], sc, nsc, seed0, nses, j, jobs);
		}
		close(p[1]);
		pfd[j] = (struct pollfd){ .fd = p[0], .events = POLLIN };
		partial[j] = malloc(sizeof(struct ic_rec));
		open++;
	}
	while (open > 0) {
		if (poll(pfd, (nfds_t)jobs, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		for (int j = 0; j < jobs; j++) {
			ssize_t r;

			if (pfd[j].fd < 0 || !(pfd[j].revents & (POLLIN | POLLHUP)))
				continue;
			r = read(pfd[j].fd, partial[j] + have[j],
			    sizeof(struct ic_rec) - have[j]);
			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				close(pfd[j].fd);
				pfd[j].fd = -1;
				open--;
				continue;
			}
			have[j] += (size_t)r;
			if (have[j] < sizeof(struct ic_rec))
				continue;
			have[j] = 0;

			struct ic_rec rec;

			memcpy(&rec, partial[j], sizeof rec);
			if (rec.k < 0 || (size_t)rec.k >= nses) {
				rc = -1;
				continue;
			}
			if (rec.last) {
				if (!rec.ok)
					rc = -1;
				per[rec.k].sessions = 1;
				done++;
				if (progress)
					fprintf(stderr, "\r%s: %zu/%zu sessions", what, done,
					    nses);
			} else if (impact_sample_push(&per[rec.k].v, &per[rec.k].n,
			    &per[rec.k].cap, &rec.s) != 0)
				rc = -1;
		}
	}
	for (int j = 0; j < jobs; j++) {
		int st;

		free(partial[j]);
		if (waitpid(pid[j], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			rc = -1;
	}
	if (progress)
		fprintf(stderr, "\n");
	if (done != nses)
		rc = -1;
	for (size_t k = 0; k < nses; k++) {
		for (size_t i = 0; i < per[k].n && rc == 0; i++)
			if (impact_sample_push(&out->v, &out->n, &out->cap, &per[k].v[i]) != 0)
				rc = -1;
		free(per[k].v);
	}
	free(per);
	out->sessions = done;
	return rc;
}

/* ---- the command line ------------------------------------------------- */

static void
impact_usage(FILE *f)
{
	fprintf(f, "usage: tranched impact train --out MODEL [options]\n"
	    "       tranched impact eval [--model MODEL] [options]\n"
	    "Trains the impact and liquidity model (the impact in bps of a marketable\n"
	    "child, the market volume of the next 5 minutes) on simulated sessions, and\n"
	    "evaluates it on held-out sessions (seeds 1..N) against the square-root\n"
	    "law and a recent-volume baseline.\n\n"
	    "  --scenarios S1[,S2...]  scenarios (default " IMPACT_DEFAULT_SC ")\n"
	    "  --sessions N            train: training sessions (default 400);\n"
	    "                          eval: test sessions (default 200)\n"
	    "  --val-sessions V        train: validation sessions (default 40)\n"
	    "  --test-sessions T       train: test sessions evaluated and recorded\n"
	    "                          in the model (default 200)\n"
	    "  --epochs E              train: passes over the data (default 60)\n"
	    "  --hidden H1[,H2[,H3]]   train: hidden tanh layers (default 32,32)\n"
	    "  --lr R                  train: Adam step (default 0.003)\n"
	    "  --batch B               train: minibatch size (default 64)\n"
	    "  --seed K                train: initialisation and order seed (default 1)\n"
	    "  --out MODEL             train: model file to write\n"
	    "  --commit ID             train: source commit to record in the model\n"
	    "  --model MODEL           eval: model file (default the shipped one)\n"
	    "  --jobs J                worker processes for the sessions (default 1)\n"
	    "  --json                  eval: the figures as one JSON object\n"
	    "  --quiet                 no progress on stderr\n"
	    "  --help                  print this help and exit\n");
}

static cJSON *
ic_metrics_json(const struct impact_metrics *r, size_t sessions,
                uint64_t seed0)
{
	cJSON *o = cJSON_CreateObject(), *a;
	char seeds[64];

	snprintf(seeds, sizeof seeds, "%llu..%llu", (unsigned long long)seed0,
	    (unsigned long long)(seed0 + sessions - 1));
	cJSON_AddStringToObject(o, "seeds", seeds);
	cJSON_AddNumberToObject(o, "sessions", (double)sessions);
	cJSON_AddNumberToObject(o, "children", (double)r->n);
	cJSON_AddNumberToObject(o, "mean_impact_bps", r->mean_bps);
	a = cJSON_AddObjectToObject(o, "impact_model");
	cJSON_AddNumberToObject(a, "mae_bps", r->mae_model);
	cJSON_AddNumberToObject(a, "r2", r->r2_model);
	a = cJSON_AddObjectToObject(o, "impact_sqrt_law");
	cJSON_AddNumberToObject(a, "mae_bps", r->mae_sqrt);
	cJSON_AddNumberToObject(a, "r2", r->r2_sqrt);
	a = cJSON_AddObjectToObject(o, "impact_half_spread_sqrt_law");
	cJSON_AddNumberToObject(a, "mae_bps", r->mae_sqrt_hs);
	cJSON_AddNumberToObject(a, "r2", r->r2_sqrt_hs);
	a = cJSON_AddObjectToObject(o, "volume_model");
	cJSON_AddNumberToObject(a, "mae_log", r->mae_vol);
	cJSON_AddNumberToObject(a, "r2", r->r2_vol);
	a = cJSON_AddObjectToObject(o, "volume_recent_rate");
	cJSON_AddNumberToObject(a, "mae_log", r->mae_vol_base);
	cJSON_AddNumberToObject(a, "r2", r->r2_vol_base);
	return o;
}

static void
ic_print(FILE *f, const char *model, const char *scs,
         const struct impact_metrics *r, size_t sessions,
         const struct impact_model *im)
{
	fprintf(f, "impact model %s on %zu held-out sessions (seeds 1..%zu; %s): "
	    "%zu children, mean impact %.2f bps\n", model, sessions, sessions,
	    scs, r->n, r->mean_bps);
	fprintf(f, "                                  MAE        R2\n");
	fprintf(f, "impact bps   model           %8.3f  %8.4f\n", r->mae_model,
	    r->r2_model);
	fprintf(f, "impact bps   square-root law %8.3f  %8.4f   (Y = %.3f)\n",
	    r->mae_sqrt, r->r2_sqrt, im->sqrt_y);
	fprintf(f, "impact bps   half spread +   %8.3f  %8.4f   (Y = %.3f)\n"
	    "             square-root law\n", r->mae_sqrt_hs, r->r2_sqrt_hs,
	    im->sqrt_y_hs);
	fprintf(f, "log volume   model           %8.3f  %8.4f   (log(1 + shares "
	    "in the next 5 min))\n", r->mae_vol, r->r2_vol);
	fprintf(f, "log volume   recent rate     %8.3f  %8.4f   (short-horizon "
	    "rate x 300 s)\n", r->mae_vol_base, r->r2_vol_base);
}

static int
ic_load_scenarios(const char *arg, struct scenario *sc, int *nsc)
{
	char *dup = strdup(arg), err[512], *names[IMPACT_MAX_SC];
	int n = 0, k;

	if (dup == NULL)
		return -1;
	if ((k = cli_split(dup, names, IMPACT_MAX_SC)) <= 0) {
		fprintf(stderr, "tranched impact: --scenarios \"%s\": 1..%d names "
		    "separated by commas, none empty\n", arg, IMPACT_MAX_SC);
		free(dup);
		return -1;
	}
	for (int i = 0; i < k; i++) {
		const char *t = names[i];

		if (scenario_load(&sc[n], t, NULL, 0, err, sizeof err) != 0) {
			fprintf(stderr, "tranched impact: --scenarios: %s\n", err);
			goto fail;
		}
		n++;
		if (strcmp(sc[n - 1].source, "sim") != 0) {
			fprintf(stderr, "tranched impact: --scenarios %s: source \"%s\" "
			    "has no order book to sweep (impact data needs the "
			    "simulator)\n", t, sc[n - 1].source);
			goto fail;
		}
	}
	free(dup);
	*nsc = n;
	return n > 0 ? 0 : -1;
fail:
	for (int i = 0; i < n; i++)
		scenario_free(&sc[i]);
	free(dup);
	return -1;
}

static int
impact_main(int argc, char **argv)
{
	enum { O_SC = 1, O_SES, O_VAL, O_TEST, O_EPOCHS, O_HIDDEN, O_LR, O_BATCH,
	    O_SEED, O_OUT, O_COMMIT, O_MODEL, O_JOBS, O_JSON, O_QUIET, O_HELP };
	static const struct option lo[] = {
		{ "scenarios", required_argument, NULL, O_SC },
		{ "sessions", required_argument, NULL, O_SES },
		{ "val-sessions", required_argument, NULL, O_VAL },
		{ "test-sessions", required_argument, NULL, O_TEST },
		{ "epochs", required_argument, NULL, O_EPOCHS },
		{ "hidden", required_argument, NULL, O_HIDDEN },
		{ "lr", required_argument, NULL, O_LR },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "seed", required_argument, NULL, O_SEED },
		{ "out", required_argument, NULL, O_OUT },
		{ "commit", required_argument, NULL, O_COMMIT },
		{ "model", required_argument, NULL, O_MODEL },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "json", no_argument, NULL, O_JSON },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *scarg = IMPACT_DEFAULT_SC, *out = NULL, *commit = "unknown";
	const char *model = NULL, *verb;
	double ses = -1, val = 40, test = 200, epochs = 60, lr = 0.003;
	double batch = 64, seed = 1, jobs = 1;
	int json = 0, quiet = 0, c, nsc = 0, train, rc = 1;
	struct impact_fit_opts fo = { .hidden = { 32, 32 }, .nhidden = 2 };
	struct scenario sc[IMPACT_MAX_SC];
	struct ic_set tr = { 0 }, va = { 0 }, te = { 0 };
	struct impact_model im;
	struct impact_metrics met;
	char err[512];
	time_t t0 = time(NULL);

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		impact_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	verb = argv[1];
	if (strcmp(verb, "train") != 0 && strcmp(verb, "eval") != 0) {
		fprintf(stderr, "tranched impact: unknown action \"%s\" (train, "
		    "eval; see --help)\n", verb);
		return 2;
	}
	train = strcmp(verb, "train") == 0;
	argc--;
	argv++;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case O_SC:
			scarg = optarg;
			break;
		case O_SES:
			bad = ic_num("sessions", optarg, 1, 1e6, &ses);
			break;
		case O_VAL:
			bad = ic_num("val-sessions", optarg, 1, 1e6, &val);
			break;
		case O_TEST:
			bad = ic_num("test-sessions", optarg, 1, 999999, &test);
			break;
		case O_EPOCHS:
			bad = ic_num("epochs", optarg, 1, 100000, &epochs);
			break;
		case O_HIDDEN:
			bad = cli_opt_hidden("tranched impact", optarg,
			    fo.hidden, &fo.nhidden);
			break;
		case O_LR:
			bad = ic_num("lr", optarg, 1e-7, 1, &lr);
			break;
		case O_BATCH:
			bad = ic_num("batch", optarg, 1, 1e6, &batch);
			break;
		case O_SEED:
			bad = ic_num("seed", optarg, 0, 1e15, &seed);
			break;
		case O_OUT:
			out = optarg;
			break;
		case O_COMMIT:
			commit = optarg;
			break;
		case O_MODEL:
			model = optarg;
			break;
		case O_JOBS:
			bad = ic_num("jobs", optarg, 1, 64, &jobs);
			break;
		case O_JSON:
			json = 1;
			break;
		case O_QUIET:
			quiet = 1;
			break;
		case O_HELP:
			impact_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "tranched impact: unknown option or missing "
			    "value \"%s\" (see --help)\n", argv[optind - 1]);
			return 2;
		}
		if (bad)
			return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "tranched impact: unexpected argument \"%s\" (see "
		    "--help)\n", argv[optind]);
		return 2;
	}
	if (train && out == NULL) {
		fprintf(stderr, "tranched impact train: --out MODEL is required\n");
		return 2;
	}
	if (!train && out != NULL) {
		fprintf(stderr, "tranched impact eval: --out is for train\n");
		return 2;
	}
	if (train && model != NULL) {
		fprintf(stderr, "tranched impact train: --model is for eval (train "
		    "writes --out)\n");
		return 2;
	}
	if (!train && model == NULL)
		model = impact_default_path();
	if (ic_load_scenarios(scarg, sc, &nsc) != 0)
		return 2;
	if (train) {
		fo.epochs = (int)epochs;
		fo.batch = (int)batch;
		fo.lr = lr;
		fo.seed = (uint64_t)seed;
		if (ses < 0)
			ses = 400;
		if (ic_generate(sc, nsc, IMPACT_TRAIN_SEED, (size_t)ses, (int)jobs,
		    "training data", !quiet, &tr) != 0 ||
		    ic_generate(sc, nsc, IMPACT_VAL_SEED, (size_t)val, (int)jobs,
		    "validation data", !quiet, &va) != 0) {
			fprintf(stderr, "tranched impact: data generation failed\n");
			goto out;
		}
		if (impact_fit(&im, tr.v, tr.n, va.v, va.n, &fo, err,
		    sizeof err) != 0) {
			fprintf(stderr, "tranched impact: %s\n", err);
			goto out;
		}
	} else if (impact_load(&im, model, err, sizeof err) != 0) {
		fprintf(stderr, "tranched impact: %s\n", err);
		goto out;
	}
	if (ic_generate(sc, nsc, 1, train ? (size_t)test : (size_t)(ses > 0 ?
	    ses : 200), (int)jobs, "test data", !quiet, &te) != 0) {
		fprintf(stderr, "tranched impact: data generation failed\n");
		impact_free(&im);
		goto out;
	}
	impact_evaluate(&im, te.v, te.n, &met);
	if (train) {
		cJSON *mt = im.meta = cJSON_CreateObject(), *a, *d;

		cJSON_AddStringToObject(mt, "commit", commit);
		d = cJSON_AddObjectToObject(mt, "data");
		a = cJSON_AddArrayToObject(d, "scenarios");
		for (int i = 0; i < nsc; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(sc[i].name));
		cJSON_AddStringToObject(d, "randomised", "per session, as the "
		    "policy's training: sigma x e^U(-.35,.35), mm half spread x "
		    "e^U(-.3,.3), depth x e^U(-.4,.4), noise flow x e^U(-.3,.3), "
		    "events moved U(-45,45) min, jump and drift x U(.5,1.5)");
		cJSON_AddStringToObject(d, "children", "from the open, every "
		    "U(6,9) min until 5 min before the close: an IOC sweep on a "
		    "random side, size log-uniform from 100 to half the far top-10 "
		    "depth, limited at the tenth level");
		cJSON_AddStringToObject(d, "impact", "side x (average fill - mid "
		    "before) / mid before x 1e4 bps, side +1 buy -1 sell");
		cJSON_AddStringToObject(d, "volume", "market volume (ours excluded) "
		    "in the 5 minutes after the child, as log(1 + shares)");
		d = cJSON_AddObjectToObject(mt, "seeds");
		cJSON_AddStringToObject(d, "train", "30000000 + k, k < sessions; "
		    "scenario k mod count");
		cJSON_AddStringToObject(d, "validation", "40000000 + k");
		cJSON_AddStringToObject(d, "test", "1 + k: evaluation only");
		d = cJSON_AddObjectToObject(mt, "training");
		cJSON_AddNumberToObject(d, "sessions", (double)tr.sessions);
		cJSON_AddNumberToObject(d, "children", (double)tr.n);
		cJSON_AddNumberToObject(d, "val_sessions", (double)va.sessions);
		cJSON_AddNumberToObject(d, "val_children", (double)va.n);
		cJSON_AddNumberToObject(d, "epochs", fo.epochs);
		cJSON_AddNumberToObject(d, "batch", fo.batch);
		cJSON_AddNumberToObject(d, "lr", fo.lr);
		cJSON_AddNumberToObject(d, "seed", seed);
		cJSON_AddStringToObject(d, "loss", "MSE of the two standardised "
		    "outputs; the epoch with the lowest validation loss is kept");
		cJSON_AddNumberToObject(d, "seconds", difftime(time(NULL), t0));
		cJSON_AddItemToObject(mt, "evaluation", ic_metrics_json(&met,
		    te.sessions, 1));
		if (impact_save(&im, out, err, sizeof err) != 0) {
			fprintf(stderr, "tranched impact: %s\n", err);
			impact_free(&im);
			goto out;
		}
		model = out;
		if (!quiet)
			fprintf(stderr, "trained on %zu children of %zu sessions "
			    "(validation %zu of %zu) in %.0f s\n", tr.n, tr.sessions,
			    va.n, va.sessions, difftime(time(NULL), t0));
	}
	if (json) {
		cJSON *o = ic_metrics_json(&met, te.sessions, 1);
		char *s;

		cJSON_AddStringToObject(o, "model", model);
		cJSON_AddNumberToObject(o, "sqrt_law_y", im.sqrt_y);
		cJSON_AddNumberToObject(o, "sqrt_law_y_spread", im.sqrt_y_hs);
		s = cJSON_PrintUnformatted(o);
		printf("%s\n", s);
		cJSON_free(s);
		cJSON_Delete(o);
	} else
		ic_print(stdout, model, scarg, &met, te.sessions, &im);
	impact_free(&im);
	rc = 0;
out:
	free(tr.v);
	free(va.v);
	free(te.v);
	for (int i = 0; i < nsc; i++)
		scenario_free(&sc[i]);
	return rc;
}

const struct cli_cmd cli_impact_cmd = {
	.name = "impact",
	.main = impact_main,
	.usage = "impact train|eval [options]",
	.help = "train or evaluate the impact and liquidity model",
};
