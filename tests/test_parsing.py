"""parse() on the hand-made fixtures in tests/fixtures/mail (see _make.py there)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from triage.errors import MessageError
from triage.parsing import parse
from triage.records import Attachment, ParsedMessage

FIXTURES = Path(__file__).parent / "fixtures" / "mail"


def load(name: str) -> ParsedMessage:
    return parse((FIXTURES / name).read_bytes())


def test_iso2022jp_with_cp932_extensions() -> None:
    msg = load("iso2022jp_cp932_ext.eml")
    assert msg.subject == "①請求書の件"
    assert msg.text == "①の件、№12の請求書を㈱サンプルの髙橋様へ送付しました。10時〜12時"
    assert "charset-fallback:cp932" in msg.defects
    assert "header-charset-fallback:cp932" in msg.defects
    assert msg.lang == "ja"


def test_iso2022jp_standard_needs_no_fallback() -> None:
    msg = load("iso2022jp_plain.eml")
    assert msg.subject == "会議の件"
    assert msg.text.startswith("明日の会議は10時〜11時です。")
    assert not [d for d in msg.defects if d.startswith("charset")]


def test_7bit_jis_without_charset() -> None:
    msg = load("jis_no_charset.eml")
    assert msg.text == "パスワードを再設定してください。"
    assert "charset-missing:iso-2022-jp" in msg.defects


def test_shift_jis_labelled_latin1_and_8bit_subject() -> None:
    msg = load("sjis_labelled_latin1.eml")
    assert msg.subject == "経費精算について"
    assert msg.text == "経費精算の締め切りはいつですか。①〜③を確認しました。"
    assert "charset-mislabel:cp932" in msg.defects


def test_shift_jis_wave_dash_is_mapped_to_wave_dash() -> None:
    msg = load("sjis_cp932.eml")
    assert msg.subject == "ＰＣ故障"
    assert "９時〜１８時" in msg.text  # cp932 decodes 0x8160 as U+FF5E; JIS means U+301C
    assert "\uff5e" not in msg.text
    assert "㈱サンプル" in msg.text


def test_euc_jp() -> None:
    msg = load("eucjp.eml")
    assert (msg.subject, msg.text) == ("発注", "発注書を添付します。ご確認ください。")


@pytest.mark.parametrize(
    ("name", "subject", "text"),
    [("gb2312.eml", "发票", "请尽快开具发票。谢谢！"), ("big5.eml", "發票", "請盡快開具發票。")],
)
def test_chinese(name: str, subject: str, text: str) -> None:
    msg = load(name)
    assert (msg.subject, msg.text) == (subject, text)


def test_utf8_quoted_printable_and_headers() -> None:
    msg = load("utf8_qp.eml")
    assert msg.from_addr == "taro.yamada@example.jp"
    assert msg.from_name == "山田 太郎"  # encoded word inside quotes
    assert msg.to == ("support@example.com", "sato@example.jp")
    assert msg.cc == ("boss@example.jp",)
    assert msg.reply_to == ("taro+reply@example.jp",)
    assert msg.subject == "Re: 返信: 請求書 [REQ-000123]"  # raw UTF-8 header (RFC 6532)
    assert msg.message_id == "<utf8-qp@example.jp>"  # brackets added
    assert msg.in_reply_to == "<orig@example.com>"
    assert msg.references == ("<a@example.com>", "<b@example.com>", "<c@example.com>")
    assert msg.date == datetime(2026, 3, 2, 10, 15, tzinfo=timezone(timedelta(hours=9)))
    assert msg.new_text == "お世話になっております。\n請求書の再発行をお願いします。"
    assert msg.quoted_text.startswith("2026年3月1日(日) 9:00 Support")
    assert msg.headers["subject"] == ("Re: 返信: 請求書 [REQ-000123]",)
    assert msg.header("Reply-To") == "taro+reply@example.jp"
    assert msg.content_type == "text/plain"
    assert msg.lang == "ja"
    assert msg.defects == ()


def test_html_only_body() -> None:
    msg = load("html_only.eml")
    assert msg.content_type == "text/html"
    assert msg.new_text == "VPNに接続できません。"
    assert "> Please restart." in msg.quoted_text
    assert "color" not in msg.text


def test_alternative_and_attachments() -> None:
    msg = load("attachments.eml")
    assert msg.text == "Please see the attached files."  # plain chosen over html
    assert msg.attachments == (
        Attachment("screenshot.png", "image/png", 8),  # named inline image counts
        Attachment("請求書.pdf", "application/pdf", 19),  # RFC 2231 UTF-8
        Attachment("見積書①.xlsx", "application/vnd.ms-excel", 4),  # RFC 2231 JIS, continued
        Attachment("納品書.csv", "application/octet-stream", 3),  # encoded word in quotes
    )  # the unnamed tracking GIF and the S/MIME signature are not attachments


def test_bounce() -> None:
    msg = load("bounce_dsn.eml")
    assert msg.content_type == "multipart/report"
    assert msg.embedded_message_ids == ("<req-42.abc@triage.example.com>",)
    assert msg.failed_recipients == ("gone@example.org",)  # delayed one is not failed
    assert msg.new_text.startswith("This is the mail system.")
    assert "[REQ-000042]" in msg.quoted_text


def test_forward_as_attachment_is_quoted_context() -> None:
    msg = load("forward_attached.eml")
    assert msg.new_text == "下記の件、対応をお願いします。"
    assert "本番サーバが停止しています。" in msg.quoted_text
    assert "<ops-1@example.org>" in msg.embedded_message_ids
    assert msg.attachments[0].filename == "original.eml"


def test_broken_parts_do_not_lose_the_rest() -> None:
    msg = load("broken_parts.eml")
    assert msg.text.split("\n\n") == [
        "first part ok",
        "this text only claims to be base64!",
        "third part",
        "四番目",
    ]
    assert msg.date is None
    for defect in (
        "charset-unknown:x-no-such-charset",
        "bad-base64:not-base64",
        "bad-transfer-encoding:x-rot13",
        "bad-date",
    ):
        assert defect in msg.defects


def test_multipart_without_boundary_is_read_as_text() -> None:
    msg = load("no_boundary.eml")
    assert msg.text == "the body is still readable"
    assert "multipart-without-parts" in msg.defects


def test_obsolete_syntax_mbox_line_and_bom() -> None:
    msg = load("obsolete_mbox.eml")
    assert (msg.subject, msg.from_addr, msg.text) == ("obsolete spacing", "old@example.com", "body")
    assert msg.date is not None and msg.date.tzinfo is not None  # -0000 -> UTC
    assert {"bom", "mbox-from-line", "obsolete-header-syntax"} <= set(msg.defects)


@pytest.mark.parametrize(
    ("name", "reason"),
    [("body_only.txt", "no-headers"), ("empty.eml", "empty"), ("ole.msg", "not-a-message")],
)
def test_not_a_message(name: str, reason: str) -> None:
    with pytest.raises(MessageError) as info:
        load(name)
    assert info.value.reason == reason


def test_not_bytes() -> None:
    with pytest.raises(MessageError):
        parse("From: a@example.com\n\nx")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "raw",
    [
        b"Subject: =?utf-8?B?broken base64?=\n\nx",
        b"Subject: =?no-such?Q?abc?=\nFrom: <>\n\nx",
        b'From: "unterminated <a@b\nContent-Type: text/plain; charset="\n\n\xff\xfe',
        b'Content-Type: multipart/mixed; boundary="x"\nFrom: a@b.c\n\n'
        b"--x\nContent-Type: message/rfc822\n\n--x--",
        b"From: a@b.c\nContent-Type: text/plain; charset=utf-16\n\n\xff\xfeh\x00i\x00",
        b"From: a@b.c\nDate: Mon, 99 Foo 2026 99:99:99 +9999\nMessage-ID:\n\n",
        b"From: a@b.c\nContent-Type: multipart/mixed; boundary=a\n\n"
        + b"--a\nContent-Type: multipart/mixed; boundary=a\n\n" * 60,
    ],
)
def test_garbage_never_raises_anything_but_message_error(raw: bytes) -> None:
    try:
        msg = parse(raw)
    except MessageError as exc:
        assert exc.reason
    else:
        assert isinstance(msg, ParsedMessage)
