/*
 * tui/layout.c -- where the panels go, computed from the screen size.
 *
 *   +-------------------------------------------------------------+
 *   | title bar                                                   |
 *   +--------------------------+----------------------------------+
 *   | book ladder              | block progress                   |
 *   |                          +----------------------------------+
 *   |                          | decisions                        |
 *   |                          +----------------------------------+
 *   |                          | alerts                           |
 *   +--------------------------+----------------------------------+
 *   | message / prompt line                                       |
 *   | status bar                                                  |
 *   +-------------------------------------------------------------+
 *
 * The ladder takes about two fifths of the width (enough for its numbers
 * and a size bar), the block panel its ten natural rows when the height
 * allows, and the rest is split between decisions (three fifths) and
 * alerts.  This built-in arrangement is what the console falls back to
 * when no layout file can be read.
 *
 * Layout files (tranche-layout(5)) are JSON: a list of columns, each a
 * stack of panels, sizes in percent, in rows or columns, or shared out of
 * what is left.  The title bar, the message line and the status bar are
 * always there and not part of a file.  A file that cannot be used is
 * reported as FILE:LINE: what is wrong, and skipped; the console then uses
 * the default.  Since cJSON keeps no positions, the line of a bad key is
 * found by scanning the text for keys in order (see layout_scan_keys).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

int
layout_compute(int rows, int cols, struct tui_rect out[PANEL_COUNT + 1])
{
	int body = rows - 3, left, right, blk, rest, dec;

	memset(out, 0, sizeof(struct tui_rect) * (PANEL_COUNT + 1));
	if (rows < TUI_MIN_ROWS || cols < TUI_MIN_COLS)
		return -1;
	left = cols * 2 / 5;
	if (left < 40)
		left = 40;
	if (left > 58)
		left = 58;
	if (cols - left < 40)
		left = cols - 40 > 34 ? cols - 40 : 34;
	right = cols - left;
	/* Decisions need four rows to show one (frame, header, a row) and
	 * alerts three; the block panel gives up rows before they do. */
	blk = body - 7 < 10 ? body - 7 : 10;
	rest = body - blk;
	dec = rest * 3 / 5;
	if (dec < 4)
		dec = 4;

	out[PANEL_TITLE] = (struct tui_rect){ 0, 0, 1, cols };
	out[PANEL_BOOK] = (struct tui_rect){ 1, 0, body, left };
	out[PANEL_BLOCK] = (struct tui_rect){ 1, left, blk, right };
	out[PANEL_DECISIONS] = (struct tui_rect){ 1 + blk, left, dec, right };
	out[PANEL_ALERTS] = (struct tui_rect){ 1 + blk + dec, left, rest - dec,
		right };
	out[PANEL_STATUS] = (struct tui_rect){ rows - 1, 0, 1, cols };
	out[PANEL_COUNT] = (struct tui_rect){ rows - 2, 0, 1, cols };
	return 0;
}
/* ------------------------------------------------------------ JSON files */

static const char *const layout_names[PANEL_COUNT] = {
	[PANEL_TITLE] = "title",
	[PANEL_BOOK] = "book",
	[PANEL_BLOCK] = "block",
	[PANEL_DECISIONS] = "decisions",
	[PANEL_ALERTS] = "alerts",
	[PANEL_STATUS] = "status",
	[PANEL_TAPE] = "tape",
	[PANEL_CHART] = "chart",
	[PANEL_BLOTTER] = "blotter",
	[PANEL_AUDIT] = "audit",
	[PANEL_CHILDREN] = "children",
	[PANEL_VENUES] = "venues",
	[PANEL_RFQ] = "rfq",
};

int
layout_panel_id(const char *name)
{
	int i;

	for (i = 0; i < PANEL_COUNT; i++)
		if (i != PANEL_TITLE && i != PANEL_STATUS &&
		    strcmp(layout_names[i], name) == 0)
			return i;
	return -1;
}

const char *
layout_panel_name(int id)
{
	return id >= 0 && id < PANEL_COUNT ? layout_names[id] : "?";
}

