"""Staff pages: the analytics dashboard, the at-risk and segment lists (with CSV), the backtest report."""

import csv
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sidos.analytics import charts, queries
from sidos.analytics.actions import BacktestError, backtest
from sidos.analytics.models import BacktestReport
from sidos.analytics.rfm import Segment
from sidos.lib.cells import InvalidCell, parse_date
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

PAGE_SIZE = 50
DASHBOARD_AT_RISK = 15
VIEW = "customers.view_customer"


@login_required
@permission_required(VIEW, raise_exception=True)
def dashboard(request):
    run = queries.current_run()
    context = {"run": run}
    if run:
        report = run.report
        labels = dict(Segment.choices)
        segments = [dict(row, label=labels.get(row["segment"], row["segment"])) for row in report["segments"]]
        context.update(
            segments=segments,
            segment_chart=charts.hbars(
                [(s["label"], s["customers"]) for s in segments], title=_("Customers by segment")
            ),
            revenue_chart=charts.hbars(
                [(s["label"], 100 * s["revenue_share"]) for s in segments], title=_("Share of revenue, %")
            ),
            value_chart=charts.hbars(
                [(str(d["decile"]), d["clv"]) for d in reversed(report["value_distribution"])],
                label_width=40,
                title=_("Lifetime value by decile"),
            ),
            deciles=list(reversed(report["value_distribution"])),
            cohorts=report["cohorts"],
            cohort_months=range(12),
            at_risk=queries.at_risk().select_related("customer")[:DASHBOARD_AT_RISK],
            churn=run.params.get("churn") or {},
            models=run.params.get("models") or {},
        )
    return render(request, "analytics/dashboard.html", context)


def _list_page(request, scores, title: str, csv_name: str):
    page = Paginator(scores.select_related("customer"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "analytics/score_list.html",
        {"page": page, "title": title, "csv_name": csv_name, "run": queries.current_run()},
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def at_risk(request):
    worth_saving = request.GET.get("worth_saving") == "1"
    title = _("Worth saving") if worth_saving else _("At risk")
    return _list_page(request, queries.at_risk(worth_saving), title, "at-risk")


@login_required
@permission_required(VIEW, raise_exception=True)
def segment(request, segment: str):
    if segment not in Segment.values:
        raise Http404
    scores = queries.current_scores().filter(segment=segment).order_by("-clv", "customer_id")
    return _list_page(request, scores, Segment(segment).label, segment)


CSV_COLUMNS = [
    "customer_id",
    "external_id",
    "name",
    "email",
    "segment",
    "churn_risk",
    "churn_reason",
    "clv",
    "value_at_risk",
    "value_decile",
    "days_since_last",
    "purchases",
    "worth_saving",
]


@login_required
@permission_required("customers.export_customer", raise_exception=True)
def at_risk_csv(request):
    """The at-risk list as CSV, usable as a campaign audience. Exporting personal data is audited."""
    worth_saving = request.GET.get("worth_saving") == "1"
    scores = queries.at_risk(worth_saving).select_related("customer")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="at-risk-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for score in scores.iterator(2000):
        c = score.customer
        writer.writerow(
            [
                c.pk,
                c.external_id or "",
                c.display_name,
                c.email,
                score.segment,
                f"{score.churn_risk:.3f}",
                score.churn_reason,
                score.clv,
                score.value_at_risk,
                score.value_decile,
                score.days_since_last,
                score.purchases,
                int(score.worth_saving),
            ]
        )
        count += 1
    audit.record(
        request.user, AuditAction.EXPORT, "analytics_at_risk", summary=f"downloaded {count} at-risk customers"
    )
    return response


@login_required
@permission_required(VIEW, raise_exception=True)
def backtest_report(request):
    if request.method == "POST":
        try:
            calibration_end = parse_date(request.POST.get("calibration_end", ""))
            holdout_end = parse_date(request.POST.get("holdout_end", ""))
            backtest(calibration_end, holdout_end, time_unit=request.POST.get("time_unit") or None)
        except (InvalidCell, BacktestError, ValueError) as error:
            messages.error(request, str(error))
        return redirect("analytics:backtest")
    report = BacktestReport.objects.first()
    context = {"report": report, "today": timezone.localdate()}
    if report:
        rows = report.result["by_frequency"]
        context["chart"] = charts.paired_bars(
            [r["frequency"] for r in rows],
            [
                (_("Actual"), [r["actual"] for r in rows]),
                ("BG/NBD", [r["bgnbd"] for r in rows]),
                ("MBG/NBD", [r["mbgnbd"] for r in rows]),
            ],
            title=_("Holdout purchases per customer by calibration frequency"),
        )
        context["aucs"] = sorted(report.result["auc"].items(), key=lambda kv: -(kv[1] or 0))
        context["suggested_end"] = report.holdout_end
    else:
        context["suggested_end"] = timezone.localdate()
    context["suggested_start"] = context["suggested_end"] - dt.timedelta(days=182)
    return render(request, "analytics/backtest.html", context)
