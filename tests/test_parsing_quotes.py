"""split_quotes, normalize_subject and find_refs on hand-written bodies."""

from __future__ import annotations

import pytest

from triage.parsing.quotes import find_refs, normalize_subject, split_quotes


def test_plain_text_has_no_quote_or_signature() -> None:
    assert split_quotes("Hello\n\nPlease reset my password.\n") == (
        "Hello\n\nPlease reset my password.",
        "",
        "",
    )


def test_empty() -> None:
    assert split_quotes("") == ("", "", "")


def test_on_wrote_with_gt_lines() -> None:
    body = (
        "Thanks, that works.\n\n"
        "On Mon, Mar 2, 2026 at 10:15 AM Taro Yamada <taro@example.com> wrote:\n"
        "> Could you try again?\n> \n> Taro\n"
    )
    new, quoted, sig = split_quotes(body)
    assert new == "Thanks, that works."
    assert quoted.startswith("On Mon, Mar 2")
    assert "> Could you try again?" in quoted
    assert sig == ""


def test_wrapped_on_wrote() -> None:
    body = (
        "Fine.\n\nOn Mon, Mar 2, 2026 at 10:15 AM Taro Yamada <\n"
        "taro@example.com> wrote:\n\n> old\n"
    )
    new, quoted, _ = split_quotes(body)
    assert new == "Fine."
    assert "taro@example.com> wrote:" in quoted


def test_interleaved_reply_keeps_new_lines() -> None:
    body = "On Mon, Bob wrote:\n> question one?\nanswer one\n> question two?\nanswer two\n"
    new, quoted, _ = split_quotes(body)
    assert new == "answer one\nanswer two"
    assert "> question one?" in quoted and "> question two?" in quoted


def test_supercite_and_fullwidth_quotes() -> None:
    body = "itojun> ruby repository には修正済み\n＞ 全角の引用\n確認しました。\n"
    new, quoted, _ = split_quotes(body)
    assert new == "確認しました。"
    assert quoted == "itojun> ruby repository には修正済み\n＞ 全角の引用"


def test_outlook_original_message() -> None:
    body = (
        "See below.\n\n-----Original Message-----\nFrom: Bob <bob@example.com>\n"
        "Sent: Monday, March 2, 2026 10:15 AM\nTo: Alice\nSubject: invoice\n\nold text\n"
    )
    new, quoted, _ = split_quotes(body)
    assert new == "See below."
    assert quoted.startswith("-----Original Message-----")
    assert "old text" in quoted


def test_outlook_header_block_without_separator() -> None:
    body = (
        "OK.\n\n________________________________\nFrom: Bob <bob@example.com>\n"
        "Sent: Monday, March 2, 2026 10:15 AM\nTo: Alice\nSubject: x\n\nold\n"
    )
    new, quoted, _ = split_quotes(body)
    assert new == "OK."
    assert quoted.startswith("From: Bob")


def test_japanese_outlook_block() -> None:
    body = (
        "承知しました。\n\n差出人: 山田 太郎 <yamada@example.co.jp>\n"
        "送信日時: 2026年3月2日 10:15\n宛先: 佐藤 <sato@example.co.jp>\n件名: 請求書\n\n"
        "請求書を送ってください。\n"
    )
    new, quoted, _ = split_quotes(body)
    assert new == "承知しました。"
    assert quoted.startswith("差出人: 山田")
    assert "請求書を送ってください。" in quoted


def test_japanese_forward_is_kept_as_quoted() -> None:
    body = (
        "ご確認ください。\n\n-------- 転送されたメッセージ --------\n件名: 障害\n"
        "日付: Mon, 2 Mar 2026 10:15:00 +0900\n差出人: 山田 <y@example.co.jp>\n\n"
        "サーバが落ちました。\n"
    )
    new, quoted, _ = split_quotes(body)
    assert new == "ご確認ください。"
    assert "サーバが落ちました。" in quoted


def test_gmail_forward_is_kept_as_quoted() -> None:
    body = (
        "FYI\n\n---------- Forwarded message ---------\nFrom: Bob <bob@example.com>\n"
        "Date: Mon, Mar 2, 2026\nSubject: outage\n\nThe server is down.\n"
    )
    new, quoted, _ = split_quotes(body)
    assert new == "FYI"
    assert "The server is down." in quoted


