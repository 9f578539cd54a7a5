"""Online story assignment: copies, new stories, shared stories, the window, replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agents.stories import Article, Entity, StoryConfig, StoryIndex
from agents.stories.records import cluster_records
from agents.stories.vectors import term_counts

BODY = (
    "Центральный банк России в пятницу снизил ключевую ставку на один процентный пункт, до 7,5 % годовых. "
    "Решение совет директоров принял на очередном заседании, следующее пройдет в декабре.\n\n"
    "Аналитики ожидали более осторожного шага: большинство опрошенных экономистов прогнозировали снижение "
    "на половину пункта. Регулятор объяснил решение замедлением инфляции и слабым спросом.\n\n"
    "Рубль после объявления решения ослаб к доллару и евро, индекс Мосбиржи вырос на полтора процента."
)
OTHER_BODY = (
    "Сборная Бразилии по футболу обыграла команду Аргентины в товарищеском матче в Мельбурне со счетом 2:0. "
    "Голы забили нападающие во втором тайме, после перерыва хозяева поля перехватили инициативу.\n\n"
    "Следующую игру бразильцы проведут через неделю в Сингапуре против сборной Нигерии."
)
START = datetime(2020, 3, 1, 9, 0, tzinfo=UTC)


def article(article_id: str, title: str, text: str, hours: float = 0.0, site: str = "a.ru") -> Article:
    return Article(article_id, title, text, f"https://www.{site}/{article_id}", START + timedelta(hours=hours))


def test_a_copy_points_to_the_earliest_original() -> None:
    index = StoryIndex()
    first = index.assign(article("1", "ЦБ снизил ключевую ставку до 7,5 %", BODY))
    copy = index.assign(article("2", "Банк России понизил ставку", "Реклама\n\n" + BODY + "\n\nПоделиться", 1, "b.ru"))
    again = index.assign(article("3", "Ставка снижена", BODY, 2, "c.ru"))
    assert first.duplicate_of is None and first.new_story
    assert copy.duplicate_of == "1" and copy.duplicate_similarity is not None and copy.duplicate_similarity > 0.5
    assert again.duplicate_of == "1"
    assert copy.story_id == again.story_id == first.story_id == "1"


def test_a_different_topic_starts_a_new_story() -> None:
    index = StoryIndex()
    index.assign(article("1", "ЦБ снизил ключевую ставку до 7,5 %", BODY))
    football = index.assign(article("2", "Бразилия обыграла Аргентину", OTHER_BODY, 1))
    assert football.new_story and football.story_id == "2" and football.duplicate_of is None


def test_articles_on_one_event_share_a_story_without_being_copies() -> None:
    index = StoryIndex()
    index.assign(article("1", "ЦБ снизил ключевую ставку до 7,5 %", BODY))
    index.assign(article("2", "Бразилия обыграла Аргентину", OTHER_BODY, 1))
    retold = index.assign(
        article(
            "3",
            "Банк России снизил ключевую ставку до 7,5 % годовых",
            "Совет директоров Банка России снизил ключевую ставку до 7,5 % годовых, сообщил регулятор. "
            "Инфляция замедляется, объяснили в ЦБ.",
            2,
            "c.ru",
        )
    )
    assert retold.duplicate_of is None
    assert retold.story_id == "1" and not retold.new_story


RETOLD_TITLE = "Банк России снизил ключевую ставку до 7,5 % годовых"
RETOLD_BODY = (
    "Совет директоров Банка России снизил ключевую ставку до 7,5 % годовых, сообщил регулятор. "
    "Инфляция замедляется, объяснили в ЦБ."
)


def test_articles_further_apart_than_the_window_never_share_a_story_in_any_arrival_order() -> None:
    index = StoryIndex(StoryConfig(window_hours=72))
    index.assign(article("1", "ЦБ снизил ключевую ставку до 7,5 %", BODY, hours=200))
    index.assign(article("0", "Бразилия обыграла Аргентину", OTHER_BODY, hours=199))
    earlier = index.assign(article("2", RETOLD_TITLE, RETOLD_BODY, hours=200 - 73, site="c.ru"))
    close = index.assign(article("3", RETOLD_TITLE, RETOLD_BODY + " Рубль ослаб.", hours=200 - 71, site="d.ru"))
    assert earlier.new_story and earlier.story_id == "2", "older by more than the window, though it came later"
    assert close.story_id in {"1", "2"} and not close.new_story
    unbounded = StoryIndex(StoryConfig(window_hours=1000))
    unbounded.assign(article("1", "ЦБ снизил ключевую ставку до 7,5 %", BODY, hours=200))
    unbounded.assign(article("0", "Бразилия обыграла Аргентину", OTHER_BODY, hours=199))
    assert unbounded.assign(article("2", RETOLD_TITLE, RETOLD_BODY, hours=200 - 73, site="c.ru")).story_id == "1"


def test_the_window_forgets_old_articles_and_stays_bounded() -> None:
    index = StoryIndex(StoryConfig(window_hours=72, window_articles=3))
    index.assign(article("1", "ЦБ снизил ключевую ставку до 7,5 %", BODY))
    late = index.assign(article("2", "ЦБ снизил ставку", BODY, 100))
    assert late.duplicate_of is None and late.new_story, "72 h later the original has left the window"
    assert len(index) == 1 and len(index.duplicates) == 1 and index.story("1") is None
    for number in range(3, 10):
        index.assign(Article(str(number), "ЦБ снизил ставку", BODY))
    assert len(index) == 3 and len(index.duplicates) == 3 and len(index.window) == 3
    assert sum(len(posting) for posting in index.postings.values()) <= 3 * index.config.query_terms


def test_undated_articles_fall_back_to_the_count_bound() -> None:
    index = StoryIndex(StoryConfig(window_articles=2))
    index.assign(Article("1", "ЦБ снизил ключевую ставку", BODY))
    index.assign(Article("2", "Бразилия обыграла Аргентину", OTHER_BODY))
    index.assign(Article("3", "Бразилия снова обыграла Аргентину", OTHER_BODY))
    assert index.assign(Article("4", "ЦБ снизил ставку", BODY)).duplicate_of is None


def test_story_summary() -> None:
    index = StoryIndex()
    entities = (Entity("Банк России", 0.9), Entity("Москва", 0.2))
    index.assign(Article("1", "ЦБ снизил ставку", BODY, "https://a.ru/1", START + timedelta(hours=1), entities))
    index.assign(Article("2", "Банк России снизил ставку", BODY, "https://b.ru/2", START, entities[:1]))
    summary = index.story("1")
    assert summary is not None
    assert (summary.members, summary.sites, summary.first_seen, summary.first_site) == (2, 2, START, "b.ru")
    assert summary.title == "Банк России снизил ставку"
    assert summary.top_entities == ("Банк России", "Москва")


def test_redelivery_gets_the_first_answer() -> None:
    index = StoryIndex()
    first = index.assign(article("1", "ЦБ снизил ставку", BODY))
    assert index.assign(article("1", "ЦБ снизил ставку", BODY)) == first
    assert index.story("1") is not None and index.story("1").members == 1  # type: ignore[union-attr]


def test_replay_gives_the_same_answers() -> None:
    records = [
        {"id": f"{n}", "title": title, "text": text, "url": f"https://s{n % 3}.ru/{n}"}
        for n, (title, text) in enumerate(
            [("ЦБ снизил ставку", BODY), ("Бразилия выиграла", OTHER_BODY), ("Ставка снижена", BODY)] * 5
        )
    ]
    first, second = list(cluster_records(records)), list(cluster_records(records))
    assert first == second
    assert {row["story_id"] for row in first} == {"0", "1"}
    assert first[2]["duplicate_of"] == "0" and first[0]["duplicate_of"] is None


def test_the_vocabulary_keeps_only_the_window_stems() -> None:
    index = StoryIndex(StoryConfig(window_articles=1))
    index.assign(Article("1", "ЦБ снизил ключевую ставку", BODY))
    index.assign(Article("2", "Бразилия обыграла Аргентину", OTHER_BODY))
    config = index.config
    expected = term_counts("Бразилия обыграла Аргентину", OTHER_BODY, config.title_weight, config.lead_chars)
    assert set(index.vocabulary.ids) == set(expected)
    assert len(index.duplicates) == 1 and set(index.postings) <= set(index.vocabulary.ids.values())


def test_a_story_takes_members_until_the_window_has_passed_since_its_last_one() -> None:
    def story_of_third(hours: float) -> str:
        index = StoryIndex(StoryConfig(window_hours=72))
        index.assign(article("1", "ЦБ снизил ключевую ставку до 7,5 %", BODY))
        index.assign(article("2", RETOLD_TITLE, RETOLD_BODY, hours=50, site="b.ru"))
        third = article("3", RETOLD_TITLE, RETOLD_BODY + " Рубль ослаб.", hours=hours, site="c.ru")
        return index.assign(third).story_id

    assert story_of_third(50 + 71) == "1", "72 h after the story's first article, but not after its last"
    assert story_of_third(50 + 73) == "3"


BRIDGE = (
    "ЦБ снизил ставку, Бразилия обыграла Аргентину: главное за день",
    RETOLD_BODY + " Сборная Бразилии обыграла команду Аргентины в Мельбурне со счетом 2:0.",
)
MATCH_REPORT = (
    "Бразилия обыграла Аргентину в Мельбурне",
    "Сборная Бразилии обыграла Аргентину со счетом 2:0 в товарищеском матче в Мельбурне. Голы забили во втором тайме.",
)


def test_one_article_bridging_two_events_does_not_merge_them() -> None:
    index = StoryIndex()
    index.assign(article("1", "ЦБ снизил ключевую ставку до 7,5 %", BODY))
    index.assign(article("2", RETOLD_TITLE, RETOLD_BODY, 1, "b.ru"))
    assert index.assign(article("3", *BRIDGE, 2, "c.ru")).story_id == "1"
    match_report = index.assign(article("4", *MATCH_REPORT, 3, "d.ru"))
    assert match_report.story_id == "4" and match_report.new_story
    bridge, report = index.members[2], index.members[3]
    assert index.similarity_of(report, bridge) > 2 * index.config.story_threshold, "close to the bridge alone"
