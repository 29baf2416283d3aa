"""The proof: a 10,000-recipient campaign survives its SMTP server going away mid-send."""

import threading
from collections import Counter

import pytest

from sidos.campaigns import sending
from sidos.campaigns.models import CampaignStatus, Delivery, DeliveryStatus
from sidos.campaigns.tests.helpers import bulk_customers, make_campaign, smtp_factory
from sidos.mail.tests.servers import SmtpServer

pytestmark = pytest.mark.django_db


class StopsAfter:
    """Accepts `limit` messages, then answers 421 (service closing) like a server going down."""

    def __init__(self, limit: int):
        self.limit = limit
        self.received: list[dict] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if len(self.received) >= self.limit:
                return "421 4.3.2 Service shutting down"
            self.received.append({"to": list(envelope.rcpt_tos), "content": envelope.original_content})
        return "250 OK"


def consent_of(i: int):
    return {0: True, 1: True, 2: True, 3: True, 4: True, 5: True, 6: True, 7: False, 8: None, 9: None}[i % 10]


def suppressed(i: int) -> bool:
    return i % 20 == 3  # consented, but on the suppression list


def test_a_campaign_resumes_after_an_smtp_outage_and_sends_each_copy_once(settings):
    settings.SIDOS_PUBLIC_URL = "http://testserver"
    customers = bulk_customers(10_000, consent=consent_of, suppressed=suppressed)
    campaign = make_campaign(control_share="0.1")

    first = SmtpServer()
    first.handler = StopsAfter(3_000)
    first.start()
    try:
        result = sending.send_campaign(
            campaign.pk, batch_size=250, rate=0, connection_factory=smtp_factory(first.port)
        )
    finally:
        first.stop()
    assert result["outcome"] == "interrupted"
    assert len(first.handler.received) == 3_000
    assert Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENT).count() == 3_000
    assert not Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENDING).exists()

    # While the server is down, a retry changes nothing.
    down = sending.send_campaign(
        campaign.pk, batch_size=250, rate=0, connection_factory=smtp_factory(first.port)
    )
    assert down["outcome"] == "interrupted"
    assert Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENT).count() == 3_000

    second = SmtpServer(port=first.port).start()
    try:
        done = sending.send_campaign(
            campaign.pk, batch_size=250, rate=0, connection_factory=smtp_factory(first.port)
        )
    finally:
        second.stop()
    assert done["outcome"] == "done"

    got = Counter(rcpt for item in first.handler.received + second.received for rcpt in item["to"])
    by_address = {customer.email: i for i, customer in enumerate(customers)}
    control = set(
        Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.CONTROL).values_list(
            "address", flat=True
        )
    )
    eligible = {email for email, i in by_address.items() if consent_of(i) is True and not suppressed(i)}
    assert len(control) == round(0.1 * len(eligible))
    assert control <= eligible
    assert set(got) == eligible - control
    assert set(got.values()) == {1}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert campaign.audience["no_consent"] == 3_000 and campaign.audience["suppressed"] == 500


def test_rows_left_mid_hand_off_by_a_crash_are_never_sent_again(settings):
    settings.SIDOS_PUBLIC_URL = "http://testserver"
    bulk_customers(30)
    campaign = make_campaign()
    from sidos.campaigns import actions

    actions.prepare_audience(campaign)
    crashed = list(Delivery.objects.filter(campaign=campaign).order_by("id")[:5])
    Delivery.objects.filter(pk__in=[row.pk for row in crashed]).update(status=DeliveryStatus.SENDING)
    server = SmtpServer().start()
    try:
        result = sending.send_campaign(campaign.pk, rate=0, connection_factory=smtp_factory(server.port))
    finally:
        server.stop()
    assert result["in_doubt"] == 5
    recipients = {rcpt for item in server.received for rcpt in item["to"]}
    assert len(recipients) == 25
    assert not recipients & {row.address for row in crashed}
    assert Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.IN_DOUBT).count() == 5
