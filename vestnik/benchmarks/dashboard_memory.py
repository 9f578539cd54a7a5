"""The dashboard's memory while a browser keeps it open and the pipeline runs: does it stay flat?

`python -m vestnik.benchmarks.dashboard_memory [--minutes 10] [--rate 5]` starts a broker of its own, one worker
(cleaner, annotator, stories) and `vestnik dashboard` in a process of its own with headless Chromium on
its page. It offers the corpus pages, each under an address of its own, at `rate` a second, samples the
dashboard's RSS every 10 s and prints it by minute, with the growth over the second half of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psutil
from aiokafka import AIOKafkaProducer

from streams.kafka import client_options, ensure_topics
from streams.settings import Settings
from vestnik.benchmarks.bench import _broker
from vestnik.benchmarks.cluster import ROOT, WorkerProcess, settings_env
from vestnik.benchmarks.pipeline import _send, raw_page
from vestnik.benchmarks.stages import corpus_html

SAMPLE_SECONDS = 10.0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _browser(url: str) -> object:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver:
        raise SystemExit("needs Chromium and chromedriver on PATH (Debian: apt-get install chromium chromium-driver)")
    options = Options()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    browser = webdriver.Chrome(options=options, service=Service(driver))
    browser.get(url)
    return browser


async def _offer(settings: Settings, pages: list[tuple[str, bytes]], rate: float, seconds: float) -> int:
    producer = AIOKafkaProducer(**client_options(settings), max_request_size=settings.max_message_bytes,
                                linger_ms=5, compression_type="zstd")
    await producer.start()
    sent, began = 0, time.monotonic()
    try:
        while (elapsed := time.monotonic() - began) < seconds:
            url, html = pages[sent % len(pages)]
            await _send(producer, settings, raw_page(url, html, f"dash-{sent}"))
            sent += 1
            await asyncio.sleep(max(0.0, sent / rate - elapsed))
        await producer.flush()
    finally:
        await producer.stop()
    return sent


async def _sample(pid: int, seconds: float) -> list[tuple[float, float]]:
    process, samples, began = psutil.Process(pid), [], time.monotonic()
    while (elapsed := time.monotonic() - began) < seconds:
        samples.append((elapsed, process.memory_info().rss / 2**20))
        await asyncio.sleep(SAMPLE_SECONDS)
    return samples


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares MB per minute."""
    n = len(points)
    mean_t, mean_m = sum(t for t, _ in points) / n, sum(m for _, m in points) / n
    spread = sum((t - mean_t) ** 2 for t, _ in points) or 1.0
    return sum((t - mean_t) * (m - mean_m) for t, m in points) / spread * 60


async def _run(settings: Settings, pages: list[tuple[str, bytes]], minutes: float, rate: float,
               work: Path, dashboard: subprocess.Popen[bytes]) -> None:
    await ensure_topics(settings)
    worker = WorkerProcess(settings, "cleaner,annotator,stories", work).start()
    browser = None
    try:
        await worker.wait_ready(timeout=180)
        url = f"http://127.0.0.1:{settings.dashboard_port}/"
        browser = _browser(url)
        seconds = minutes * 60
        sent, samples = await asyncio.gather(_offer(settings, pages, rate, seconds),
                                             _sample(dashboard.pid, seconds))
        async with aiohttp.ClientSession() as http, http.get(url + "snapshot.json") as resp:
            snapshot = await resp.json()
        updates = browser.execute_script("return document.body.dataset.updates")  # type: ignore[attr-defined]
    finally:
        if browser is not None:
            browser.quit()  # type: ignore[attr-defined]
        worker.stop()
    print(f"offered {sent} pages at {rate}/s for {minutes:g} min; the page took {updates} live updates;"
          f" the dashboard knew {snapshot['known_stories']} stories")
    print("minute  dashboard RSS (MB)")
    for minute in range(int(minutes) + 1):
        inside = [mb for t, mb in samples if minute * 60 <= t < (minute + 1) * 60]
        if inside:
            print(f"{minute:6d}  {max(inside):8.1f}")
    half = [point for point in samples if point[0] >= samples[-1][0] / 2]
    print(f"first {samples[0][1]:.1f} MB, peak {max(mb for _, mb in samples):.1f} MB, last {samples[-1][1]:.1f} MB;"
          f" second half: {_slope(half):+.2f} MB/min over {len(half)} samples")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=5.0, help="pages offered per second")
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    args = parser.parse_args()
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    work = Path(tempfile.mkdtemp(prefix="vestnik-dashboard-memory-"))
    broker, base = _broker(Settings(), work)
    run = f"dashmem{int(time.time())}"
    settings = base.model_copy(update={
        "app_id": run, "topic_prefix": f"{run}.", "web_port": _free_port(), "dashboard_port": _free_port(),
        "cache_dir": work / run, "stories_encoder": "none",
    })
    dashboard = subprocess.Popen(
        [sys.executable, "-m", "vestnik.cli", "dashboard", "--port", str(settings.dashboard_port)],
        cwd=ROOT, env=settings_env(settings), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        asyncio.run(_run(settings, corpus_html(args.corpus), args.minutes, args.rate, work, dashboard))
    finally:
        dashboard.terminate()
        dashboard.wait(10)
        if broker:
            broker.stop()


if __name__ == "__main__":
    main()
