"""The faust topics a worker creates before faust joins: named and configured as faust would declare them."""

from __future__ import annotations

from pathlib import Path

from streams.app import build_app
from streams.kafka import faust_topics
from streams.settings import Settings


def test_the_annotators_marks_have_their_changelog_declared_and_the_crawler_keeps_no_faust_table(
    tmp_path: Path
) -> None:
    settings = Settings(app_id="t", topic_partitions=6, entity_window=60.0, entity_windows_kept=3,
                        web_enabled=False, cache_dir=tmp_path)
    app = build_app(settings, ["crawler", "annotator"])
    topics = {topic.name: topic for topic in faust_topics(settings, app)}
    leader = topics.pop(f"{app.conf.id}-__assignor-__leader")  # faust declares nothing itself
    assert leader.num_partitions == 1

    marks = topics[f"{app.conf.id}-entity-articles-changelog"]
    assert marks.num_partitions == 6  # co-partitioned with entity-mentions, or faust refuses the table
    assert marks.topic_configs["cleanup.policy"] == "compact,delete"  # a windowed table expires
    assert marks.topic_configs["retention.ms"] == str(180 * 1000)
    assert len(topics) == len(app.tables) == 1  # the crawl state is a registry topic, `crawl-state`
