/*
 * tests/bench/bench-table.c -- the benchmarks `tranched bench` knows, one
 * row each: the dispatcher, its help and its "unknown benchmark" message
 * are all read from this table, so a new benchmark is one row here.
 */
#include "tests/bench/bench.h"

const struct bench_entry bench_table[] = {
	{ "book", bench_book_main,
	  "order book: mixed add/cancel/execute operations per second" },
	{ "journal", bench_journal_main,
	  "journal appends, reads and recovery per second" },
	{ "lobster", bench_lobster_main,
	  "LOBSTER replay: messages per second, parsing included" },
	{ "sim", bench_sim_main,
	  "simulated market: events and news-shock sessions per second" },
	{ "model", bench_model_main,
	  "learned policy: nanoseconds per decision" },
	{ "alerts", bench_alerts_main,
	  "alert detector: news-shock detection delay, false alerts in calm" },
	{ "ipc", bench_ipc_main,
	  "events and commands over ipc://: latency, fan-out" },
	{ "signals", bench_signal_main,
	  "fast signals: ns per market-second sample and per read, session cost" },
	{ "news", bench_news_main,
	  "news calibration: share of a move absorbed, beside the papers" },
};
const size_t bench_count = sizeof bench_table / sizeof bench_table[0];
