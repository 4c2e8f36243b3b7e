"""decode_bytes / decode_header / transfer decoding on small byte strings."""

from __future__ import annotations

import base64

import pytest

from triage.parsing.charsets import decode_bytes, jis_to_sjis, normalize_charset
from triage.parsing.headers import decode_header, parse_addresses, parse_date, parse_msgids
from triage.parsing.transfer import decode_transfer

# "①㈱№" in ISO-2022-JP as Outlook writes it (NEC row 13), and 髙 (NEC-selected IBM ext.)
NEC_JIS = b"\x1b$B-!-j-b\x1b(B"
IBM_JIS = b"\x1b$B|b\x1b(B"


def test_standard_iso2022jp() -> None:
    assert decode_bytes("テスト".encode("iso2022_jp"), "ISO-2022-JP") == ("テスト", None)


def test_nec_row13_via_cp932() -> None:
    assert decode_bytes(NEC_JIS, "iso-2022-jp") == ("①㈱№", "charset-fallback:cp932")


def test_nec_selected_ibm_extension() -> None:
    text, note = decode_bytes(IBM_JIS, "iso-2022-jp")
    assert text == "髙" and note == "charset-fallback:cp932"


def test_half_width_katakana_in_jis() -> None:
    text, _ = decode_bytes(b"\x1b(I6\x1b(B", "iso-2022-jp")
    assert text == "ｶ"


def test_jis_line_reset_rescues_missing_escape_back() -> None:
    assert jis_to_sjis(b"\x1b$B%F\nabc") == "テ".encode("cp932") + b"\nabc"


def test_jis_without_label() -> None:
    assert decode_bytes("日本".encode("iso2022_jp"), None) == (
        "日本",
        "charset-missing:iso-2022-jp",
    )


def test_wave_dash() -> None:
    assert decode_bytes(b"\x81\x60", "shift_jis")[0] == "\u301c"
    assert decode_bytes(b"\x1b$B!A\x1b(B", "iso-2022-jp")[0] == "\u301c"
    assert decode_bytes("\uff5e".encode(), "utf-8")[0] == "\uff5e"  # UTF-8 is exact
    # minus sign: the iso2022_jp codec and cp932 disagree; both give the cp932 form
    assert decode_bytes(b"\x1b$B!]\x1b(B", "iso-2022-jp")[0] == "\uff0d"
    assert decode_bytes(b"\x81\x7c", "shift_jis")[0] == "\uff0d"


def test_shift_jis_labelled_utf8() -> None:
    text, note = decode_bytes("申請書を送ります".encode("cp932"), "utf-8")
    assert text == "申請書を送ります" and note == "charset-mislabel:cp932"


def test_utf8_labelled_latin1() -> None:
    assert decode_bytes("請求".encode(), "iso-8859-1") == ("請求", "charset-mislabel:utf-8")


def test_latin1_stays_latin1() -> None:
    assert decode_bytes("café".encode("latin-1"), "iso-8859-1") == ("café", None)


def test_eucjp_nec_row13() -> None:
    # eucJP-ms: ① is 0xADA1
    text, note = decode_bytes(b"\xad\xa1", "euc-jp")
    assert text == "①" and note is not None


def test_gbk_under_gb2312_label() -> None:
    assert decode_bytes("镕".encode("gbk"), "gb2312") == ("镕", None)


def test_unknown_charset_falls_back() -> None:
    assert decode_bytes("über".encode(), "x-bogus") == ("über", "charset-unknown:x-bogus")


def test_undecodable_is_replaced_and_noted() -> None:
    text, note = decode_bytes(b"\xff\xfe\xfd\xfc" * 3, "utf-8")
    assert note is not None


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Shift_JIS", "sjis"),
        ('"ISO-2022-JP"', "jis"),
        ("x-sjis", "sjis"),
        ("EUC-JP", "euc"),
        ("windows-31j", "sjis"),
        ("iso-2022-jp*ja", "jis"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_charset(label: str | None, expected: str) -> None:
    assert normalize_charset(label) == expected


def test_encoded_words_split_across_a_character() -> None:
    data = "請求書".encode()
    first, second = (base64.b64encode(part).decode() for part in (data[:4], data[4:]))
    words = f"=?UTF-8?B?{first}?= =?UTF-8?B?{second}?="
    assert decode_header(words) == ("請求書", [])


def test_encoded_word_glued_and_in_quotes() -> None:
    assert decode_header('"=?utf-8?Q?Caf=C3=A9?=" x')[0] == '"Café" x'
    assert decode_header("Re:=?utf-8?B?5pel5pys?=")[0] == "Re:日本"


def test_header_jis_nec() -> None:
    word = "=?ISO-2022-JP?B?" + base64.b64encode(NEC_JIS).decode() + "?="
    assert decode_header(word) == ("①㈱№", ["header-charset-fallback:cp932"])


def test_raw_8bit_header_uses_hint() -> None:
    raw = "件名".encode("cp932").decode("utf-8", "surrogateescape")
    text, notes = decode_header(raw, "shift_jis")
    assert text == "件名"


def test_addresses() -> None:
    pairs, _ = parse_addresses(
        '"Yamada, Taro" <Taro@Example.JP>, sato@example.jp, MAILER-DAEMON <>'
    )
    assert pairs == [
        ("Yamada, Taro", "taro@example.jp"),
        ("", "sato@example.jp"),
        ("MAILER-DAEMON", ""),
    ]


def test_msgids() -> None:
    assert parse_msgids("<a@x> <b@x>") == ["<a@x>", "<b@x>"]
    assert parse_msgids("c@x") == ["<c@x>"]
    assert parse_msgids("") == []


def test_dates() -> None:
    assert parse_date("Mon, 2 Mar 2026 10:15:00 +0900") is not None
    assert parse_date("not a date") is None
    naive = parse_date("Mon, 2 Mar 2026 10:15:00 -0000")
    assert naive is not None and naive.tzinfo is not None


def test_transfer_encodings() -> None:
    assert decode_transfer(b"5pel5pys", "base64") == ("日本".encode(), None)
    assert decode_transfer(b"5pel5p", "BASE64")[0].startswith("日".encode())
    assert decode_transfer(b"=E6=97=A5=\n", "quoted-printable") == ("日".encode(), None)
    assert decode_transfer(b"abc", "x-foo") == (b"abc", "bad-transfer-encoding:x-foo")
    assert decode_transfer(b"begin 644 a\n#86)C\n`\nend\n", "x-uuencode") == (b"abc", None)
