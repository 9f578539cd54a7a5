"""The stories agent on the real broker: copies and stories from crawled pages, kept across a restart."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from agents.common.ids import article_id
from demo.site import DemoSite
from schemas.models import ArticleStory, EnrichedArticle, Story, utc_now
from streams.codecs import encode
from streams.settings import Settings
from tests.integration.harness import ROOT, WorkerProcess, collect, produce, read_all, settings_env

COPIED = "003_9151646f9f591ce6"  # RBC: Lavrov on the Putin-Trump phone call, republished by another outlet


def background(corpus_dir: Path, count: int) -> list[EnrichedArticle]:
    """Older news from the shared same-story corpus: a running agent's window is full, and word weights
    learnt from six pages alone would mean little."""
    articles = []
    with gzip.open(corpus_dir / "stories" / "articles.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in itertools.islice(lines, count):
            record = json.loads(line)
            articles.append(EnrichedArticle(
                id=article_id(record["url"]), url=record["url"], site=urlsplit(record["url"]).netloc,
                title=record["title"], body=record["text"], cleaner_version="corpus", cleaned_at=utc_now(),
                annotator_version="corpus", annotated_at=utc_now()))
    return articles


def latest_stories(events: list[dict[str, object]]) -> dict[str, Story]:
    latest: dict[str, Story] = {}
    for event in events:
        story = Story.model_validate(event)
        latest[story.story_id] = story
    return latest


async def test_copies_and_stories_come_out_of_the_pipeline_and_survive_a_restart(
    kafka_settings: Settings, corpus_dir: Path, tmp_path: Path
) -> None:
    site = DemoSite(corpus_dir, copies=[COPIED])
    await site.start()
    settings = kafka_settings.model_copy(update={"feed_urls": [site.feed_url], "poll_interval": 3600.0})
    ids = {(page.site, page.seed_id): article_id(site.url(page)) for page in site.pages}
    original, copy = ids[("rbc.ru", COPIED)], ids[("copy", COPIED)]
    older = background(corpus_dir, 1500)
    await produce(settings, "enriched_articles", [(a.id.encode(), encode(a)) for a in older])
    try:
        worker = WorkerProcess(settings, "crawler,cleaner,annotator,stories", tmp_path).start()
        try:
            await worker.wait_ready()
            wanted = set(ids.values()) | {a.id for a in older}
            events = await collect(settings, "article_stories", lambda ev: {e["id"] for e in ev} >= wanted,
                                   timeout=240)
        finally:
            assert worker.stop() == 0, worker.log()[-3000:]
    finally:
        await site.stop()
    assigned = {e["id"]: ArticleStory.model_validate(e) for e in events}
    first, second = sorted([assigned[original], assigned[copy]], key=lambda a: a.assigned_at)
    # The copy is the later of the two, whichever page the crawler fetched first.
    assert second.duplicate_of == first.id and second.duplicate_similarity is not None
    assert second.duplicate_similarity >= 0.9 and second.story_id == first.story_id
    assert first.duplicate_of is None
    others = {aid: assigned[aid] for aid in ids.values() if aid not in (original, copy)}
    assert all(a.duplicate_of is None for a in others.values()), "no other page is a copy"

    stories = latest_stories(await read_all(settings, "stories"))
    members = [aid for aid, a in assigned.items() if a.story_id == first.story_id]
    assert stories[first.story_id].members == len(members) >= 2
    assert stories[first.story_id].sites == len({assigned[aid].site for aid in members}) >= 2
    assert sum(story.members for story in stories.values()) == len(ids) + len(older)
    listed = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "streams.cli", "top-stories", "--window", "1h", "--limit", "3"],
        cwd=ROOT, env=settings_env(settings), capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    story = stories[first.story_id]
    assert f"{story.sites:4d} sites {story.members:5d} articles  {first.story_id}" in listed.stdout, listed.stdout

    # A new worker has no index: it rebuilds it from the topic and answers as the first one would have.
    enriched = {e["id"]: EnrichedArticle.model_validate(e) for e in await read_all(settings, "enriched_articles")}
    again_url = "https://republished.example/news/lavrov-putin-trump"
    again = enriched[original].model_copy(update={"id": article_id(again_url), "url": again_url,
                                                  "site": "republished.example"})
    worker = WorkerProcess(settings, "stories", tmp_path).start()
    try:
        await worker.wait_ready()
        await produce(settings, "enriched_articles", [(again.id.encode(), encode(again))])
        later = await collect(settings, "article_stories", lambda ev: again.id in {e["id"] for e in ev})
    finally:
        assert worker.stop() == 0, worker.log()[-3000:]
    answer = next(ArticleStory.model_validate(e) for e in later if e["id"] == again.id)
    assert (answer.duplicate_of, answer.story_id) == (first.id, first.story_id)
    assert "rebuilt the story index from" in worker.log()
