"""Dates and money: natasha's grammars run near digits only, with the matches the whole text gives."""

from __future__ import annotations

import random

import pytest

from agents.annotator import Annotator, get_annotator
from agents.annotator.facts import FactFinder, currency_code, digit_windows
from schemas.models import DateMention, MoneyMention
from tests.articles import written_articles


@pytest.fixture(scope="module")
def annotator() -> Annotator:
    return get_annotator()


@pytest.fixture(scope="module")
def finder(annotator: Annotator) -> FactFinder:
    return annotator.fact_finder


def test_windows_surround_digits_and_stop_at_whitespace() -> None:
    text = "Слово " * 30 + "встреча 10-11 ноября в Дананге" + " слово" * 30
    windows = digit_windows(text)
    assert len(windows) == 1
    start, stop = windows[0]
    assert text[start:stop].strip().split()[0] == "Слово" and "10-11 ноября" in text[start:stop]
    assert text[start - 1].isspace() and text[stop].isspace()
    assert stop - start < len(text) // 2


def test_near_digits_share_one_window_and_far_ones_do_not() -> None:
    assert len(digit_windows("1 000 000 рублей")) == 1
    assert len(digit_windows("В 2016 году " + "ничего " * 40 + "и в 2017 году")) == 2
    assert digit_windows("Без единой цифры.") == []


@pytest.mark.parametrize(
    ("written", "code"),
    [("RUB", "RUB"), ("руб.", "RUB"), ("₽", "RUB"), ("рублей", "RUB"), ("USD", "USD"), ("долл.", "USD"),
     ("$", "USD"), ("долларов", "USD"), ("EUR", "EUR"), ("евро", "EUR"), ("€", "EUR"), ("гривен", "гривен")],
)  # fmt: skip
def test_currencies_become_iso_codes(written: str, code: str) -> None:
    assert currency_code(written) == code


def test_dates_as_natasha_reads_them(finder: FactFinder) -> None:
    text = "Саммит пройдёт 10-11 ноября, теракт случился 31 октября 2017 года, встреча была в июле 2017 года."
    dates, money = finder.find(text, text)
    assert money == []
    assert dates == [
        DateMention(start=text.index("11 ноября"), stop=text.index(", теракт"), text="11 ноября", month=11, day=11),
        DateMention(
            start=text.index("31 октября"), stop=text.index(", встреча"), text="31 октября 2017 года",
            year=2017, month=10, day=31,
        ),
        DateMention(start=text.index("июле"), stop=len(text) - 1, text="июле 2017 года", year=2017, month=7),
    ]  # fmt: skip


def test_money_with_iso_currencies_and_float_amounts(finder: FactFinder) -> None:
    text = "Контракт на 1,5 млрд руб., заём в 300 тыс. долларов, штраф 20 евро и 100 рублей 50 копеек."
    dates, money = finder.find(text, text)
    assert dates == []
    assert [(m.text, m.amount, m.currency) for m in money] == [
        ("1,5 млрд руб.", 1.5e9, "RUB"),
        ("300 тыс. долларов", 300_000.0, "USD"),
        ("20 евро", 20.0, "EUR"),
        ("100 рублей 50 копеек", 100.5, "RUB"),
    ]
    assert all(isinstance(m.amount, float) and text[m.start : m.stop] == m.text for m in money)


def test_texts_come_from_the_original_offsets_from_the_safe_text(finder: FactFinder) -> None:
    original = "Взнос\x07 5 млн ₽ внесён 1 октября."
    safe = original.replace("\x07", " ")
    dates, money = finder.find(original, safe)
    assert [(m.start, m.text) for m in money] == [(original.index("5 млн"), "5 млн ₽")]
    assert [(d.start, d.text) for d in dates] == [(original.index("1 октября"), "1 октября")]


class CountingExtractor:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, text: str) -> list[object]:
        self.texts.append(text)
        return []


def test_extractors_see_only_windows_that_may_hold_a_match() -> None:
    dates, money = CountingExtractor(), CountingExtractor()
    finder = FactFinder(dates, money)
    finder.find("Текст без единой цифры.", "Текст без единой цифры.")
    assert dates.texts == [] and money.texts == []
    text = "Пришли 40 человек. " + "Потом долго говорили. " * 20 + "Собрали 5 млн рублей в 2017 году."
    finder.find(text, text)
    assert money.texts == dates.texts and len(dates.texts) == 1
    assert "5 млн рублей в 2017 году" in dates.texts[0] and "40 человек" not in dates.texts[0]


MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября",
          "декабря"]  # fmt: skip
