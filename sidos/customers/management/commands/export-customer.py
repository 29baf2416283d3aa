from django.core.management.base import BaseCommand, CommandError

from sidos.customers.exporting import customer_document, dumps, find_customer
from sidos.privacy import audit
from sidos.privacy.models import AuditAction


class Command(BaseCommand):
    help = (
        "Print one customer's complete record as JSON: profile, contact points, consents, orders, timeline."
    )

    def add_arguments(self, parser):
        parser.add_argument("key", help="internal id (#12), customer_id or e-mail address")

    def handle(self, *args, **options):
        customer = find_customer(options["key"])
        if customer is None:
            raise CommandError(f"no customer matches {options['key']!r}", returncode=2)
        document = customer_document(customer)
        audit.record(
            None,
            AuditAction.EXPORT,
            "customer",
            customer.pk,
            customer_id=customer.pk,
            channel="cli",
            summary="export-customer",
        )
        self.stdout.write(dumps(document))
