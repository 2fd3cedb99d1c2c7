/*
 * engine/server/server-auth.c -- roles and tokens: who may do what.
 *
 * A session has a role, viewer < trader < supervisor; the command table
 * (server-cmds.def) gives each command the least role that may send it,
 * and the dispatcher compares ranks.  This file names the roles and keeps
 * the tokens that grant them.
 *
 * A token grants a role (viewer, trader or supervisor) to a peer that
 * presents it in hello.  They come from two places, both optional:
 *
 *   the file $TRANCHE_TOKENS_FILE, else $XDG_CONFIG_HOME/tranche/tokens
 *   (~/.config/tranche/tokens): one "ROLE TOKEN [NAME]" a line, # comments
 *   and blank lines allowed.  It must be mode 0600 or stricter -- a token
 *   file others can read is a token others have -- and the engine refuses
 *   to start otherwise, naming the file and its mode;
 *
 *   the environment, $TRANCHE_TOKENS: "ROLE=TOKEN,ROLE:NAME=TOKEN".
 *
 * NAME is the person the token stands for: the audit records of what a
 * peer with that token did name them, and its remembered command ids are
 * filed under it.  A token without one (files written before names existed
 * stay valid) is named after its role alone, "trader#1", and a role may
 * have one such token: a second stops the engine from starting, naming
 * both places.  (They were numbered by their place among all tokens, so a
 * line added above one gave its remembered ids, and its name in the
 * journal, to another token after a restart: a resent submit was made
 * twice and another trader was answered with its block.  Found by an
 * adversarial review on 2026-12-07.)  A name that is not 1 to 32 letters,
 * digits or ". _ - @" is refused with its place and value, since it goes
 * into every record and onto every supervisor's screen.
 *
 * A token may be listed once: twice (under one role or two, in the file,
 * the environment or both) stops the engine from starting, naming both
 * places.
 *
 * A local ipc:// peer of our own uid needs no token; anyone else does, and a
 * tcp:// or tls+tcp:// listener without any token configured is refused at
 * startup.  TLS keeps the token from being read on the way; it does not
 * replace it (clients are not asked for certificates).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "engine/server/server-int.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"

int
server_role_rank(const char *role)
{
	if (strcmp(role, "viewer") == 0)
		return ROLE_VIEWER;
	if (strcmp(role, "trader") == 0)
		return ROLE_TRADER;
	if (strcmp(role, "supervisor") == 0)
		return ROLE_SUPERVISOR;
	return -1;
}

const char *
server_role_name(int rank)
{
	return rank == ROLE_SUPERVISOR ? "supervisor" : rank == ROLE_TRADER ?
	    "trader" : "viewer";
}

cJSON *
server_role_refusal(const struct session *sess, const char *cmd,
                    int min_rank, const char *id)
{
	if (sess->rank >= min_rank)
		return NULL;
	return ipc_reply_error(id, ERR_ROLE, "command \"%s\": role %s may "
	    "not; it needs %s%s", cmd, sess->role, server_role_name(min_rank),
	    sess->authed ? "" : " (say hello with a role first)");
}

/* 0 when name may stand for a person in the audit records. */
static int
tokens_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n < 1 || n > 32)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
		    c == '@'))
			return -1;
	}
	return 0;
}

static int
tokens_add(struct server *s, const char *role, const char *tok,
           const char *name, const char *where, char *err, size_t errlen)
{
	int rank = server_role_rank(role);

	if (rank < 0) {
		snprintf(err, errlen, "%s: role \"%.32s\": must be viewer, trader "
		    "or supervisor", where, role);
		return -1;
	}
	if (strlen(tok) < 8 || strlen(tok) >= sizeof s->tokens[0].token) {
		snprintf(err, errlen, "%s: a token must be 8 to %zu characters",
		    where, sizeof s->tokens[0].token - 1);
		return -1;
	}
	/* The same token twice would grant whichever role came last, with no
	 * word: a startup error that names both places instead. */
	for (int i = 0; i < s->ntokens; i++)
		if (strcmp(s->tokens[i].token, tok) == 0) {
			snprintf(err, errlen, "%s: this token is already listed "
			    "(%s, as %s): a token must be listed once", where,
			    s->tokens[i].where, server_role_name(s->tokens[i].rank));
			return -1;
		}
	if (name != NULL && tokens_name_ok(name) != 0) {
		char shown[80];

		snprintf(err, errlen, "%s: name \"%s\": must be 1 to 32 letters, "
		    "digits or . _ - @", where, ipc_show(shown, sizeof shown,
		    name, strlen(name)));
		return -1;
	}
	if (s->ntokens == TOKENS_MAX) {
		snprintf(err, errlen, "%s: more than %d tokens", where, TOKENS_MAX);
		return -1;
	}
	for (int i = 0; name == NULL && i < s->ntokens; i++)
		if (s->tokens[i].rank == rank && s->tokens[i].unnamed) {
			snprintf(err, errlen, "%s: a second %s token with no name "
			    "(the first: %s): give each a name (ROLE TOKEN NAME, "
			    "or ROLE:NAME=TOKEN), so that their remembered ids and "
			    "the audit records tell them apart", where,
			    server_role_name(rank), s->tokens[i].where);
			return -1;
		}
	s->tokens[s->ntokens].rank = rank;
	s->tokens[s->ntokens].unnamed = name == NULL;
	/* '#' is in no NAME: an unnamed token is never taken for a person. */
	if (name != NULL)
		snprintf(s->tokens[s->ntokens].name,
		    sizeof s->tokens[0].name, "%s", name);
	else
		snprintf(s->tokens[s->ntokens].name,
		    sizeof s->tokens[0].name, "%s#1", server_role_name(rank));
	snprintf(s->tokens[s->ntokens].where, sizeof s->tokens[0].where, "%s",
	    where);
	snprintf(s->tokens[s->ntokens].token, sizeof s->tokens[0].token, "%s",
	    tok);
	s->ntokens++;
	return 0;
}

