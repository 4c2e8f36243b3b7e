"""Business days in the sender's office: weekends, and Japanese holidays for +09:00 mail.

Urgency and deadlines are judged in business days from the mail's own Date (TAXONOMY):
a Friday mail asking for "Monday" is one business day away, not three. Japanese public
holidays come from jpholiday (the only importer of it); Japanese offices also close for
the year end (12/29-1/3, 年末年始), which no public-holiday table lists. Other offices get
weekends only: their holiday tables differ per country and the eval offsets do not say
which country a +01:00 mail is from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import jpholiday

JST_OFFSET = timedelta(hours=9)


@dataclass(frozen=True)
class BusinessCalendar:
    """Which days an office works. ``japanese`` adds 祝日 and the year-end closure."""

    japanese: bool = False
    year_end_closure: bool = True

    def is_business_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        if not self.japanese:
            return True
        if self.year_end_closure and (
            (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)
        ):
            return False
        return not jpholiday.is_holiday(day)

    def next_business_day(self, day: date, include_today: bool = False) -> date:
        """The first business day after ``day`` (or ``day`` itself if allowed)."""
        d = day if include_today else day + timedelta(days=1)
        while not self.is_business_day(d):
            d += timedelta(days=1)
        return d

    def add_business_days(self, day: date, n: int) -> date:
        """``n`` business days after ``day`` (n >= 0; n == 0 keeps ``day``)."""
        d = day
        for _ in range(n):
            d = self.next_business_day(d)
        return d

    def business_days_between(self, start: date, end: date) -> int:
        """Business days after ``start`` up to and including ``end`` (0 when same day).

        Negative when ``end`` lies before ``start``. A due date on a non-working day
        counts as the next business day's worth of time (Saturday == Monday's count).
        """
        if end == start:
            return 0
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = 0
        d = start + timedelta(days=1)
        while d <= end:
            if self.is_business_day(d):
                count += 1
            d += timedelta(days=1)
        if count == 0 and sign == 1:
            # due on a weekend/holiday right after the mail: as urgent as the next one
            count = 1
        return sign * count


def calendar_for(sent_at: datetime) -> BusinessCalendar:
    """The calendar of the sender's office, told by the Date header's UTC offset."""
    offset = sent_at.utcoffset()
    return BusinessCalendar(japanese=offset == JST_OFFSET)
