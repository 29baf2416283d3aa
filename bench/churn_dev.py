"""Churn-risk development figures on CDNOW_master without the CDNOW_sample customers.

    .venv/bin/python bench/churn_dev.py [--horizons 60,90,120,180]

CDNOW_sample (2,357 customers) is what test_churn.py checks the churn score on; the other 21,213
customers of CDNOW_master are a development set from the same population, so choices about the score
(its label horizon, its penalty) are made here and not on the test's customers. For each horizon it
runs the backtest (calibration to 1997-09-30, holdout to 1998-06-30) and prints the AUC of every signal;
the result is written to bench/results/churn-dev-DATE-HOST.json.
"""

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def development_orders():
    import polars as pl

    from sidos.analytics.tests.cdnow import master_orders, sample_master_ids

    return master_orders().filter(~pl.col("customer_id").is_in(sample_master_ids()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizons", default="60,90,120,180", help="label horizons in days, comma-separated")
    args = parser.parse_args()
    database = Path(tempfile.mkdtemp()) / "churn-dev.sqlite3"
    os.environ.update({"SIDOS_DATABASE_URL": f"sqlite:///{database}", "SIDOS_DEBUG": "1"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sidos.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from bench import machine
    from sidos.analytics import actions

    call_command("migrate", verbosity=0)  # the backtest reads settings and writes nothing (save=False)
    orders = development_orders()
    customers = orders["customer_id"].n_unique()
    runs = []
    for horizon in (int(h) for h in args.horizons.split(",")):
        settings.SIDOS_ANALYTICS_CHURN_HORIZON_DAYS = horizon
        report = actions.backtest(dt.date(1997, 9, 30), dt.date(1998, 6, 30), time_unit="week", orders=orders,
                                  save=False)
        auc = {name: round(value, 4) for name, value in report["auc"].items()}
        runs.append({"configured_horizon_days": horizon, "horizon_days": report["churn_horizon_days"],
                     "auc": auc, "weights": report["churn"]["signals"]})
        print(f"H={horizon:4d} (used {report['churn_horizon_days']}): churn_risk {auc['churn_risk']:.4f}  "
              f"hiatus {auc['hiatus']:.4f}  expected {auc['expected_purchases']:.4f}", flush=True)
    result = {"benchmark": "churn-dev", "machine": machine.describe(), "customers": customers, "runs": runs,
              "command": " ".join(["python", *sys.argv])}
    name = f"churn-dev-{dt.date.today().isoformat()}-{result['machine']['hostname']}.json"
    out = ROOT / "bench" / "results" / name
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"customers": customers, "written": str(out.relative_to(ROOT))}))


if __name__ == "__main__":
    main()
