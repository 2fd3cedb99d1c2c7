/*
 * engine/exec/scenario.c -- reading scenario files.
 *
 * A scenario is decoded against a table of known keys, one table per
 * object, so that a misspelt key is an error instead of a silently ignored
 * default (a quant who writes "sigam" must hear about it).  Overrides from
 * the command line (--set market.sigma=2, --set orders.0.qty=100000) are
 * applied to the JSON tree before decoding, so they pass the same checks as
 * the file itself.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exec/scenario.h"

#ifndef TRANCHE_SCENARIO_DIR
#define TRANCHE_SCENARIO_DIR "/usr/share/tranche/scenarios"
#endif

enum field_type { F_DOUBLE, F_INT, F_STRING, F_CLOCK, F_BOOL, F_SIDE };

struct field {
	const char *key;
	int type;
	size_t off;
	double min, max;
	size_t size; /* strings */
};

#define SP(k, t, lo, hi) { #k, t, offsetof(struct sim_params, k), lo, hi, 0 }
static const struct field market_fields[] = {
	{ "sym", F_STRING, offsetof(struct sim_params, sym), 0, 0, 16 },
	SP(tick, F_DOUBLE, 1e-6, 1000),
	SP(px0, F_INT, 1, 1e12),
	SP(sigma, F_DOUBLE, 0, 1e6),
	SP(perm_impact, F_DOUBLE, 0, 1),
	SP(mkt_rate, F_DOUBLE, 1e-6, 1e6),
	SP(mkt_size, F_DOUBLE, 100, 1e9),
	SP(lim_rate, F_DOUBLE, 1e-6, 1e6),
	SP(lim_size, F_DOUBLE, 100, 1e9),
	SP(lim_depth, F_DOUBLE, 0, 1e6),
	SP(lim_life, F_DOUBLE, 1e-3, 1e9),
	{ "mm_levels", F_INT, offsetof(struct sim_params, mm_levels), 0, 50, 0 },
	SP(mm_size, F_INT, 0, 1e9),
	SP(mm_half_spread, F_DOUBLE, 0.5, 1e6),
	SP(mm_skew, F_DOUBLE, 0, 1e6),
	SP(mm_interval, F_DOUBLE, 1e-3, 1e6),
	SP(value_rate, F_DOUBLE, 0, 1e6),
	SP(value_size, F_DOUBLE, 100, 1e9),
	{ NULL, 0, 0, 0, 0, 0 },
};
#undef SP

#define OP(k, t, lo, hi) { #k, t, offsetof(struct parent_spec, k), lo, hi, 0 }
static const struct field order_fields[] = {
	{ "sym", F_STRING, offsetof(struct parent_spec, sym), 0, 0, 16 },
	{ "side", F_SIDE, offsetof(struct parent_spec, side), 0, 0, 0 },
	OP(qty, F_INT, 1, 1e9),
	OP(start, F_CLOCK, 0, 0),
	OP(end, F_CLOCK, 0, 0),
	{ "interval_s", F_DOUBLE, 0, 0.001, 86400, 0 }, /* handled by hand */
	OP(limit_px, F_INT, 0, 1e12),
	OP(lot, F_INT, 1, 1e6),
	OP(max_pov, F_DOUBLE, 0.01, 100),
	{ "cleanup", F_BOOL, offsetof(struct parent_spec, cleanup), 0, 0, 0 },
	{ "algo", F_STRING, offsetof(struct parent_spec, algo), 0, 0, 16 },
	{ NULL, 0, 0, 0, 0, 0 },
};
#undef OP

