"""Erasure in surveys and campaigns: results and reports still add up, an erased suppression still holds."""

import io

import pytest
from django.core.management import call_command

from sidos.campaigns import actions as campaign_actions
from sidos.campaigns.models import Delivery, DeliveryStatus, Suppression, SuppressionReason
from sidos.campaigns.report import campaign_report
from sidos.campaigns.sending import send_campaign
from sidos.campaigns.suppression import erased_key
from sidos.campaigns.tests.helpers import make_campaign
from sidos.customers.models import Customer
from sidos.privacy import actions
from sidos.privacy.tests.dbsearch import find_everywhere
from sidos.privacy.tests.erasurehelpers import EMAIL, NEEDLES, SURVEY_TEXT, make_full_customer
from sidos.surveys import actions as survey_actions
from sidos.surveys.models import Answer, Invitation, InvitationStatus, QuestionKind, Survey
from sidos.surveys.results import survey_results
from sidos.surveys.tests.builders import full_answers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def zebulon(admin_user, tmp_path):
    return make_full_customer(admin_user, tmp_path)


def without_free_text(results: dict) -> dict:
    """Every figure but the free text and the breakdowns by the respondent's current stage and RFM
    segment (the stub is a former customer without scores: those answers move group, checked below)."""

    def figures(section):
        out = {k: v for k, v in section.items() if k != "question"}
        if "breakdowns" in out:
            out["breakdowns"] = {k: v for k, v in out["breakdowns"].items() if k not in ("stage", "segment")}
        return out

    return {
        **results,
        "questions": [figures(s) for s in results["questions"] if s["kind"] != QuestionKind.TEXT],
    }


def breakdown_counts(results: dict, name: str) -> list[int]:
    return [
        sum(row["count"] for row in section["breakdowns"][name])
        for section in results["questions"]
        if "breakdowns" in section
    ]


def free_text_total(results: dict) -> int:
    return next(s for s in results["questions"] if s["kind"] == QuestionKind.TEXT)["total"]


def test_survey_scores_stay_in_the_results_and_the_free_text_goes(zebulon, admin_user):
    survey = Survey.objects.get(name="Erasure survey")
    before = survey_results(survey)
    assert before["answered"] == 1 and before["responses"] == 1 and free_text_total(before) == 1
    pending = Invitation.objects.get(survey__name="Later survey")
    old_key = pending.key

    receipt = actions.erase_customer(zebulon, reason="DSR 12", actor=admin_user)

    after = survey_results(survey)
    assert without_free_text(after) == without_free_text(before)  # NPS, CSAT, choices, response rate
    for name in ("stage", "segment"):
        assert breakdown_counts(after, name) == breakdown_counts(before, name)
    nps = next(s for s in after["questions"] if s["kind"] == QuestionKind.NPS)
    assert [row["group"] for row in nps["breakdowns"]["stage"]] == ["former"]
    assert free_text_total(after) == 0
    assert not Answer.objects.filter(text=SURVEY_TEXT).exists()
    assert survey.responses.get().customer == receipt.stub
    pending.refresh_from_db()
    assert pending.customer == receipt.stub and pending.status == InvitationStatus.SKIPPED
    assert pending.key != old_key  # the link already mailed opens nothing
    assert receipt.counts["surveys"] == {"invitations_kept": 2, "responses_kept": 1, "free_text_answers": 1}


def test_a_public_form_text_that_names_the_customer_is_deleted_and_others_stay(zebulon, admin_user):
    survey = Survey.objects.get(name="Erasure survey")
    naming = survey_actions.submit(
        survey, full_answers(survey, **{QuestionKind.TEXT: [f"I am {EMAIL}, call me"]}), language="en"
    )
    other = survey_actions.submit(survey, full_answers(survey), language="en")
    receipt = actions.erase_customer(zebulon, reason="DSR 12", actor=admin_user)
    assert not naming.answers.exclude(text="").exists()
    assert naming.answers.count() == other.answers.count() - 1  # only the text answer went
    assert other.answers.filter(text="Friendly staff, slow delivery.").exists()
    assert receipt.counts["surveys"]["public_form_texts"] == 1


