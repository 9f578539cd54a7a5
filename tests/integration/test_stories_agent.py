"""The stories agent on the real broker: copies and stories from crawled pages, kept across a restart."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
from pathlib import Path

from agents.common.ids import article_id
from schemas.models import ArticleStory, EnrichedArticle, Story, utc_now
from streams.codecs import encode
from streams.settings import Settings
from tests.integration.harness import ROOT, WorkerProcess, collect, produce, read_all, settings_env
from vestnik.demo.site import REPUBLISHED, DemoSite

COPIED = REPUBLISHED[0]  # RBC: a bank's bond issue, republished by another outlet
SAME_EVENT = ("01_tomsk_fire_sensors", "03_tomsk_sensors_report")  # one event told by two outlets in their words


def background(site: DemoSite, count: int) -> list[EnrichedArticle]:
    """Older news: the demo pages' own words drawn at random, so that a running agent's window is full and the
    word weights are learnt from many articles, while no older article shares a story or a phrase with a page.
    Only lower-case words: an older article naming the pages' people, places and figures would be their news."""
    words = [word for page in site.pages if page.site != "copy" for word in site.gold(page)["body"].split()
             if word.islower()]
    draw = random.Random(22).choices
    articles = []
    for n in range(count):
        url = f"https://older-news.example/{n % 7}/{n}.html"
        body = "\n\n".join(" ".join(draw(words, k=40)) + "." for _ in range(3))
        articles.append(EnrichedArticle(
            id=article_id(url), url=url, site="older-news.example", title=" ".join(draw(words, k=8)), body=body,
            cleaner_version="older", cleaned_at=utc_now(), annotator_version="older", annotated_at=utc_now()))
    return articles


def latest_stories(events: list[dict[str, object]]) -> dict[str, Story]:
    latest: dict[str, Story] = {}
    for event in events:
        story = Story.model_validate(event)
        latest[story.story_id] = story
    return latest


async def test_copies_and_stories_come_out_of_the_pipeline_and_survive_a_restart(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    site = DemoSite()
    await site.start()
    # Polled every second: the site lists the copy once the original has been read.
    # Words only (test_stories_vectors.py covers the encoder): a thousand older articles fill the window's word
    # weights, which the encoder would take minutes to embed.
    settings = kafka_settings.model_copy(update={"feed_urls": [site.feed_url], "poll_interval": 1.0,
                                                 "stories_encoder": "none"})
    ids = {(page.site, page.seed_id): article_id(site.url(page)) for page in site.pages}
    original, copy = ids[("rbc.ru", COPIED)], ids[("copy", COPIED)]
    older = background(site, 1000)
    await produce(settings, "enriched_articles", [(a.id.encode(), encode(a)) for a in older])
    try:
        worker = WorkerProcess(settings, "crawler,cleaner,annotator,stories", tmp_path).start()
        try:
            await worker.wait_ready()
            wanted = set(ids.values()) | {a.id for a in older}
            events = await collect(settings, "article_stories", lambda ev: {e["id"] for e in ev} >= wanted,
                                   timeout=240)
        finally:
            assert await asyncio.to_thread(worker.stop) == 0, worker.log()[-3000:]
    finally:
        await site.stop()
    assigned = {e["id"]: ArticleStory.model_validate(e) for e in events}
    # The site lists the copy once it has served the original, but the two pages travel the pipeline on
    # different partitions, and either may reach the stories agent first: the later one is the duplicate.
    first, second = sorted((assigned[original], assigned[copy]), key=lambda answer: answer.assigned_at)
    assert second.assigned_at > first.assigned_at
    assert second.duplicate_of == first.id and second.duplicate_similarity is not None
    assert second.duplicate_similarity >= 0.9 and second.story_id == first.story_id
    assert first.duplicate_of is None
    others = {aid: assigned[aid] for aid in ids.values() if aid not in (original, copy)}
    assert all(a.duplicate_of is None for a in others.values()), "no other page is a copy"
    # Two outlets' own reports of one event share a story; the other pages and the older news have their own.
    reports = [assigned[ids[(site_name, seed)]] for site_name, seed in (("russian.rt.com", SAME_EVENT[0]),
                                                                        ("unknown", SAME_EVENT[1]))]
    assert reports[0].story_id == reports[1].story_id
    demo_stories = {a.story_id for a in assigned.values() if a.id in ids.values()}
    assert len(demo_stories) == len(ids) - 2
    assert not demo_stories & {assigned[a.id].story_id for a in older}

    stories = latest_stories(await read_all(settings, "stories"))
    members = [aid for aid, a in assigned.items() if a.story_id == first.story_id]
    assert stories[first.story_id].members == len(members) >= 2
    assert stories[first.story_id].sites == len({assigned[aid].site for aid in members}) >= 2
    assert sum(story.members for story in stories.values()) == len(ids) + len(older)
    listed = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "vestnik.cli", "top-stories", "--window", "1h", "--limit", "3"],
        cwd=ROOT, env=settings_env(settings), capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    story = stories[first.story_id]
    assert f"{story.sites:4d} sites {story.members:5d} articles  {first.story_id}" in listed.stdout, listed.stdout

    # A new worker has no index: it rebuilds it from the topic and answers as the first one would have.
    enriched = {e["id"]: EnrichedArticle.model_validate(e) for e in await read_all(settings, "enriched_articles")}
    again_url = "https://republished.example/news/northern-credit-bonds"
    again = enriched[original].model_copy(update={"id": article_id(again_url), "url": again_url,
                                                  "site": "republished.example"})
    worker = WorkerProcess(settings, "stories", tmp_path).start()
    try:
        await worker.wait_ready()
        await produce(settings, "enriched_articles", [(again.id.encode(), encode(again))])
        later = await collect(settings, "article_stories", lambda ev: again.id in {e["id"] for e in ev})
    finally:
        assert await asyncio.to_thread(worker.stop) == 0, worker.log()[-3000:]
    answer = next(ArticleStory.model_validate(e) for e in later if e["id"] == again.id)
    assert (answer.duplicate_of, answer.story_id) == (first.id, first.story_id)
    assert "rebuilt the story index from" in worker.log()
