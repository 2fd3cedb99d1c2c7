/*
 * engine/exec/algo-registry.c -- every algorithm the engine knows, one ops
 * table each (algo-twap.c ...).  Lookups by name, the "known: ..." list in
 * errors and what the engine needs to know of an algorithm (does it need a
 * model, can it watch as a shadow) all come from this table and the ops'
 * fields: nothing tests which algorithm it holds by name.
 */
#include <stdio.h>
#include <string.h>

#include "engine/exec/exec.h"

const struct algo_ops *const algo_all[] = {
	&algo_twap_ops, &algo_twap_passive_ops, &algo_twap_aggressive_ops,
	&algo_vwap_ops, &algo_pov_ops, &algo_ac_ops, &algo_learned_ops,
	&algo_ais_aggr_ops, &algo_ais_pass_ops, &algo_event_ops,
	&algo_twap_patient_ops, &algo_twap_band_ops,
};
const size_t algo_count = sizeof algo_all / sizeof algo_all[0];

const struct algo_ops *
algo_find(const char *name)
{
	for (size_t i = 0; i < algo_count; i++)
		if (strcmp(algo_all[i]->name, name) == 0)
			return algo_all[i];
	return NULL;
}

void
algo_known(char *buf, size_t n)
{
	size_t len = 0;

	if (n == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < algo_count && len < n; i++) {
		int w = snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
		    algo_all[i]->name);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

const struct algo_ops *
algo_shadow_ops(void)
{
	for (size_t i = 0; i < algo_count; i++)
		if (algo_all[i]->shadow != NULL)
			return algo_all[i];
	return NULL;
}
