from sidos.customers.management.importcommand import ImportCommand
from sidos.orders.importing import OrderImporter


class Command(ImportCommand):
    help = "Import orders from a CSV file (PRODUCT.md Conventions: orders columns)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--create-customers",
            action="store_true",
            help="create a minimal customer for an unknown customer_id instead of rejecting the row",
        )

    def make_importer(self, source, options):
        return OrderImporter(source, create_customers=options["create_customers"])