int64_t
scenario_parse_clock(const char *s)
{
	int h, m, sec, n = 0;

	if (sscanf(s, "%2d:%2d:%2d%n", &h, &m, &sec, &n) != 3 || s[n] != '\0' ||
	    h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
		return -1;
	return ((int64_t)h * 3600 + m * 60 + sec) * 1000000000LL;
}

static int
scenario_decode(const cJSON *obj, const struct field *fields, void *base,
                const char *where, char *err, size_t errlen)
{
	const cJSON *it;

	if (!cJSON_IsObject(obj)) {
		snprintf(err, errlen, "%s: must be an object", where);
		return -1;
	}
	cJSON_ArrayForEach(it, obj) {
		const struct field *f;
		char *dst;

		for (f = fields; f->key != NULL; f++)
			if (strcmp(f->key, it->string) == 0)
				break;
		if (f->key == NULL) {
			snprintf(err, errlen, "%s.%s: unknown key", where, it->string);
			return -1;
		}
		if (strcmp(f->key, "interval_s") == 0 && fields == order_fields) {
			if (!cJSON_IsNumber(it) || !(it->valuedouble >= f->min &&
			    it->valuedouble <= f->max)) {
				snprintf(err, errlen, "%s.interval_s: must be a number "
				    "in [%g, %g]", where, f->min, f->max);
				return -1;
			}
			((struct parent_spec *)base)->interval =
			    (int64_t)llround(it->valuedouble * 1e9);
			continue;
		}
		dst = (char *)base + f->off;
		switch (f->type) {
		case F_DOUBLE:
		case F_INT:
			if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) ||
			    it->valuedouble < f->min || it->valuedouble > f->max ||
			    (f->type == F_INT &&
			    it->valuedouble != floor(it->valuedouble))) {
				char *v = cJSON_PrintUnformatted(it);

				snprintf(err, errlen, "%s.%s %s: must be %s in [%g, %g]",
				    where, f->key, v ? v : "?", f->type == F_INT ?
				    "a whole number" : "a number", f->min, f->max);
				cJSON_free(v);
				return -1;
			}
			if (f->type == F_DOUBLE)
				*(double *)dst = it->valuedouble;
			else if (strcmp(f->key, "mm_levels") == 0)
				*(int *)dst = (int)it->valuedouble;
			else
				*(int64_t *)dst = (int64_t)it->valuedouble;
			break;
		case F_STRING:
			if (!cJSON_IsString(it) || it->valuestring[0] == '\0' ||
			    strlen(it->valuestring) >= f->size) {
				snprintf(err, errlen, "%s.%s: must be a string of 1..%zu "
				    "characters", where, f->key, f->size - 1);
				return -1;
			}
			strcpy(dst, it->valuestring);
			break;
		case F_CLOCK: {
			int64_t t = cJSON_IsString(it) ?
			    scenario_parse_clock(it->valuestring) : -1;

			if (t < 0) {
				snprintf(err, errlen, "%s.%s: must be a time \"HH:MM:SS\"",
				    where, f->key);
				return -1;
			}
			*(int64_t *)dst = t;
			break;
		}
		case F_BOOL:
			if (!cJSON_IsBool(it)) {
				snprintf(err, errlen, "%s.%s: must be true or false", where,
				    f->key);
				return -1;
			}
			*(int *)dst = cJSON_IsTrue(it);
			break;
		case F_SIDE:
			if (cJSON_IsString(it) && strcmp(it->valuestring, "buy") == 0)
				*(int *)dst = BOOK_BID;
			else if (cJSON_IsString(it) &&
			    strcmp(it->valuestring, "sell") == 0)
				*(int *)dst = BOOK_ASK;
			else {
				snprintf(err, errlen, "%s.side: must be \"buy\" or \"sell\"",
				    where);
				return -1;
			}
			break;
		}
	}
	return 0;
}

