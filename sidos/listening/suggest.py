"""The suggested first answer to a negative post, by customer type (seed 003's webcare plan).

The thesis found that a loyal customer who complains in public wants to be heard first: an acknowledgement
and an apology. An occasional customer is better served by a concrete remedy. "Loyal" here is what
analytics knows: the two most valuable deciles or an RFM segment of regulars. An author we cannot link
gets an acknowledgement that asks them to continue in private, where we can identify them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

LOYAL_SEGMENTS = {"champions", "loyal", "potential_loyalists", "cant_lose"}
TOP_DECILES = 9

# The answer is in the post's language; English where we have no text of our own.
TEXTS = {
    "apology": {
        "en": (
            "We are sorry, and thank you for telling us. You have been with us a long time and this is "
            "not the service you should get. We are looking into it now and will get back to you "
            "personally."
        ),
        "fi": (
            "Olemme pahoillamme, ja kiitos että kerroit. Olet ollut asiakkaanamme pitkään, eikä tämä "
            "ole palvelua, jota sinun kuuluu saada. Selvitämme asian nyt ja palaamme sinulle "
            "henkilökohtaisesti."
        ),
        "sv": (
            "Vi ber om ursäkt och tackar för att du berättade. Du har varit kund hos oss länge och det "
            "här är inte den service du ska få. Vi undersöker saken nu och återkommer personligen."
        ),
        "nb": (
            "Vi beklager, og takk for at du sa ifra. Du har vært kunde hos oss lenge, og dette er ikke "
            "den servicen du skal få. Vi ser på saken nå og kommer tilbake til deg personlig."
        ),
        "ru": (
            "Приносим извинения и благодарим, что сообщили нам. Вы давно с нами, и такого обслуживания "
            "вы не заслуживаете. Мы уже разбираемся и свяжемся с вами лично."
        ),
    },
    "remedy": {
        "en": (
            "Sorry about this. Send us a private message with your details and we will fix it: we can "
            "refund the fee or arrange a replacement right away."
        ),
        "fi": (
            "Pahoittelut tästä. Lähetä meille yksityisviesti yhteystietoinesi, niin korjaamme asian: "
            "voimme hyvittää maksun tai järjestää korvaavan heti."
        ),
        "sv": (
            "Vi beklagar. Skicka ett privat meddelande med dina uppgifter så ordnar vi det: vi kan "
            "återbetala avgiften eller ordna en ersättning direkt."
        ),
        "nb": (
            "Beklager dette. Send oss en privat melding med opplysningene dine, så ordner vi det: vi "
            "kan refundere gebyret eller ordne en erstatning med en gang."
        ),
        "ru": (
            "Извините за это. Напишите нам в личные сообщения с вашими данными, и мы всё исправим: "
            "можем вернуть комиссию или сразу организовать замену."
        ),
    },
    "acknowledge": {
        "en": (
            "Thank you for letting us know, and sorry for the trouble. Could you send us a private "
            "message so we can look at your case?"
        ),
        "fi": (
            "Kiitos että kerroit, ja pahoittelut harmista. Voisitko lähettää meille yksityisviestin, "
            "jotta voimme katsoa tilannettasi?"
        ),
        "sv": (
            "Tack för att du hörde av dig, och förlåt besväret. Kan du skicka ett privat meddelande så "
            "att vi kan titta på ditt ärende?"
        ),
        "nb": (
            "Takk for at du sa ifra, og beklager bryet. Kan du sende oss en privat melding, så vi kan "
            "se på saken din?"
        ),
        "ru": (
            "Спасибо, что сообщили, и извините за неудобства. Не могли бы вы написать нам в личные "
            "сообщения, чтобы мы разобрались в вашей ситуации?"
        ),
    },
}
REASONS = {
    "apology": _("A loyal or high-value customer: acknowledge and apologise first."),
    "remedy": _("An occasional customer: offer a concrete remedy."),
    "acknowledge": _("The author is not linked to a customer: acknowledge and continue in private."),
}


@dataclass(frozen=True)
class Suggestion:
    kind: str  # apology / remedy / acknowledge
    reason: str
    text: str
    lang: str


def customer_type(score) -> str:
    """apology for a loyal or high-value customer, remedy for an occasional one (score: a CustomerScore)."""
    if score is not None and (
        (score.value_decile is not None and score.value_decile >= TOP_DECILES)
        or score.segment in LOYAL_SEGMENTS
    ):
        return "apology"
    return "remedy"


def suggest(post, score) -> Suggestion:
    kind = "acknowledge" if post.customer_id is None else customer_type(score)
    lang = post.lang if post.lang in TEXTS[kind] else "en"
    return Suggestion(kind=kind, reason=str(REASONS[kind]), text=TEXTS[kind][lang], lang=lang)


def current_score(customer):
    if customer is None:
        return None
    from sidos.analytics.models import CustomerScore

    return CustomerScore.objects.filter(run__is_current=True, customer=customer).first()
