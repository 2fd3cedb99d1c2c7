/*
 * engine/cli/cli.h -- the `tranched` subcommands: one file per command
 * (backtest.c, tca.c, train.c ...), as tmux keeps one cmd-*.c per command.
 * This header is the whole API of engine/cli/.
 *
 * The commands sit above every layer and call them as plain libraries:
 * market/, exec/, model/, tca/, journal/ and server/ hold no main and no
 * callback that reaches up to a command.  Each command is a row, struct
 * cli_cmd, that engine/main.c lists in its table: the dispatcher,
 * `tranched --help` and the man page's synopsis come from the same rows.
 */
#ifndef TRANCHE_CLI_H
#define TRANCHE_CLI_H

#include <stddef.h>
#include <stdint.h>

struct cli_cmd {
	const char *name;     /* argv[1]: "backtest" */
	/* Runs the command; argv[0] is the command's name.  Returns a process
	 * exit status (0 ok, 1 failed, 2 bad usage). */
	int (*main)(int argc, char **argv);
	const char *usage;    /* what follows "tranched NAME" in the synopsis */
	const char *help;     /* one line: what the command does */
};

extern const struct cli_cmd cli_bench_cmd;
extern const struct cli_cmd cli_lobster_cmd;
extern const struct cli_cmd cli_stats_cmd;
extern const struct cli_cmd cli_backtest_cmd;
extern const struct cli_cmd cli_tca_cmd;
extern const struct cli_cmd cli_journal_cmd;
extern const struct cli_cmd cli_replay_cmd;
extern const struct cli_cmd cli_train_cmd;
extern const struct cli_cmd cli_model_cmd;
extern const struct cli_cmd cli_impact_cmd;
extern const struct cli_cmd cli_fix_echo_cmd;
extern const struct cli_cmd cli_train_dealers_cmd;
extern const struct cli_cmd cli_dealer_table_cmd;

/* Options of the training commands (train, impact): a number in [lo, hi],
 * and --hidden W1,W2,...  0, or -1 having told stderr the program, the
 * option and the value. */
int cli_opt_num(const char *prog, const char *opt, const char *v, double lo,
                double hi, double *out);
/* The same for a count: a whole number (1.5 sessions was taken as 1). */
int cli_opt_whole(const char *prog, const char *opt, const char *v,
                  double lo, double hi, double *out);
int cli_opt_hidden(const char *prog, char *arg, int *hidden, int *nhidden);
/* A CSV field: s itself, or s quoted into dst (n bytes) when it holds a
 * comma, a quote or a line break ("a,b" made a row of one more field). */
const char *cli_csv_field(char *dst, size_t n, const char *s);
/* s as a JSON string, quotes included (cJSON_free it), or NULL. */
char *cli_json_string(const char *s);
/* Split s in place at commas into at most max words (out[]); their
 * number, or -1, s untouched, when there are more than max or one is
 * empty (a comma at either end, or two together). */
int cli_split(char *s, char **out, int max);

/* Randomise a scenario's markets for one training episode from seed
 * (train.c; the ranges are recorded in the trained model's meta): the
 * policy's training and the impact model's data draw the same worlds. */
struct scenario;
void cli_randomise(struct scenario *sc, uint64_t seed);

/*
 * One episode of the learned policy (train.c): every order of scenario sc
 * worked by "learned" with model mdl on the market of seed (randomise it
 * first with cli_randomise for a training episode), as the backtester
 * runs it.  Returns the cost in bps of the arrival value (unfilled valued
 * at the end mid, plus in AC markets the AC risk term), 1e6 if the
 * session cannot be made.  With tr (may be NULL) every decision is
 * appended to it (model.h's trace API) and the blocks' step rewards are
 * filled in when the episode ends.
 */
struct model;
struct impact_model;
struct trace;
double cli_train_episode(const struct scenario *sc, const struct model *mdl,
                         const struct impact_model *im, uint64_t seed,
                         struct trace *tr);

/*
 * The impact model's data (impact-data.c): one session of scenario sc, its
 * market randomised from seed, with our spaced marketable children and
 * what each cost; the samples are appended to *v (n used, cap allocated).
 * The same scenario and seed give the same samples.  0, or -1 with err.
 */
struct impact_sample;
int cli_impact_collect(const struct scenario *sc, uint64_t seed,
                       struct impact_sample **v, size_t *n, size_t *cap,
                       char *err, size_t errlen);

/*
 * The dealer model's data (train-dealers.c).  cli_dealer_session runs one
 * session of scenario sc with seed, every block's venue set, dealers asked
 * and request spacing overridden where given (0 / NULL: the block's own),
 * appending each finished request to *v (n used, cap allocated) and its
 * shortfall to *is_bps (may be NULL); with emit (may be NULL) its events go
 * there too, as the daemon's go to its journal.  cli_dealer_journal
 * appends the requests a journal recorded.  0, or -1 with err.
 */
struct dealer_obs;
struct exec_emit;
struct cli_dealer_run {
	unsigned venues;
	const char *dealers;
	double rfq_every_s;
	const struct exec_emit *emit;
};
int cli_dealer_session(const struct scenario *sc, uint64_t seed,
                       const struct cli_dealer_run *o,
                       struct dealer_obs **v, size_t *n, size_t *cap,
                       double *is_bps, char *err, size_t errlen);
int cli_dealer_journal(const char *path, struct dealer_obs **v, size_t *n,
                       size_t *cap, char *err, size_t errlen);

#endif
