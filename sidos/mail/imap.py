"""`sidos mail-poll`: take new messages from an IMAP mailbox, each exactly once.

The cursor is the mailbox's UIDVALIDITY and the highest UID taken; UIDs only grow within one
UIDVALIDITY, so "UID > last" is exactly the new mail even if a person reads or moves messages in
the meantime. A changed UIDVALIDITY (mailbox recreated) starts over; the duplicate Message-ID check
keeps that from opening tickets twice.
"""

import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sidos.mail import actions, ingest

DEFAULT_PORTS = {"imap": 143, "imap+starttls": 143, "imaps": 993}
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class PollError(Exception):
    """The mailbox cannot be reached or opened: nothing was done."""


@dataclass(frozen=True)
class ImapConfig:
    scheme: str
    host: str
    port: int
    user: str
    password: str
    folder: str

    @property
    def key(self) -> str:
        """Names the mailbox in the cursor table and in sources; never the password."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


def parse_imap_url(url: str) -> ImapConfig:
    """imaps://user:pass@host:993/INBOX, imap+starttls://…, or imap://… (loopback and tests only)."""
    parsed = urlparse(url)
    if parsed.scheme not in DEFAULT_PORTS:
        raise ImproperlyConfigured(
            f"SIDOS_IMAP_URL scheme must be one of {sorted(DEFAULT_PORTS)}, not {parsed.scheme!r}"
        )
    if not parsed.hostname or not parsed.username:
        raise ImproperlyConfigured("SIDOS_IMAP_URL needs a user and a host: imaps://user:password@host/INBOX")
    if parsed.scheme == "imap" and parsed.hostname not in LOOPBACK and not settings.DEBUG:
        # The password would cross the network in clear text.
        raise ImproperlyConfigured(
            "SIDOS_IMAP_URL: use imaps:// or imap+starttls:// for a host other than loopback"
        )
    return ImapConfig(
        scheme=parsed.scheme,
        host=parsed.hostname,
        port=parsed.port or DEFAULT_PORTS[parsed.scheme],
        user=unquote(parsed.username),
        password=unquote(parsed.password or ""),
        folder=unquote(parsed.path.lstrip("/")) or "INBOX",
    )


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def connect(config: ImapConfig, timeout: float = 30) -> imaplib.IMAP4:
    try:
        if config.scheme == "imaps":
            connection = imaplib.IMAP4_SSL(
                config.host, config.port, ssl_context=ssl.create_default_context(), timeout=timeout
            )
        else:
            connection = imaplib.IMAP4(config.host, config.port, timeout=timeout)
            if config.scheme == "imap+starttls":
                connection.starttls(ssl.create_default_context())
        connection.login(config.user, config.password)
    except (OSError, imaplib.IMAP4.error) as error:
        raise PollError(f"cannot log in to {config.key}: {error}") from error
    return connection


def _fetched_bytes(data) -> bytes | None:
    for item in data or ():
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


class _Disposal:
    """What happens to a message on the server once it is safely in our database."""

    def __init__(self, connection: imaplib.IMAP4, setting: str):
        self.connection = connection
        self.mode, _, self.target = setting.partition(":")
        if self.mode not in ("flag", "move", "delete") or (self.mode == "move" and not self.target):
            raise ImproperlyConfigured('SIDOS_IMAP_PROCESSED must be "flag", "move:FOLDER" or "delete"')
        self.expunge = False

    def __call__(self, uid: str) -> None:
        if self.mode == "flag":
            self.connection.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        elif self.mode == "move":
            if "MOVE" in self.connection.capabilities:
                self.connection.uid("MOVE", uid, _quoted(self.target))
            else:
                self.connection.uid("COPY", uid, _quoted(self.target))
                self.connection.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
                self.expunge = True
        else:
            self.connection.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
            self.expunge = True

    def finish(self) -> None:
        if self.expunge:
            self.connection.expunge()


def poll(url: str | None = None, *, processed: str | None = None, handler=None, limit: int | None = None):
    """Ingest every message not taken before; returns an ingest.Summary."""
    config = parse_imap_url(url or settings.SIDOS_IMAP_URL)
    handler = handler or ingest.inbound_handler()
    connection = connect(config)
    summary = ingest.Summary()
    try:
        status, _ = connection.select(_quoted(config.folder))
        if status != "OK":
            raise PollError(f"cannot open folder {config.folder!r} on {config.key}")
        uidvalidity = int(connection.response("UIDVALIDITY")[1][0])
        last_uid = actions.imap_cursor(config.key, uidvalidity)
        status, data = connection.uid("SEARCH", None, f"UID {last_uid + 1}:*")
        if status != "OK":
            raise PollError(f"UID SEARCH failed on {config.key}")
        # "n:*" always matches the highest UID even when it is below n, so filter.
        uids = sorted(
            uid for uid in (int(token) for token in re.findall(rb"\d+", data[0] or b"")) if uid > last_uid
        )
        dispose = _Disposal(connection, processed or settings.SIDOS_IMAP_PROCESSED)
        for uid in uids[:limit] if limit else uids:
            status, data = connection.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = _fetched_bytes(data) if status == "OK" else None
            if raw is None:
                continue  # expunged by someone else between SEARCH and FETCH
            summary[
                ingest.ingest_bytes(raw, source=f"imap:{config.key}:{uidvalidity}:{uid}", handler=handler)
            ] += 1
            actions.advance_imap_cursor(config.key, uidvalidity, uid)
            dispose(str(uid))
        dispose.finish()
    except (OSError, imaplib.IMAP4.error) as error:
        raise PollError(f"IMAP error on {config.key}: {error}") from error
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            connection.logout()
    return summary