static int
tokens_file(struct server *s, char *err, size_t errlen)
{
	const char *path = getenv("TRANCHE_TOKENS_FILE");
	const char *cfg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char buf[1024], where[1100], *line = NULL;
	size_t cap = 0;
	ssize_t got;
	struct stat st;
	FILE *f;
	int n = 0, rc = 0;

	if (path == NULL || path[0] == '\0') {
		if (cfg != NULL && cfg[0] == '/')
			snprintf(buf, sizeof buf, "%s/tranche/tokens", cfg);
		else
			snprintf(buf, sizeof buf, "%s/.config/tranche/tokens",
			    home ? home : "");
		path = buf;
	}
	if (stat(path, &st) != 0)
		return errno == ENOENT ? 0 : (snprintf(err, errlen,
		    "tokens file %s: %s", path, strerror(errno)), -1);
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "tokens file %s has mode %04o: it must not "
		    "be readable by others (chmod 600 %s)", path,
		    (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "tokens file %s: %s", path, strerror(errno));
		return -1;
	}
	/* Whole lines, however long: a comment of 600 bytes read 511 at a
	 * time went on as a line of its own, and the token it named in its
	 * text was granted (found by an adversarial review on 2026-12-07). */
	while (rc == 0 && (got = getline(&line, &cap, f)) != -1) {
		char role[32], tok[256], name[64], extra[2];
		int k;

		n++;
		snprintf(where, sizeof where, "tokens file %s:%d", path, n);
		/* A NUL ended the line for what reads it after: the token's
		 * first characters were granted (found by a review on
		 * 2026-12-07). */
		if (memchr(line, '\0', (size_t)got) != NULL) {
			snprintf(err, errlen, "%s: a NUL byte in the line", where);
			rc = -1;
			break;
		}
		if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line))
			continue;
		/* A word longer than its field is cut, and what follows read
		 * as the next word: a role is then not a role, a token is
		 * then over 127 characters, a name over 32 -- each refused
		 * below, never a shorter secret granted. */
		k = sscanf(line, "%31s %255s %63s %1s", role, tok, name, extra);
		if (k != 2 && k != 3) {
			snprintf(err, errlen, "%s: expected \"ROLE TOKEN\" or \"ROLE "
			    "TOKEN NAME\"", where);
			rc = -1;
		} else if (tokens_add(s, role, tok, k == 3 ? name : NULL, where,
		    err, errlen) != 0)
			rc = -1;
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "tokens file %s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

static int
tokens_env(struct server *s, char *err, size_t errlen)
{
	const char *env = getenv("TRANCHE_TOKENS");
	char *copy, *item, *save = NULL;
	int rc = 0;

	if (env == NULL || env[0] == '\0')
		return 0;
	/* All of it: a copy cut at 4 KB left a prefix of the last token
	 * standing for it (ten characters granted supervisor; found by an
	 * adversarial review on 2026-12-07). */
	if ((copy = strdup(env)) == NULL) {
		snprintf(err, errlen, "TRANCHE_TOKENS: %s", strerror(errno));
		return -1;
	}
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '='), *colon;

		if (eq == NULL) {
			snprintf(err, errlen, "TRANCHE_TOKENS: \"%.32s...\": expected "
			    "ROLE=TOKEN or ROLE:NAME=TOKEN", item);
			rc = -1;
			break;
		}
		*eq = '\0';
		/* ROLE:NAME -- a role has no colon, so this is new syntax only. */
		if ((colon = strchr(item, ':')) != NULL)
			*colon = '\0';
		if (tokens_add(s, item, eq + 1, colon != NULL ? colon + 1 : NULL,
		    "TRANCHE_TOKENS", err, errlen) != 0) {
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

int
server_token_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned d = la != lb;

	/* Compare without stopping at the first difference. */
	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return d == 0;
}

int
server_token_grant(const struct server *s, const char *token, int *index)
{
	int granted = -1;

	/* Every token is compared, so the time taken says nothing of which
	 * one matched. */
	for (int i = 0; i < s->ntokens; i++)
		if (server_token_eq(s->tokens[i].token, token)) {
			granted = s->tokens[i].rank;
			if (index != NULL)
				*index = i + 1;
		}
	return granted;
}

int
server_tokens_load(struct server *s, char *err, size_t errlen)
{
	s->ntokens = 0;
	if (tokens_file(s, err, errlen) != 0 || tokens_env(s, err, errlen) != 0)
		return -1;
	for (int i = 0; i < s->nurls; i++)
		if (strncmp(s->urls[i], "ipc://", 6) != 0 && s->ntokens == 0) {
			snprintf(err, errlen, "--listen %s: a network listener needs "
			    "tokens (none in the tokens file or $TRANCHE_TOKENS; see "
			    "tranched(1))", s->urls[i]);
			return -1;
		}
	return 0;
}
