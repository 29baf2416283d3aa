"""Demo posts for `sidos load-demo`: a week of public talk about a bank in five languages.

Ingested through the same path as a file, so the demo queue shows what the shipped classifier makes of
them. Three authors' handles are given to demo customers, so their posts arrive linked.
"""

import datetime as dt

from sidos.listening import actions
from sidos.listening.connectors.base import PostRecord
from sidos.listening.models import SocialHandle, SourceKind

POSTS = [
    (
        "fi",
        "@liisa_k",
        "Verkkopankki kaatui taas kesken laskujen maksun. Kolmas kerta tällä viikolla, ihan surkeaa!",
    ),
    (
        "fi",
        "@jarmo",
        "Jonotin konttorissa 50 minuuttia ja sitten kassa suljettiin nenän edestä. Uskomatonta palvelua.",
    ),
    ("fi", "@tiina_m", "Kiitos asiakaspalvelulle, laina-asia hoitui nopeasti ja ystävällisesti!"),
    (
        "fi",
        "@pekka",
        "Kortti lakkasi toimimasta ulkomailla eikä asiakaspalveluun saa yhteyttä. Raivostuttavaa.",
    ),
    ("fi", "@annika", "Mobiilisovelluksen päivitys tuli tänään, katsotaan miten toimii."),
    ("fi", "@ville", "Taas uusi palvelumaksu tilille. Miksi pitää maksaa siitä että rahat on teillä?"),
    (
        "sv",
        "@erik_s",
        "Mobilbanken har legat nere hela förmiddagen och jag kan inte betala hyran. Helt oacceptabelt.",
    ),
    ("sv", "@maja", "Bra och snabb hjälp i telefon idag, tack!"),
    ("sv", "@lars", "Ännu ett bankkontor stänger i vår stad. Nu måste pensionärerna åka 40 km."),
    ("nb", "@ingrid", "Kortet mitt ble sperret uten grunn og kundeservice svarer ikke. Elendig."),
    ("nb", "@ola_n", "Nettbanken er treg igjen i dag, tar evigheter å logge inn."),
    ("nb", "@kari", "Fikk god hjelp med boliglånet, veldig fornøyd."),
    ("ru", "@olga", "Опять не работает мобильный банк, не могу оплатить счета. Ужасный сервис!"),
    ("ru", "@dmitri", "В отделении очередь на час, работает одно окно. Безобразие."),
    ("ru", "@irina", "Спасибо за быструю помощь с картой!"),
    (
        "en",
        "@sam_h",
        "Your app has been down all morning and support just keeps me on hold. Worst bank ever.",
    ),
    ("en", "@chris", "Charged another hidden fee on my account this month. Ridiculous."),
    ("en", "@jo", "Branch staff were lovely today, sorted my card in five minutes."),
    ("en", "@pat", "Interest rates announcement at noon, anyone watching?"),
    ("en", "@alex", "Card declined at the supermarket again even though I have money. So embarrassing."),
]
# Authors whose handles belong to demo customers (by position in the customer list).
LINKED = {"@liisa_k": 0, "@pekka": 1, "@erik_s": 2}


def load_posts(customers, now: dt.datetime) -> actions.IngestSummary:
    source = actions.get_or_create_source(
        "demo-mastodon", SourceKind.MASTODON, {"instance": "https://example.social"}
    )
    for handle, index in LINKED.items():
        if index < len(customers):
            SocialHandle.objects.get_or_create(
                network=SourceKind.MASTODON,
                handle=handle.lstrip("@"),
                defaults={"customer": customers[index]},
            )
    records = [
        PostRecord(
            external_id=f"demo-{n}",
            text=text,
            created_at=now - dt.timedelta(hours=3 * n + 1),
            author_handle=handle,
            lang=lang,
            url=f"https://example.social/{handle}/{n}",
            like_count=(7 * n) % 23,
            reshare_count=(5 * n) % 11,
        )
        for n, (lang, handle, text) in enumerate(POSTS)
    ]
    return actions.ingest_records(source, records)