MONTHS_IN = ["январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе", "сентябре", "октябре", "ноябре",
             "декабре"]  # fmt: skip
FILLER = [
    "Об этом сообщили в пресс-службе ведомства.", "Решение приняли на совещании в мэрии.",
    "В прошлом году ситуация была похожей.", "В марте об этом говорили только эксперты.",
    "Жители района давно ждали этих перемен.", "Подробности пока не раскрываются.",
    "Участники встречи обсудили и другие вопросы.", "Рубль за неделю почти не изменился.",
    "Как отметили в министерстве, работы идут по графику.", "Доллар и евро подешевели к вечеру.",
]  # fmt: skip


def fact_sentence(rnd: random.Random) -> str:
    """A sentence with a date, a sum or a number that is neither, in the forms news text writes them."""
    year, day, month, number = rnd.randint(1995, 2024), rnd.randint(1, 28), rnd.randrange(12), rnd.randint(2, 999)
    large, currency = rnd.choice(["миллионов", "миллиардов"]), rnd.choice(["рублей", "долларов"])
    return rnd.choice([
        f"Встреча прошла {day} {MONTHS[month]} {year} года.",
        f"Работы начались в {MONTHS_IN[month]} {year} года.",
        f"Срок продлили до {day} {MONTHS[month]}.",
        f"Проект запустили в {year} году.",
        f"С {day} по {day + 2} {MONTHS[month]} пройдут слушания.",
        f"В {year}-{year + 1} гг. объём вырос вдвое.",
        f"Документ подписан {day:02d}.{month + 1:02d}.{year}.",
        f"На ремонт выделили {number} млн рублей.",
        f"Контракт оценили в {number},{rnd.randint(1, 9)} млрд руб.",
        f"Штраф составил {number} тыс. рублей {rnd.randint(10, 99)} копеек.",
        f"Кредит на ${number} млн выдали в {MONTHS_IN[month]}.",
        f"Цена билета — {number} евро.",
        f"Сумма сделки — {number} млн долларов, сообщили {day} {MONTHS[month]} {year} года.",
        f"За год на площадке побывали {number} человек.",
        f"Залог в {number} ₽ вернут в {year} году.",
        f"Бюджет — {rnd.randint(1, 9)} {number:03d},5 млн руб. {rnd.randint(10, 99)} коп.",
        f"Инвестиции достигнут {number} {large} {currency}.",
        f"Тариф вырос на {rnd.randint(2, 15)}% с 1 {MONTHS[month]}.",
    ])  # fmt: skip


def texts_with_facts() -> list[str]:
    """The written articles, and texts whose facts sit at every distance from one another."""
    rnd = random.Random(20170731)
    texts = [article.body for article in written_articles().values()]
    for _ in range(60):
        count = rnd.randint(3, 20)
        sentences = [fact_sentence(rnd) if rnd.random() < 0.5 else rnd.choice(FILLER) for _ in range(count)]
        texts.append(rnd.choice([" ", "\n\n"]).join(sentences))
    return texts


def test_windows_find_what_the_whole_text_gives(annotator: Annotator) -> None:
    models = annotator.models
    finder = FactFinder(models.dates_extractor, models.money_extractor)
    seen = [0, 0]
    for text in texts_with_facts():
        dates, money = finder.find(text, text)
        whole_dates = [(m.start, m.stop, m.fact.year, m.fact.month, m.fact.day) for m in models.dates_extractor(text)]
        whole_money = [(m.start, m.stop, float(m.fact.amount), m.fact.currency) for m in models.money_extractor(text)]
        assert [(d.start, d.stop, d.year, d.month, d.day) for d in dates] == whole_dates
        assert [(m.start, m.stop, m.amount, m.currency) for m in money] == whole_money
        seen[0] += len(dates)
        seen[1] += len(money)
    assert seen[0] > 100 and seen[1] > 100


def test_annotation_carries_dates_and_money(annotator: Annotator) -> None:
    body = written_articles()["bridge"].body
    annotation = annotator.annotate(body)
    assert {(d.year, d.month, d.day) for d in annotation.dates} >= {(2017, 10, 31), (2017, 7, None)}
    assert all(body[d.start : d.stop] == d.text for d in annotation.dates)
    money = annotator.annotate("Бюджет проекта составил 2 млн € и 7 млн ₽ за год.").money
    assert money == [
        MoneyMention(start=24, stop=31, text="2 млн €", amount=2e6, currency="EUR"),
        MoneyMention(start=34, stop=41, text="7 млн ₽", amount=7e6, currency="RUB"),
    ]
