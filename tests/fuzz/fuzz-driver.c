/*
 * tests/fuzz/fuzz-driver.c -- runs a libFuzzer target without libFuzzer, so
 * gcc builds (and ctest, under ASan) exercise it: every file of the corpus
 * directories given, then --mutations N seeded random mutations of them
 * (bit flips, byte edits, insertions and deletions of protocol tokens,
 * splices of two inputs, cuts), each fed to LLVMFuzzerTestOneInput.  The
 * same --seed gives the same inputs.  A crash is the sanitizer's report;
 * exit 0 means every input ran.
 *
 *   fuzz-command [--mutations N] [--seed S] DIR|FILE...
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DRV_MAX_INPUT 65536

struct input {
	uint8_t *data;
	size_t len;
};

static struct input *inputs;
static size_t ninputs, capinputs;
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
drv_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int
drv_add(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct input in;

	if (f == NULL) {
		fprintf(stderr, "fuzz-driver: %s: %s\n", path, strerror(errno));
		return -1;
	}
	in.data = malloc(DRV_MAX_INPUT);
	if (in.data == NULL) {
		fclose(f);
		return -1;
	}
	in.len = fread(in.data, 1, DRV_MAX_INPUT, f);
	fclose(f);
	if (ninputs == capinputs) {
		size_t n = capinputs ? capinputs * 2 : 64;
		struct input *v = realloc(inputs, n * sizeof *v);

		if (v == NULL) {
			free(in.data);
			return -1;
		}
		inputs = v;
		capinputs = n;
	}
	inputs[ninputs++] = in;
	return 0;
}

static int
drv_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or every regular file of a directory (in name order, so the
 * mutations are the same from run to run). */
static int
drv_load(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char **names = NULL, full[4096];
	size_t n = 0, cap = 0;
	int rv = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "fuzz-driver: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return drv_add(path);
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "fuzz-driver: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof *names);
			if (names == NULL)
				abort();
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, drv_cmp);
	for (size_t i = 0; i < n; i++) {
		snprintf(full, sizeof full, "%s/%s", path, names[i]);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    drv_add(full) != 0)
			rv = -1;
		free(names[i]);
	}
	free(names);
	return rv;
}

static const char *const tokens[] = {
	"{", "}", "[", "]", "\"", ":", ",", "\\", "\\u0000", "\\u001b",
	"\xc2\x9b", "\x1b[2J", "null", "true", "false", "-1", "0", "1e308",
	"9007199254740993", "-9223372036854775808", "\"cmd\"", "\"id\"",
	"\"reason\"", "\"block\"", "\"1\"", "\"hello\"", "\"submit\"",
	"\"override\"", "\"throttle\"", "\"speed\"", "\"max\"", "\"ack\"",
	"\"kill\"", "\"release\"", "\"pause\"", "\"resume\"", "\"cancel\"",
	"\"snapshot\"", "\"status\"", "\"action\"", "\"child\"", "\"style\"",
	"\"params\"", "\"token\"", "\"role\"", "\"supervisor\"", "\"v\"",
	"[[[[[[[[[[[[[[[[[[", "{\"a\":{\"a\":{\"a\":{\"a\":",
};

/* One mutation of `in` into out (at most DRV_MAX_INPUT bytes). */
static size_t
drv_mutate(const struct input *in, uint8_t *out)
{
	size_t len = in->len, pos, k;
	int rounds = 1 + (int)(drv_rand() % 4);

	memcpy(out, in->data, len);
	while (rounds-- > 0) {
		pos = len ? drv_rand() % (len + 1) : 0;
		switch (drv_rand() % 7) {
		case 0: /* flip a bit */
			if (len)
				out[pos % len] ^= (uint8_t)(1u << (drv_rand() % 8));
			break;
		case 1: /* set a byte */
			if (len)
				out[pos % len] = (uint8_t)drv_rand();
			break;
		case 2: /* delete a run */
			k = len ? drv_rand() % (len - pos + 1) % 16 : 0;
			memmove(out + pos, out + pos + k, len - pos - k);
			len -= k;
			break;
		case 3: /* insert a token */
		case 4: {
			const char *t = tokens[drv_rand() %
			    (sizeof tokens / sizeof tokens[0])];
			size_t tl = strlen(t);

			if (len + tl > DRV_MAX_INPUT)
				break;
			memmove(out + pos + tl, out + pos, len - pos);
			memcpy(out + pos, t, tl);
			len += tl;
			break;
		}
		case 5: { /* splice in part of another input */
			const struct input *o = &inputs[drv_rand() % ninputs];
			size_t from = o->len ? drv_rand() % o->len : 0;
			size_t n = o->len - from;

			if (pos + n > DRV_MAX_INPUT)
				n = DRV_MAX_INPUT - pos;
			memcpy(out + pos, o->data + from, n);
			len = pos + n;
			break;
		}
		default: /* cut */
			len = pos;
			break;
		}
	}
	return len;
}

int
main(int argc, char **argv)
{
	long long mutations = 2000;
	uint8_t *buf;
	char *end;
	int i;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--help") == 0) {
			printf("usage: %s [--mutations N] [--seed S] DIR|FILE...\n",
			    argv[0]);
			return 0;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "fuzz-driver: %s needs a value\n", argv[i]);
			return 2;
		}
		errno = 0;
		long long v = strtoll(argv[i + 1], &end, 10);
		if (errno != 0 || *end != '\0' || argv[i + 1][0] == '\0' ||
		    v < 0) {
			fprintf(stderr, "fuzz-driver: %s '%s': must be a whole "
			    "number >= 0\n", argv[i], argv[i + 1]);
			return 2;
		}
		if (strcmp(argv[i], "--mutations") == 0)
			mutations = v;
		else if (strcmp(argv[i], "--seed") == 0)
			rng = (uint64_t)v * 0x9e3779b97f4a7c15ULL + 1;
		else {
			fprintf(stderr, "fuzz-driver: unknown option %s\n",
			    argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: %s [--mutations N] [--seed S] "
		    "DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (; i < argc; i++)
		if (drv_load(argv[i]) != 0)
			return 1;
	if (ninputs == 0) {
		fprintf(stderr, "fuzz-driver: no inputs\n");
		return 1;
	}
	for (size_t k = 0; k < ninputs; k++)
		LLVMFuzzerTestOneInput(inputs[k].data, inputs[k].len);
	if ((buf = malloc(DRV_MAX_INPUT)) == NULL)
		return 1;
	for (long long m = 0; m < mutations; m++) {
		size_t n = drv_mutate(&inputs[drv_rand() % ninputs], buf);
		/* An exact-size copy, so ASan sees reads past the end. */
		uint8_t *exact = malloc(n ? n : 1);

		if (exact == NULL)
			return 1;
		memcpy(exact, buf, n);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	printf("fuzz-driver: %zu corpus inputs and %lld mutations ran\n",
	    ninputs, mutations);
	free(buf);
	for (size_t k = 0; k < ninputs; k++)
		free(inputs[k].data);
	free(inputs);
	return 0;
}
