"""Customer search that stays fast at a million rows.

Every term is a prefix match on an indexed, lower-cased column (names, e-mail, phone) or an exact
match on customer_id, so both SQLite and PostgreSQL answer from an index instead of scanning.

A term is looked for in several columns at once, and an OR of those is what neither planner gets
right on a sorted list: PostgreSQL walks the whole name index hoping to meet the first 50 matches
early (they all sit in one place: 6 s for "Veet"), SQLite fetches every row of every branch to sort
them (47,000 surnames start with "sal"). SearchResults asks each column separately, in list order
and only as deep as the page, and merges the answers; each of those queries is one index range.
"""

import heapq
import re

import phonenumbers
from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from sidos.customers.models import LIST_FILTERS, CustomerTagIndex

_DIGITS = re.compile(r"\D")
# The highest code point: "abc" <= value < "abc\U0010ffff" is exactly "value starts with abc".
_AFTER_EVERYTHING = "\U0010ffff"


def prefix(field: str, value: str) -> Q:
    # The searched columns compare by code point on both databases (SQLite's BINARY; the "C"
    # collation on PostgreSQL, migrations customers/0006 and 0008), so a prefix is one index range
    # and the list order is Python's string order, which SearchResults relies on when it merges.
    if connection.vendor == "postgresql":
        # In the "C" collation LIKE 'abc%' is a range of the column's ordinary index, and PostgreSQL
        # estimates its size from the statistics (it cannot for a range that ends in U+10FFFF).
        return Q(**{f"{field}__startswith": value})
    # SQLite will not use an index for LIKE … ESCAPE, which Django emits; a range does.
    return Q(**{f"{field}__gte": value, f"{field}__lt": value + _AFTER_EVERYTHING})


def branches(query: str) -> list[Q]:
    """Where a typed term may be found, one condition per indexed column; empty for a blank term."""
    text = " ".join(query.split())
    if not text:
        return []
    lowered = text.lower()
    found = [Q(external_id=text), prefix("search_name", lowered), prefix("search_surname", lowered)]
    if "@" in text or "." in text:
        found.append(prefix("email", lowered))
    digits = _DIGITS.sub("", text)
    if len(digits) >= 4 and len(digits) >= len(text.replace(" ", "")) - 2:
        # Stored numbers are E.164; a local number typed with its trunk 0 is read in the default region.
        region_code = phonenumbers.country_code_for_region(settings.SIDOS_DEFAULT_PHONE_REGION)
        found += [prefix("phone", "+" + digits), prefix("phone", f"+{region_code}{digits.lstrip('0')}")]
    return found


def matching(queryset, query: str):
    """The customers a term finds, as one filter (for counting and for small sets)."""
    found = branches(query)
    if not found:
        return queryset
    condition = Q()
    for branch in found:
        condition |= branch
    return queryset.filter(condition)


class SearchResults:
    """A sorted, filtered queryset narrowed by a search term, sliced and counted one branch at a time.

    Quacks like the queryset for Django's Paginator and the API's pages: slicing gives the page's
    customers in list order, count() is exact, capped_count() stops past a cap.
    """

    def __init__(self, queryset, query: str):
        self.queryset = queryset
        self.branches = branches(query)
        self.ordering = tuple(queryset.query.order_by)
        names = [name.removeprefix("-") for name in self.ordering]
        if not self.branches or names[-1] not in ("id", "pk"):
            raise ValueError("SearchResults needs a search term and an ordering that ends in the id")
        descending = {name.startswith("-") for name in self.ordering}
        if len(descending) != 1:
            raise ValueError("SearchResults merges orderings that run one way only")
        self.descending = descending.pop()
        self.names = names

    ordered = True

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("SearchResults takes a slice such as [0:50]")
        start, stop = index.start or 0, index.stop
        if stop is None:
            raise TypeError("SearchResults needs the end of the slice")
        if stop <= start:
            return []
        # Each branch in list order, only as deep as the end of the page: one index range each.
        sorted_branches = [
            self.queryset.filter(branch).values_list(*self.names)[:stop] for branch in self.branches
        ]
        merged = heapq.merge(*sorted_branches, reverse=self.descending)
        keys, seen = [], set()
        for key in merged:
            if key[-1] not in seen:  # a customer found by two branches comes once
                seen.add(key[-1])
                keys.append(key)
            if len(keys) == stop:
                break
        wanted = [key[-1] for key in keys[start:stop]]
        if not wanted:
            return []
        by_pk = self.queryset.filter(pk__in=wanted).order_by().in_bulk()
        return [by_pk[pk] for pk in wanted if pk in by_pk]

    def count(self) -> int:
        return self.queryset.filter(self._any_branch()).order_by().count()

    def capped_count(self, cap: int) -> int:
        """The number of matches, or cap + 1 when there are more than cap."""
        found: set[int] = set()
        for branch in self.branches:
            # Index-only reads of ids: without ordering, the database stops after cap + 1.
            found.update(self.queryset.filter(branch).order_by().values_list("pk", flat=True)[: cap + 1])
            if len(found) > cap:
                return cap + 1
        return len(found)

    def _any_branch(self) -> Q:
        condition = Q()
        for branch in self.branches:
            condition |= branch
        return condition


class TaggedList:
    """A sorted queryset filtered by a tag and by plain column values, counted from the tag index.

    customer_tag_index (migration customers/0007) carries the list filters, so counting "tag b2b in
    Sweden" up to the cap reads that table alone instead of rechecking every tagged customer's row.
    """

    ordered = True

    def __init__(self, queryset, tag: str, columns: dict):
        if set(columns) - set(LIST_FILTERS):
            raise ValueError(f"the tag index carries only {', '.join(LIST_FILTERS)}")
        self.queryset, self.tag, self.columns = queryset, tag.strip().lower(), columns

    def __getitem__(self, index):
        return self.queryset[index]

    def count(self) -> int:
        return self.queryset.count()

    def capped_count(self, cap: int) -> int:
        return CustomerTagIndex.objects.filter(tag=self.tag, **self.columns)[: cap + 1].count()


def results(queryset, query: str, *, tag: str = "", columns: dict | None = None):
    """The list for a sorted, filtered queryset and a typed search: the queryset itself when blank.

    With a tag, pass the tag and the plain column filters already applied to the queryset too, so
    the capped count can come from the tag index.
    """
    if branches(query):
        return SearchResults(queryset, query)
    if tag:
        return TaggedList(queryset, tag, columns or {})
    return queryset


def has_tag(tag: str) -> Q:
    """Customers whose tag list holds exactly this tag (tags are stored lower-cased)."""
    tag = tag.strip().lower()
    if connection.vendor == "postgresql":
        # jsonb containment, served by the GIN index from migration customers/0004.
        return Q(tags__contains=[tag])
    # SQLite: the trigger-kept tag index of migration customers/0007. EXISTS probes its primary key
    # once per candidate row, in whatever order the list index walks.
    return Q(Exists(CustomerTagIndex.objects.filter(tag=tag, customer=OuterRef("pk"))))
