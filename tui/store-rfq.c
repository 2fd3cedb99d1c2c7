/*
 * tui/store-rfq.c -- what the store keeps of the venues beyond the lit
 * book: requests for quotes (the "rfq" topic, and a snapshot's "rfqs"),
 * and each block's figures by venue (its block events).
 *
 * An rfq event is a request's whole state, so the store replaces the
 * request of the same id; requests are kept in the order they were first
 * seen, and when the table is full the oldest that has ended makes room
 * (a request in flight is never dropped for one that ended).  The RFQ
 * panel chooses among rows: each quote of a request in flight, then each
 * request in flight with no quote yet, so the trader can accept a quote
 * or reject a request whatever it has received.  Wire text goes through
 * store_text like every other string.
 */
#include <string.h>

#include "tui/tui.h"

static void
rfq_text(const cJSON *o, const char *name, char *dst, size_t n)
{
	const char *v;

	dst[0] = '\0';
	if (ipc_get_str(o, name, &v) == 0)
		store_text(dst, n, v);
}

static int64_t
rfq_i64(const cJSON *o, const char *name)
{
	int64_t v = 0;
	double d;

	if (ipc_get_i64(o, name, &v) == 0)
		return v;
	if (ipc_get_num(o, name, &d) == 0 && d > -1e15 && d < 1e15)
		return (int64_t)d;
	return 0;
}

void
store_apply_rfq(struct store *s, const cJSON *o)
{
	struct store_rfq r, *slot = NULL;
	const cJSON *ds, *e;

	if (!cJSON_IsObject(o))
		return;
	memset(&r, 0, sizeof r);
	rfq_text(o, "id", r.id, sizeof r.id);
	if (r.id[0] == '\0')
		return;
	rfq_text(o, "block", r.block, sizeof r.block);
	rfq_text(o, "sym", r.sym, sizeof r.sym);
	rfq_text(o, "side", r.side, sizeof r.side);
	rfq_text(o, "by", r.by, sizeof r.by);
	rfq_text(o, "state", r.state, sizeof r.state);
	rfq_text(o, "dealer", r.dealer, sizeof r.dealer);
	rfq_text(o, "reason", r.reason, sizeof r.reason);
	r.qty = rfq_i64(o, "qty");
	r.asked = rfq_i64(o, "asked");
	r.deadline = rfq_i64(o, "deadline");
	r.ended = rfq_i64(o, "ended");
	r.px = rfq_i64(o, "px");
	r.filled = rfq_i64(o, "filled");
	ds = cJSON_GetObjectItemCaseSensitive(o, "dealers");
	if (cJSON_IsArray(ds))
		cJSON_ArrayForEach(e, ds) {
			struct store_rfq_dealer *d;

			if (!cJSON_IsObject(e) || r.ndealers == STORE_RFQ_DEALERS)
				continue;
			d = &r.d[r.ndealers++];
			rfq_text(e, "dealer", d->name, sizeof d->name);
			rfq_text(e, "status", d->status, sizeof d->status);
			d->px = rfq_i64(e, "px");
			d->size = rfq_i64(e, "size");
		}
	for (int i = 0; i < s->nrfqs; i++)
		if (strcmp(s->rfqs[i].id, r.id) == 0)
			slot = &s->rfqs[i];
	if (slot == NULL) {
		if (s->nrfqs == STORE_RFQS) {
			int drop = 0;

			/* The oldest that has ended; the oldest of all if none
			 * has (sixteen in flight is more than a market holds). */
			for (int i = 0; i < s->nrfqs; i++)
				if (strcmp(s->rfqs[i].state, "live") != 0) {
					drop = i;
					break;
				}
			memmove(&s->rfqs[drop], &s->rfqs[drop + 1],
			    (size_t)(s->nrfqs - drop - 1) * sizeof s->rfqs[0]);
			s->nrfqs--;
		}
		slot = &s->rfqs[s->nrfqs++];
	}
	*slot = r;
	s->dirty |= DIRTY_RFQ;
}

void
store_apply_venues(struct store_block *b, const cJSON *o)
{
	static const char *const names[3] = { "lit", "dark", "rfq" };
	const cJSON *vf = cJSON_GetObjectItemCaseSensitive(o, "venue_filled");

	rfq_text(o, "venues", b->venues, sizeof b->venues);
	b->has_venues = cJSON_IsObject(vf);
	for (int i = 0; i < 3; i++)
		b->venue_filled[i] = b->has_venues ? rfq_i64(vf, names[i]) : 0;
	b->venue_working = rfq_i64(o, "venue_working");
	b->dark_sent = rfq_i64(o, "dark_sent");
	b->leak_vol = rfq_i64(o, "leak_vol");
}

static int
rfq_live(const struct store_rfq *r)
{
	return strcmp(r->state, "live") == 0;
}

static int
rfq_quoted(const struct store_rfq_dealer *d)
{
	return strcmp(d->status, "quoted") == 0;
}

const struct store_rfq *
store_rfq_live(const struct store *s, const char *id)
{
	for (int i = 0; i < s->nrfqs; i++)
		if (rfq_live(&s->rfqs[i]) && strcmp(s->rfqs[i].id, id) == 0)
			return &s->rfqs[i];
	return NULL;
}

int
store_rfq_quotes(const struct store_rfq *r)
{
	int q = 0;

	for (int k = 0; k < r->ndealers; k++)
		q += rfq_quoted(&r->d[k]);
	return q;
}

int
store_rfq_rows(const struct store *s)
{
	int n = 0;

	for (int i = 0; i < s->nrfqs; i++) {
		int q = store_rfq_quotes(&s->rfqs[i]);

		if (rfq_live(&s->rfqs[i]))
			n += q > 0 ? q : 1;
	}
	return n;
}

const struct store_rfq *
store_rfq_row(const struct store *s, int k,
              const struct store_rfq_dealer **dealer)
{
	*dealer = NULL;
	for (int i = 0; i < s->nrfqs && k >= 0; i++) {
		const struct store_rfq *r = &s->rfqs[i];
		int q = 0;

		if (!rfq_live(r))
			continue;
		for (int j = 0; j < r->ndealers; j++)
			if (rfq_quoted(&r->d[j]) && q++ == k) {
				*dealer = &r->d[j];
				return r;
			}
		if (q == 0 && k == 0)
			return r;
		k -= q > 0 ? q : 1;
	}
	return NULL;
}
