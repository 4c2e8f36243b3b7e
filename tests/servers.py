"""Real throwaway servers for integration tests: Dovecot, pymap and an SMTP capture.

Dovecot is the reference IMAP server (run from the Debian package ``dovecot-imapd``);
pymap and the SMTP capture come from ``triage.demo.servers`` so the demo and the tests
exercise the same code. Every server listens on a free loopback port and lives in a
temporary directory that is removed afterwards.
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imapclient import IMAPClient

from triage.config import ImapConfig
from triage.demo.servers import PymapServer, free_port, wait_for_port

DOVECOT = Path(os.environ.get("TRIAGE_DOVECOT", "/usr/sbin/dovecot"))
DOVEADM = Path(shutil.which("doveadm") or "/usr/bin/doveadm")
LOOPBACK = "127.0.0.1"


@dataclass
class ImapAccount:
    """One mailbox on a running test server, with helpers to look behind triage's back."""

    server: str  # "dovecot" or "pymap"
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    _drop: Callable[[], None] = field(repr=False)

    def config(self, **overrides: Any) -> ImapConfig:
        values: dict[str, Any] = dict(host=self.host, port=self.port, tls="none",
                                      user=self.user, password=self.password,
                                      timeout=10.0, poll_interval=0.5)
        values.update(overrides)
        return ImapConfig(**values)

    _helper: IMAPClient | None = field(default=None, repr=False)

    @contextmanager
    def client(self, folder: str | None = "INBOX") -> Iterator[IMAPClient]:
        """A logged-in imapclient with ``folder`` selected (None: INBOX read-only, so any
        other folder may be deleted). One connection is kept and reused: pymap's logins
        are slow (password hashing)."""
        client = self._connection()
        try:
            client.select_folder(folder or "INBOX", readonly=folder is None)
            yield client
        except Exception:
            self.close()
            raise

    def _connection(self) -> IMAPClient:
        if self._helper is not None:
            try:
                self._helper.noop()
                return self._helper
            except Exception:  # noqa: BLE001 - dropped on purpose by a test: reconnect
                self.close()
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        self._helper = client
        return client

    def close(self) -> None:
        client, self._helper = self._helper, None
        if client is not None:
            try:
                client.logout()
            except Exception:  # noqa: BLE001 - a test helper tidying up
                client.shutdown()

    def append(self, raw: bytes, folder: str = "INBOX", flags: tuple[bytes, ...] = ()) -> int:
        """APPEND a message; returns its UID (from APPENDUID, else the highest UID)."""
        with self.client(folder=None) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            resp = client.append(folder, raw, flags=list(flags))
            text = resp.decode() if isinstance(resp, bytes) else str(resp)
            if "APPENDUID" in text:
                return int(text.split("APPENDUID", 1)[1].split("]")[0].split()[1])
            client.select_folder(folder, readonly=True)
            return max(client.search(["ALL"]))

    def uids(self, folder: str = "INBOX") -> list[int]:
        with self.client(folder=None) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search(["ALL"]))

    def flags(self, uid: int, folder: str = "INBOX") -> set[bytes]:
        with self.client(folder=None) as client:
            client.select_folder(folder, readonly=True)
            return set(client.get_flags([uid]).get(uid, ()))

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.client(folder=None) as client:
            return int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def drop_connections(self) -> None:
        """Make the server close every connection of this user (pymap: restart)."""
        self._drop()


