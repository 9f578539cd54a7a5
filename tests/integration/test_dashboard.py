"""`vestnik dashboard` in a real headless Chromium, on the real broker, beside a worker crawling the demo site.

The browser tests need Chromium and its driver (Debian: `chromium`, `chromium-driver`; `.ci/run` installs
them). Without them they skip with that reason, except under CI=true, where a missing browser fails.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from streams.codecs import encode
from streams.settings import Settings
from tests.conftest import free_port
from tests.eval.corpus import under_ci
from tests.integration.harness import ROOT, WorkerProcess, produce, settings_env
from vestnik.benchmarks.pipeline import raw_page
from vestnik.dashboard.server import Dashboard
from vestnik.demo.site import DemoSite
from vestnik.ops.broker import EmbeddedBroker

ARTIFACTS = ROOT / "tests" / "artifacts"
AGENTS = "crawler,cleaner,annotator,stories"

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver


def _browser_paths() -> tuple[str, str] | None:
    binary = next((path for name in ("chromium", "chromium-browser", "google-chrome")
                   if (path := shutil.which(name))), None)
    driver = shutil.which("chromedriver")
    return (binary, driver) if binary and driver else None


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    paths = _browser_paths()
    if paths is None:
        reason = "no Chromium with chromedriver on PATH (Debian: apt-get install chromium chromium-driver)"
        if under_ci(os.environ):
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = paths[0]
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1300,1500"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(paths[1]))
    try:
        yield driver
    finally:
        driver.quit()


@dataclass
class Pipeline:
    settings: Settings
    site: DemoSite
    worker: WorkerProcess
    dashboard: Dashboard
    web: str


@pytest.fixture(scope="module")
def pipeline(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """A worker running every agent on the demo site, and the dashboard reading what it writes."""
    folder = tmp_path_factory.mktemp("dashboard")
    site = DemoSite()
    site.start_in_thread()
    run = uuid.uuid4().hex[:10]
    settings = Settings(
        bootstrap_servers=kafka_bootstrap, app_id=f"vestnik-dash-{run}", topic_prefix=f"dash-{run}.",
        topic_partitions=2, web_port=free_port(), allow_private_hosts=True, discovery_tick=0.5, host_delay=0.0,
        feed_urls=[site.feed_url], poll_interval=5.0, cache_dir=folder / "cache", dashboard_refresh=1.0,
        stories_encoder="none",
    )
    worker = WorkerProcess(settings, AGENTS, folder).start()
    dashboard = Dashboard(settings, port=0)
    try:
        asyncio.run(worker.wait_ready(timeout=180))
        dashboard.start_in_thread()
        yield Pipeline(settings, site, worker, dashboard, f"http://{settings.web_host}:{settings.web_port}")
    finally:
        dashboard.stop_thread()
        worker.stop()
        site.stop_thread()


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what}: not seen after {timeout}s")


def click(driver: WebDriver, selector: str) -> bool:
    """Click the element, found afresh: a live update may replace it between finding and clicking."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        driver.find_element(By.CSS_SELECTOR, selector).click()
    except StaleElementReferenceException:
        return False
    return True


