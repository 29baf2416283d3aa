"""Custom attribute keys in the record of processing: declared ones, and those found undeclared."""

from sidos.customers.models import Customer
from sidos.privacy.models import AttributeDeclaration


def found_keys() -> set[str]:
    # Read in chunks of the JSON column only: the key set is small even when customers are many.
    keys: set[str] = set()
    rows = Customer.objects.exclude(attributes={}).values_list("attributes", flat=True)
    for attributes in rows.iterator(2000):
        if isinstance(attributes, dict):
            keys.update(attributes)
    return keys


def attribute_rows() -> tuple[list[AttributeDeclaration], list[str]]:
    declared = list(AttributeDeclaration.objects.all())
    known = {declaration.key for declaration in declared}
    return declared, sorted(found_keys() - known)
