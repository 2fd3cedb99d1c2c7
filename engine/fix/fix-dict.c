/*
 * fix-dict.c -- data dictionaries: loading the QuickFIX XML format, the
 * built-in dictionary, and validating a message against one.
 *
 * The XML is read by a small reader that knows just what the format uses
 * (elements, attributes in either quote, comments, the <?xml?> line); it
 * builds a tree, which is then turned into tables: every field by tag
 * (name, type, enumerated values), the header and trailer sets, and each
 * message's members with components expanded in place and repeating
 * groups kept as nested sets.  The built-in dictionary is written in the
 * same format (our own, covering the session messages and the messages the
 * engine handles) and goes through the same reader, so there is one code
 * path for both.
 *
 * Validation runs the checks in the order QuickFIX runs them, because the
 * acceptance suite expects the first problem QuickFIX would report: the
 * header/body/trailer order, then the MsgType, then required fields (by
 * tag), then each field in tag order (header, trailer, body): repeated,
 * empty, badly formatted, not an allowed value, unknown tag, not part of
 * this message, wrong repeating-group count.
 */
#include "engine/fix/fix-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DICT_MAX_TAG 20000
#define XML_MAX_DEPTH 64

/* ---- a minimal XML tree ---- */

struct xattr {
	char *name, *val;
};
struct xnode {
	char *name;
	struct xattr *attr;
	int nattr;
	struct xnode **kid;
	int nkid, capkid;
	int line;
};

static void xnode_free(struct xnode *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->nkid; i++)
		xnode_free(n->kid[i]);
	for (int i = 0; i < n->nattr; i++) {
		free(n->attr[i].name);
		free(n->attr[i].val);
	}
	free(n->attr);
	free(n->kid);
	free(n->name);
	free(n);
}

static const char *xattr_get(const struct xnode *n, const char *name)
{
	for (int i = 0; i < n->nattr; i++)
		if (!strcmp(n->attr[i].name, name))
			return n->attr[i].val;
	return NULL;
}

static int xkid_add(struct xnode *p, struct xnode *k)
{
	if (p->nkid == p->capkid) {
		int cap = p->capkid ? p->capkid * 2 : 8;
		struct xnode **nk = realloc(p->kid, (size_t)cap * sizeof *nk);
		if (!nk)
			return -1;
		p->kid = nk;
		p->capkid = cap;
	}
	p->kid[p->nkid++] = k;
	return 0;
}

static int is_name(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == ':' || c == '.';
}

/* Parses text into a tree under a synthetic root: 0, or -1 with err
 * naming the line. */
static int xml_parse(const char *s, size_t len, const char *what, struct xnode **out,
                     char *err, size_t errcap)
{
	struct xnode *root = calloc(1, sizeof *root);
	struct xnode *stack[XML_MAX_DEPTH];
	int depth = 0;
	size_t i = 0;
	int line = 1;
	if (!root || !(root->name = strdup("#root"))) {
		free(root);
		snprintf(err, errcap, "%s: out of memory", what);
		return -1;
	}
	stack[depth++] = root;
	while (i < len) {
		if (s[i] != '<') {
			if (s[i] == '\n')
				line++;
			i++;
			continue;
		}
		if (i + 4 <= len && !memcmp(s + i, "<!--", 4)) {
			const char *e = memmem(s + i, len - i, "-->", 3);
			if (!e)
				goto bad;
			for (const char *q = s + i; q < e; q++)
				line += *q == '\n';
			i = (size_t)(e - s) + 3;
			continue;
		}
		if (i + 1 < len && (s[i + 1] == '?' || s[i + 1] == '!')) {
			const char *e = memchr(s + i, '>', len - i);
			if (!e)
				goto bad;
			i = (size_t)(e - s) + 1;
			continue;
		}
		if (i + 1 < len && s[i + 1] == '/') {
			size_t j = i + 2, b = j;
			while (j < len && is_name(s[j]))
				j++;
			if (depth <= 1 || strlen(stack[depth - 1]->name) != j - b ||
			    memcmp(stack[depth - 1]->name, s + b, j - b))
				goto bad;
			while (j < len && s[j] != '>')
				j++;
			if (j >= len)
				goto bad;
			depth--;
			i = j + 1;
			continue;
		}
		size_t j = i + 1, b = j;
		while (j < len && is_name(s[j]))
			j++;
		if (j == b)
			goto bad;
		struct xnode *n = calloc(1, sizeof *n);
		if (!n || !(n->name = strndup(s + b, j - b))) {
			free(n);
			goto oom;
		}
		n->line = line;
		if (xkid_add(stack[depth - 1], n) < 0) {
			xnode_free(n);
			goto oom;
		}
		int closed = 0;
		for (;;) {
			while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')) {
				line += s[j] == '\n';
				j++;
			}
			if (j >= len)
				goto bad;
			if (s[j] == '>') {
				j++;
				break;
			}
			if (s[j] == '/' && j + 1 < len && s[j + 1] == '>') {
				closed = 1;
				j += 2;
				break;
			}
			size_t an = j;
			while (j < len && is_name(s[j]))
				j++;
			if (j == an || j >= len || s[j] != '=' || j + 1 >= len)
				goto bad;
			size_t anl = j - an;
			char q = s[j + 1];
			if (q != '\'' && q != '"')
				goto bad;
			size_t vb = j + 2;
			const char *ve = memchr(s + vb, q, len - vb);
			if (!ve)
				goto bad;
			struct xattr *na = realloc(n->attr, (size_t)(n->nattr + 1) * sizeof *na);
			if (!na)
				goto oom;
			n->attr = na;
			na[n->nattr].name = strndup(s + an, anl);
			na[n->nattr].val = strndup(s + vb, (size_t)(ve - s) - vb);
			n->nattr++;
			if (!na[n->nattr - 1].name || !na[n->nattr - 1].val)
				goto oom;
			j = (size_t)(ve - s) + 1;
		}
		if (!closed) {
			if (depth == XML_MAX_DEPTH)
				goto bad;
			stack[depth++] = n;
		}
		i = j;
	}
	if (depth != 1)
		goto bad;
	*out = root;
	return 0;
