"""An inbound handler that creates nothing, so the benchmark can time ingest alone."""


def accept(message) -> str:
    return "threaded" if message.in_reply_to else "created"
