"""Providers for development and tests: nothing leaves the machine."""

import datetime as dt
import json
import logging
from pathlib import Path

from sidos.campaigns.sms.base import Provider, SmsError

log = logging.getLogger("sidos.sms")


class ConsoleProvider(Provider):
    def deliver(self, message_id, to, text, sender):
        log.warning("SMS %s to %s from %s: %s", message_id, to, sender or "-", text)


class FileProvider(Provider):
    """Appends one JSON line per message to the file named after file://."""

    def __init__(self, location: str = ""):
        super().__init__(location)
        if not location:
            raise SmsError("file:// needs a path, e.g. file:///var/lib/sidos/sms.jsonl")
        self.path = Path(location)

    def deliver(self, message_id, to, text, sender):
        record = {
            "id": message_id,
            "to": to,
            "from": sender,
            "text": text,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