bad:
	snprintf(err, errcap, "%s:%d: not the XML of a data dictionary", what, line);
	xnode_free(root);
	return -1;
oom:
	snprintf(err, errcap, "%s: out of memory", what);
	xnode_free(root);
	return -1;
}

/* ---- the dictionary's tables ---- */

enum ftype {
	FT_STRING,
	FT_CHAR,
	FT_INT,
	FT_FLOAT,
	FT_BOOL,
	FT_TIMESTAMP,
	FT_TIMEONLY,
	FT_DATE,
	FT_MULTI,
	FT_DATA,        /* raw bytes: a NUL allowed; SOH too, when the
	                 * length field is right before it (fix_parse) */
};

struct dfield {
	char *name;
	enum ftype type;
	char **enums;
	int nenum;
};

struct dset;
struct dmember {
	int tag;
	int required;
	struct dset *group; /* when tag is a NumInGroup: its members */
};
struct dset {
	struct dmember *m;
	int n, cap;
};

struct dmsg {
	char type[8];
	struct dset set;
};

struct fix_dict {
	char version[16];
	struct dfield *field[DICT_MAX_TAG];
	struct dset header, trailer;
	struct dmsg *msg;
	int nmsg;
	/* Name lookups while loading: the components, and every field's
	 * name sorted for bsearch (a dictionary names fields tens of
	 * thousands of times once components are expanded). */
	const struct xnode *components;
	struct nametag *byname;
	int nbyname;
	int builtin; /* fix_dict_builtin's: it names D, F, G, H, 8, 9, j only */
};

struct nametag {
	const char *name;
	int tag;
};

static int nametag_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nametag *)a)->name, ((const struct nametag *)b)->name);
}

static void dset_free(struct dset *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->m[i].group) {
			dset_free(s->m[i].group);
			free(s->m[i].group);
		}
	free(s->m);
	s->m = NULL;
	s->n = s->cap = 0;
}

void fix_dict_free(struct fix_dict *d)
{
	if (!d)
		return;
	for (int t = 0; t < DICT_MAX_TAG; t++) {
		struct dfield *f = d->field[t];
		if (!f)
			continue;
		for (int i = 0; i < f->nenum; i++)
			free(f->enums[i]);
		free(f->enums);
		free(f->name);
		free(f);
	}
	free(d->byname);
	dset_free(&d->header);
	dset_free(&d->trailer);
	for (int i = 0; i < d->nmsg; i++)
		dset_free(&d->msg[i].set);
	free(d->msg);
	free(d);
}

const char *fix_dict_version(const struct fix_dict *d)
{
	return d->version;
}

static enum ftype type_of(const char *t)
{
	static const struct {
		const char *name;
		enum ftype type;
	} map[] = {
		{"CHAR", FT_CHAR},           {"INT", FT_INT},
		{"LENGTH", FT_INT},          {"SEQNUM", FT_INT},
		{"NUMINGROUP", FT_INT},      {"DAYOFMONTH", FT_INT},
		{"TAGNUM", FT_INT},          {"FLOAT", FT_FLOAT},
		{"PRICE", FT_FLOAT},         {"QTY", FT_FLOAT},
		{"AMT", FT_FLOAT},           {"PRICEOFFSET", FT_FLOAT},
		{"PERCENTAGE", FT_FLOAT},    {"BOOLEAN", FT_BOOL},
		{"UTCTIMESTAMP", FT_TIMESTAMP}, {"TIME", FT_TIMESTAMP},
		{"UTCTIMEONLY", FT_TIMEONLY}, {"UTCDATE", FT_DATE},
		{"UTCDATEONLY", FT_DATE},    {"MULTIPLEVALUESTRING", FT_MULTI},
		{"MULTIPLECHARVALUE", FT_MULTI},
		{"DATA", FT_DATA},           {"XMLDATA", FT_DATA},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i].name, t))
			return map[i].type;
	return FT_STRING;
}

static int tag_by_name(const struct fix_dict *d, const char *name)
{
	struct nametag key = {name, 0};
	const struct nametag *r =
		d->byname ? bsearch(&key, d->byname, (size_t)d->nbyname, sizeof key, nametag_cmp) : NULL;
	return r ? r->tag : -1;
}

static struct dmember *dset_add(struct dset *s, int tag, int required)
{
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		struct dmember *nm = realloc(s->m, (size_t)cap * sizeof *nm);
		if (!nm)
			return NULL;
		s->m = nm;
		s->cap = cap;
	}
	struct dmember *m = &s->m[s->n++];
	m->tag = tag;
	m->required = required;
	m->group = NULL;
	return m;
}

static const struct xnode *component_find(const struct fix_dict *d, const char *name)
{
	if (!d->components)
		return NULL;
	for (int i = 0; i < d->components->nkid; i++) {
		const struct xnode *c = d->components->kid[i];
		const char *n = xattr_get(c, "name");
		if (n && !strcmp(n, name))
			return c;
	}
	return NULL;
}

/* Adds node's <field>, <group> and <component> children to s; required
 * is cleared inside a component that is not itself required. */
