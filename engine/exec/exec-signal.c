/*
 * engine/exec/exec-signal.c -- what exec feeds the fast signals
 * (engine/model/signal.h), what they mean for a block, and which blocks
 * they wake.
 *
 * Sampling costs something only while it is wanted: exec_tick() walks the
 * markets through each whole second only while an unfinished block's
 * algorithm says it reads signals (ops.signals), so sessions of the
 * classical schedules take the same steps as before and give the same
 * results.  The markets are the same whichever steps they are advanced in,
 * so the grid changes nothing they do.
 *
 * Others' flow is every aggressive print (the trade callback) less what our
 * own crossing children took (exec_send): the engine's own orders must not
 * read as the market's urgency, or a rule that reacts to one-sided flow
 * would react to itself.
 *
 * A block whose algorithm has a wake function is asked at every sample
 * whether it wants a decision now; a decision it gets that way is an
 * ordinary one (exec_decide, under the same caps, limits and overrides),
 * and it comes no sooner than react_s after the block's last.
 */
#include <math.h>
#include <string.h>

#include "engine/exec/exec-int.h"

static void exec_signal_news(struct exec *x, struct exec_mkt *mk, int64_t t,
                             int two_sided);

int
exec_signal_wanted(const struct exec *x)
{
	for (size_t i = 0; i < x->nparents; i++) {
		const struct parent *p = x->parents[i];

		if (p->algo->signals && !EXEC_STATE_FINAL(p->state))
			return 1;
	}
	return 0;
}

static int64_t
exec_signal_depth(const struct market *m, int side)
{
	struct book_level lv[5];
	int n = book_depth(m->book, side, lv, 5);
	int64_t d = 0;

	for (int i = 0; i < n; i++)
		d += lv[i].qty;
	return d;
}

void
exec_signal_sample(struct exec *x, int64_t t)
{
	for (size_t i = 0; i < x->nmk; i++) {
		struct exec_mkt *mk = &x->mk[i];
		struct sig_sample s;
		int64_t bp, ap, q;

		memset(&s, 0, sizeof s);
		s.mid = market_mid(mk->m);
		if (book_best(mk->m->book, BOOK_BID, &bp, &q) == 0 &&
		    book_best(mk->m->book, BOOK_ASK, &ap, &q) == 0 && ap > bp)
			s.spread = ap - bp;
		s.bid5 = exec_signal_depth(mk->m, BOOK_BID);
		s.ask5 = exec_signal_depth(mk->m, BOOK_ASK);
		s.buy = mk->sbuy > mk->sourbuy ? mk->sbuy - mk->sourbuy : 0;
		s.sell = mk->ssell > mk->soursell ? mk->ssell - mk->soursell : 0;
		mk->sbuy = mk->ssell = mk->sourbuy = mk->soursell = 0;
		/* A gap (no block read signals for a while) restarts the
		 * stretch the rings can be trusted over. */
		if (mk->sig.n == 0 || t - mk->sig.t > 3 * 1000000000LL / 2)
			mk->sig_since = t;
		sig_update(&mk->sig, t, &s);
		exec_signal_news(x, mk, t, s.mid > 0);
	}
}

/*
 * The jump at mk's newest news item: the largest 5-s move among the samples
 * of its first EXEC_NEWS_JUMP_S seconds.  Its jump is unknown (jump_age
 * -1) when it was first met later than that; when the signals had not
 * been sampled without a gap through their warm-up and 5 s before it (a
 * move is 0 in the warm-up, and after a gap the ring compares with mids
 * from before it); or when the book was one-sided at one of those samples
 * (the mid is then the last known one, and the jump can hide behind it).
 */
static void
exec_signal_news(struct exec *x, struct exec_mkt *mk, int64_t t,
                 int two_sided)
{
	int64_t age;
	double sent, win = EXEC_NEWS_JUMP_S * 1e9;
	struct sig_view v;

	if (exec_news_last(x, mk->m, t, &age, &sent) != 0)
		return;
	if (t - age != mk->jump_at) {
		mk->jump_at = t - age;
		mk->jump = 0;
		/* Met within its first seconds, with the warm-up and 5 s of
		 * unbroken samples before it. */
		mk->jump_age = (double)age <= win && t - age - mk->sig_since >=
		    (SIG_WARMUP + EXEC_NEWS_JUMP_S) * 1000000000LL ? 0 : -1;
	}
	if (mk->jump_age < 0 || (double)age > win)
		return;
	if (!two_sided) {
		mk->jump_age = -1;
		return;
	}
	sig_read(&mk->sig, &v);
	if (fabs(v.move5) > fabs(mk->jump))
		mk->jump = v.move5;
	mk->jump_age = (double)age / 1e9;
}

