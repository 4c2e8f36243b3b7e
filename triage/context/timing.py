"""The `deadline` and `date` slots, from the resolved timing phrases of triage.deadlines.

`deadline`: by when it is needed. Any phrase that reads as a deadline (まで/by/due, or
inherently 至急, 本日中, ASAP, today, 今週中) gives it (eval conventions); "未定" or no
timing leaves it missing.
`date`: when the event happened or will happen. A specific day (3/5, 昨日, last Friday,
4月1日付) gives it; a vague time ("next month", 近々, 来週) does not.
"""

from __future__ import annotations

import re

from triage.context.attachments import MONEY_DOCS
from triage.context.base import attachment_finding, found, match_finding, missing, snippet
from triage.context.view import View
from triage.deadlines import RELAXED, DeadlineHit, deadline_hits
from triage.records import SlotFinding

_VAGUE = re.compile(
    r"^(?:来月|next month|来週|next week|今月中|今週中|this week|来月中|来週中|"
    r"end of (?:the |this )?week)$",
    re.IGNORECASE,
)
_NOW_WORDS = re.compile(
    r"^(?:大至急|至急|今すぐ|直ちに|緊急|ASAP|a\.s\.a\.p\.?|as soon as possible|right away|"
    r"immediately|urgent(?:ly)?|できるだけ早く|なるべく早く|早急に|急ぎで(?!は))$",
    re.IGNORECASE,
)
_DEADLINE_WORDS = re.compile(
    r"(?:(?:期限|締切|締め切り|納期|希望日|希望納期|期日)\s*[:：は]|必着|までに|迄に|"
    r"(?<!\d)\d{1,2}月(?:上旬|中旬|下旬|中|末|頃|ごろ|初め|前半|後半)|(?<!\d)\d{1,2}月(?:まで|に|から|予定)|"
    r"(?<!\d)\d{1,2}月(?:請求|支払|納品|出荷|更新|契約)?分?(?:から|より)|(?<!\d)\d{1,2}月の[^。\n]{0,8}から|"
    r"\b(?:calendar week|CW|KW|week)\s?\d{1,2}\b|"
    r"\b\d+ (?:days?|weeks?) (?:is|are) (?:fine|ok|okay)\b|"
    r"年明け|年内|年度内|年度末|来期|来年度|今期中|上期中|下期中|今年度中|"
    r"来月|\bnext month\b|\b(?:in|by|before|until|early|mid|late|end of|from|from the|effective)"
    r" (?:january|february|march|april|may|june|july|"
    r"august|september|october|november|december)\b|\bnext (?:quarter|year|few weeks|"
    r"couple of weeks)\b|"
    r"\bthis (?:quarter|year)\b|\b(?:in|by|before) Q[1-4]\b|\bsometime\b|(?-i:\bNOW\b)|"
    r"\b(?:please|pls|need|needs|send|come|get|call)\b[^.!?\n]{0,60}\bnow\b|"
    r"\bdeadline\b|\bdue (?:date|on|by)\b|\bno later than\b|\bneeded by\b|"
    r"\bin time for\b|に間に合|前に(?:必要|欲しい|ほしい)|before (?:the|our|his|her|their) )",
    re.IGNORECASE,
)
_UNDECIDED = re.compile(
    r"未定|決まっていない|決まり次第|\bTBD\b|\bTBC\b|not (?:yet )?decided|undecided", re.IGNORECASE
)
# past or specific days the deadline scanner does not resolve
_PAST_DAY = re.compile(
    r"昨日|昨晩|昨夜|今朝|先週[月火水木金土日]曜|先日の[月火水木金土日]曜|一昨日|おととい|"
    r"\byesterday\b|\blast (?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\bthis morning\b|"
    r"\blast night\b|\bon (?:mon|tues|wednes|thurs|fri)day\b|"
    r"(?<!\d)\d{1,2}月(?:\d{1,2}日|分|度|末|初旬|上旬|中旬|下旬)|"
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december)"
    r"(?:\s+\d{1,2}|\s+(?:payroll|salary|invoice|expenses?|statement)|\s+20\d\d)\b|"
    r"(?:今月|先月|前月|当月)(?:分|度|の(?:給与|給料|経費|請求|支払))|"
    r"\b(?:this|last|previous) month'?s\b|"
    r"\bfrom (?:mon|tues|wednes|thurs|fri)day\b|"
    # a named month, a past month or year, an elapsed time: specific enough for a record
    r"(?<!\d)\d{1,2}月(?:の|から|より|に|分|度|末)|"
    r"\b(?:in|from|since|for|during|of|until) (?:january|february|march|april|may|june|july|"
    r"august|september|october|november|december)\b|"
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december)"
    r" (?:close|payroll|pay|salary|invoice|expenses?|claim|statement|run|sheet|petty)\b|"
    r"\b\d+ (?:minutes?|hours?|days?) ago\b|"
    r"次(?:回)?の給与|\bnext pay(?:check|day|roll)\b",
    re.IGNORECASE,
)


# "we were served a subpoena this morning", "three complaints this quarter": the time of
# something that happened, told in the past tense, says nothing about by when
_PAST_CLAUSE = re.compile(
    r"\b(?:was|were|had|has been|have been|got|received|served|arrived|came|happened|broke|"
    r"failed|started|noticed|found|called|rang|said|told)\b[^.!?\n,;]{0,50}$",
    re.IGNORECASE,
)
_PAST_NOW = re.compile(r"^(?:this morning|this quarter|today|this week)$", re.IGNORECASE)


def _told_as_past(text: str, start: int, phrase: str) -> bool:
    return bool(_PAST_NOW.match(phrase) and _PAST_CLAUSE.search(text[max(0, start - 60) : start]))


def _hits(view: View) -> list[tuple[DeadlineHit, str, str]]:
    key = "deadline_hits"
    if key not in view.cache:
        sent = view.rt.sent_at
        out: list[tuple[DeadlineHit, str, str]] = []
        if sent is not None and sent.tzinfo is not None:
            for part in view.parts:
                for h in deadline_hits(part.text, sent):
                    out.append((h, part.text, part.source))
        view.cache[key] = out
    return view.cache[key]  # type: ignore[return-value]


def detect_deadline(view: View) -> SlotFinding:
    hits = [x for x in _hits(view) if not _told_as_past(x[1], x[0].start, x[0].text)]
    for h, _text, source in hits:
        if h.marked and source != "thread":
            return found("deadline", h.text, source)
    for h, _text, source in hits:
        if h.marked:
            return found("deadline", h.text, source)
    f = match_finding("deadline", view, _DEADLINE_WORDS)
    if f is not None and not _UNDECIDED.search(f.evidence):
        return f
    f = match_finding("deadline", view, RELAXED, ("subject", "body"))
    if f is not None:
        return f  # "no rush" answers "by when": whenever
    for h, text, source in hits:
        if not h.past_event and not _VAGUE.match(h.text):
            return found("deadline", snippet(text, h.start, h.start + len(h.text)), source)
    return missing("deadline")


def detect_date(view: View) -> SlotFinding:
    for h, text, source in _hits(view):
        if _VAGUE.match(h.text) or _NOW_WORDS.match(h.text):
            continue
        return found("date", snippet(text, h.start, h.start + len(h.text), pad=6), source)
    f = match_finding("date", view, _PAST_DAY)
    if f is not None:
        return f
    if view.rt.sent_at is None:
        return found("date", "", "sender")  # nothing to resolve against: do not ask
    return attachment_finding("date", view, MONEY_DOCS) or missing("date")
