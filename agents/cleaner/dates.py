"""Dates and times as Russian and English news pages write them.

Handles "28 января 2017 г.", "28 янв 2017, 14:30", "November 12, 2017",
"12 Nov 2017", "28.01.2017 14:30", e-mail style "Wed, 24 Sep 2014 13:40:16 +0400",
and ISO 8601 in its extended ("2020-03-03T18:35:00+03:00") and basic
("20200303T1835+0300") forms. A time written without an offset is Moscow time,
the zone of the publishers this project reads, with Moscow's history: UTC+3
(UTC+4 in summer) until 2011-03-27, UTC+4 from then until 2014-10-26, UTC+3
since. The zone database is the system's, else the `tzdata` package's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from agents.cleaner.tags import tag_set

MOSCOW = ZoneInfo("Europe/Moscow")

_RU_MONTH_FORMS = (
    "январь января январе янв", "февраль февраля феврале фев", "март марта марте мар",
    "апрель апреля апреле апр", "май мая мае", "июнь июня июне июн", "июль июля июле июл",
    "август августа августе авг", "сентябрь сентября сентябре сен сент", "октябрь октября октябре окт",
    "ноябрь ноября ноябре ноя нояб", "декабрь декабря декабре дек",
)  # fmt: skip
_RU_MONTHS = {form: number for number, forms in enumerate(_RU_MONTH_FORMS, start=1) for form in forms.split()}
"""Every written form of a month: "января", "январь", "янв"."""
_EN_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_EN_FULL = tag_set("january february march april may june july august september october november december sept")
_OFFSET = r"(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)"
_TIME = r"(?:[,\s]+(?:в\s+)?(?P<hh>[01]?\d|2[0-3])[:.](?P<mi>[0-5]\d))?"
_TIME_FIRST = r"(?<![\d:.])(?P<hh>[01]?\d|2[0-3]):(?P<mi>[0-5]\d),?\s+"
"""A time written before its date: "19:41, 3 марта 2020", "18:35 03.03.2020"."""
_RU_WORD = r"(?P<month>[а-яё]{3,9})\.?"
_EN_WORD = r"(?P<month>[A-Za-z]{3,9})\.?"
_PATTERNS = (
    re.compile(
        r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T\s](?P<hh>[01]\d|2[0-3]):(?P<mi>[0-5]\d)(?::\d{2}(?:[.,]\d+)?)?"
        r"\s?" + _OFFSET + r"?)?"
    ),
    re.compile(
        r"(?<!\d)(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})T(?P<hh>[01]\d|2[0-3])(?P<mi>[0-5]\d)(?:\d{2}(?:[.,]\d+)?)?"
        + _OFFSET + r"?(?!\d)"
    ),
    re.compile(
        r"(?<!\d)(?P<d>\d{1,2})\s+(?P<month>[A-Za-z]{3})\s+(?P<y>\d{4})\s+(?P<hh>[01]\d|2[0-3]):(?P<mi>[0-5]\d)"
        r"(?::\d{2})?\s*(?P<tz>[+-]\d{4}|GMT|UTC|UT|Z)\b"
    ),
    re.compile(_TIME_FIRST + r"(?P<d>\d{1,2})\s+" + _RU_WORD + r"\s+(?P<y>\d{4})", re.IGNORECASE),
    re.compile(_TIME_FIRST + r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})"),
    re.compile(r"(?<!\d)(?P<d>\d{1,2})\s+" + _RU_WORD + r"\s+(?P<y>\d{4})(?:\s*(?:г\.|года|г\b))?" + _TIME,
               re.IGNORECASE),
    re.compile(r"(?<!\d)(?P<d>\d{1,2})\s+" + _EN_WORD + r"\s+(?P<y>\d{4})" + _TIME),
    re.compile(_EN_WORD + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})" + _TIME),
    re.compile(r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})" + _TIME),
)  # fmt: skip
"""Tried in order; the first that finds a real calendar date in a text wins."""


@dataclass(frozen=True)
class Written:
    """A date as a text writes it: the day, and the time of day with its offset where given."""

    day: date
    clock: time | None = None
    zone: tzinfo | None = None

    def moment(self, default_zone: tzinfo = MOSCOW) -> datetime | None:
        """The instant in UTC, if a time of day is written; without an offset, it is in `default_zone`."""
        if self.clock is None:
            return None
        return datetime.combine(self.day, self.clock, tzinfo=self.zone or default_zone).astimezone(UTC)


def _month(word: str) -> int | None:
    word = word.lower().rstrip(".")
    if word[0] in "abcdefghijklmnopqrstuvwxyz":
        return _EN_MONTHS.get(word[:3]) if len(word) == 3 or word in _EN_FULL else None
    return _RU_MONTHS.get(word)


def read_date(text: str) -> Written | None:
    """The first date (with its time and offset, where written) in `text`."""
    for pattern in _PATTERNS:
        for found in pattern.finditer(text):
            parts = found.groupdict()
            month = int(parts["m"]) if parts.get("m") else _month(parts["month"])
            if month is None:
                continue
            try:
                day = date(int(parts["y"]), month, int(parts["d"]))
            except ValueError:
                continue
            clock = time(int(parts["hh"]), int(parts["mi"])) if parts.get("hh") else None
            return Written(day, clock, _zone(parts.get("tz")))
    return None


def _zone(raw: str | None) -> tzinfo | None:
    if not raw:
        return None
    if raw in {"Z", "GMT", "UTC", "UT"}:
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))


def parse_date(text: str) -> date | None:
    """The first calendar date written in `text`, if any, as written (the writer's own calendar day)."""
    written = read_date(text)
    return written.day if written else None


def parse_datetime(text: str, default_zone: tzinfo = MOSCOW) -> datetime | None:
    """The first date in `text` as an aware UTC datetime, if a time of day is written with it.

    A date alone is no instant: midnight would be a made-up time (use `parse_date`)."""
    written = read_date(text)
    return written.moment(default_zone) if written else None


_URL_DATES = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>[01]\d)/(?P<d>[0-3]\d)(?=/|$)"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?=[/_-]|$)"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?=/|$)"),
    re.compile(r"/(?P<d>[0-3]\d)/(?P<m>[01]\d)/(?P<y>(?:19|20)\d{2})(?=/|$)"),
)
"""Dates in article addresses: /2020/03/03/ (Lenta), /20200303/ (RIA), /03/03/2020/ (RBC), /2020-03-03/ (InoTV)."""


def date_in_url(url: str | None) -> date | None:
    """The calendar day an article's address names, if it names one: the publisher's own day, no time."""
    try:
        path = urlsplit(url or "").path
    except ValueError:
        return None
    for pattern in _URL_DATES:
        found = pattern.search(path)
        if found is None:
            continue
        try:
            day = date(int(found["y"]), int(found["m"]), int(found["d"]))
        except ValueError:
            continue
        if day <= date.today() + timedelta(days=1):
            return day
    return None
