"""A counting SMTP sink for the campaign benchmark: aiosmtpd on loopback in its own process (own core).

    python bench/campaign_sink.py PORT

Accepts every message and keeps only counts; prints "ready" when listening. On SIGTERM it prints one
JSON line: messages and bytes accepted, and the CPU seconds the server itself used.
"""

import json
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self):
        self.messages = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        self.bytes += len(envelope.original_content or b"")
        return "250 OK"


def main() -> None:
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print("ready", flush=True)
    done.wait()
    controller.stop()
    times = os.times()
    print(
        json.dumps(
            {
                "messages": counter.messages,
                "bytes": counter.bytes,
                "cpu_seconds": round(times.user + times.system, 2),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
