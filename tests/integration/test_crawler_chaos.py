"""The crawler under kills on the real broker, a smaller run of `python -m vestnik.benchmarks.crawl_chaos`.

Two crawler workers under a restarting supervisor crawl a local site of three
hosts sharing two frontier partitions; a worker's process group is SIGKILLed
at random, then just after the group settles. Every page must be published;
no page may be served more than twice, and only a request that a kill caught
between the site's answer and the crawl state's write is fetched again: a
worker fetches one page per host at a time, so a kill interrupts at most one
page of each host.
"""

from __future__ import annotations

from pathlib import Path

from streams.settings import Settings
from vestnik.benchmarks.crawl_chaos import Plan, crawl_chaos


async def test_killed_crawlers_miss_no_page_and_fetch_again_only_what_a_kill_interrupted(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    settings = kafka_settings.model_copy(update={"session_timeout": 6.0, "topic_partitions": 2, "host_delay": 0.5})
    plan = Plan(hosts=3, pages=15, workers=2, kills=2, kill_every=4.0, settle=12.0, deadline=240.0)
    report = await crawl_chaos(settings, plan, tmp_path, say=False)
    print(f"\n{report.line()}")
    assert report.kills == plan.kills
    assert report.missing == 0, report.missing_urls
    assert report.most_served <= 2 and report.served_twice <= report.kills * plan.hosts, report.served_twice_urls
    assert report.duplicate_raw <= report.served_twice  # a page is published again only when fetched again
    assert report.frontier_requests == report.pages  # new leaders read the frontier back: nothing queued twice
    assert report.longest_ownerless <= 10.0
