/*
 * engine/cli/cli-opt.c -- option values the training commands share
 * (tranched train, impact, backtest, train-dealers): a number in a range,
 * a comma-separated list, and --hidden's layer widths.  Each error names
 * the program, the option and the value, on stderr, because these run at
 * a terminal.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "engine/cli/cli.h"
#include "engine/model/nn.h"
#include "ipc/codec.h"

/* 1 when s is words separated by single commas: not empty, no comma at
 * either end, none twice. */
static int
cli_list_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[0] != ',' && s[n - 1] != ',' &&
	    strstr(s, ",,") == NULL;
}

int
cli_split(char *s, char **out, int max)
{
	int n = 1;

	/* Checked whole before strtok_r cuts it, so a refusal can quote it:
	 * strtok_r alone would take "twap,,vwap," for two names. */
	if (!cli_list_ok(s))
		return -1;
	for (const char *c = s; *c != '\0'; c++)
		n += *c == ',';
	if (n > max)
		return -1;
	n = 0;
	for (char *save = NULL, *t = strtok_r(s, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		if (n == max)
			return -1;
		out[n++] = t;
	}
	return n;
}

int
cli_opt_num(const char *prog, const char *opt, const char *v, double lo,
            double hi, double *out)
{
	double d;

	/* Decimal only: strtod also took "0x10" as 16. */
	if (ipc_number_text(v, &d) != 0 || !(d >= lo && d <= hi)) {
		fprintf(stderr, "%s: --%s %s: must be a number in [%g, %g]\n", prog,
		    opt, v, lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

int
cli_opt_whole(const char *prog, const char *opt, const char *v, double lo,
              double hi, double *out)
{
	double d;

	if (ipc_number_text(v, &d) != 0 || !(d >= lo && d <= hi) ||
	    d != floor(d)) {
		fprintf(stderr, "%s: --%s %s: must be a whole number in [%g, %g]\n",
		    prog, opt, v, lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

int
cli_opt_hidden(const char *prog, char *arg, int *hidden, int *nhidden)
{
	double v;

	*nhidden = 0;
	if (!cli_list_ok(arg)) {
		fprintf(stderr, "%s: --hidden \"%s\": widths separated by "
		    "commas, none empty\n", prog, arg);
		return -1;
	}
	for (char *save = NULL, *t = strtok_r(arg, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		if (*nhidden == NN_MAX_LAYERS - 1) {
			fprintf(stderr, "%s: --hidden: at most %d layers\n", prog,
			    NN_MAX_LAYERS - 1);
			return -1;
		}
		if (cli_opt_num(prog, "hidden", t, 1, NN_MAX_WIDTH, &v) != 0)
			return -1;
		hidden[(*nhidden)++] = (int)v;
	}
	return 0;
}

const char *
cli_csv_field(char *dst, size_t n, const char *s)
{
	size_t j = 0;

	if (s[strcspn(s, ",\"\r\n")] == '\0')
		return s;
	if (n < 3)
		return "";
	dst[j++] = '"';
	for (; *s != '\0' && j + 3 < n; s++) {
		if (*s == '"')
			dst[j++] = '"';
		dst[j++] = *s;
	}
	dst[j++] = '"';
	dst[j] = '\0';
	return dst;
}

char *
cli_json_string(const char *s)
{
	cJSON *v = cJSON_CreateString(s);
	char *txt = v != NULL ? cJSON_PrintUnformatted(v) : NULL;

	cJSON_Delete(v);
	return txt;
}