int
exec_news_jump(const struct exec *x, const struct market *m, int64_t *at,
               double *jump)
{
	for (size_t i = 0; i < x->nmk; i++) {
		const struct exec_mkt *mk = &x->mk[i];

		if (mk->m != m)
			continue;
		*at = mk->jump_at;
		*jump = mk->jump;
		/* Sampled through its first seconds: the last sample there
		 * at least a second short of their end. */
		return mk->jump_at != INT64_MIN && mk->jump_age >=
		    EXEC_NEWS_JUMP_S - 1 ? 0 : -1;
	}
	return -1;
}

long
exec_signal_woken(struct exec *x, int64_t t, size_t from)
{
	for (size_t i = from; i < x->nparents; i++) {
		struct parent *p = x->parents[i];
		double react = p->spec.react_s > 0 ? p->spec.react_s :
		    p->algo->react_s > 0 ? p->algo->react_s : 1;

		/* A trader's forced style is a decision the algorithm is not
		 * asked about: it is not woken either. */
		if (p->algo->wake == NULL || p->state != PARENT_WORKING ||
		    t < p->spec.start || t >= p->spec.end ||
		    (p->force_style >= 0 && t < p->force_until))
			continue;
		if (t - p->last_decision < (int64_t)(react * 1e9))
			continue;
		if (p->algo->wake(x, p, t))
			return (long)i;
	}
	return -1;
}

const struct sig_state *
exec_sig_state(const struct exec *x, const struct market *m)
{
	const struct exec_mkt *mk = exec_mkt_of(x, m);

	return mk != NULL && mk->sig.n > 0 ? &mk->sig : NULL;
}

int
exec_signals(const struct exec *x, const struct parent *p,
             struct exec_signals *out)
{
	const struct sig_state *s = exec_sig_state(x, p->m);
	struct sig_view v;
	double mid = market_mid(p->m), sgn = p->spec.side == BOOK_BID ? -1 : 1;
	double sigma = market_sigma(p->m, 1);
	double el = (double)(p->m->now - p->spec.start) / 1e9;
	double win = (double)(p->spec.end - p->spec.start);

	memset(out, 0, sizeof *out);
	out->queue_ahead = -1;
	out->news_age_s = -1;
	/* The news feed's newest item on this market (exec-news.c), read
	 * whether or not the signals are sampled. */
	int64_t age;
	double sent;
	if (exec_news_last(x, p->m, p->m->now, &age, &sent) == 0) {
		out->news_age_s = (double)age / 1e9;
		out->news_sentiment = sent;
	}
	if (s == NULL)
		return -1;
	sig_read(s, &v);
	out->sigma1 = v.sigma1;
	out->move5 = v.move5;
	out->move30 = v.move30;
	out->flow5 = v.flow5;
	out->flow30 = v.flow30;
	out->vol5 = v.vol5;
	out->vol30 = v.vol30;
	out->depth_near = p->spec.side == BOOK_BID ? v.depth_bid : v.depth_ask;
	out->depth_far = p->spec.side == BOOK_BID ? v.depth_ask : v.depth_bid;
	out->spread_rel = v.spread_rel;
	if (mid > 0 && p->arrival > 0 && sigma > 0 && el > 0)
		out->move_arrival = sgn * (mid - p->arrival) / (sigma * sqrt(el));
	for (size_t i = 0; i < p->nchildren; i++)
		if (p->children[i].live) {
			int64_t q = book_queue_ahead(p->m->book, p->children[i].id);

			if (q >= 0)
				out->queue_ahead = (out->queue_ahead < 0 ? 0 :
				    out->queue_ahead) + q;
		}
	out->inv_left = (double)(p->spec.qty - p->filled) / (double)p->spec.qty;
	out->time_left = win > 0 ? (double)(p->spec.end - p->m->now) / win : 0;
	if (out->time_left < 0)
		out->time_left = 0;
	return 0;
}
