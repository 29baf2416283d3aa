"""Demo tickets, FAQ articles and canned responses for `sidos load-demo`.

Every ticket is made through the service desk's own actions (open, assign, reply, note, status, rating), so
the demo shows what the product really records: SLA clocks, events, the customer timeline and the audit
log. Each step runs at its moment in the ticket's history (freezegun moves the clock), which is what makes
some tickets sit near or past their SLA deadline when the demo opens. The plan is deterministic (fixed seed,
fixed cycle over types, channels and statuses); ages count back from the moment of loading, because SLA
deadlines are measured against the real clock.

Re-running changes nothing: each ticket is known by the Message-ID of its first message, and a ticket is
made in one transaction, so an interrupted run is completed by the next one.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from sidos.customers.models import Customer
from sidos.servicedesk import actions
from sidos.servicedesk.models import (
    CannedResponse,
    Channel,
    FaqArticle,
    FaqCategory,
    Priority,
    Status,
    Ticket,
    TicketMessage,
    TicketType,
)

SEED = 20261202
MAX_TICKETS = 300
# Ticket i follows STORIES[i % len(STORIES)]: (final status, agent replies, internal note, customer rating).
STORIES = [
    (Status.NEW, 0, False, None),
    (Status.NEW, 0, False, None),
    (Status.OPEN, 1, True, None),
    (Status.OPEN, 0, True, None),
    (Status.WAITING, 1, False, None),
    (Status.RESOLVED, 1, False, 5),
    (Status.RESOLVED, 2, True, 4),
    (Status.RESOLVED, 1, False, None),
    (Status.CLOSED, 1, True, 2),
    (Status.CLOSED, 2, False, 5),
    (Status.OPEN, 1, False, None),
]
TYPES = list(TicketType.values)
CHANNELS = list(Channel.values)
PRIORITIES = [(Priority.LOW, 2), (Priority.NORMAL, 6), (Priority.HIGH, 2), (Priority.URGENT, 1)]
# Hours before loading that a ticket was opened: recent ones are within their SLA, old open ones past it.
AGES_HOURS = [1, 3, 8, 20, 30, 44, 60, 96, 150, 240, 400, 700]

TEXTS = {
    "en": {
        TicketType.INQUIRY: (
            "Do you ship to the Åland Islands?",
            "Hello, can I order to Mariehamn, and how long does delivery take?",
        ),
        TicketType.COMPLAINT: (
            "My order arrived damaged",
            "The box was crushed and the thermos inside is dented. What now?",
        ),
        TicketType.CONTACT_REQUEST: (
            "Please call me",
            "I would like to talk about a group order for our hiking club.",
        ),
        TicketType.INFORMATION_REQUEST: (
            "What data do you hold about me?",
            "Please tell me what personal data you have on me.",
        ),
        TicketType.FEEDBACK: (
            "Great service in the store",
            "The staff in the store helped me find the right boots. Thanks!",
        ),
    },
    "fi": {
        TicketType.INQUIRY: (
            "Toimitatteko Ahvenanmaalle?",
            "Hei, voinko tilata Maarianhaminaan ja kauanko toimitus kestää?",
        ),
        TicketType.COMPLAINT: (
            "Tilaus tuli rikki",
            "Paketti oli ruttaantunut ja termospullo on lommolla. Mitä nyt?",
        ),
        TicketType.CONTACT_REQUEST: (
            "Soittakaa minulle",
            "Haluaisin jutella ryhmätilauksesta retkeilyseurallemme.",
        ),
        TicketType.INFORMATION_REQUEST: (
            "Mitä tietoja minusta on?",
            "Kertokaa, mitä henkilötietoja minusta on tallennettu.",
        ),
        TicketType.FEEDBACK: ("Hyvää palvelua myymälässä", "Myyjä auttoi löytämään sopivat kengät. Kiitos!"),
    },
}
REPLIES = {
    "en": [
        "Thank you for your message. We are looking into it and will get back to you shortly.",
        "Could you send us a photo and your order number, please?",
        "All sorted now: thank you for your patience.",
    ],
    "fi": [
        "Kiitos viestistäsi. Selvitämme asiaa ja palaamme pian.",
        "Voisitko lähettää kuvan ja tilausnumeron?",
        "Asia on nyt hoidettu: kiitos kärsivällisyydestäsi.",
    ],
}
NOTES = [
    "Checked the order history: first complaint from this customer.",
    "Asked the warehouse about the parcel; waiting for their answer.",
    "Soitettu asiakkaalle, ei vastannut. Yritetään huomenna uudelleen.",
]
CSAT_COMMENTS = {5: "Quick and friendly.", 4: "", 2: "Took far too long."}

FAQ = {
    ("orders", "Orders and delivery", 1): [
        (
            "How long does delivery take?",
            "Orders ship within two working days; delivery in Finland takes 1-3 days.",
        ),
        (
            "Kauanko toimitus kestää?",
            "Tilaukset lähtevät kahden arkipäivän kuluessa; toimitus Suomessa kestää 1-3 päivää.",
        ),
    ],
    ("returns", "Returns and refunds", 2): [
        (
            "How do I return a product?",
            "Return it within 30 days with the slip in the parcel; the refund follows in a week.",
        ),
        (
            "Miten palautan tuotteen?",
            "Palauta 30 päivän kuluessa paketin mukana tulleella lomakkeella; hyvitys viikossa.",
        ),
        ("Can I exchange a size?", "Yes: return the item and place a new order, or visit any of our stores."),
    ],
}
CANNED = [
    (
        "Thanks, we are on it (EN)",
        "Hello {first_name},\n\nthank you for contacting us about {reference}. "
        "We are looking into it and will get back to you shortly.",
    ),
    (
        "Kiitos, selvitämme (FI)",
        "Hei {first_name},\n\nkiitos yhteydenotostasi ({reference}). Selvitämme asiaa ja palaamme pian.",
    ),
    ("Ask for the order number (EN)", "Hello {first_name},\n\ncould you send us your order number, please?"),
    ("Pyydä tilausnumero (FI)", "Hei {first_name},\n\nvoisitko lähettää tilausnumerosi?"),
]


@dataclass(frozen=True)
class PlannedTicket:
    number: int
    customer_id: int
    ticket_type: str
    channel: str
    priority: str
    age: dt.timedelta
    story: tuple

    @property
    def message_id(self) -> str:
        return f"demo-ticket-{self.number}@demo.sidos.invalid"


def plan(customer_ids: list[int], count: int) -> list[PlannedTicket]:
    """The tickets, as data: the same customers give the same plan on every run."""
    rng = random.Random(SEED)
    priorities, weights = zip(*PRIORITIES, strict=True)
    return [
        PlannedTicket(
            number=number,
            customer_id=rng.choice(customer_ids),
            ticket_type=TYPES[number % len(TYPES)],
            channel=CHANNELS[(number // len(TYPES)) % len(CHANNELS)],
            priority=rng.choices(priorities, weights)[0],
            age=dt.timedelta(hours=rng.choice(AGES_HOURS), minutes=rng.randrange(60)),
            story=STORIES[number % len(STORIES)],
        )
        for number in range(count)
    ]


def ticket_count(customers: int) -> int:
    return min(MAX_TICKETS, max(len(STORIES) * len(TYPES), customers // 10))


def _make_ticket(planned: PlannedTicket, customer: Customer, agent, frozen, loaded_at: dt.datetime) -> None:
    status, replies, note, rating = planned.story
    language = "fi" if customer.language == "fi" else "en"
    subject, body = TEXTS[language][planned.ticket_type]
    opened = loaded_at - planned.age
    # Later steps fall evenly inside the ticket's age, never after the moment of loading.
    step = planned.age / (replies + 4)
    frozen.move_to(opened)
    order = (
        customer.orders.order_by("-ordered_at").first()
        if planned.ticket_type == TicketType.COMPLAINT
        else None
    )
    ticket = actions.open_ticket(
        None,
        subject=subject,
        body=body,
        channel=planned.channel,
        ticket_type=planned.ticket_type,
        customer=customer,
        priority=planned.priority,
        order=order,
        message_id=planned.message_id,
        acknowledge=False,
        audit_channel="cli",
    )
    moment = opened
    if status != Status.NEW:
        moment += step
        frozen.move_to(moment)
        actions.update_ticket(agent, ticket, {"assignee": agent}, audit_channel="cli")
    if note:
        moment += step
        frozen.move_to(moment)
        actions.add_note(agent, ticket, NOTES[planned.number % len(NOTES)], audit_channel="cli")
    for index in range(replies):
        moment += step
        frozen.move_to(moment)
        actions.reply(agent, ticket, REPLIES[language][index], audit_channel="cli")
    if status != Status.NEW:  # a no-op when a reply has already opened it
        moment += step
        frozen.move_to(moment)
        actions.update_ticket(agent, ticket, {"status": status}, audit_channel="cli")
    if rating is not None:
        frozen.move_to(moment + step / 2)
        actions.record_csat(ticket, rating, CSAT_COMMENTS[rating] or None)


def load_tickets(customers: list[Customer], agent, count: int) -> dict:
    """Make the planned tickets that are not there yet; {'created': n, 'present': m}."""
    # freezegun (the test extra) is only needed here, in a development command: imported late so that a
    # production install without it never needs it.
    try:
        from freezegun import freeze_time
    except ImportError as error:
        raise ImportError('demo tickets need freezegun: pip install -e ".[test]"') from error

    by_pk = {customer.pk: customer for customer in customers if customer.email}
    planned = plan(sorted(by_pk), count)
    present = set(
        TicketMessage.objects.filter(message_id__in=[p.message_id for p in planned]).values_list(
            "message_id", flat=True
        )
    )
    todo = [p for p in planned if p.message_id not in present]
    loaded_at = timezone.now()
    with freeze_time(loaded_at) as frozen:
        for planned_ticket in todo:
            with transaction.atomic():
                _make_ticket(planned_ticket, by_pk[planned_ticket.customer_id], agent, frozen, loaded_at)
    return {"created": len(todo), "present": len(present), "tickets": Ticket.objects.count()}


def load_help_content() -> dict:
    """The FAQ and canned responses (no personal data, so no actions: the admin edits them the same way)."""
    articles = 0
    for (slug, name, position), entries in FAQ.items():
        category, _created = FaqCategory.objects.get_or_create(
            slug=slug, defaults={"name": name, "position": position}
        )
        for order, (question, answer) in enumerate(entries):
            FaqArticle.objects.get_or_create(
                category=category, question=question, defaults={"answer": answer, "position": order}
            )
            articles += 1
    for title, body in CANNED:
        CannedResponse.objects.get_or_create(title=title, defaults={"body": body})
    return {"faq_articles": articles, "canned_responses": len(CANNED)}
