"""sidos survey-export: CSV and JSON, the --json summary as the last line, exit statuses, the audit entry."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from sidos.privacy.models import AuditEntry
from sidos.surveys import actions
from sidos.surveys.models import Invitation, InvitationStatus
from sidos.surveys.tests.builders import consenting_customer, full_answers, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    survey = make_survey("Export me", slug="export-me")
    customer = consenting_customer("aino@example.fi", external_id="K-1")
    invitation = Invitation.objects.create(survey=survey, customer=customer, status=InvitationStatus.SENT)
    actions.submit(survey, full_answers(survey), language="fi", invitation=invitation)
    actions.submit(survey, full_answers(survey, nps=["3"], text=[]), language="en")
    return survey


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("survey-export", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exit:
        return exit.code, out.getvalue()
    return 0, out.getvalue()


def test_it_exports_one_csv_row_per_answer(survey):
    code, out = run("export-me", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 6 + 5  # the anonymous response left the free text empty
    first = [row for row in rows if row["customer_id"] == "K-1"]
    assert {row["question_kind"]: row["value"] for row in first} == {
        "nps": "9",
        "csat": "4",
        "single": "service",
        "multiple": "price;range",
        "scale": "6",
        "text": "Friendly staff, slow delivery.",
    }
    anonymous = [row for row in rows if row["channel"] == "form"]
    assert {row["customer"] for row in anonymous} == {""} and len(anonymous) == 5


def test_it_exports_json_with_a_summary_on_the_last_line(survey, tmp_path):
    target = tmp_path / "answers.json"
    code, out = run(str(survey.pk), "--format", "json", "--output", str(target), "--json")
    assert code == 0
    assert json.loads(out.strip().splitlines()[-1]) == {"survey": survey.pk, "format": "json", "answers": 11}
    data = json.loads(target.read_text(encoding="utf-8"))
    assert len(data) == 11
    assert next(row for row in data if row["question_kind"] == "multiple")["value"] == ["price", "range"]
    assert AuditEntry.objects.filter(target_type="survey.answers", action="export").count() == 1


def test_an_unknown_survey_exits_2(db):
    code, out = run("no-such-survey", "--json")
    assert code == 2
    assert json.loads(out.strip().splitlines()[-1])["answers"] == 0


def test_an_unwritable_output_exits_2(survey, tmp_path):
    code, _out = run("export-me", "--output", str(tmp_path / "missing" / "dir" / "x.csv"))
    assert code == 2
