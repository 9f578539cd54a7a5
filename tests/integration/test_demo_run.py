"""`vestnik run --demo` on the real broker: all agents run, the demo reports each page as it comes, Ctrl-C ends it."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from streams.settings import Settings
from tests.integration.harness import ROOT, settings_env
from vestnik.demo.site import DemoSite


async def _dashboard_news(url: str, timeout: float) -> dict[str, Any]:
    """The dashboard's figures once it shows stories and entities."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            async with http.get(url) as resp:
                figures: dict[str, Any] = await resp.json()
            if (figures["stories"] and any(figures["entities"].values())) or time.monotonic() > deadline:
                return figures
            await asyncio.sleep(0.5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_run_demo_reports_every_demo_article_and_the_copy_then_stops_cleanly_on_ctrl_c(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    site = DemoSite()  # what the command serves: its pages and ids are the ones to expect
    dashboard = free_port()
    env = {**settings_env(kafka_settings), "VESTNIK_DEMO_PORT": str(free_port()),
           "VESTNIK_DASHBOARD_PORT": str(dashboard), "VESTNIK_DASHBOARD_REFRESH": "1"}
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        # SIGINT as a terminal's Ctrl-C delivers it, even where the tests run with SIGINT ignored.
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "vestnik.cli", "run", "--demo", cwd=ROOT, env=env, stdout=out, stderr=out,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    started = time.monotonic()
    done = f"demo: all {len(site.pages)} demo articles are in"
    try:
        while done not in log.read_text("utf-8", "replace"):
            assert proc.returncode is None, log.read_text("utf-8", "replace")[-3000:]
            assert time.monotonic() - started < 120, log.read_text("utf-8", "replace")[-3000:]
            await asyncio.sleep(0.5)
        print(f"\nall demo articles reported {time.monotonic() - started:.0f}s after the command started")
        shown = await _dashboard_news(f"http://127.0.0.1:{dashboard}/snapshot.json", timeout=30)
        print(f"the dashboard showed {len(shown['stories'])} stories {time.monotonic() - started:.0f}s after the start")
    finally:
        proc.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(proc.wait(), 60)
    text = log.read_text("utf-8", "replace")
    assert code == 0 and "Traceback" not in text, text[-3000:]
    assert f"dashboard at http://127.0.0.1:{dashboard}/" in text
    titles = {story["title"] for story in shown["stories"]}
    assert any(page.title in titles for page in site.pages), titles
    assert any(shown["entities"].get(kind) for kind in ("PER", "LOC", "ORG")), shown["entities"]

    lines = [line for line in text.splitlines() if line.startswith("demo: ")]
    for page in site.pages:
        reported = [line for line in lines if f"enriched {page.seed_id} ({page.site}): «{page.title}»" in line]
        assert len(reported) == 1, (page.path, lines)
        assert "body matches the page (F1 1.00)" in reported[0] and " 0 entities" not in reported[0]
    copy = next(page for page in site.pages if page.site == "copy")
    # The copy and its original travel on different partitions: whichever reaches the stories agent later is
    # the duplicate of the other.
    pair = (f"{copy.seed_id} (copy)", f"{copy.seed_id} (rbc.ru)")
    assert any(" is a duplicate_of " in line and "(similarity 1.00), story " in line
               and all(name in line for name in pair) for line in lines), lines
    assert any("2 articles from 2 sites: 01_tomsk_fire_sensors (russian.rt.com), 03_tomsk_sensors_report" in line
               for line in lines), lines
    web = f"http://{kafka_settings.web_host}:{kafka_settings.web_port}"
    assert f"curl {web}/health" in text and f"curl {web}/metrics" in text
    assert "tail enriched-articles --limit 6" in text
