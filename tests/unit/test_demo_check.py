"""What the demo's self-check says for the events it reads (no Kafka: events handed to it as the consumer would)."""

from __future__ import annotations

from datetime import timedelta

from agents.common.ids import article_id
from schemas.models import ArticleStory, EnrichedArticle, Entity, utc_now
from streams.codecs import encode
from streams.settings import Settings
from vestnik.demo.check import DemoCheck
from vestnik.demo.site import DemoPage, DemoSite

SETTINGS = Settings(topic_prefix="check.", web_host="127.0.0.1", web_port=6099)


def site() -> DemoSite:
    demo = DemoSite()
    demo.base_url = "http://127.0.0.1:8088"
    return demo


def enriched(demo: DemoSite, page: DemoPage, body: str | None = None, earlier: bool = False) -> bytes:
    url, when = demo.url(page), utc_now() - timedelta(days=1 if earlier else 0)
    return encode(EnrichedArticle(
        id=article_id(url), url=url, site=page.site, title=page.title, body=body or demo.gold(page)["body"],
        cleaner_version="t", cleaned_at=when, annotator_version="t", annotated_at=when,
        entities=[Entity(type="PER", name="Андрей Селезнев", count=1, first_offset=0, salience=1.0)]))


def assigned(demo: DemoSite, page: DemoPage, story: DemoPage, copy_of: DemoPage | None = None) -> bytes:
    url = demo.url(page)
    return encode(ArticleStory(
        id=article_id(url), story_id=article_id(demo.url(story)), new_story=page == story, url=url, site=page.site,
        duplicate_of=article_id(demo.url(copy_of)) if copy_of else None, duplicate_similarity=1.0 if copy_of else None,
        stories_version="t", assigned_at=utc_now()))


def test_each_article_once_then_the_copy_the_shared_stories_and_what_to_do_next() -> None:
    demo, lines = site(), []
    check = DemoCheck(demo, SETTINGS, out=lines.append)
    pages = {(p.seed_id[:2], p.site): p for p in demo.pages}
    rbc, copy = pages[("02", "rbc.ru")], pages[("02", "copy")]
    tomsk, report = pages[("01", "russian.rt.com")], pages[("03", "unknown")]
    for page in demo.pages:
        check.handle("check.enriched-articles", enriched(demo, page))
    check.handle("check.enriched-articles", enriched(demo, rbc))  # redelivered: said once
    assert len(lines) == len(demo.pages) == 6
    assert lines[0] == (f"demo: [1/6] enriched {tomsk.seed_id} (russian.rt.com): «{tomsk.title}» — 1 entities, "
                        "body matches the page (F1 1.00)")
    for page in demo.pages:
        story = {copy.path: rbc, report.path: tomsk}.get(page.path, page)
        check.handle("check.article-stories", assigned(demo, page, story, rbc if page == copy else None))
    rbc_id = article_id(demo.url(rbc))
    assert lines[6] == (f"demo: {copy.seed_id} (copy) at {copy.path} is a duplicate_of {rbc_id} = {rbc.seed_id} "
                        f"(rbc.ru) (similarity 1.00), story {rbc_id}")
    shared = [line for line in lines if line.startswith("demo: story ")]
    assert shared == [
        f"demo: story {article_id(demo.url(tomsk))}: 2 articles from 2 sites: {tomsk.seed_id} (russian.rt.com), "
        f"{report.seed_id} (unknown)",
        f"demo: story {rbc_id}: 2 articles from 2 sites: {rbc.seed_id} (rbc.ru), {copy.seed_id} (copy)"]
    assert lines[-1].startswith("demo: all 6 demo articles are in") and len(lines) == 10
    for step in ("vestnik tail enriched-articles --limit 6", "vestnik tail article-stories --timeout 5",
                 "curl http://127.0.0.1:6099/health", "curl http://127.0.0.1:6099/metrics", "Ctrl-C"):
        assert step in lines[-1]


def test_a_body_off_the_gold_an_earlier_run_and_a_missed_copy_are_said_so() -> None:
    demo, lines = site(), []
    check = DemoCheck(demo, SETTINGS, out=lines.append)
    first, *rest = demo.pages
    check.handle("check.enriched-articles", enriched(demo, first, body="Курс евро", earlier=True))
    assert "enriched (in an earlier run) 01_tomsk_fire_sensors" in lines[0]
    assert lines[0].endswith("body differs from the page (F1 0.00)")
    for page in rest:
        check.handle("check.enriched-articles", enriched(demo, page))
    for page in demo.pages:
        check.handle("check.article-stories", assigned(demo, page, page))
    copy = next(p for p in demo.pages if p.site == "copy")
    assert f"demo: the copy at {copy.path} was not found to be a duplicate of its original" in lines
    assert not [line for line in lines if " is a duplicate_of " in line or line.startswith("demo: story ")]


def test_without_the_stories_agent_the_articles_alone_complete_the_demo() -> None:
    demo, lines = site(), []
    check = DemoCheck(demo, SETTINGS, stories=False, out=lines.append)
    assert check.topics == ["check.enriched-articles"]
    for page in demo.pages:
        check.handle("check.enriched-articles", enriched(demo, page))
    assert lines[-1].startswith("demo: all 6 demo articles are in")
    check.handle("check.enriched-articles", b"{not an article}")  # skipped, not fatal
    assert len(lines) == 7
