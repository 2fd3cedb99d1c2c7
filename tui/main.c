/*
 * tui/main.c -- `tranche`: the console, its replay form, and `tranche ctl`.
 *
 *   tranche [--connect URL] [--tls-ca FILE] [--no-color] [--frames N]
 *   tranche replay JOURNAL [--speed X] [--no-color] [--frames N]
 *   tranche ctl [--connect URL] COMMAND [ARGS] [--json]
 *
 * This file only reads the command line; everything else is in the
 * tranche_tui library so the tests can reach it.  Usage errors name the
 * option and the value and exit with status 2.
 */
#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

enum { OPT_NO_COLOR = 256, OPT_FRAMES, OPT_SPEED, OPT_VERSION, OPT_LAYOUT,
	OPT_ROLE, OPT_NO_MOUSE, OPT_ASCII, OPT_READONLY, OPT_THEME, OPT_TLS_CA };

#define MAIN_COMMON_OPTS \
	{ "layout", OPT_LAYOUT, "NAME", "start with this layout (trader, " \
	  "supervisor, compact, replay, or a user one); L cycles" }, \
	{ "no-color", OPT_NO_COLOR, NULL, "no colours (also: NO_COLOR set " \
	  "in the environment)" }, \
	{ "no-mouse", OPT_NO_MOUSE, NULL, "leave the mouse to the terminal " \
	  "(no click to focus)" }, \
	{ "ascii", OPT_ASCII, NULL, "ASCII only: no braille, box drawing or " \
	  "block bars" }, \
	{ "theme", OPT_THEME, "light|dark", "colours for a light or a dark " \
	  "background (default dark)" }, \
	{ "frames", OPT_FRAMES, "N", "quit after N frames (25 a second), " \
	  "for tests" }

static const struct tui_opt main_live_opts[] = {
	{ "connect", 'c', "URL", "engine control address (default: "
	  "ipc://$XDG_RUNTIME_DIR/tranche/ctl)" },
	{ "tls-ca", OPT_TLS_CA, "FILE", "CA (PEM) to verify a tls+tcp:// "
	  "engine with (default: $TRANCHE_TLS_CA)" },
	{ "role", OPT_ROLE, "ROLE", "say hello as viewer, trader (default) or "
	  "supervisor" },
	{ "readonly", OPT_READONLY, NULL, "watch only: role viewer, every "
	  "action refused before a prompt" },
	MAIN_COMMON_OPTS,
	{ "help", 'h', NULL, "this help" },
	{ "version", OPT_VERSION, NULL, "print the version" },
	{ NULL, 0, NULL, NULL },
};

static const struct tui_opt main_replay_opts[] = {
	{ "speed", OPT_SPEED, "X", "start at X times the recorded pace "
	  "(0.25 to 100; default 1)" },
	MAIN_COMMON_OPTS,
	{ "help", 'h', NULL, "this help" },
	{ NULL, 0, NULL, NULL },
};

static void
main_usage_live(FILE *f)
{
	fprintf(f,
	    "usage: tranche [--connect URL] [--tls-ca FILE] [--role ROLE] "
	    "[--readonly]\n"
	    "               [--layout NAME] [--no-color] [--no-mouse] "
	    "[--ascii]\n"
	    "               [--theme light|dark] [--frames N]\n"
	    "       tranche replay JOURNAL [--speed X] [--layout NAME] ...\n"
	    "       tranche ctl [--connect URL] COMMAND [ARGS] [--json]\n"
	    "\n"
	    "The trading-desk console of tranche.  Attaches to a running "
	    "engine\n(tranched) and shows the book, the block's progress, the "
	    "algorithm's\ndecisions and the alerts; a trader can pause, resume "
	    "and throttle it.\n\noptions:\n");
	options_usage(f, main_live_opts);
	fprintf(f, "\nkeys: p/P pause/resume block/all, t throttle, a style, s "
	    "algo, m manual order,\nc cancel children, K kill and J journal "
	    "resume (supervisor), A ack alert,\nZ freeze, / search, : command "
	    "line, L layout, Tab or h/l focus, b next block,\nM messages, ? "
	    "help, q quit."
	    "\nSee `tranche replay --help` and `tranche ctl --help` for the "
	    "other forms.\n");
}

