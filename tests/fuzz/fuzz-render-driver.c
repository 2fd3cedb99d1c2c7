/*
 * tests/fuzz/fuzz-render-driver.c -- runs the renderer's fuzz target
 * (fuzz-render.c) without libFuzzer, so gcc builds and ctest under the
 * sanitizers exercise it: every file of the corpus directories given, then
 * --mutations N seeded mutations of them (bit flips, byte edits, hostile
 * tokens inserted -- terminal escapes, invalid and wide UTF-8, extreme
 * numbers, JSON punctuation --, lines cut, doubled and spliced from two
 * inputs).  The same --seed gives the same inputs.  A crash is the
 * sanitizer's report; exit 0 means every input ran.
 *
 *   fuzz-render [--mutations N] [--seed S] DIR|FILE...
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RD_MAX (1 << 18)

struct rd_input {
	uint8_t *data;
	size_t len;
};

static struct rd_input *rd_in;
static size_t rd_n, rd_cap;
static uint64_t rd_rng = 0x2545f4914f6cdd1dULL;

static uint64_t
rd_rand(void)
{
	rd_rng ^= rd_rng << 13;
	rd_rng ^= rd_rng >> 7;
	rd_rng ^= rd_rng << 17;
	return rd_rng;
}

static int
rd_add(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct rd_input in;

	if (f == NULL) {
		fprintf(stderr, "fuzz-render: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((in.data = malloc(RD_MAX)) == NULL)
		abort();
	in.len = fread(in.data, 1, RD_MAX, f);
	fclose(f);
	if (rd_n == rd_cap) {
		rd_cap = rd_cap ? rd_cap * 2 : 32;
		if ((rd_in = realloc(rd_in, rd_cap * sizeof *rd_in)) == NULL)
			abort();
	}
	rd_in[rd_n++] = in;
	return 0;
}

static int
rd_add_path(const char *path)
{
	struct stat st;
	struct dirent *e;
	char sub[4096];
	DIR *d;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "fuzz-render: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return rd_add(path);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		rc |= rd_add(sub);
	}
	closedir(d);
	return rc;
}

static const char *const rd_tokens[] = {
	"\x1b[2J", "\x1b]0;owned\x07", "\x9b" "31m", "\xff\xfe", "\xc3",
	"\xe2\x80\xae", "\xe6\xbc\xa2\xe5\xad\x97", "\xf0\x9f\x92\xa5",
	"\t", "\r", "\n", "\\u0000", "\\u001b", "\\ud800",
	"1e308", "-1e308", "9223372036854775807", "-9223372036854775808",
	"18446744073709551616", "0.000001", "-0", "NaN", "null", "true",
	"\"\"", "[]", "{}", "[", "]", "{", "}", ",", ":", "\"",
	"\"px\":", "\"qty\":", "\"seq\":", "\"t\":", "\"sev\":\"crit\"",
	"\"side\":\"sell\"", "\"bids\":[[1,1,1]]", "\"asks\":[[2,1,1]]",
	"\"ours\":[{\"id\":\"x\",\"px\":1,\"qty\":1}]", "\"reason\":",
	"\"block\":\"B1\"", "\"state\":\"DONE\"", "book ", "block ",
	"alert ", "audit ", "trade ", "fill ", "decision ", "heartbeat ",
	"snapshot ", "hello ", "status ",
};

static size_t
rd_mutate(uint8_t *buf, size_t len, size_t cap)
{
	int n = 1 + (int)(rd_rand() % 4), i;

	for (i = 0; i < n; i++) {
		size_t at = len ? rd_rand() % len : 0, k;
		const char *tok;

		switch (rd_rand() % 7) {
		case 0: /* flip a bit */
			if (len)
				buf[at] ^= (uint8_t)(1u << (rd_rand() % 8));
			break;
		case 1: /* any byte */
			if (len)
				buf[at] = (uint8_t)rd_rand();
			break;
		case 2: /* a hostile token */
		case 3:
			tok = rd_tokens[rd_rand() % (sizeof rd_tokens /
			    sizeof rd_tokens[0])];
			k = strlen(tok);
			if (len + k > cap)
				break;
			memmove(buf + at + k, buf + at, len - at);
			memcpy(buf + at, tok, k);
			len += k;
			break;
		case 4: /* cut a piece */
			k = len - at ? rd_rand() % (len - at) % 64 : 0;
			memmove(buf + at, buf + at + k, len - at - k);
			len -= k;
			break;
		case 5: /* double a piece (a line again: an old seq) */
			k = len - at ? 1 + rd_rand() % (len - at) % 256 : 0;
			if (len + k > cap)
				break;
			memmove(buf + at + k, buf + at, len - at);
			len += k;
			break;
		case 6: { /* splice the tail of another input */
			const struct rd_input *o = &rd_in[rd_rand() % rd_n];
			size_t from = o->len ? rd_rand() % o->len : 0;

			k = o->len - from;
			if (at + k > cap)
				k = cap - at;
			memcpy(buf + at, o->data + from, k);
			len = at + k;
			break;
		}
		}
	}
	return len;
}

int
main(int argc, char **argv)
{
	long mutations = 0;
	size_t i;
	uint8_t *buf;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--mutations") == 0 && a + 1 < argc)
			mutations = strtol(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc)
			rd_rng = strtoull(argv[++a], NULL, 10) | 1;
		else if (rd_add_path(argv[a]) != 0)
			return 2;
	}
	if (rd_n == 0) {
		fprintf(stderr, "usage: fuzz-render [--mutations N] [--seed S] "
		    "DIR|FILE...\n");
		return 2;
	}
	for (i = 0; i < rd_n; i++)
		LLVMFuzzerTestOneInput(rd_in[i].data, rd_in[i].len);
	if ((buf = malloc(RD_MAX * 2)) == NULL)
		abort();
	for (long m = 0; m < mutations; m++) {
		const struct rd_input *in = &rd_in[rd_rand() % rd_n];
		size_t len;

		memcpy(buf, in->data, in->len);
		len = rd_mutate(buf, in->len, RD_MAX * 2);
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("fuzz-render: %zu corpus inputs and %ld mutations ran\n", rd_n,
	    mutations);
	free(buf);
	for (i = 0; i < rd_n; i++)
		free(rd_in[i].data);
	free(rd_in);
	return 0;
}