@pytest.mark.parametrize(
    "attribution",
    [
        "2026/03/02 10:15、山田 太郎 <yamada@example.co.jp> のメール:",
        "> 2026/03/02 10:15、山田 太郎 <yamada@example.co.jp> のメール:",
        "2026年3月2日(月) 10:15 山田 太郎 <yamada@example.co.jp>:",
        "2026/03/02 10:15 に 山田 太郎 さんは書きました:",
        "On 2026/03/02 10:15, 山田 太郎 wrote:",
    ],
)
def test_japanese_attributions(attribution: str) -> None:
    body = f"了解です。\n\n{attribution}\n> 明日伺います。\n"
    new, quoted, _ = split_quotes(body)
    assert new == "了解です。"
    assert quoted.startswith(attribution)


def test_apple_mail_japanese_forward() -> None:
    new, quoted, _ = split_quotes(
        "転送します\n\n転送されたメッセージ:\n\n差出人: a@example.com\n本文\n"
    )
    assert new == "転送します"
    assert "本文" in quoted


def test_dash_dash_signature() -> None:
    new, quoted, sig = split_quotes("Please help.\n\n-- \nAlice Smith\nExample Ltd\n")
    assert new == "Please help."
    assert sig == "-- \nAlice Smith\nExample Ltd"
    assert quoted == ""


def test_rule_signature_japanese() -> None:
    body = (
        "よろしくお願いいたします。\n\n＿＿＿＿＿＿＿＿＿＿＿＿＿\n"
        "山田 太郎\n株式会社サンプル 経理部\n"
        "TEL: 03-1234-5678\n＿＿＿＿＿＿＿＿＿＿＿＿＿\n"
    )
    new, _, sig = split_quotes(body)
    assert new == "よろしくお願いいたします。"
    assert sig.splitlines()[1] == "山田 太郎"
    assert "TEL: 03-1234-5678" in sig


@pytest.mark.parametrize("rule", ["--------------------", "====================", "━━━━━━━━━━"])
def test_rule_signatures(rule: str) -> None:
    body = f"Hi,\nplease check.\n\n{rule}\nBob Jones\nACME Inc.\nTel +1 555 123 4567\n"
    new, _, sig = split_quotes(body)
    assert new == "Hi,\nplease check."
    assert "Bob Jones" in sig


def test_rule_inside_body_is_not_a_signature() -> None:
    body = (
        "Steps:\n----------\n1. open the app\n2. it crashes\n\n"
        "please fix this for all of our users asap\n" * 2
    )
    new, _, sig = split_quotes(body)
    assert sig == ""
    assert "it crashes" in new


def test_signature_before_quote() -> None:
    body = "OK\n-- \nBob\n\nOn Mon, Alice <a@example.com> wrote:\n> hi\n"
    new, quoted, sig = split_quotes(body)
    assert (new, sig) == ("OK", "-- \nBob")
    assert quoted.startswith("On Mon")


def test_sent_from_my_iphone() -> None:
    assert split_quotes("Call me.\n\nSent from my iPhone\n") == (
        "Call me.",
        "",
        "Sent from my iPhone",
    )


def test_crlf() -> None:
    new, quoted, _ = split_quotes("a\r\nb\r\n> c\r\n")
    assert (new, quoted) == ("a\nb", "> c")


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: hello", "hello"),
        ("RE: FW: Fwd: hello", "hello"),
        ("AW: WG: Antwort", "Antwort"),
        ("Re[2]: hello", "hello"),
        ("Re: Re: Re:   hello  world", "hello world"),
        ("転送: 返信: 請求書", "請求書"),
        ("RE：請求書", "請求書"),
        ("Ｒｅ：請求書", "請求書"),
        ("Fw: [REQ-000123] printer", "[REQ-000123] printer"),
        ("Regarding: something", "Regarding: something"),
        ("", ""),
    ],
)
def test_normalize_subject(subject: str, expected: str) -> None:
    assert normalize_subject(subject) == expected


def test_normalize_subject_strip_tags() -> None:
    assert normalize_subject("Re: [REQ-000123] Re: printer", strip_tags=True) == "printer"


def test_find_refs() -> None:
    text = (
        "About REQ-000123 and req-000045; see REQ-000123 again. XREQ-000999 no. "
        "ＲＥＱ－０００７７７"
    )
    assert find_refs(text) == ["REQ-000045", "REQ-000123", "REQ-000777"]
    assert find_refs("") == []
    assert find_refs("REQ-12") == []
