"""Names and numbers: found in the text, and what they add to the story score."""

from __future__ import annotations

import pytest

from agents.stories import Article, StoryConfig, StoryIndex
from agents.stories.anchors import anchors


def test_names_are_capitalised_words_that_do_not_open_a_sentence() -> None:
    found = anchors(
        "Погода в Гомеле на 17 мая",
        "В Гомеле ожидается до +21. По данным Белгидромета, ветер до 7,5 м/с. Синоптики советуют взять зонт.",
    )
    assert found == ["гомел", "17", "21", "белги", "7.5"]


def test_a_quoted_name_and_an_acronym_count_and_yo_is_e() -> None:
    assert anchors("", "Акции «Газпрома» и ЦБ; Алёна Орлова пришла.") == ["газпр", "цб", "алена", "орлов"]
    assert anchors("Первое слово заголовка", "Первое слово текста! Второе предложение? Третье… Четвертое.") == []


def test_inflected_names_share_a_stem() -> None:
    assert anchors("", "Встреча в Казани.") == anchors("", "Мэр Казань посетил.") == ["казан"]


# One event, worded differently by two outlets: few common stems, the same people, places and figures.
REPORT = Article(
    "1",
    "Суд арестовал экс-мэра Тамбова Ивана Колесникова",
    "Октябрьский районный суд Тамбова отправил под стражу бывшего градоначальника Ивана Колесникова "
    "на два месяца. Ущерб следствие оценивает в 14,2 млн рублей.",
)
RETOLD = Article(
    "2",
    "Бывший глава Тамбова Колесников отправлен в СИЗО",
    "Экс-глава города Колесников задержан по делу о хищении 14,2 млн рублей, меру пресечения избрал "
    "Октябрьский суд.",
)
UNRELATED = Article(
    "3",
    "Суд арестовал бывшего мэра Владивостока",
    "Ленинский суд Владивостока отправил под стражу бывшего мэра Олега Гуменюка на два месяца.",
)


def similarity(anchor_weight: float, earlier: Article, later: Article) -> float:
    index = StoryIndex(StoryConfig(anchor_weight=anchor_weight, story_threshold=1.01))
    index.assign(earlier)
    index.assign(later)
    return index.similarity_of(index.members[1], index.members[0])


def test_shared_names_and_numbers_raise_the_score_of_a_retelling() -> None:
    assert similarity(0.2, REPORT, RETOLD) > similarity(0.0, REPORT, RETOLD)


def test_an_event_with_other_names_gains_nothing() -> None:
    assert similarity(0.2, REPORT, UNRELATED) < similarity(0.0, REPORT, UNRELATED)


@pytest.mark.parametrize("weight", [0.2, 0.5])
def test_the_overlap_is_a_weighted_jaccard_of_the_window(weight: float) -> None:
    """Both share all their names and numbers: the overlap is 1, whatever the window's idf."""
    index = StoryIndex(StoryConfig(anchor_weight=weight, headline_weight=0.0, story_threshold=1.01))
    index.assign(Article("1", "Арестован Колесников", "Суд в Тамбове, 14,2 млн."))
    index.assign(Article("2", "Суд арестовал Колесникова", "Суд в Тамбове: 14,2 млн."))
    index.assign(Article("3", "Арестован Гуменюк", "Суд во Владивостоке, 14,2 млн."))
    first, second, third = (index.members[sequence] for sequence in range(3))
    assert index._anchor_overlaps(second.anchors, [first])[0] == pytest.approx(1.0)
    shared_number = index._anchor_overlaps(third.anchors, [first])[0]
    # «14.2» is in every article, so it weighs less than the names the two do not share.
    assert 0.0 < shared_number < 1 / 3


def test_an_article_without_names_has_no_overlap() -> None:
    index = StoryIndex(StoryConfig(story_threshold=1.01))
    index.assign(Article("1", "Арестован Колесников", "Суд в Тамбове."))
    index.assign(Article("2", "без имен", "просто слова без чисел."))
    first, second = index.members[0], index.members[1]
    assert len(second.anchors) == 0
    assert index._anchor_overlaps(second.anchors, [first]).tolist() == [0.0]
    assert index._anchor_overlaps(first.anchors, [second]).tolist() == [0.0]


def test_the_names_vocabulary_keeps_only_the_window() -> None:
    index = StoryIndex(StoryConfig(window_articles=1))
    index.assign(Article("1", "Арестован Колесников", "Суд в Тамбове."))
    index.assign(Article("2", "Арестован Гуменюк", "Суд во Владивостоке."))
    assert set(index.names.ids) == {"гумен", "влади"}


def test_a_name_that_opens_a_sentence_counts_where_it_stands_inside_one() -> None:
    assert anchors("«Москва» ждет", "Москва. Жители Москвы! «Сбер» 2020. Лондон и ЦБ") == ["москв", "2020", "цб"]