/*
 * Line numbers.  cJSON keeps no positions, so the text is scanned once for
 * every object key, in order, with its line; a depth-first walk of the
 * parsed tree meets the keys in the same order, so the n-th key the walk
 * meets is the n-th key of the scan.
 */
struct layout_lines {
	int *line;
	size_t n, cap;
	const cJSON **node;
	size_t nn;
};

static void
layout_scan_keys(struct layout_lines *ll, const char *s)
{
	int line = 1;
	const char *p = s, *q;

	while (*p != '\0') {
		if (*p == '\n')
			line++;
		if (*p != '"') {
			p++;
			continue;
		}
		for (q = p + 1; *q != '\0' && *q != '"'; q++)
			if (*q == '\\' && q[1] != '\0')
				q++;
		if (*q == '\0')
			break;
		p = q + 1;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			if (*p == '\n')
				line++;
			p++;
		}
		if (*p == ':') {
			if (ll->n == ll->cap) {
				ll->cap = ll->cap ? ll->cap * 2 : 64;
				ll->line = realloc(ll->line, ll->cap * sizeof *ll->line);
				if (ll->line == NULL)
					abort();
			}
			ll->line[ll->n++] = line;
		}
	}
}

static void
layout_walk(struct layout_lines *ll, const cJSON *o, size_t *cap)
{
	const cJSON *it;

	for (it = o ? o->child : NULL; it != NULL; it = it->next) {
		if (it->string != NULL) {
			if (ll->nn == *cap) {
				*cap = *cap ? *cap * 2 : 64;
				ll->node = realloc(ll->node, *cap * sizeof *ll->node);
				if (ll->node == NULL)
					abort();
			}
			ll->node[ll->nn++] = it;
		}
		layout_walk(ll, it, cap);
	}
}

static int
layout_line_of(const struct layout_lines *ll, const cJSON *item)
{
	size_t i;

	for (i = 0; i < ll->nn && i < ll->n; i++)
		if (ll->node[i] == item)
			return ll->line[i];
	return 1;
}

struct layout_ctx {
	struct layout_lines ll;
	const char *path;
	char *err;
	size_t errlen;
};

static int
layout_err(struct layout_ctx *c, const cJSON *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
layout_err(struct layout_ctx *c, const cJSON *at, const char *fmt, ...)
{
	char what[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%d: %s", c->path,
	    at ? layout_line_of(&c->ll, at) : 1, what);
	return -1;
}

/* A value as the file gives it, for a refusal: "0", "\"80\"", at most 40
 * bytes. */
static const char *
layout_got(const cJSON *it, char *buf, size_t n)
{
	char *v = it != NULL ? cJSON_PrintUnformatted(it) : NULL;

	snprintf(buf, n, "%.40s%s", v != NULL ? v : "nothing",
	    v != NULL && strlen(v) > 40 ? "..." : "");
	cJSON_free(v);
	return buf;
}

/* "book, tape, ..., rfq": every panel a layout may place, from the table
 * (the refusals' own list had left out venues and rfq). */
static const char *
layout_panel_list(char *buf, size_t n)
{
	size_t k = 0;

	buf[0] = '\0';
	for (int i = 0; i < PANEL_COUNT; i++)
		if (i != PANEL_TITLE && i != PANEL_STATUS && k < n)
			k += (size_t)snprintf(buf + k, n - k, "%s%s", k ? ", " : "",
			    layout_names[i]);
	return buf;
}

/* "width"/"height": a percentage 1..100; "cols"/"rows": 1..500. */
static int
layout_size(struct layout_ctx *c, const cJSON *o, const char *pctname,
            const char *absname, int *pct, int *abs_)
{
	const cJSON *it;
	char got[48];

	*pct = *abs_ = 0;
	if ((it = cJSON_GetObjectItemCaseSensitive(o, pctname)) != NULL) {
		if (!cJSON_IsNumber(it) || it->valuedouble < 1 ||
		    it->valuedouble > 100 || it->valuedouble != (int)it->valuedouble)
			return layout_err(c, it, "\"%s\" %s: must be a whole "
			    "percentage from 1 to 100", pctname,
			    layout_got(it, got, sizeof got));
		*pct = it->valueint;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(o, absname)) != NULL) {
		if (*pct)
			return layout_err(c, it, "give \"%s\" or \"%s\", not both",
			    pctname, absname);
		if (!cJSON_IsNumber(it) || it->valuedouble < 1 ||
		    it->valuedouble > 500 || it->valuedouble != (int)it->valuedouble)
			return layout_err(c, it, "\"%s\" %s: must be a whole "
			    "number from 1 to 500", absname,
			    layout_got(it, got, sizeof got));
		*abs_ = it->valueint;
	}
	return 0;
}

