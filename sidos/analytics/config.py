"""Analytics settings: a Django setting of the same name wins, else the environment, else the default.

* SIDOS_ANALYTICS_TIME_UNIT (week): the time unit the models are fitted in, day or week.
* SIDOS_ANALYTICS_CLV_MONTHS (12): lifetime-value horizon in months.
* SIDOS_ANALYTICS_MONTHLY_DISCOUNT (0.01): monthly discount rate of lifetime value (≈12.7 % a year).
* SIDOS_ANALYTICS_RECENT_DAYS (90): window of the falling-frequency and falling-basket signals.
* SIDOS_ANALYTICS_CHURN_HORIZON_DAYS (180): label horizon of the churn model's internal split.
* SIDOS_ANALYTICS_FLAG_RISK (0.6): churn risk at which a customer is flagged…
* SIDOS_ANALYTICS_FLAG_MIN_P_ALIVE (0.2): …unless the model already counts them as gone.
* SIDOS_ANALYTICS_WORTH_SAVING_DECILE (8): flagged customers whose value-if-retained decile is at
  least this are "worth saving".
* SIDOS_ANALYTICS_BATCH_SIZE (50000): rows per insert transaction when scores are written (SQLite
  holds its write lock for about a second per 50,000 rows; fewer, larger commits write less).
* SIDOS_ANALYTICS_ARROW (1): on SQLite, read orders and write scores as Arrow columns through the
  ADBC helper process (arrowdb.py); 0 keeps to Django's connection (slower, same results).
"""

import os
from dataclasses import dataclass

from django.conf import settings


def _get(name: str, default, cast):
    if hasattr(settings, name):
        return cast(getattr(settings, name))
    raw = os.environ.get(name)
    return cast(raw) if raw not in (None, "") else default


def _flag(value) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() not in ("0", "false", "no", "off")


@dataclass(frozen=True)
class AnalyticsConfig:
    time_unit: str = "week"
    clv_months: int = 12
    monthly_discount: float = 0.01
    recent_days: int = 90
    churn_horizon_days: int = 180
    flag_risk: float = 0.6
    flag_min_p_alive: float = 0.2
    worth_saving_decile: int = 8
    batch_size: int = 50_000
    arrow: bool = True


def load(**overrides) -> AnalyticsConfig:
    values = {
        "time_unit": _get("SIDOS_ANALYTICS_TIME_UNIT", "week", str),
        "clv_months": _get("SIDOS_ANALYTICS_CLV_MONTHS", 12, int),
        "monthly_discount": _get("SIDOS_ANALYTICS_MONTHLY_DISCOUNT", 0.01, float),
        "recent_days": _get("SIDOS_ANALYTICS_RECENT_DAYS", 90, int),
        "churn_horizon_days": _get("SIDOS_ANALYTICS_CHURN_HORIZON_DAYS", 180, int),
        "flag_risk": _get("SIDOS_ANALYTICS_FLAG_RISK", 0.6, float),
        "flag_min_p_alive": _get("SIDOS_ANALYTICS_FLAG_MIN_P_ALIVE", 0.2, float),
        "worth_saving_decile": _get("SIDOS_ANALYTICS_WORTH_SAVING_DECILE", 8, int),
        "batch_size": _get("SIDOS_ANALYTICS_BATCH_SIZE", 50_000, int),
        "arrow": _get("SIDOS_ANALYTICS_ARROW", True, _flag),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    if values["time_unit"] not in ("day", "week"):
        raise ValueError("time unit must be 'day' or 'week'")
    return AnalyticsConfig(**values)
