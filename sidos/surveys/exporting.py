"""A survey's answers as rows: one per answer, for CSV and JSON, read in one query."""

import csv
import json
from collections.abc import Iterator
from typing import TextIO

from sidos.surveys.models import Answer, Survey, localized

COLUMNS = [
    "response_id",
    "submitted_at",
    "channel",
    "language",
    "customer",
    "customer_id",
    "question_position",
    "question_kind",
    "question",
    "value",
]


def rows(survey: Survey) -> Iterator[dict]:
    answers = (
        Answer.objects.filter(response__survey=survey)
        .select_related("response__customer", "question")
        .order_by("response__submitted_at", "response_id", "question__position", "question_id")
    )
    for answer in answers.iterator(chunk_size=2000):
        response, question, customer = answer.response, answer.question, answer.response.customer
        if answer.number is not None:
            value = answer.number
        elif answer.choice:
            value = answer.choice
        elif answer.choices:
            value = answer.choices
        else:
            value = answer.text
        yield {
            "response_id": response.pk,
            "submitted_at": response.submitted_at.isoformat(),
            "channel": response.channel,
            "language": response.language,
            "customer": customer.pk if customer else None,
            "customer_id": (customer.external_id or "") if customer else "",
            "question_position": question.position,
            "question_kind": question.kind,
            "question": localized(question.text, "en"),
            "value": value,
        }


def write_csv(survey: Survey, out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    count = 0
    for row in rows(survey):
        if isinstance(row["value"], list):
            row["value"] = ";".join(row["value"])  # a multiple choice in one cell, as the import lists tags
        writer.writerow(row)
        count += 1
    return count


def write_json(survey: Survey, out: TextIO) -> int:
    """A JSON array, written row by row so a large survey never sits in memory whole."""
    count = 0
    out.write("[")
    for row in rows(survey):
        out.write(("," if count else "") + "\n" + json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count
