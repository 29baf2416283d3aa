"""RFM: recency, frequency and monetary value, quintile scores 1-5, and named segments.

Hughes, A. M. (1994). Strategic Database Marketing. The segment names follow the widely used
R × FM grid (e.g. Putler's eleven RFM segments, with "about to sleep" folded into "needs attention").

* R — days since the last purchase; fewer days score higher.
* F — distinct purchase days; more score higher.
* M — net revenue (after refunds) up to the as-of date; more score higher.

Scores are quintiles of the rank: score = 1 + floor(5 · (rank − 1) / n) with tied values sharing the
*lowest* rank of their block, so the mass of one-time buyers is scored F = 1 together instead of
being split arbitrarily. R and FM = round-half-up of (F + M) / 2 place a customer in the grid:

| segment             | R    | FM   | meaning                                              |
|---------------------|------|------|------------------------------------------------------|
| champions           | 5    | 4–5  | bought recently, often and for a lot                 |
| loyal               | 3–4  | 4–5  | buy often and for a lot, not quite the latest        |
| potential loyalists | 4–5  | 2–3  | recent, with some history                            |
| new                 | 5    | 1    | first purchase just now                              |
| promising           | 4    | 1    | recent first-timers                                  |
| needs attention     | 3    | 1–3  | middling on everything                               |
| at risk             | 1–2  | 3–4  | used to buy a fair amount, not lately                |
| can't lose          | 1–2  | 5    | the best customers once, gone quiet                  |
| hibernating         | 2    | 1–2  | little and long ago                                  |
| lost                | 1    | 1–2  | least recent, least value                            |

Customers without a purchase by the as-of date get the segment "no data yet" and no scores.
"""

import numpy as np
import polars as pl
from django.db import models
from django.utils.translation import gettext_lazy as _


class Segment(models.TextChoices):
    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL_LOYALISTS = "potential_loyalists", _("Potential loyalists")
    NEW = "new", _("New")
    PROMISING = "promising", _("Promising")
    NEEDS_ATTENTION = "needs_attention", _("Needs attention")
    AT_RISK = "at_risk", _("At risk")
    CANT_LOSE = "cant_lose", _("Can't lose")
    HIBERNATING = "hibernating", _("Hibernating")
    LOST = "lost", _("Lost")
    NO_DATA = "no_data", _("No data yet")


# GRID[r - 1][fm - 1]: the table in the module docstring.
_C, _L, _P, _N, _PR, _NA, _AR, _CL, _H, _LO = (
    Segment.CHAMPIONS,
    Segment.LOYAL,
    Segment.POTENTIAL_LOYALISTS,
    Segment.NEW,
    Segment.PROMISING,
    Segment.NEEDS_ATTENTION,
    Segment.AT_RISK,
    Segment.CANT_LOSE,
    Segment.HIBERNATING,
    Segment.LOST,
)
GRID = [
    [_LO, _LO, _AR, _AR, _CL],  # R = 1
    [_H, _H, _AR, _AR, _CL],  # R = 2
    [_NA, _NA, _NA, _L, _L],  # R = 3
    [_PR, _P, _P, _L, _L],  # R = 4
    [_N, _P, _P, _C, _C],  # R = 5
]


def quintile(values: pl.Series, higher_is_better: bool = True) -> pl.Series:
    """Scores 1-5 by rank; ties share the lowest score of their block."""
    n = len(values)
    if n == 0:
        return pl.Series(values.name, [], dtype=pl.Int8)
    ranks = (values if higher_is_better else -values).rank(method="min").cast(pl.Float64)
    return (1 + ((ranks - 1) * 5 / n).floor()).clip(1, 5).cast(pl.Int8)


def segment_for(r: np.ndarray, f: np.ndarray, m: np.ndarray) -> np.ndarray:
    fm = (f.astype(int) + m.astype(int) + 1) // 2
    grid = np.array([[s.value for s in row] for row in GRID], dtype=object)
    return grid[r.astype(int) - 1, fm - 1]


def score(summary: pl.DataFrame) -> pl.DataFrame:
    """customer_id, r_score, f_score, m_score, segment for every row of a prep summary."""
    r = quintile(summary["days_since_last"], higher_is_better=False)
    f = quintile(summary["purchases"].cast(pl.Int64))
    m = quintile(summary["revenue"])
    segments = segment_for(r.to_numpy(), f.to_numpy(), m.to_numpy()) if len(summary) else []
    return pl.DataFrame(
        {
            "customer_id": summary["customer_id"],
            "r_score": r,
            "f_score": f,
            "m_score": m,
            "segment": pl.Series(segments, dtype=pl.String),
        }
    )