def test_the_campaign_report_adds_up_the_same_after_erasure(zebulon, admin_user):
    delivery = Delivery.objects.get(customer=zebulon)
    before = campaign_report(delivery.campaign)
    assert before["opened"] == 1 and before["clicked"] == 1
    receipt = actions.erase_customer(zebulon, reason="DSR 12", actor=admin_user)
    assert campaign_report(delivery.campaign) == before
    delivery.refresh_from_db()
    assert delivery.customer == receipt.stub and delivery.address == "" and delivery.error == ""
    assert not delivery.events.exclude(url="").exists()
    assert receipt.counts["campaigns"] == {"suppressions_hashed": 1, "click_urls": 1, "deliveries_kept": 1}


def reimport(tmp_path, address: str) -> Customer:
    path = tmp_path / "again.csv"
    path.write_text(f"first_name,email,city,marketing_email_consent\nZeb,{address},Oulu,true\n")
    call_command("import-customers", str(path), stdout=io.StringIO())
    return Customer.objects.get(email=address.lower())


def test_an_erased_suppressed_address_stays_suppressed_after_a_reimport(zebulon, admin_user, tmp_path):
    assert Suppression.objects.filter(address=EMAIL, reason=SuppressionReason.UNSUBSCRIBED).exists()
    actions.erase_customer(zebulon, reason="DSR 12", actor=admin_user)
    assert find_everywhere(NEEDLES) == []
    assert Suppression.objects.filter(address=erased_key(EMAIL)).exists()

    again = reimport(tmp_path, EMAIL.upper())  # the import lower-cases it, the hash does too
    assert again.email == EMAIL
    assert Customer.objects.filter(pk=again.pk).consenting("email", "marketing").exists()
    campaign = make_campaign({"city": ["Oulu"]}, name="Kevät")
    audience = campaign_actions.prepare_audience(campaign)
    assert audience["eligible"] == 0 and audience["suppressed"] == 1
    assert not Delivery.objects.filter(campaign=campaign).exists()

    # A row already in the send log (drawn before the erasure, say) is skipped at the hand-off too.
    Delivery.objects.create(campaign=campaign, customer=again, address=EMAIL, status=DeliveryStatus.PENDING)

    def no_smtp():
        raise AssertionError("nothing may be handed to SMTP")

    send_campaign(campaign.pk, connection_factory=no_smtp)
    assert Delivery.objects.get(campaign=campaign, customer=again).status == DeliveryStatus.SKIPPED


def test_a_reimported_address_not_suppressed_before_erasure_is_mailable(zebulon, admin_user, tmp_path):
    Suppression.objects.all().delete()
    actions.erase_customer(zebulon, reason="DSR 12", actor=admin_user)
    reimport(tmp_path, EMAIL)
    campaign = make_campaign({"city": ["Oulu"]}, name="Kevät")
    assert campaign_actions.prepare_audience(campaign)["eligible"] == 1


def test_a_confirmed_opt_in_lifts_an_erased_unsubscribe_but_not_a_bounce(zebulon, admin_user, tmp_path):
    campaign_actions.suppress(None, "zq.bounced@example.org", SuppressionReason.BOUNCED, source="DSN 5.1.1",
                              customer=zebulon)  # fmt: skip
    actions.erase_customer(zebulon, reason="DSR 12", actor=admin_user)
    again = reimport(tmp_path, EMAIL)
    campaign_actions.confirm_signup(again, EMAIL)  # the person asked for mail again
    assert not Suppression.objects.filter(address=erased_key(EMAIL)).exists()
    assert Suppression.objects.filter(address=erased_key("zq.bounced@example.org")).exists()
    campaign = make_campaign({"city": ["Oulu"]}, name="Kevät")
    assert campaign_actions.prepare_audience(campaign)["eligible"] == 1
