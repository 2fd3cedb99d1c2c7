/*
 * tests/bench/bench-journal.c -- `tranched bench journal`: how fast the
 * session journal appends, reads back and recovers.
 *
 * Each run appends N records of a fixed size to a fresh file, calling
 * jrnl_sync() every K records (1,000 by default) because the engine syncs
 * before it acknowledges a command or a fill, and once more at the end; the
 * figure is records per second for the whole run, syncs included.  The last
 * file is then read back with the reader and scanned the way
 * jrnl_open_append() does on recovery, again several times each; those two
 * run from the page cache, so they measure the parsing and checksumming
 * rather than the disk.  Every figure is the median of the runs.
 *
 * Payloads are filled from a fixed seed, so every run writes the same bytes.
 * The files live in a fresh mkdtemp() directory (under --dir, $TMPDIR or
 * /tmp) and are removed before returning, on errors too.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/journal/journal.h"
#include "tests/bench/bench.h"

struct bench_jopts {
	long long records;
	long long size;
	long long runs;
	long long sync_every;
	const char *dir;
	int json;
};

struct bench_jresult {
	const char *bench;
	const char *what;
	double *per_s; /* one figure per run */
};

static void
bench_journal_usage(FILE *f)
{
	fprintf(f,
	    "usage: tranched bench journal [--records N] [--size BYTES]\n"
	    "           [--runs R] [--sync-every K] [--dir DIR] [--json]\n"
	    "\n"
	    "Appends N records of BYTES payload to a fresh journal, syncing\n"
	    "every K records as the engine does for commands and fills, then\n"
	    "reads the file back and scans it as recovery does.  Figures are\n"
	    "medians over R runs.\n"
	    "\n"
	    "  --records N     records per run (default 1000000)\n"
	    "  --size BYTES    payload bytes per record, 0..%u (default 256)\n"
	    "  --runs R        runs per measure (default 5)\n"
	    "  --sync-every K  jrnl_sync() every K records, 0 = only at the\n"
	    "                  end (default 1000)\n"
	    "  --dir DIR       where the temporary directory goes (default\n"
	    "                  $TMPDIR or /tmp)\n"
	    "  --json          one JSON object per measure, not a table\n",
	    JRNL_MAX_RECORD);
}

