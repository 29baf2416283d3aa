"""The customer CSV format (PRODUCT.md Conventions) and the header spellings people use for it."""

from sidos.lib.csvfiles import normalise_header

CUSTOMER_COLUMNS = [
    "customer_id",
    "type",
    "first_name",
    "last_name",
    "name",
    "email",
    "phone",
    "street",
    "postal_code",
    "city",
    "country",
    "language",
    "birth_date",
    "marketing_email_consent",
    "tags",
    "created_at",
]
# Not in the Conventions' list but part of a lossless round trip.
EXTRA_COLUMNS = ["stage"]

_SPELLINGS = {
    "customer_id": ["customer number", "customer no", "external id", "asiakasnumero", "asiakas id",
                    "asiakastunnus", "asiakasnro", "kundnummer", "kundnr", "kund id", "kundenummer", "kunde id"],
    "type": ["customer type", "kind", "tyyppi", "asiakastyyppi", "typ", "kundtyp", "kundetype"],
    "first_name": ["firstname", "given name", "forename", "etunimi", "förnamn", "fornamn", "fornavn"],
    "last_name": ["lastname", "surname", "family name", "sukunimi", "efternamn", "etternavn"],
    "name": ["organisation", "organization", "organisation name", "organization name", "company", "company name",
             "yritys", "yrityksen nimi", "organisaatio", "företag", "foretag", "firma", "bedrift"],
    "email": ["e mail", "email address", "e mail address", "mail", "sähköposti", "sahkoposti", "sähköpostiosoite",
              "sposti", "e post", "epost", "e postadress", "e postadresse"],
    "phone": ["telephone", "tel", "mobile", "phone number", "mobile phone", "puhelin", "puhelinnumero",
              "matkapuhelin", "gsm", "telefon", "mobil", "mobilnummer", "telefonnummer"],
    "street": ["address", "street address", "address line 1", "katuosoite", "osoite", "lähiosoite",
               "gatuadress", "adress", "gateadresse", "adresse"],
    "postal_code": ["postcode", "post code", "zip", "zip code", "postinumero", "postnummer"],
    "city": ["town", "kaupunki", "postitoimipaikka", "paikkakunta", "kotikunta", "ort", "stad", "postort",
             "poststed", "sted"],
    "country": ["maa", "land", "country code"],
    "language": ["lang", "kieli", "asiointikieli", "språk", "sprak", "sprog"],
    "birth_date": ["birthdate", "date of birth", "dob", "birthday", "syntymäaika", "syntymaaika", "syntymäpäivä",
                   "födelsedatum", "fødselsdato"],
    "marketing_email_consent": ["marketing consent", "email consent", "newsletter", "marketing email",
                                "markkinointilupa", "sähköpostimarkkinointi", "uutiskirje", "suoramarkkinointilupa",
                                "marknadsföringssamtycke", "nyhetsbrev", "samtykke markedsføring"],
    "tags": ["tag", "labels", "tunnisteet", "avainsanat", "taggar", "etiketter", "stikkord"],
    "created_at": ["created", "created date", "luotu", "luontipäivä", "skapad", "opprettet"],
    "stage": ["relationship stage", "lifecycle stage", "vaihe", "asiakkuuden vaihe", "fas", "fase"],
}


def header_aliases(spellings: dict[str, list[str]]) -> dict[str, str]:
    aliases = {}
    for column, names in spellings.items():
        for name in [column, *names]:
            aliases[normalise_header(name)] = column
    return aliases


CUSTOMER_ALIASES = header_aliases(_SPELLINGS)

PERSON_WORDS = {"person", "individual", "private", "consumer", "b2c", "henkilö", "henkilo", "yksityinen",
                "kuluttaja", "privat", "privatperson", "person"}
ORGANISATION_WORDS = {"organisation", "organization", "org", "company", "business", "b2b", "yritys",
                      "organisaatio", "yhteisö", "företag", "foretag", "bedrift", "firma"}

COUNTRY_NAMES = {
    "finland": "FI", "suomi": "FI", "fin": "FI",
    "sweden": "SE", "sverige": "SE", "ruotsi": "SE", "swe": "SE",
    "norway": "NO", "norge": "NO", "noreg": "NO", "norja": "NO", "nor": "NO",
    "denmark": "DK", "danmark": "DK", "tanska": "DK", "dnk": "DK",
    "estonia": "EE", "eesti": "EE", "viro": "EE", "est": "EE",
    "russia": "RU", "venäjä": "RU", "россия": "RU", "rus": "RU",
    "germany": "DE", "saksa": "DE", "deu": "DE",
    "united kingdom": "GB", "uk": "GB", "gbr": "GB",
    "united states": "US", "usa": "US",
}

LANGUAGE_NAMES = {
    "finnish": "fi", "suomi": "fi", "finska": "fi", "finsk": "fi",
    "swedish": "sv", "svenska": "sv", "ruotsi": "sv", "svensk": "sv",
    "norwegian": "nb", "norsk": "nb", "norja": "nb", "bokmål": "nb", "no": "nb",
    "russian": "ru", "venäjä": "ru", "русский": "ru", "ryska": "ru", "russisk": "ru",
    "english": "en", "englanti": "en", "engelska": "en", "engelsk": "en",
}
