"""Dates as Russian and English news pages write them.

Handles "28 января 2017 г.", "28 янв 2017, 14:30", "November 12, 2017",
"12 Nov 2017", "28.01.2017 14:30" and ISO 8601. Times without a zone are
Moscow time, the zone of the publishers this project reads.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

from agents.cleaner.tags import tag_set

MOSCOW = timezone(timedelta(hours=3), "MSK")

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
_TIME = r"(?:[,\s]+(?:в\s+)?(?P<hh>[01]?\d|2[0-3])[:.](?P<mi>[0-5]\d))?"
_RU_WORD = r"(?P<month>[а-яё]{3,9})\.?"
_EN_WORD = r"(?P<month>[A-Za-z]{3,9})\.?"
_PATTERNS = (
    re.compile(
        r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T\s](?P<hh>\d{2}):(?P<mi>\d{2})(?::\d{2}(?:\.\d+)?)?"
        r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
    ),
    re.compile(r"(?<!\d)(?P<d>\d{1,2})\s+" + _RU_WORD + r"\s+(?P<y>\d{4})(?:\s*(?:г\.|года|г\b))?" + _TIME,
               re.IGNORECASE),
    re.compile(r"(?<!\d)(?P<d>\d{1,2})\s+" + _EN_WORD + r"\s+(?P<y>\d{4})" + _TIME),
    re.compile(_EN_WORD + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})" + _TIME),
    re.compile(r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})" + _TIME),
)  # fmt: skip


def _month(word: str) -> int | None:
    word = word.lower().rstrip(".")
    if word[0] in "abcdefghijklmnopqrstuvwxyz":
        return _EN_MONTHS.get(word[:3]) if len(word) == 3 or word in _EN_FULL else None
    return _RU_MONTHS.get(word)


def _parse(text: str) -> tuple[date, time | None, timezone | None] | None:
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
            return day, clock, _zone(parts.get("tz"))
    return None


def _zone(raw: str | None) -> timezone | None:
    if not raw:
        return None
    if raw == "Z":
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def parse_date(text: str) -> date | None:
    """The first calendar date written in `text`, if any."""
    parsed = _parse(text)
    return parsed[0] if parsed else None


def parse_datetime(text: str, default_zone: timezone = MOSCOW) -> datetime | None:
    """The first date (and time) in `text` as an aware UTC datetime."""
    parsed = _parse(text)
    if parsed is None:
        return None
    day, clock, zone = parsed
    moment = datetime.combine(day, clock or time(0, 0), tzinfo=zone or default_zone)
    return moment.astimezone(UTC)
