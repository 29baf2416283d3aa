import io

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sidos.accounts.actions import create_staff_user
from sidos.accounts.models import Role
from sidos.customers.demodata import ANCHOR, DEFAULT_CUSTOMERS, generate
from sidos.customers.importing import CustomerImporter
from sidos.customers.importjob import run_import
from sidos.customers.models import Customer, CustomerAlias
from sidos.orders.importing import OrderImporter
from sidos.orders.models import Order
from sidos.servicedesk import demodata as desk_demo
from sidos.surveys import demodata as survey_demo

DEMO_PASSWORD = "demo"
# username -> role; the password of each is DEMO_PASSWORD.
DEMO_LOGINS = {
    "admin": Role.ADMIN,
    "agent": Role.AGENT,
    "marketer": Role.MARKETER,
    "analyst": Role.ANALYST,
    "privacy": Role.PRIVACY_OFFICER,
    "webcare": Role.WEBCARE,
}
ID_CHUNK = 500


def _count_present(model, external_ids: list[str]) -> int:
    return sum(model.objects.filter(external_id__in=external_ids[start:start + ID_CHUNK]).count()
               for start in range(0, len(external_ids), ID_CHUNK))


class Command(BaseCommand):
    help = (f"Load the demo data set through the CSV importers and create the demo logins (password "
            f"'{DEMO_PASSWORD}'). Development only (SIDOS_DEBUG=1). Running it again changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS,
                            help=f"how many customer rows to generate (default {DEFAULT_CUSTOMERS})")
        parser.add_argument("--reimport", action="store_true",
                            help="import the files again even when the demo is loaded (nothing changes)")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("load-demo creates logins with the password 'demo', so it runs only in "
                               "development: set SIDOS_DEBUG=1", returncode=2)
        if options["customers"] < 1:
            raise CommandError("--customers must be at least 1", returncode=2)
        data = generate(options["customers"])
        # Merging a demo duplicate turns its customer_id into an alias: that still counts as loaded.
        customers_present = (_count_present(Customer, data.customer_ids)
                             + _count_present(CustomerAlias, data.customer_ids))
        orders_present = _count_present(Order, data.order_ids)
        loaded = customers_present >= len(data.customer_ids) and orders_present == len(data.order_ids)
        if loaded and not options["reimport"]:
            self.stdout.write(f"demo data already loaded: {len(data.customer_ids)} customers, "
                              f"{len(data.order_ids)} orders")
        else:
            for label, importer, text in (("customers", CustomerImporter("demo"), data.customers_csv),
                                          ("orders", OrderImporter("demo"), data.orders_csv)):
                summary = run_import(importer, io.BytesIO(text.encode()), f"demo-{label}.csv")
                self.stdout.write(f"{label}: {summary.rows} rows, {summary.created} created, "
                                  f"{summary.updated} updated, {summary.unchanged} unchanged, "
                                  f"{summary.rejected} rejected")
                if summary.rejected:
                    raise CommandError(f"the demo {label} file had rejected rows: see {summary.errors}")
            self.stdout.write(f"demo data: {len(data.customer_ids)} customers ({len(data.duplicates)} "
                              f"deliberate duplicates), {len(data.order_ids)} orders from {data.first_order} "
                              f"to {data.last_order} (the demo's 'today' is {ANCHOR})")
        self._logins()
        self._service_desk(data.customer_ids)
        self._surveys(data.customer_ids)
        self._listening(data.customer_ids)

    def _listening(self, customer_ids: list[str]) -> None:
        from django.utils import timezone

        from sidos.listening import demodata as listening_demo

        customers = list(Customer.objects.filter(external_id__in=customer_ids[:3]).order_by("external_id"))
        summary = listening_demo.load_posts(customers, timezone.now())
        self.stdout.write(f"demo posts: {summary.created} created ({summary.negative} negative), "
                          f"{summary.unchanged} already there")

    def _service_desk(self, customer_ids: list[str]) -> None:
        chunks = [customer_ids[start:start + ID_CHUNK] for start in range(0, len(customer_ids), ID_CHUNK)]
        customers = [row for chunk in chunks for row in Customer.objects.filter(external_id__in=chunk)]
        agent = get_user_model().objects.get(username="agent")
        try:
            tickets = desk_demo.load_tickets(customers, agent, desk_demo.ticket_count(len(customer_ids)))
        except ImportError as error:
            raise CommandError(str(error), returncode=2)
        help_content = desk_demo.load_help_content()
        self.stdout.write(f"demo tickets: {tickets['created']} created, {tickets['present']} already there; "
                          f"{help_content['faq_articles']} FAQ articles, "
                          f"{help_content['canned_responses']} canned responses")

    def _surveys(self, customer_ids: list[str]) -> None:
        chunks = [customer_ids[start:start + ID_CHUNK] for start in range(0, len(customer_ids), ID_CHUNK)]
        customers = [row for chunk in chunks for row in Customer.objects.filter(external_id__in=chunk)]
        result = survey_demo.load_survey(customers)
        self.stdout.write("demo survey: already there" if result["present"]
                          else f"demo survey: {result['responses']} responses")

    def _logins(self) -> None:
        users = get_user_model().objects
        created = []
        for username, role in DEMO_LOGINS.items():
            if not users.filter(username=username).exists():
                create_staff_user(username, DEMO_PASSWORD, role)
                created.append(username)
        if created:
            self.stdout.write(f"demo logins created (password '{DEMO_PASSWORD}'): {', '.join(created)}")
