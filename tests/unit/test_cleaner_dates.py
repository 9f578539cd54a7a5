"""Russian and English dates as news pages and tweet signatures write them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from agents.cleaner.dates import parse_date, parse_datetime


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("28 января 2017 г.", date(2017, 1, 28)),
        ("— Sean Spicer (@PressSec) 28 января 2017 г.", date(2017, 1, 28)),
        ("November 12, 2017", date(2017, 11, 12)),
        ("Nov 11, 2017", date(2017, 11, 11)),
        ("12 November 2017", date(2017, 11, 12)),
        ("3 мая 2020 года", date(2020, 5, 3)),
        ("19 сент. 2019", date(2019, 9, 19)),
        ("06.01.2012, 11:42", date(2012, 1, 6)),
        ("2021-06-15T10:30:00+03:00", date(2021, 6, 15)),
    ],
)
def test_dates_parse(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["нет даты", "31 февраля 2017", "12 марок 2017", ""])
def test_non_dates_do_not_parse(text: str) -> None:
    assert parse_date(text) is None


def test_times_without_zone_are_moscow_time() -> None:
    assert parse_datetime("5 марта 2024, 12:15") == datetime(2024, 3, 5, 9, 15, tzinfo=UTC)


def test_iso_zone_is_respected() -> None:
    moment = parse_datetime("2025-02-10T07:00:00Z")
    assert moment == datetime(2025, 2, 10, 7, 0, tzinfo=UTC)
    assert moment is not None and moment.tzinfo is UTC
