"""The 97.5% point of Student's t: the scripts' 95% intervals.

The same table and expansion as the engine's backtest_t975
(engine/backtest/backtest.c): 1.96 at every n made an interval on 2 seeds
6.5 times too narrow (found by a review, 2026-12-07).  Imported by
evaluate-report, adapt-table, venue-table, compare-train and q-compare.
"""
import math

_T = (12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060,
      2.2622, 2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199,
      2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639,
      2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423)


def t975(df):
    """Student's t, df degrees of freedom: table to 30, Cornish-Fisher beyond."""
    if df < 1:
        return float("nan")
    if df <= 30:
        return _T[df - 1]
    z = 1.959963985
    return (z + (z ** 3 + z) / (4 * df)
            + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)
            + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * df ** 3))


def half_width(sd, n):
    """Half the 95% interval of a mean of n values of SD sd (nan below 2)."""
    return t975(n - 1) * sd / math.sqrt(n) if n > 1 else float("nan")
