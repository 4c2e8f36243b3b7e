"""The demo's own servers: pymap + SMTP capture, no outside server needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.demo.servers import start_demo_servers
from triage.imap import ImapMailbox
from triage.smtp import SmtpSender

pytestmark = pytest.mark.integration

RAW = (b"From: sales@example.co.jp\r\nTo: backoffice@example.co.jp\r\n"
       b"Subject: contract change\r\n\r\nPlease change the contract.\r\n")


def test_demo_servers_deliver_fetch_and_capture(tmp_path: Path) -> None:
    with start_demo_servers(tmp_path) as demo:
        uid = demo.deliver(RAW)
        mailbox = ImapMailbox(demo.imap_config())
        try:
            mailbox.connect()
            assert mailbox.search_new(0) == [uid]
            assert list(mailbox.fetch([uid])) == [(uid, RAW)]
        finally:
            mailbox.close()
        with SmtpSender(demo.smtp_config()) as sender:
            sender.send(b"Subject: ack\r\n\r\nREQ-000001\r\n", "backoffice@example.co.jp",
                        ["sales@example.co.jp"])
        sent = demo.sent()
        assert [(m.mail_from, m.rcpt_tos) for m in sent] == [
            ("backoffice@example.co.jp", ("sales@example.co.jp",))]
        assert demo.imap_config().user == "backoffice@example.co.jp"
        assert demo.imap_config().password not in repr(demo.imap_config())