static int
layout_keys_known(struct layout_ctx *c, const cJSON *o, const char *const *ok)
{
	const cJSON *it;
	const char *const *k;

	cJSON_ArrayForEach(it, o) {
		for (k = ok; *k != NULL; k++)
			if (strcmp(*k, it->string) == 0)
				break;
		if (*k == NULL)
			return layout_err(c, it, "unknown key \"%s\"", it->string);
	}
	return 0;
}

static int
layout_parse_column(struct layout_ctx *c, struct layout *l,
                    struct layout_column *col, const cJSON *o)
{
	static const char *const colkeys[] = { "width", "cols", "panels", NULL };
	static const char *const cellkeys[] = { "panel", "height", "rows",
		NULL };
	const cJSON *panels, *it, *name;
	char list[160], got[48];
	int id, i;

	if (layout_keys_known(c, o, colkeys) != 0 ||
	    layout_size(c, o, "width", "cols", &col->pct, &col->cols) != 0)
		return -1;
	panels = cJSON_GetObjectItemCaseSensitive(o, "panels");
	if (!cJSON_IsArray(panels) || cJSON_GetArraySize(panels) == 0)
		return layout_err(c, panels ? panels : o->child, "a column needs "
		    "\"panels\": a list of one to %d panels", LAYOUT_STACK);
	cJSON_ArrayForEach(it, panels) {
		struct layout_cell *cell;

		if (col->n == LAYOUT_STACK)
			return layout_err(c, panels, "more than %d panels in a "
			    "column", LAYOUT_STACK);
		if (!cJSON_IsObject(it))
			return layout_err(c, panels, "each panel is an object "
			    "{\"panel\": NAME, ...}");
		cell = &col->cells[col->n];
		if (layout_keys_known(c, it, cellkeys) != 0 ||
		    layout_size(c, it, "height", "rows", &cell->pct,
		    &cell->rows) != 0)
			return -1;
		name = cJSON_GetObjectItemCaseSensitive(it, "panel");
		if (!cJSON_IsString(name))
			return layout_err(c, it->child ? it->child : panels,
			    "a panel needs \"panel\"%s%s: one of %s", name ? " " :
			    "", name ? layout_got(name, got, sizeof got) : "",
			    layout_panel_list(list, sizeof list));
		if ((id = layout_panel_id(name->valuestring)) < 0)
			return layout_err(c, name, "unknown panel \"%.40s\" (%s)",
			    name->valuestring, layout_panel_list(list,
			    sizeof list));
		for (i = 0; i < l->n; i++) {
			int j;

			for (j = 0; j < l->cols[i].n; j++)
				if (l->cols[i].cells[j].panel == id)
					return layout_err(c, name, "panel \"%s\" "
					    "appears twice", name->valuestring);
		}
		for (i = 0; i < col->n; i++)
			if (col->cells[i].panel == id)
				return layout_err(c, name, "panel \"%s\" appears "
				    "twice", name->valuestring);
		cell->panel = id;
		col->n++;
	}
	return 0;
}

