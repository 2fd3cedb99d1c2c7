/*
 * engine/tca/tca.h -- transaction cost analysis.  This header is the whole
 * API of engine/tca/.
 *
 * Implementation shortfall is measured against the arrival price (the mid
 * when the block started) and signed so that a positive number is a cost:
 * a sell that averaged below arrival, or a buy that averaged above it.
 * Money is kept in integer ticks x shares until the last division.
 */
#ifndef TRANCHE_TCA_H
#define TRANCHE_TCA_H

#include <stdint.h>

/* Average price in ticks of `filled` shares that cost `cash` ticks x shares;
 * 0 when nothing is filled. */
double tca_avg_px(int64_t filled, int64_t cash);

/* Shortfall of the filled part in basis points of arrival. */
double tca_is_bps(int side, double arrival, int64_t filled, int64_t cash);

/* Shortfall of the filled part in dollars. */
double tca_is_cash(int side, double arrival, int64_t filled, int64_t cash,
                   double tick);

#endif
