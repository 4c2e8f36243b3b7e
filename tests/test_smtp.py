"""SmtpSender against a real (aiosmtpd) SMTP server on loopback."""

from __future__ import annotations

import pytest

from triage.config import SmtpConfig
from triage.demo.servers import SmtpCapture, free_port
from triage.errors import ConfigError, SmtpError
from triage.smtp import SmtpSender, SmtpSendError

pytestmark = pytest.mark.integration

RAW = (b"From: backoffice@example.co.jp\r\nTo: staff@example.co.jp\r\n"
       b"Subject: REQ-000001\r\nAuto-Submitted: auto-replied\r\n\r\n"
       b"Thanks.\r\n.a line starting with a dot\r\n")


def test_sends_and_keeps_the_connection_for_a_batch(smtp_capture: SmtpCapture) -> None:
    with SmtpSender(smtp_capture.smtp_config()) as sender:
        sender.send(RAW, "backoffice@example.co.jp", ["staff@example.co.jp"])
        conn = sender._conn
        sender.send(RAW, "backoffice@example.co.jp", ["a@example.co.jp", "b@example.co.jp"])
        assert sender._conn is conn  # one session for the batch
    got = smtp_capture.messages
    assert [(m.mail_from, m.rcpt_tos) for m in got] == [
        ("backoffice@example.co.jp", ("staff@example.co.jp",)),
        ("backoffice@example.co.jp", ("a@example.co.jp", "b@example.co.jp")),
    ]
    assert got[0].raw == RAW


def test_eight_bit_mail_arrives_intact(smtp_capture: SmtpCapture) -> None:
    raw = ("From: backoffice@example.co.jp\r\nSubject: =?utf-8?b?56K66KqN?=\r\n"
           "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
           "\r\n契約変更の件、承知しました。\r\n").encode()
    with SmtpSender(smtp_capture.smtp_config()) as sender:
        sender.send(raw, "backoffice@example.co.jp", ["staff@example.co.jp"])
    assert smtp_capture.messages[0].raw == raw


def test_temporary_rejection_is_transient_and_the_next_try_works(
        smtp_capture: SmtpCapture) -> None:
    smtp_capture.reject_next("451 4.3.0 Try again later", stage="data")
    with SmtpSender(smtp_capture.smtp_config()) as sender:
        with pytest.raises(SmtpError) as info:
            sender.send(RAW, "backoffice@example.co.jp", ["staff@example.co.jp"])
        assert isinstance(info.value, SmtpSendError)
        assert info.value.permanent is False
        assert info.value.code == 451
        sender.send(RAW, "backoffice@example.co.jp", ["staff@example.co.jp"])
    assert len(smtp_capture.messages) == 1


def test_unknown_recipient_is_permanent(smtp_capture: SmtpCapture) -> None:
    smtp_capture.reject_next("550 5.1.1 No such user", stage="rcpt")
    with SmtpSender(smtp_capture.smtp_config()) as sender:
        with pytest.raises(SmtpError) as info:
            sender.send(RAW, "backoffice@example.co.jp", ["nobody@example.co.jp"])
        assert getattr(info.value, "permanent", None) is True
        assert info.value.refused["nobody@example.co.jp"][0] == 550
        sender.send(RAW, "backoffice@example.co.jp", ["staff@example.co.jp"])
    assert [m.rcpt_tos for m in smtp_capture.messages] == [("staff@example.co.jp",)]


def test_partly_refused_recipients_say_who_got_it(smtp_capture: SmtpCapture) -> None:
    smtp_capture.reject_next("550 5.1.1 No such user", stage="rcpt")
    with SmtpSender(smtp_capture.smtp_config()) as sender:
        with pytest.raises(SmtpSendError) as info:
            sender.send(RAW, "backoffice@example.co.jp",
                        ["gone@example.co.jp", "staff@example.co.jp"])
    assert info.value.permanent is True
    assert info.value.delivered_to == ["staff@example.co.jp"]
    assert [m.rcpt_tos for m in smtp_capture.messages] == [("staff@example.co.jp",)]


def test_rejected_sender_codes(smtp_capture: SmtpCapture) -> None:
    smtp_capture.reject_next("421 4.7.0 Too busy", stage="mail")
    smtp_capture.reject_next("553 5.7.1 Sender not allowed", stage="mail")
    with SmtpSender(smtp_capture.smtp_config()) as sender:
        with pytest.raises(SmtpSendError) as first:
            sender.send(RAW, "backoffice@example.co.jp", ["staff@example.co.jp"])
        with pytest.raises(SmtpSendError) as second:
            sender.send(RAW, "backoffice@example.co.jp", ["staff@example.co.jp"])
    assert (first.value.permanent, first.value.code) == (False, 421)
    assert (second.value.permanent, second.value.code) == (True, 553)


def test_reconnects_when_the_kept_connection_was_dropped(smtp_capture: SmtpCapture) -> None:
    with SmtpSender(smtp_capture.smtp_config()) as sender:
        sender.send(RAW, "backoffice@example.co.jp", ["staff@example.co.jp"])
        smtp_capture.stop()  # drops the kept session
        again = SmtpCapture(port=smtp_capture.port)
        again.start()
        try:
            sender.send(RAW, "backoffice@example.co.jp", ["staff@example.co.jp"])
        finally:
            again.stop()
    assert len(again.messages) == 1


def test_server_down_is_transient() -> None:
    sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=free_port(), timeout=5.0))
    with pytest.raises(SmtpError) as info:
        sender.send(RAW, "backoffice@example.co.jp", ["staff@example.co.jp"])
    assert info.value.permanent is False
    sender.close()


def test_login_when_a_user_is_configured() -> None:
    server = SmtpCapture(users={"triage": "s3cret"})
    server.start()
    try:
        good = SmtpSender(server.smtp_config(user="triage", password="s3cret"))
        good.send(RAW, "backoffice@example.co.jp", ["staff@example.co.jp"])
        good.close()
        bad = SmtpSender(server.smtp_config(user="triage", password="wrong"))
        with pytest.raises(SmtpSendError) as info:
            bad.send(RAW, "backoffice@example.co.jp", ["staff@example.co.jp"])
        bad.close()
    finally:
        server.stop()
    assert info.value.permanent is False  # fix the config; the mail itself is fine
    assert "wrong" not in str(info.value)
    assert len(server.messages) == 1


def test_bad_tls_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        SmtpSender(SmtpConfig(tls="tls"))


def test_no_recipients_is_permanent() -> None:
    with pytest.raises(SmtpSendError) as info:
        SmtpSender(SmtpConfig()).send(RAW, "a@example.co.jp", [])
    assert info.value.permanent is True
