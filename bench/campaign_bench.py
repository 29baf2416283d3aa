"""Campaign sending benchmark: rendering and handing N personalised messages to a local SMTP server.

    .venv/bin/python bench/campaign_bench.py [--recipients 100000]

In one run, against the same SMTP server (aiosmtpd on loopback in its own process, counting only):

* reference: the server's own acceptance rate for one pre-rendered message of campaign size, sent
  N times by a bare smtplib client with the same batching as Sidos (a new connection per 100
  messages) — the ceiling the server and the protocol set on this machine;
* sidos: `sending.send_campaign` in a fresh SQLite database with N consented customers — the audience
  drawn (one query), the send log written, and per message: the variant in the customer's language
  rendered with the sandboxed template engine, links signed and rewritten for tracking, an open
  pixel and an unsubscribe link signed, the message built, handed over, and logged as sent with a
  timeline entry. messages/s is N over the wall time from the audience draw to the last message.

Results: bench/results/campaigns-<UTC date>-<host>[-N].json and .md, with the load average (the
machine is shared; other engineers' jobs run at the same time).
"""

import argparse
import datetime as dt
import json
import os
import smtplib
import socket
import subprocess
import sys
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine, product  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "bench" / "work"
DEFAULT_RECIPIENTS = 100_000
BATCH = 100


def log(message: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "campaign_sink.py"), str(self.port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")

    def stop(self) -> dict:
        self.process.terminate()
        out, _err = self.process.communicate(timeout=60)
        return json.loads(out.strip().splitlines()[-1])


def prerendered(size: int) -> bytes:
    message = EmailMessage()
    message["From"] = "sidos@localhost"
    message["To"] = "asiakas@example.fi"
    message["Subject"] = "Hei Aino, joulun tarjoukset"
    line = "Tarjous voimassa jouluun asti. Tervetuloa ostoksille!\n"
    body = (line * (size // (2 * len(line)) + 1))[: size // 2]  # text and HTML parts, together ~size
    message.set_content(body)
    message.add_alternative(f"<html><body><p>{body}</p></body></html>", subtype="html")
    return message.as_bytes(policy=policy.SMTP)  # CRLF line ends, as on the wire


def reference(n: int, size: int) -> dict:
    raw = prerendered(size)
    sink = Sink()
    started, cpu = time.perf_counter(), time.process_time()
    sent = 0
    try:
        while sent < n:
            with smtplib.SMTP("127.0.0.1", sink.port, timeout=30) as client:
                for _ in range(min(BATCH, n - sent)):
                    client.sendmail("sidos@localhost", [f"asiakas{sent}@example.fi"], raw)
                    sent += 1
        wall = time.perf_counter() - started
        client_cpu = time.process_time() - cpu
    finally:
        server = sink.stop()
    return {
        "messages": n,
        "message_bytes": len(raw),
        "wall_seconds": round(wall, 2),
        "client_cpu_seconds": round(client_cpu, 2),
        "server": server,
        "messages_per_second": round(n / wall, 1),
    }


def sidos(n: int) -> dict:
    url = product.fresh_sqlite(WORK / "campaign-bench.sqlite3")
    sink = Sink()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bench.campaign_worker", str(n), str(sink.port)],
            cwd=ROOT,
            env=product.environment(url),
            capture_output=True,
            text=True,
        )
    finally:
        server = sink.stop()
    if result.returncode:
        raise RuntimeError(f"campaign worker failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["server"] = server
    figures["mean_message_bytes"] = round(server["bytes"] / max(server["messages"], 1))
    return figures


def markdown(results: dict) -> str:
    m, ref, own = results["machine"], results["reference"], results["sidos"]
    return "\n".join(
        [
            f"# Campaign sending benchmark, {results['recipients']:,} recipients",
            "",
            f"Machine: {m.get('hostname')} · {m.get('cpu_model')} · {m.get('cpu_cores')} cores"
            f" · {m.get('memory_gib')} GiB · SQLite {m.get('sqlite')} · Python {m.get('python')}"
            f" · load average at start {results['load_at_start']},"
            f" at end {results['load_at_end']} (shared machine: other engineers' jobs ran at the same time)",
            f"Command: `{results['command']}`",
            "",
            "| | messages | wall s | messages/s | sender CPU s | SMTP server CPU s |",
            "|---|---:|---:|---:|---:|---:|",
            f"| reference: pre-rendered {ref['message_bytes']} B message, bare smtplib |"
            f" {ref['messages']:,} |"
            f" {ref['wall_seconds']} | {ref['messages_per_second']} | {ref['client_cpu_seconds']} |"
            f" {ref['server']['cpu_seconds']} |",
            f"| Sidos: render, sign, track, hand off, log (mean {own['mean_message_bytes']} B) |"
            f" {own['sent']:,} |"
            f" {own['send_wall_seconds']} | {own['messages_per_second']} | {own['sender_cpu_seconds']} |"
            f" {own['server']['cpu_seconds']} |",
            "",
            f"Sidos reached {results['ratio']:.0%} of the server's own rate. Audience draw and send log"
            f" for {results['recipients']:,}: {own['prepare_seconds']} s (inside the wall time above)."
            f" Messages the server counted: {own['server']['messages']:,}. Customers were loaded in"
            f" {own['load_seconds']} s (not timed).",
            "",
        ]
    )


def run(n: int) -> dict:
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    results = {
        "started_at": started.isoformat(timespec="seconds"),
        "recipients": n,
        "command": " ".join(["python", *sys.argv]),
        "machine": machine.describe(),
        "load_at_start": [round(v, 2) for v in os.getloadavg()],
    }
    log(f"sidos: {n:,} personalised messages")
    results["sidos"] = sidos(n)
    log(f"  {results['sidos']['messages_per_second']} messages/s")
    size = results["sidos"]["mean_message_bytes"]
    log(f"reference: {n:,} pre-rendered messages of {size} bytes")
    results["reference"] = reference(n, size)
    log(f"  {results['reference']['messages_per_second']} messages/s")
    results["ratio"] = results["sidos"]["messages_per_second"] / results["reference"]["messages_per_second"]
    results["load_at_end"] = [round(v, 2) for v in os.getloadavg()]
    suffix = "" if n == DEFAULT_RECIPIENTS else f"-{n}"
    stem = RESULTS / f"campaigns-{started:%Y-%m-%d}-{results['machine']['hostname']}{suffix}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
    log(f"results: {stem}.json and .md")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=DEFAULT_RECIPIENTS)
    options = parser.parse_args()
    print(markdown(run(options.recipients)))


if __name__ == "__main__":
    main()
