"""The one HTTP client every connector uses: bounded in time and size, and honest about rate limits.

Built on the standard library's urllib, with an opener that speaks only http and https (urllib's default
opener would also read file:// and ftp:// URLs, which a source config must never reach), follows
redirects only to http(s), and turns every failure into a ConnectorError the poller can back off on.
"""

import http.client
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any

from sidos.listening.connectors.base import ConnectorError

USER_AGENT = "Sidos/0.1 (self-hosted customer management; social listening)"
# Seconds for connecting and for each wait on the server, and for the whole body: a server that drips
# bytes is cut off. (http.client caps the header block at 100 lines, which bounds a dripped header too.)
DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # a feed or API page larger than this is refused, not truncated
RATE_LIMITED = (429, 503)
_CHUNK = 64 * 1024
_ERROR_BYTES = 1024


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes
    url: str

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConnectorError(f"{self.url}: the response is not valid JSON ({exc})")

    def links(self) -> dict[str, str]:
        """The Link header's targets by rel ("next", "prev"), as Mastodon paginates."""
        return parse_link_header(", ".join(self.headers.get_all("Link") or []))

    def rate_limit_wait(self, now: datetime | None = None) -> float | None:
        """Seconds until the source's rate-limit window resets, when this response used the last call."""
        return rate_limit_wait(self.headers, now)


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            raise ConnectorError(f"{req.full_url}: redirected to a non-HTTP URL, refused")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class HttpClient:
    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        user_agent: str = USER_AGENT,
    ):
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.user_agent = user_agent
        # Proxies from the environment still apply: self-hosted installs often sit behind one.
        self._opener = urllib.request.OpenerDirector()
        for handler in (
            urllib.request.ProxyHandler(),
            urllib.request.HTTPHandler(),
            urllib.request.HTTPSHandler(context=ssl.create_default_context()),
            _HttpOnlyRedirects(),
            urllib.request.HTTPErrorProcessor(),
            urllib.request.HTTPDefaultErrorHandler(),
        ):
            self._opener.add_handler(handler)

    def get(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        accept_status: tuple[int, ...] = (200,),
    ) -> Response:
        """GET `url` and return the whole body. Raises ConnectorError for a status outside
        `accept_status` (with retry_after for 429/503), a network error, a timeout or an oversize body."""
        check_url(url)
        if params:
            query = urllib.parse.urlencode(
                {k: v for k, v in params.items() if v is not None and v != ""}, doseq=True
            )
            url = f"{url}{'&' if urllib.parse.urlsplit(url).query else '?'}{query}" if query else url
        # check_url above allows http(s) only, and the opener has no file/ftp handlers.
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, **(headers or {})})  # noqa: S310
        deadline = time.monotonic() + self.timeout
        try:
            try:
                raw = self._opener.open(request, timeout=self.timeout)
            except urllib.error.HTTPError as exc:
                raw = exc  # an HTTPError is itself the response, body and headers included
            with raw:
                status = getattr(raw, "status", None) or raw.code
                if status not in accept_status:
                    # Only the start of an error page is worth reading: it goes into the message.
                    raise _status_error(Response(status, raw.headers, _start(raw), url))
                body = self._read(raw, url, deadline)
                response = Response(status, raw.headers, body, url)
        except ConnectorError:
            raise
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise ConnectorError(f"{url}: timed out after {self.timeout:g} s")
            raise ConnectorError(f"{url}: {reason}")
        return response

    def _read(self, raw, url: str, deadline: float) -> bytes:
        length = raw.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            raise ConnectorError(f"{url}: the response is {length} bytes, over the {self.max_bytes} limit")
        chunks, size = [], 0
        while True:
            # The socket timeout bounds each read; the deadline bounds a server that drips bytes slowly.
            if time.monotonic() > deadline:
                raise ConnectorError(f"{url}: timed out after {self.timeout:g} s")
            chunk = raw.read1(_CHUNK) if hasattr(raw, "read1") else raw.read(_CHUNK)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_bytes:
                raise ConnectorError(f"{url}: the response is over the {self.max_bytes} byte limit")
            chunks.append(chunk)


def _start(raw) -> bytes:
    try:
        return raw.read1(_ERROR_BYTES) if hasattr(raw, "read1") else raw.read(_ERROR_BYTES)
    except (http.client.HTTPException, OSError):
        return b""


def check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConnectorError(f"{url!r}: not an http(s) URL")


def _status_error(response: Response) -> ConnectorError:
    wait = None
    if response.status in RATE_LIMITED:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is None:
            wait = rate_limit_wait(response.headers, force=True)
    detail = response.body[:200].decode("utf-8", "replace").strip()
    message = f"{response.url}: HTTP {response.status}"
    if 300 <= response.status < 400:
        message += f", redirect to {response.headers.get('Location')!r} not followed"
    if response.status in RATE_LIMITED:
        message += " (rate limited" + (f", retry after {wait:g} s)" if wait is not None else ")")
    if detail:
        message += f": {detail}"
    return ConnectorError(message, retry_after=wait)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def rate_limit_wait(headers: Message, now: datetime | None = None, *, force: bool = False) -> float | None:
    """Seconds until the rate-limit window resets when no calls remain in it (or `force`).

    Mastodon sends `X-RateLimit-Remaining` and `X-RateLimit-Reset` as an ISO 8601 time; Bluesky's
    AppView sends `RateLimit-Remaining` and `RateLimit-Reset` as Unix seconds."""
    remaining = headers.get("X-RateLimit-Remaining") or headers.get("RateLimit-Remaining")
    reset = headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset")
    if not reset or not (force or (remaining is not None and remaining.strip() == "0")):
        return None
    now = now or datetime.now(UTC)
    reset = reset.strip()
    try:
        if reset.replace(".", "", 1).isdigit():
            number = float(reset)
            # A small number is a delta (IETF draft RateLimit fields); a large one an epoch time.
            when = datetime.fromtimestamp(number, UTC) if number > 1e9 else None
            if when is None:
                return number
        else:
            when = datetime.fromisoformat(reset.replace("Z", "+00:00"))
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
    return max(0.0, (when - now).total_seconds())


def parse_link_header(value: str) -> dict[str, str]:
    links = {}
    for part in value.split(","):
        if ";" not in part:
            continue
        target, *params = part.split(";")
        target = target.strip()
        if not (target.startswith("<") and target.endswith(">")):
            continue
        for param in params:
            key, _, rel = param.strip().partition("=")
            if key.strip().lower() == "rel":
                for name in rel.strip().strip('"').split():
                    links[name] = target[1:-1]
    return links