/* Apply one "a.b.c=value" override to the tree. */
static int
scenario_set(cJSON *root, const char *set, char *err, size_t errlen)
{
	char path[256], *eq, *key, *save = NULL, *next;
	cJSON *node = root, *val;

	if (strlen(set) >= sizeof path || (eq = strchr(set, '=')) == NULL ||
	    eq == set) {
		snprintf(err, errlen, "--set \"%s\": must be path.key=value", set);
		return -1;
	}
	memcpy(path, set, (size_t)(eq - set));
	path[eq - set] = '\0';
	val = cJSON_Parse(eq + 1);
	if (val == NULL)
		val = cJSON_CreateString(eq + 1);
	key = strtok_r(path, ".", &save);
	while (key != NULL) {
		next = strtok_r(NULL, ".", &save);
		cJSON *child;
		char *end;
		long idx = strtol(key, &end, 10);

		if (cJSON_IsArray(node) && *end == '\0')
			child = cJSON_GetArrayItem(node, (int)idx);
		else if (cJSON_IsObject(node))
			child = cJSON_GetObjectItemCaseSensitive(node, key);
		else
			child = NULL;
		if (next == NULL) {
			if (cJSON_IsArray(node) && *end == '\0' && child != NULL)
				cJSON_ReplaceItemInArray(node, (int)idx, val);
			else if (cJSON_IsObject(node)) {
				if (child != NULL)
					cJSON_ReplaceItemInObjectCaseSensitive(node, key, val);
				else
					cJSON_AddItemToObject(node, key, val);
			} else {
				cJSON_Delete(val);
				snprintf(err, errlen, "--set %s: \"%s\" is not an object "
				    "or an array index", set, key);
				return -1;
			}
			return 0;
		}
		if (child == NULL) {
			cJSON_Delete(val);
			snprintf(err, errlen, "--set %s: no \"%s\" in the scenario",
			    set, key);
			return -1;
		}
		node = child;
		key = next;
	}
	cJSON_Delete(val);
	return 0;
}

static char *
scenario_read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL) {
		snprintf(err, errlen, "scenario %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    n > 4 * 1024 * 1024 || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "scenario %s: unreadable or over 4 MiB", path);
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errlen, "scenario %s: read failed", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Line number of byte offset off in text, for parse errors. */
static int
scenario_line_of(const char *text, const char *at)
{
	int line = 1;

	for (const char *p = text; p < at && *p != '\0'; p++)
		if (*p == '\n')
			line++;
	return line;
}

static int
scenario_top(struct scenario *sc, const cJSON *root, char *err, size_t errlen)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, root) {
		const char *k = it->string;

		if (strcmp(k, "name") == 0 || strcmp(k, "description") == 0) {
			if (!cJSON_IsString(it)) {
				snprintf(err, errlen, "%s: must be a string", k);
				return -1;
			}
			if (k[0] == 'n')
				snprintf(sc->name, sizeof sc->name, "%s", it->valuestring);
		} else if (strcmp(k, "open") == 0 || strcmp(k, "close") == 0) {
			int64_t t = cJSON_IsString(it) ?
			    scenario_parse_clock(it->valuestring) : -1;

			if (t < 0) {
				snprintf(err, errlen, "%s: must be a time \"HH:MM:SS\"", k);
				return -1;
			}
			*(k[0] == 'o' ? &sc->open : &sc->close) = t;
		} else if (strcmp(k, "warmup_s") == 0) {
			if (!cJSON_IsNumber(it) || it->valuedouble < 0 ||
			    it->valuedouble > 3600) {
				snprintf(err, errlen, "warmup_s: must be a number in "
				    "[0, 3600]");
				return -1;
			}
			sc->warmup = (int64_t)(it->valuedouble * 1e9);
		} else if (strcmp(k, "market") == 0) {
			if (scenario_decode(it, market_fields, &sc->market, "market",
			    err, errlen) != 0)
				return -1;
		} else if (strcmp(k, "orders") == 0) {
			const cJSON *o;

			if (!cJSON_IsArray(it)) {
				snprintf(err, errlen, "orders: must be an array");
				return -1;
			}
			cJSON_ArrayForEach(o, it) {
				struct parent_spec *ps;
				char where[32];

				if (sc->norders == SCENARIO_MAX_ORDERS) {
					snprintf(err, errlen, "orders: more than %d",
					    SCENARIO_MAX_ORDERS);
					return -1;
				}
				ps = &sc->orders[sc->norders];
				memset(ps, 0, sizeof *ps);
				strcpy(ps->sym, sc->market.sym);
				ps->side = BOOK_ASK;
				ps->lot = 100;
				ps->max_pov = 100;
				ps->cleanup = 1;
				ps->interval = 60LL * 1000000000LL;
				strcpy(ps->algo, "twap");
				ps->start = sc->open;
				ps->end = sc->open + 3LL * 3600 * 1000000000LL;
				snprintf(where, sizeof where, "orders.%d", sc->norders);
				if (scenario_decode(o, order_fields, ps, where, err,
				    errlen) != 0)
					return -1;
				if (strcmp(ps->sym, sc->market.sym) != 0) {
					snprintf(err, errlen, "%s.sym \"%s\": this market "
					    "trades only %s", where, ps->sym, sc->market.sym);
					return -1;
				}
				sc->norders++;
			}
		} else {
			snprintf(err, errlen, "%s: unknown key", k);
			return -1;
		}
	}
	return 0;
}

