"""Mail ingest benchmark: `sidos mail-ingest` over a 10,000-message maildir, beside a parse-only reference.

    .venv/bin/python bench/mail_ingest_bench.py [--messages 10000]

Target (issue #4): at least 200 messages/s on 2 cores. In one run, each in a fresh SQLite database
and its own process:

* references: the same files read and parsed in one loop, nothing stored, with
  `email.message_from_bytes(policy=default)` + get_body/get_content, and with compat32 (which Sidos
  parses with, decoding headers itself) decoding every part;
* sidos, no tickets: `mail-ingest DIR --json` with a handler that creates nothing: read, store the raw
  bytes, parse, classify, audit, one transaction per message;
* sidos, tickets: the same with servicedesk's real handler (tickets, customers, acknowledgements
  queued), when `sidos.servicedesk.inbound` exists.

The folder mixes customer mail in UTF-8, ISO-8859-1, windows-1251 and KOI8-R, HTML-only mail,
attachments, replies to earlier messages, auto-replies and DSN bounces. Messages/s is over the command's
own processing time (the `seconds` of its JSON); start-up (an empty folder) and wall time are kept too.
Results: bench/results/mail-ingest-<UTC date>-<host>.json.
"""

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import subprocess
import sys
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine, product  # noqa: E402

WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
TARGET_PER_SECOND = 200

FIRST = ["Päivi", "Matti", "Åsa", "Anna", "Igor", "Leena", "Erik", "Ольга", "Juha", "Sanna"]
LAST = ["Mäkinen", "Virtanen", "Ström", "Смирнова", "Petrov", "Korhonen", "Lindqvist", "Nieminen"]
BODIES = [
    (
        "utf-8",
        "Hei,\n\ntilaukseni {n} ei ole saapunut. Voisitteko tarkistaa tilanteen?\n\nTerveisin\n{name}\n",
    ),
    (
        "iso-8859-1",
        "Hej!\n\nJag fick fel storlek på order {n}. Kan ni skicka rätt storlek?\n\nHälsningar\n{name}\n",
    ),
    ("windows-1251", "Здравствуйте!\n\nЗаказ № {n} пришёл повреждённым. Прошу заменить товар.\n\n{name}\n"),
    ("koi8-r", "Добрый день.\n\nКогда появится в продаже товар {n}?\n\nСпасибо\n"),
]


BOUNCE = """From: MAILER-DAEMON@mail.example.fi (Mail Delivery System)
To: asiakaspalvelu@kauppa.example
Subject: Undelivered Mail Returned to Sender
Date: Fri, 1 Nov 2024 10:00:00 +0200
Message-ID: <bounce-{index}@mail.example.fi>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b{index}"

--b{index}
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered.

--b{index}
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.fi

Final-Recipient: rfc822; gone{index}@example.fi
Action: failed
Status: 5.1.1

--b{index}--
"""


def _message(index: int, rng: random.Random, sent: list[str]) -> bytes:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    address = f"customer{rng.randrange(3000)}@example.fi"
    message = EmailMessage()
    message["From"] = f"{name} <{address}>"
    message["To"] = "asiakaspalvelu@kauppa.example"
    message["Date"] = format_datetime(dt.datetime(2024, 11, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=index))
    message["Message-ID"] = f"<bench-{index}@example.fi>"
    message["Received"] = (
        "from mx1.example.fi by mail.kauppa.example (Postfix); Fri, 1 Nov 2024 10:00:00 +0200"
    )
    kind = rng.random()
    if kind < 0.05:
        message["Subject"] = "Automaattinen vastaus: tilauksesi"
        message["Auto-Submitted"] = "auto-replied"
        message.set_content("Olen lomalla.\n")
    elif kind < 0.07:
        return BOUNCE.format(index=index).replace("\n", "\r\n").encode("ascii")
    else:
        charset, body = rng.choice(BODIES)
        text = body.format(n=100000 + index, name=name)
        try:
            text.encode(charset)
        except UnicodeEncodeError:  # a Swedish name in a Russian charset: such a sender writes UTF-8
            charset = "utf-8"
        if sent and kind < 0.35:
            parent = rng.choice(sent)
            message["Subject"] = f"Re: Tilaus {100000 + index}"
            message["In-Reply-To"] = f"<{parent}>"
            message["References"] = f"<{parent}>"
        else:
            message["Subject"] = f"Tilaus {100000 + index}: kysymys"
        if kind > 0.9:
            message.set_content(
                f"<html><body><p>{text.replace(chr(10), '<br>')}</p></body></html>",
                subtype="html",
                charset="utf-8",
            )
        else:
            message.set_content(text, charset=charset, cte="quoted-printable" if kind < 0.6 else "base64")
        if kind > 0.85:
            message.add_attachment(
                rng.randbytes(20_000), maintype="application", subtype="pdf", filename=f"kuitti-{index}.pdf"
            )
        sent.append(f"bench-{index}@example.fi")
    return message.as_bytes()


def write_maildir(folder: Path, count: int) -> Path:
    """Deterministic, so an existing folder with the right count is the same folder."""
    cur = folder / "cur"
    if cur.is_dir() and len(list(cur.iterdir())) == count:
        return folder
    (folder / "new").mkdir(parents=True, exist_ok=True)
    cur.mkdir(parents=True, exist_ok=True)
    for old in cur.iterdir():
        old.unlink()
    rng, sent = random.Random(4), []
    for index in range(count):
        (cur / f"{1730000000 + index}.M{index}P1.bench:2,S").write_bytes(_message(index, rng, sent))
    return folder


