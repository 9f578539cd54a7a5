"""Crawling many hosts: pages per second with politeness off and with a delay per host, and memory.

    python -m vestnik.benchmarks.crawl [--hosts 50] [--pages 200] [--delay 1.0]

A local site of `--hosts` hosts (one port each on 127.0.0.1) with `--pages`
pages each runs in a process of its own. The crawl is `crawl --once`'s own pass
(discovery of every host's feed, polite fetching, page checks, charset
detection, hashing, the raw event and its serialisation) with the broker left
out, so the figures are the crawler's. It runs twice: with no delay, and with
`--delay` seconds between requests to one host, where the ideal rate is
hosts / delay. The site reports the shortest gap it saw between two requests
to one host, which must not be under the delay.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import socket
import time
from dataclasses import dataclass
from itertools import pairwise
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path

from agents.crawler.sources import load_sources
from agents.crawler.state import CrawlState
from schemas.models import RawPage
from streams.codecs import encode
from streams.settings import Settings
from vestnik.ops.crawl_once import crawl_pass


def _serve(hosts: int, pages: int, page: bytes, base_port: int, ready: Event, stop: Event,
           report: Queue[tuple[int, float]]) -> None:
    """The site, until `stop`; then it reports its page requests and the shortest gap within one host."""
    from vestnik.demo.hosts import ManyHosts

    async def main() -> None:
        site = ManyHosts(hosts, pages, page, base_port=base_port)
        await site.start()
        ready.set()
        await asyncio.to_thread(stop.wait)
        times = site.page_requests()
        gaps = [b - a for asked in times.values() for a, b in pairwise(asked)]
        report.put((sum(len(asked) for asked in times.values()), min(gaps, default=float("inf"))))
        await site.stop()

    asyncio.run(main())


@dataclass
class Run:
    delay: float
    pages: int
    seconds: float
    cpu: float
    served: int
    shortest_gap: float

    def lines(self, hosts: int) -> list[str]:
        ideal = f", ideal {hosts / self.delay:.0f}" if self.delay else ""
        return [
            f"delay {self.delay:g} s per host: {self.pages} pages in {self.seconds:.1f} s = "
            f"{self.pages / self.seconds:.1f} pages/s{ideal}",
            f"  CPU per page {1000 * self.cpu / self.pages:.2f} ms (crawler process); "
            f"shortest gap between two requests to one host {self.shortest_gap:.3f} s",
        ]


def _free_ports(count: int) -> int:
    """A base port with `count` free ports after it (checked once; the site binds them right after)."""
    for base in range(20000, 60000, 1000):
        try:
            for port in range(base, base + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError(f"no {count} free ports in a row")


def run(hosts: int, pages: int, page: bytes, delay: float) -> Run:
    spawn = multiprocessing.get_context("spawn")
    ready, stop, report = spawn.Event(), spawn.Event(), spawn.Queue()
    base = _free_ports(hosts)
    server = spawn.Process(target=_serve, args=(hosts, pages, page, base, ready, stop, report), daemon=True)
    server.start()
    try:
        if not ready.wait(60):
            raise RuntimeError("the site did not start")
        feeds = [f"http://127.0.0.1:{base + n}/rss.xml" for n in range(hosts)]
        settings = Settings(host_delay=delay, allow_private_hosts=True, fetch_retries=0)
        sources = load_sources(None, feeds, settings.poll_interval)
        states: dict[str, CrawlState] = {}

        async def publish(raw: RawPage) -> None:
            encode(raw)

        wall, cpu = time.perf_counter(), time.process_time()
        summary = asyncio.run(crawl_pass(settings, sources, states, publish))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        stop.set()
        served, gap = report.get(timeout=60)
    finally:
        stop.set()
        server.join(10)
        server.kill()
    published = summary.outcomes["published"]
    if published != hosts * pages:
        raise RuntimeError(f"published {published} of {hosts * pages}: {summary.outcomes} {summary.reasons}")
    return Run(delay, published, wall, cpu, served, gap)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--pages", type=int, default=200, help="pages per host")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds between requests to one host")
    parser.add_argument("--pages-dir", type=Path, default=None,
                        help="seeds and gold to serve (default: the demo's own pages)")
    args = parser.parse_args(argv)
    from vestnik.demo.site import DemoSite

    site = DemoSite(args.pages_dir)
    page = site.document(site.pages[0])
    print(f"{args.hosts} hosts x {args.pages} pages of {len(page) / 1024:.0f} KiB, the site in its own process")
    for delay in (0.0, args.delay):
        for line in run(args.hosts, args.pages, page, delay).lines(args.hosts):
            print(line, flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the crawler process: {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
