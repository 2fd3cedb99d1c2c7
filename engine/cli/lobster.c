/*
 * engine/cli/lobster.c -- `tranched lobster`: commands over LOBSTER
 * files.  Only `verify` exists so far: it rebuilds the book from a message
 * file and orderbook file pair and says whether every row follows (see
 * lobster.c for what may be taken from the file).  Exit status: 0 every row
 * matches, 1 a mismatch or an unreadable/malformed file, 2 bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "engine/cli/cli.h"
#include "engine/market/lobster.h"

static void
lobster_cli_usage(FILE *f)
{
	fputs("usage: tranched lobster verify MESSAGE_FILE ORDERBOOK_FILE\n"
	      "\n"
	      "Rebuild the order book from a LOBSTER message file and the first\n"
	      "row of its orderbook file, and compare the top N levels with every\n"
	      "later row.  Prints events=, rows_checked=, mismatches= and\n"
	      "deep_resyncs= (levels that came into view from beyond level N).\n"
	      "Exit status: 0 all rows match, 1 mismatch or bad file, 2 bad usage.\n",
	      f);
}

static void
lobster_cli_levels(const char *what, const int64_t *v, int n)
{
	printf("  %-8s", what);
	for (int k = 0; k < n; k++)
		printf(" L%d ask %lld x %lld, bid %lld x %lld;", k + 1,
		       (long long)v[4 * k], (long long)v[4 * k + 1],
		       (long long)v[4 * k + 2], (long long)v[4 * k + 3]);
	printf("\n");
}

static int
lobster_cli_verify(int argc, char **argv)
{
	struct lobster_verify_report rep;
	char err[512];
	int rv;

	if (argc != 3) {
		fprintf(stderr, "tranched lobster verify: expected MESSAGE_FILE and "
		        "ORDERBOOK_FILE, got %d argument%s\n", argc - 1,
		        argc == 2 ? "" : "s");
		lobster_cli_usage(stderr);
		return 2;
	}
	err[0] = '\0';
	rv = lobster_verify(argv[1], argv[2], &rep, err, sizeof err);
	if (rv != 0 && rv != LOBSTER_EMISMATCH) {
		fprintf(stderr, "tranched lobster verify: %s\n",
		        err[0] ? err : lobster_strerror(rv));
		return 1;
	}
	printf("events=%llu rows_checked=%llu mismatches=%llu deep_resyncs=%llu\n",
	       (unsigned long long)rep.events,
	       (unsigned long long)rep.rows_checked,
	       (unsigned long long)rep.mismatches,
	       (unsigned long long)rep.deep_resyncs);
	if (rv == 0)
		return 0;
	printf("first mismatch: %s line %ld (message %s line %ld)%s\n", argv[2],
	       rep.first_bad_line, argv[1], rep.first_bad_msg_line,
	       rep.report_levels < rep.levels ? ", first levels shown" : "");
	lobster_cli_levels("expected", rep.expected, rep.report_levels);
	lobster_cli_levels("rebuilt", rep.rebuilt, rep.report_levels);
	return 1;
}

static int
lobster_main(int argc, char **argv)
{
	if (argc < 2) {
		lobster_cli_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		lobster_cli_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "verify") == 0) {
		if (argc >= 3 && (strcmp(argv[2], "--help") == 0 ||
		                  strcmp(argv[2], "-h") == 0)) {
			lobster_cli_usage(stdout);
			return 0;
		}
		return lobster_cli_verify(argc - 1, argv + 1);
	}
	fprintf(stderr, "tranched lobster: unknown command '%s'\n", argv[1]);
	lobster_cli_usage(stderr);
	return 2;
}

const struct cli_cmd cli_lobster_cmd = {
	.name = "lobster",
	.main = lobster_main,
	.usage = "lobster verify MESSAGE_FILE ORDERBOOK_FILE",
	.help = "rebuild a LOBSTER day's book and check it against its "
	    "orderbook file",
};