static int dset_fill(struct fix_dict *d, struct dset *s, const struct xnode *node, int req_ok,
                     int depth, const char *what, char *err, size_t errcap)
{
	if (depth > 16) {
		snprintf(err, errcap, "%s:%d: components nest deeper than 16", what, node->line);
		return -1;
	}
	for (int i = 0; i < node->nkid; i++) {
		const struct xnode *k = node->kid[i];
		const char *name = xattr_get(k, "name");
		const char *r = xattr_get(k, "required");
		int req = req_ok && r && (r[0] == 'Y' || r[0] == 'y');
		if (!name) {
			snprintf(err, errcap, "%s:%d: <%s> without a name", what, k->line, k->name);
			return -1;
		}
		if (!strcmp(k->name, "component")) {
			const struct xnode *c = component_find(d, name);
			if (!c) {
				snprintf(err, errcap, "%s:%d: component %s is not defined", what, k->line, name);
				return -1;
			}
			if (dset_fill(d, s, c, req, depth + 1, what, err, errcap) < 0)
				return -1;
			continue;
		}
		if (strcmp(k->name, "field") && strcmp(k->name, "group"))
			continue;
		int tag = tag_by_name(d, name);
		if (tag < 0) {
			snprintf(err, errcap, "%s:%d: field %s is not defined", what, k->line, name);
			return -1;
		}
		struct dmember *m = dset_add(s, tag, req);
		if (!m)
			goto oom;
		if (!strcmp(k->name, "group")) {
			m->group = calloc(1, sizeof *m->group);
			if (!m->group)
				goto oom;
			if (dset_fill(d, m->group, k, 1, depth + 1, what, err, errcap) < 0)
				return -1;
			if (m->group->n == 0) {
				snprintf(err, errcap, "%s:%d: group %s has no fields", what, k->line, name);
				return -1;
			}
		}
	}
	return 0;
oom:
	snprintf(err, errcap, "%s: out of memory", what);
	return -1;
}

static int dict_build(struct fix_dict *d, const struct xnode *root, const char *what, char *err,
                      size_t errcap)
{
	const struct xnode *fix = NULL;
	for (int i = 0; i < root->nkid; i++)
		if (!strcmp(root->kid[i]->name, "fix"))
			fix = root->kid[i];
	if (!fix) {
		snprintf(err, errcap, "%s: no <fix> element", what);
		return -1;
	}
	const char *type = xattr_get(fix, "type"), *maj = xattr_get(fix, "major"),
		   *min = xattr_get(fix, "minor");
	if (!type || !maj || !min || strlen(maj) > 2 || strlen(min) > 2) {
		snprintf(err, errcap, "%s:%d: <fix> needs type, major and minor", what, fix->line);
		return -1;
	}
	snprintf(d->version, sizeof d->version, "%.4s.%s.%s", type, maj, min);
	const struct xnode *sec[5] = {0};
	static const char *secname[5] = {"header", "trailer", "messages", "components", "fields"};
	for (int i = 0; i < fix->nkid; i++)
		for (int k = 0; k < 5; k++)
			if (!strcmp(fix->kid[i]->name, secname[k]))
				sec[k] = fix->kid[i];
	if (!sec[0] || !sec[2] || !sec[4]) {
		snprintf(err, errcap, "%s: needs <header>, <messages> and <fields>", what);
		return -1;
	}
	d->components = sec[3];
	const struct xnode *fields = sec[4];
	for (int i = 0; i < fields->nkid; i++) {
		const struct xnode *f = fields->kid[i];
		if (strcmp(f->name, "field"))
			continue;
		const char *num = xattr_get(f, "number"), *name = xattr_get(f, "name"),
			   *ty = xattr_get(f, "type");
		char *end = NULL;
		long tag = num ? strtol(num, &end, 10) : -1;
		if (!num || !name || !ty || *end || tag <= 0 || tag >= DICT_MAX_TAG) {
			snprintf(err, errcap, "%s:%d: field needs number (1 to %d), name and type", what,
			         f->line, DICT_MAX_TAG - 1);
			return -1;
		}
		if (d->field[tag]) {
			snprintf(err, errcap, "%s:%d: field number %ld defined twice", what, f->line, tag);
			return -1;
		}
		struct dfield *df = calloc(1, sizeof *df);
		if (!df)
			goto oom;
		d->field[tag] = df;
		df->name = strdup(name);
		df->type = type_of(ty);
		if (!df->name)
			goto oom;
		for (int v = 0; v < f->nkid; v++) {
			const char *e = xattr_get(f->kid[v], "enum");
			if (strcmp(f->kid[v]->name, "value") || !e)
				continue;
			char **ne = realloc(df->enums, (size_t)(df->nenum + 1) * sizeof *ne);
			if (!ne)
				goto oom;
			df->enums = ne;
			if (!(ne[df->nenum] = strdup(e)))
				goto oom;
			df->nenum++;
		}
	}
	d->byname = malloc(DICT_MAX_TAG * sizeof *d->byname);
	if (!d->byname)
		goto oom;
	for (int t = 0; t < DICT_MAX_TAG; t++)
		if (d->field[t]) {
			d->byname[d->nbyname].name = d->field[t]->name;
			d->byname[d->nbyname++].tag = t;
		}
	qsort(d->byname, (size_t)d->nbyname, sizeof *d->byname, nametag_cmp);
	if (dset_fill(d, &d->header, sec[0], 1, 0, what, err, errcap) < 0)
		return -1;
	if (sec[1] && dset_fill(d, &d->trailer, sec[1], 1, 0, what, err, errcap) < 0)
		return -1;
	const struct xnode *msgs = sec[2];
	d->msg = calloc((size_t)msgs->nkid + 1, sizeof *d->msg);
	if (!d->msg)
		goto oom;
	for (int i = 0; i < msgs->nkid; i++) {
		const struct xnode *m = msgs->kid[i];
		if (strcmp(m->name, "message"))
			continue;
		const char *mt = xattr_get(m, "msgtype");
		if (!mt || !*mt || strlen(mt) >= sizeof d->msg[0].type) {
			snprintf(err, errcap, "%s:%d: message needs a msgtype of 1 to 7 characters", what,
			         m->line);
			return -1;
		}
		struct dmsg *dm = &d->msg[d->nmsg++];
		snprintf(dm->type, sizeof dm->type, "%s", mt);
		if (dset_fill(d, &dm->set, m, 1, 0, what, err, errcap) < 0)
			return -1;
	}
	d->components = NULL;
	free(d->byname);
	d->byname = NULL;
	return 0;
oom:
	snprintf(err, errcap, "%s: out of memory", what);
	return -1;
}