int
layout_parse(struct layout *l, const char *path, const char *text, char *err,
             size_t errlen)
{
	static const char *const topkeys[] = { "name", "description",
		"min_cols", "min_rows", "focus", "columns", NULL };
	struct layout_ctx c = { .path = path, .err = err, .errlen = errlen };
	const cJSON *cols, *it;
	cJSON *root;
	const char *ep;
	char got[48];
	size_t cap = 0;
	int rc = -1, line, pctsum = 0, tall = 0;

	memset(l, 0, sizeof *l);
	err[0] = '\0';
	snprintf(l->path, sizeof l->path, "%s", path);
	root = cJSON_ParseWithOpts(text, &ep, 1);
	if (root == NULL) {
		const char *p;

		ep = cJSON_GetErrorPtr();
		line = 1;
		for (p = text; ep != NULL && p < ep && *p != '\0'; p++)
			line += *p == '\n';
		/* From the first byte that is not space (a trailing comma's
		 * error pointed at a newline, and the message said near ''). */
		while (ep != NULL && (*ep == ' ' || *ep == '\t' || *ep == '\n' ||
		    *ep == '\r'))
			line += *ep++ == '\n';
		snprintf(err, errlen, "%s:%d: not valid JSON near '%.*s'", path,
		    line, ep && *ep ? (int)strcspn(ep, "\r\n") < 20 ?
		    (int)strcspn(ep, "\r\n") : 20 : 13, ep && *ep ? ep :
		    "(end of file)");
		return -1;
	}
	layout_scan_keys(&c.ll, text);
	layout_walk(&c.ll, root, &cap);
	if (!cJSON_IsObject(root)) {
		layout_err(&c, NULL, "a layout is a JSON object");
		goto out;
	}
	if (layout_keys_known(&c, root, topkeys) != 0)
		goto out;
	it = cJSON_GetObjectItemCaseSensitive(root, "name");
	if (!cJSON_IsString(it) || it->valuestring[0] == '\0' ||
	    strlen(it->valuestring) >= sizeof l->name ||
	    strspn(it->valuestring, "abcdefghijklmnopqrstuvwxyz0123456789-_") !=
	    strlen(it->valuestring)) {
		layout_err(&c, it, "\"name\" %s: must be a short name: a-z, "
		    "0-9, - and _", layout_got(it, got, sizeof got));
		goto out;
	}
	snprintf(l->name, sizeof l->name, "%s", it->valuestring);
	l->min_cols = TUI_MIN_COLS;
	l->min_rows = TUI_MIN_ROWS;
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "min_cols")) != NULL) {
		/* Never below the console's own 60x16 (40x10 was taken,
		 * and such a layout drawn where tranche(1) says it needs
		 * 60x16: found by a review). */
		if (!cJSON_IsNumber(it) || it->valuedouble < TUI_MIN_COLS ||
		    it->valuedouble > 500 || it->valuedouble != it->valueint) {
			layout_err(&c, it, "\"min_cols\" %s: must be a whole "
			    "number from %d to 500", layout_got(it, got,
			    sizeof got), TUI_MIN_COLS);
			goto out;
		}
		l->min_cols = it->valueint;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "min_rows")) != NULL) {
		if (!cJSON_IsNumber(it) || it->valuedouble < TUI_MIN_ROWS ||
		    it->valuedouble > 300 || it->valuedouble != it->valueint) {
			layout_err(&c, it, "\"min_rows\" %s: must be a whole "
			    "number from %d to 300", layout_got(it, got,
			    sizeof got), TUI_MIN_ROWS);
			goto out;
		}
		l->min_rows = it->valueint;
	}
	cols = cJSON_GetObjectItemCaseSensitive(root, "columns");
	if (!cJSON_IsArray(cols) || cJSON_GetArraySize(cols) < 1 ||
	    cJSON_GetArraySize(cols) > LAYOUT_COLUMNS) {
		layout_err(&c, cols, "\"columns\" must be a list of 1 to %d "
		    "columns", LAYOUT_COLUMNS);
		goto out;
	}
	cJSON_ArrayForEach(it, cols) {
		if (!cJSON_IsObject(it)) {
			layout_err(&c, cols, "each column is an object {\"panels\": "
			    "[...]}");
			goto out;
		}
		if (layout_parse_column(&c, l, &l->cols[l->n], it) != 0)
			goto out;
		pctsum += l->cols[l->n].pct;
		if (l->cols[l->n].n > tall)
			tall = l->cols[l->n].n;
		l->n++;
	}
	/* What its columns and panels take, at the least (layout_place: 20
	 * columns a column, 3 rows a panel and 3 for the bars): its minimum
	 * says so, and so do the messages (a layout of four columns at 70
	 * columns was refused as if it needed 60). */
	if (l->min_cols < 20 * l->n)
		l->min_cols = 20 * l->n;
	if (l->min_rows < 3 + 3 * tall)
		l->min_rows = 3 + 3 * tall;
	if (pctsum > 100) {
		layout_err(&c, cols, "the column widths add up to %d%%, over 100%%",
		    pctsum);
		goto out;
	}
	l->focus = l->cols[l->n - 1].cells[0].panel;
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "focus")) != NULL) {
		int id = cJSON_IsString(it) ? layout_panel_id(it->valuestring) : -1;
		int i, j, found = 0;

		for (i = 0; i < l->n; i++)
			for (j = 0; j < l->cols[i].n; j++)
				found |= l->cols[i].cells[j].panel == id;
		if (!found) {
			layout_err(&c, it, "\"focus\" %s: must name a panel of "
			    "this layout", layout_got(it, got, sizeof got));
			goto out;
		}
		l->focus = id;
	}
	rc = 0;
