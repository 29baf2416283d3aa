"""Staff pages: login and role on every one, sending from the results page, the download."""

import pytest
from django.urls import reverse

from sidos.privacy.models import AuditEntry
from sidos.surveys.models import Invitation
from sidos.surveys.tests.builders import consenting_customer, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    return make_survey("Staff view")


def urls(survey):
    return [
        reverse("surveys:list"),
        reverse("surveys:results", args=[survey.pk]),
        reverse("surveys:export", args=[survey.pk]),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, survey):
    for url in [*urls(survey), reverse("surveys:invite", args=[survey.pk])]:
        response = client.get(url) if not url.endswith("invite/") else client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_staff_without_a_survey_role_see_nothing(outsider_client, agent_client, survey):
    for client in (outsider_client, agent_client):
        for url in urls(survey):
            assert client.get(url).status_code == 403, url
        assert client.post(reverse("surveys:invite", args=[survey.pk])).status_code == 403


def test_an_analyst_reads_and_exports_but_cannot_send(client, analyst, survey):
    client.force_login(analyst)
    page = client.get(reverse("surveys:results", args=[survey.pk]))
    assert page.status_code == 200 and "Invite customers" not in page.content.decode()
    assert client.get(reverse("surveys:export", args=[survey.pk])).status_code == 200
    consenting_customer("aino@example.fi")
    assert client.post(reverse("surveys:invite", args=[survey.pk])).status_code == 403
    assert not Invitation.objects.exists()
    assert AuditEntry.objects.filter(actor=analyst, target_type="survey.results").exists()


def test_a_marketer_counts_the_audience_and_sends(client, marketer, survey):
    client.force_login(marketer)
    consenting_customer("loyal@example.fi", stage="commitment")
    consenting_customer("trial@example.fi", stage="trial")
    page = client.get(reverse("surveys:results", args=[survey.pk]), {"stage": "commitment", "language": ""})
    assert "1 customer can be invited." in page.content.decode()
    response = client.post(
        reverse("surveys:invite", args=[survey.pk]), {"stage": "commitment", "language": ""}
    )
    assert response.status_code == 302
    assert [i.customer.email for i in Invitation.objects.select_related("customer")] == ["loyal@example.fi"]


def test_the_list_shows_surveys_with_their_counts(client, marketer, survey):
    client.force_login(marketer)
    page = client.get(reverse("surveys:list")).content.decode()
    assert "Staff view" in page and reverse("surveys:results", args=[survey.pk]) in page


def test_a_marketer_invites_a_saved_campaign_segment(client, marketer, survey):
    from sidos.campaigns.models import Segment

    client.force_login(marketer)
    consenting_customer("helsinki@example.fi", city="Helsinki")
    consenting_customer("turku@example.fi", city="Turku")
    segment = Segment.objects.create(name="Helsinki", definition={"city": ["Helsinki"]})
    page = client.get(reverse("surveys:results", args=[survey.pk]), {"segment": segment.pk})
    assert "1 customer can be invited." in page.content.decode()
    form = {"segment": segment.pk, "stage": "", "language": ""}
    client.post(reverse("surveys:invite", args=[survey.pk]), form)
    invited = [i.customer.email for i in Invitation.objects.select_related("customer")]
    assert invited == ["helsinki@example.fi"]
