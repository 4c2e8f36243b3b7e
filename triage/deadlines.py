"""Find the deadline a request states and resolve it against the mail's own Date.

TAXONOMY judges urgency "against the message's own Date header, not the time it is
read", in the sender's timezone and in business days. So every phrase here is resolved
from ``sent_at`` (an aware datetime; its offset is the sender's office) with the office's
calendar (triage.business_days). The phrases are regular patterns over NFKC-normalised
text (full-width digits become ASCII): the set is small, closed and bilingual, and a
regex pass costs microseconds, where a parser such as dateparser would guess at every
number in a mail.

Numeric dates: Japanese mail and US offices write M/D; European offices (+00:00, +01:00,
+02:00, English text) write D/M. A part above 12 settles either way, and one such
unambiguous date in the mail decides the order for the others.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from triage.business_days import BusinessCalendar, calendar_for
from triage.records import Deadline

EOD = time(18, 0)
MORNING = time(9, 0)
NOON = time(12, 0)

_EN_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
_EN_DAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip
_JA_DAYS = {"月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6}

_MONTH_RE = "|".join(sorted(_EN_MONTHS, key=len, reverse=True))
_DAY_RE = "|".join(sorted(_EN_DAYS, key=len, reverse=True))
_WD_PAREN = r"(?:\s*\((?:[月火水木金土日]|[A-Za-z]{3})\))?"


RELAXED = re.compile(
    r"急ぎません|急ぎでは(?:ない|ありません|ございません)|急ぎではない|急ぎの件ではない|特に急ぎ|お急ぎではない|"
    r"お手すき|お手隙|手が空い|ついでの?(?:時|とき|際)|いつでも|時間のある(?:時|とき)|余裕のある|"
    r"急がない|落ち着いたら|ゆっくりで|でも(?:大丈夫|構いません|問題ありません|結構)|以降で(?:構|大丈夫|問題)|"
    r"\bno (?:rush|hurry|urgency)\b|\bnot urgent\b|\bnon-urgent\b|\bwhenever\b|"
    r"\bwhen(?:ever)? you (?:get|have) (?:a )?(?:chance|time|a moment|a minute)\b|"
    r"\bat your (?:convenience|leisure)\b|\bany ?time\b|\bno (?:time )?pressure\b|"
    r"\bwhen convenient\b|\bin due course\b|\bnot time[- ]sensitive\b|\blow priority\b|"
    r"\bno deadline\b|\bnot in a hurry\b|\bjust (?:flagging|fyi|so you know)\b|\bFYI\b|"
    r"\bwhen (?:you|someone) (?:can|gets? to it)\b|\bget to it\b|\bno urgent\b",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """NFKC (full-width digits and brackets to ASCII), wave dashes unified."""
    return unicodedata.normalize("NFKC", text).replace("〜", "~")


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    text: str
    due: datetime
    kind: str  # now | day | time | date | relative
    inherent: bool  # the phrase itself is a deadline (ASAP, 本日中, EOD, 今週中)


@dataclass(frozen=True)
class _Ctx:
    now: datetime  # sent_at, in the sender's timezone
    cal: BusinessCalendar
    dm_order: bool  # True: numeric dates are D/M

    @property
    def today(self) -> date:
        return self.now.date()

    def at(self, day: date, t: time = EOD) -> datetime:
        return datetime.combine(day, t, tzinfo=self.now.tzinfo)


# ---------------------------------------------------------------- resolution helpers


def _end_of_week(ctx: _Ctx, weeks_ahead: int) -> date:
    monday = ctx.today - timedelta(days=ctx.today.weekday()) + timedelta(weeks=weeks_ahead)
    friday = monday + timedelta(days=4)
    d = friday
    while not ctx.cal.is_business_day(d) and d > monday:
        d -= timedelta(days=1)
    return d


def _month_end(ctx: _Ctx, months_ahead: int) -> date:
    y, m = ctx.today.year, ctx.today.month + months_ahead
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    d = nxt - timedelta(days=1)
    while not ctx.cal.is_business_day(d) and d.day > 1:
        d -= timedelta(days=1)
    return d


def _weekday_after(ctx: _Ctx, wd: int, next_week: bool, this_week: bool = False) -> date:
    today = ctx.today
    if next_week:
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=1)
        return monday + timedelta(days=wd)
    if this_week:
        return today - timedelta(days=today.weekday()) + timedelta(days=wd)
    delta = (wd - today.weekday()) % 7 or 7
    return today + timedelta(days=delta)


def _month_day(ctx: _Ctx, month: int, day: int) -> date | None:
    """The month/day nearest the mail: this year, or next year if far in the past."""
    try:
        d = date(ctx.today.year, month, day)
    except ValueError:
        return None
    if (ctx.today - d).days > 90:
        try:
            d = date(ctx.today.year + 1, month, day)
        except ValueError:
            return None
    return d


def _day_of_month(ctx: _Ctx, day: int) -> date | None:
    """ "15日" / "the 20th": this month, or next month if already past."""
    y, m = ctx.today.year, ctx.today.month
    if day < ctx.today.day:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    try:
        return date(y, m, day)
    except ValueError:
        return None


def _clock(ctx: _Ctx, hour: int, minute: int) -> datetime | None:
    """A bare time of day: today, or the next business day once it has passed."""
    if not (0 <= hour <= 24 and 0 <= minute < 60):
        return None
    t = time(min(hour, 23), minute if hour < 24 else 59)
    due = ctx.at(ctx.today, t)
    if due <= ctx.now or not ctx.cal.is_business_day(ctx.today):
        due = ctx.at(ctx.cal.next_business_day(ctx.today), t)
    return due


def _hour(h: str, ampm: str | None) -> int:
    hour = int(h)
    if ampm:
        a = ampm.lower().replace(".", "")
        if a in ("pm", "午後") and hour < 12:
            hour += 12
        if a in ("am", "午前") and hour == 12:
            hour = 0
    return hour


# ---------------------------------------------------------------- the phrase table

Resolver = Callable[[re.Match[str], _Ctx], "tuple[datetime, str] | None"]
_RULES: list[tuple[re.Pattern[str], Resolver, bool]] = []


def _rule(pattern: str, inherent: bool = False, flags: int = re.IGNORECASE):
    def wrap(fn: Resolver) -> Resolver:
        _RULES.append((re.compile(pattern, flags), fn, inherent))
        return fn

    return wrap


@_rule(r"大至急|至急|今すぐ|直ちに|即日|緊急|\bASAP\b|\ba\.s\.a\.p\.?|as soon as possible|"
       r"\bright away\b|\bimmediately\b|(?<!not )(?<!non-)(?<!non )(?<!no )(?<!isn't )"
       r"\burgent(?:ly)?\b|できるだけ早く|なるべく早く|早急に|"
       r"急ぎで(?!は)|取り急ぎ対応", inherent=True)  # fmt: skip
def _now(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    return ctx.now, "now"


@_rule(r"本日中|今日中|本日まで|今日まで|当日中|\bEOD\b|\bCOB\b|\bEOB\b|"
       r"end of (?:the )?(?:business )?day|close of business|(?<![.!?]\s)(?<!^)\btoday\b|"
       r"\btonight\b|"
       r"今夜|今晩|今日明日", inherent=True)  # fmt: skip
def _today(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    t = EOD if ctx.now.time() < EOD else time(23, 59)
    return ctx.at(ctx.today, t), "day"


@_rule(r"本日|今日|\btoday\b")
def _today_bare(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    return _today(m, ctx)


@_rule(r"明朝|明日の朝|明日朝|明日午前|tomorrow morning|first thing tomorrow", inherent=True)
def _tomorrow_morning(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    return ctx.at(ctx.today + timedelta(days=1), time(10, 0)), "day"


@_rule(r"明後日|あさって|day after tomorrow", inherent=True)
def _day_after(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    return ctx.at(ctx.today + timedelta(days=2)), "day"


@_rule(r"明日中|明日|あした|\btomorrow\b", inherent=True)
def _tomorrow(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    return ctx.at(ctx.today + timedelta(days=1)), "day"


@_rule(r"午前中|this morning|by noon|by midday|正午", inherent=True)
def _morning(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str] | None:
    due = _clock(ctx, 12, 0)
    return (due, "time") if due else None


@_rule(
    r"今週中|今週いっぱい|今週末|this week|end of (?:the |this )?week|by the weekend|\bEOW\b",
    inherent=True,
)
def _this_week(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    return ctx.at(_end_of_week(ctx, 0)), "day"


@_rule(r"来週中|来週いっぱい|来週末|end of next week", inherent=True)
def _next_week_end(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    return ctx.at(_end_of_week(ctx, 1)), "day"


@_rule(
    r"週明け|早々に来週|来週早々|来週初め|early next week|first thing next week|"
    r"beginning of next week|start of next week",
    inherent=True,
)
def _week_start(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    monday = ctx.today - timedelta(days=ctx.today.weekday()) + timedelta(weeks=1)
    return ctx.at(ctx.cal.next_business_day(monday, include_today=True)), "day"


@_rule(r"(?<![A-Za-z])next week\b|来週(?![月火水木金土日中末早初いっ])", inherent=True)
def _next_week(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    return ctx.at(_end_of_week(ctx, 1)), "day"


@_rule(r"(?P<rel>今月|来月|翌月|再来月)\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*日")
def _ja_relative_month_day(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str] | None:
    """ "今月25日", "来月10日": the month is named relative to the mail's Date."""
    ahead = {"今月": 0, "来月": 1, "翌月": 1, "再来月": 2}[m.group("rel")]
    months = ctx.today.year * 12 + ctx.today.month - 1 + ahead
    try:
        d = date(months // 12, months % 12 + 1, int(m.group("d")))
    except ValueError:
        return None
    return ctx.at(d), "date"


@_rule(r"来月末|end of next month|月末締め(?=.{0,3}来月)", inherent=True)
def _next_month_end(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    return ctx.at(_month_end(ctx, 1)), "day"


@_rule(
    r"今月末|今月中|今月いっぱい|(?<!締め)(?<!月)月末(?![締払])|end of (?:the |this )?month|"
    r"\bEOM\b|"
    r"month[- ]end|this month",
    inherent=True,
)
def _month_end_rule(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    return ctx.at(_month_end(ctx, 0)), "day"


@_rule(r"来月中|来月いっぱい|by next month|(?:early|mid|late)[- ]next month", inherent=True)
def _next_month_within(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    return ctx.at(_month_end(ctx, 1)), "day"


@_rule(r"(?<![A-Za-z])next month\b|来月")
def _next_month(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    return ctx.at(_month_end(ctx, 1)), "day"


@_rule(r"(?P<which>来週|今週|次の|再来週)?\s*(?P<wd>[月火水木金土日])曜(?:日)?")
def _ja_weekday(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str]:
    which = m.group("which") or ""
    wd = _JA_DAYS[m.group("wd")]
    if which == "再来週":
        d = _weekday_after(ctx, wd, next_week=True) + timedelta(weeks=1)
    else:
        d = _weekday_after(ctx, wd, next_week=which == "来週", this_week=which == "今週")
    return ctx.at(d), "date"


@_rule(rf"\b(?P<which>next|this|coming|the following)?\s*(?P<wd>{_DAY_RE})\b\.?")
def _en_weekday(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str] | None:
    word = m.group("wd").lower()
    if word in ("sat", "sun", "mon", "wed") and m.group(0)[0:1].islower() and not m.group("which"):
        # short forms are weekday names only when capitalised ("Mon", not "mon"ey-ish noise)
        return None
    which = (m.group("which") or "").lower()
    d = _weekday_after(ctx, _EN_DAYS[word], next_week=which == "next", this_week=which == "this")
    if which == "this" and d < ctx.today:
        d = _weekday_after(ctx, _EN_DAYS[word], next_week=False)
    return ctx.at(d), "date"


@_rule(
    r"(?:(?P<y>20\d\d)\s*年\s*)?(?P<m>1[0-2]|0?[1-9])\s*月\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*日"
    + _WD_PAREN
)
def _ja_date(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str] | None:
    d = _ymd(ctx, m.group("y"), int(m.group("m")), int(m.group("d")))
    return (ctx.at(d), "date") if d else None


@_rule(r"(?<![\d/.-])(?:(?P<y>20\d\d)[/.-])?(?P<a>\d{1,2})/(?P<b>\d{1,2})(?![\d/])" + _WD_PAREN)
def _numeric_date(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str] | None:
    a, b = int(m.group("a")), int(m.group("b"))
    if a > 12 and b <= 12:
        month, day = b, a
    elif b > 12 and a <= 12:
        month, day = a, b
    elif ctx.dm_order:
        month, day = b, a
    else:
        month, day = a, b
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    d = _ymd(ctx, m.group("y"), month, day)
    return (ctx.at(d), "date") if d else None


@_rule(r"(?<![\d-])(?P<y>20\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?!\d)")
def _iso_date(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str] | None:
    d = _ymd(ctx, m.group("y"), int(m.group("m")), int(m.group("d")))
    return (ctx.at(d), "date") if d else None


@_rule(
    rf"\b(?P<mon>{_MONTH_RE})\.?\s+(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\b(?:,?\s*(?P<y>20\d\d))?"
)
def _en_month_day(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str] | None:
    if m.group("mon").lower() == "may" and m.group("mon")[0] == "m":
        return None  # the modal verb "may"
    d = _ymd(ctx, m.group("y"), _EN_MONTHS[m.group("mon").lower()], int(m.group("d")))
    return (ctx.at(d), "date") if d else None


@_rule(
    rf"\b(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH_RE})\b\.?(?:,?\s*(?P<y>20\d\d))?"
)
def _en_day_month(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str] | None:
    if m.group("mon").lower() == "may" and m.group("mon")[0] == "m":
        return None
    d = _ymd(ctx, m.group("y"), _EN_MONTHS[m.group("mon").lower()], int(m.group("d")))
    return (ctx.at(d), "date") if d else None


@_rule(
    r"(?<![\d/月])(?P<d>3[01]|[12]\d|0?[1-9])\s*日(?!\s*\d+\s*回)"
    r"(?=\s*(?:\([月火水木金土日]\))?\s*(?:まで|迄|中|締|必着|に|の|午|\d))"
)
def _ja_day(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str] | None:
    d = _day_of_month(ctx, int(m.group("d")))
    return (ctx.at(d), "date") if d else None


@_rule(
    # "the 12th floor", "the 3rd time" are not days
    r"\bthe (?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)\b(?!\s+(?:floors?|stor(?:e)?y|level|row|bay|"
    r"time|attempt|edition|generation|anniversary|quarter|shift|line|week|year|place|item|one)\b)"
)
def _en_day(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str] | None:
    d = _day_of_month(ctx, int(m.group("d")))
    return (ctx.at(d), "date") if d else None


@_rule(r"(?:(?P<ap1>午前|午後)\s*)?(?P<h>[01]?\d|2[0-4])\s*時(?:\s*(?P<mi>[0-5]?\d)\s*分|半)?")
def _ja_clock(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str] | None:
    minute = int(m.group("mi") or 0) or (30 if m.group(0).endswith("半") else 0)
    due = _clock(ctx, _hour(m.group("h"), m.group("ap1")), minute)
    return (due, "time") if due else None


@_rule(r"(?<![\d:/])(?P<h>[01]?\d|2[0-3])(?::(?P<mi>[0-5]\d))?\s*(?P<ap>[ap]\.?m\.?)(?![a-z])|"
       r"(?<![\d:/.])(?P<h2>[01]?\d|2[0-3]):(?P<mi2>[0-5]\d)(?![\d:])")  # fmt: skip
def _en_clock(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str] | None:
    if m.group("h") is not None:
        hour, minute = _hour(m.group("h"), m.group("ap")), int(m.group("mi") or 0)
    else:
        hour, minute = int(m.group("h2")), int(m.group("mi2"))
    due = _clock(ctx, hour, minute)
    return (due, "time") if due else None


_NUM_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "ten": 10, "a couple of": 2, "a few": 3}  # fmt: skip


@_rule(
    r"(?:within|in(?: the next)?)\s+(?P<n>\d{1,2}|one|two|three|four|five|six|seven|ten|"
    r"a couple of|a few)\s+(?P<biz>business\s+|working\s+)?(?P<unit>days?|weeks?|hours?)|"
    r"(?P<jn>\d{1,2})\s*(?P<jbiz>営業日|日|週間|時間)\s*(?:以内|のうちに|後まで|中)",
    inherent=True,
)
def _within(m: re.Match[str], ctx: _Ctx) -> tuple[datetime, str] | None:
    if m.group("n"):
        raw = m.group("n").lower()
        n = _NUM_WORDS.get(raw) or int(raw)
        unit, biz = m.group("unit").lower(), bool(m.group("biz"))
    else:
        n = int(m.group("jn"))
        j = m.group("jbiz")
        unit = {"営業日": "day", "日": "day", "週間": "week", "時間": "hour"}[j]
        biz = j == "営業日"
    if unit.startswith("hour"):
        return ctx.now + timedelta(hours=n), "relative"
    if unit.startswith("week"):
        return ctx.at(ctx.today + timedelta(weeks=n)), "relative"
    if biz:
        return ctx.at(ctx.cal.add_business_days(ctx.today, n)), "relative"
    return ctx.at(ctx.today + timedelta(days=n)), "relative"


def _ymd(ctx: _Ctx, year: str | None, month: int, day: int) -> date | None:
    if year:
        try:
            return date(int(year), month, day)
        except ValueError:
            return None
    return _month_day(ctx, month, day)


# ---------------------------------------------------------------- scanning

_DEADLINE_AFTER = re.compile(
    r"^\s*(?:\([^)]{1,3}\)\s*)?(?:の?\d{1,2}\s*時\s*)?(?:まで|迄|までに|中に|中|締め|締切|必着|厳守|必須|"
    r"がリミット|が期限|が締め|が納期|を目途|目途|めど|希望|頃まで|前まで|までの|以内|"
    r"にお願い|にご対応|に必要|に要る|に使|の打ち合わせ|の会議|の商談|の訪問)"
)
_DEADLINE_BEFORE = re.compile(
    r"(?:\bby|\bbefore|\buntil|\btill|\bno later than|\bdue(?: date)?(?: is| on|:)?|"
    r"\bdeadline(?: is|:)?|"
    r"\bneeded (?:by|on)|\bneed(?: it)? (?:by|on)|\bfor|\bon|\bat|\bof|\bEOD|\bCOB|\bbefore the|"
    r"期限|締切|締め切り|納期|希望日|希望納期|期日|日程|予定日)\s*[:：は]?\s*(?:the\s+)?(?:EOD\s+|COB\s+)?$",
    re.IGNORECASE,
)
_PAST_CUE = re.compile(
    r"^\s*(?:\([^)]{1,3}\)\s*)?(?:に(?:受注|発注|購入|登録|提出|送|入|実施|開催|行|発生|請求)|"
    r"から|以降|付け|付|済|に届|に受|に申請)"
)


def _dm_order(text: str, sent_at: datetime) -> bool:
    """D/M for European offices writing English, unless a date in the text says M/D."""
    for m in re.finditer(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])", text):
        a, b = int(m.group(1)), int(m.group(2))
        if a > 12 >= b:
            return True
        if b > 12 >= a:
            return False
    offset = sent_at.utcoffset()
    hours = offset.total_seconds() / 3600 if offset is not None else 0.0
    if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text):
        return False
    return 0 <= hours <= 2


def _scan(text: str, sent_at: datetime) -> list[_Hit]:
    ctx = _Ctx(sent_at, calendar_for(sent_at), _dm_order(text, sent_at))
    hits: list[_Hit] = []
    taken: list[tuple[int, int]] = []
    for pattern, resolve, inherent in _RULES:
        for m in pattern.finditer(text):
            s, e = m.span()
            if s == e or any(s < te and ts < e for ts, te in taken):
                continue
            res = resolve(m, ctx)
            if res is None:
                continue
            taken.append((s, e))
            inh = inherent or bool(m.groupdict().get("which"))  # "next Tuesday", 来週火曜
            hits.append(_Hit(s, e, m.group(0).strip(), res[0], res[1], inh))
    hits.sort(key=lambda h: h.start)
    return _merge_times(hits, ctx)


def _merge_times(hits: list[_Hit], ctx: _Ctx) -> list[_Hit]:
    """A time of day right after a date ("3/15 17時", "Friday 5pm") sets that date's hour."""
    out: list[_Hit] = []
    for h in hits:
        prev = out[-1] if out else None
        if (
            prev is not None
            and h.kind == "time"
            and prev.kind in ("date", "day")
            and 0 <= h.start - prev.end <= 6
        ):
            due = datetime.combine(prev.due.date(), h.due.timetz())
            out[-1] = _Hit(prev.start, h.end, f"{prev.text} {h.text}", due, "date", prev.inherent)
            continue
        if (
            prev is not None
            and prev.kind == "day"
            and prev.text.upper() in ("EOD", "COB", "EOB")
            and h.kind == "date"
            and 0 <= h.start - prev.end <= 4
        ):
            out[-1] = _Hit(prev.start, h.end, f"{prev.text} {h.text}", h.due, "date", True)
            continue
        out.append(h)
    return out


@dataclass(frozen=True)
class DeadlineHit:
    """A timing phrase with how strongly it reads as a deadline (for the context check)."""

    text: str
    due: datetime
    marked: bool  # an explicit deadline: まで/by/due, or a phrase like 本日中/ASAP
    past_event: bool  # reads as when something happened ("3/5に受注", "from 4/1")
    start: int = 0


def deadline_hits(text: str, sent_at: datetime) -> list[DeadlineHit]:
    """Every timing phrase in ``text`` resolved against ``sent_at``, in text order."""
    norm = normalise(text)
    out: list[DeadlineHit] = []
    for h in _scan(norm, sent_at):
        after = norm[h.end : h.end + 14]
        before = norm[max(0, h.start - 22) : h.start]
        marked = (
            h.inherent
            or bool(_DEADLINE_AFTER.match(after))
            or bool(_DEADLINE_BEFORE.search(before))
        )
        past = h.kind == "date" and (
            bool(_PAST_CUE.match(after)) or h.due.date() < sent_at.astimezone(h.due.tzinfo).date()
        )
        out.append(DeadlineHit(h.text, h.due, marked and not past, past, h.start))
    return out


def find_deadline(text: str, sent_at: datetime) -> Deadline | None:
    """The deadline the request states, or None.

    Among phrases that read as deadlines (まで/by/due, or inherently: 至急, 本日中, EOD,
    今週中 ...), the earliest one not in the past wins: the sender needs it by then.
    """
    if sent_at.tzinfo is None:
        raise ValueError("sent_at must carry its UTC offset (the sender's timezone)")
    hits = [
        h
        for h in deadline_hits(text, sent_at)
        if h.marked and h.due >= sent_at - timedelta(minutes=1)
    ]
    if not hits:
        return None
    best = min(hits, key=lambda h: h.due)
    cal = calendar_for(sent_at)
    days = cal.business_days_between(sent_at.date(), best.due.date())
    return Deadline(text=best.text, due=best.due, business_days=max(0, days))


# ---------------------------------------------------------------- urgency features

_BLOCKED = re.compile(
    r"業務が止ま|作業が止ま|仕事が(?:でき|進ま)|止まって(?:いま|しま)|停止して|稼働(?:停止|できない)|"
    r"使えな(?:い|くな)|全員|全社|障害|ダウン|落ちて|ライン(?:が)?(?:停止|止ま)|出荷(?:でき|が止ま)|"
    r"\bcannot work\b|\bcan't work\b|\bunable to work\b|\bblocked\b|\boutage\b|\bis down\b|"
    r"\bare down\b|"
    r"\bwent down\b|\bline (?:is )?(?:down|stopped)\b|\bstopped\b|\bnothing is going out\b|"
    r"\bproduction (?:is )?(?:down|stopped|halted)\b|\bcan't (?:ship|invoice|log ?in|access)\b",
    re.IGNORECASE,
)
_CUSTOMER_WAITING = re.compile(
    r"(?:お客様|顧客|先方|客先|取引先)(?:が|を|は)?[^。\n]{0,12}(?:待って|お待ち|待機|来社|到着)|"
    r"お客様(?:に|へ)?[^。\n]{0,10}(?:本日|今日)|先方(?:に|へ)[^。\n]{0,10}(?:本日|今日|今すぐ)|"
    r"\bcustomer (?:is )?(?:waiting|on (?:the )?(?:line|site))\b|\bclient (?:is )?waiting\b|"
    r"\b(?:customer|client)(?:'s)? (?:truck|driver|meeting|call|visit|audit)\b|"
    r"\b(?:their|the) truck\b|\bwith a customer in\b|\bcustomer meeting\b",
    re.IGNORECASE,
)
_URGENT_WORD = re.compile(
    r"緊急|至急|大至急|今すぐ|(?<!not )(?<!non-)(?<!no )(?<!isn't )\burgent\b|"
    r"\bemergency\b|\bASAP\b|"
    r"\bimmediately\b|"
    r"\bcritical\b|!!",
    re.IGNORECASE,
)
_SECURITY = re.compile(
    r"フィッシング|不審な|ウイルス|感染|乗っ取|漏え?い|情報漏|誤送信|紛失|盗難|不正アクセス|"
    r"\bphishing\b|\bsuspicious\b|\bmalware\b|\bvirus\b|\bransomware\b|\bhacked\b|\bcompromised\b|"
    r"\bbreach\b|\bleak(?:ed)?\b|\blost (?:my |a |the )?(?:laptop|phone|badge)\b|\bstolen\b|"
    r"\bwrong recipient\b|\bfraud\b",
    re.IGNORECASE,
)
_LEGAL_EXPOSURE = re.compile(
    r"内容証明|訴訟|法的措置|弁護士|差止|行政指導|立入検査|\bcease and desist\b|\blawsuit\b|"
    r"\battorneys?\b|\bsubpoena\b|\bregulator\b|\blegal action\b|\bdemand letter\b|\bcourt\b",
    re.IGNORECASE,
)

URGENCY_SIGNALS: tuple[str, ...] = (
    "deadline_none", "deadline_now", "deadline_bd0", "deadline_bd1", "deadline_bd2_5",
    "deadline_bd6_plus", "has_asap", "has_urgent_word", "has_relaxed_cue", "has_blocked_cue",
    "has_customer_waiting", "has_security_cue", "has_legal_exposure",
)  # fmt: skip


def urgency_signals(text: str, sent_at: datetime | None) -> dict[str, float]:
    """Deadline-pressure and cue features for the urgency model (fixed keys, 0/1 values).

    The business-day distance of the stated deadline is bucketed (now, same day, next
    business day, 2-5, 6+) to match the TAXONOMY urgency bands; ``text`` is the subject
    plus what the sender wrote.
    """
    out = dict.fromkeys(URGENCY_SIGNALS, 0.0)
    norm = normalise(text)
    deadline = None
    if sent_at is not None and sent_at.tzinfo is not None:
        deadline = find_deadline(norm, sent_at)
    if deadline is None:
        out["deadline_none"] = 1.0
    elif deadline.due <= sent_at + timedelta(minutes=1):  # type: ignore[operator]
        out["deadline_now"] = 1.0
    elif deadline.business_days == 0:
        out["deadline_bd0"] = 1.0
    elif deadline.business_days == 1:
        out["deadline_bd1"] = 1.0
    elif deadline.business_days <= 5:
        out["deadline_bd2_5"] = 1.0
    else:
        out["deadline_bd6_plus"] = 1.0
    checks = {
        "has_asap": re.compile(r"\bASAP\b|as soon as possible|至急|今すぐ|直ちに|早急に", re.I),
        "has_urgent_word": _URGENT_WORD,
        "has_relaxed_cue": RELAXED,
        "has_blocked_cue": _BLOCKED,
        "has_customer_waiting": _CUSTOMER_WAITING,
        "has_security_cue": _SECURITY,
        "has_legal_exposure": _LEGAL_EXPOSURE,
    }
    for key, pattern in checks.items():
        if pattern.search(norm):
            out[key] = 1.0
    return out
