/*
 * itest-filter.h -- which of a suite's tests to run, from its command line:
 * "PATTERN" runs only the tests whose names match it, "-PATTERN" all the
 * others (cmocka's patterns: * and ?).  CMake runs a long suite as two
 * ctest entries this way, so that ctest can run its halves side by side.
 * Include after <cmocka.h>.
 */
#ifndef TRANCHE_ITEST_FILTER_H
#define TRANCHE_ITEST_FILTER_H

static inline void
itest_filter(const char *arg)
{
	if (arg == NULL || arg[0] == '\0')
		return;
	if (arg[0] == '-')
		cmocka_set_skip_filter(arg + 1);
	else
		cmocka_set_test_filter(arg);
}

#endif
