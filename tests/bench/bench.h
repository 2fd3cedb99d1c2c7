/*
 * tests/bench/bench.h -- benchmarks reachable as `tranched bench NAME`.
 * Each takes the arguments after NAME, prints a human table (or one JSON
 * object per line with --json) and returns a process exit status.  Figures
 * are medians of several runs; every run is seeded, so the work is the same
 * from run to run and only the machine varies.
 */
#ifndef TRANCHE_BENCH_H
#define TRANCHE_BENCH_H

#include <stddef.h>

/* One benchmark: `tranched bench NAME` runs main with the arguments from
 * NAME on; help is its line in `tranched bench`'s own help. */
struct bench_entry {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *help;
};

/* Every benchmark, in the order `tranched bench` lists them
 * (bench-table.c). */
extern const struct bench_entry bench_table[];
extern const size_t bench_count;

int bench_book_main(int argc, char **argv);
int bench_journal_main(int argc, char **argv);
int bench_lobster_main(int argc, char **argv);
int bench_sim_main(int argc, char **argv);
int bench_model_main(int argc, char **argv);
int bench_ipc_main(int argc, char **argv);
int bench_alerts_main(int argc, char **argv);
int bench_signal_main(int argc, char **argv);
int bench_news_main(int argc, char **argv);

/* Monotonic wall-clock nanoseconds (benchmarks only: the engine's layers
 * never read the wall clock). */
long long bench_now_ns(void);
/* Median of n doubles (sorts a copy). */
double bench_median(const double *v, int n);

#endif
