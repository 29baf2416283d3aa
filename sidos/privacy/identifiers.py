"""Every string that identifies one customer, gathered before an erasure removes them."""

import phonenumbers

from sidos.customers.models import ContactKind, Customer
from sidos.privacy.registry import holders

# A bare first name or a short value also occurs in other people's data: such values are removed from
# this customer's own rows, but never searched for in anyone else's.
MIN_DISTINCTIVE = 6


def _phone_spellings(e164: str) -> list[str]:
    """The stored E.164 number and the ways it is written in mail and notes (040 123 4567, 358401234567)."""
    spellings = [e164, e164.lstrip("+")]
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return spellings
    for style in (phonenumbers.PhoneNumberFormat.NATIONAL, phonenumbers.PhoneNumberFormat.INTERNATIONAL):
        written = phonenumbers.format_number(number, style)
        spellings += [written, written.replace(" ", ""), written.replace(" ", "-")]
    return spellings


def identifiers_of(customer: Customer) -> tuple[list[str], list[str]]:
    """(all identifiers, the distinctive ones), longest first."""
    emails = {customer.email} | set(
        customer.contact_points.filter(kind=ContactKind.EMAIL).values_list("value", flat=True)
    )
    phones = {customer.phone} | set(
        customer.contact_points.filter(kind=ContactKind.PHONE).values_list("value", flat=True)
    )
    full_name = f"{customer.first_name} {customer.last_name}".strip()
    distinctive = {*emails, full_name, customer.name, customer.street, customer.external_id or ""}
    distinctive.update(customer.aliases.values_list("external_id", flat=True))
    for phone in phones - {""}:
        distinctive.update(_phone_spellings(phone))
    for holder in holders():
        if holder.identifiers is not None:
            distinctive.update(holder.identifiers(customer))
    everything = distinctive | {customer.first_name, customer.last_name}
    by_length = lambda values: sorted({v.strip() for v in values if v and v.strip()}, key=len, reverse=True)  # noqa: E731
    return by_length(everything), [v for v in by_length(distinctive) if len(v) >= MIN_DISTINCTIVE]