static int dict_from_text(struct fix_dict **out, const char *text, size_t len, const char *what,
                          char *err, size_t errcap)
{
	struct xnode *root = NULL;
	if (xml_parse(text, len, what, &root, err, errcap) < 0)
		return -1;
	struct fix_dict *d = calloc(1, sizeof *d);
	if (!d) {
		xnode_free(root);
		snprintf(err, errcap, "%s: out of memory", what);
		return -1;
	}
	int rc = dict_build(d, root, what, err, errcap);
	xnode_free(root);
	if (rc < 0) {
		fix_dict_free(d);
		return -1;
	}
	*out = d;
	return 0;
}

int fix_dict_load(struct fix_dict **out, const char *path, char *err, size_t errcap)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 65536 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			if (cap > (64u << 20)) {
				snprintf(err, errcap, "%s: larger than 64 MiB", path);
				goto fail;
			}
			char *nb = realloc(buf, cap);
			if (!nb) {
				snprintf(err, errcap, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		size_t r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errcap, "%s: read error", path);
		goto fail;
	}
	fclose(f);
	int rc = dict_from_text(out, buf, len, path, err, errcap);
	free(buf);
	return rc;
fail:
	fclose(f);
	free(buf);
	return -1;
}

/* The built-in dictionary: the session messages and the messages the
 * engine's application layer handles, with the fields they use.  Written
 * for tranche in the QuickFIX format; "VERSION" is replaced by the minor
 * version.  Fields that only one version knows are harmless in the other. */
