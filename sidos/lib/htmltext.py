"""HTML to readable plain text, with the standard library's parser: HTML mail (Outlook, marketing tools)
and public posts (Mastodon content, feed summaries) alike. Scripts, styles and embedded objects are dropped
with their content; the result is still untrusted text, to be escaped wherever it is shown."""

import re
from html.parser import HTMLParser

BLOCK = {
    "address",
    "article",
    "blockquote",
    "div",
    "dl",
    "dt",
    "dd",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tr",
    "ul",
}
SKIP = {"script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg", "math"}


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0
        self.pre = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self.skipping += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in BLOCK:
            self.out.append("\n")
            if tag == "li":
                self.out.append("- ")
            if tag == "pre":
                self.pre += 1
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.out.append(f"[{alt}]")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in SKIP:
            self.skipping -= 1

    def handle_endtag(self, tag):
        if tag in SKIP:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in BLOCK:
            self.out.append("\n")
            if tag == "pre":
                self.pre = max(self.pre - 1, 0)

    def handle_data(self, data):
        if self.skipping:
            return
        if self.pre:
            self.out.append(data.replace("\n", "\x00"))  # protected from whitespace folding below
        else:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    collector = _TextCollector()
    try:
        collector.feed(html)
        collector.close()
    except Exception:  # the parser is lenient, but a pathological document must not lose the message
        return re.sub(r"<[^>]+>", " ", html)
    text = "".join(collector.out).replace("\xa0", " ")
    lines = [line.strip().replace("\x00", "\n") for line in text.split("\n")]
    folded = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", folded).strip()
