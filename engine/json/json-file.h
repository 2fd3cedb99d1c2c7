/*
 * engine/json/json-file.h -- reading the JSON files people write (a
 * scenario, a policy model, a news line, the FIX sessions file) as every
 * other reader of them would.  cJSON keeps the last of a key given twice
 * where another reader keeps the first or refuses, and stops at the end
 * of the first value whatever follows; a file it reads differently from
 * the person's editor or script could trade differently from what they
 * checked.  The protocol's commands have a stricter check of their own
 * (ipc_json_strict); this is the part of it that files need, below every
 * layer that reads one.
 */
#ifndef TRANCHE_JSON_FILE_H
#define TRANCHE_JSON_FILE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Parse text (len bytes) as one JSON value with nothing but whitespace
 * after it and no key twice in any object.  The tree (cJSON_Delete it),
 * or NULL with err saying what is wrong and where: "not valid JSON (at
 * byte 120)", "12 bytes after the JSON value (from byte 3301): \"} ...\"",
 * "\"orders\" appears twice in the top-level object", "\"qty\" appears
 * twice in orders.0"; *at (when at is not NULL) the byte where the
 * parse failed or what follows the value starts, SIZE_MAX for a key
 * given twice, else len. */
cJSON *json_parse_strict(const char *text, size_t len, size_t *at,
                         char *err, size_t errlen);

/* A file's free text (a news headline) made fit for a screen: -1 when s
 * is not valid UTF-8 (overlong forms, surrogates, past U+10FFFF, cut
 * short), s unchanged; else 0, with its control characters (C0, DEL, C1)
 * removed in place. */
int json_text_clean(char *s);
/* 1 when s is valid UTF-8 with no control character (C0, DEL, C1). */
int json_text_ok(const char *s);
/* src for a message, into dst (n bytes): at most max bytes of it, valid
 * UTF-8 as it is, each control character (C0, DEL, C1) and each byte that
 * is not UTF-8 as \xNN, and "..." whenever anything was left out.
 * Returns dst. */
char *json_text_show(char *dst, size_t n, const char *src, size_t max);

#endif
