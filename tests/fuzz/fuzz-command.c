/*
 * tests/fuzz/fuzz-command.c -- a libFuzzer target for everything a peer's
 * bytes reach before and during a command: the codec (ipc_command_parse,
 * ipc_json_strict, ipc_event_parse, ipc_json_depth, ipc_strip_controls,
 * ipc_show, ipc_utf8_cut) and the engine's
 * dispatcher (server_command: idempotency, roles, reasons, every handler's
 * field checks), with a real market and execution layer from the calm
 * scenario and no sockets, loop or journal.
 *
 * Each input is dispatched three times, as three peers the engine tells
 * apart: a local peer that never said hello (a viewer), a tcp:// peer with
 * no token (auth refusals), and a local peer that said hello as supervisor
 * (every handler).  Sessions and remembered ids are cleared before each
 * input, and the whole engine is rebuilt after any input a handler accepted
 * as a change, so an input means the same thing whatever ran before it.
 *
 * What an accepted command must be: every string and key valid UTF-8, and
 * no control character outside the free text of reason and client; what
 * ipc_json_strict() accepts, cJSON must parse; and every reply is valid
 * UTF-8, so no peer's bytes come back raw.
 *
 * Built two ways: scripts/fuzz links it with -fsanitize=fuzzer; the
 * fuzz-command program in ctest links it with fuzz-driver.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/server/server-int.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct server *fz;
static int fz_dirty;

static void
fz_emit(void *arg, const char *topic, cJSON *payload)
{
	server_publish(arg, topic, payload);
}

static void
fz_free(void)
{
	if (fz == NULL)
		return;
	exec_free(fz->x);
	market_free(fz->m);
	scenario_free(&fz->sc);
	for (int i = 0; i < RING_SIZE; i++) {
		free(fz->decisions.items[i]);
		free(fz->alerts.items[i]);
		free(fz->audits.items[i]);
		free(fz->refusals.items[i]);
	}
	server_idem_free(fz);
	server_sessions_free(fz);
	free(fz->snap_text);
	for (size_t i = 0; i < fz->nout; i++)
		free(fz->out[i].buf);
	free(fz->out);
	free(fz);
	fz = NULL;
}

static void
fz_build(void)
{
	static const struct server_opts o = { .scenario = "calm", .seed = 1,
	    .speed = 1, .name = "fuzz" };
	struct exec_emit em;
	char err[1024];

	fz_free();
	if ((fz = calloc(1, sizeof *fz)) == NULL)
		abort();
	fz->opts = &o;
	fz->speed = 1;
	snprintf(fz->name, sizeof fz->name, "fuzz");
	snprintf(fz->events_url, sizeof fz->events_url, "ipc:///fuzz.events");
	snprintf(fz->jpath, sizeof fz->jpath, "/dev/null");
	if (scenario_load(&fz->sc, o.scenario, NULL, 0, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz-command: %s\n", err);
		abort();
	}
	if (market_sim_new(&fz->m, &fz->sc.markets[0], o.seed,
	    fz->sc.open - fz->sc.warmup) != 0)
		abort();
	em.emit = fz_emit;
	em.arg = fz;
	if (exec_new(&fz->x, fz->m, &em) != 0)
		abort();
	for (int i = 0; i < fz->sc.norders; i++)
		if (exec_submit(fz->x, &fz->sc.orders[i], NULL, err,
		    sizeof err) != 0)
			abort();
	fz->t = fz->sc.open;
	market_advance(fz->m, fz->t - 1);
	/* One token so hello's token paths run. */
	fz->ntokens = 1;
	fz->tokens[0].rank = ROLE_TRADER;
	snprintf(fz->tokens[0].token, sizeof fz->tokens[0].token, "fuzz-token");
	/* pub stays NNG_SOCKET_INITIALIZER: server_flush's sends fail and free
	 * the message, as they would with no subscriber. */
	fz_dirty = 0;
}

/* Forget sessions and remembered ids: each input starts from the same
 * place. */
static void
fz_reset_sessions(void)
{
	server_idem_free(fz);
	server_sessions_free(fz);
}

/* 1 if a reply says ok and its command changes something. */
static int
fz_changed(const char *reply, size_t len, const uint8_t *data, size_t size)
{
	cJSON *r, *q;
	const char *cmd = "";
	int ok, changed;

	if (reply == NULL)
		return 0;
	r = cJSON_ParseWithLength(reply, len);
	ok = r != NULL && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"));
	cJSON_Delete(r);
	if (!ok)
		return 0;
	/* Parsed again only within the depth the codec allows. */
	q = ipc_json_depth((const char *)data, size) <= TRANCHE_MAX_JSON_DEPTH ?
	    cJSON_ParseWithLength((const char *)data, size) : NULL;
	if (q != NULL)
		ipc_get_str(q, "cmd", &cmd);
	changed = strcmp(cmd, CMD_STATUS) != 0 && strcmp(cmd, CMD_SNAPSHOT) != 0 &&
	    strcmp(cmd, CMD_HELLO) != 0;
	cJSON_Delete(q);
	return changed;
}

