"""Customer lifetime value over a horizon, discounted monthly.

Fader, Hardie & Lee (2005, JMR) value a customer as expected transactions × expected spend,
discounted. Sidos sums month by month, as lifetimes' `customer_lifetime_value` does:

    CLV = Σ_{k=1..H} (E[Y(k·m)] − E[Y((k−1)·m)]) · E[M] / (1 + d)^k

with m one month (365.25/12 days) in the model's time unit, H the horizon in months (default 12) and
d the monthly discount rate (default 0.01, i.e. about 12.7 % a year: a typical cost of capital for a
small business; set SIDOS_ANALYTICS_MONTHLY_DISCOUNT to your own).
"""

import numpy as np

DAYS_PER_MONTH = 365.25 / 12


def lifetime_value(
    expected_purchases, spend, unit_days: float, months: int = 12, monthly_discount: float = 0.01
):
    """`expected_purchases(t)` gives E[Y(t)] per customer for t in model time units."""
    month = DAYS_PER_MONTH / unit_days
    value = np.zeros_like(np.asarray(spend, dtype=float))
    previous = 0.0
    for k in range(1, months + 1):
        current = expected_purchases(k * month)
        value += (current - previous) * spend / (1 + monthly_discount) ** k
        previous = current
    return value
