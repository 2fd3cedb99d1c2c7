/*
 * engine/market/lobster.h -- NASDAQ LOBSTER files: a parser for a message
 * file and orderbook file pair of any level, a verifier that rebuilds the
 * book from them and checks it against every orderbook row, and a market
 * source that replays a recorded day against our child orders.
 *
 * Times are kept as integer nanoseconds since midnight, prices as LOBSTER
 * price units (dollars x 10000) in the parsed data; the replay source
 * converts them to the book's ticks.  Every call returns 0 or a negative
 * LOBSTER_E* code and, where it takes an err buffer, writes a message that
 * names the file, the 1-based line and the field.
 */
#ifndef TRANCHE_MARKET_LOBSTER_H
#define TRANCHE_MARKET_LOBSTER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/market/market.h"

enum {
	LOBSTER_OK = 0,
	LOBSTER_EIO = -1,     /* a file could not be opened or read */
	LOBSTER_EFORMAT = -2, /* a malformed or truncated line */
	LOBSTER_EINVAL = -3,  /* a bad argument */
	LOBSTER_ENOMEM = -4,
	LOBSTER_EMISMATCH = -5, /* verify: a row does not follow */
};

/* Dummy price of an empty level (bids carry the negative). */
#define LOBSTER_EMPTY_PX 9999999999LL
/* The largest size a row may carry: more shares than any order or level
 * of a listed stock, so a larger one is damage, not data. */
#define LOBSTER_MAX_SIZE 1000000000LL
/* How many levels a verify report keeps of the first mismatching row. */
#define LOBSTER_REPORT_LEVELS 10

struct lobster_msg {
	int64_t t;     /* ns since midnight */
	int64_t id;
	int64_t size;
	int64_t px;    /* dollars x 10000 */
	int8_t type;   /* 1..7 */
	int8_t dir;    /* 1 buy, -1 sell */
	uint8_t known; /* 1 if an earlier message submitted this id */
};

struct lobster_data {
	struct lobster_msg *msgs;
	size_t n;           /* messages, and orderbook rows */
	int levels;         /* N: an orderbook row holds 4N columns */
	int64_t *ob;        /* n rows of 4N: ask px, ask qty, bid px, bid qty... */
	long msg_line0;     /* 1-based line of the first data row (2 with a header) */
	long ob_line0;
};

/* Parse a message file and an orderbook file pair.  *d is zeroed first and
 * must be released with lobster_data_free() when this returns 0. */
int lobster_load(struct lobster_data *d, const char *msgfile,
                 const char *obfile, char *err, size_t errlen);
/* The same from buffers in memory (names are used in messages only). */
int lobster_load_mem(struct lobster_data *d, const char *msgname,
                     const char *msgbuf, size_t msglen, const char *obname,
                     const char *obbuf, size_t oblen, char *err,
                     size_t errlen);
void lobster_data_free(struct lobster_data *d);

struct lobster_verify_report {
	uint64_t events;       /* messages read */
	uint64_t rows_checked; /* orderbook rows compared (all but the seed) */
	uint64_t mismatches;
	uint64_t deep_resyncs; /* levels taken from the file (see lobster.c) */
	int levels;
	/* The first mismatching row, if any. */
	long first_bad_line;   /* 1-based line in the orderbook file; 0 if none */
	long first_bad_msg_line;
	int report_levels;     /* min(levels, LOBSTER_REPORT_LEVELS) */
	/* In orderbook column order: ask px, ask qty, bid px, bid qty per level,
	 * empty levels as the file writes them. */
	int64_t expected[4 * LOBSTER_REPORT_LEVELS];
	int64_t rebuilt[4 * LOBSTER_REPORT_LEVELS];
};

/* Rebuild the book from the first orderbook row and the messages and
 * compare it with every later row.  Returns 0 when every row matches,
 * LOBSTER_EMISMATCH when some do (the report says which first), or another
 * negative code with a message in err. */
int lobster_verify(const char *msgfile, const char *obfile,
                   struct lobster_verify_report *rep, char *err,
                   size_t errlen);
int lobster_verify_data(const struct lobster_data *d,
                        struct lobster_verify_report *rep, char *err,
                        size_t errlen);

/* A replay market source.  market_advance(m, t) applies every message with
 * time <= t; the book starts as the first orderbook row. */
int market_lobster_new(struct market **out, const char *msgfile,
                       const char *obfile, const char *sym,
                       double tick_dollars, char *err, size_t errlen);
/* The same over data already loaded; the source takes ownership of *d
 * (and frees it) whether or not this succeeds. */
int market_lobster_new_data(struct market **out, struct lobster_data *d,
                            const char *sym, double tick_dollars, char *err,
                            size_t errlen);
/* Messages the source has applied so far (the seed message counts). */
size_t market_lobster_position(const struct market *m);

const char *lobster_strerror(int err);

#endif