static const char builtin_xml[] =
	"<fix type='FIX' major='4' minor='VERSION'>"
	"<header>"
	"<field name='BeginString' required='Y'/><field name='BodyLength' required='Y'/>"
	"<field name='MsgType' required='Y'/><field name='SenderCompID' required='Y'/>"
	"<field name='TargetCompID' required='Y'/><field name='OnBehalfOfCompID' required='N'/>"
	"<field name='DeliverToCompID' required='N'/><field name='MsgSeqNum' required='Y'/>"
	"<field name='SenderSubID' required='N'/><field name='TargetSubID' required='N'/>"
	"<field name='OnBehalfOfSubID' required='N'/><field name='DeliverToSubID' required='N'/>"
	"<field name='OnBehalfOfLocationID' required='N'/>"
	"<field name='DeliverToLocationID' required='N'/>"
	"<field name='PossDupFlag' required='N'/><field name='PossResend' required='N'/>"
	"<field name='SendingTime' required='Y'/><field name='OrigSendingTime' required='N'/>"
	"</header>"
	"<trailer><field name='CheckSum' required='Y'/></trailer>"
	"<messages>"
	"<message name='Heartbeat' msgtype='0' msgcat='admin'>"
	"<field name='TestReqID' required='N'/></message>"
	"<message name='TestRequest' msgtype='1' msgcat='admin'>"
	"<field name='TestReqID' required='Y'/></message>"
	"<message name='ResendRequest' msgtype='2' msgcat='admin'>"
	"<field name='BeginSeqNo' required='Y'/><field name='EndSeqNo' required='Y'/></message>"
	"<message name='Reject' msgtype='3' msgcat='admin'>"
	"<field name='RefSeqNum' required='Y'/><field name='RefTagID' required='N'/>"
	"<field name='RefMsgType' required='N'/><field name='SessionRejectReason' required='N'/>"
	"<field name='Text' required='N'/></message>"
	"<message name='SequenceReset' msgtype='4' msgcat='admin'>"
	"<field name='GapFillFlag' required='N'/><field name='NewSeqNo' required='Y'/></message>"
	"<message name='Logout' msgtype='5' msgcat='admin'>"
	"<field name='Text' required='N'/></message>"
	"<message name='Logon' msgtype='A' msgcat='admin'>"
	"<field name='EncryptMethod' required='Y'/><field name='HeartBtInt' required='Y'/>"
	"<field name='ResetSeqNumFlag' required='N'/><field name='MaxMessageSize' required='N'/>"
	"<field name='Username' required='N'/><field name='Password' required='N'/></message>"
	"<message name='NewOrderSingle' msgtype='D' msgcat='app'>"
	"<component name='Order' required='Y'/><field name='TransactTime' required='Y'/>"
	"<field name='OrdType' required='Y'/></message>"
	"<message name='OrderCancelRequest' msgtype='F' msgcat='app'>"
	"<field name='OrigClOrdID' required='Y'/><field name='OrderID' required='N'/>"
	"<field name='ClOrdID' required='Y'/><field name='Symbol' required='Y'/>"
	"<field name='Side' required='Y'/><field name='TransactTime' required='Y'/>"
	"<field name='OrderQty' required='N'/><field name='Text' required='N'/></message>"
	"<message name='OrderCancelReplaceRequest' msgtype='G' msgcat='app'>"
	"<field name='OrigClOrdID' required='Y'/><field name='OrderID' required='N'/>"
	"<component name='Order' required='Y'/><field name='TransactTime' required='Y'/>"
	"<field name='OrdType' required='Y'/></message>"
	"<message name='OrderStatusRequest' msgtype='H' msgcat='app'>"
	"<field name='OrderID' required='N'/><field name='ClOrdID' required='Y'/>"
	"<field name='Symbol' required='Y'/><field name='Side' required='Y'/></message>"
	"<message name='ExecutionReport' msgtype='8' msgcat='app'>"
	"<field name='OrderID' required='Y'/><field name='ClOrdID' required='N'/>"
	"<field name='OrigClOrdID' required='N'/><field name='ExecID' required='Y'/>"
	"<field name='ExecTransType' required='N'/><field name='ExecType' required='Y'/>"
	"<field name='OrdStatus' required='Y'/><field name='OrdRejReason' required='N'/>"
	"<field name='Symbol' required='Y'/><field name='Side' required='Y'/>"
	"<field name='OrderQty' required='N'/><field name='Price' required='N'/>"
	"<field name='LastQty' required='N'/><field name='LastPx' required='N'/>"
	"<field name='LastMkt' required='N'/><field name='LeavesQty' required='Y'/>"
	"<field name='CumQty' required='Y'/><field name='AvgPx' required='Y'/>"
	"<field name='TransactTime' required='N'/><field name='Text' required='N'/></message>"
	"<message name='OrderCancelReject' msgtype='9' msgcat='app'>"
	"<field name='OrderID' required='Y'/><field name='ClOrdID' required='Y'/>"
	"<field name='OrigClOrdID' required='Y'/><field name='OrdStatus' required='Y'/>"
	"<field name='CxlRejResponseTo' required='Y'/><field name='CxlRejReason' required='N'/>"
	"<field name='Text' required='N'/></message>"
	"<message name='BusinessMessageReject' msgtype='j' msgcat='app'>"
	"<field name='RefSeqNum' required='N'/><field name='RefMsgType' required='Y'/>"
	"<field name='BusinessRejectRefID' required='N'/>"
	"<field name='BusinessRejectReason' required='Y'/><field name='Text' required='N'/>"
	"</message>"
	"</messages>"
	"<components>"
	"<component name='Order'>"
	"<field name='ClOrdID' required='Y'/><field name='Account' required='N'/>"
	"<field name='HandlInst' required='N'/><field name='ExecInst' required='N'/>"
	"<field name='Symbol' required='Y'/><field name='Side' required='Y'/>"
	"<field name='OrderQty' required='N'/><field name='Price' required='N'/>"
	"<field name='TimeInForce' required='N'/><field name='EffectiveTime' required='N'/>"
	"<field name='ExpireTime' required='N'/><field name='TargetStrategy' required='N'/>"
	"<field name='ParticipationRate' required='N'/><field name='Text' required='N'/>"
	/* The engine's user-defined tags (tranche-fix(7), APPLICATION
	 * MESSAGES): a NewOrderSingle may carry them. */
	"<field name='MaxParticipation' required='N'/><field name='Aggression' required='N'/>"
	"<field name='VenueSet' required='N'/><field name='AtEnd' required='N'/>"
	"<field name='CatchUp' required='N'/><field name='CatchUpMax' required='N'/>"
	"<field name='ExDestination' required='N'/></component>"
	"</components>"
	"<fields>"
	"<field number='1' name='Account' type='STRING'/>"
	"<field number='6' name='AvgPx' type='PRICE'/>"
	"<field number='7' name='BeginSeqNo' type='SEQNUM'/>"
	"<field number='8' name='BeginString' type='STRING'/>"
	"<field number='9' name='BodyLength' type='LENGTH'/>"
	"<field number='10' name='CheckSum' type='STRING'/>"
	"<field number='11' name='ClOrdID' type='STRING'/>"
	"<field number='14' name='CumQty' type='QTY'/>"
	"<field number='16' name='EndSeqNo' type='SEQNUM'/>"
	"<field number='17' name='ExecID' type='STRING'/>"
	"<field number='18' name='ExecInst' type='MULTIPLEVALUESTRING'/>"
	"<field number='20' name='ExecTransType' type='CHAR'>"
	"<value enum='0'/><value enum='1'/><value enum='2'/><value enum='3'/></field>"
	"<field number='21' name='HandlInst' type='CHAR'>"
	"<value enum='1'/><value enum='2'/><value enum='3'/></field>"
	"<field number='30' name='LastMkt' type='EXCHANGE'/>"
	"<field number='31' name='LastPx' type='PRICE'/>"
	"<field number='32' name='LastQty' type='QTY'/>"
	"<field number='34' name='MsgSeqNum' type='SEQNUM'/>"
	"<field number='35' name='MsgType' type='STRING'/>"
	"<field number='36' name='NewSeqNo' type='SEQNUM'/>"
	"<field number='37' name='OrderID' type='STRING'/>"
	"<field number='38' name='OrderQty' type='QTY'/>"
	"<field number='39' name='OrdStatus' type='CHAR'>"
	"<value enum='0'/><value enum='1'/><value enum='2'/><value enum='4'/>"
	"<value enum='5'/><value enum='6'/><value enum='8'/><value enum='9'/>"
	"<value enum='A'/><value enum='C'/><value enum='E'/></field>"
	"<field number='40' name='OrdType' type='CHAR'>"
	"<value enum='1'/><value enum='2'/></field>"
	"<field number='41' name='OrigClOrdID' type='STRING'/>"
	"<field number='43' name='PossDupFlag' type='BOOLEAN'/>"
	"<field number='44' name='Price' type='PRICE'/>"
	"<field number='45' name='RefSeqNum' type='SEQNUM'/>"
	"<field number='49' name='SenderCompID' type='STRING'/>"
	"<field number='50' name='SenderSubID' type='STRING'/>"
	"<field number='52' name='SendingTime' type='UTCTIMESTAMP'/>"
	"<field number='54' name='Side' type='CHAR'>"
	"<value enum='1'/><value enum='2'/><value enum='5'/><value enum='6'/></field>"
	"<field number='55' name='Symbol' type='STRING'/>"
	"<field number='56' name='TargetCompID' type='STRING'/>"
	"<field number='57' name='TargetSubID' type='STRING'/>"
	"<field number='58' name='Text' type='STRING'/>"
	"<field number='59' name='TimeInForce' type='CHAR'>"
	"<value enum='0'/><value enum='1'/><value enum='2'/><value enum='3'/>"
	"<value enum='4'/><value enum='6'/></field>"
	"<field number='60' name='TransactTime' type='UTCTIMESTAMP'/>"
	"<field number='97' name='PossResend' type='BOOLEAN'/>"
	"<field number='98' name='EncryptMethod' type='INT'><value enum='0'/></field>"
	"<field number='100' name='ExDestination' type='EXCHANGE'/>"
	"<field number='102' name='CxlRejReason' type='INT'/>"
	"<field number='103' name='OrdRejReason' type='INT'/>"
	"<field number='108' name='HeartBtInt' type='INT'/>"
	"<field number='112' name='TestReqID' type='STRING'/>"
	"<field number='115' name='OnBehalfOfCompID' type='STRING'/>"
	"<field number='116' name='OnBehalfOfSubID' type='STRING'/>"
	"<field number='122' name='OrigSendingTime' type='UTCTIMESTAMP'/>"
	"<field number='123' name='GapFillFlag' type='BOOLEAN'/>"
	"<field number='126' name='ExpireTime' type='UTCTIMESTAMP'/>"
	"<field number='128' name='DeliverToCompID' type='STRING'/>"
	"<field number='129' name='DeliverToSubID' type='STRING'/>"
	"<field number='141' name='ResetSeqNumFlag' type='BOOLEAN'/>"
	"<field number='144' name='OnBehalfOfLocationID' type='STRING'/>"
	"<field number='145' name='DeliverToLocationID' type='STRING'/>"
	"<field number='150' name='ExecType' type='CHAR'/>"
	"<field number='151' name='LeavesQty' type='QTY'/>"
	"<field number='168' name='EffectiveTime' type='UTCTIMESTAMP'/>"
	"<field number='371' name='RefTagID' type='INT'/>"
	"<field number='372' name='RefMsgType' type='STRING'/>"
	"<field number='373' name='SessionRejectReason' type='INT'/>"
	"<field number='379' name='BusinessRejectRefID' type='STRING'/>"
	"<field number='380' name='BusinessRejectReason' type='INT'/>"
	"<field number='383' name='MaxMessageSize' type='LENGTH'/>"
	"<field number='434' name='CxlRejResponseTo' type='CHAR'>"
	"<value enum='1'/><value enum='2'/></field>"
	"<field number='553' name='Username' type='STRING'/>"
	"<field number='554' name='Password' type='STRING'/>"
	"<field number='847' name='TargetStrategy' type='INT'/>"
	"<field number='849' name='ParticipationRate' type='PERCENTAGE'/>"
	"<field number='5001' name='MaxParticipation' type='FLOAT'/>"
	"<field number='5002' name='Aggression' type='STRING'/>"
	"<field number='5003' name='VenueSet' type='STRING'/>"
	"<field number='5004' name='AtEnd' type='STRING'/>"
	"<field number='5005' name='CatchUp' type='FLOAT'/>"
	"<field number='5006' name='CatchUpMax' type='FLOAT'/>"
	"</fields>"
	"</fix>";