static void
main_usage_replay(FILE *f)
{
	fprintf(f,
	    "usage: tranche replay JOURNAL [--speed X] [--layout NAME] "
	    "[--no-color]\n"
	    "               [--no-mouse] [--ascii] [--theme light|dark] "
	    "[--frames N]\n"
	    "\n"
	    "Plays an engine journal (tranched --journal FILE) in the "
	    "console's screens,\nread-only, paced by the events' simulated "
	    "times.  A damaged span is skipped:\nthe replay plays on and says at "
	    "which byte and how many bytes it skipped.\nA journal of another "
	    "protocol version is refused.\n\noptions:\n");
	options_usage(f, main_replay_opts);
	fprintf(f, "\nkeys: space play/pause, + / - speed x2 / /2, . one event, "
	    "g go to a time,\nn / N next / previous alert, intervention or "
	    "restart, L layout, M messages,\n? help, q quit.\n");
}

/* getopt_long with messages that name the option; -1 at the end, '?' on
 * an error (already reported). */
static int
main_getopt(const char *prog, int argc, char **argv, const struct option *lo)
{
	int c = getopt_long(argc, argv, ":c:h", lo, NULL);

	if (c == '?') {
		fprintf(stderr, "%s: unknown option '%s' (see %s --help)\n", prog,
		    argv[optind - 1], prog);
		return '?';
	}
	if (c == ':') {
		fprintf(stderr, "%s: option '%s' needs a value\n", prog,
		    argv[optind - 1]);
		return '?';
	}
	return c;
}

static int
main_parse(int argc, char **argv, int replay, struct tui_options *opt)
{
	struct option lo[20];
	const char *prog = replay ? "tranche replay" : "tranche";
	int c;

	options_build(replay ? main_replay_opts : main_live_opts, lo);
	opterr = 0;
	optind = 0;
	while ((c = main_getopt(prog, argc, argv, lo)) != -1) {
		switch (c) {
		case 'c':
			if (replay) {
				fprintf(stderr, "%s: --connect does not apply to "
				    "a replay\n", prog);
				return 2;
			}
			if (options_check_url(prog, "--connect", optarg) != 0)
				return 2;
			opt->url = optarg;
			break;
		case OPT_TLS_CA:
			opt->tls_ca = optarg;
			opt->tls_ca_label = "--tls-ca";
			break;
		case OPT_NO_COLOR:
			opt->no_color = 1;
			break;
		case OPT_NO_MOUSE:
			opt->no_mouse = 1;
			break;
		case OPT_ASCII:
			opt->ascii = 1;
			break;
		case OPT_READONLY:
			opt->readonly = 1;
			break;
		case OPT_LAYOUT:
			opt->layout = optarg;
			break;
		case OPT_THEME:
			if (strcmp(optarg, "light") != 0 &&
			    strcmp(optarg, "dark") != 0) {
				fprintf(stderr, "%s: --theme '%s': light or dark\n",
				    prog, optarg);
				return 2;
			}
			opt->light = strcmp(optarg, "light") == 0;
			break;
		case OPT_ROLE:
			if (strcmp(optarg, "viewer") != 0 &&
			    strcmp(optarg, "trader") != 0 &&
			    strcmp(optarg, "supervisor") != 0) {
				fprintf(stderr, "%s: --role '%s': viewer, trader or "
				    "supervisor\n", prog, optarg);
				return 2;
			}
			opt->role = optarg;
			opt->readonly |= strcmp(optarg, "viewer") == 0;
			break;
		case OPT_FRAMES:
			if (options_parse_long(prog, "--frames", optarg, 1,
			    100000000, &opt->frames) != 0)
				return 2;
			break;
		case OPT_SPEED:
			if (options_parse_double(prog, "--speed", optarg, 0.25,
			    100, &opt->speed) != 0)
				return 2;
			break;
		case 'h':
			if (replay)
				main_usage_replay(stdout);
			else
				main_usage_live(stdout);
			return 0;
		case OPT_VERSION:
			printf("tranche %s (protocol %d)\n", TRANCHE_VERSION,
			    TRANCHE_PROTO_VERSION);
			return 0;
		default:
			return 2;
		}
	}
	if (replay) {
		if (optind >= argc) {
			fprintf(stderr, "%s: which journal? usage: tranche replay "
			    "JOURNAL [--speed X]\n", prog);
			return 2;
		}
		opt->journal = argv[optind++];
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s' (see %s --help)\n",
		    prog, argv[optind], prog);
		return 2;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	struct tui_options opt;
	int replay = 0, rc;

	setlocale(LC_ALL, "");
	if (argc > 1 && strcmp(argv[1], "ctl") == 0)
		return ctl_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "replay") == 0) {
		replay = 1;
		argc--, argv++;
	}
	memset(&opt, 0, sizeof opt);
	opt.speed = 1;
	opt.tls_ca = getenv("TRANCHE_TLS_CA");
	opt.tls_ca_label = "TRANCHE_TLS_CA";
	if ((rc = main_parse(argc, argv, replay, &opt)) >= 0)
		return rc;
	return tui_run(&opt);
}
