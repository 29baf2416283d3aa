import json

from django.core.management.base import BaseCommand, CommandError

from sidos.customers.exporting import find_customer
from sidos.privacy.actions import AlreadyErased, ErasureError, erase_customer, erased_receipt


class Command(BaseCommand):
    help = (
        "Erase one customer's personal data everywhere (orders and tickets are kept, anonymised) and "
        "print the erasure receipt. Exit 0 erased (or already erased), 2 nothing done."
    )

    def add_arguments(self, parser):
        parser.add_argument("key", help="internal id (#12), customer_id or e-mail address")
        parser.add_argument(
            "--reason", required=True, help="why, e.g. the request it answers (no personal data)"
        )
        parser.add_argument("--json", action="store_true", help="print a one-line JSON summary last")

    def handle(self, *args, **options):
        key = options["key"].strip()
        customer = find_customer(key)
        try:
            if customer is None:
                # An erased id is known only by its receipt: say so instead of "no such customer".
                former = key.lstrip("#")
                receipt = erased_receipt(int(former)) if former.isdigit() else None
                if receipt is None:
                    return self._fail(options, f"no customer matches {key!r}")
                raise AlreadyErased(receipt)
            receipt = erase_customer(customer, reason=options["reason"], actor="cli", channel="cli")
        except AlreadyErased as done:
            # The customer's data is gone, which is what was asked: a rerun (after a crash, or twice from
            # a script) succeeds and changes nothing.
            self.stdout.write(str(done))
            return self._summary(options, done.receipt, already=True)
        except ErasureError as error:
            return self._fail(options, str(error))
        self.stdout.write(
            f"erased customer #{receipt.customer_id}; kept records now belong to #{receipt.stub_id} "
            f"(receipt {receipt.pk})"
        )
        for app, counts in receipt.counts.items():
            for what, count in counts.items():
                self.stdout.write(f"  {app}.{what}: {count}")
        return self._summary(options, receipt, already=False)

    def _summary(self, options, receipt, *, already: bool):
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "erased": not already,
                        "already_erased": already,
                        "customer_id": receipt.customer_id,
                        "stub_id": receipt.stub_id,
                        "receipt": receipt.pk,
                        "counts": receipt.counts,
                    }
                )
            )

    def _fail(self, options, message: str):
        if options["json"]:
            self.stdout.write(json.dumps({"erased": False, "error": message}))
        raise CommandError(message, returncode=2)
