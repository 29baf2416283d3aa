from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sidos.customers.exporting import customer_archive, customer_document, dumps, find_customer
from sidos.privacy import audit
from sidos.privacy.models import AuditAction


class Command(BaseCommand):
    help = (
        "Print one customer's complete record as JSON: profile, contact points, consents, orders, tickets, "
        "analytics, timeline. With --zip, write the same download the customer portal gives (JSON + CSVs)."
    )

    def add_arguments(self, parser):
        parser.add_argument("key", help="internal id (#12), customer_id or e-mail address")
        parser.add_argument("--zip", metavar="FILE", help="write the portal's ZIP download to FILE instead")

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
            summary="export-customer --zip" if options["zip"] else "export-customer",
        )
        if options["zip"]:
            try:
                Path(options["zip"]).write_bytes(customer_archive(document))
            except OSError as error:
                raise CommandError(f"cannot write {options['zip']}: {error}", returncode=2)
            self.stdout.write(f"wrote {options['zip']}")
            return
        self.stdout.write(dumps(document))