static void
fz_dispatch(const uint8_t *data, size_t size, uint32_t pipe, int kind)
{
	struct peer p = { .pipe = pipe, .kind = kind };
	size_t outlen = 0;
	char *out;

	out = server_command(fz, data, size, &p, &outlen);
	if (out != NULL && outlen > 0) {
		/* Every answer must itself be a well-formed reply. */
		cJSON *r = cJSON_ParseWithLength(out, outlen);

		if (r == NULL || !cJSON_IsObject(r) ||
		    !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(r, "ok")) ||
		    !ipc_utf8_valid(out, outlen))
			abort();
		cJSON_Delete(r);
	}
	if (getenv("TRANCHE_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "peer %u: %.*s\n", pipe, (int)outlen,
		    out ? out : "");
	fz_dirty |= fz_changed(out, outlen, data, size);
	free(out);
	server_flush(fz);
}

/* Every string and key below o valid UTF-8; and, but in the free text
 * of the top level, without control characters. */
static void
fz_check_tree(const cJSON *o, int top)
{
	const cJSON *m;

	for (m = o->child; m != NULL; m = m->next) {
		int free_text = top && m->string != NULL &&
		    (strcmp(m->string, "reason") == 0 ||
		    strcmp(m->string, "client") == 0);

		if (m->string != NULL && !ipc_utf8_valid(m->string,
		    strlen(m->string)))
			abort();
		if (cJSON_IsString(m)) {
			const unsigned char *c =
			    (const unsigned char *)m->valuestring;

			if (!ipc_utf8_valid(m->valuestring, strlen(m->valuestring)))
				abort();
			for (; !free_text && *c; c++)
				if (*c < 0x20 || *c == 0x7f || (*c == 0xc2 &&
				    c[1] >= 0x80 && c[1] <= 0x9f))
					abort();
		}
		if (m->child != NULL)
			fz_check_tree(m, 0);
	}
}

/* ipc_show() and ipc_utf8_cut() on any bytes: bounded, valid UTF-8. */
static void
fz_text(const uint8_t *data, size_t size)
{
	char shown[64], *s;
	size_t n = size < 300 ? size : 300;

	ipc_show(shown, sizeof shown, (const char *)data, size);
	if (strlen(shown) >= sizeof shown ||
	    !ipc_utf8_valid(shown, strlen(shown)))
		abort();
	if ((s = malloc(n + 1)) == NULL)
		return;
	memcpy(s, data, n);
	s[n] = '\0';
	if (ipc_utf8_valid(s, strlen(s))) {
		size_t before = strlen(s);

		ipc_utf8_cut(s, before / 2);
		if (strlen(s) > before / 2 || !ipc_utf8_valid(s, strlen(s)))
			abort();
	}
	free(s);
}

static void
fz_codec(const uint8_t *data, size_t size)
{
	struct ipc_event ev;
	const char *code = NULL;
	char err[512], *s;
	cJSON *root = NULL;

	if (ipc_command_parse(data, size, &root, &code, err, sizeof err) == 0) {
		if (root == NULL)
			abort();
		fz_check_tree(root, 1);
		cJSON_Delete(root);
	} else if (root != NULL || code == NULL || err[0] == '\0' ||
	    !ipc_utf8_valid(err, strlen(err)))
		abort();
	if (size <= TRANCHE_MAX_MSG && ipc_json_depth((const char *)data,
	    size) <= TRANCHE_MAX_JSON_DEPTH && ipc_json_strict(data, size, &code,
	    err, sizeof err) == 0) {
		if ((root = cJSON_ParseWithLength((const char *)data, size)) ==
		    NULL)
			abort();
		cJSON_Delete(root);
	}
	fz_text(data, size);
	if (ipc_event_parse(data, size, &ev, err, sizeof err) == 0) {
		if (ev.json == NULL || ev.topic[0] == '\0')
			abort();
	}
	ipc_event_free(&ev);
	/* The same bytes as an events message: every record found lies
	 * inside it, and the cursor always moves. */
	{
		struct ipc_raw r;
		size_t off = 0, last = 0;
		const char *v;
		size_t vl;
		int rc;

		while ((rc = ipc_batch_next((const char *)data, size, &off, &r,
		    err, sizeof err)) != 0) {
			if (off <= last && size > 0)
				abort();
			last = off;
			if (rc == 1 && (r.rec < (const char *)data ||
			    r.rec + r.len > (const char *)data + size))
				abort();
			if (rc == 1 && ipc_raw_str(r.rec, r.len, "sym", &v,
			    &vl) == 0 && (v < r.rec || v + vl > r.rec + r.len))
				abort();
		}
	}
	(void)ipc_json_depth((const char *)data, size);
	if ((s = malloc(size + 1)) == NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	ipc_strip_controls(s);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f || (*c == 0xc2 && c[1] >= 0x80 &&
		    c[1] <= 0x9f))
			abort();
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char hello[] = "{\"cmd\":\"hello\",\"id\":\"fz-hello\","
	    "\"v\":3,\"role\":\"supervisor\",\"client\":\"fuzz\"}";

	fz_codec(data, size);
	if (fz == NULL || fz_dirty)
		fz_build();
	fz_reset_sessions();
	fz_dispatch(data, size, 1, PEER_LOCAL);
	fz_dispatch(data, size, 2, PEER_REMOTE);
	fz_dispatch((const uint8_t *)hello, sizeof hello - 1, 3, PEER_LOCAL);
	fz_dispatch(data, size, 3, PEER_LOCAL);
	return 0;
}
