from __future__ import annotations

import pytest

from agents.common.ids import article_id, canonical_url
from streams.settings import Settings
from streams.topics import TOPICS, resolve, topic_name


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://Russian.RT.com/world/news/1-putin#comments", "https://russian.rt.com/world/news/1-putin"),
        ("https://www.rbc.ru/politics/1/?utm_source=tg&utm_medium=x&from=feed",
         "https://www.rbc.ru/politics/1/?from=feed"),
        ("https://ria.ru/1.html?b=2&a=1&yclid=9", "https://ria.ru/1.html?a=1&b=2"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_one_article_is_one_id_whatever_the_tracking() -> None:
    base = article_id("https://tass.ru/politika/123")
    assert article_id("HTTPS://TASS.ru/politika/123?utm_campaign=x#top") == base
    assert article_id("https://tass.ru/politika/124") != base
    assert len(base) == 20 and int(base, 16) >= 0


def test_topic_names_follow_the_prefix_and_resolve_by_any_name() -> None:
    settings = Settings(topic_prefix="prod.")
    assert topic_name(settings, "raw_pages") == "prod.raw-pages"
    for key, spec in TOPICS.items():
        full = topic_name(settings, key)
        assert resolve(settings, key)[0] == resolve(settings, spec.suffix)[0] == resolve(settings, full)[0] == full
    with pytest.raises(KeyError, match="unknown topic"):
        resolve(settings, "nope")


def test_topic_policies() -> None:
    settings = Settings(max_message_bytes=9 * 1024 * 1024)
    assert TOPICS["enriched_articles"].configs(settings)["cleanup.policy"] == "compact"
    assert TOPICS["raw_pages"].configs(settings)["max.message.bytes"] == str(9 * 1024 * 1024)
    assert TOPICS["dead_letters"].configs(settings)["cleanup.policy"] == "delete"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VESTNIK_BOOTSTRAP_SERVERS", "k1:9092, k2:9092")
    monkeypatch.setenv("VESTNIK_TOPIC_PARTITIONS", "12")
    monkeypatch.setenv("VESTNIK_FEED_URLS", '["http://127.0.0.1:1/rss.xml"]')
    settings = Settings()
    assert settings.servers == ["k1:9092", "k2:9092"] and not settings.embedded
    assert settings.topic_partitions == 12
    assert settings.feed_urls == ["http://127.0.0.1:1/rss.xml"]
    monkeypatch.delenv("VESTNIK_BOOTSTRAP_SERVERS")
    assert Settings().embedded and Settings().servers == ["127.0.0.1:19092"]


def test_a_page_cap_that_cannot_fit_in_a_message_is_refused() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="does not fit"):
        Settings(max_page_bytes=8 * 1024 * 1024, max_message_bytes=8 * 1024 * 1024)
    assert Settings(max_page_bytes=5 * 1024 * 1024).max_message_bytes >= 5 * 1024 * 1024 * 4 // 3


def test_readme_documents_every_setting() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert [name for name in Settings.model_fields if f"VESTNIK_{name.upper()}" not in readme] == []
