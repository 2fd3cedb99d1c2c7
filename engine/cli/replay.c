/*
 * engine/cli/replay.c -- `tranched replay JOURNAL`: its options.  The
 * serving itself is server_replay() in engine/server/server-replay.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/cli.h"
#include "engine/server/server.h"
#include "ipc/codec.h"

static void
rp_usage(FILE *f)
{
	fprintf(f, "usage: tranched replay JOURNAL [--speed X|max] [--listen URL] "
	    "[--exit-at-end]\n"
	    "Serve a recorded session over the engine's protocol, read-only.\n"
	    "  --speed X|max   simulated seconds per wall second (default 1)\n"
	    "  --listen URL    control URL (default ipc://$XDG_RUNTIME_DIR/"
	    "tranche/replay); events on URL.events (ipc) or port+1 (tcp)\n"
	    "  --tls-cert FILE PEM certificate for a tls+tcp:// URL\n"
	    "  --tls-key FILE  PEM private key for a tls+tcp:// URL\n"
	    "  --exit-at-end   exit after the last event instead of serving "
	    "the final state\n"
	    "  --help          print this help and exit\n");
}

static int
replay_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "speed", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "exit-at-end", no_argument, NULL, 'x' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct server_replay_opts o = { .speed = 1 };
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if (strcmp(optarg, "max") == 0) {
				o.speed = 0;
				break;
			}
			if (ipc_number_text(optarg, &o.speed) != 0 ||
			    !(o.speed >= 0.01 && o.speed <= 1000000)) {
				fprintf(stderr, "tranched replay: --speed %s: must be "
				    "a number from 0.01 to 1000000, or max\n", optarg);
				return 2;
			}
			break;
		case 'l':
			o.url = optarg;
			break;
		case 'x':
			o.exit_at_end = 1;
			break;
		case 'C':
			o.tls_cert = optarg;
			break;
		case 'K':
			o.tls_key = optarg;
			break;
		case 'h':
			rp_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "tranched replay: unknown option or missing "
			    "value \"%s\" (see --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		rp_usage(stderr);
		return 2;
	}
	o.path = argv[optind];
	return server_replay(&o);
}

const struct cli_cmd cli_replay_cmd = {
	.name = "replay",
	.main = replay_main,
	.usage = "replay JOURNAL [--speed X|max] [--listen URL]",
	.help = "serve a recorded session over the engine's protocol, "
	    "read-only",
};
