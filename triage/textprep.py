"""The classifier's input text, prepared the same way for training and for live mail.

The model should read what the sender asks now: the subject and the new text, without
quoted history, pasted/forwarded header blocks or the signature (whose company/TEL block
looks like request details). Quoted and forwarded text is kept apart as *context*: a
"FW: please handle" mail says what it is about only in the forwarded part.

Japanese mail mixes full-width and half-width forms (ＡＢＣ１２３, ｶﾀｶﾅ); NFKC folds them
so that one word has one spelling. Numbers, dates, times and amounts can be replaced by
placeholder tokens: the model should learn "a date was given", not "3月5日".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from triage.parsing.quotes import normalize_subject, split_quotes
from triage.records import RequestText

# Placeholder tokens: ASCII words that survive tokenisation and lower-casing in both
# languages and cannot be confused with real words.
DATE, TIME, AMOUNT, NUM = " qdate ", " qtime ", " qamount ", " qnum "

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_SUBS: tuple[tuple[re.Pattern[str], str], ...] = (
    # amounts first: ¥12,000 / 12,000円 / 3万円 / $1,200.50 / USD 300 / 300 EUR
    (
        re.compile(
            r"(?:[¥￥$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:万|千|億|k|m|million))?)"
            r"|(?:\d[\d,]*(?:\.\d+)?\s?(?:万|千|億)?\s?(?:円|ドル|ユーロ))"
            r"|(?:\b(?:usd|jpy|eur|gbp|sgd|cny|thb|vnd)\s?\d[\d,]*(?:\.\d+)?)"
            r"|(?:\d[\d,]*(?:\.\d+)?\s?(?:usd|jpy|eur|gbp|sgd|cny|thb|vnd)\b)",
            re.IGNORECASE,
        ),
        AMOUNT,
    ),
    # dates: 2026-03-05, 2026/3/5, 3/5, 2026年3月5日, 3月5日, 5 March, March 5th
    (
        re.compile(
            r"(?:\d{4}[/\-.]\d{1,2}[/\-.]\d{1,2})"
            r"|(?:(?:\d{4}年)?\d{1,2}月\d{1,2}日)"
            r"|(?:\d{4}年\d{1,2}月)"
            r"|(?:(?<!\d)\d{1,2}/\d{1,2}(?:/\d{2,4})?(?!\d))"
            rf"|(?:\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\b(?:\s+\d{{4}})?)"
            rf"|(?:\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?)",
            re.IGNORECASE,
        ),
        DATE,
    ),
    # times: 14:30, 9時, 9時半, 3pm, 10 am
    (
        re.compile(
            r"(?:(?<!\d)\d{1,2}:\d{2}(?!\d))|(?:\d{1,2}時(?:\d{1,2}分|半)?)|(?:(?<!\d)\d{1,2}\s?(?:am|pm)\b)",
            re.IGNORECASE,
        ),
        TIME,
    ),
    (re.compile(r"\d[\d,]*(?:\.\d+)?"), NUM),
)
_SPACES = re.compile(r"[ \t\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_HEADER_LINE = re.compile(
    r"^[ \t>*]*(?:From|Sent|Date|To|Cc|Subject|差出人|送信者|送信日時|日付|宛先|件名|CC)"
    r"[ \t*]*[:：].*$",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTE_MARK = re.compile(r"^[ \t]*(?:[>＞][ \t]?)+", re.MULTILINE)
_SEPARATOR = re.compile(r"^[ \t]*[-_=*]{4,}.*$", re.MULTILINE)


def normalize(text: str) -> str:
    """NFKC (full-width ASCII to half-width, half-width kana to full-width), tidy spaces."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n", text).strip()


def mask_numbers(text: str) -> str:
    """Amounts, dates, times and remaining numbers as placeholder tokens (qamount ...)."""
    for pattern, token in _SUBS:
        text = pattern.sub(token, text)
    return _SPACES.sub(" ", text)


def clean_context(quoted: str) -> str:
    """Quoted/forwarded history without > marks, separator lines and header blocks."""
    text = _QUOTE_MARK.sub("", quoted or "")
    text = _HEADER_LINE.sub("", text)
    return _SEPARATOR.sub("", text)


@dataclass(frozen=True)
class Prepared:
    """The parts of one request the features read, already normalised."""

    subject: str
    text: str  # subject + new text: what the sender asks now
    context: str  # quoted / forwarded history, header blocks removed
    raw_text: str  # subject + new text, normalised but numbers kept (deadline finder)
    is_reply: bool
    is_forward: bool


_REPLY = re.compile(r"^\s*(?:re|aw|sv|antw|返信|回答)\s*[:：]", re.IGNORECASE)
_FORWARD = re.compile(r"^\s*(?:fw|fwd|wg|tr|転送)\s*[:：]", re.IGNORECASE)


def prepare_parts(rt: RequestText, *, placeholders: bool = True) -> Prepared:
    """Split, clean and normalise one request (quotes via triage.parsing.quotes)."""
    raw_subject = normalize(rt.subject)
    subject = normalize_subject(raw_subject)
    new_text, quoted, _signature = split_quotes(rt.body or "")
    context = "\n".join(p for p in (clean_context(quoted), rt.thread or "") if p.strip())
    body = normalize(new_text)
    ctx = normalize(context)
    raw_text = f"{subject}\n{body}".strip()
    if placeholders:
        subject, body, ctx = mask_numbers(subject), mask_numbers(body), mask_numbers(ctx)
    return Prepared(
        subject=subject.strip(),
        text=f"{subject.strip()}\n{body}".strip(),
        context=ctx.strip(),
        raw_text=raw_text,
        is_reply=bool(_REPLY.match(raw_subject)),
        is_forward=bool(_FORWARD.match(raw_subject)) or bool(_FORWARD_BODY.search(quoted)),
    )


_FORWARD_BODY = re.compile(
    r"Forwarded message|Begin forwarded message|転送されたメッセージ|転送メッセージ", re.IGNORECASE
)


def prepare(rt: RequestText, *, placeholders: bool = True) -> str:
    """The main model input: subject + new text, cleaned and normalised."""
    return prepare_parts(rt, placeholders=placeholders).text
