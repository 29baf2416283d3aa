import json

import pytest
from django.core.management import call_command

from sidos.campaigns.models import Suppression
from sidos.mail.models import DeliveryReport, InboundMessage

pytestmark = pytest.mark.django_db


def test_the_bounce_command_suppresses_logged_addresses_with_a_permanent_failure(capsys):
    from sidos.campaigns import actions
    from sidos.campaigns.tests.helpers import bulk_customers, make_campaign

    (customer,) = bulk_customers(1)
    actions.prepare_audience(make_campaign())
    inbound = InboundMessage.objects.create(message_id="dsn@mx", sha256="x", raw=b"")
    DeliveryReport.objects.create(inbound=inbound, recipient=customer.email, action="failed", status="5.7.1")
    call_command("campaigns-bounces", "--json")
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"suppressed": 1}
    assert Suppression.objects.get().address == customer.email