out:
	free(c.ll.line);
	free(c.ll.node);
	cJSON_Delete(root);
	return rc;
}

static char *
layout_read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "%.300s:0: cannot read: %s", path,
		    strerror(errno));
		return NULL;
	}
	if ((buf = malloc(65537)) == NULL)
		abort();
	n = fread(buf, 1, 65536, f);
	if (n == 65536 && fgetc(f) != EOF) {
		snprintf(err, errlen, "%.300s:0: over 64 KiB: not a layout", path);
		fclose(f);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
layout_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file that cannot be used is counted; the first few are kept. */
static void
layout_set_error(struct layout_set *set, const char *err)
{
	if (set->nerrors < LAYOUT_ERRORS)
		snprintf(set->errors[set->nerrors], sizeof set->errors[0], "%s",
		    err);
	set->nerrors++;
}

static void
layout_load_dir(struct layout_set *set, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[64], path[1024], err[400], *text;
	size_t n = 0, i, len, more = 0;
	struct layout l;
	int at;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len > 5 && e->d_name[0] != '.' &&
		    strcmp(e->d_name + len - 5, ".json") == 0) {
			if (n == 64)
				more++;
			else if ((names[n++] = strdup(e->d_name)) == NULL)
				abort();
		}
	}
	closedir(d);
	if (more > 0) {
		snprintf(err, sizeof err, "%.300s: %zu more .json files than the "
		    "64 a directory is read for: not loaded", dir, more);
		layout_set_error(set, err);
	}
	qsort(names, n, sizeof names[0], layout_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		free(names[i]);
		err[0] = '\0';
		text = layout_read_file(path, err, sizeof err);
		if (text == NULL || layout_parse(&l, path, text, err,
		    sizeof err) != 0) {
			layout_set_error(set, err);
			free(text);
			continue;
		}
		free(text);
		if ((at = layout_find(set, l.name)) >= 0)
			set->items[at] = l;
		else if (set->n < LAYOUT_MAX)
			set->items[set->n++] = l;
		else {
			/* Said, not dropped without a word. */
			snprintf(err, sizeof err, "%.300s: more than %d layouts: "
			    "not loaded", path, LAYOUT_MAX);
			layout_set_error(set, err);
		}
	}
}

