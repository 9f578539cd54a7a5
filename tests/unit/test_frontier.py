"""The quiet frontier: URLs queued lately are not queued again until they may be due."""

from __future__ import annotations

from agents.crawler.frontier import RecentlyQueued


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_unchanged_feed_queues_nothing_until_its_urls_may_be_due() -> None:
    clock = Clock()
    queued = RecentlyQueued(max_urls=100, ttl=3600, timer=clock)
    feed = ["https://a.ru/1", "https://a.ru/2", "https://a.ru/1"]
    assert queued.new(feed) == ["https://a.ru/1", "https://a.ru/2"]
    queued.mark(["https://a.ru/1", "https://a.ru/2"])
    assert queued.new(feed) == []
    assert queued.new([*feed, "https://a.ru/3"]) == ["https://a.ru/3"]
    clock.now = 3601
    assert queued.new(feed) == ["https://a.ru/1", "https://a.ru/2"]


def test_unpublished_urls_are_not_remembered_and_memory_is_bounded() -> None:
    queued = RecentlyQueued(max_urls=2, ttl=3600, timer=Clock())
    assert queued.new(["https://a.ru/1"]) == ["https://a.ru/1"]
    assert queued.new(["https://a.ru/1"]) == ["https://a.ru/1"], "not marked: the publish may have failed"
    queued.mark(["https://a.ru/1", "https://a.ru/2", "https://a.ru/3"])
    assert len(queued.new([f"https://a.ru/{n}" for n in (1, 2, 3)])) == 1  # the oldest was dropped


def test_refetch_after_zero_remembers_nothing() -> None:
    queued = RecentlyQueued(max_urls=10, ttl=0, timer=Clock())
    queued.mark(["https://a.ru/1"])
    assert queued.new(["https://a.ru/1"]) == ["https://a.ru/1"]


def test_marks_read_back_with_their_times_expire_from_those_times() -> None:
    clock = Clock()
    clock.now = 10_000.0
    queued = RecentlyQueued(max_urls=10, ttl=3600, timer=clock)
    queued.mark(["https://a.ru/old"], at=clock.now - 4000)  # queued before the interval: due again
    queued.mark(["https://a.ru/recent"], at=clock.now - 600)
    queued.mark(["https://a.ru/recent"], at=clock.now - 3000)  # an older request does not shorten the mark
    assert queued.new(["https://a.ru/old", "https://a.ru/recent"]) == ["https://a.ru/old"]
    assert len(queued) == 1
    clock.now += 3000
    assert queued.new(["https://a.ru/recent"]) == ["https://a.ru/recent"]
