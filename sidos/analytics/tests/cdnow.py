"""The CDNOW purchase logs that ship inside the `lifetimes` wheel (a test-only dependency).

CDNOW_sample.txt: `master_id sample_id date(YYYYMMDD) cds dollars`, space-aligned, several rows per
day possible. The frame returned is the input `sidos.analytics.prep` expects.
"""

import datetime as dt
from functools import cache
from importlib.resources import files

import polars as pl

CALIBRATION_END = dt.date(1997, 9, 30)
HOLDOUT_END = dt.date(1998, 6, 30)
PATTERN = r"^\s*(\d+)\s+(\d+)\s+(\d{8})\s+(\d+)\s+([-\d.]+)\s*$"


@cache
def sample_orders() -> pl.DataFrame:
    text = (files("lifetimes") / "datasets" / "CDNOW_sample.txt").read_text()
    lines = pl.Series("line", text.splitlines()).filter(pl.Series(text.splitlines()).str.strip_chars() != "")
    parts = lines.str.extract_groups(PATTERN).struct.unnest()
    return pl.DataFrame(
        {
            "customer_id": parts["2"].cast(pl.Int64),
            "day": parts["3"].str.strptime(pl.Date, "%Y%m%d"),
            "cds": parts["4"].cast(pl.Int64),
            "amount": parts["5"].cast(pl.Float64),
            "status": pl.Series(["completed"] * len(parts)),
        }
    )