static int
bench_journal_number(const char *opt, const char *val, long long lo,
                     long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(val, &end, 10);
	if (*val == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi) {
		fprintf(stderr,
		        "bench journal: %s '%s': must be an integer from %lld "
		        "to %lld\n",
		        opt, val, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* Returns 0 to go on, 1 after --help, 2 on a bad argument. */
static int
bench_journal_args(int argc, char **argv, struct bench_jopts *o)
{
	const char *arg, *val, *eq;
	char name[32];
	size_t nlen;
	long long *num;
	long long lo, hi;
	int i;

	for (i = 1; i < argc; i++) { /* argv[0] is the benchmark name */
		arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			bench_journal_usage(stdout);
			return 1;
		}
		if (strcmp(arg, "--json") == 0) {
			o->json = 1;
			continue;
		}
		/* A value comes as "--opt VALUE" or "--opt=VALUE". */
		eq = strchr(arg, '=');
		nlen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		if (nlen >= sizeof(name))
			nlen = sizeof(name) - 1;
		memcpy(name, arg, nlen);
		name[nlen] = '\0';
		lo = 1;
		hi = 1000000000000LL;
		if (strcmp(name, "--records") == 0)
			num = &o->records;
		else if (strcmp(name, "--size") == 0) {
			num = &o->size;
			lo = 0;
			hi = JRNL_MAX_RECORD;
		} else if (strcmp(name, "--runs") == 0) {
			num = &o->runs;
			hi = 1000;
		} else if (strcmp(name, "--sync-every") == 0) {
			num = &o->sync_every;
			lo = 0;
		} else if (strcmp(name, "--dir") == 0)
			num = NULL;
		else {
			fprintf(stderr,
			        "bench journal: unknown option '%s' (try "
			        "--help)\n",
			        arg);
			return 2;
		}
		if (eq != NULL)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			fprintf(stderr, "bench journal: %s needs a value\n",
			        name);
			return 2;
		}
		if (num == NULL) {
			if (*val == '\0') {
				fprintf(stderr,
				        "bench journal: --dir '': must name a "
				        "directory\n");
				return 2;
			}
			o->dir = val;
		} else if (bench_journal_number(name, val, lo, hi, num) != 0)
			return 2;
	}
	return 0;
}

static void
bench_journal_fail(const char *what, const char *path, int rc)
{
	if (rc == JRNL_EIO)
		fprintf(stderr, "bench journal: %s %s: %s\n", what, path,
		        strerror(errno));
	else
		fprintf(stderr, "bench journal: %s %s: %s\n", what, path,
		        jrnl_strerror(rc));
}

static int
bench_journal_write(const struct bench_jopts *o, const char *path,
                    const uint8_t *payload, double *per_s)
{
	struct jrnl *j;
	long long i, t0, t1;
	int rc;

	unlink(path);
	t0 = bench_now_ns();
	if ((rc = jrnl_create(&j, path, "{\"bench\":\"journal\"}")) != 0) {
		bench_journal_fail("create", path, rc);
		return -1;
	}
	for (i = 0; i < o->records; i++) {
		/* Vary the bytes a little so no two records are the same. */
		rc = jrnl_append(j, JRNL_EVENT, i, payload + (i & 63),
		                 (size_t)o->size);
		if (rc == 0 && o->sync_every > 0 &&
		    (i + 1) % o->sync_every == 0)
			rc = jrnl_sync(j);
		if (rc != 0) {
			bench_journal_fail("append to", path, rc);
			jrnl_close(j);
			return -1;
		}
	}
	if ((rc = jrnl_sync(j)) != 0) {
		bench_journal_fail("sync", path, rc);
		jrnl_close(j);
		return -1;
	}
	jrnl_close(j);
	t1 = bench_now_ns();
	*per_s = (double)o->records * 1e9 / (double)(t1 - t0);
	return 0;
}

static int
bench_journal_read(const struct bench_jopts *o, const char *path,
                   double *per_s)
{
	struct jrnl_reader *r;
	struct jrnl_rec rec;
	long long n = 0, t0, t1;
	uint64_t sum = 0;
	int rc;

	t0 = bench_now_ns();
	if ((rc = jrnl_reader_open(&r, path, NULL)) != 0) {
		bench_journal_fail("open", path, rc);
		return -1;
	}
	while ((rc = jrnl_next(r, &rec)) == 1) {
		sum += rec.len; /* touch the record like a player would */
		n++;
	}
	jrnl_reader_close(r);
	t1 = bench_now_ns();
	if (rc != 0 || n != o->records ||
	    sum != (uint64_t)n * (uint64_t)o->size) {
		fprintf(stderr,
		        "bench journal: read %s: %lld records of %lld, ended "
		        "with %s\n",
		        path, n, o->records, jrnl_strerror(rc));
		return -1;
	}
	*per_s = (double)n * 1e9 / (double)(t1 - t0);
	return 0;
}

static int
bench_journal_recover(const struct bench_jopts *o, const char *path,
                      double *per_s)
{
	struct jrnl_open_report rep;
	struct jrnl *j;
	long long t0, t1;
	int rc;

	t0 = bench_now_ns();
	if ((rc = jrnl_open_append(&j, path, NULL, &rep)) != 0) {
		bench_journal_fail("open for append", path, rc);
		return -1;
	}
	jrnl_close(j);
	t1 = bench_now_ns();
	if (rep.records != (uint64_t)o->records || rep.cut_bytes != 0) {
		fprintf(stderr,
		        "bench journal: recover %s: %" PRIu64
		        " records of %lld, %" PRIu64 " bytes cut\n",
		        path, rep.records, o->records, rep.cut_bytes);
		return -1;
	}
	*per_s = (double)o->records * 1e9 / (double)(t1 - t0);
	return 0;
}

static void
bench_journal_print(const struct bench_jopts *o,
                    const struct bench_jresult *res, int n)
{
	double med, lo, hi, bytes;
	int i, k;

	bytes = (double)(o->size + JRNL_REC_HDR);
	if (!o->json) {
		printf("journal: %lld records of %lld bytes (%lld framed), "
		       "%lld runs, median\n",
		       o->records, o->size, o->size + JRNL_REC_HDR, o->runs);
		if (o->sync_every > 0)
			printf("appends call jrnl_sync() every %lld records, as "
			       "the engine syncs commands and fills\n",
			       o->sync_every);
		else
			printf("appends call jrnl_sync() only at the end\n");
		printf("read and recover run from the page cache\n\n");
		printf("%-10s %14s %14s %14s %10s %12s\n", "measure",
		       "records/s", "min", "max", "MB/s", "s/M records");
	}
	for (k = 0; k < n; k++) {
		med = bench_median(res[k].per_s, (int)o->runs);
		lo = hi = res[k].per_s[0];
		for (i = 1; i < o->runs; i++) {
			if (res[k].per_s[i] < lo)
				lo = res[k].per_s[i];
			if (res[k].per_s[i] > hi)
				hi = res[k].per_s[i];
		}
		if (o->json)
			printf("{\"bench\":\"%s\",\"records\":%lld,"
			       "\"record_bytes\":%lld,\"sync_every\":%lld,"
			       "\"runs\":%lld,\"median_per_s\":%.0f,"
			       "\"min_per_s\":%.0f,\"max_per_s\":%.0f,"
			       "\"median_mb_per_s\":%.1f,"
			       "\"s_per_million\":%.4f}\n",
			       res[k].bench, o->records, o->size, o->sync_every,
			       o->runs, med, lo, hi, med * bytes / 1e6,
			       1e6 / med);
		else
			printf("%-10s %14.0f %14.0f %14.0f %10.1f %12.4f\n",
			       res[k].what, med, lo, hi, med * bytes / 1e6,
			       1e6 / med);
	}
	fflush(stdout);
}

int
bench_journal_main(int argc, char **argv)
{
	struct bench_jopts o = {1000000, 256, 5, 1000, NULL, 0};
	struct bench_jresult res[3] = {
	    {"journal_append", "append", NULL},
	    {"journal_read", "read", NULL},
	    {"journal_recover", "recover", NULL},
	};
	char tmpl[PATH_MAX], path[PATH_MAX + 32];
	uint8_t *payload = NULL;
	const char *base;
	long long i;
	int rc, status = 1, k;

	if ((rc = bench_journal_args(argc, argv, &o)) != 0)
		return rc == 1 ? 0 : rc;
	base = o.dir;
	if (base == NULL)
		base = getenv("TMPDIR");
	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (snprintf(tmpl, sizeof(tmpl), "%s/tranche-bench-journal-XXXXXX",
	             base) >= (int)sizeof(tmpl)) {
		fprintf(stderr, "bench journal: --dir '%s': path too long\n",
		        base);
		return 2;
	}
	if (mkdtemp(tmpl) == NULL) {
		if (o.dir != NULL)
			fprintf(stderr,
			        "bench journal: --dir '%s': cannot make a "
			        "directory there: %s\n",
			        base, strerror(errno));
		else
			fprintf(stderr,
			        "bench journal: cannot make a directory in %s: "
			        "%s\n",
			        base, strerror(errno));
		return o.dir != NULL ? 2 : 1;
	}
	snprintf(path, sizeof(path), "%s/bench.jrnl", tmpl);

	for (k = 0; k < 3; k++)
		if ((res[k].per_s = calloc((size_t)o.runs, sizeof(double))) ==
		    NULL)
			goto out;
	if ((payload = malloc((size_t)o.size + 64)) == NULL)
		goto out;
	for (i = 0; i < o.size + 64; i++)
		payload[i] = (uint8_t)((uint64_t)(i + 1) * 2654435761u >> 13);

	for (i = 0; i < o.runs; i++)
		if (bench_journal_write(&o, path, payload,
		                        &res[0].per_s[i]) != 0)
			goto out;
	for (i = 0; i < o.runs; i++)
		if (bench_journal_read(&o, path, &res[1].per_s[i]) != 0)
			goto out;
	for (i = 0; i < o.runs; i++)
		if (bench_journal_recover(&o, path, &res[2].per_s[i]) != 0)
			goto out;
	bench_journal_print(&o, res, 3);
	status = 0;

out:
	if (status != 0 && payload == NULL)
		fprintf(stderr, "bench journal: out of memory\n");
	unlink(path);
	rmdir(tmpl);
	free(payload);
	for (k = 0; k < 3; k++)
		free(res[k].per_s);
	return status;
}
