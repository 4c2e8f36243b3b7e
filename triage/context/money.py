"""The `amount` slot: a sum of money, or a document that carries one."""

from __future__ import annotations

import re

from triage.context.attachments import MONEY_DOCS
from triage.context.base import attachment_finding, match_finding, missing
from triage.context.view import View
from triage.records import SlotFinding

_NUM = r"\d{1,3}(?:[,.]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_PRE = r"\b(?:JPY|USD|US\$|S\$|SGD|EUR|GBP|CNY|RMB|THB|VND|HKD|AUD|CHF|MYR|INR|KRW|TWD)|[¥$€£]"
_SUF = (
    r"(?:JPY|USD|SGD|EUR|GBP|CNY|RMB|THB|VND|HKD|AUD|CHF|MYR)\b|円|ドル|ユーロ|ポンド|元|バーツ|"
    r"ドン|\b(?:baht|dong|yen|dollars?|euros?|pounds?|yuan)\b"
)
MONEY = re.compile(
    rf"(?:{_PRE})\s?(?:{_NUM})\s?(?:[kKmM]\b|千|万|億)?|"
    rf"(?<![\d-])(?:{_NUM})\s?(?:千|万|億)?\s?(?:{_SUF})|"
    rf"(?:{_NUM})\s?(?:千|万|億)円?|"
    r"(?:金額|合計|総額|税込|税抜|単価|予算|見積額|費用|代金|総計|total|amount|budget|price|cost)"
    rf"\s*[:：は]?\s*(?:約|およそ|approx\.?|about|around)?\s*(?:{_NUM})",
    re.IGNORECASE,
)
# a budget or quote figure kept elsewhere but named as known ("within budget", 見積書の金額)
_AMOUNT_REF = re.compile(
    r"見積(?:書)?(?:の|どおり|通り)(?:金額|額)|見積額どおり|quoted (?:price|amount)|"
    r"amount (?:on|in) the (?:attached |)(?:quote|invoice|receipt)",
    re.IGNORECASE,
)


def detect(view: View) -> SlotFinding:
    return (
        match_finding("amount", view, MONEY)
        or attachment_finding("amount", view, MONEY_DOCS)
        or match_finding("amount", view, _AMOUNT_REF)
        or missing("amount")
    )
