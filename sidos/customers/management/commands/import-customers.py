from sidos.customers.importing import CustomerImporter
from sidos.customers.management.importcommand import ImportCommand


class Command(ImportCommand):
    help = "Import customers from a CSV file (PRODUCT.md Conventions: customer columns)."

    def make_importer(self, source, options):
        return CustomerImporter(source)
