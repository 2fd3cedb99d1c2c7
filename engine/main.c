/*
 * engine/main.c -- tranched's command line.
 *
 * The options are a table (name, argument, help), as tmux keeps its
 * options: the parser, --help and the man page are checked against the same
 * rows.  Subcommands (bench ...) take the rest of the line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exec/scenario.h"
#include "engine/backtest/backtest.h"
#include "engine/market/lobster.h"
#include "engine/market/stats.h"
#include "engine/server/server.h"
#include "tests/bench/bench.h"

struct opt_row {
	const char *name;
	const char *arg;
	int id;
	const char *help;
};

enum {
	OPT_SCENARIO = 1000, OPT_SEED, OPT_SPEED, OPT_JOURNAL, OPT_LISTEN,
	OPT_NAME, OPT_SET, OPT_EXIT_DONE, OPT_SHADOW, OPT_EVENT_QUEUE, OPT_HELP,
	OPT_VERSION,
	OPT_TLS_CERT, OPT_TLS_KEY,
};

static const struct opt_row opt_table[] = {
	{ "scenario", "NAME|FILE", OPT_SCENARIO,
	  "scenario to run (default news-shock; NAME.json in the scenario directory)" },
	{ "seed", "N", OPT_SEED, "random seed (default 1); same seed, same session" },
	{ "speed", "1|10|60|max", OPT_SPEED,
	  "simulated seconds per wall second, or max (default 1)" },
	{ "journal", "FILE", OPT_JOURNAL,
	  "journal file to create (default: a new file under $XDG_STATE_HOME/tranche)" },
	{ "listen", "URL", OPT_LISTEN,
	  "control URL, repeatable (default ipc://$XDG_RUNTIME_DIR/tranche/ctl);"
	  " events on URL.events (ipc) or port+1 (tcp, tls+tcp)" },
	{ "tls-cert", "FILE", OPT_TLS_CERT,
	  "PEM certificate (chain) for tls+tcp:// listeners" },
	{ "tls-key", "FILE", OPT_TLS_KEY,
	  "PEM private key (unencrypted) for tls+tcp:// listeners" },
	{ "name", "NAME", OPT_NAME, "engine name shown to consoles" },
	{ "set", "PATH=VALUE", OPT_SET,
	  "override a scenario value, e.g. market.sigma=2 (repeatable)" },
	{ "exit-when-done", NULL, OPT_EXIT_DONE,
	  "exit once every block is finished" },
	{ "event-queue", "N", OPT_EVENT_QUEUE,
	  "event messages queued for the subscribers, who must say hello"
	  " with a token on the events socket (default 1024)" },
	{ "shadow", "MODEL", OPT_SHADOW,
	  "watch a second policy beside every block: publish how often and how"
	  " much it would decide otherwise (never trades)" },
	{ "help", NULL, OPT_HELP, "print this help and exit" },
	{ "version", NULL, OPT_VERSION, "print the version and exit" },
};
#define NOPTS (sizeof opt_table / sizeof opt_table[0])

static void
usage(FILE *f)
{
	fprintf(f, "usage: tranched [options]\n"
	    "       tranched bench book|journal|lobster|sim|model|ipc [options] [--json]\n"
	    "       tranched lobster verify MESSAGE_FILE ORDERBOOK_FILE\n"
	    "       tranched stats [--scenario NAME] [--seeds N] [stats options]\n"
	    "       tranched backtest --scenario S --algo A[,B...] --seeds N [...]\n"
	    "       tranched tca JOURNAL [--json|--csv]\n"
	    "       tranched replay JOURNAL [--speed X|max] [--listen URL]\n"
	    "       tranched train --scenarios S1[,S2...] --episodes N --out MODEL\n"
	    "       tranched impact train|eval [options]\n\n"
	    "The tranche execution engine: runs a simulated market per symbol,\n"
	    "works the scenario's block orders (several at once, on one symbol or\n"
	    "several), publishes everything over NNG and journals it.\n\n"
	    "options:\n");
	for (size_t i = 0; i < NOPTS; i++) {
		char left[64];

		snprintf(left, sizeof left, "--%s%s%s", opt_table[i].name,
		    opt_table[i].arg ? " " : "", opt_table[i].arg ?
		    opt_table[i].arg : "");
		fprintf(f, "  %-26s %s\n", left, opt_table[i].help);
	}
	fprintf(f, "\nSee tranched(1).\n");
}

static int
parse_speed(const char *s, double *out)
{
	char *end;
	double v;

	if (strcmp(s, "max") == 0) {
		*out = 0;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !(v > 0 && v <= 100000))
		return -1;
	*out = v;
	return 0;
}

/* `tranched stats` reads scenarios through the execution layer's loader. */
static int
stats_load(const char *name, const char **sets, int nsets,
           struct sim_params *p, int64_t *warmup, char *err, size_t errlen)
{
	struct scenario sc;