def shoot(driver: WebDriver, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    return path


READ_FIGURES = """
const texts = (selector, key, value) => Object.fromEntries([...document.querySelectorAll(selector)].map(
  (row) => [row.dataset[key], row.querySelector(value).textContent.trim()]));
return {stories: texts(".story-row", "story", ".members"), entities: texts(".entity", "entity", ".count"),
        flows: texts(".flow", "agent", ".in"), updates: Number(document.body.dataset.updates || 0)};
"""


READ_STORY = """
const heading = document.querySelector("#story h1");
const rows = [...document.querySelectorAll("#story .article")];
return {members: Number(heading && heading.dataset.members), rows: rows.map(
  (row) => ({when: row.dataset.when, copy: row.classList.contains("copy"), link: row.querySelector("a").href}))};
"""


def page_figures(driver: WebDriver) -> dict[str, Any]:
    """What the page shows now, read from its DOM in one go: live updates replace parts of it at any moment."""
    figures: dict[str, Any] = driver.execute_script(READ_FIGURES)
    figures["stories"] = {story: int(n) for story, n in figures["stories"].items()}
    figures["entities"] = {entity: int(n) for entity, n in figures["entities"].items()}
    return figures


def test_the_page_shows_the_demo_news_and_follows_more_articles_live(pipeline: Pipeline, browser: WebDriver) -> None:

    browser.get(pipeline.dashboard.url)
    first = wait_for(lambda: (f := page_figures(browser))["stories"] and f["entities"] and f, 180,
                     "stories and entities on the page")
    wait_for(lambda: any(rate not in ("—", "0.0") for rate in page_figures(browser)["flows"].values()), 60,
             "a non-zero rate on the page")
    shoot(browser, "dashboard.png")

    # The same pages again under new addresses: syndicated copies that join their stories.
    more = [raw_page(pipeline.site.url(page), pipeline.site.document(page), f"more-{n}")
            for n, page in enumerate(pipeline.site.pages)]
    asyncio.run(produce(pipeline.settings, "raw_pages", [(page.id.encode(), encode(page)) for page in more]))

    def grown() -> dict[str, Any] | None:
        now = page_figures(browser)
        larger_story = any(now["stories"].get(story, 0) > members for story, members in first["stories"].items())
        larger_entity = any(now["entities"].get(entity, 0) > n for entity, n in first["entities"].items())
        return now if larger_story and larger_entity else None

    later = wait_for(grown, 180, "story sizes and entity counts growing on the open page")
    assert later["updates"] > first["updates"], "the page changed without live updates"
    assert browser.execute_script("return performance.getEntriesByType('navigation').length") == 1  # no reload
    shoot(browser, "dashboard-later.png")

    # A story's page: its articles in time order, the copies marked.
    story_id = max(later["stories"], key=later["stories"].get)
    wait_for(lambda: click(browser, f'.story-row[data-story="{story_id}"] a'), 10, "the story's link clicked")
    # The story's summary and its articles come from two topics: the page agrees with itself once both are read.
    def whole_story() -> dict[str, Any] | None:
        shown: dict[str, Any] = browser.execute_script(READ_STORY)
        return shown if shown["rows"] and len(shown["rows"]) == shown["members"] else None

    story = wait_for(whole_story, 30, "the story's articles, as many as its summary counts")
    rows = story["rows"]
    assert story["members"] >= later["stories"][story_id]
    assert any(row["copy"] for row in rows), "no syndicated copy marked"
    times = [row["when"] for row in rows]
    assert times == sorted(times)
    assert all(row["link"].startswith(pipeline.site.base_url) for row in rows)
    shoot(browser, "dashboard-story.png")


def _cli(settings: Settings, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "vestnik.cli", *args], cwd=ROOT, env=settings_env(settings),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def _snapshot(dashboard: Dashboard) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(dashboard.url + "snapshot.json") as resp:
        result: dict[str, Any] = await resp.json()
        return result


def test_the_page_figures_are_what_the_commands_print(pipeline: Pipeline) -> None:
    """top-stories, top-entities, lag and dlq list, read once the pipeline is idle, against /snapshot.json."""
    settings = pipeline.settings
    bad = [(b"bad-1", b"not json"), (b"bad-2", b'{"schema_name": "raw_page", "schema_version": 1}')]
    asyncio.run(produce(settings, "raw_pages", bad))
    asyncio.run(produce(settings, "stories", [(b"junk", b"not a story")]))  # both readers skip it

    def settled() -> dict[str, Any] | None:
        snap = asyncio.run(_snapshot(pipeline.dashboard))
        idle = snap["lag"] and all(row["lag"] == 0 for row in snap["lag"])
        seen = snap["dead_letters"]["total"] >= 2 and snap["unreadable_records"] >= 1
        return snap if idle and seen and snap["stories"] else None

    wait_for(settled, 180, "an idle pipeline with both dead letters on the page")
    time.sleep(2 * settings.dashboard_refresh)  # one more snapshot of the idle state
    snap = asyncio.run(_snapshot(pipeline.dashboard))

    commands = {"stories": ("top-stories", "--window", "24h", "--limit", "10"), "lag": ("lag", "--samples", "1"),
                "dlq": ("dlq", "list"), **{kind: ("top-entities", "--type", kind, "--limit", "10", "--worker",
                                                  pipeline.web) for kind in ("PER", "LOC", "ORG")}}
    with ThreadPoolExecutor(len(commands)) as pool:  # each a process of its own: at once, as the page reads them
        printed_by = dict(zip(commands, pool.map(lambda args: _cli(settings, *args), commands.values()), strict=True))
    listed_stories = printed_by["stories"]
    assert "(1 records on the topic are not story.v1 events; ignored)" in listed_stories
    assert snap["unreadable_records"] == 1
    printed = re.findall(r"^\s*(\d+) sites\s+(\d+) articles\s+(\S+)", listed_stories, re.M)
    assert [(s["story_id"], s["sites"], s["members"]) for s in snap["stories"]] == \
        [(story, int(sites), int(members)) for sites, members, story in printed]

    for kind in ("PER", "LOC", "ORG"):
        lines = printed_by[kind]
        rows = re.findall(r"^\s*(\d+)  (\w+)  (.+)$", lines, re.M)
        assert [(row["articles"], row["name"]) for row in snap["entities"][kind]] == \
            [(int(n), name) for n, _, name in rows]
    assert any(snap["entities"][kind] for kind in ("PER", "LOC", "ORG"))

    lag = re.findall(r"^(\S+)\s+(\S+)\s+(\d+)\s", printed_by["lag"], re.M)
    assert sorted((row["group"], row["topic"], row["lag"]) for row in snap["lag"]) == \
        sorted((group, topic, int(n)) for group, topic, n in lag if group != "group")

    listed = printed_by["dlq"]
    total = int(re.search(r"(\d+) shown of (\d+) dead letters", listed).group(2))  # type: ignore[union-attr]
    assert snap["dead_letters"]["total"] == total == 2
    assert sum(n for _, n in snap["dead_letters"]["by_reason"]) == 2
    for row in snap["dead_letters"]["latest"]:
        assert row["origin"] in listed


def test_a_broker_that_is_down_is_a_banner_and_the_page_recovers_to_an_empty_cluster(
    tmp_path: Path, browser: WebDriver
) -> None:
    from selenium.webdriver.common.by import By

    settings = Settings(broker_port=free_port(), controller_port=free_port(), bootstrap_servers="",
                        web_port=free_port(), cache_dir=tmp_path / "cache", dashboard_refresh=0.5)
    dashboard = Dashboard(settings, port=0)
    dashboard.start_in_thread()
    broker = EmbeddedBroker(settings, tmp_path / "kafka")
    try:
        browser.get(dashboard.url)

        def banner() -> str:
            text: str = browser.execute_script(
                'return [...document.querySelectorAll(".banner.error")].map((e) => e.textContent).join(" ")')
            return text.strip()

        down = wait_for(banner, 60, "the error banner while no broker answers")
        assert f"127.0.0.1:{settings.broker_port}" in down and "Traceback" not in browser.page_source
        shoot(browser, "dashboard-broker-down.png")
        broker.start()
        wait_for(lambda: not banner(), 90, "the banner gone once the broker answers")
        # A broker just started is an empty cluster: a friendly empty page, not an error.
        text = browser.find_element(By.ID, "news").text
        assert "No articles yet" in text and "Пока нет статей" in text
        shoot(browser, "dashboard-empty.png")
    finally:
        broker.stop()
        dashboard.stop_thread()
