"""Sentence vectors in story matching: the encoder, int8 on the wire, and stories decided on cosines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from agents.stories import Article, StoryConfig, StoryIndex
from agents.stories.dense import StoryVectors, rounded
from agents.stories.encoder import Encoder, dequantize, encoder_named, quantize
from schemas.models import StoryCandidate, StoryEmbedding
from streams.bindings.stories import core_article

DAY = datetime(2026, 5, 4, 9, tzinfo=UTC)


def unit(*components: float) -> np.ndarray:
    vector = np.zeros(8, dtype=np.float32)
    vector[: len(components)] = components
    return vector / np.linalg.norm(vector)


def article(article_id: str, vector: np.ndarray | None, title: str = "", at: datetime | None = DAY) -> Article:
    # Words unique to each article, so that only the vectors can join two of them.
    return Article(article_id, title or f"заголовок{article_id}", f"текст{article_id} слово{article_id}",
                   published_at=at, vector=vector)


def test_int8_keeps_the_cosine_within_a_hundredth_and_is_a_quarter_of_float32() -> None:
    rng = np.random.default_rng(1)
    left, right = (v / np.linalg.norm(v) for v in rng.normal(size=(2, 384)).astype(np.float32))
    data = quantize(left)
    assert len(data) == 384 == left.nbytes // 4
    assert abs(float(dequantize(data) @ dequantize(quantize(right))) - float(left @ right)) < 0.01
    assert np.linalg.norm(dequantize(data)) == pytest.approx(1.0, abs=1e-5)


def test_the_encoder_puts_one_event_told_twice_nearer_than_another_event() -> None:
    encoder = Encoder()
    report, retold, other = encoder.encode([
        encoder.text_of("Суд арестовал экс-мэра Тамбова Ивана Колесникова",
                        "Октябрьский суд Тамбова отправил под стражу бывшего градоначальника на два месяца."),
        encoder.text_of("Бывший глава Тамбова Колесников отправлен в СИЗО",
                        "Экс-глава города задержан по делу о хищении, меру пресечения избрал суд."),
        encoder.text_of("В Новосибирске открыли новый зоопарк", "Первые посетители увидели белых медведей."),
    ])
    assert report @ retold > report @ other + 0.03
    assert encoder.info.dim == len(report) == 384
    assert np.linalg.norm(report) == pytest.approx(1.0, abs=1e-3)


def test_an_unknown_encoder_name_is_a_clear_error() -> None:
    assert encoder_named("none") is None
    with pytest.raises(ValueError, match="unknown story encoder 'e5-large'"):
        encoder_named("e5-large")


def test_articles_join_a_story_on_the_vectors_cosine_alone() -> None:
    index = StoryIndex(StoryConfig(event_threshold=0.9))
    first = index.assign(article("a", unit(1, 0.1)))
    second = index.assign(article("b", unit(1, 0.2)))  # cosine 0.995
    third = index.assign(article("c", unit(0.2, 1)))  # far from both
    assert second.story_id == first.story_id == "a" and second.story_similarity == pytest.approx(0.995, abs=0.01)
    assert third.new_story and third.story_id == "c"
    assert index.similarity_of(index.members[1], index.members[0]) == pytest.approx(0.995, abs=0.01)


def at_angle(degrees: float) -> np.ndarray:
    return unit(np.cos(np.radians(degrees)), np.sin(np.radians(degrees)))


def test_one_bridging_article_does_not_merge_two_events() -> None:
    """Average link: a report near the bridge alone, and far from the story's other members, stays out."""
    index = StoryIndex(StoryConfig(event_threshold=0.9))
    index.assign(article("a1", at_angle(0)))
    index.assign(article("a2", at_angle(3)))
    bridge = index.assign(article("x", at_angle(24)))  # cosines 0.91 and 0.93: joins the first event
    other = index.assign(article("b1", at_angle(48)))  # 0.91 from the bridge, 0.67 and 0.71 from the others
    assert bridge.story_id == "a1"
    assert other.new_story, "the bridge must not pull a second event's report into the first story"


def test_a_story_takes_no_member_a_window_after_its_last_one() -> None:
    index = StoryIndex(StoryConfig(event_threshold=0.9, window_hours=48))
    index.assign(article("a", unit(1, 0.1)))
    next_day = index.assign(article("b", unit(1, 0.12), at=DAY + timedelta(hours=30)))
    week_later = index.assign(article("c", unit(1, 0.11), at=DAY + timedelta(days=7)))
    assert next_day.story_id == "a"
    assert week_later.new_story, "an event is narrow: a report days after the story's last one starts a new story"


def test_without_a_vector_an_article_is_matched_by_its_words() -> None:
    index = StoryIndex(StoryConfig(event_threshold=0.9))
    words = "Пожар на складе в Тамбове потушили спасатели МЧС за три часа"
    first = index.assign(Article("a", words, words, vector=unit(1, 0)))
    plain = index.assign(Article("b", words, words))  # no vector: the lexical signals decide
    vectored = index.assign(Article("c", "Иное", "Совсем другое событие", vector=unit(0, 1)))
    assert plain.story_id == first.story_id
    assert vectored.new_story


def test_story_sums_are_reused_once_their_stories_leave_the_window() -> None:
    index = StoryIndex(StoryConfig(event_threshold=0.9, window_articles=3))
    rng = np.random.default_rng(3)
    for n in range(20):
        index.assign(article(f"n{n}", unit(*rng.normal(size=8))))
    assert index.story_vectors is not None and int(index.story_vectors.counts.sum()) == len(index) == 3
    assert index.story_vectors.size <= 4 and len(index.story_codes) <= 4


def test_a_story_sum_is_its_members_mean_and_leaves_no_trace() -> None:
    stories = StoryVectors(dim=2, initial_stories=1)
    east, north = rounded(np.array([1.0, 0.0])), rounded(np.array([0.0, 1.0]))
    stories.add(0, east, time=0.0)
    stories.add(0, north, time=10_000.0)
    stories.add(1, east, time=None)
    east_query, north_query = np.array([1.0, 0.0], dtype=np.float32), np.array([0.0, 1.0], dtype=np.float32)
    assert stories.ranked(east_query, time=5_000.0, span=8_000.0, floor=0.0) == [(1, 1.0), (0, 0.5)]
    assert stories.ranked(north_query, time=5_000.0, span=8_000.0, floor=0.4) == [(0, 0.5)]  # both members' mean
    assert stories.ranked(north_query, time=50_000.0, span=8_000.0, floor=0.0) == [(1, 0.0)], (
        "story 0's last member is too long before: only the undated story is open")
    stories.remove(0, north)
    stories.remove(0, east)
    assert stories.counts[0] == 0 and not stories.sums[0].any() and np.isnan(stories.latest[0])


def test_a_candidate_carries_its_vector_and_only_the_same_encoder_reads_it() -> None:
    encoder = Encoder()
    vector = unit(*range(1, 9))
    embedding = StoryEmbedding(encoder=encoder.info.name, encoder_version=encoder.info.version,
                               int8=quantize(np.resize(vector, 384)))
    candidate = StoryCandidate(id="0" * 20, url="https://a.ru/1", site="a.ru", body="текст", embedding=embedding)
    again = StoryCandidate.model_validate_json(candidate.model_dump_json())
    assert again.embedding is not None and again.embedding.int8 == embedding.int8
    read = core_article(again, encoder.info)
    assert read.vector is not None and len(read.vector) == 384
    other = again.model_copy(update={"embedding": embedding.model_copy(update={"encoder": "another"})})
    assert core_article(other, encoder.info).vector is None
    assert core_article(again, None).vector is None
