"""Direct quotes and their speakers: the ways Russian news attributes them, and what is not a quote."""

from __future__ import annotations

import itertools

import pytest

from agents.annotator import Annotator, get_annotator
from agents.annotator.quotes import quoted_spans, reads_as_sentences
from schemas.models import Quote
from tests.articles import written_articles

ARTICLES = written_articles()


@pytest.fixture(scope="module")
def annotator() -> Annotator:
    return get_annotator()


def quotes_of(annotator: Annotator, text: str) -> list[Quote]:
    quotes = annotator.annotate(text).quotes
    for quote in quotes:
        assert text[quote.start : quote.stop] == quote.text
        assert quote.text == quote.text.strip() and quote.text[0] not in '«»"„“' and quote.text[-1] not in '«»"„“'
    return quotes


def spoken(annotator: Annotator, text: str) -> list[tuple[str, str | None, str | None]]:
    return [(quote.text, quote.speaker, quote.speaker_entity) for quote in quotes_of(annotator, text)]


def test_marks_pair_outermost_first_and_within_a_paragraph() -> None:
    text = "«Он сказал: „Нет“ и «ушёл»», — отметил Лавров.\n«Незакрытая\n«Вторая»"
    assert [(text[o + 1 : c]) for o, c in quoted_spans(text)] == ["Он сказал: „Нет“ и «ушёл»", "Вторая"]


def test_straight_quotes_nest_by_where_they_stand() -> None:
    text = '"Мы направим "мотивированное мнение", что означает суд", - пояснил он.'
    assert [text[o + 1 : c] for o, c in quoted_spans(text)] == ['Мы направим "мотивированное мнение", что означает суд']


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Мы готовы. Решение за ними", True),
        ("Встреча прошла хорошо.", True),
        ("Спартак", False),
        ("Большой двадцатки", False),
        ("Корейский полуостров, сирийское урегулирование, Ирак", False),
        ("требуют серьёзного ремонта.", False),
    ],
)
def test_what_reads_as_sentences(text: str, expected: bool) -> None:
    assert reads_as_sentences(text) is expected


@pytest.mark.parametrize(
    ("text", "quoted", "speaker", "entity"),
    [
        (
            "Сергей Лавров прибыл в Вену. «Мы готовы к диалогу с Вашингтоном», — сказал Лавров.",
            "Мы готовы к диалогу с Вашингтоном",
            "Лавров",
            "Сергей Лавров",
        ),
        (
            "Дональд Трамп провёл брифинг. «Мы можем встретиться с ним», — заявил Трамп журналистам.",
            "Мы можем встретиться с ним",
            "Трамп",
            "Дональд Трамп",
        ),
        (
            "«Переговоры зашли в тупик», — считает политолог Андрей Кортунов.",
            "Переговоры зашли в тупик",
            "Андрей Кортунов",
            "Андрей Кортунов",
        ),
        (
            "Пресс-секретарь президента Дмитрий Песков заявил: «Мы не комментируем слухи».",
            "Мы не комментируем слухи",
            "Дмитрий Песков",
            "Дмитрий Песков",
        ),
        (
            "Дмитрий Песков ответил на вопросы. По словам Пескова, «контакты продолжатся в рабочем порядке».",
            "контакты продолжатся в рабочем порядке",
            "Песков",
            "Дмитрий Песков",
        ),
        (
            "«Мы ожидаем ответа от американской стороны», — отметил глава МИД Сергей Лавров.",
            "Мы ожидаем ответа от американской стороны",
            "Сергей Лавров",
            "Сергей Лавров",
        ),
        (
            "Дмитрий Песков прокомментировал доклад. «Это не более чем домыслы», — цитирует ТАСС Пескова.",
            "Это не более чем домыслы",
            "Песков",
            "Дмитрий Песков",
        ),
        (
            "Владимир Путин и Дональд Трамп говорили час. «Вы правы», — сказал Путину Трамп.",
            "Вы правы",
            "Трамп",
            "Дональд Трамп",
        ),
        (
            "Позиция не изменилась. «Санкции останутся в силе», — сказал директор фонда, профессор Иван Петров.",
            "Санкции останутся в силе",
            "Иван Петров",
            "Иван Петров",
        ),
        (
            "Сергей Лавров выступил в Вене. Лавров заявил, что «отношения требуют серьёзного ремонта».",
            "отношения требуют серьёзного ремонта",
            "Лавров",
            "Сергей Лавров",
        ),
    ],
    ids=[
        "dash-said",
        "dash-said-to-journalists",
        "dash-believes",
        "colon",
        "according-to",
        "dash-role-and-name",
        "citing",
        "addressee-is-not-speaker",
        "name-after-comma",
        "said-that",
    ],
)
def test_attributed_quotes_and_their_speakers(
    annotator: Annotator, text: str, quoted: str, speaker: str, entity: str
) -> None:
    assert spoken(annotator, text) == [(quoted, speaker, entity)]