int fix_dict_builtin(struct fix_dict **out, const char *version, char *err, size_t errcap)
{
	const char *minor;
	if (!strcmp(version, "FIX.4.2"))
		minor = "2";
	else if (!strcmp(version, "FIX.4.4"))
		minor = "4";
	else {
		snprintf(err, errcap, "version %s: no built-in dictionary (FIX.4.2, FIX.4.4)", version);
		return -1;
	}
	char *text = malloc(sizeof builtin_xml);
	if (!text) {
		snprintf(err, errcap, "built-in dictionary: out of memory");
		return -1;
	}
	const char *v = strstr(builtin_xml, "VERSION");
	size_t pre = (size_t)(v - builtin_xml);
	memcpy(text, builtin_xml, pre);
	text[pre] = minor[0];
	size_t rest = sizeof builtin_xml - pre - 7;
	memcpy(text + pre + 1, v + 7, rest);
	int rc = dict_from_text(out, text, pre + 1 + rest - 1, "built-in dictionary", err, errcap);
	free(text);
	if (rc != 0)
		return rc;
	(*out)->builtin = 1;
	/* FIX.4.2 requires HandlInst(21) in D and G (FIX42.xml); the text is
	 * shared with FIX.4.4, which does not (found by an independent probe:
	 * a 4.2 D without it became a block). */
	if (minor[0] == '2')
		for (int i = 0; i < (*out)->nmsg; i++) {
			struct dmsg *dm = &(*out)->msg[i];

			if (strcmp(dm->type, "D") != 0 && strcmp(dm->type, "G") != 0)
				continue;
			for (int k = 0; k < dm->set.n; k++)
				if (dm->set.m[k].tag == 21)
					dm->set.m[k].required = 1;
		}
	return 0;
}

/* Whether mt is an application message type of the FIX version (FIX42.xml
 * and FIX44.xml's msgcat 'app'): one the built-in dictionary does not name
 * is a message this engine does not take (BusinessMessageReject 380=3),
 * not an invalid MsgType (Reject 373=11). */
static int std_app_type(const char *version, const char *mt)
{
	static const char *const one = "6789BCDEFGHJKLMNPQRSTVWXYZabcdefghijklm";
	static const char *const one44 = "opqrstuvwxyz";
	int v44 = strcmp(version, "FIX.4.4") == 0;

	if (mt[0] != '\0' && mt[1] == '\0')
		return strchr(one, mt[0]) != NULL ||
		    (v44 && strchr(one44, mt[0]) != NULL);
	/* FIX.4.4: AA to BH. */
	return v44 && mt[2] == '\0' && ((mt[0] == 'A' && mt[1] >= 'A' &&
	    mt[1] <= 'Z') || (mt[0] == 'B' && mt[1] >= 'A' && mt[1] <= 'H'));
}

/* Whether tag is a field the FIX version defines (FIX42.xml's 1 to 446
 * and FIX44.xml's 1 to 956, each without the numbers it leaves out): one
 * the built-in dictionary does not name is a tag not defined for this
 * message (373=2), as a full dictionary answers it, not an invalid tag
 * number (373=0). */
int fix_std_tag(const char *version, int tag)
{
	static const short gaps42[][2] = {{101, 101}, {220, 222}, {224, 230},
	    {232, 261}};
	static const short gaps44[][2] = {{20, 20}, {24, 24}, {46, 47},
	    {51, 51}, {76, 76}, {86, 86}, {92, 92}, {101, 101}, {105, 105},
	    {109, 109}, {125, 125}, {166, 166}, {173, 187}, {204, 205},
	    {219, 219}, {261, 261}, {314, 314}, {319, 319}, {370, 370},
	    {439, 440}, {449, 450}, {465, 465}, {653, 653}, {685, 685},
	    {809, 809}, {831, 831}};
	int v44 = strcmp(version, "FIX.4.4") == 0;
	const short (*g)[2] = v44 ? gaps44 : gaps42;
	size_t ng = v44 ? sizeof gaps44 / sizeof gaps44[0] :
	    sizeof gaps42 / sizeof gaps42[0];

	if (tag < 1 || tag > (v44 ? 956 : 446))
		return 0;
	for (size_t i = 0; i < ng; i++)
		if (tag >= g[i][0] && tag <= g[i][1])
			return 0;
	return 1;
}

