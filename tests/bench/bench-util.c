/*
 * tests/bench/bench-util.c -- timing and statistics shared by the
 * benchmarks.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/bench/bench.h"

long long
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
bench_median(const double *v, int n)
{
	double *c, m;

	if (n <= 0)
		return 0;
	c = malloc(sizeof(*c) * (size_t)n);
	if (c == NULL)
		return 0;
	memcpy(c, v, sizeof(*c) * (size_t)n);
	qsort(c, (size_t)n, sizeof(*c), bench_cmp_double);
	m = (n % 2) ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}
