"""`sidos mail-poll` against a real Dovecot on loopback: each message once, then flagged or moved."""

import imaplib
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sidos.mail import imap
from sidos.mail.models import ImapCursor, InboundMessage
from sidos.mail.tests.conftest import EML

pytestmark = pytest.mark.django_db


def deliver(mailbox, *names, folder="INBOX"):
    """Put messages into the mailbox over IMAP, as a delivery agent would."""
    _, user, password = mailbox
    config = imap.parse_imap_url(mailbox[0])
    connection = imaplib.IMAP4(config.host, config.port)
    connection.login(user, password)
    for name in names:
        connection.append(folder, None, None, (EML / name).read_bytes())
    connection.logout()


def server_state(mailbox, folder="INBOX"):
    _, user, password = mailbox
    config = imap.parse_imap_url(mailbox[0])
    connection = imaplib.IMAP4(config.host, config.port)
    connection.login(user, password)
    connection.select(f'"{folder}"')
    _, all_uids = connection.uid("SEARCH", None, "ALL")
    _, unseen = connection.uid("SEARCH", None, "UNSEEN")
    connection.logout()
    return len(all_uids[0].split()), len(unseen[0].split())


def test_it_takes_each_message_once(imap_mailbox, handled):
    deliver(imap_mailbox, "fi_utf8_qp.eml", "gmail_vacation.eml", "reply_with_references.eml")
    first = imap.poll()
    assert first.as_dict() == {"created": 1, "threaded": 1, "ignored": 1, "failed": 0}
    assert imap.poll().as_dict() == {"created": 0, "threaded": 0, "ignored": 0, "failed": 0}
    deliver(imap_mailbox, "ru_koi8r_8bit.eml")
    assert imap.poll().as_dict()["created"] == 1
    assert InboundMessage.objects.count() == 4  # never fetched twice, so no duplicate rows at all
    assert [m.subject for m in handled][-1] == "Вопрос о кофемолке"
    cursor = ImapCursor.objects.get()
    assert cursor.last_uid == 4 and cursor.uidvalidity > 0
    assert "pw-" not in cursor.mailbox and "pw-" not in InboundMessage.objects.first().source


def test_processed_messages_are_flagged_seen_by_default(imap_mailbox, handled):
    deliver(imap_mailbox, "fi_utf8_qp.eml", "sv_latin1_8bit.eml")
    assert server_state(imap_mailbox) == (2, 2)
    imap.poll()
    assert server_state(imap_mailbox) == (2, 0)


def test_processed_messages_can_be_moved(imap_mailbox, handled):
    url, user, password = imap_mailbox
    connection = imaplib.IMAP4("127.0.0.1", imap.parse_imap_url(url).port)
    connection.login(user, password)
    connection.create("Processed")
    connection.logout()
    deliver(imap_mailbox, "fi_utf8_qp.eml", "not_a_message.eml")
    assert imap.poll(processed="move:Processed").as_dict()["failed"] == 1  # failed ones move too: kept by us
    assert server_state(imap_mailbox)[0] == 0
    assert server_state(imap_mailbox, "Processed")[0] == 2


def test_processed_messages_can_be_deleted(imap_mailbox, handled):
    deliver(imap_mailbox, "fi_utf8_qp.eml")
    imap.poll(processed="delete")
    assert server_state(imap_mailbox)[0] == 0
    assert InboundMessage.objects.count() == 1


def test_a_recreated_mailbox_starts_over_without_duplicate_tickets(imap_mailbox, handled):
    deliver(imap_mailbox, "fi_utf8_qp.eml")
    imap.poll()
    ImapCursor.objects.update(uidvalidity=1)  # as if the server had recreated the folder
    assert imap.poll().as_dict() == {"created": 0, "threaded": 0, "ignored": 1, "failed": 0}
    assert len(handled) == 1


def test_mail_poll_command_prints_json(imap_mailbox, handled):
    deliver(imap_mailbox, "attachments.eml")
    out = io.StringIO()
    call_command("mail-poll", "--json", stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1])["created"] == 1
    assert [a.filename for a in handled[0].attachments][:1] == ["kuitti.pdf"]


def test_a_wrong_password_exits_2_and_takes_nothing(imap_mailbox, handled, settings):
    settings.SIDOS_IMAP_URL = imap_mailbox[0].replace(imap_mailbox[2], "wrong")
    with pytest.raises(CommandError, match="cannot log in") as error:
        call_command("mail-poll", "--json")
    assert error.value.returncode == 2
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "imaps://desk%40kauppa.example:p%40ss@imap.example:993/Tuki",
            ("imaps", "imap.example", 993, "desk@kauppa.example", "p@ss", "Tuki"),
        ),
        ("imap+starttls://u:p@host", ("imap+starttls", "host", 143, "u", "p", "INBOX")),
    ],
)
def test_it_reads_the_imap_url(url, expected):
    config = imap.parse_imap_url(url)
    assert (config.scheme, config.host, config.port, config.user, config.password, config.folder) == expected


def test_an_unknown_imap_scheme_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="scheme"):
        imap.parse_imap_url("pop3://u:p@host")


def test_plain_imap_to_another_host_is_refused_outside_debug(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured, match="imaps://"):
        imap.parse_imap_url("imap://u:p@mail.example.com/INBOX")
    assert imap.parse_imap_url("imap://u:p@127.0.0.1:1143/INBOX").port == 1143


def test_it_polls_over_imaps_and_verifies_the_certificate(imap_mailbox, dovecot_server, handled, monkeypatch):
    if dovecot_server.certificate is None:
        pytest.skip("openssl is not installed: no certificate for the IMAPS listener")
    deliver(imap_mailbox, "sv_latin1_8bit.eml")
    _, user, password = imap_mailbox
    url = f"imaps://{user}:{password}@127.0.0.1:{dovecot_server.tls_port}/INBOX"
    with pytest.raises(imap.PollError, match="CERTIFICATE_VERIFY_FAILED"):
        imap.poll(url)  # a self-signed certificate the system does not trust
    assert not InboundMessage.objects.exists()
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot_server.certificate))  # now it is trusted
    assert imap.poll(url).as_dict()["created"] == 1
    assert handled[0].subject == "Fel storlek på jackan"
