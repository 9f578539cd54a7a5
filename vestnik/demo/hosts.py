"""A local site of many hosts, for crawling hosts at once: one port on 127.0.0.1 is one host.

Each host serves a robots.txt (with a Crawl-delay when asked), an RSS feed of its
pages and the pages themselves, and records when each request came, so a test or
the benchmark can check the crawl's politeness per host and its overlap across hosts.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web

from vestnik.demo.site import EPOCH


@dataclass(frozen=True)
class Request:
    host: str  # the netloc, 127.0.0.1:port
    path: str
    at: float  # time.monotonic()


class ManyHosts:
    """`hosts` hosts of `pages` pages each, every page the same `page` bytes.

    Ports are free ones, or `base_port`, `base_port + 1`, … when given (for a site in another process).
    """

    def __init__(self, hosts: int, pages: int, page: bytes, crawl_delay: float | None = None,
                 base_port: int = 0) -> None:
        self.hosts, self.pages, self.page, self.crawl_delay = hosts, pages, page, crawl_delay
        self.base_port = base_port
        self.requests: list[Request] = []
        self.netlocs: list[str] = []
        self._runner: web.AppRunner | None = None

    @property
    def feed_urls(self) -> list[str]:
        return [f"http://{netloc}/rss.xml" for netloc in self.netlocs]

    def page_requests(self) -> dict[str, list[float]]:
        """When each host's pages were asked for, per host, in order."""
        times: dict[str, list[float]] = {netloc: [] for netloc in self.netlocs}
        for request in self.requests:
            if request.path.startswith("/news/"):
                times[request.host].append(request.at)
        return times

    def _feed(self, netloc: str) -> str:
        items = "".join(
            f"<item><title>Новость {n}</title><link>http://{netloc}/news/{n}.html</link>"
            f"<pubDate>{format_datetime(EPOCH, usegmt=True)}</pubDate></item>"
            for n in range(self.pages)
        )
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{escape(netloc)}</title>'
                f"<link>http://{netloc}/</link><description>host</description>{items}</channel></rss>\n")

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(Request(request.host, request.path, time.monotonic()))
        if request.path == "/robots.txt":
            delay = f"Crawl-delay: {self.crawl_delay}\n" if self.crawl_delay is not None else ""
            return web.Response(text=f"User-agent: *\n{delay}Allow: /\n", content_type="text/plain")
        if request.path == "/rss.xml":
            return web.Response(text=self._feed(request.host), content_type="application/rss+xml", charset="utf-8")
        if request.path.startswith("/news/"):
            return web.Response(body=self.page, content_type="text/html", charset="utf-8")
        return web.Response(status=404, text="404 Not Found\n")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        for n in range(self.hosts):
            await web.TCPSite(self._runner, "127.0.0.1", self.base_port + n if self.base_port else 0).start()
        self.netlocs = [f"{host}:{port}" for host, port, *_ in self._runner.addresses]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def serve_forever(self) -> None:
        """Serve in this process until it is killed (the benchmark runs the site in a process of its own)."""
        async def run() -> None:
            await self.start()
            await asyncio.Event().wait()

        asyncio.run(run())