void
layout_load_all(struct layout_set *set, const char *sysdir)
{
	static const char *const order[] = { "trader", "supervisor", "compact",
		"replay" };
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char user[1024];
	struct layout tmp;
	int i, j, at;

	memset(set, 0, sizeof *set);
	layout_load_dir(set, sysdir ? sysdir : TRANCHE_LAYOUT_DIR);
	if (xdg != NULL && xdg[0] == '/')
		snprintf(user, sizeof user, "%s/tranche/layouts", xdg);
	else if (home != NULL && home[0] != '\0')
		snprintf(user, sizeof user, "%s/.config/tranche/layouts", home);
	else
		user[0] = '\0';
	if (user[0] != '\0')
		layout_load_dir(set, user);
	/* The four shipped ones first, in the order L cycles them. */
	for (i = 0, j = 0; i < 4; i++)
		if ((at = layout_find(set, order[i])) >= 0) {
			tmp = set->items[j];
			set->items[j] = set->items[at];
			set->items[at] = tmp;
			j++;
		}
}

const char *
layout_error_of(const struct layout_set *set, const char *name)
{
	char want[80];

	snprintf(want, sizeof want, "/%.60s.json:", name);
	for (int i = 0; i < set->nerrors && i < LAYOUT_ERRORS; i++)
		if (strstr(set->errors[i], want) != NULL)
			return set->errors[i];
	return NULL;
}

int
layout_find(const struct layout_set *set, const char *name)
{
	int i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->items[i].name, name) == 0)
			return i;
	return -1;
}

/* Split `total` among n parts with fixed sizes, percentages of `base`, or
 * shares of what is left; every part gets at least `least`. */
static int
layout_split(int total, int base, int n, const int *pct, const int *abs_,
             int least, int *out)
{
	int i, used = 0, nshare = 0, left, k = 0;

	for (i = 0; i < n; i++) {
		out[i] = abs_[i] ? abs_[i] : pct[i] ? base * pct[i] / 100 : 0;
		if (out[i] && out[i] < least)
			out[i] = least;
		if (out[i] == 0)
			nshare++;
		used += out[i];
	}
	left = total - used;
	for (i = 0; i < n; i++)
		if (out[i] == 0) {
			out[i] = left / nshare + (k++ < left % nshare ? 1 : 0);
			if (out[i] < least)
				out[i] = least;
		}
	/* Too much: take it back from the last parts, then the first. */
	used = 0;
	for (i = 0; i < n; i++)
		used += out[i];
	for (i = n - 1; used > total && i >= 0; i--) {
		int give = out[i] - least;

		if (give > used - total)
			give = used - total;
		if (give > 0)
			out[i] -= give, used -= give;
	}
	if (used > total)
		return -1;
	/* Too little: the last part takes the rest. */
	out[n - 1] += total - used;
	return 0;
}

int
layout_place(const struct layout *l, int rows, int cols,
             struct tui_rect out[PANEL_COUNT + 1])
{
	int w[LAYOUT_COLUMNS], h[LAYOUT_STACK], pct[LAYOUT_STACK] = { 0 },
	    abs_[LAYOUT_STACK] = { 0 };
	int body = rows - 3, i, j, x = 0, y;

	memset(out, 0, sizeof(struct tui_rect) * (PANEL_COUNT + 1));
	if (l == NULL)
		return layout_compute(rows, cols, out);
	if (rows < l->min_rows || cols < l->min_cols)
		return -1;
	for (i = 0; i < l->n; i++)
		pct[i] = l->cols[i].pct, abs_[i] = l->cols[i].cols;
	if (layout_split(cols, cols, l->n, pct, abs_, 20, w) != 0)
		return -1;
	for (i = 0; i < l->n; i++) {
		const struct layout_column *c = &l->cols[i];

		for (j = 0; j < c->n; j++)
			pct[j] = c->cells[j].pct, abs_[j] = c->cells[j].rows;
		if (layout_split(body, body, c->n, pct, abs_, 3, h) != 0)
			return -1;
		y = 1;
		for (j = 0; j < c->n; j++) {
			out[c->cells[j].panel] = (struct tui_rect){ y, x, h[j], w[i] };
			y += h[j];
		}
		x += w[i];
	}
	out[PANEL_TITLE] = (struct tui_rect){ 0, 0, 1, cols };
	out[PANEL_STATUS] = (struct tui_rect){ rows - 1, 0, 1, cols };
	out[PANEL_COUNT] = (struct tui_rect){ rows - 2, 0, 1, cols };
	return 0;
}

