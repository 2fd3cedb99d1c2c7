/*
 * engine/server/server.h -- the engine daemon: a libuv loop that advances
 * the simulated clock, runs the execution layer, publishes events over NNG,
 * answers commands, and journals everything.  This header is the whole API
 * of engine/server/.
 */
#ifndef TRANCHE_SERVER_H
#define TRANCHE_SERVER_H

#include <stddef.h>
#include <stdint.h>

#define SERVER_MAX_LISTEN 8

struct server_opts {
	const char *scenario;   /* name or file */
	uint64_t seed;
	int scenario_given;     /* --scenario and --seed were on the command */
	int seed_given;         /* line (a continued session says it ignores
	                         * them) */
	double speed;           /* simulated seconds per wall second; 0 = max */
	const char *journal;    /* file; NULL = a new one under the state dir */
	const char *listen[SERVER_MAX_LISTEN];
	int nlisten;            /* 0 = the default ipc:// endpoint */
	const char *name;       /* engine name shown to consoles */
	const char *tls_cert;   /* PEM certificate (chain) for tls+tcp:// */
	const char *tls_key;    /* PEM private key for tls+tcp:// */
	int exit_when_done;     /* stop once every block is finished */
	const char **sets;      /* scenario overrides "path.key=value" */
	int nsets;
	const char *shadow;     /* --shadow MODEL: watched, never trades */
	const char *news;       /* --news FILE: news items (JSON lines) */
	int event_queue;        /* messages per subscriber (0: 1024) */
	int max_sessions;       /* sessions at once (0: 256) */
	int unauth_errors;      /* refusals before an unauthenticated peer's
	                         * connection is closed (0: 8) */
	const char *fix_listen;   /* tcp://HOST:PORT: the FIX acceptor, or NULL */
	const char *fix_sessions; /* its sessions file (tranche-fix(7)) */
	const char *fix_store;    /* its store; NULL: <journal>.fix */
};

/* The exit status of a daemon that stops while its journal cannot be
 * written (JOURNAL-HALTED, or the last sync failed). */
#define SERVER_EXIT_JOURNAL 3

/* Run the daemon until SIGINT/SIGTERM (or every block is done with
 * exit_when_done).  Returns a process exit status (0, 1 when it cannot
 * start, SERVER_EXIT_JOURNAL); errors are printed to stderr naming what
 * was wrong. */
int server_run(const struct server_opts *o);

/* A recorded session served read-only over the same protocol
 * (`tranched replay`). */
struct server_replay_opts {
	const char *path;       /* the journal */
	double speed;           /* simulated seconds per wall second; 0 = max */
	const char *url;        /* control URL; NULL = the default ipc:// one */
	const char *tls_cert;   /* PEM certificate (chain) for tls+tcp:// */
	const char *tls_key;    /* PEM private key for tls+tcp:// */
	int exit_at_end;        /* exit after the last event */
};

/* Serve until SIGINT/SIGTERM (or the end, with exit_at_end).  Returns a
 * process exit status; errors are printed to stderr naming what was wrong. */
int server_replay(const struct server_replay_opts *o);

/* The session a journal's header records, as an engine recovering it
 * takes it: the header's scenario into *sc (the caller frees it with
 * scenario_free) and its seed.  0, or -1 with err naming the field and
 * its value.  `tranched journal check` and `tca --leakage` read headers
 * through it, so that they accept exactly what recovery accepts. */
struct cJSON;
struct scenario;
int server_journal_session(const struct cJSON *h, const char *path,
                           struct scenario *sc, uint64_t *seed, char *err,
                           size_t errlen);

/* The event records of a journal out of the order the engine published
 * them in: those outside one longest strictly rising run of seqs
 * (server-seqorder.c), by offset, sorted; the first of them in the file,
 * its seq and the seq of the kept event before it.  0 (o filled, n 0 when
 * there are none), or -1 with err (out of memory, or the file cannot be
 * opened).  server_seq_outlier(): whether the record at off is one. */
struct seq_outliers {
	uint64_t *off;
	size_t n;
	uint64_t first_off, first_seq, first_after;
};
int server_journal_seq_outliers(const char *path, struct seq_outliers *o,
                                char *err, size_t errlen);
int server_seq_outlier(const struct seq_outliers *o, uint64_t off);
void server_seq_outliers_free(struct seq_outliers *o);

#endif