def test_a_role_alone_is_the_speaker_without_an_entity(annotator: Annotator) -> None:
    text = "Об этом заявил Сергей Лавров. «Службы в контакте», — сказал журналистам министр иностранных дел РФ."
    assert spoken(annotator, text) == [("Службы в контакте", "министр иностранных дел РФ", None)]


def test_a_role_the_text_gave_one_person_links_to_them(annotator: Annotator) -> None:
    text = (
        "Министр иностранных дел РФ Сергей Лавров прибыл в Вену. "
        "«Службы в контакте», — сказал журналистам министр иностранных дел РФ."
    )
    assert spoken(annotator, text) == [("Службы в контакте", "министр иностранных дел РФ", "Сергей Лавров")]


def test_a_role_given_only_later_is_not_linked(annotator: Annotator) -> None:
    text = (
        "«Протокольные службы в контакте», — сказал журналистам министр иностранных дел РФ. "
        "Министр иностранных дел РФ Сергей Лавров прибыл в Вену."
    )
    assert [quote.speaker_entity for quote in quotes_of(annotator, text)] == [None]


def test_a_pronoun_is_the_speaker_without_an_entity(annotator: Annotator) -> None:
    text = "Дональд Трамп провёл брифинг. «Есть прогресс», — написал он в своём Twitter."
    assert spoken(annotator, text) == [("Есть прогресс", "он", None)]


def test_nested_quotes_are_part_of_the_outer_one(annotator: Annotator) -> None:
    text = "«Он говорит: „Я не делал этого“. И я верю», — сказал Трамп."
    assert [quote.text for quote in quotes_of(annotator, text)] == ["Он говорит: „Я не делал этого“. И я верю"]
    same_marks = "«Он говорит: «Я не делал этого». И я верю», — сказал Трамп."
    assert [quote.text for quote in quotes_of(annotator, same_marks)] == ["Он говорит: «Я не делал этого». И я верю"]


def test_a_split_quote_is_two_pieces_with_one_speaker(annotator: Annotator) -> None:
    text = "«Полагаю, в этом есть смысл, — сообщила изданию Анджела Стент. — Объект использовался для других целей»."
    assert spoken(annotator, text) == [
        ("Полагаю, в этом есть смысл", "Анджела Стент", "Анджела Стент"),
        ("Объект использовался для других целей", "Анджела Стент", "Анджела Стент"),
    ]


def test_a_statement_has_no_speaker(annotator: Annotator) -> None:
    text = "«Стороны договорились продолжить работу», — говорится в заявлении Кремля."
    assert spoken(annotator, text) == [("Стороны договорились продолжить работу", None, None)]


def test_an_institution_speaks_when_no_one_is_named(annotator: Annotator) -> None:
    text = "«Конфликт не имеет военного решения», — сообщили в Кремле."
    assert spoken(annotator, text) == [("Конфликт не имеет военного решения", "Кремль", None)]


def test_straight_quotes_and_hyphens_count_too(annotator: Annotator) -> None:
    text = 'Трамп говорил о России. "Я буду представлять американский народ", - говорил сам Трамп накануне.'
    assert spoken(annotator, text) == [("Я буду представлять американский народ", "Трамп", "Дональд Трамп")]


def test_a_quote_standing_as_a_sentence_needs_no_attribution(annotator: Annotator) -> None:
    text = "Актриса редко даёт интервью. «Мне приятно работать с этой командой. Это большая удача»."
    assert spoken(annotator, text) == [("Мне приятно работать с этой командой. Это большая удача", None, None)]


