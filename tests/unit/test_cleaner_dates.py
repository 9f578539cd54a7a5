"""Russian and English dates as news pages and tweet signatures write them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from agents.cleaner.dates import date_in_url, parse_date, parse_datetime


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO 8601's basic format, as RIA's article:published_time writes it, with and without seconds
        ("20200303T1835+0300", datetime(2020, 3, 3, 15, 35, tzinfo=UTC)),
        ("20200303T183516Z", datetime(2020, 3, 3, 18, 35, tzinfo=UTC)),
        ("20141027T0915", datetime(2014, 10, 27, 6, 15, tzinfo=UTC)),
        # the extended format, with an offset in its short forms
        ("2020-03-03T18:35+0300", datetime(2020, 3, 3, 15, 35, tzinfo=UTC)),
        ("2012-01-06T11:42:00+04", datetime(2012, 1, 6, 7, 42, tzinfo=UTC)),
        ("2020-03-03 18:16:36 +03:00", datetime(2020, 3, 3, 15, 16, tzinfo=UTC)),
        # e-mail style, as RT's meta publish-date and RBC's scripts write it
        ("Wed, 24 Sep 2014 13:40:16 +0400", datetime(2014, 9, 24, 9, 40, tzinfo=UTC)),
        ("Tue, 03 Mar 2020 18:16:36 +0300", datetime(2020, 3, 3, 15, 16, tzinfo=UTC)),
        ("Tue, 03 Mar 2020 15:16:36 GMT", datetime(2020, 3, 3, 15, 16, tzinfo=UTC)),
        # a time before its date, as the outlets print it
        ("19:41,  3 марта 2020", datetime(2020, 3, 3, 16, 41, tzinfo=UTC)),
        ("18:35 03.03.2020", datetime(2020, 3, 3, 15, 35, tzinfo=UTC)),
    ],
)
def test_written_times_parse_to_utc(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize(
    ("text", "utc_hour"),
    [
        ("2010-07-01T12:00", 8),  # summer time before 2011: UTC+4
        ("2011-01-15T12:00", 9),  # winter before the change: UTC+3
        ("2011-03-26T12:00", 9),  # the last day of UTC+3
        ("2011-03-28T12:00", 8),  # UTC+4 from 2011-03-27 ...
        ("2012-12-31T12:00", 8),  # ... all year round, winter too
        ("2014-09-24T13:40", 9),  # RT's page of 2014-09-24: 13:40 Moscow time is 09:40 UTC
        ("2014-10-25T12:00", 8),  # the last day of UTC+4
        ("2014-10-27T12:00", 9),  # UTC+3 from 2014-10-26
        ("2020-03-03T12:00", 9),
    ],
)
def test_a_time_without_an_offset_is_moscow_time_with_its_history(text: str, utc_hour: int) -> None:
    moment = parse_datetime(text)
    assert moment is not None and moment.hour == utc_hour and moment.tzinfo is UTC


@pytest.mark.parametrize("text", ["2020-03-03", "3 марта 2020", "2014-09-24TFR", "Опубликовано 03.03.2020"])
def test_a_date_alone_is_no_time_of_day(text: str) -> None:
    assert parse_datetime(text) is None
    assert parse_date(text) is not None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://lenta.ru/news/2020/03/03/rub/", date(2020, 3, 3)),
        ("https://ria.ru/20200303/1568058953.html", date(2020, 3, 3)),
        ("https://www.rbc.ru/politics/03/03/2020/5e5e1a139a7947838ece510f", date(2020, 3, 3)),
        ("https://inotv.rt.com/2017-09-22/1", date(2017, 9, 22)),
        ("https://example.ru/2012/01/05/item", date(2012, 1, 5)),
        ("http://russian.rt.com/article/51369", None),
        ("https://example.ru/news/12345678/", None),  # eight digits that are no date
        ("https://example.ru/2020/13/40/x", None),
        ("https://example.ru/2999/01/01/x", None),  # not yet
        (None, None),
        ("http://[::1/x", None),  # not an address
    ],
)
def test_the_day_an_address_names(url: str | None, expected: date | None) -> None:
    assert date_in_url(url) == expected
