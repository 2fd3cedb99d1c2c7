/*
 * engine/server/server-seqorder.c -- which event records of a journal are
 * out of the order the engine published them in.
 *
 * The engine publishes each seq once, in order, and journals its events
 * in that order, so the events of a whole journal have strictly rising
 * seqs (gaps are possible: events an engine had not written when it
 * crashed are made again under new seqs).  A record spliced in from
 * another session, or one written twice, breaks that.  Which records to
 * blame is not "each one whose seq is not past the last": a spliced
 * record whose seq jumps ahead would make every genuine record after it
 * look out of place (found by a review of the first version: salvage then
 * kept the foreign record and left out 5,970 genuine ones, fills among
 * them).  The records kept are one longest strictly rising run of seqs
 * through the journal (patience sorting, n log n); every other event
 * record is out of order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/journal/journal.h"
#include "engine/server/server.h"
#include "ipc/codec.h"

struct seq_at {
	uint64_t seq, off;
};

static int
off_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
server_journal_seq_outliers(const char *path, struct seq_outliers *o,
                            char *err, size_t errlen)
{
	struct jrnl_reader *rd = NULL;
	struct jrnl_rec rec;
	struct jrnl_span span;
	struct seq_at *ev = NULL;
	size_t n = 0, cap = 0, len = 0;
	size_t *tails = NULL, *prev = NULL;
	unsigned char *keep = NULL;
	int rv, status = -1;

	memset(o, 0, sizeof *o);
	if ((rv = jrnl_reader_open(&rd, path, NULL)) != 0) {
		jrnl_describe(err, errlen, rv, path);
		return -1;
	}
	for (;;) {
		while ((rv = jrnl_next(rd, &rec)) == 1) {
			struct ipc_event e;
			char why[64];

			if (rec.kind != JRNL_EVENT || ipc_event_parse(rec.data,
			    rec.len, &e, why, sizeof why) != 0)
				continue;
			ipc_event_free(&e);
			if (n == cap) {
				size_t c = cap ? cap * 2 : 4096;
				struct seq_at *v = realloc(ev, c * sizeof *v);

				if (v == NULL)
					goto oom;
				ev = v;
				cap = c;
			}
			ev[n].seq = e.seq;
			ev[n++].off = rec.offset;
		}
		if (rv == 0)
			break;
		if (rv != JRNL_ECORRUPT && rv != JRNL_ETORN)
			break; /* what the caller's own pass says of it */
		if ((rv = jrnl_resync(rd, &span)) <= 0)
			break;
	}
	if (n == 0) {
		status = 0;
		goto out;
	}
	tails = malloc(n * sizeof *tails);
	prev = malloc(n * sizeof *prev);
	keep = calloc(n, 1);
	if (tails == NULL || prev == NULL || keep == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		size_t lo = 0, hi = len;

		/* The first run end whose seq is not below this one's. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (ev[tails[mid]].seq < ev[i].seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* A seq met again (a record written twice): the first
		 * stays, the later is the one out of order.  (Replacing the
		 * run's end by its equal blamed the original: found by a
		 * review on 2026-12-07.) */
		if (lo < len && ev[tails[lo]].seq == ev[i].seq)
			continue;
		prev[i] = lo > 0 ? tails[lo - 1] : (size_t)-1;
		tails[lo] = i;
		if (lo == len)
			len++;
	}
	for (size_t i = tails[len - 1]; i != (size_t)-1; i = prev[i])
		keep[i] = 1;
	if (len < n && (o->off = malloc((n - len) * sizeof *o->off)) == NULL)
		goto oom;
	for (size_t i = 0, last = (size_t)-1; i < n; i++) {
		if (keep[i]) {
			last = i;
			continue;
		}
		if (o->n == 0) {
			o->first_off = ev[i].off;
			o->first_seq = ev[i].seq;
			o->first_after = last != (size_t)-1 ? ev[last].seq : 0;
		}
		o->off[o->n++] = ev[i].off;
	}
	if (o->n > 0)
		qsort(o->off, o->n, sizeof *o->off, off_cmp);
	status = 0;
	goto out;
oom:
	snprintf(err, errlen, "journal %s: out of memory reading its events' "
	    "order", path);
	free(o->off);
	memset(o, 0, sizeof *o);
out:
	free(ev);
	free(tails);
	free(prev);
	free(keep);
	jrnl_reader_close(rd);
	return status;
}

int
server_seq_outlier(const struct seq_outliers *o, uint64_t off)
{
	size_t lo = 0, hi = o->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (o->off[mid] == off)
			return 1;
		if (o->off[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

void
server_seq_outliers_free(struct seq_outliers *o)
{
	free(o->off);
	memset(o, 0, sizeof *o);
}