REFERENCE = """
import sys, time
from email import message_from_bytes, policy
from pathlib import Path
files = sorted(Path(sys.argv[1]).glob("cur/*"))
started = time.perf_counter()
for path in files:
    message = message_from_bytes(path.read_bytes(), policy=getattr(policy, sys.argv[2]))
    if sys.argv[2] == "default":
        body = message.get_body(("plain", "html"))
        if body is not None:
            body.get_content()
    else:
        for part in message.walk():
            part.get_payload(decode=True)
print(len(files), time.perf_counter() - started)
"""


def reference(folder: Path, policy: str) -> dict:
    """Read and parse only, nothing stored: policy.default with get_body/get_content as the docs
    show it, and compat32 (what Sidos parses with) decoding every part."""
    done = subprocess.run(
        [sys.executable, "-c", REFERENCE, str(folder), policy], capture_output=True, text=True, check=True
    )
    count, seconds = done.stdout.split()
    return {
        "messages": int(count),
        "seconds": round(float(seconds), 3),
        "per_second": round(int(count) / float(seconds), 1),
    }


def ingest(folder: Path, empty: Path, handler: str, database: Path) -> dict:
    os.environ["SIDOS_INBOUND_MAIL_HANDLER"] = handler
    os.environ["PYTHONPATH"] = str(ROOT)  # the bench handler lives in bench/
    url = product.fresh_sqlite(database)
    startup = product.run([str(product.SIDOS), "mail-ingest", str(empty), "--json"], url, check=False)
    result = product.sidos("mail-ingest", str(folder), "--json", database_url=url)
    summary = result["summary"] or {}
    messages = sum(summary.get(key, 0) for key in ("created", "threaded", "ignored", "failed"))
    # The command's own clock over its loop: wall time minus a separately timed start-up is too
    # noisy on a loaded machine, where the start-up alone varies by seconds.
    net = max(summary.get("seconds") or result["seconds"] - startup["seconds"], 1e-9)
    return {
        **result,
        "handler": handler,
        "messages": messages,
        "startup_seconds": startup["seconds"],
        "net_seconds": round(net, 3),
        "per_second": round(messages / net, 1),
        "per_second_wall_with_startup": round(messages / result["seconds"], 1),
    }


def run(count: int) -> dict:
    WORK.mkdir(parents=True, exist_ok=True)
    folder = write_maildir(WORK / f"maildir-{count}", count)
    empty = WORK / "maildir-empty"
    empty.mkdir(exist_ok=True)
    load_before = os.getloadavg()
    results = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "messages": count,
        "machine": machine.describe(),
        "load_average_before": [round(x, 2) for x in load_before],
    }
    results["reference_parse_only"] = reference(folder, "default")
    results["reference_parse_only_compat32"] = reference(folder, "compat32")
    results["sidos_no_tickets"] = ingest(
        folder, empty, "bench.mail_ingest_handler.accept", WORK / "mail-bench.sqlite3"
    )
    if importlib.util.find_spec("sidos.servicedesk.inbound") is not None:
        results["sidos_tickets"] = ingest(
            folder, empty, "sidos.servicedesk.inbound.handle_message", WORK / "mail-bench-tickets.sqlite3"
        )
    else:
        results["sidos_tickets"] = {"skipped": "sidos.servicedesk.inbound does not exist in this tree"}
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = {
        key: {"per_second": results[key]["per_second"], "ok": results[key]["per_second"] >= TARGET_PER_SECOND}
        for key in ("sidos_no_tickets", "sidos_tickets")
        if "per_second" in results[key]
    }
    # How many times slower than parsing alone (1.0 = as fast as the parse-only loop).
    results["ratio_to_reference"] = {
        f"{key}_vs_{ref}": round(results[ref]["per_second"] / value["per_second"], 2)
        for key, value in results["targets"].items()
        for ref in ("reference_parse_only", "reference_parse_only_compat32")
    }
    return results


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"# mail-ingest, {results['messages']:,} messages ({results['started_at']})",
        "",
        f"Machine: {m['hostname']}, {m['cpu_model']}, {m['cpu_cores']} cores, {m['memory_gib']} GiB, "
        f"Python {m['python']}, SQLite {m['sqlite']}. Load average before {results['load_average_before']}, "
        f"after {results['load_average_after']} (shared machine).",
        "",
        "| run | messages | seconds (processing) | messages/s | target 200/s |",
        "|---|---|---|---|---|",
    ]
    for key in ("reference_parse_only", "reference_parse_only_compat32", "sidos_no_tickets", "sidos_tickets"):
        run = results[key]
        if "per_second" not in run:
            lines.append(f"| {key} | – | – | – | {run.get('skipped', '')} |")
            continue
        seconds = run.get("net_seconds", run["seconds"])
        verdict = (
            ""
            if key.startswith("reference")
            else ("ok" if run["per_second"] >= TARGET_PER_SECOND else "MISSED")
        )
        lines.append(
            f"| {key} | {run['messages']:,} | {seconds:.1f} s | {run['per_second']:.0f} | {verdict} |"
        )
    lines += [
        "",
        "Summaries: "
        + "; ".join(
            f"{key} {results[key]['summary']}"
            for key in ("sidos_no_tickets", "sidos_tickets")
            if "summary" in results[key]
        ),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--tag", default="", help="appended to the result file names (keeps earlier runs)")
    options = parser.parse_args()
    results = run(options.messages)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"mail-ingest-{dt.datetime.now(dt.UTC):%Y-%m-%d}-{results['machine']['hostname']}"
    if options.tag:
        stem = stem.with_name(f"{stem.name}-{options.tag}")
    stem.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
    stem.with_suffix(".json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(
        json.dumps(
            {
                key: results[key]
                for key in ("targets", "ratio_to_reference", "load_average_before", "load_average_after")
            }
        )
    )


if __name__ == "__main__":
    main()
