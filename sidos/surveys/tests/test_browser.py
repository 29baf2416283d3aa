"""A customer answers a mailed survey in a real Chromium; staff see it in the results and the timeline."""

import os
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from sidos.conftest import PASSWORD
from sidos.surveys import tokens
from sidos.surveys.models import Answer, Invitation, InvitationStatus, QuestionKind
from sidos.surveys.tests.builders import consenting_customer, make_survey

# Playwright's sync API runs an event loop in this thread; the ORM calls here are still plain sync calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SIDOS_SCREENSHOT_DIR", "/tmp")


def test_a_customer_answers_every_kind_of_question_and_staff_see_it(page: Page, live_server, analyst):
    survey = make_survey("Autumn survey")
    customer = consenting_customer("aino@example.fi", language="fi", first_name="Aino", last_name="Aalto")
    invitation = Invitation.objects.create(survey=survey, customer=customer, status=InvitationStatus.SENT)
    link = live_server.url + reverse("survey_public:answer", args=[tokens.token_for(invitation.key)])

    page.set_viewport_size({"width": 1200, "height": 1400})
    page.goto(link)
    expect(page.get_by_role("heading", name="Autumn survey (fi)")).to_be_visible()
    page.screenshot(path=os.path.join(SCREENSHOTS, "survey-answer.png"), full_page=True)
    nps = page.locator('[data-kind="nps"]')
    # First a send with the required NPS missing: the page names the question and keeps the rest.
    page.locator('[data-kind="csat"]').get_by_role("radio", name="4").check()
    page.get_by_role("button", name="Lähetä vastaukset").click()
    expect(nps.locator(".error")).to_have_text("Tähän kysymykseen tarvitaan vastaus.")
    expect(page.locator('[data-kind="csat"]').get_by_role("radio", name="4")).to_be_checked()

    nps.get_by_role("radio", name="9").check()
    page.locator('[data-kind="single"]').get_by_label("Palvelu").check()
    page.locator('[data-kind="multiple"]').get_by_label("Hinta").check()
    page.locator('[data-kind="multiple"]').get_by_label("Valikoima").check()
    page.locator('[data-kind="scale"]').get_by_role("radio", name="6").check()
    page.locator('[data-kind="text"] textarea').fill("Ystävällinen palvelu, hidas toimitus.")
    page.get_by_role("button", name="Lähetä vastaukset").click()
    expect(page.get_by_role("heading", name="Kiitos paljon!")).to_be_visible()
    answers = {a.question.kind: a for a in Answer.objects.select_related("question")}
    assert answers[QuestionKind.MULTIPLE].choices == ["price", "range"]
    assert answers[QuestionKind.SCALE].number == 6

    page.goto(link)  # the link again: answered once, and only once
    expect(page.get_by_role("heading", name="Olet jo vastannut tähän kyselyyn. Kiitos!")).to_be_visible()

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Surveys", exact=True).click()
    page.get_by_role("link", name="Autumn survey").click()
    expect(page.locator('[data-figure="nps"]')).to_have_text("100.0")
    expect(page.locator('[data-figure="csat-mean"]')).to_have_text("4.00")
    multiple = page.locator('[data-kind="multiple"]')
    expect(multiple.locator('[data-choice="range"]')).to_contain_text("100.0")
    expect(page.get_by_text("Ystävällinen palvelu, hidas toimitus.")).to_be_visible()
    page.screenshot(path=os.path.join(SCREENSHOTS, "survey-results.png"), full_page=True)

    page.get_by_role("link", name="Aino Aalto").click()
    expect(page).to_have_url(re.compile(rf"/{customer.pk}/?$"))
    expect(page.locator(".event-survey .event-title").first).to_have_text("Answered the survey Autumn survey")
