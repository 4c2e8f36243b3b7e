"""Deadline phrases resolved against the mail's own Date, in business days."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from triage.business_days import BusinessCalendar, calendar_for
from triage.deadlines import find_deadline, urgency_signals

JST = "+09:00"


def at(s: str) -> datetime:
    return datetime.fromisoformat(s)


def due(text: str, sent: str) -> tuple[date, int]:
    d = find_deadline(text, at(sent))
    assert d is not None, text
    return d.due.date(), d.business_days


@pytest.mark.parametrize(
    ("text", "sent", "want_day", "bd"),
    [
        ("本日中にお願いします", "2026-03-24T10:00:00+09:00", date(2026, 3, 24), 0),
        ("今日中に", "2026-03-24T10:00:00+09:00", date(2026, 3, 24), 0),
        ("明日までにお願いします", "2026-03-24T10:00:00+09:00", date(2026, 3, 25), 1),
        ("明朝までに", "2026-03-24T10:00:00+09:00", date(2026, 3, 25), 1),
        ("明後日まで", "2026-03-24T10:00:00+09:00", date(2026, 3, 26), 2),
        ("来週火曜までに", "2026-03-24T10:00:00+09:00", date(2026, 3, 31), 5),
        ("今週中にお願いします", "2026-03-24T10:00:00+09:00", date(2026, 3, 27), 3),
        ("来週中で大丈夫です", "2026-03-24T10:00:00+09:00", date(2026, 4, 3), 8),
        ("3/27（金）までに", "2026-03-24T10:00:00+09:00", date(2026, 3, 27), 3),
        ("３月２７日までに", "2026-03-24T10:00:00+09:00", date(2026, 3, 27), 3),
        ("27日までに", "2026-03-24T10:00:00+09:00", date(2026, 3, 27), 3),
        ("今月25日までにお願いします", "2026-12-04T10:00:00+09:00", date(2026, 12, 25), 15),
        ("来月8日まで", "2026-12-04T10:00:00+09:00", date(2027, 1, 8), 21),
        ("再来月1日必着", "2026-11-20T10:00:00+09:00", date(2027, 1, 1), 25),
        ("週明けにお願いします", "2026-03-24T10:00:00+09:00", date(2026, 3, 30), 4),
        ("午前中に", "2026-03-24T09:00:00+09:00", date(2026, 3, 24), 0),
        ("Please send it by EOD", "2026-03-24T10:00:00-05:00", date(2026, 3, 24), 0),
        ("by COB today", "2026-03-24T10:00:00+08:00", date(2026, 3, 24), 0),
        ("I need it by tomorrow", "2026-03-24T10:00:00+08:00", date(2026, 3, 25), 1),
        ("by Friday please", "2026-03-24T10:00:00-04:00", date(2026, 3, 27), 3),
        ("next Tuesday", "2026-03-24T10:00:00-04:00", date(2026, 3, 31), 5),
        ("sometime next week", "2026-03-24T10:00:00+01:00", date(2026, 4, 3), 8),
        ("by March 27", "2026-03-24T10:00:00-04:00", date(2026, 3, 27), 3),
        ("by 27 March", "2026-03-24T10:00:00+00:00", date(2026, 3, 27), 3),
        ("by the 27th", "2026-03-24T10:00:00+08:00", date(2026, 3, 27), 3),
        ("within 3 days", "2026-03-24T10:00:00+08:00", date(2026, 3, 27), 3),
        ("within 3 business days", "2026-03-27T10:00:00+08:00", date(2026, 4, 1), 3),
    ],
)
def test_phrases(text: str, sent: str, want_day: date, bd: int) -> None:
    assert due(text, sent) == (want_day, bd)


@pytest.mark.parametrize(
    "text", ["至急お願いします", "大至急", "今すぐ対応を", "ASAP please", "as soon as possible"]
)
def test_now_words_are_due_at_once(text: str) -> None:
    sent = at("2026-03-24T10:12:00+09:00")
    d = find_deadline(text, sent)
    assert d is not None and d.due == sent and d.business_days == 0


def test_friday_mail_asking_for_monday_is_next_business_day() -> None:
    assert due("月曜までにお願いします", "2026-03-27T15:00:00+09:00") == (date(2026, 3, 30), 1)
    assert due("Can you do it by Monday?", "2026-03-27T15:00:00-05:00") == (date(2026, 3, 30), 1)


def test_1700_deadline_after_1700_moves_to_next_business_day() -> None:
    d = find_deadline("17時までにお願いします", at("2026-03-27T18:00:00+09:00"))  # a Friday
    assert d is not None
    assert (d.due.date(), d.due.hour, d.business_days) == (date(2026, 3, 30), 17, 1)
    before = find_deadline("17時までにお願いします", at("2026-03-27T10:00:00+09:00"))
    assert before is not None and before.due.date() == date(2026, 3, 27)


def test_month_end_rolls_to_last_business_day_and_next_month() -> None:
    # May 2026 ends on a Sunday: 月末 is Friday 29th
    assert due("月末までに", "2026-05-20T10:00:00+09:00")[0] == date(2026, 5, 29)
    assert due("来月末まで", "2026-03-24T10:00:00+09:00")[0] == date(2026, 4, 30)
    assert due("by end of month", "2026-12-10T10:00:00-05:00")[0] == date(2026, 12, 31)
    assert due("3/2までに", "2026-02-27T10:00:00+09:00") == (date(2026, 3, 2), 1)


def test_golden_week_holidays_do_not_count() -> None:
    # Fri 1 May 2026 -> Thu 7 May: 3-6 May are public holidays in Japan
    assert due("5/7までに", "2026-05-01T10:00:00+09:00") == (date(2026, 5, 7), 1)
    # the same dates from a US office: weekends only
    assert due("by 5/7", "2026-05-01T10:00:00-04:00") == (date(2026, 5, 7), 4)


def test_year_end_closure_and_next_year_dates() -> None:
    assert due("1/5までに", "2026-12-28T10:00:00+09:00") == (date(2027, 1, 5), 2)
    cal = BusinessCalendar(japanese=True)
    assert not cal.is_business_day(date(2026, 12, 30))
    assert not cal.is_business_day(date(2027, 1, 1))
    assert cal.next_business_day(date(2026, 12, 28)) == date(2027, 1, 4)


def test_timezone_picks_calendar_and_numeric_order() -> None:
    assert calendar_for(at("2026-05-04T10:00:00+09:00")).japanese
    assert not calendar_for(at("2026-05-04T10:00:00+01:00")).japanese
    # a European office writes D/M, a US office M/D
    assert due("by 5/3", "2026-03-02T10:00:00+00:00")[0] == date(2026, 3, 5)
    assert due("by 5/3", "2026-03-02T10:00:00-05:00")[0] == date(2026, 5, 3)
    # an unambiguous date in the same mail settles the order
    assert due("invoice of 25/2; pay by 5/3", "2026-03-02T10:00:00-05:00")[0] == date(2026, 3, 5)


def test_past_dates_and_plain_mentions_are_not_deadlines() -> None:
    assert find_deadline("3/5に受注登録済みです", at("2026-03-24T10:00:00+09:00")) is None
    assert (
        find_deadline("Today I noticed the printer is odd.", at("2026-03-24T10:00:00+01:00"))
        is None
    )
    assert (
        find_deadline("お疲れ様です。よろしくお願いします。", at("2026-03-24T10:00:00+09:00"))
        is None
    )


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        find_deadline("明日まで", datetime(2026, 3, 24, 10, 0))


def test_urgency_signals() -> None:
    sent = at("2026-02-10T08:47:00+08:00")
    s = urgency_signals("VPN down, I cannot work. ASAP please", sent)
    assert s["deadline_now"] == s["has_asap"] == s["has_blocked_cue"] == 1.0
    relaxed = urgency_signals(
        "急ぎではありませんので、お手すきの際にお願いします", at("2026-02-10T08:47:00+09:00")
    )
    assert relaxed["has_relaxed_cue"] == 1.0 and relaxed["deadline_none"] == 1.0
    assert relaxed["has_urgent_word"] == 0.0
    assert urgency_signals("not urgent at all, no rush", sent)["has_urgent_word"] == 0.0
    tomorrow = urgency_signals("Please send it by tomorrow", sent)
    assert tomorrow["deadline_bd1"] == 1.0
    assert set(s) == set(relaxed)


@pytest.mark.parametrize(
    "text",
    [
        "The printer on the 12th floor is jammed.",
        "This is the 3rd time the door has jammed.",
        "トイレの清掃が1日2回では追いつきません。",
    ],
)
def test_ordinals_and_frequencies_are_not_days(text: str) -> None:
    assert find_deadline(text, at("2026-03-24T10:00:00+09:00")) is None


def test_ordinal_day_still_resolves() -> None:
    assert due("Please deliver by the 27th.", "2026-03-24T10:00:00+09:00")[0] == date(2026, 3, 27)