	if (scenario_load(&sc, name, sets, nsets, err, errlen) != 0)
		return -1;
	*p = sc.markets[0];
	*warmup = sc.warmup;
	scenario_free(&sc);
	return 0;
}

static int
bench_main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fprintf(argc < 2 ? stderr : stdout,
		    "usage: tranched bench book|journal|lobster|sim|model|ipc [options] [--json]\n"
		    "  book     order book: mixed add/cancel/execute operations per second\n"
		    "  journal  journal appends, reads and recovery per second\n"
		    "  lobster  LOBSTER replay: messages per second, parsing included\n"
		    "  sim      simulated market: events and news-shock sessions per second\n"
		    "  model    learned policy: nanoseconds per decision\n"
		    "  ipc      events and commands over ipc://: latency, fan-out\n"
		    "Each accepts --help.\n");
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "book") == 0)
		return bench_book_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "journal") == 0)
		return bench_journal_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "lobster") == 0)
		return bench_lobster_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "sim") == 0)
		return bench_sim_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "model") == 0)
		return bench_model_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "ipc") == 0)
		return bench_ipc_main(argc - 1, argv + 1);
	fprintf(stderr, "tranched bench: unknown benchmark \"%s\" (book, journal, "
	    "lobster, sim, model, ipc)\n",
	    argv[1]);
	return 2;
}

int
main(int argc, char **argv)
{
	struct option lopts[NOPTS + 1];
	static const char *sets[64];
	struct server_opts o = {
		.scenario = "news-shock", .seed = 1, .speed = 1, .sets = sets,
	};
	int c;

	if (argc > 1 && strcmp(argv[1], "bench") == 0)
		return bench_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "lobster") == 0)
		return lobster_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "backtest") == 0)
		return backtest_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "replay") == 0)
		return server_replay_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "tca") == 0)
		return backtest_tca_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "train") == 0)
		return learned_train_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "impact") == 0)
		return impact_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "stats") == 0)
		return stats_main(argc - 1, argv + 1, stats_load);
	for (size_t i = 0; i < NOPTS; i++)
		lopts[i] = (struct option){ opt_table[i].name,
		    opt_table[i].arg ? required_argument : no_argument, NULL,
		    opt_table[i].id };
	memset(&lopts[NOPTS], 0, sizeof lopts[NOPTS]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		char *end;
		long v;

		switch (c) {
		case OPT_SCENARIO:
			o.scenario = optarg;
			break;
		case OPT_SEED:
			errno = 0;
			o.seed = strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '-' ||
			    optarg[0] == '\0') {
				fprintf(stderr, "tranched: --seed %s: must be a whole "
				    "number >= 0\n", optarg);
				return 2;
			}
			break;
		case OPT_SPEED:
			if (parse_speed(optarg, &o.speed) != 0) {
				fprintf(stderr, "tranched: --speed %s: must be a number "
				    "> 0 (1, 10, 60 ...) or max\n", optarg);
				return 2;
			}
			break;
		case OPT_JOURNAL:
			o.journal = optarg;
			break;
		case OPT_LISTEN:
			if (o.nlisten == SERVER_MAX_LISTEN) {
				fprintf(stderr, "tranched: --listen: at most %d\n",
				    SERVER_MAX_LISTEN);
				return 2;
			}
			o.listen[o.nlisten++] = optarg;
			break;
		case OPT_NAME:
			o.name = optarg;
			break;
		case OPT_TLS_CERT:
			o.tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			o.tls_key = optarg;
			break;
		case OPT_SET:
			if (o.nsets == 64) {
				fprintf(stderr, "tranched: --set: at most 64\n");
				return 2;
			}
			sets[o.nsets++] = optarg;
			break;
		case OPT_EXIT_DONE:
			o.exit_when_done = 1;
			break;
		case OPT_SHADOW:
			o.shadow = optarg;
			break;
		case OPT_EVENT_QUEUE:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || v < 1 ||
			    v > 65536) {
				fprintf(stderr, "tranched: --event-queue %s: must be a "
				    "whole number of messages in 1..65536\n", optarg);
				return 2;
			}
			o.event_queue = (int)v;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("tranched %s\n", TRANCHE_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "tranched: %s: needs a value\n",
			    argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "tranched: unknown option \"%s\" (see "
			    "--help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tranched: unexpected argument \"%s\" (see --help)\n",
		    argv[optind]);
		return 2;
	}
	return server_run(&o);
}
