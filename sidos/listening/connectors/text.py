"""Post HTML (Mastodon content, feed summaries) to plain text: tags dropped, scripts and styles with their
content, paragraphs and line breaks kept as newlines, entities decoded. The result is still untrusted text
to be escaped wherever it is shown; this only makes sure no markup is mistaken for words."""

import re

from sidos.lib.htmltext import html_to_text as _html_to_text


def html_to_text(html: str) -> str:
    if "<" not in html and "&" not in html:
        return tidy(html)
    return tidy(_html_to_text(html))


def tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\xa0", " ")
    lines = [re.sub(r"[ \t\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
