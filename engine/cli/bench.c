/*
 * engine/cli/bench.c -- `tranched bench NAME`: runs one of the benchmarks
 * (tests/bench/, their own library) through their table, so the list in
 * the help and in the "unknown benchmark" message is the table itself.
 */
#include <stdio.h>
#include <string.h>

#include "engine/cli/cli.h"
#include "tests/bench/bench.h"

static void
bench_usage(FILE *f)
{
	fprintf(f, "usage: tranched %s\n", cli_bench_cmd.usage);
	for (size_t i = 0; i < bench_count; i++)
		fprintf(f, "  %-8s %s\n", bench_table[i].name, bench_table[i].help);
	fprintf(f, "Each accepts --help.\n");
}

static int
bench_main(int argc, char **argv)
{
	char names[256];
	size_t len = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		bench_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < bench_count; i++)
		if (strcmp(argv[1], bench_table[i].name) == 0)
			return bench_table[i].main(argc - 1, argv + 1);
	names[0] = '\0';
	for (size_t i = 0; i < bench_count && len < sizeof names; i++) {
		int w = snprintf(names + len, sizeof names - len, "%s%s",
		    i ? ", " : "", bench_table[i].name);

		if (w < 0)
			break;
		len += (size_t)w;
	}
	fprintf(stderr, "tranched bench: unknown benchmark \"%s\" (%s)\n",
	    argv[1], names);
	return 2;
}

const struct cli_cmd cli_bench_cmd = {
	.name = "bench",
	.main = bench_main,
	.usage = "bench book|journal|lobster|sim|model|alerts|ipc|signals|news "
	    "[options] [--json]",
	.help = "benchmarks: order book, journal, LOBSTER, simulator, policy, "
	    "alerts, ipc, signals, news calibration",
};