# -- Dovecot ----------------------------------------------------------------------------
class DovecotServer:
    """A private Dovecot: plaintext auth on loopback, any user name with one password, maildir.

    As root (CI), Dovecot refuses to run its login processes as root and to open mail
    as uid 0: login processes run as ``dovenull``, internal services as ``dovecot``
    (both made by the Debian package), mail belongs to ``nobody``, and the work
    directory is made under /tmp (world-traversable) so they can reach it. As an
    ordinary user everything runs as that user (no chroots). No auth penalty or failure
    delay: tests log in with wrong passwords on purpose.
    """

    def __init__(self, host: str = LOOPBACK, port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.workdir = Path(tempfile.mkdtemp(prefix="triage-dovecot-"))
        self.workdir.chmod(0o755)
        self.conf = self.workdir / "dovecot.conf"
        self.password = secrets.token_urlsafe(12)
        self.log_path = self.workdir / "dovecot.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._users = 0

    def _accounts(self) -> tuple[str, str, str, int, int]:
        """(login user, internal user, internal group, mail uid, mail gid)."""
        if os.geteuid() != 0:
            me = pwd.getpwuid(os.geteuid())
            return me.pw_name, me.pw_name, grp.getgrgid(os.getegid()).gr_name, me.pw_uid, \
                os.getegid()
        mail = pwd.getpwnam("nobody")
        login = _existing_user("dovenull", "nobody")
        internal = _existing_user("dovecot", "nobody")
        group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
        return login, internal, group, mail.pw_uid, mail.pw_gid

    def start(self, timeout: float = 30.0) -> None:
        login, internal, group, uid, gid = self._accounts()
        mail_root = self.workdir / "mail"
        mail_root.mkdir()
        os.chown(mail_root, uid, gid)
        for sub in ("run", "state"):
            (self.workdir / sub).mkdir()
        self.conf.write_text(DOVECOT_CONF.format(
            work=self.workdir, host=self.host, port=self.port, login=login,
            internal=internal, group=group, uid=uid, gid=gid, first_uid=min(uid, 500) or 1,
            instance=self.workdir.name, password=self.password))
        with open(self.workdir / "stdout.log", "ab") as out:
            self._proc = subprocess.Popen([str(DOVECOT), "-F", "-c", str(self.conf)],
                                          stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL)
        try:
            wait_for_port(self.host, self.port, timeout, proc=self._proc, log_path=self.log_path)
        except RuntimeError:
            self.stop()
            raise

    def add_user(self) -> tuple[str, str]:
        """A user name nobody used yet (so an empty maildir) and the password."""
        self._users += 1
        return f"user{self._users}", self.password

    def kick(self, user: str) -> None:
        """Server-side disconnect of every session of ``user`` (doveadm kick)."""
        subprocess.run([str(DOVEADM), "-c", str(self.conf), "kick", user],
                       check=True, capture_output=True, timeout=30)

    def account(self) -> ImapAccount:
        user, password = self.add_user()
        return ImapAccount("dovecot", self.host, self.port, user, password,
                           lambda: self.kick(user))

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _existing_user(*names: str) -> str:
    for name in names:
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError(f"none of these users exist: {', '.join(names)}")


DOVECOT_CONF = """\
# throwaway Dovecot for triage's tests; nothing here is fit for production
instance_name = {instance}
base_dir = {work}/run
state_dir = {work}/state
log_path = {work}/dovecot.log
protocols = imap
listen = {host}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# no delay or penalty for failed logins: tests try wrong passwords on purpose
auth_failure_delay = 0
default_login_user = {login}
default_internal_user = {internal}
default_internal_group = {group}
first_valid_uid = {first_uid}
mail_location = maildir:{work}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
mailbox_list_index = yes
mail_fsync = never
protocol imap {{
  mail_max_userip_connections = 100
  imap_idle_notify_interval = 1 mins
}}
# every user name logs in with the one password: a test takes a fresh name, so it gets
# a fresh, empty maildir, with no passwd-file to re-read (Dovecot re-reads at most once a
# second, which lost users added in quick succession)
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={work}/mail/%u
}}
# no chroots: an ordinary user may not chroot (root does not need them for tests either)
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


# -- pymap --------------------------------------------------------------------------------
class PymapFixture:
    """One pymap process for the session; each test gets it emptied."""

    def __init__(self, workdir: Path) -> None:
        self.server = PymapServer(workdir, user="demouser@example.com")

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def account(self) -> ImapAccount:
        srv = self.server
        acct = ImapAccount("pymap", srv.host, srv.port, srv.user, srv.password, srv.restart)
        self.reset(acct)
        return acct

    @staticmethod
    def reset(acct: ImapAccount) -> None:
        """Delete every message and every folder but INBOX."""
        with acct.client(folder=None) as client:
            for _flags, _delim, name in client.list_folders():
                if name.upper() != "INBOX":
                    client.delete_folder(name)
            client.select_folder("INBOX")
            uids = client.search(["ALL"])
            if uids:
                client.add_flags(uids, [b"\\Deleted"], silent=True)
                client.expunge()