/* ---- validation ---- */

static const struct dmsg *msg_find(const struct fix_dict *d, const char *type)
{
	for (int i = 0; i < d->nmsg; i++)
		if (!strcmp(d->msg[i].type, type))
			return &d->msg[i];
	return NULL;
}

int fix_dict_has_msg(const struct fix_dict *d, const char *msgtype)
{
	return msg_find(d, msgtype) != NULL;
}

static const struct dmember *dset_find(const struct dset *s, int tag)
{
	for (int i = 0; i < s->n; i++)
		if (s->m[i].tag == tag)
			return &s->m[i];
	return NULL;
}

const char *fix_reject_text(int reason)
{
	switch (reason) {
	case FIX_REJ_INVALID_TAG: return "Invalid tag number";
	case FIX_REJ_REQUIRED_MISSING: return "Required tag missing";
	case FIX_REJ_TAG_NOT_IN_MSG: return "Tag not defined for this message type";
	case FIX_REJ_NO_VALUE: return "Tag specified without a value";
	case FIX_REJ_BAD_VALUE: return "Value is incorrect (out of range) for this tag";
	case FIX_REJ_BAD_FORMAT: return "Incorrect data format for value";
	case FIX_REJ_COMPID: return "CompID problem";
	case FIX_REJ_SENDING_TIME: return "SendingTime accuracy problem";
	case FIX_REJ_INVALID_MSGTYPE: return "Invalid MsgType";
	case FIX_REJ_REPEATED_TAG: return "Tag appears more than once";
	case FIX_REJ_OUT_OF_ORDER: return "Tag specified out of required order";
	case FIX_REJ_GROUP_COUNT: return "Incorrect NumInGroup count for repeating group";
	default: return "Invalid message";
	}
}

static int fmt_ok(enum ftype t, const char *v, int n)
{
	int i = 0, dig = 0, dot = 0;
	/* Only raw data may hold a NUL: anywhere else the value would be read
	 * as the text before it (a ClOrdID "A<NUL>B" as "A"). */
	if (t != FT_DATA && memchr(v, '\0', (size_t)n) != NULL)
		return 0;
	switch (t) {
	case FT_INT:
		if (i < n && v[i] == '-')
			i++;
		for (; i < n; i++, dig++)
			if (v[i] < '0' || v[i] > '9')
				return 0;
		return dig > 0;
	case FT_FLOAT:
		if (i < n && v[i] == '-')
			i++;
		for (; i < n; i++) {
			if (v[i] == '.' && !dot)
				dot = 1;
			else if (v[i] >= '0' && v[i] <= '9')
				dig++;
			else
				return 0;
		}
		return dig > 0;
	case FT_CHAR:
		return n == 1;
	case FT_BOOL:
		return n == 1 && (v[0] == 'Y' || v[0] == 'N');
	case FT_TIMESTAMP: {
		int64_t ns;
		return fix_time_parse(v, n, &ns) == 0;
	}
	case FT_TIMEONLY:
		if (n != 8 && n != 12)
			return 0;
		for (i = 0; i < n; i++) {
			int colon = i == 2 || i == 5, point = i == 8;
			if (colon ? v[i] != ':' : point ? v[i] != '.' : (v[i] < '0' || v[i] > '9'))
				return 0;
		}
		return 1;
	case FT_DATE:
		if (n != 8)
			return 0;
		for (i = 0; i < n; i++)
			if (v[i] < '0' || v[i] > '9')
				return 0;
		return 1;
	default:
		return 1;
	}
}

static int enum_ok(const struct dfield *f, const char *v, int n)
{
	if (!f->nenum)
		return 1;
	if (f->type == FT_MULTI) {
		int i = 0;
		while (i < n) {
			int j = i;
			while (j < n && v[j] != ' ')
				j++;
			int found = 0;
			for (int k = 0; k < f->nenum && !found; k++)
				found = (int)strlen(f->enums[k]) == j - i && !memcmp(f->enums[k], v + i, (size_t)(j - i));
			if (!found)
				return 0;
			i = j + 1;
		}
		return 1;
	}
	for (int k = 0; k < f->nenum; k++)
		if ((int)strlen(f->enums[k]) == n && !memcmp(f->enums[k], v, (size_t)n))
			return 1;
	return 0;
}

/* Per-field facts gathered in one walk of the body in wire order. */
struct fcheck {
	int tag;
	int section; /* 0 header, 1 trailer, 2 body */
	int problem; /* a FIX_REJ_*, or -1 */
};

/* Walks fields [i, n) as members of set s (a message or a group entry);
 * returns the index after the last field it took. */
static int walk_set(const struct fix_dict *d, const struct fix_msg *m, int i, int n,
                    const struct dset *s, int is_group, struct fcheck *fc, int *missing)
{
	/* Tags seen at this level, to find repeats; a group entry ends at a
	 * repeat of one of its own tags. */
	int seen_cap = s->n + 64;
	int *seen = calloc((size_t)seen_cap, sizeof *seen);
	int nseen = 0;
	while (i < n) {
		int tag = m->f[i].tag;
		if (fc[i].section != 2) {
			if (is_group)
				break;
			i++;
			continue;
		}
		const struct dmember *mem = dset_find(s, tag);
		if (is_group && (!mem || (nseen > 0 && tag == s->m[0].tag)))
			break;
		int rep = 0;
		for (int k = 0; k < nseen; k++)
			if (seen[k] == tag)
				rep = 1;
		if (rep && is_group)
			break;
		if (seen && nseen < seen_cap)
			seen[nseen++] = tag;
		if (rep)
			fc[i].problem = FIX_REJ_REPEATED_TAG;
		else if (!mem && tag > 0 && tag < DICT_MAX_TAG && d->field[tag])
			fc[i].problem = FIX_REJ_TAG_NOT_IN_MSG;
		i++;
		if (mem && mem->group) {
			long count = 0;
			int ci = i - 1;
			for (int k = 0; k < m->f[ci].len && count < 1000000; k++)
				count = count * 10 + (m->f[ci].val[k] - '0');
			int entries = 0;
			while (i < n && m->f[i].tag == mem->group->m[0].tag && fc[i].section == 2) {
				/* Required fields of each entry. */
				int j = walk_set(d, m, i, n, mem->group, 1, fc, missing);
				for (int r = 0; r < mem->group->n; r++) {
					if (!mem->group->m[r].required)
						continue;
					int found = 0;
					for (int q = i; q < j && !found; q++)
						found = m->f[q].tag == mem->group->m[r].tag;
					if (!found && (*missing == 0 || mem->group->m[r].tag < *missing))
						*missing = mem->group->m[r].tag;
				}
				i = j;
				entries++;
			}
			if (fc[ci].problem < 0 && entries != count)
				fc[ci].problem = FIX_REJ_GROUP_COUNT;
		}
	}
	free(seen);
	return i;
}

