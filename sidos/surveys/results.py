"""A survey's results: NPS and CSAT with trends and breakdowns, choice counts, free text with sentiment.

Everything is aggregated in the database, a fixed number of queries per question however many answers
there are; only free-text answers are loaded as rows, the latest FREE_TEXT_LIMIT of them.

NPS = % promoters (9–10) − % detractors (0–6), from −100 to 100. CSAT = the mean of 1–5 and the share of
satisfied answers (4–5). Rounded half-up: NPS and shares to one decimal, the mean to two.
"""

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from sidos.analytics.models import AnalyticsRun, CustomerScore
from sidos.analytics.rfm import Segment
from sidos.customers.models import Stage
from sidos.surveys.models import Answer, Invitation, InvitationStatus, Question, QuestionKind, Survey

FREE_TEXT_LIMIT = 200
SCORED = (QuestionKind.NPS, QuestionKind.CSAT, QuestionKind.SCALE)


def _share(part: int, whole: int, places: str = "0.1") -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _aggregates(kind: str) -> dict:
    figures = {"count": Count("pk"), "total": Sum("number")}
    if kind == QuestionKind.NPS:
        figures |= {
            "promoters": Count("pk", filter=Q(number__gte=9)),
            "passives": Count("pk", filter=Q(number__gte=7, number__lte=8)),
            "detractors": Count("pk", filter=Q(number__lte=6)),
        }
    elif kind == QuestionKind.CSAT:
        figures |= {"satisfied": Count("pk", filter=Q(number__gte=4))}
    return figures


def figures(kind: str, row: dict) -> dict:
    """The reported figures from one row of counts (the whole question, or one period or group)."""
    count = row["count"] or 0
    out = {"count": count}
    if count:
        out["mean"] = (Decimal(row["total"]) / Decimal(count)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    else:
        out["mean"] = None
    if kind == QuestionKind.NPS:
        out |= {name: row[name] for name in ("promoters", "passives", "detractors")}
        out["nps"] = _share(row["promoters"] - row["detractors"], count)
        out["promoters_pct"] = _share(row["promoters"], count)
        out["detractors_pct"] = _share(row["detractors"], count)
    elif kind == QuestionKind.CSAT:
        out["satisfied"] = row["satisfied"]
        out["satisfied_pct"] = _share(row["satisfied"], count)
    return out


def _segment_of_customer():
    run = AnalyticsRun.objects.filter(is_current=True).values("pk")[:1]
    return Subquery(
        CustomerScore.objects.filter(
            run_id=Subquery(run), customer_id=OuterRef("response__customer_id")
        ).values("segment")[:1]
    )


GROUP_LABELS = {"stage": dict(Stage.choices), "segment": dict(Segment.choices)}
BREAKDOWNS = {
    "stage": F("response__customer__stage"),
    "language": F("response__language"),
    "segment": None,  # built per call: a subquery on the current analytics run
}


def scored_question(question: Question) -> dict:
    answers = Answer.objects.filter(question=question, number__isnull=False)
    aggregates = _aggregates(question.kind)
    total = figures(question.kind, answers.aggregate(**aggregates))
    tz = timezone.get_current_timezone()
    trends = {}
    for name, trunc in (("week", TruncWeek), ("month", TruncMonth)):
        rows = (
            answers.annotate(period=trunc("response__submitted_at", tzinfo=tz))
            .values("period")
            .annotate(**aggregates)
            .order_by("period")
        )
        trends[name] = [{"period": row["period"], **figures(question.kind, row)} for row in rows]
    breakdowns = {}
    for name, expression in BREAKDOWNS.items():
        rows = (
            answers.annotate(group=expression if expression is not None else _segment_of_customer())
            .values("group")
            .annotate(**aggregates)
            .order_by("group")
        )
        labels = GROUP_LABELS.get(name, {})
        breakdowns[name] = [
            {
                "group": row["group"] or "",
                "label": labels.get(row["group"], row["group"] or ""),
                **figures(question.kind, row),
            }
            for row in rows
        ]
    distribution = dict(answers.values_list("number").annotate(n=Count("pk")).order_by("number"))
    low, high = question.bounds
    return {
        **total,
        "trends": trends,
        "breakdowns": breakdowns,
        "distribution": [(value, distribution.get(value, 0)) for value in range(low, high + 1)],
    }


def choice_question(question: Question, language: str) -> dict:
    answers = Answer.objects.filter(question=question)
    if question.kind == QuestionKind.SINGLE:
        counts = Counter(dict(answers.exclude(choice="").values_list("choice").annotate(n=Count("pk"))))
        respondents = sum(counts.values())
    else:
        counts = Counter()
        respondents = 0
        for values in answers.values_list("choices", flat=True):
            if values:
                respondents += 1
                counts.update(values)
    rows = [
        {
            "value": value,
            "label": question.choice_label(value, language),
            "count": counts.get(value, 0),
            "pct": _share(counts.get(value, 0), respondents),
        }
        for value in question.choice_values()
    ]
    return {"respondents": respondents, "choices": rows}


def classify(texts: list[str], languages: list[str | None]) -> tuple[list, list[list[str]]] | None:
    """The listening capability's sentiment and topics for each text — the same active trained model and
    taxonomy the webcare queue uses, so a correction there teaches both — or None without that app."""
    try:
        from sidos.listening import pipeline
    except ImportError:
        return None
    langs = [lang or "" for lang in languages]
    return pipeline.classify(pipeline.active_classifier(), texts, langs), pipeline.topics_for(texts, langs)


def free_text(question: Question) -> dict:
    answers = list(
        Answer.objects.filter(question=question)
        .exclude(text="")
        .select_related("response__customer")
        .order_by("-response__submitted_at", "-pk")[:FREE_TEXT_LIMIT]
    )
    texts, languages = [a.text for a in answers], [a.response.language for a in answers]
    classified = classify(texts, languages) if answers else None
    predictions, topics = classified if classified else (None, None)
    rows = []
    for index, answer in enumerate(answers):
        prediction = predictions[index] if predictions else None
        rows.append(
            {
                "answer": answer,
                "customer": answer.response.customer,
                "sentiment": prediction.label if prediction else None,
                "negative": prediction.negative if prediction else None,
                "topics": topics[index] if topics else [],
            }
        )
    negative_topics = Counter(
        topic for row in rows if row["sentiment"] == "negative" for topic in row["topics"]
    )
    return {
        "answers": rows,
        "classified": classified is not None,
        # The recurring complaint themes among the answers shown, most frequent first.
        "negative_topics": negative_topics.most_common(),
        "total": Answer.objects.filter(question=question).exclude(text="").count(),
    }


def survey_results(survey: Survey, language: str = "en") -> dict:
    questions = list(survey.questions.all())
    invitations = Invitation.objects.filter(survey=survey).aggregate(
        invited=Count("pk", filter=~Q(status__in=[InvitationStatus.PENDING, InvitationStatus.SKIPPED])),
        answered=Count("pk", filter=Q(status=InvitationStatus.ANSWERED)),
    )
    responses = survey.responses.aggregate(total=Count("pk"), by_form=Count("pk", filter=Q(channel="form")))
    sections = []
    for question in questions:
        if question.kind in SCORED:
            body = scored_question(question)
        elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            body = choice_question(question, language)
        else:
            body = free_text(question)
        sections.append({"question": question, "kind": question.kind, **body})
    return {
        "invited": invitations["invited"],
        "answered": invitations["answered"],
        "response_rate": _share(invitations["answered"], invitations["invited"]),
        "responses": responses["total"],
        "by_form": responses["by_form"],
        "questions": sections,
    }
