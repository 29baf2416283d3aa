"""Why a flagged customer is at risk: chosen at recompute time, put into words at display time.

A score stores its reason as a code and numbers (CustomerScore.churn_reason_data, e.g.
{"code": "gap", "params": {"gap": 24, "days": 83}}), never as a sentence. The sentence is made
when it is shown, in the language of whoever reads it (Django i18n: English and Finnish), with
numbers formatted for that language. One stored run thus serves staff in every language, a change
of wording needs no recompute, and a recompute does not spend time writing a million sentences.
"""

import json

import numpy as np
from django.utils import formats
from django.utils.translation import gettext

# Which signal explains the score, first match wins (churn.signals() computes the values).
GAP_RATIO = 1.5
FREQUENCY_TREND = -0.7
BASKET_TREND = -0.5


def reason(sig: dict, i: int, p_alive: float, purchases: int, recent_days: int = 90) -> dict:
    """The main reason for customer row i as {"code", "params"}; render with reason_text()."""
    days = int(sig["days_since"][i])
    if purchases <= 1:
        return {"code": "one_time", "params": {"days": days}}
    if sig["gaps"][i] >= 1 and sig["gap_ratio"][i] >= GAP_RATIO:
        return {"code": "gap", "params": {"gap": round(float(sig["usual_gap"][i])), "days": days}}
    if sig["frequency_trend"][i] <= FREQUENCY_TREND:
        expected = float(sig["earlier_rate"][i]) * recent_days
        return {
            "code": "frequency",
            "params": {
                "recent": int(sig["recent"][i]),
                "expected": round(expected, 1),
                "window": recent_days,
            },
        }
    if sig["basket_trend"][i] <= BASKET_TREND:
        return {
            "code": "basket",
            "params": {
                "before": round(float(sig["earlier_basket"][i]), 2),
                "recent": round(float(sig["recent_basket"][i]), 2),
            },
        }
    return {"code": "inactive", "params": {"days": days, "p": round(100 * float(p_alive))}}


def reasons(sig: dict, rows: np.ndarray, p_alive, purchases, recent_days: int = 90) -> list[str]:
    """For the customer rows `rows`: the reason of each as JSON text.

    The same as json.dumps(reason(sig, i, p_alive[i], purchases[i])) row by row, but with the
    choice made on whole arrays and the integer-only reasons (nearly all) written without a dict
    per customer.
    """
    rows = np.asarray(rows, dtype=np.int64)
    out: list[str | None] = [None] * len(rows)
    if len(rows) == 0:
        return []
    days = sig["days_since"][rows]
    one_time = np.asarray(purchases)[rows] <= 1
    gap = ~one_time & (sig["gaps"][rows] >= 1) & (sig["gap_ratio"][rows] >= GAP_RATIO)
    frequency = ~one_time & ~gap & (sig["frequency_trend"][rows] <= FREQUENCY_TREND)
    basket = ~one_time & ~gap & ~frequency & (sig["basket_trend"][rows] <= BASKET_TREND)
    inactive = ~(one_time | gap | frequency | basket)

    def fill(mask, make_json, *columns):
        where = np.flatnonzero(mask).tolist()
        values = [c[mask].tolist() for c in columns]
        for k, *v in zip(where, *values, strict=True):
            out[k] = make_json(*v)

    # int() and round() as in reason(): the same integers, so the same JSON.
    fill(one_time, lambda d: f'{{"code": "one_time", "params": {{"days": {int(d)}}}}}', days)
    fill(
        gap,
        lambda g, d: f'{{"code": "gap", "params": {{"gap": {round(g)}, "days": {int(d)}}}}}',
        sig["usual_gap"][rows],
        days,
    )
    fill(
        inactive,
        lambda d, p: f'{{"code": "inactive", "params": {{"days": {int(d)}, "p": {round(100 * p)}}}}}',
        days,
        np.asarray(p_alive, dtype=float)[rows],
    )
    # Rare, and with decimals: through reason() and json.dumps.
    for k in np.flatnonzero(frequency | basket).tolist():
        i = int(rows[k])
        data = reason(sig, i, float(np.asarray(p_alive)[i]), int(np.asarray(purchases)[i]), recent_days)
        out[k] = json.dumps(data)
    return out


def templates() -> dict[str, str]:
    """The reason sentences in the active language."""
    return {
        "one_time": gettext("bought once, %(days)d days ago, and has not come back"),
        "gap": gettext("usually orders every %(gap)d days; %(days)d days since the last order"),
        "frequency": gettext(
            "%(recent)d orders in the last %(window)d days, against about %(expected)s before"
        ),
        "basket": gettext("average order value fell from %(before)s to %(recent)s"),
        "inactive": gettext("%(days)d days since the last order; %(p)d%% chance of still being active"),
    }


# Parameters with decimals, written as the reader's language writes numbers (1,5 in Finnish).
DECIMALS = {"frequency": {"expected": 1}, "basket": {"before": 2, "recent": 2}}


def reason_text(data: dict | str | None) -> str:
    """The reason in the active language; "" for none or for a code this version does not know."""
    if isinstance(data, str):
        data = json.loads(data)
    if not data:
        return ""
    code = data.get("code")
    template = templates().get(code)
    if template is None:
        return ""
    params = {"window": 90, **data.get("params", {})}
    for name, places in DECIMALS.get(code, {}).items():
        if params.get(name) is not None:
            params[name] = formats.number_format(params[name], places, use_l10n=True)
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return ""