int fix_dict_validate(const struct fix_dict *d, const struct fix_msg *m, struct fix_rej *r)
{
	int n = m->n;
	char mt[8] = "";
	if (n < 3 || m->f[2].len <= 0 || m->f[2].len >= (int)sizeof mt) {
		r->reason = FIX_REJ_INVALID_MSGTYPE;
		r->has_ref = 0;
		return 1;
	}
	memcpy(mt, m->f[2].val, (size_t)m->f[2].len);
	struct fcheck *fc = calloc((size_t)n, sizeof *fc);
	if (!fc) {
		r->reason = FIX_REJ_INVALID_MSGTYPE;
		r->has_ref = 0;
		return 1;
	}
	/* Sections, and the order: header, then body, then trailer. */
	int stage = 0, bad_order = 0;
	for (int i = 0; i < n; i++) {
		int tag = m->f[i].tag;
		fc[i].tag = tag;
		fc[i].problem = -1;
		int sec = dset_find(&d->header, tag) ? 0 : dset_find(&d->trailer, tag) ? 1 : 2;
		fc[i].section = sec;
		int want = sec == 0 ? 0 : sec == 2 ? 1 : 2;
		if (want < stage && !bad_order)
			bad_order = tag;
		if (want > stage)
			stage = want;
		/* Header and trailer tags may not repeat anywhere. */
		if (sec != 2)
			for (int j = 0; j < i; j++)
				if (m->f[j].tag == tag)
					fc[i].problem = FIX_REJ_REPEATED_TAG;
	}
	int rc = 0;
	if (bad_order) {
		r->reason = FIX_REJ_OUT_OF_ORDER;
		r->reftag = bad_order;
		r->has_ref = 1;
		rc = 1;
		goto out;
	}
	const struct dmsg *dm = msg_find(d, mt);
	if (!dm && d->builtin && std_app_type(d->version, mt)) {
		/* Its header is whole: the application answers it with a
		 * BusinessMessageReject. */
		rc = 0;
		goto out;
	}
	if (!dm) {
		r->reason = FIX_REJ_INVALID_MSGTYPE;
		r->has_ref = 0;
		rc = 1;
		goto out;
	}
	int missing = 0;
	walk_set(d, m, 0, n, &dm->set, 0, fc, &missing);
	/* Required: header, trailer, then body (each by tag). */
	const struct dset *req[3] = {&d->header, &d->trailer, &dm->set};
	for (int s = 0; s < 3; s++) {
		int best = 0;
		for (int k = 0; k < req[s]->n; k++) {
			if (!req[s]->m[k].required)
				continue;
			int tag = req[s]->m[k].tag, found = 0;
			for (int i = 0; i < n && !found; i++)
				found = m->f[i].tag == tag;
			if (!found && (!best || tag < best))
				best = tag;
		}
		if (s == 2 && missing && (!best || missing < best))
			best = missing;
		if (best) {
			r->reason = FIX_REJ_REQUIRED_MISSING;
			r->reftag = best;
			r->has_ref = 1;
			rc = 1;
			goto out;
		}
	}
	/* Each field: header, trailer, body, each in tag order; the first
	 * field with a problem is reported with its first problem. */
	int best_i = -1, best_reason = 0;
	for (int i = 0; i < n; i++) {
		int tag = m->f[i].tag, reason = -1;
		const struct dfield *f = tag > 0 && tag < DICT_MAX_TAG ? d->field[tag] : NULL;
		if (fc[i].problem == FIX_REJ_REPEATED_TAG)
			reason = FIX_REJ_REPEATED_TAG;
		else if (m->f[i].len == 0)
			reason = FIX_REJ_NO_VALUE;
		else if (f && !fmt_ok(f->type, m->f[i].val, m->f[i].len))
			reason = FIX_REJ_BAD_FORMAT;
		else if (f && !enum_ok(f, m->f[i].val, m->f[i].len))
			reason = FIX_REJ_BAD_VALUE;
		else if (!f)
			reason = d->builtin && fix_std_tag(d->version, tag) ?
			    FIX_REJ_TAG_NOT_IN_MSG : FIX_REJ_INVALID_TAG;
		else if (fc[i].problem >= 0)
			reason = fc[i].problem;
		if (reason < 0)
			continue;
		int key = fc[i].section == 0 ? 0 : fc[i].section == 1 ? 1 : 2;
		if (best_i < 0) {
			best_i = i;
			best_reason = reason;
			continue;
		}
		int bkey = fc[best_i].section == 0 ? 0 : fc[best_i].section == 1 ? 1 : 2;
		if (key < bkey || (key == bkey && tag < m->f[best_i].tag)) {
			best_i = i;
			best_reason = reason;
		}
	}
	if (best_i >= 0) {
		r->reason = best_reason;
		r->reftag = m->f[best_i].tag;
		r->has_ref = 1;
		rc = 1;
	}
out:
	free(fc);
	return rc;
}
