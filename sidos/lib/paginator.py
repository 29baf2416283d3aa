"""A paginator whose count stops at a cap, so a broad filter over a million rows stays fast.

Counting every match of "country = FI" costs a scan of most of the table; nobody pages to page
20,000 of a customer list. Past the cap the list says "10,000+" and asks for a narrower search.
"""

from functools import cached_property

from django.core.paginator import Paginator

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        if hasattr(self.object_list, "capped_count"):  # a search: see customers/search.py
            return self.object_list.capped_count(self.cap)
        # LIMIT inside the count: the database stops after cap + 1 matches. Without ordering, or the
        # database would sort every match just to count the first ones.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap
