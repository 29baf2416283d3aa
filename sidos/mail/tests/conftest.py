import os
import shutil
import tempfile
from pathlib import Path

import pytest

from sidos.mail.tests import handlers
from sidos.mail.tests.servers import DOVECOT, DovecotServer

EML = Path(__file__).parent / "eml"


@pytest.fixture
def eml():
    def read(name: str) -> bytes:
        return (EML / name).read_bytes()

    return read


@pytest.fixture
def handled(settings):
    """The recording handler; the list of ParsedMessages it was given."""
    settings.SIDOS_INBOUND_MAIL_HANDLER = "sidos.mail.tests.handlers.record"
    handlers.received.clear()
    yield handlers.received
    handlers.received.clear()


@pytest.fixture(scope="session")
def dovecot_server():
    if not os.path.exists(DOVECOT):
        pytest.skip("Debian dovecot-imapd is not installed (scripts/install-system-packages installs it)")
    # Not pytest's tmp_path: that is private to its owner, and as root the mailboxes belong to `dovecot`.
    root = Path(tempfile.mkdtemp(prefix="sidos-dovecot-"))
    root.chmod(0o755)
    server = DovecotServer(root).start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_mailbox(dovecot_server, settings):
    """A fresh IMAP user; returns (url, user, password)."""
    user, password = dovecot_server.add_user()
    url = f"imap://{user}:{password}@127.0.0.1:{dovecot_server.port}/INBOX"
    settings.SIDOS_IMAP_URL = url
    return url, user, password
