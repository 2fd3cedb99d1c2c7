/*
 * engine/tca/tca.c -- implementation shortfall against arrival.  The sign
 * convention (positive is a cost) is the one desks quote; sides follow the
 * book's: BOOK_BID buys, BOOK_ASK sells.
 */
#include "engine/market/book.h"
#include "engine/tca/tca.h"

double
tca_avg_px(int64_t filled, int64_t cash)
{
	return filled > 0 ? (double)cash / (double)filled : 0.0;
}

static long double
tca_signed_cost(int side, double arrival, int64_t filled, int64_t cash)
{
	/* Buying: paid cash where arrival*filled was the benchmark. */
	long double diff = (long double)cash - (long double)arrival * filled;

	return side == BOOK_BID ? diff : -diff;
}

double
tca_is_bps(int side, double arrival, int64_t filled, int64_t cash)
{
	if (filled <= 0 || arrival <= 0)
		return 0.0;
	return (double)(tca_signed_cost(side, arrival, filled, cash) /
	    ((long double)arrival * filled) * 1e4L);
}

double
tca_is_cash(int side, double arrival, int64_t filled, int64_t cash,
            double tick)
{
	if (filled <= 0)
		return 0.0;
	return (double)(tca_signed_cost(side, arrival, filled, cash) * tick);
}
