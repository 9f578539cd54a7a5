"""The dashboard's board: the CLI's figures below its caps, and bounded above them."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from schemas.models import ArticleStory, DeadLetter, Story
from vestnik.dashboard.board import DeadLetterBoard, EntityHours, StoryBoard, Throughput
from vestnik.dashboard.charts import Sparkline
from vestnik.ops.dlq import unique
from vestnik.ops.top_stories import top

NOW = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)


def aid(name: str) -> str:
    """An article id (20 hex digits) standing for `name`."""
    return hashlib.sha1(name.encode()).hexdigest()[:20]


def story(n: int, sites: int, members: int, minutes_ago: float) -> Story:
    return Story(story_id=f"s{n}", title=f"Сюжет {n}", first_article_id=aid(f"a{n}"), last_article_id=aid(f"a{n}"),
                 members=members, sites=sites, updated_at=NOW - timedelta(minutes=minutes_ago))


def assignment(article: str, story_id: str, minutes_ago: float, copy_of: str | None = None) -> ArticleStory:
    at = NOW - timedelta(minutes=minutes_ago)
    return ArticleStory(id=aid(article), story_id=story_id, new_story=False, url=f"https://x.ru/{article}",
                        site="x.ru", published_at=at, duplicate_of=copy_of and aid(copy_of), stories_version="v",
                        assigned_at=at)


def letter(offset: int, reason: str, minutes_ago: float) -> DeadLetter:
    return DeadLetter(agent="cleaner", reason=reason, error_type="DecodeError", source_topic="t.raw-pages",
                      partition=0, offset=offset, failed_at=NOW - timedelta(minutes=minutes_ago), value_size=3)


def test_top_stories_are_those_top_stories_prints_with_the_latest_summary_of_each() -> None:
    board = StoryBoard()
    summaries = [story(n, sites=n % 4, members=n, minutes_ago=n * 30) for n in range(1, 80)]
    for summary in summaries:
        board.add_story(summary)
    board.add_story(story(3, sites=9, members=40, minutes_ago=1))  # a later summary replaces the earlier
    latest = {s.story_id: s for s in [*summaries, story(3, sites=9, members=40, minutes_ago=1)]}
    expected = top(list(latest.values()), timedelta(hours=24), 10, NOW)
    assert board.top(timedelta(hours=24), 10, NOW) == expected
    assert board.top(timedelta(hours=24), 10, NOW)[0].story_id == "s3"


def test_the_story_board_keeps_its_caps_dropping_the_least_recently_updated() -> None:
    board = StoryBoard(max_stories=50, max_articles=20)
    for n in range(200):
        board.add_story(story(n, 1, 1, minutes_ago=200 - n))
        for k in range(8):
            board.add_article(assignment(f"a{n}-{k}", f"s{n}", minutes_ago=200 - n))
            board.add_title(aid(f"a{n}-{k}"), f"t{n}-{k}")
    assert len(board) == 50
    assert board.story("s0") is None and board.story("s199") is not None
    assert {a.id for a in board.articles("s199")} == {aid(f"a199-{k}") for k in range(8)}
    assert {a.title for a in board.articles("s199")} == {f"t199-{k}" for k in range(8)}
    assert len(board.articles("s198")) == 8 and len(board.articles("s197")) == 4  # 20 articles in all
    assert board.articles("s0") == []
    assert len(board._articles) == 20 and len(board._titles) == 20


def test_a_storys_articles_come_in_time_order_with_titles_and_copies_marked() -> None:
    board = StoryBoard()
    board.add_article(assignment("late", "s1", minutes_ago=1, copy_of="early"))
    board.add_article(assignment("early", "s1", minutes_ago=50))
    board.add_title(aid("early"), "Первая новость")
    rows = board.articles("s1")
    assert [(r.id, r.title, r.duplicate_of) for r in rows] == [(aid("early"), "Первая новость", None),
                                                              (aid("late"), None, aid("early"))]


def test_entity_hours_count_each_hour_and_forget_the_least_mentioned_past_the_cap() -> None:
    hours = EntityHours(hours=4, max_entities=10)
    for minutes in (0, 5, 70, 130, 300):  # the last is out of a 4-hour span
        hours.add("PER:Иван Петров", NOW - timedelta(minutes=minutes))
    assert hours.series("PER:Иван Петров", NOW) == [0, 1, 1, 2]  # hours 09:00 .. 12:00
    for n in range(30):
        hours.add(f"LOC:Город {n}", NOW)
    assert len(hours) <= 10
    assert hours.series("PER:Иван Петров", NOW) == [0, 1, 1, 2]  # the most mentioned stays


def test_dead_letters_are_counted_once_per_origin_as_dlq_list_counts_them() -> None:
    letters = [letter(1, "not JSON", 30), letter(2, "not JSON", 20), letter(1, "not JSON", 10),
               letter(3, "empty message", 5)]
    board = DeadLetterBoard()
    for item in letters:
        board.add(item)
    assert board.total == len(unique(letters)) == 3
    assert board.by_reason() == [("DecodeError: not JSON", 2), ("DecodeError: empty message", 1)]
    assert [row.origin for row in board.latest(2)] == ["t.raw-pages[0]@3", "t.raw-pages[0]@1"]


def test_the_dead_letter_board_is_bounded() -> None:
    board = DeadLetterBoard(max_letters=100)
    for n in range(1000):
        board.add(letter(n, "x", 1000 - n))
    assert board.total == 100
    assert board.latest(1)[0].origin == "t.raw-pages[0]@999"


def test_throughput_is_per_minute_over_the_kept_samples() -> None:
    flow = Throughput(samples=3)
    flow.add("cleaner:in", 0.0, 0)
    assert flow.per_minute("cleaner:in") is None
    for at, count in ((10.0, 5), (20.0, 10), (30.0, 30)):
        flow.add("cleaner:in", at, count)
    assert flow.per_minute("cleaner:in") == (30 - 5) / 20 * 60


def test_a_sparkline_spans_its_box_with_the_peak_on_top() -> None:
    line = Sparkline([0, 2, 4], width=100, height=20)
    points = [tuple(map(float, p.split(","))) for p in line.points.split()]
    assert [x for x, _ in points] == [0.0, 50.0, 100.0]
    assert points[2][1] == 2.0 and points[0][1] == 18.0
    assert Sparkline([0, 0]).points == "0.0,22.0 120.0,22.0"
