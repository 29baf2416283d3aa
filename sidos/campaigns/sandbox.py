"""The template language campaign authors get: Django's, cut down to what cannot reach anything.

Placeholders such as {{ first_name|default:"asiakas" }} and {% if city %}…{% endif %} work; {% load %},
{% include %}, {% extends %}, {% url %}, {% csrf_token %} and the rest do not exist here. The engine
has no loaders or directories, and the context is a dict of plain strings built from the customer
(recipient_context), never a model, so no lookup can run a query or call a method with effects.
"""

from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters, defaulttags

register = Library()
for _name in ("if", "for", "firstof", "spaceless", "now", "comment", "filter", "autoescape"):
    register.tag(_name, defaulttags.register.tags[_name])
for _name in (
    "default",
    "default_if_none",
    "upper",
    "lower",
    "title",
    "capfirst",
    "truncatewords",
    "truncatechars",
    "linebreaksbr",
    "date",
    "yesno",
    "length",
    "cut",
    "urlencode",
    "striptags",
):
    register.filter(_name, defaultfilters.register.filters[_name])


class SandboxEngine(Engine):
    # Engine adds its default builtins (every default tag, {% include %}, {% extends %}) to any given.
    default_builtins = []


HTML_ENGINE = SandboxEngine(builtins=[__name__], autoescape=True, dirs=[], loaders=[], libraries={})
TEXT_ENGINE = SandboxEngine(builtins=[__name__], autoescape=False, dirs=[], loaders=[], libraries={})

PLACEHOLDERS = ["first_name", "last_name", "name", "email", "city", "country", "unsubscribe_url"]


def compile_part(source: str, *, html: bool):
    """A compiled template, or TemplateSyntaxError saying what is wrong (unknown tag, unclosed block)."""
    return (HTML_ENGINE if html else TEXT_ENGINE).from_string(source)


def render_part(template, context: dict) -> str:
    # Context autoescapes by default whatever the engine says; the text parts must not be HTML-escaped.
    return template.render(Context(context, autoescape=template.engine.autoescape))


def check(source: str, *, html: bool) -> str | None:
    """None if the source compiles, else the error message."""
    try:
        compile_part(source, html=html)
    except TemplateSyntaxError as error:
        return str(error)
    return None


def recipient_context(customer, *, unsubscribe_url: str = "") -> dict:
    return {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "name": customer.display_name,
        "email": customer.email,
        "city": customer.city,
        "country": customer.country,
        "unsubscribe_url": unsubscribe_url,
    }
