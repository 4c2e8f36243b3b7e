"""lang.detect on short and mixed texts."""

from __future__ import annotations

import pytest

from triage.lang import detect


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("請求書の再発行をお願いします", "ja"),
        ("パスワードをリセットしてください", "ja"),
        ("Please reset my password", "en"),
        ("", "en"),
        ("12345 !!!", "en"),
        ("Re: VPN 接続不可", "ja"),
        ("ｱｶｳﾝﾄ", "ja"),
        (
            "Error log attached: java.lang.NullPointerException at com.example.Foo(Foo.java:12) 田",
            "en",
        ),
    ],
)
def test_detect(text: str, expected: str) -> None:
    assert detect(text) == expected
