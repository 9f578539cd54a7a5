"""Crawl state: when a URL is due, when its state expires, and that expiry never comes before it is due."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from agents.crawler.state import CrawlState, expired, longest_wait
from streams.settings import Settings
from vestnik.ops.crawl_once import _load_states

DAY = 24 * 3600.0
NOW = 1_800_000_000.0


def test_only_states_last_fetched_a_ttl_ago_or_more_expire() -> None:
    states = [
        ("https://a.example/old", CrawlState(last_fetch=NOW - 31 * DAY).dump()),
        ("https://a.example/exactly-ttl", CrawlState(last_fetch=NOW - 30 * DAY).dump()),
        ("https://a.example/failing", CrawlState(last_fetch=NOW - 40 * DAY, failures=7).dump()),
        ("https://a.example/recent", CrawlState(last_fetch=NOW - 29 * DAY, etag='"x"').dump()),
        ("https://a.example/just-fetched", CrawlState(last_fetch=NOW).dump()),
    ]
    assert expired(states, NOW, 30 * DAY) == [
        "https://a.example/old", "https://a.example/exactly-ttl", "https://a.example/failing",
    ]
    assert expired([], NOW, 30 * DAY) == []


def test_a_forgotten_url_is_new_and_an_expired_one_is_due() -> None:
    settings = Settings()
    for missing in (None, {}):
        state = CrawlState.load(missing)
        assert state == CrawlState() and state.due(NOW, settings.refetch_after, settings.failure_backoff)
    # Between its expiry and the next pruning a state is still read: it must be due already.
    longest = CrawlState(last_fetch=NOW - settings.crawl_state_ttl, failures=50)
    assert longest.due(NOW, settings.refetch_after, settings.failure_backoff)
    assert not longest.updated(last_fetch=NOW - DAY).due(NOW, settings.refetch_after, settings.failure_backoff)


def test_the_longest_wait_is_the_refetch_interval_or_the_capped_backoff() -> None:
    assert longest_wait(6 * 3600.0, 600.0) == 600.0 * 1024
    assert longest_wait(10 * DAY, 600.0) == 10 * DAY
    never_due_before = CrawlState(last_fetch=NOW, failures=99)
    assert not never_due_before.due(NOW + 600.0 * 1024 - 1, 0.0, 600.0)
    assert never_due_before.due(NOW + 600.0 * 1024, 0.0, 600.0)


def test_the_ttl_must_outlast_the_longest_wait() -> None:
    assert Settings().crawl_state_ttl == 30 * DAY > longest_wait(Settings().refetch_after, Settings().failure_backoff)
    with pytest.raises(ValidationError, match="crawl_state_ttl"):
        Settings(crawl_state_ttl=DAY)  # shorter than 600 s doubled ten times
    with pytest.raises(ValidationError, match="crawl_state_ttl"):
        Settings(refetch_after=30 * DAY)
    assert Settings(refetch_after=0.0, failure_backoff=0.0, crawl_state_ttl=2.0).crawl_state_ttl == 2.0


@pytest.mark.parametrize(("refetch_after", "failure_backoff"), [(6 * 3600.0, 600.0), (10 * DAY, 600.0), (60.0, 1.0)])
def test_settings_bound_the_ttl_by_the_crawlers_own_longest_wait(refetch_after: float, failure_backoff: float) -> None:
    wait = longest_wait(refetch_after, failure_backoff)
    Settings(refetch_after=refetch_after, failure_backoff=failure_backoff, crawl_state_ttl=wait + 1)
    with pytest.raises(ValueError, match="longest wait"):
        Settings(refetch_after=refetch_after, failure_backoff=failure_backoff, crawl_state_ttl=wait)


def test_crawl_once_forgets_saved_state_as_the_worker_does(tmp_path: Path) -> None:
    now = time.time()
    path = tmp_path / "state.json"
    saved = {"https://a.ru/1": {"last_fetch": now - 10}, "https://a.ru/2": {"last_fetch": now - 500}}
    path.write_text(json.dumps(saved))
    assert set(_load_states(path, ttl=100)) == {"https://a.ru/1"}
    assert _load_states(tmp_path / "none.json", ttl=100) == {}
