import json

from django.core.management.base import BaseCommand, CommandError

from sidos.analytics.actions import BacktestError, backtest
from sidos.analytics.management.dates import date_argument


class Command(BaseCommand):
    help = "Fit the models on orders up to --calibration-end and report how well they predict the holdout."

    def add_arguments(self, parser):
        parser.add_argument("--calibration-end", required=True, help="last day of the calibration period")
        parser.add_argument("--holdout-end", required=True, help="last day of the holdout period")
        parser.add_argument("--time-unit", choices=["day", "week"], help="time unit of the models")
        parser.add_argument(
            "--json", action="store_true", help="print a one-line JSON summary as the last line"
        )

    def handle(self, *args, **options):
        calibration_end = date_argument(options["calibration_end"], "--calibration-end")
        holdout_end = date_argument(options["holdout_end"], "--holdout-end")
        try:
            report = backtest(calibration_end, holdout_end, time_unit=options["time_unit"])
        except BacktestError as error:
            if options["json"]:
                self.stdout.write(json.dumps({"error": str(error)}))
            raise CommandError(str(error), returncode=2)
        if options["json"]:
            self.stderr.write(self._text(report))
            self.stdout.write(json.dumps(report))
        else:
            self.stdout.write(self._text(report))

    def _text(self, report: dict) -> str:
        lines = [
            f"calibration to {report['calibration_end']}, holdout to {report['holdout_end']}: "
            f"{report['customers']} customers",
            f"holdout repeat purchases: actual {report['holdout_actual']}, "
            f"predicted {report['holdout_predicted']} (MBG/NBD); per-customer MAE {report['mae']}",
            "AUC at predicting no purchase in the holdout: "
            + ", ".join(f"{k} {v}" for k, v in report["auc"].items()),
            "by calibration frequency (customers, actual, BG/NBD, MBG/NBD):",
        ]
        for row in report["by_frequency"]:
            counts = f"{row['frequency']:>3}: {row['customers']:>7}"
            lines.append(f"  {counts} {row['actual']} {row['bgnbd']} {row['mbgnbd']}")
        return "\n".join(lines)
