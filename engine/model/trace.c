/*
 * engine/model/trace.c -- the episode trace (model.h): every decision of a
 * learned block with what the policy saw and chose, and the step rewards
 * that let a trainer assign credit within an episode.
 *
 * Steps are appended as the session runs and rewarded once it is over,
 * because a step's reward needs what happened after it: the fills up to
 * the next decision, and the mid mark_s seconds later.  The fills of a
 * step are read off the block's running totals (filled, cash) at
 * consecutive decisions rather than fill by fill, so the trace needs no
 * hook in the fill path and the rewards telescope: their sum is exactly
 * the block's cash against arrival, plus the unfilled valued at the end,
 * which is the backtester's shortfall.  The later mid is the mid at the
 * block's first decision at or after the step's end plus mark_s (the end
 * mid when there is none): decisions are at most a grid interval apart,
 * so it is the mid within an interval of that time.  Money is summed in
 * long double, as the TCA does.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/model/model.h"

void
trace_init(struct trace *tr)
{
	memset(tr, 0, sizeof *tr);
}

void
trace_free(struct trace *tr)
{
	free(tr->step);
	tr->step = NULL;
	tr->n = tr->cap = 0;
}

int
trace_add(struct trace *tr, const struct trace_step *s)
{
	if (tr->n == tr->cap) {
		size_t n = tr->cap ? tr->cap * 2 : 256;
		struct trace_step *v = realloc(tr->step, n * sizeof *v);

		if (v == NULL)
			return -1;
		tr->step = v;
		tr->cap = n;
	}
	tr->step[tr->n] = *s;
	tr->step[tr->n].reward = tr->step[tr->n].reward_exec = 0;
	tr->step[tr->n].reward_move = tr->step[tr->n].terminal = 0;
	tr->step[tr->n].last = 0;
	tr->n++;
	return 0;
}

double
trace_finish(struct trace *tr, uint32_t block, int64_t filled, int64_t cash,
             double end_mid)
{
	int64_t mark = (int64_t)((tr->mark_s > 0 ? tr->mark_s : 60) * 1e9);
	long double sum = 0;

	for (size_t i = 0; i < tr->n; i++) {
		struct trace_step *s = &tr->step[i];
		size_t nx = i + 1;
		int64_t f1 = filled, c1 = cash, t1;
		double later = end_mid, sign, value, q, left;

		if (s->block != block)
			continue;
		while (nx < tr->n && tr->step[nx].block != block)
			nx++;
		s->last = nx == tr->n;
		if (!s->last) {
			f1 = tr->step[nx].filled;
			c1 = tr->step[nx].cash;
		}
		t1 = s->last ? INT64_MAX : tr->step[nx].t;
		if (!s->last)
			for (size_t j = nx; j < tr->n; j++)
				if (tr->step[j].block == block && tr->step[j].t >=
				    t1 + mark) {
					later = tr->step[j].mid;
					break;
				}
		/* A buyer pays cash - arrival x shares more than arrival; a
		 * seller receives that much more. */
		sign = s->side == BOOK_BID ? 1 : -1;
		value = s->arrival * (double)s->qty;
		q = (double)(f1 - s->filled);
		if (value <= 0)
			continue;
		s->reward_exec = (double)(-sign * ((long double)(c1 - s->cash) -
		    (long double)later * q) / value * 1e4L);
		s->reward_move = (double)(-sign * (long double)(later -
		    s->arrival) * q / value * 1e4L);
		s->reward = s->reward_exec + s->reward_move;
		if (s->last) {
			left = (double)(s->qty - filled);
			s->terminal = -sign * (end_mid - s->arrival) * left / value *
			    1e4 - tr->terminal_bps * left / (double)s->qty;
			s->reward += s->terminal;
		}
		if (tr->risk > 0) {
			double x = (double)(s->qty - s->filled) / (double)s->qty;
			double dt = s->last ? 0 : (double)(t1 - s->t) / 60e9;

			s->reward -= tr->risk * x * x * dt;
		}
		sum += s->reward;
	}
	return (double)sum;
}
