/*
 * tui/options.c -- command-line options as data.
 *
 * Each form of the command (console, replay, ctl) describes its options in
 * one table: name, the key getopt_long returns, the value's name, and a
 * line of help.  The getopt_long table and the --help text are both built
 * from it, so they cannot disagree.  Errors name the option and the value
 * and say what was expected; callers exit with status 2 on them.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

void
options_build(const struct tui_opt *tab, void *longopts)
{
	struct option *lo = longopts;
	size_t i;

	for (i = 0; tab[i].name != NULL; i++) {
		lo[i].name = tab[i].name;
		lo[i].has_arg = tab[i].metavar ? required_argument : no_argument;
		lo[i].flag = NULL;
		lo[i].val = tab[i].key;
	}
	memset(&lo[i], 0, sizeof lo[i]);
}

void
options_usage(FILE *f, const struct tui_opt *tab)
{
	char left[64];
	size_t i;

	for (i = 0; tab[i].name != NULL; i++) {
		if (tab[i].key > 0 && tab[i].key < 128)
			snprintf(left, sizeof left, "-%c, --%s%s%s", tab[i].key,
			    tab[i].name, tab[i].metavar ? " " : "",
			    tab[i].metavar ? tab[i].metavar : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", tab[i].name,
			    tab[i].metavar ? " " : "",
			    tab[i].metavar ? tab[i].metavar : "");
		fprintf(f, "  %-24s %s\n", left, tab[i].help);
	}
}

int
options_parse_long(const char *prog, const char *opt, const char *s,
                   long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "%s: %s '%s': must be a whole number from %ld "
		    "to %ld\n", prog, opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
options_parse_double(const char *prog, const char *opt, const char *s,
                     double min, double max, double *out)
{
	double v;

	/* A decimal number as JSON writes one: strtod also took "0x10"
	 * (16), "inf" and a locale's comma. */
	if (ipc_number_text(s, &v) != 0 || v < min || v > max) {
		fprintf(stderr, "%s: %s '%s': must be a number from %g to %g\n",
		    prog, opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
options_check_url(const char *prog, const char *opt, const char *url)
{
	char ev[512];

	if (ipc_events_url(url, ev, sizeof ev) != 0) {
		fprintf(stderr, "%s: %s '%s': not an engine address (ipc://PATH, "
		    "tcp://HOST:PORT or tls+tcp://HOST:PORT)\n", prog, opt, url);
		return -1;
	}
	return 0;
}
