/*
 * engine/main.c -- tranched's command line.
 *
 * The options are a table (name, argument, help), as tmux keeps its
 * options: the parser, --help and the man page are checked against the same
 * rows.  Subcommands are a second table, one row per command
 * (engine/cli/, struct cli_cmd: name, main, usage, help), as tmux keeps
 * cmd_table[]: the dispatcher and --help walk the same rows.  A subcommand
 * takes the rest of the line.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/cli.h"
#include "ipc/codec.h"
#include "engine/server/server.h"

/* Every subcommand, in the order --help lists them. */
static const struct cli_cmd *const cmd_table[] = {
	&cli_bench_cmd, &cli_lobster_cmd, &cli_stats_cmd, &cli_backtest_cmd,
	&cli_tca_cmd, &cli_journal_cmd, &cli_replay_cmd, &cli_train_cmd,
	&cli_model_cmd, &cli_impact_cmd, &cli_fix_echo_cmd,
	&cli_train_dealers_cmd, &cli_dealer_table_cmd,
};
#define NCMDS (sizeof cmd_table / sizeof cmd_table[0])

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
	OPT_TLS_CERT, OPT_TLS_KEY, OPT_MAX_SESSIONS, OPT_UNAUTH_ERRORS,
	OPT_FIX_LISTEN, OPT_FIX_SESSIONS, OPT_FIX_STORE,
	OPT_NEWS,
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
	{ "max-sessions", "N", OPT_MAX_SESSIONS,
	  "control connections at once (default 256); more are refused with"
	  " sessions_full, none is ever evicted" },
	{ "unauth-errors", "N", OPT_UNAUTH_ERRORS,
	  "refusals a connection that has not authenticated may have before"
	  " the engine closes it (default 8)" },
	{ "shadow", "MODEL", OPT_SHADOW,
	  "watch a second policy beside every block: publish how often and how"
	  " much it would decide otherwise (never trades)" },
	{ "fix-listen", "tcp://HOST:PORT", OPT_FIX_LISTEN,
	  "accept FIX sessions from order management systems here (with"
	  " --fix-sessions; tranche-fix(7))" },
	{ "fix-sessions", "FILE", OPT_FIX_SESSIONS,
	  "the FIX sessions file: each counterparty's comp ids, version,"
	  " role and user" },
	{ "fix-store", "DIR", OPT_FIX_STORE,
	  "the FIX sessions' durable store (default: the journal's path"
	  " + .fix)" },
	{ "news", "FILE", OPT_NEWS,
	  "attach news items, one JSON object a line: {\"t\":\"10:30:00\","
	  "\"symbol\",\"headline\",\"sentiment\" (-1..1)}" },
	{ "help", NULL, OPT_HELP, "print this help and exit" },
	{ "version", NULL, OPT_VERSION, "print the version and exit" },
};
#define NOPTS (sizeof opt_table / sizeof opt_table[0])

static void
usage(FILE *f)
{
	fprintf(f, "usage: tranched [options]\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "       tranched %s\n", cmd_table[i]->usage);
	fprintf(f, "\n"
	    "The tranche execution engine: runs a simulated market per symbol,\n"
	    "works the scenario's block orders (several at once, on one symbol or\n"
	    "several), publishes everything over NNG and journals it.\n\n"
	    "commands (each accepts --help):\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "  %-26s %s\n", cmd_table[i]->name, cmd_table[i]->help);
	fprintf(f, "\noptions:\n");
	for (size_t i = 0; i < NOPTS; i++) {
		char left[64];

		snprintf(left, sizeof left, "--%s%s%s", opt_table[i].name,
		    opt_table[i].arg ? " " : "", opt_table[i].arg ?
		    opt_table[i].arg : "");
		fprintf(f, "  %-26s %s\n", left, opt_table[i].help);
	}
	fprintf(f, "\nIf the journal cannot be written the engine goes "
	    "JOURNAL-HALTED (no orders,\nno changes) until a supervisor sends "
	    "journal_resume; stopped so, it exits 3.\n"
	    "TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER=BYTES (tests only): journal "
	    "writes fail with\nENOSPC after BYTES.\n"
	    "\nSee tranched(1).\n");
}

static int
parse_speed(const char *s, double *out)
{
	double v;

	if (strcmp(s, "max") == 0) {
		*out = 0;
		return 0;
	}
	/* Decimal only: strtod also took "0x10" as 16. */
	if (ipc_number_text(s, &v) != 0 || !(v >= 0.01 && v <= 100000))
		return -1;
	*out = v;
	return 0;
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

	/* A file-size limit (ulimit -f) is a write that fails, like a full
	 * disk: EFBIG, which the journal halts on and every command
	 * reports, not a signal that kills the process mid-write. */
	signal(SIGXFSZ, SIG_IGN);
	for (size_t i = 0; argc > 1 && i < NCMDS; i++)
		if (strcmp(argv[1], cmd_table[i]->name) == 0)
			return cmd_table[i]->main(argc - 1, argv + 1);
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
			o.scenario_given = 1;
			break;
		case OPT_SEED:
			errno = 0;
			o.seed = strtoull(optarg, &end, 10);
			/* The journal keeps it as a signed 64-bit number, and
			 * recovery refuses a negative one. */
			if (errno != 0 || *end != '\0' || optarg[0] == '-' ||
			    optarg[0] == '\0' || o.seed > INT64_MAX) {
				fprintf(stderr, "tranched: --seed %s: must be a whole "
				    "number from 0 to %lld\n", optarg,
				    (long long)INT64_MAX);
				return 2;
			}
			o.seed_given = 1;
			break;
		case OPT_SPEED:
			if (parse_speed(optarg, &o.speed) != 0) {
				fprintf(stderr, "tranched: --speed %s: must be a number "
				    "from 0.01 to 100000 (1, 10, 60 ...) or max\n",
				    optarg);
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
			/* An empty URL (an unset variable) is not an address;
			 * every other is judged where the listener starts. */
			if (optarg[0] == '\0') {
				fprintf(stderr, "tranched: --listen '': not an address "
				    "(ipc://PATH, tcp://HOST:PORT or "
				    "tls+tcp://HOST:PORT)\n");
				return 2;
			}
			o.listen[o.nlisten++] = optarg;
			break;
		case OPT_NAME:
			if (optarg[0] == '\0') {
				fprintf(stderr, "tranched: --name '': the engine's name "
				    "may not be empty (consoles show it)\n");
				return 2;
			}
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
		case OPT_FIX_LISTEN:
			if (strncmp(optarg, "tcp://", 6) != 0) {
				fprintf(stderr, "tranched: --fix-listen %s: must be "
				    "tcp://HOST:PORT\n", optarg);
				return 2;
			}
			o.fix_listen = optarg;
			break;
		case OPT_FIX_SESSIONS:
			o.fix_sessions = optarg;
			break;
		case OPT_FIX_STORE:
			o.fix_store = optarg;
			break;
		case OPT_NEWS:
			o.news = optarg;
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
		case OPT_MAX_SESSIONS:
		case OPT_UNAUTH_ERRORS:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || v < 1 ||
			    v > 65536) {
				fprintf(stderr, "tranched: --%s %s: must be a whole "
				    "number in 1..65536\n", c == OPT_MAX_SESSIONS ?
				    "max-sessions" : "unauth-errors", optarg);
				return 2;
			}
			if (c == OPT_MAX_SESSIONS)
				o.max_sessions = (int)v;
			else
				o.unauth_errors = (int)v;
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
