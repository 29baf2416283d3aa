"""Post HTML (Mastodon content, feed summaries) to plain text: tags dropped, scripts and styles with their
content, paragraphs and line breaks kept as newlines, entities decoded. The result is still untrusted text
to be escaped wherever it is shown; this only makes sure no markup is mistaken for words."""

import re
from html.parser import HTMLParser

_DROP = {"script", "style", "template", "noscript", "iframe", "object", "svg", "math", "head", "title"}
_BLOCK = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "tr",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
}


class _TextParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _DROP:
            self._dropping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")
        elif tag == "img" and not self._dropping:
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)  # custom emoji and images keep their alt text as words

    def handle_startendtag(self, tag, attrs):
        if tag not in _DROP:  # <script/> is no container
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _DROP:
            self._dropping = max(0, self._dropping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self._dropping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    if "<" not in html and "&" not in html:
        return tidy(html)
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return tidy("".join(parser.parts))


def tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\xa0", " ")
    lines = [re.sub(r"[ \t\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
