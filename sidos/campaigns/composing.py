"""Turning a campaign variant and a recipient into a message: placeholders, tracking, unsubscribe headers."""

import base64
import html
import re
import secrets
from email.header import Header
from email.utils import formatdate

from django.conf import settings

from sidos.campaigns import sandbox, tokens
from sidos.campaigns.audience import pick_language
from sidos.mail.actions import LOOP_HEADER, loop_token

HREF = re.compile(r"""href\s*=\s*(["'])(https?://[^"'\s]+)\1""", re.IGNORECASE)
BARE_URL = re.compile(r"""https?://[^\s<>"'{}]+""")


def campaign_links(variants) -> set[str]:
    """Every URL written in the campaign's content: the only places a click link may lead to.

    URLs built from placeholders are not in this set, so they are left as they are (not tracked).
    """
    found: set[str] = set()
    for variant in variants:
        found.update(html.unescape(match.group(2)) for match in HREF.finditer(variant.html))
        found.update(BARE_URL.findall(variant.text))
    return {url for url in found if "{" not in url}


class Composer:
    """Compiles a campaign's variants once, then renders one message per recipient."""

    def __init__(self, campaign, variants=None):
        self.campaign = campaign
        variants = list(variants if variants is not None else campaign.variants.all())
        if not variants:
            raise ValueError("the campaign has no language variant")
        self.languages = [variant.language for variant in variants]
        self.links = campaign_links(variants)
        self.subjects_b = {
            variant.language: sandbox.compile_part(variant.subject_b, html=False)
            for variant in variants
            if variant.subject_b.strip()
        }
        self.parts = {
            variant.language: (
                sandbox.compile_part(variant.subject, html=False),
                sandbox.compile_part(variant.html, html=True) if variant.html.strip() else None,
                sandbox.compile_part(variant.text, html=False),
            )
            for variant in variants
        }
        self.from_email = campaign.from_email or settings.DEFAULT_FROM_EMAIL
        self.loop = loop_token()
        self.urls = {name: tokens.url_maker(name) for name in ("unsubscribe", "click", "open")}

    def language_for(self, customer) -> str:
        return pick_language(customer.language, self.languages)

    def render(
        self, customer, *, delivery_id: int | None = None, language: str | None = None, arm: str = ""
    ) -> dict:
        """Subject, text and HTML for one customer; with a delivery id, links are tracked and signed."""
        language = language or self.language_for(customer)
        subject_t, html_t, text_t = self.parts[language]
        if arm == "b" and language in self.subjects_b:
            subject_t = self.subjects_b[language]
        unsubscribe = (
            self.urls["unsubscribe"](tokens.delivery_token(delivery_id, tokens.UNSUBSCRIBE))
            if delivery_id
            else settings.SIDOS_PUBLIC_URL.rstrip("/") + "/c/u/preview/"
        )
        context = sandbox.recipient_context(customer, unsubscribe_url=unsubscribe)
        subject = " ".join(sandbox.render_part(subject_t, context).split())
        text = sandbox.render_part(text_t, context)
        if "unsubscribe_url" not in text:
            text = f"{text.rstrip()}\n\n-- \n{unsubscribe}\n"
        body = sandbox.render_part(html_t, context) if html_t else None
        if body is not None and delivery_id:
            body = self._track(body, delivery_id, unsubscribe)
        return {
            "language": language,
            "subject": subject,
            "text": text,
            "html": body,
            "unsubscribe": unsubscribe,
        }

    def _track(self, body: str, delivery_id: int, unsubscribe: str) -> str:
        def replace(match):
            url = html.unescape(match.group(2))
            if url not in self.links:
                return match.group(0)
            link = self.urls["click"](tokens.click_token(delivery_id, url))
            return f'href="{html.escape(link)}"'

        body = HREF.sub(replace, body)
        if unsubscribe not in body:
            body += f'\n<p><a href="{html.escape(unsubscribe)}">Unsubscribe</a></p>'
        pixel = self.urls["open"](tokens.delivery_token(delivery_id, tokens.OPEN))
        tag = f'<img src="{html.escape(pixel)}" width="1" height="1" alt="">'
        closing = body.lower().rfind("</body>")
        return body[:closing] + tag + body[closing:] if closing >= 0 else body + tag

    def headers(self, *, message_id: str, unsubscribe: str) -> dict[str, str]:
        return {
            "Message-ID": f"<{message_id}>",
            # RFC 2369 and RFC 8058: mail clients offer the one-click unsubscribe, which POSTs here.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Precedence": "bulk",
            "X-Sidos-Campaign": str(self.campaign.pk),
            LOOP_HEADER: self.loop,
        }

    def raw_message(
        self, customer, *, delivery_id: int, message_id: str, address: str, language: str, arm: str = ""
    ) -> bytes:
        """The whole message as bytes, built directly: the email package's generator and header folding
        took most of the time per message (a campaign renders every message anew)."""
        parts = self.render(customer, delivery_id=delivery_id, language=language, arm=arm)
        return build_raw(
            from_email=self.from_email,
            to=address,
            subject=parts["subject"],
            text=parts["text"],
            html=parts["html"],
            headers=self.headers(message_id=message_id, unsubscribe=parts["unsubscribe"]),
        )


def _encoded_header(value: str) -> str:
    value = " ".join(value.split())  # no CR/LF can reach the header block
    return value if value.isascii() and len(value) < 900 else Header(value, "utf-8", maxlinelen=76).encode()


def _part(content_type: str, body: str) -> bytes:
    return (
        f'Content-Type: {content_type}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'.encode()
        + base64.encodebytes(body.encode("utf-8")).replace(b"\n", b"\r\n")
    )


def build_raw(*, from_email: str, to: str, subject: str, text: str, html: str | None, headers: dict) -> bytes:
    lines = [
        f"From: {_encoded_header(from_email)}",
        f"To: {_encoded_header(to)}",
        f"Subject: {_encoded_header(subject)}",
        f"Date: {formatdate(localtime=False)}",
        "MIME-Version: 1.0",
        *(f"{name}: {_encoded_header(value)}" for name, value in headers.items()),
    ]
    if html is None:
        return ("\r\n".join(lines) + "\r\n").encode() + _part("text/plain", text)
    boundary = f"=_sidos_{secrets.token_hex(12)}"
    lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    mark = f"--{boundary}\r\n".encode()
    return (
        head
        + mark
        + _part("text/plain", text)
        + mark
        + _part("text/html", html)
        + f"--{boundary}--\r\n".encode()
    )
