"""Loads customers and sends a campaign to the SMTP sink; run by bench/campaign_bench.py.

    SIDOS_DATABASE_URL=... python -m bench.campaign_worker N PORT

Prints one JSON line. Customers, consents and the segment are written with bulk_create (the benchmark
is about sending); the send is Sidos' own sending.send_campaign, unthrottled (rate 0), batches of 100.
"""

import json
import os
import sys
import time

import django


def load(n: int):
    from sidos.campaigns import actions
    from sidos.customers.models import Consent, Customer

    started = time.perf_counter()
    first = ["Aino", "Matti", "Åsa", "Erik", "Leena", "Juha", "Sanna", "Päivi", ""]
    customers = Customer.objects.bulk_create(
        [
            Customer(
                external_id=f"b{i}",
                first_name=first[i % len(first)],
                last_name=f"Testinen{i}",
                email=f"asiakas{i}@example.fi",
                search_name=f"x{i}",
                language=["fi", "sv", "en"][i % 3],
                city="Helsinki",
                country="FI",
            )
            for i in range(n)
        ],
        batch_size=5000,
    )
    Consent.objects.bulk_create(
        [
            Consent(customer=c, channel="email", purpose="marketing", granted=True, source="bench")
            for c in customers
        ],
        batch_size=5000,
    )
    segment = actions.save_segment(None, "Kaikki Suomessa", {"country": ["FI"]})
    variants = {
        language: {
            "subject": f'{greeting} {{{{ first_name|default:"{fallback}" }}}}, joulun tarjoukset',
            "html": (
                '<html><body><h1>{greeting} {{{{ first_name|default:"{fallback}" }}}}!</h1>'
                '<p>Joulun tarjoukset {{{{ city }}}}ssa: <a href="https://shop.example.fi/joulu">katso</a>'
                ' ja <a href="https://shop.example.fi/lahjat?utm=mail">lahjat</a>.</p>'
                + "<p>"
                + "Tarjous voimassa jouluun asti. " * 20
                + "</p></body></html>"
            ).format(greeting=greeting, fallback=fallback),
            "text": (
                f'{greeting} {{{{ first_name|default:"{fallback}" }}}}!\n\nhttps://shop.example.fi/joulu\n'
                + "Tarjous voimassa jouluun asti. " * 20
            ),
        }
        for language, greeting, fallback in (
            ("fi", "Hei", "asiakas"),
            ("sv", "Hej", "kund"),
            ("en", "Hi", "there"),
        )
    }
    campaign = actions.save_campaign(
        None, name="Joulu", segment=segment, variants=variants, control_share="0"
    )
    return campaign, time.perf_counter() - started


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sidos.settings")
    django.setup()
    from django.conf import settings
    from django.core.mail import get_connection

    from sidos.campaigns import actions, sending

    n, port = int(sys.argv[1]), int(sys.argv[2])
    settings.SIDOS_PUBLIC_URL = "https://crm.example.fi"
    campaign, load_seconds = load(n)
    started, cpu = time.perf_counter(), time.process_time()
    audience = actions.prepare_audience(campaign)
    prepare_seconds = time.perf_counter() - started

    def connect():
        return get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host="127.0.0.1",
            port=port,
            timeout=30,
            fail_silently=False,
        )

    result = sending.send_campaign(campaign.pk, batch_size=100, rate=0, connection_factory=connect)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    sent = result.get("sent", 0)
    print(
        json.dumps(
            {
                "recipients": n,
                "load_seconds": round(load_seconds, 1),
                "audience": audience,
                "prepare_seconds": round(prepare_seconds, 2),
                "send_wall_seconds": round(wall, 2),
                "sender_cpu_seconds": round(cpu, 2),
                "sent": sent,
                "outcome": result["outcome"],
                "messages_per_second": round(sent / wall, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
