"""Headline alignment: near words count, rare words weigh more, the table keeps only the window's words."""

from __future__ import annotations

import numpy as np

from agents.stories import Article, StoryConfig, StoryIndex
from agents.stories.headlines import Headlines, news_embedding
from agents.stories.vectors import Vocabulary, term_counts


def headlines_of(*titles: str) -> tuple[Headlines, list]:
    vocabulary = Vocabulary()
    headlines = Headlines(news_embedding(), vocabulary, floor=0.4)
    added = []
    for title in titles:
        vocabulary.add(list(term_counts(title, "", 1, 0)))
        added.append(headlines.add(title))
    return headlines, added


def test_near_words_align_where_stems_do_not() -> None:
    headlines, (query, synonym, unrelated) = headlines_of(
        "Переговоры президентов в Москве", "Встреча лидеров в столице", "Урожай пшеницы на Кубани"
    )
    near, far = headlines.alignments(query, [synonym, unrelated])
    assert near > 0.3 > far


def test_the_same_word_aligns_fully_in_any_form() -> None:
    background = ["Урожай пшеницы на Кубани", "Курс рубля вырос"]
    headlines, added = headlines_of(*background, "Саммит АТЭС во Вьетнаме", "во вьетнаме саммитом атэс")
    query, forms = added[-2:]
    assert headlines.alignments(query, [forms])[0] == 1.0


def test_a_rare_shared_word_weighs_more_than_a_common_one() -> None:
    common = [f"Путин заявил о новости номер {n}" for n in range(20)]
    headlines, added = headlines_of(*common, "Путин заявил об АТЭС", "Путин посетил саммит", "Медведев ждет АТЭС")
    query, shares_common, shares_rare = added[-3:]
    on_common, on_rare = headlines.alignments(query, [shares_common, shares_rare])
    assert on_rare > on_common


def test_no_headline_means_no_alignment() -> None:
    headlines, (query,) = headlines_of("Саммит АТЭС")
    assert np.isnan(headlines.alignments(query, [None])[0])
    assert headlines_of("")[1] == [None]


def test_the_word_table_keeps_only_the_window_headlines() -> None:
    index = StoryIndex(StoryConfig(window_articles=2))
    for n, title in enumerate(["Саммит АТЭС во Вьетнаме", "Урожай пшеницы", "Выборы в Москве", "Саммит в Москве"]):
        index.assign(Article(str(n), title, "Текст новости."))
    assert set(index.headlines.table.ids) == {"выборы", "в", "москве", "саммит"}
    rows = index.headlines.table.rows
    summit = rows[index.headlines.table.ids["саммит"]].astype(np.float32)
    assert np.isclose(np.linalg.norm(summit), 1.0, atol=1e-2)
