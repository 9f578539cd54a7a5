"""Dates and amounts of money, found by natasha's grammars near the digits only.

Every date and every amount natasha's grammars know holds a number written in
digits, so the parsers see only windows of the text around digits, and only
windows holding a month, a year word or a currency. yargy is slow: over the
whole text the two grammars cost twice what the rest of the annotator does.
Windows are cut at whitespace and reach past the longest matches news text
gives them, so the matches and their offsets are the ones of the whole text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from schemas.models import DateMention, MoneyMention

DIGITS = re.compile(r"\d+")
REACH_BEFORE = 12  # the word before: "в марте 2019"
REACH_AFTER = 40  # the words after: "1 250,5 млн руб. 30 коп.", "5 (пяти) тыс. рублей"
DATE_CLUE = re.compile(
    r"январ|феврал|март|апрел|ма[йяюе]|июн|июл|август|сентябр|октябр|ноябр|декабр|год"
    r"|(?<![а-яё])гг?(?![а-яё])|\d\.\d",
    re.IGNORECASE,
)
MONEY_CLUE = re.compile(r"евро|€|доллар|\$|руб|₽|(?<![а-яё])р(?![а-яё])", re.IGNORECASE)
CURRENCY_CODES = {
    **dict.fromkeys(("rub", "руб", "рубль", "рублей", "р", "₽"), "RUB"),
    **dict.fromkeys(("usd", "долл", "доллар", "долларов", "$"), "USD"),
    **dict.fromkeys(("eur", "евро", "€"), "EUR"),
}


def digit_windows(text: str) -> list[tuple[int, int]]:
    """Stretches of `text` around its digits, merged and cut at whitespace."""
    windows: list[tuple[int, int]] = []
    for digits in DIGITS.finditer(text):
        start = max(0, digits.start() - REACH_BEFORE)
        stop = min(len(text), digits.end() + REACH_AFTER)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        while stop < len(text) and not text[stop].isspace():
            stop += 1
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(stop, windows[-1][1]))
        else:
            windows.append((start, stop))
    return windows


def currency_code(currency: str) -> str:
    """ISO 4217 code of a currency as natasha or the text names it; unknown ones as given."""
    return CURRENCY_CODES.get(currency.strip(" .").lower(), currency)


class FactFinder:
    """Runs natasha's DatesExtractor and MoneyExtractor over the windows that may hold a match."""

    def __init__(self, dates_extractor: Any, money_extractor: Any) -> None:
        self.dates_extractor = dates_extractor
        self.money_extractor = money_extractor

    def find(self, original: str, safe: str) -> tuple[list[DateMention], list[MoneyMention]]:
        """Dates and money of `safe`, with texts taken from `original` (same length)."""
        dates, money = [], []
        for start, stop in digit_windows(safe):
            window = safe[start:stop]
            if DATE_CLUE.search(window):
                for begin, end, date in matches(self.dates_extractor, window, start):
                    text = original[begin:end]
                    dates.append(
                        DateMention(start=begin, stop=end, text=text, year=date.year, month=date.month, day=date.day)
                    )
            if MONEY_CLUE.search(window):
                for begin, end, fact in matches(self.money_extractor, window, start):
                    text, amount, currency = original[begin:end], float(fact.amount), currency_code(fact.currency)
                    money.append(MoneyMention(start=begin, stop=end, text=text, amount=amount, currency=currency))
        return dates, money


def matches(extractor: Any, window: str, offset: int) -> Iterator[tuple[int, int, Any]]:
    """The extractor's matches in `window` as (start, stop, fact), offsets into the whole text."""
    for match in extractor(window):
        yield offset + match.start, offset + match.stop, match.fact
