"""Real-world messages in tests/eml/ read into ParsedMessage: charsets, structure, broken headers."""

from datetime import UTC, datetime, timedelta

import pytest

from sidos.mail.parsing import read_message, sanitise_filename
from sidos.mail.tests.conftest import EML


def parsed(eml, name):
    return read_message(eml(name)).parsed


def test_it_decodes_finnish_utf8_quoted_printable_and_rfc2047(eml):
    message = parsed(eml, "fi_utf8_qp.eml")
    assert message.subject == "Tilaus 100234 ei ole vielä saapunut"
    assert message.from_name == "Päivi Mäkinen"
    assert message.from_address == "paivi.makinen@example.fi"  # lower-cased
    assert message.message_id == "CAFx8pQ7a1b2c3d4e5f6@mail.example.fi"
    assert "paketti ei ole vieläkään\nsaapunut" in message.text
    assert message.date == datetime(2024, 11, 18, 7, 13, 55, tzinfo=UTC)
    assert message.html is None and message.attachments == ()


def test_it_decodes_swedish_latin1_8bit(eml):
    message = parsed(eml, "sv_latin1_8bit.eml")
    assert message.subject == "Fel storlek på jackan"
    assert message.from_name == "Åsa Ström"
    assert "Med vänliga hälsningar\nÅsa Ström\nGöteborg" in message.text


def test_it_decodes_russian_windows_1251_base64(eml):
    message = parsed(eml, "ru_cp1251_base64.eml")
    assert message.subject == "Жалоба: разбитый чайник"
    assert message.from_name == "Анна Смирнова"
    assert "чайник пришёл с трещиной на крышке" in message.text


def test_it_decodes_russian_koi8r(eml):
    message = parsed(eml, "ru_koi8r_8bit.eml")
    assert message.subject == "Вопрос о кофемолке"
    assert "кофемолка Sidos Mill 2" in message.text


def test_it_reads_a_body_whose_declared_charset_is_wrong(eml):
    message = parsed(eml, "wrong_charset.eml")  # says utf-8, is windows-1251; subject in an unknown charset
    assert "не получается оплатить заказ картой" in message.text
    assert message.subject == "Oplata"
    assert message.from_address == "olga@example.ru" and message.from_name == ""


def test_it_turns_outlook_html_only_mail_into_text(eml):
    message = parsed(eml, "outlook_html_only.eml")
    assert message.subject == "Tarjouspyyntö: 40 kahvinkeitintä"
    assert message.text.startswith("Hyvä asiakaspalvelu,")
    assert "tarjouksen – hinta ilman ALV:tä €?" in message.text
    assert "- Toimitus: Helsinki ja Tampere" in message.text
    assert "Matti Virtanen\nHankintapäällikkö" in message.text
    for leaked in ("font-family", "alert(", "<p", "&nbsp;", "mso"):
        assert leaked not in message.text
    assert '<p class="MsoNormal">' in message.html  # raw HTML kept for DESK, which escapes it
    assert message.cc == ("laura.korhonen@esimerkki.example",)


def test_it_prefers_the_plain_part_of_an_alternative(eml):
    message = parsed(eml, "gmail_vacation.eml")
    assert message.text == "Kiitos viestistäsi. Olen lomalla ja vastaan, kun palaan 9.12.\n"
    assert message.html and '<div dir="ltr">' in message.html


def test_it_reads_threading_headers(eml):
    message = parsed(eml, "reply_with_references.eml")
    assert message.in_reply_to == "173287000000.1111.2222@kauppa.example"
    assert message.references == (
        "CAFx8pQ7a1b2c3d4e5f6@mail.example.fi",
        "173287000000.1111.2222@kauppa.example",
    )
    assert message.subject == "Re: Tilaus 100234 ei ole vielä saapunut [SD-10001]"
    assert message.text.startswith("Kiitos, paketti tuli tänään perille!")


def test_it_survives_broken_headers_without_date_or_message_id(eml):
    raw = eml("broken_headers.eml")
    before = datetime.now(UTC)
    message = read_message(raw).parsed
    assert message.subject.startswith("Lasku väärin laskun numero 55")  # raw 8-bit UTF-8 in a header
    assert message.from_address == "erkki.janis@example.fi"  # from an unbalanced quoted name
    assert before - timedelta(seconds=1) <= message.date <= datetime.now(UTC)  # no Date: time of receipt
    assert message.message_id.endswith("@generated.invalid")
    assert read_message(raw).parsed.message_id == message.message_id  # stable: a hash of the bytes
    assert "49,90 € eikä 39,90 €" in message.text


def test_it_keeps_attachments_with_safe_names(eml):
    message = parsed(eml, "attachments.eml")
    assert message.text == "Kahvinkeitin hajosi viikon käytön jälkeen. Kuitti ja kuva liitteenä.\n"
    by_name = {attachment.filename: attachment for attachment in message.attachments}
    assert set(by_name) == {"kuitti.pdf", "rikkinäinen keitin.png", "passwd", "message.eml"}
    assert by_name["kuitti.pdf"].content.startswith(b"%PDF-1.4") and by_name["kuitti.pdf"].content_type == (
        "application/pdf"
    )
    assert by_name["rikkinäinen keitin.png"].content.startswith(b"\x89PNG")
    forwarded = read_message(by_name["message.eml"].content).parsed  # attached message/rfc822, whole
    assert forwarded.subject == "Tilausvahvistus 100777"
    assert "Kiitos tilauksestasi" not in message.text  # the forwarded body is not our body


