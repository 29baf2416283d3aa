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
MASTER_PATTERN = r"^\s*(\d+)\s+(\d{8})\s+(\d+)\s+([-\d.]+)\s*$"  # the header line does not match


def _parts(name: str, pattern: str) -> pl.DataFrame:
    text = (files("lifetimes") / "datasets" / name).read_text()
    lines = pl.Series("line", text.splitlines())
    return lines.str.extract_groups(pattern).struct.unnest().drop_nulls()


@cache
def sample_orders() -> pl.DataFrame:
    parts = _parts("CDNOW_sample.txt", PATTERN)
    return pl.DataFrame(
        {
            "customer_id": parts["2"].cast(pl.Int64),
            "day": parts["3"].str.strptime(pl.Date, "%Y%m%d"),
            "cds": parts["4"].cast(pl.Int64),
            "amount": parts["5"].cast(pl.Float64),
            "status": pl.Series(["completed"] * len(parts)),
        }
    )


def sample_master_ids() -> list[int]:
    """The CDNOW_master ids of the sample's customers (sample_orders() numbers them 1..2357)."""
    return sorted(set(_parts("CDNOW_sample.txt", PATTERN)["1"].cast(pl.Int64).to_list()))


def master_orders() -> pl.DataFrame:
    """CDNOW_master.txt (`customer_id date cds dollars`, one header line), as sample_orders()."""
    parts = _parts("CDNOW_master.txt", MASTER_PATTERN)
    return pl.DataFrame(
        {
            "customer_id": parts["1"].cast(pl.Int64),
            "day": parts["2"].str.strptime(pl.Date, "%Y%m%d"),
            "cds": parts["3"].cast(pl.Int64),
            "amount": parts["4"].cast(pl.Float64),
            "status": pl.Series(["completed"] * len(parts)),
        }
    )