@pytest.mark.parametrize(
    "text",
    [
        "«Спартак» обыграл ЦСКА в воскресенье.",
        "Лидеры встретятся на саммите «Большой двадцатки» в Гамбурге.",
        "Газета «Коммерсантъ» сообщила о новых назначениях.",
        "Он сказал, что всю жизнь болеет за «Спартак», сказал его друг.",
        "Об этом сообщил «Интерфаксу» источник в правительстве.",
        "Лавров обсудит «Корейский полуостров, сирийское урегулирование, Ирак».",
        "Стороны обсудили отношения, которые «требуют серьёзного ремонта», и другие темы.",
        "Пользователи заподозрили отношения «подчинённый — начальник».",
        "Песков сообщил, что «Газпром» продолжит поставки.",
        "Министр перечислил темы: «Сирию», «Украину» и «Корею».",
        "«Не могу стоять и спорить»\n\nГоворя о выборах, Трамп выразил мнение.",
        "Роман «Война и мир» вышел в новом переводе.",
    ],
)
def test_names_titles_and_fragments_are_not_quotes(annotator: Annotator, text: str) -> None:
    assert quotes_of(annotator, text) == []


def test_written_articles_have_their_quotes(annotator: Annotator) -> None:
    counts = {"accelerator": 4, "bridge": 6, "grain": 4, "square": 6, "theatre": 2}
    assert set(counts) == set(ARTICLES)
    for key, count in counts.items():
        body = ARTICLES[key].body
        quotes = quotes_of(annotator, body)
        assert len(quotes) == count, (key, [quote.text[:40] for quote in quotes])
        assert all(a.stop <= b.start for a, b in itertools.pairwise(quotes)), key
        people = {entity.name for entity in annotator.annotate(body).entities if entity.type == "PER"}
        linked = {quote.speaker_entity for quote in quotes} - {None}
        assert linked and linked <= people, (key, linked - people)


@pytest.mark.parametrize(
    ("key", "phrase", "speaker", "entity"),
    [
        ("bridge", "Мост будет готов в срок", "Громов", "Олег Громов"),
        ("bridge", "С нашей стороны задержек", "Рогулев", "Юрий Рогулев"),
        ("bridge", "Мы слышим жалобы водителей", "Анна Ковалева", "Анна Ковалева"),
        ("bridge", "Объездная дорога городу", "мэр Твери", "Анна Ковалева"),
        ("bridge", "Пробки на Восточном мосту", "министр транспорта области", None),
        ("bridge", "Согласован график работ", None, None),
        ("square", "Сквер — последнее зелёное место", "Елена Фомина", "Елена Фомина"),
        ("square", "проект ни разу не обсуждали", "Фомина", "Елена Фомина"),
        ("square", "Мы получили все разрешения", "Павел Котов", "Павел Котов"),
        ("square", "Вместо сквера в квартале", "Павел Котов", "Павел Котов"),
        ("square", "Компромисс возможен", "Орлов", "Алексей Орлов"),
        ("accelerator", "Раньше такие испытания", "Лебедев", "Михаил Лебедев"),
        ("accelerator", "установка не уступает", "китайского коллеги", None),
        ("theatre", "Я благодарна коллективу", "Сергеева", "Наталья Сергеева"),
        ("grain", "Рынок давно ждал", "Кларк", "Джеймс Кларк"),
        ("grain", "соглашение станет проверкой", "Марина Белова", "Марина Белова"),
    ],
)
def test_written_quotes_have_their_speakers(
    annotator: Annotator, key: str, phrase: str, speaker: str | None, entity: str | None
) -> None:
    quotes = quotes_of(annotator, ARTICLES[key].body)
    found = [(quote.speaker, quote.speaker_entity) for quote in quotes if phrase in quote.text]
    assert found == [(speaker, entity)]


@pytest.mark.parametrize(
    ("key", "names"),
    [
        ("square", ["Мы никуда не уйдём", "мирной прогулкой", "Уралстройинвест"]),
        ("accelerator", ["Малышом", "Роскосмос"]),
        ("theatre", ["Вишнёвый сад"]),
        ("bridge", ["Мостострой-11"]),
    ],
)
def test_headings_and_words_in_marks_are_not_quotes(annotator: Annotator, key: str, names: list[str]) -> None:
    body = ARTICLES[key].body
    texts = {quote.text for quote in quotes_of(annotator, body)}
    for name in names:
        assert f"«{name}»" in body
        assert name not in texts
