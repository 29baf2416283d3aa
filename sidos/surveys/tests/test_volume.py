"""A send to thousands: each consented customer gets one invitation and one mail, in one pass."""

import pytest

from sidos.customers.models import Customer
from sidos.mail.models import OutboundMessage
from sidos.surveys import actions
from sidos.surveys.models import Invitation
from sidos.surveys.tests.builders import make_survey

pytestmark = pytest.mark.django_db
CUSTOMERS = 3000


def test_three_thousand_customers_get_exactly_one_mail_each(admin_user):
    survey = make_survey()
    # Every third customer has said no to marketing mail and is never asked about surveys.
    Customer.objects.bulk_create(
        Customer(first_name=f"C{n}", email=f"c{n}@example.fi", marketing_email_consent=n % 3 != 0)
        for n in range(CUSTOMERS)
    )
    counts = actions.invite(admin_user, survey, Customer.objects.all())
    consented = sum(1 for n in range(CUSTOMERS) if n % 3 != 0)
    assert counts["sent"] == consented and counts["not_eligible"] == CUSTOMERS - consented
    addresses = [
        address for message in OutboundMessage.objects.filter(purpose="survey") for address in message.to
    ]
    assert len(addresses) == len(set(addresses)) == consented
    assert not any(int(address[1:].split("@")[0]) % 3 == 0 for address in addresses)
    assert Invitation.objects.count() == consented
    assert actions.invite(admin_user, survey, Customer.objects.all())["sent"] == 0
    assert OutboundMessage.objects.filter(purpose="survey").count() == consented
