"""Stories on sentence vectors, on the real broker: embedded once by the workers that share story-feed,
carried on `story-candidates`, read back (not recomputed) by a standby and by a rebuild."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from agents.common.ids import article_id
from agents.stories import StoryConfig
from agents.stories.encoder import Encoder
from schemas.models import ArticleStory, EnrichedArticle, StoryCandidate, utc_now
from streams.codecs import encode
from streams.settings import Settings
from streams.topics import topic_name
from tests.conftest import free_port
from tests.integration.harness import WorkerProcess, collect, eventually, produce, read_all
from vestnik.demo.site import DemoSite

SAME_EVENT = ("01_tomsk_fire_sensors", "03_tomsk_sensors_report")  # one event told by two outlets in their words


def demo_articles(site: DemoSite) -> dict[str, EnrichedArticle]:
    """The demo pages' own articles (not the republished copy), as the annotator would emit them."""
    articles = {}
    for page in site.pages:
        if page.site == "copy":
            continue
        gold = site.gold(page)
        url = site.url(page)
        articles[page.seed_id] = EnrichedArticle(
            id=article_id(url), url=url, site=page.site, title=gold["title"], body=gold["body"],
            published_at=utc_now(), cleaner_version="test", cleaned_at=utc_now(), annotator_version="test",
            annotated_at=utc_now())
    return articles


def retelling(of: EnrichedArticle, title: str, n: int) -> EnrichedArticle:
    """A third outlet's short report of the same event: its own headline and the first two sentences."""
    url = f"https://third-outlet.example/news/{n}"
    lead = ". ".join(of.body.split(". ")[:2]) + "."
    return of.model_copy(update={"id": article_id(url), "url": url, "site": "third-outlet.example",
                                 "title": title, "body": lead, "published_at": utc_now()})


def owns(worker: WorkerProcess, owner_line: str) -> bool:
    """Whether the worker's latest assignment of the stories group gave it the partition (it may have owned
    it at first and given it up when the other worker joined)."""
    assignments = [line for line in worker.log().splitlines() if "stories: assigned" in line]
    return bool(assignments) and owner_line in assignments[-1]


def answers(events: list[dict[str, object]]) -> dict[str, ArticleStory]:
    return {str(e["id"]): ArticleStory.model_validate(e) for e in events}


async def test_vectors_travel_on_candidates_a_standby_takes_over_warm_and_a_rebuild_reads_them(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    settings = kafka_settings.model_copy(update={"session_timeout": 10.0, "stories_encoder": Encoder.name})
    articles = demo_articles(DemoSite())
    first, second = articles[SAME_EVENT[0]], articles[SAME_EVENT[1]]
    await produce(settings, "enriched_articles", [(a.id.encode(), encode(a)) for a in articles.values()])
    workers = [WorkerProcess(settings.model_copy(update={"web_port": free_port()}), "stories", tmp_path).start()
               for _ in range(2)]
    try:
        await asyncio.gather(*(worker.wait_ready() for worker in workers))
        events = await collect(settings, "article_stories",
                               lambda ev: {e["id"] for e in ev} >= {a.id for a in articles.values()}, timeout=180)
        assigned = answers(events)
        # One event's two reports share a story on their vectors (they are no copies); the others stand alone.
        story = assigned[first.id].story_id  # named after whichever report story-feed passed on first
        assert assigned[second.id].story_id == story and story in (first.id, second.id)
        joined = next(assigned[a.id] for a in (first, second) if not assigned[a.id].new_story)
        assert joined.duplicate_of is None and (joined.story_similarity or 0) >= StoryConfig().event_threshold
        assert len({a.story_id for a in assigned.values()}) == len(articles) - 1
        candidates = [StoryCandidate.model_validate(e) for e in await read_all(settings, "story_candidates")]
        assert {c.id for c in candidates} == {a.id for a in articles.values()}
        for candidate in candidates:
            assert candidate.embedding is not None and len(candidate.embedding.int8) == 384
            assert candidate.embedding.encoder == Encoder.name
        feed = topic_name(settings, "enriched_articles")
        # The first worker may have passed every article on before the second joined the group: wait for it.
        await eventually(lambda: all(f"story-feed: assigned {feed}[" in worker.log() for worker in workers), 60,
                         "both share story-feed")

        owner_line = f"stories: assigned {topic_name(settings, 'story_candidates')}[0]"
        await eventually(lambda: all("stories: assigned" in worker.log() for worker in workers), 60,
                         "both workers in the stories group")
        active = next(worker for worker in workers if owns(worker, owner_line))
        standby = next(worker for worker in workers if worker is not active)
        assert "stories: standby, following the topic" in standby.log(), standby.log()[-3000:]

        await asyncio.to_thread(active.kill)
        killed = time.monotonic()
        third = retelling(first, "В Томске вокзал оснастили датчиками пожара", 1)
        await produce(settings, "enriched_articles", [(third.id.encode(), encode(third))])
        later = await collect(settings, "article_stories", lambda ev: third.id in {e["id"] for e in ev}, timeout=120)
        pause = time.monotonic() - killed
        answer = answers(later)[third.id]
        assert (answer.story_id, answer.duplicate_of) == (story, None)
        assert owner_line in standby.log() and "stories: the story index is up to date" in standby.log(), (
            standby.log()[-3000:])
        print(f"standby took over {pause:.1f}s after the active stories worker was killed "
              f"(session timeout {settings.session_timeout:.0f}s)")
    finally:
        for worker in workers:
            await asyncio.to_thread(worker.stop)

    # A worker with an empty index rebuilds it from the topic: the vectors come with the candidates.
    fourth = retelling(second, "Датчики пожара установили на томском вокзале", 2)
    rebuilt = WorkerProcess(settings, "stories", tmp_path).start()
    try:
        await rebuilt.wait_ready()
        await produce(settings, "enriched_articles", [(fourth.id.encode(), encode(fourth))])
        latest = await collect(settings, "article_stories", lambda ev: fourth.id in {e["id"] for e in ev},
                               timeout=120)
    finally:
        assert await asyncio.to_thread(rebuilt.stop) == 0, rebuilt.log()[-3000:]
    assert answers(latest)[fourth.id].story_id == story
    count = len(articles) + 1
    assert f"rebuilt the story index from {count} articles ({count} with their vectors)" in rebuilt.log(), (
        rebuilt.log()[-3000:])