int
scenario_load(struct scenario *sc, const char *name, const char **sets,
              int nsets, char *err, size_t errlen)
{
	const char *dir;
	char *text, msg[400];
	cJSON *root;
	size_t nl = strlen(name);

	memset(sc, 0, sizeof *sc);
	if (strchr(name, '/') != NULL || (nl > 5 &&
	    strcmp(name + nl - 5, ".json") == 0))
		snprintf(sc->path, sizeof sc->path, "%s", name);
	else {
		for (const char *c = name; *c; c++)
			if (!(*c == '-' || *c == '_' || (*c >= 'a' && *c <= 'z') ||
			    (*c >= '0' && *c <= '9'))) {
				snprintf(err, errlen, "scenario \"%s\": a name is "
				    "lower-case letters, digits, - and _", name);
				return -1;
			}
		dir = getenv("TRANCHE_SCENARIO_DIR");
		snprintf(sc->path, sizeof sc->path, "%s/%s.json",
		    dir && *dir ? dir : TRANCHE_SCENARIO_DIR, name);
	}
	if ((text = scenario_read_file(sc->path, err, errlen)) == NULL)
		return -1;
	root = cJSON_ParseWithLength(text, strlen(text));
	if (root == NULL || !cJSON_IsObject(root)) {
		const char *at = cJSON_GetErrorPtr();

		snprintf(err, errlen, "scenario %s: line %d: not a valid JSON "
		    "object", sc->path, at ? scenario_line_of(text, at) : 1);
		cJSON_Delete(root);
		free(text);
		return -1;
	}
	free(text);
	for (int i = 0; i < nsets; i++)
		if (scenario_set(root, sets[i], err, errlen) != 0) {
			cJSON_Delete(root);
			return -1;
		}
	sim_params_default(&sc->market);
	snprintf(sc->name, sizeof sc->name, "%s", name);
	sc->open = 9LL * 3600 * 1000000000LL + 30LL * 60 * 1000000000LL;
	sc->close = 16LL * 3600 * 1000000000LL;
	sc->warmup = 300LL * 1000000000LL;
	if (scenario_top(sc, root, msg, sizeof msg) != 0) {
		snprintf(err, errlen, "scenario %s: %s", sc->path, msg);
		cJSON_Delete(root);
		return -1;
	}
	for (int i = 0; i < sc->norders; i++) {
		struct parent_spec *p = &sc->orders[i];

		if (p->end <= p->start || p->start < sc->open || p->end > sc->close) {
			snprintf(err, errlen, "scenario %s: orders.%d: window must lie "
			    "between open and close, start before end", sc->path, i);
			cJSON_Delete(root);
			return -1;
		}
		if (algo_find(p->algo) == NULL) {
			snprintf(err, errlen, "scenario %s: orders.%d.algo \"%s\": "
			    "unknown", sc->path, i, p->algo);
			cJSON_Delete(root);
			return -1;
		}
	}
	if (sc->close <= sc->open) {
		snprintf(err, errlen, "scenario %s: close must be after open",
		    sc->path);
		cJSON_Delete(root);
		return -1;
	}
	sc->json = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return 0;
}

void
scenario_free(struct scenario *sc)
{
	if (sc->json != NULL)
		cJSON_free(sc->json);
	sc->json = NULL;
}
