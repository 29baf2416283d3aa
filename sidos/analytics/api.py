"""/api/v1/analytics: read-only views of the current run's scores. Needs customers.view_customer."""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from sidos.accounts.api import require_permission
from sidos.analytics import queries
from sidos.analytics.rfm import Segment
from sidos.lib.apifields import Id, MoneyOut, responses
from sidos.lib.pagination import Pagination, page

router = Router(tags=["analytics"])
PERMISSION = "customers.view_customer"


class ScoreOut(Schema):
    customer_id: int
    as_of: dt.date
    segment: Segment = Field(description="RFM segment; no_data when the customer has no purchase yet")
    r_score: int | None
    f_score: int | None
    m_score: int | None
    purchases: int = Field(description="distinct purchase days up to as_of")
    frequency: int = Field(description="repeat purchase days (purchases - 1)")
    days_since_last: int | None
    first_purchase: dt.date | None
    last_purchase: dt.date | None
    monetary: MoneyOut | None = Field(description="mean value of the repeat purchases")
    revenue: MoneyOut | None = Field(description="net revenue after refunds")
    p_alive: float | None = Field(description="probability of still being a customer (MBG/NBD)")
    p_alive_bgnbd: float | None
    expected_30: float | None
    expected_90: float | None
    expected_365: float | None
    expected_spend: MoneyOut | None = Field(description="expected value of a future purchase (Gamma-Gamma)")
    clv: MoneyOut | None = Field(description="discounted lifetime value over the configured horizon")
    value_decile: int | None = Field(description="profitability class, 10 = most valuable tenth")
    churn_risk: float | None
    churn_reason: str
    flagged: bool
    worth_saving: bool
    value_at_risk: MoneyOut | None


class ScorePage(Schema):
    items: list[ScoreOut]
    count: int


class SegmentOut(Schema):
    segment: Segment
    customers: int
    revenue: float
    revenue_share: float = Field(description="share of all customers' net revenue, 0-1")
    clv: float


class SegmentsOut(Schema):
    as_of: dt.date | None
    items: list[SegmentOut]


@router.get("/customers/{id}", response=responses({200: ScoreOut}, 401, 403, 404, 422))
def customer_scores(request, id: Id):
    require_permission(request, PERMISSION)
    return get_object_or_404(queries.current_scores(), customer_id=id)


@router.get("/segments", response=responses({200: SegmentsOut}, 401, 403))
def segments(request):
    require_permission(request, PERMISSION)
    run = queries.current_run()
    return {"as_of": run.as_of if run else None, "items": run.report.get("segments", []) if run else []}


@router.get("/segments/{segment}/customers", response=responses({200: ScorePage}, 401, 403, 422))
def segment_customers(request, segment: Segment, pagination: Query[Pagination]):
    require_permission(request, PERMISSION)
    return page(queries.current_scores().filter(segment=segment).order_by("-clv", "customer_id"), pagination)


@router.get("/at-risk", response=responses({200: ScorePage}, 401, 403, 422))
def at_risk(request, pagination: Query[Pagination], worth_saving: bool = False):
    require_permission(request, PERMISSION)
    return page(queries.at_risk(worth_saving=worth_saving), pagination)
