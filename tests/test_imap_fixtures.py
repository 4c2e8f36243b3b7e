"""The shared server fixtures themselves: what other tests rely on."""

from __future__ import annotations

import smtplib

import pytest
from servers import ImapAccount

from triage.demo.servers import SmtpCapture

pytestmark = pytest.mark.integration


def test_append_helper_returns_uids_in_order(imap_account: ImapAccount) -> None:
    first = imap_account.append(b"Subject: one\r\n\r\n1\r\n")
    second = imap_account.append(b"Subject: two\r\n\r\n2\r\n", folder="Other")
    third = imap_account.append(b"Subject: three\r\n\r\n3\r\n")
    assert imap_account.uids() == [first, third]
    assert imap_account.uids("Other") == [second]
    assert b"\\Seen" not in imap_account.flags(first)


def test_each_test_starts_with_an_empty_mailbox(imap_account: ImapAccount) -> None:
    assert imap_account.uids() == []
    assert imap_account.uids("Other") == []


def test_smtp_capture_rejects_on_request(smtp_capture: SmtpCapture) -> None:
    smtp_capture.reject_next("451 4.3.0 later", stage="data")
    with smtplib.SMTP(smtp_capture.host, smtp_capture.port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPDataError):
            client.sendmail("a@example.co.jp", ["b@example.co.jp"], b"Subject: x\r\n\r\ny\r\n")
        client.sendmail("a@example.co.jp", ["b@example.co.jp"], b"Subject: x\r\n\r\ny\r\n")
    assert len(smtp_capture.messages) == 1


def test_pg_url_reaches_postgresql(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://", 1),
                         connect_timeout=5) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
