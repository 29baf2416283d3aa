"""Real mail servers on loopback for the tests: aiosmtpd (SMTP) and Debian's Dovecot (IMAP)."""

import os
import pwd
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RecordingHandler:
    """Keeps every accepted message; `reply` lets a test make the server refuse (e.g. '451 ...')."""

    def __init__(self):
        self.received: list[dict] = []
        self.reply = "250 OK"
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if not self.reply.startswith("250"):
            return self.reply
        with self.lock:
            self.received.append(
                {
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "content": envelope.original_content,
                }
            )
        return "250 OK"


class SmtpServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self.controller = None

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def received(self):
        return self.handler.received


DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
{users}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = 0
  }}
}}
"""


class DovecotServer:
    """Dovecot in the foreground with its own config, passwd file and maildirs under root.

    Dovecot will not deliver to uid 0, so as root (CI) the mailboxes belong to the package's
    `dovecot` user; as anyone else everything runs as that user.
    """

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.tls_port = free_port()
        self.certificate = None  # a self-signed one for 127.0.0.1 when openssl is there
        self.process = None
        self.count = 0

    def start(self):
        for name in ("run", "state", "home"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        # All users up front: Dovecot re-reads a changed passwd-file by its mtime, which misses a
        # second change within the same second.
        (self.root / "passwd").write_text(
            "".join(
                f"{user}:{{PLAIN}}{password}\n" for user, password in map(self.credentials, range(1, 101))
            )
        )
        if os.getuid() == 0:
            account = pwd.getpwnam("dovecot")
            uid, gid = account.pw_uid, account.pw_gid
            users = "default_internal_user = dovecot\ndefault_login_user = dovenull"
            os.chown(self.root / "home", uid, gid)
        else:
            me = pwd.getpwuid(os.getuid()).pw_name
            uid, gid = os.getuid(), os.getgid()
            users = f"default_internal_user = {me}\ndefault_login_user = {me}"
        ssl = "ssl = no"
        if shutil.which("openssl"):
            self.certificate, key = self.root / "cert.pem", self.root / "key.pem"
            subprocess.run(
                [
                    "openssl",
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "1",
                    "-subj",
                    "/CN=127.0.0.1",
                    "-addext",
                    "subjectAltName=IP:127.0.0.1",
                    "-keyout",
                    str(key),
                    "-out",
                    str(self.certificate),
                ],
                check=True,
                capture_output=True,
            )
            ssl = f"ssl = yes\nssl_cert = <{self.certificate}\nssl_key = <{key}"
        config = self.root / "dovecot.conf"
        config.write_text(
            DOVECOT_CONF.format(
                root=self.root, users=users, uid=uid, gid=gid, port=self.port, tls_port=self.tls_port, ssl=ssl
            )
        )
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stdout.read().decode()} {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not listen on {self.port}: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    @staticmethod
    def credentials(number: int) -> tuple[str, str]:
        return f"desk{number}", f"pw-{number}-secret"

    def add_user(self) -> tuple[str, str]:
        """A fresh mailbox per test."""
        self.count += 1
        return self.credentials(self.count)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
