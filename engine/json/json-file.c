/*
 * engine/json/json-file.c -- one JSON value, nothing after it, no key twice
 * (json-file.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/json/json-file.h"
#include "ipc/utf8.h"

/* The first key of o (an object, at path) given twice, anywhere below it;
 * 0, or -1 with err. */
static int
json_dups(const cJSON *o, char *path, size_t cap, char *err, size_t errlen)
{
	const cJSON *a, *b;
	size_t len = strlen(path);
	int i = 0;

	if (cJSON_IsObject(o))
		for (a = o->child; a != NULL; a = a->next)
			for (b = a->next; b != NULL; b = b->next)
				if (a->string != NULL && b->string != NULL &&
				    strcmp(a->string, b->string) == 0) {
					snprintf(err, errlen, "\"%.64s\" appears twice in "
					    "%s%s (readers differ on which counts)",
					    a->string, len ? "" : "the top-level object",
					    path);
					return -1;
				}
	for (a = o->child; a != NULL; a = a->next, i++) {
		if (!cJSON_IsObject(a) && !cJSON_IsArray(a))
			continue;
		if (cJSON_IsObject(o))
			snprintf(path + len, cap - len, "%s%.64s", len ? "." : "",
			    a->string != NULL ? a->string : "?");
		else
			snprintf(path + len, cap - len, "%s%d", len ? "." : "", i);
		if (json_dups(a, path, cap, err, errlen) != 0)
			return -1;
		path[len] = '\0';
	}
	return 0;
}

cJSON *
json_parse_strict(const char *text, size_t len, size_t *at_out, char *err,
                  size_t errlen)
{
	const char *end = NULL, *p;
	char path[256] = "";
	cJSON *o = cJSON_ParseWithLengthOpts(text, len, &end, 0);

	if (at_out != NULL)
		*at_out = len;
	if (o == NULL) {
		const char *at = cJSON_GetErrorPtr();

		if (at != NULL && at >= text && at <= text + len) {
			snprintf(err, errlen, "not valid JSON (at byte %zu)",
			    (size_t)(at - text));
			if (at_out != NULL)
				*at_out = (size_t)(at - text);
		} else
			snprintf(err, errlen, "not valid JSON");
		return NULL;
	}
	/* cJSON ends a string at \u0000 and keeps what came before: a
	 * headline or a name silently cut.  Escapes come in pairs, so a
	 * backslash always starts one. */
	for (size_t i = 0; i + 1 < len; i++)
		if (text[i] == '\\') {
			if (text[i + 1] == 'u' && i + 5 < len &&
			    strncmp(text + i + 2, "0000", 4) == 0) {
				snprintf(err, errlen, "\\u0000 in a string (at byte "
				    "%zu): it would cut the string there", i);
				if (at_out != NULL)
					*at_out = i;
				cJSON_Delete(o);
				return NULL;
			}
			i++;
		}
	for (p = end; p != NULL && p < text + len; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			const char *last = text + len;
			char shown[24];
			size_t k = 0;

			while (last > p && (last[-1] == ' ' || last[-1] == '\t' ||
			    last[-1] == '\n' || last[-1] == '\r'))
				last--;
			for (const char *q = p; q < last && k + 1 < sizeof shown;
			    q++)
				shown[k++] = *q >= 0x20 && *q < 0x7f ? *q : '?';
			shown[k] = '\0';
			snprintf(err, errlen, "%zu bytes after the JSON value (from "
			    "byte %zu): \"%s%s\"", (size_t)(last - p),
			    (size_t)(p - text), shown, (size_t)(last - p) > k ?
			    "..." : "");
			if (at_out != NULL)
				*at_out = (size_t)(p - text);
			cJSON_Delete(o);
			return NULL;
		}
	if (json_dups(o, path, sizeof path, err, errlen) != 0) {
		if (at_out != NULL)
			*at_out = SIZE_MAX; /* a tree has no byte offsets */
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The length of the UTF-8 character at p (NUL-terminated) and its code
 * point, or 0 when the bytes there are not one (ipc/utf8.h: the wire's
 * decoder; the NUL at the end ends any sequence). */
static size_t
json_utf8(const unsigned char *p, uint32_t *cp)
{
	return tranche_utf8(p, SIZE_MAX, cp);
}

int
json_text_clean(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = (unsigned char *)s;
	uint32_t c;
	size_t n;

	for (const unsigned char *p = r; *p != '\0'; p += n)
		if ((n = json_utf8(p, &c)) == 0)
			return -1;
	for (; *r != '\0'; r += n) {
		n = json_utf8(r, &c);
		if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
			continue;
		memmove(w, r, n);
		w += n;
	}
	*w = '\0';
	return 0;
}

int
json_text_ok(const char *s)
{
	uint32_t c;
	size_t n;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
	    p += n)
		if ((n = json_utf8(p, &c)) == 0 || c < 0x20 ||
		    (c >= 0x7f && c <= 0x9f))
			return 0;
	return 1;
}

char *
json_text_show(char *dst, size_t n, const char *src, size_t max)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t j = 0, k;
	uint32_t c;

	while (*p != '\0' && (size_t)(p - (const unsigned char *)src) < max &&
	    j + 8 < n) {
		k = json_utf8(p, &c);
		if (k == 0 || c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
			k = k == 0 ? 1 : k;
			for (size_t i = 0; i < k; i++)
				j += (size_t)snprintf(dst + j, n - j, "\\x%02x", p[i]);
		} else {
			memcpy(dst + j, p, k);
			j += k;
		}
		p += k;
	}
	dst[j] = '\0';
	if (*p != '\0' && j + 4 <= n)
		memcpy(dst + j, "...", 4);
	return dst;
}
