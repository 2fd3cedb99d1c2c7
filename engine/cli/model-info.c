/*
 * engine/cli/model-info.c -- `tranched model FILE...`: load each policy
 * model as the engine would and say what decides in it: its name, format
 * the features it reads, each head's layers, the news rule and
 * its digest: the number a learned session's decisions carry
 * (policy.model_digest) and a recovery is held to.
 *
 * A recovery refused for another model names the journal's digest; this
 * is how an operator finds the file that has it.  A file the engine would
 * refuse is refused here with the loader's own words, so that checking a
 * model before a session is the same check the session makes.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "engine/cli/cli.h"
#include "engine/model/model.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tranched model [--json] FILE...\n"
	    "Loads each policy model file as the engine would and prints what\n"
	    "decides in it: name, features, each head's layers,\n"
	    "the news rule and the digest that a learned session's decisions\n"
	    "carry (policy.model_digest) and that a recovery is held to.\n"
	    "A file the engine would refuse is refused here, with the reason.\n"
	    "\n"
	    "  --json     one JSON object per file, one per line\n"
	    "  --help     print this help and exit\n"
	    "\n"
	    "Exit status: 0 every file loaded, 1 one did not, 2 bad usage.\n");
}

/* "17 -> 60" for a head's layer sizes. */
static void
head_layers(char *buf, size_t n, const struct nn *net)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i <= net->nlayers && used < n; i++) {
		int w = snprintf(buf + used, n - used, "%s%d", i ? " -> " : "",
		    net->size[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static cJSON *
head_json(const struct nn *net)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; a != NULL && i <= net->nlayers; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(net->size[i]));
	return a;
}

static int
print_json(const char *path, const struct model *m, const char *hex)
{
	cJSON *o = cJSON_CreateObject(), *a, *r;
	const cJSON *commit = cJSON_GetObjectItemCaseSensitive(m->meta,
	    "commit");
	char *s;

	if (o == NULL)
		return -1;
	cJSON_AddStringToObject(o, "file", path);
	cJSON_AddStringToObject(o, "name", m->name);
	cJSON_AddStringToObject(o, "digest", hex);
	a = cJSON_AddArrayToObject(o, "features");
	for (int i = 0; a != NULL && i < m->nfeat; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(feat_name(m->feat[i])));
	r = cJSON_AddObjectToObject(o, "heads");
	if (r != NULL) {
		cJSON_AddItemToObject(r, "book", head_json(&m->net));
		if (m->no_book.nlayers > 0)
			cJSON_AddItemToObject(r, "no_book", head_json(&m->no_book));
	}
	if (m->news.on)
		cJSON_AddItemToObject(o, "news_rule", news_rule_to_json(&m->news));
	else
		cJSON_AddNullToObject(o, "news_rule");
	if (m->hard.on)
		cJSON_AddItemToObject(o, "hard_news", hard_rule_to_json(&m->hard));
	else
		cJSON_AddNullToObject(o, "hard_news");
	if (cJSON_IsString(commit))
		cJSON_AddStringToObject(o, "commit", commit->valuestring);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return -1;
	printf("%s\n", s);
	cJSON_free(s);
	return 0;
}

/* s for a terminal: control bytes (an escape sequence in a file's name
 * or record) as '?', at most n - 1 bytes. */
static const char *
plain(char *buf, size_t n, const char *s)
{
	size_t k = 0;

	for (; *s != '\0' && k + 1 < n; s++)
		buf[k++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	buf[k] = '\0';
	return buf;
}

static void
print_text(const char *path, const struct model *m, const char *hex)
{
	const cJSON *commit = cJSON_GetObjectItemCaseSensitive(m->meta,
	    "commit");
	char layers[128], a[1024], b[128];

	printf("%s: \"%s\", digest %s\n", plain(a, sizeof a, path),
	    plain(b, sizeof b, m->name), hex);
	if (cJSON_IsString(commit))
		printf("  trained at  %s\n", plain(b, sizeof b,
		    commit->valuestring));
	printf("  features    %d:", m->nfeat);
	for (int i = 0; i < m->nfeat; i++)
		printf(" %s", feat_name(m->feat[i]));
	printf("\n");
	head_layers(layers, sizeof layers, &m->net);
	printf("  book head   %s\n", layers);
	if (m->no_book.nlayers > 0) {
		head_layers(layers, sizeof layers, &m->no_book);
		printf("  no-book     %s\n", layers);
	} else
		printf("  no-book     none (the book head decides there too)\n");
	if (m->news.on)
		printf("  news rule   %.0f to %.0f s after an item against the "
		    "block, once its 30-s move is %g sigma against it and\n"
		    "              unless its first 5 s moved %g sigma: take %g%% "
		    "of the remainder\n",
		    m->news.after_lo, m->news.after_hi, m->news.move_k,
		    m->news.priced_k, m->news.take * 100);
	else
		printf("  news rule   none\n");
	if (m->hard.on) {
		char act[32];

		policy_action_name(act, sizeof act, m->hard.action);
		printf("  hard news   while the newest item's first 5 s moved %g "
		    "sigma: %s\n", m->hard.priced_k, act);
	} else
		printf("  hard news   none\n");
}

static int
model_main(int argc, char **argv)
{
	int json = 0, nfiles = 0, bad = 0, opts = 1;
	char **files = argv + 1; /* the words that name files, in place */

	for (int i = 1; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0) {
			opts = 0;
			continue;
		}
		if (opts && (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)) {
			usage(stdout);
			return 0;
		}
		if (opts && strcmp(argv[i], "--json") == 0) {
			json = 1;
			continue;
		}
		if (opts && argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "tranched model: unknown option %s\n",
			    argv[i]);
			usage(stderr);
			return 2;
		}
		files[nfiles++] = argv[i];
	}
	if (nfiles == 0) {
		fprintf(stderr, "tranched model: no model file named\n");
		usage(stderr);
		return 2;
	}
	for (int i = 0; i < nfiles; i++) {
		struct model m;
		char err[512], hex[MODEL_DIGEST_HEX];

		memset(&m, 0, sizeof m);
		if (model_load(&m, files[i], err, sizeof err) != 0) {
			fprintf(stderr, "tranched model: %s\n", err);
			bad = 1;
			continue;
		}
		model_digest_hex(model_digest(&m), hex);
		if (json) {
			if (print_json(files[i], &m, hex) != 0) {
				fprintf(stderr, "tranched model: out of memory\n");
				bad = 1;
			}
		} else
			print_text(files[i], &m, hex);
		model_free(&m);
	}
	return bad;
}

const struct cli_cmd cli_model_cmd = {
	.name = "model",
	.main = model_main,
	.usage = "model [--json] FILE...",
	.help = "what decides in a policy model file, and its digest",
};
