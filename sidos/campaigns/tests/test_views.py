import json

import pytest
from django.test import Client
from django_tasks import default_task_backend

from sidos.campaigns import actions, tasks
from sidos.campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, Segment
from sidos.campaigns.tests.helpers import BASE_VARIANTS, bulk_customers, make_campaign
from sidos.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer_client(marketer):
    client = Client()
    client.force_login(marketer)
    return client


def test_campaign_pages_need_a_login_and_a_campaign_role(agent_client, outsider_client, marketer_client):
    campaign = make_campaign()
    for url in ["/campaigns/", f"/campaigns/{campaign.pk}/", "/campaigns/segments/new/"]:
        assert Client().get(url).status_code == 302
        assert outsider_client.get(url).status_code == 403
        assert agent_client.get(url).status_code == 403
        assert marketer_client.get(url).status_code == 200
    assert agent_client.post(f"/campaigns/{campaign.pk}/send/").status_code == 403
    assert Client().post("/campaigns/segments/count/", {}).status_code == 302


def test_the_live_count_answers_for_a_definition_and_names_bad_fields(marketer_client):
    bulk_customers(10, country="FI", consent=lambda i: i % 2 == 0)
    response = marketer_client.post(
        "/campaigns/segments/count/", json.dumps({"country": ["fi"]}), content_type="application/json"
    )
    assert response.json() == {"count": 10, "reachable": 5}
    bad = marketer_client.post(
        "/campaigns/segments/count/", json.dumps({"churn_risk": ["extreme"]}), content_type="application/json"
    )
    assert bad.status_code == 400 and "churn_risk" in bad.json()["errors"]
    form = marketer_client.post("/campaigns/segments/count/", {"country": "SE"})
    assert form.json()["count"] == 0


def test_a_marketer_builds_a_segment_and_a_campaign_and_previews_it(marketer_client):
    bulk_customers(3, country="FI")
    response = marketer_client.post("/campaigns/segments/new/", {"name": "Suomi", "country": "FI"})
    assert response.status_code == 302
    segment = Segment.objects.get(name="Suomi")
    assert segment.definition == {"country": ["FI"]}
    data = {"name": "Kevät", "segment": segment.pk, "control_share": "0.1", "conversion_days": 14}
    for language, parts in BASE_VARIANTS.items():
        for part, value in parts.items():
            data[f"{language}_{part}"] = value
    assert marketer_client.post("/campaigns/new/", data).status_code == 302
    campaign = Campaign.objects.get(name="Kevät")
    assert set(campaign.variants.values_list("language", flat=True)) == {"fi", "en"}
    page = marketer_client.get(f"/campaigns/{campaign.pk}/")
    assert b"Hei Nimi1" in page.content or b"Hello Nimi0" in page.content
    assert AuditEntry.objects.filter(target_type="campaign_preview").exists()


def test_a_bad_template_is_shown_on_its_field(marketer_client):
    segment = Segment.objects.create(name="All")
    data = {
        "name": "X",
        "segment": segment.pk,
        "control_share": "0",
        "conversion_days": 14,
        "fi_subject": "Hei",
        "fi_text": "{% load static %}",
    }
    response = marketer_client.post("/campaigns/new/", data)
    assert response.status_code == 200
    assert b"variants.fi.text" in response.content
    assert not Campaign.objects.exists()


def test_sending_from_the_page_only_queues_and_the_task_draws_the_audience_once(
    marketer_client, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}}
    bulk_customers(4)
    campaign = make_campaign(control_share="0.25")
    with django_capture_on_commit_callbacks(execute=True):
        response = marketer_client.post(f"/campaigns/{campaign.pk}/send/")
    assert response.status_code == 302
    campaign.refresh_from_db()
    # The request drew nothing: the audience is the task's job.
    assert campaign.status == CampaignStatus.QUEUED and campaign.audience == {}
    assert not Delivery.objects.filter(campaign=campaign).exists()
    (result,) = default_task_backend.results
    assert result.args == [campaign.pk]
    page = marketer_client.get(f"/campaigns/{campaign.pk}/")
    assert b'id="preparing"' in page.content and b'id="report"' not in page.content
    # A second click does not queue a second send.
    with django_capture_on_commit_callbacks(execute=True):
        marketer_client.post(f"/campaigns/{campaign.pk}/send/")
    assert len(default_task_backend.results) == 1

    # A crashed task re-run: the draw already written is returned, not drawn again.
    drawn = actions.prepare_audience(campaign)
    held_out = Delivery.objects.filter(status=DeliveryStatus.CONTROL)
    control = set(held_out.values_list("customer_id", flat=True))
    assert drawn["control"] == 1 and drawn["treatment"] == 3
    assert actions.prepare_audience(campaign) == drawn
    assert tasks.send_campaign.call(campaign.pk)["outcome"] == "done"
    assert Delivery.objects.filter(campaign=campaign).count() == 4
    assert (
        set(Delivery.objects.filter(status=DeliveryStatus.CONTROL).values_list("customer_id", flat=True))
        == control
    )
    assert len(smtp_server.received) == 3
    report = marketer_client.get(f"/campaigns/{campaign.pk}/")
    assert b'data-metric="delivered">3<' in report.content
