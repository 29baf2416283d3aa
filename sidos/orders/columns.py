"""The orders CSV format (PRODUCT.md Conventions) and the spellings people use for it."""

from sidos.customers.columns import header_aliases
from sidos.orders.models import Channel, OrderStatus

ORDER_COLUMNS = [
    "order_id",
    "customer_id",
    "ordered_at",
    "amount",
    "currency",
    "quantity",
    "channel",
    "store",
    "product",
    "status",
]

ORDER_ALIASES = header_aliases(
    {
        "order_id": [
            "order number",
            "order no",
            "tilausnumero",
            "tilaus id",
            "tilausnro",
            "ordernummer",
            "ordrenummer",
            "ordernr",
        ],
        "customer_id": [
            "customer number",
            "customer no",
            "external id",
            "asiakasnumero",
            "asiakas id",
            "asiakastunnus",
            "kundnummer",
            "kundnr",
            "kundenummer",
        ],
        "ordered_at": [
            "order date",
            "date",
            "ordered",
            "purchase date",
            "tilauspäivä",
            "tilauspaiva",
            "päivämäärä",
            "orderdatum",
            "datum",
            "ordredato",
            "dato",
        ],
        "amount": [
            "total",
            "sum",
            "price",
            "value",
            "summa",
            "hinta",
            "arvo",
            "belopp",
            "summa eur",
            "beløp",
            "belop",
        ],
        "currency": ["valuutta", "valuta"],
        "quantity": ["qty", "count", "määrä", "maara", "kpl", "antal", "antall"],
        "channel": ["sales channel", "kanava", "myyntikanava", "kanal", "säljkanal", "salgskanal"],
        "store": ["shop", "location", "myymälä", "myymala", "kauppa", "toimipiste", "butik", "butikk"],
        "product": ["item", "sku", "tuote", "produkt", "vara", "vare"],
        "status": ["order status", "tila", "tilauksen tila", "orderstatus", "ordrestatus"],
    }
)

CHANNEL_WORDS = {
    Channel.WEB: {
        "web",
        "online",
        "webshop",
        "web shop",
        "e-commerce",
        "ecommerce",
        "internet",
        "verkkokauppa",
        "verkko",
        "nettbutikk",
        "nätbutik",
        "webbutik",
        "app",
        "mobile",
    },
    Channel.STORE: {
        "store",
        "shop",
        "retail",
        "pos",
        "myymälä",
        "kauppa",
        "butik",
        "butikk",
        "in store",
        "branch",
    },
    Channel.PHONE: {"phone", "telephone", "puhelin", "telefon"},
    Channel.EMAIL: {"email", "e-mail", "sähköposti", "e-post"},
    Channel.MARKETPLACE: {"marketplace", "amazon", "markkinapaikka"},
}
CHANNEL_BY_WORD = {word: channel.value for channel, words in CHANNEL_WORDS.items() for word in words}

STATUS_WORDS = {
    OrderStatus.PLACED: {"placed", "new", "open", "pending", "uusi", "avoin", "ny", "mottatt"},
    OrderStatus.PAID: {"paid", "maksettu", "betald", "betalt"},
    OrderStatus.SHIPPED: {"shipped", "sent", "lähetetty", "skickad", "sendt"},
    OrderStatus.DELIVERED: {"delivered", "toimitettu", "levererad", "levert"},
    OrderStatus.COMPLETED: {
        "completed",
        "complete",
        "done",
        "closed",
        "valmis",
        "klar",
        "fullført",
        "fullford",
    },
    OrderStatus.CANCELLED: {"cancelled", "canceled", "peruttu", "peruutettu", "avbruten", "kansellert"},
    OrderStatus.RETURNED: {"returned", "refunded", "palautettu", "returnerad", "returnert"},
}
STATUS_BY_WORD = {word: status.value for status, words in STATUS_WORDS.items() for word in words}