def test_it_drops_attachments_over_the_size_limit_and_says_so(eml, settings):
    settings.SIDOS_MAIL_MAX_ATTACHMENT_BYTES = 60
    reading = read_message(eml("attachments.eml"))
    names = {attachment.filename for attachment in reading.parsed.attachments}
    assert "kuitti.pdf" not in names and "rikkinäinen keitin.png" in names
    assert any("kuitti.pdf" in note and "limit 60" in note for note in reading.notes)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\lasku.pdf", "lasku.pdf"),
        ("  ..hidden", "hidden"),
        ("a\x00b<c>.txt", "abc.txt"),
        ("", "attachment-3.pdf"),
        ("x" * 300 + ".docx", "x" * 145 + ".docx"),
    ],
)
def test_it_sanitises_attachment_names(name, expected):
    assert sanitise_filename(name, "application/pdf", 3) == expected


def test_it_rejects_bytes_that_are_not_a_message(eml):
    with pytest.raises(ValueError, match="no header fields"):
        read_message(eml("not_a_message.eml"))
    with pytest.raises(ValueError, match="empty"):
        read_message(b"\r\n")


def test_it_reads_what_it_can_of_a_truncated_base64_body(eml):
    raw = eml("ru_cp1251_base64.eml")
    body_start = raw.index(b"\r\n\r\n") + 4
    broken = raw[: body_start + 61] + b"!!\r\n"  # cut mid-line, with junk after it
    message = read_message(broken).parsed
    assert message.subject == "Жалоба: разбитый чайник"
    assert message.text.startswith("Здравствуйте")


def test_a_message_whose_only_part_is_an_attachment_has_no_text(eml):
    raw = (
        b"From: a@example.fi\r\nTo: b@example.fi\r\nSubject: scan\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: application/pdf; name=scan.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"JVBERi0xLjQK\r\n"
    )
    message = read_message(raw).parsed
    assert message.text == "" and message.html is None
    assert [(a.filename, a.content) for a in message.attachments] == [("scan.pdf", b"%PDF-1.4\n")]


def test_a_multipart_whose_boundary_is_missing_keeps_its_text():
    raw = (
        b"From: a@example.fi\r\nTo: b@example.fi\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="never-used"\r\n\r\n'
        b"Hei, laskussa on virhe.\r\n"
    )
    assert "laskussa on virhe" in read_message(raw).parsed.text


EVERY_EML = sorted(path.name for path in EML.glob("*.eml") if path.name != "not_a_message.eml")


@pytest.mark.parametrize("name", EVERY_EML)
def test_the_memoised_default_policy_reads_every_message_as_policy_default_does(eml, monkeypatch, name):
    from email import policy

    from sidos.mail import parsing

    received = datetime(2024, 12, 1, tzinfo=UTC)
    memoised = read_message(eml(name), received_at=received)
    monkeypatch.setattr(parsing, "MAIL_POLICY", policy.default)
    plain = read_message(eml(name), received_at=received)
    assert memoised.parsed == plain.parsed and memoised.notes == plain.notes


def test_messages_are_parsed_with_the_default_policy_not_compat32(eml):
    from email.policy import EmailPolicy

    reading = read_message(eml("attachments.eml"))
    assert isinstance(reading.message.policy, EmailPolicy)
    # header objects, not the plain strings compat32 hands back
    assert reading.message["Content-Type"].content_type == "multipart/mixed"


def test_a_winmail_dat_is_opened_into_the_files_it_carries(eml):
    reading = read_message(eml("outlook_winmail_dat.eml"))
    message = reading.parsed
    assert "liitteenä kuitti" in message.text
    assert [(item.filename, item.content_type) for item in message.attachments] == [
        ("AUTHORS", "application/octet-stream"),
        ("README", "application/octet-stream"),
    ]
    authors, readme = (item.content for item in message.attachments)
    assert len(authors) == 244 and len(readme) == 893
    assert b"Authors of tnef" in authors  # the tnef program's AUTHORS file, as the fixture carries it
    assert b"TNEF" in readme
    assert "winmail.dat decoded into 2 file(s)" in reading.notes


def test_a_winmail_dat_that_is_not_tnef_is_kept_as_it_came():
    reading = read_message(_outlook_mail(b"not TNEF at all"))
    [kept] = reading.parsed.attachments
    assert (kept.filename, kept.content_type, kept.content) == (
        "winmail.dat",
        "application/ms-tnef",
        b"not TNEF at all",
    )
    assert any(
        note.startswith("winmail.dat kept as it is: not a readable TNEF file") for note in reading.notes
    )


def _outlook_mail(winmail: bytes) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Matti Virtanen <matti.virtanen@example.fi>"
    message["Subject"] = "Reklamaatio"
    message.set_content("Liitteenä kuitti.\n")
    message.add_attachment(winmail, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    return message.as_bytes()


def test_a_winmail_dat_cut_off_halfway_is_kept_whole_not_opened_into_partial_files(eml):
    from sidos.mail import tnef

    whole = read_message(eml("outlook_winmail_dat.eml"))
    part = next(p for p in whole.message.walk() if p.get_content_type() == "application/ms-tnef")
    tnef_bytes = part.get_payload(decode=True)
    assert len(tnef.files_in(tnef_bytes)) == 2
    cut = tnef_bytes[:2500]  # tnefparse alone returns AUTHORS whole and only README's first 123 bytes
    reading = read_message(_outlook_mail(cut))
    [kept] = reading.parsed.attachments
    assert (kept.filename, kept.content) == ("winmail.dat", cut)
    assert any(
        "winmail.dat kept as it is: not a readable TNEF file: cut off" in note for note in reading.notes
    )
