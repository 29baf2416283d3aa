"""`sidos mail-ingest` from files, folders and stdin: the JSON summary and the exit codes."""

import io
import json
import shutil
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sidos.mail.models import InboundMessage, InboundStatus
from sidos.mail.tests.conftest import EML

pytestmark = pytest.mark.django_db


def run(*args, stdin: bytes | None = None, monkeypatch=None):
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = 0
    try:
        call_command("mail-ingest", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    except CommandError as error:
        code = error.returncode
        err.write(str(error))
    return code, out.getvalue(), err.getvalue()


def summary(out: str) -> dict:
    result = json.loads(out.strip().splitlines()[-1])
    assert result.pop("seconds") >= 0
    return result


def test_it_ingests_files_and_prints_the_summary_last(handled):
    code, out, _ = run(
        str(EML / "fi_utf8_qp.eml"),
        str(EML / "reply_with_references.eml"),
        str(EML / "gmail_vacation.eml"),
        "--json",
    )
    assert code == 0
    assert summary(out) == {"created": 1, "threaded": 1, "ignored": 1, "failed": 0}


def test_a_failed_message_exits_1_and_is_kept(handled):
    code, out, err = run(str(EML / "fi_utf8_qp.eml"), str(EML / "not_a_message.eml"), "--json")
    assert code == 1
    assert summary(out) == {"created": 1, "threaded": 0, "ignored": 0, "failed": 1}
    assert "not_a_message.eml: failed, kept in quarantine" in err
    assert InboundMessage.objects.filter(status=InboundStatus.FAILED).count() == 1


def test_it_reads_a_maildir_cur_and_new_but_not_tmp(handled, tmp_path):
    for sub, name in [("cur", "fi_utf8_qp.eml"), ("new", "sv_latin1_8bit.eml"), ("tmp", "ru_koi8r_8bit.eml")]:
        (tmp_path / sub).mkdir()
        shutil.copy(EML / name, tmp_path / sub / f"1732.{sub}.host:2,S")
    code, out, _ = run(str(tmp_path), "--json")
    assert (code, summary(out)["created"]) == (0, 2)
    assert sorted(m.subject for m in handled) == [
        "Fel storlek på jackan",
        "Tilaus 100234 ei ole vielä saapunut",
    ]


def test_it_reads_a_plain_folder_of_files(handled, tmp_path):
    for name in ("fi_utf8_qp.eml", "ru_cp1251_base64.eml"):
        shutil.copy(EML / name, tmp_path / name)
    (tmp_path / ".hidden").write_bytes(b"not mail")
    code, out, _ = run(str(tmp_path), "--json")
    assert (code, summary(out)["created"]) == (0, 2)


def test_it_reads_stdin_for_an_mta_pipe(handled, monkeypatch):
    code, out, _ = run("-", "--json", stdin=(EML / "ru_koi8r_8bit.eml").read_bytes(), monkeypatch=monkeypatch)
    assert (code, summary(out)["created"]) == (0, 1)
    assert InboundMessage.objects.get().source == "stdin"


def test_an_unreadable_file_only_exits_2(handled, tmp_path):
    code, out, err = run(str(tmp_path / "missing.eml"), "--json")
    assert code == 2
    assert summary(out)["unreadable"] == 1 and "missing.eml: cannot read" in err


def test_some_unreadable_files_exit_1(handled, tmp_path):
    code, out, _ = run(str(tmp_path / "missing.eml"), str(EML / "fi_utf8_qp.eml"), "--json")
    assert code == 1 and summary(out)["created"] == 1


def test_no_arguments_exits_2(handled):
    assert run()[0] == 2


def test_a_handler_that_cannot_be_imported_exits_2(settings):
    settings.SIDOS_INBOUND_MAIL_HANDLER = "sidos.nowhere.handle"
    code, _, err = run(str(EML / "fi_utf8_qp.eml"))
    assert code == 2 and "cannot be imported" in err
    assert not InboundMessage.objects.exists()


def test_retry_failed_reprocesses_the_quarantine(settings, handled):
    settings.SIDOS_INBOUND_MAIL_HANDLER = "sidos.mail.tests.handlers.explode"
    assert run(str(EML / "fi_utf8_qp.eml"))[0] == 1
    settings.SIDOS_INBOUND_MAIL_HANDLER = "sidos.mail.tests.handlers.record"
    code, out, _ = run("--retry-failed", "--json")
    assert (code, summary(out)) == (0, {"created": 1, "threaded": 0, "ignored": 0, "failed": 0})


def test_a_database_outage_exits_75_so_an_mta_retries(handled, monkeypatch):
    # A mock: a database that fails mid-command cannot be caused from inside the test's transaction.
    from django.db import OperationalError

    from sidos.mail import actions

    def down(**fields):
        raise OperationalError("database is locked")

    monkeypatch.setattr(actions, "store_inbound", down)
    code, out, err = run(str(EML / "fi_utf8_qp.eml"), "--json")
    assert code == 75 and "database unavailable" in err
    assert summary(out)["created"] == 0


def test_an_unreadable_file_only_exits_2_however_slow_the_machine(handled, tmp_path, monkeypatch):
    """The run's own time is in the summary too; on a loaded machine it is not 0.0 and must not count
    as a processed message (this exited 1 in a PostgreSQL run at load 12)."""
    import importlib
    from types import SimpleNamespace

    command = importlib.import_module("sidos.mail.management.commands.mail-ingest")
    ticks = iter(range(0, 1000, 5))
    monkeypatch.setattr(command, "time", SimpleNamespace(perf_counter=lambda: float(next(ticks))))
    code, out, _err = run(str(tmp_path / "missing.eml"), "--json")
    assert code == 2
    assert json.loads(out.strip().splitlines()[-1])["seconds"] == 5.0
