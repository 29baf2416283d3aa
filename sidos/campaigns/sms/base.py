import re
import uuid

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class SmsError(ValueError):
    pass


class Provider:
    """send() hands one message over and returns the provider's id for it; raises SmsError if refused."""

    max_length = 1600  # ten concatenated parts; providers split longer texts themselves

    def __init__(self, location: str = ""):
        self.location = location

    def check(self, to: str, text: str) -> None:
        if not E164.match(to or ""):
            raise SmsError(f"recipient {to!r} is not an E.164 number (+358401234567)")
        if not text.strip():
            raise SmsError("the message is empty")
        if len(text) > self.max_length:
            raise SmsError(f"the message is {len(text)} characters; at most {self.max_length}")

    def send(self, to: str, text: str, *, sender: str = "") -> str:
        self.check(to, text)
        message_id = uuid.uuid4().hex
        self.deliver(message_id, to, text, sender)
        return message_id

    def deliver(self, message_id: str, to: str, text: str, sender: str) -> None:
        raise NotImplementedError
