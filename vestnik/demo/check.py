"""The demo checks itself: what the pipeline made of each demo page, printed as it arrives.

While `vestnik run --demo` runs, a consumer in a thread of its own reads the enriched articles and the story
assignments from the start of their topics (so a second run shows what the first one made) and prints one
line per demo article: its title, how many entities the annotator found, and whether the body matches the
page's gold. Each republished copy gets a line with the article it duplicates and their story. Once every demo
article is in, it says where to look next.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from agents.common.ids import article_id
from schemas.models import ArticleStory, EnrichedArticle
from streams.kafka import client_options
from streams.settings import Settings
from streams.topics import topic_name
from vestnik.demo.site import DemoPage, DemoSite
from vestnik.evaluation.cleaner import prf

MATCHING_F1 = 0.95
"""A body this close to the gold, by the corpus's token F1, matches the page."""


def _stderr(line: str) -> None:
    """The process's own stderr: the worker turns `sys.stderr` into a logger of warnings."""
    print(line, file=sys.__stderr__, flush=True)


@dataclass
class _Seen:
    page: DemoPage
    article: EnrichedArticle | None = None
    story: ArticleStory | None = None


async def _led_partitions(settings: Settings, topics: list[str]) -> list[TopicPartition]:
    """Every partition of `topics` if each has a leader to ask for offsets, else none."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        described = [topic for topic in await admin.describe_topics() if topic["topic"] in topics]
    finally:
        await admin.close()
    partitions = [(topic["topic"], p) for topic in described for p in topic["partitions"]]
    if len(described) < len(topics) or any(p["error_code"] or p["leader"] < 0 for _, p in partitions):
        return []
    return [TopicPartition(name, p["partition"]) for name, p in partitions]


class DemoCheck:
    """Follows the `enriched-articles` and `article-stories` topics for the pages of `site`."""

    def __init__(self, site: DemoSite, settings: Settings, *, stories: bool = True,
                 out: Callable[[str], None] = _stderr) -> None:
        """`stories`: whether the stories agent runs, so that the check waits for story assignments too."""
        self.site, self.settings, self.stories, self.out = site, settings, stories, out
        self.seen = {article_id(site.url(page)): _Seen(page) for page in site.pages if page.site != "real"}
        self.enriched_topic = topic_name(settings, "enriched_articles")
        self.topics = [self.enriched_topic] + ([topic_name(settings, "article_stories")] if stories else [])
        self.started, self.since = time.monotonic(), datetime.now(UTC)  # made once the broker is up
        self.finished = False
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # --- what is printed ---------------------------------------------------------------------------------

    def _name(self, page: DemoPage) -> str:
        return f"{page.seed_id} ({page.site})"

    def _on_article(self, seen: _Seen, article: EnrichedArticle) -> None:
        first = seen.article is None
        seen.article = article
        if not first:
            return
        f1 = prf(article.body, self.site.gold(seen.page)["body"])[2]
        verdict = "matches the page" if f1 >= MATCHING_F1 else "differs from the page"
        count = sum(1 for s in self.seen.values() if s.article is not None)
        earlier = " (in an earlier run)" if article.annotated_at < self.since else ""
        self.out(f"demo: [{count}/{len(self.seen)}] enriched{earlier} {self._name(seen.page)}: "
                 f"«{article.title or '(no title)'}» — {len(article.entities)} entities, body {verdict} (F1 {f1:.2f})")

    def _on_story(self, seen: _Seen, story: ArticleStory) -> None:
        first = seen.story is None
        seen.story = story
        if first and story.duplicate_of is not None:
            original = self.seen.get(story.duplicate_of)
            of = self._name(original.page) if original else "an article from before the demo"
            self.out(f"demo: {self._name(seen.page)} at {seen.page.path} is a duplicate_of {story.duplicate_of}"
                     f" = {of} (similarity {story.duplicate_similarity or 0:.2f}), story {story.story_id}")

    def _complete(self) -> bool:
        return all(s.article is not None and (s.story is not None or not self.stories) for s in self.seen.values())

    def _finish(self) -> None:
        if self.stories:
            copied = {s.page.seed_id for s in self.seen.values() if s.story is not None and s.story.duplicate_of}
            for seen in self.seen.values():
                if seen.page.site == "copy" and seen.page.seed_id not in copied:
                    self.out(f"demo: the copy at {seen.page.path} was not found to be a duplicate of its original")
            members: dict[str, list[_Seen]] = {}
            for seen in self.seen.values():
                assert seen.story is not None
                members.setdefault(seen.story.story_id, []).append(seen)
            for story_id, together in members.items():
                if len(together) > 1:
                    sites = {s.story.site for s in together if s.story is not None}
                    self.out(f"demo: story {story_id}: {len(together)} articles from {len(sites)} sites: "
                             + ", ".join(self._name(s.page) for s in together))
        vestnik = sys.argv[0] if Path(sys.argv[0]).name == "vestnik" else "vestnik"
        web = f"http://{self.settings.web_host}:{self.settings.web_port}"
        steps = {
            f"{vestnik} tail enriched-articles --limit {len(self.seen)}": "the enriched events, pretty-printed",
            f"{vestnik} tail article-stories --timeout 5": "each article's story and duplicate_of",
            f"{vestnik} top-stories --window 24h": "the stories, most outlets first",
            f"curl {web}/health": "the worker's health",
            f"curl {web}/metrics": "its metrics",
        }
        width = max(map(len, steps))
        self.out("\n".join([
            f"demo: all {len(self.seen)} demo articles are in, {time.monotonic() - self.started:.0f} s after the broker"
            " was up. Next, in another terminal:",
            *(f"  {command:{width}}  # {what}" for command, what in steps.items()),
            "Ctrl-C here stops the worker, the demo site and the embedded broker.",
        ]))

    # --- reading -----------------------------------------------------------------------------------------

    def handle(self, topic: str, value: bytes | None) -> None:
        """One event of a topic the check follows: reported if it is about a demo page, else let by."""
        try:
            if topic == self.enriched_topic:
                article = EnrichedArticle.model_validate_json(value or b"")
                if (seen := self.seen.get(article.id)) is not None:
                    self._on_article(seen, article)
            else:
                story = ArticleStory.model_validate_json(value or b"")
                if (seen := self.seen.get(story.id)) is not None:
                    self._on_story(seen, story)
        except ValidationError:
            return
        if not self.finished and self._complete():
            self.finished = True
            self._finish()

    async def _partitions(self, stop: asyncio.Event) -> list[TopicPartition]:
        """The partitions of the topics, once the worker has created them."""
        while not stop.is_set():
            with contextlib.suppress(KafkaError, OSError):
                if found := await _led_partitions(self.settings, self.topics):
                    return found
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
        return []

    async def run(self, stop: asyncio.Event) -> None:
        """Read and report until `stop` is set."""
        partitions = await self._partitions(stop)
        if not partitions:
            return
        largest = self.settings.max_message_bytes
        consumer = AIOKafkaConsumer(**client_options(self.settings), group_id=None, enable_auto_commit=False,
                                    auto_offset_reset="earliest", max_partition_fetch_bytes=largest,
                                    fetch_max_bytes=largest * 2)
        try:
            await consumer.start()
            consumer.assign(partitions)
            for partition in partitions:  # from the first offset, or the oldest kept if the log was trimmed
                consumer.seek(partition, 0)
            while not stop.is_set():
                for tp, messages in (await consumer.getmany(timeout_ms=500)).items():
                    for message in messages:
                        self.handle(tp.topic, message.value)
        finally:
            await consumer.stop()

    # --- life cycle --------------------------------------------------------------------------------------

    def start_in_thread(self) -> None:
        """Report from a daemon thread with its own event loop, beside a worker that owns the main one."""
        loop = self._loop = asyncio.new_event_loop()
        stop = self._stop = asyncio.Event()

        def work() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.run(stop))
            except (KafkaError, OSError) as exc:
                self.out(f"demo: the check stopped reading: {exc!r}")
            finally:
                loop.close()

        self._thread = threading.Thread(target=work, name="demo-check", daemon=True)
        self._thread.start()

    def stop_thread(self) -> None:
        if self._loop is None or self._thread is None or self._stop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed already: the reading had failed
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)
        self._thread = self._loop = self._stop = None
