"""A local site of everything a crawler meets on the real web, on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime

from aiohttp import web

ARTICLE = "<html><head><title>Новость</title></head><body><article><p>{}</p></article></body></html>"
RUSSIAN = "Президент России Владимир Путин провёл встречу с министром иностранных дел Сергеем Лавровым."
MODIFIED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


class TrapSite:
    """Sitemaps, robots rules, conditional GET, flaky, slow, huge, binary and windows-1251 pages."""

    def __init__(self, crawl_delay: float = 0.3, slow_seconds: float = 3.0) -> None:
        self.crawl_delay = crawl_delay
        self.slow_seconds = slow_seconds
        self.hits: Counter[str] = Counter()
        self.hit_times: list[tuple[str, float]] = []
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(middlewares=[self._count])
        routes = {
            "/robots.txt": self._robots,
            "/sitemap_index.xml": self._sitemap_index,
            "/sitemap_news.xml": self._news_sitemap,
            "/sitemap_old.xml": self._old_sitemap,
            "/sitemap_self.xml": self._self_sitemap,
            "/news/etag.html": self._etag,
            "/news/flaky.html": self._flaky,
            "/news/busy.html": self._busy,
            "/news/slow.html": self._slow,
            "/news/huge.html": self._huge,
            "/news/cp1251.html": self._cp1251,
            "/news/binary.html": self._binary,
            "/news/loop.html": self._loop,
            "/news/chain/{n}.html": self._chain,
            "/news/moved.html": self._moved,
            "/news/to-metadata.html": self._to_metadata,
            "/private/secret.html": self._etag,
        }
        for path, handler in routes.items():
            app.router.add_get(path, handler)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _count(self, request: web.Request, handler: web.RequestHandler) -> web.StreamResponse:
        self.hits[request.path] += 1
        self.hit_times.append((request.path, asyncio.get_running_loop().time()))
        return await handler(request)

    async def _robots(self, request: web.Request) -> web.Response:
        return web.Response(text=(
            f"User-agent: *\nDisallow: /private/\nCrawl-delay: {self.crawl_delay}\n\n"
            f"Sitemap: {self.base_url}/sitemap_index.xml\n"
        ))

    async def _sitemap_index(self, request: web.Request) -> web.Response:
        return web.Response(content_type="application/xml", text=(
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{self.base_url}/sitemap_old.xml</loc><lastmod>2020-01-01</lastmod></sitemap>"
            f"<sitemap><loc>{self.base_url}/sitemap_news.xml</loc><lastmod>2026-11-01T09:00:00Z</lastmod></sitemap>"
            "</sitemapindex>"
        ))

    async def _news_sitemap(self, request: web.Request) -> web.Response:
        items = "".join(
            f"<url><loc>{self.base_url}/news/{name}.html</loc><news:news><news:publication>"
            "<news:name>Trap</news:name><news:language>ru</news:language></news:publication>"
            f"<news:publication_date>2026-11-01T1{n}:00:00+03:00</news:publication_date>"
            f"<news:title>Новость {n}</news:title></news:news></url>"
            for n, name in enumerate(["etag", "cp1251", "flaky"])
        )
        return web.Response(content_type="application/xml", text=(
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + items + "</urlset>"
        ))

    async def _old_sitemap(self, request: web.Request) -> web.Response:
        return web.Response(content_type="application/xml", text=(
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{self.base_url}/news/2019.html</loc><lastmod>2019-05-01</lastmod></url></urlset>"
        ))

    async def _etag(self, request: web.Request) -> web.Response:
        etag, modified = '"v1"', format_datetime(MODIFIED, usegmt=True)
        if request.headers.get("If-None-Match") == etag or request.headers.get("If-Modified-Since") == modified:
            return web.Response(status=304, headers={"ETag": etag, "Last-Modified": modified})
        return web.Response(text=ARTICLE.format(RUSSIAN), content_type="text/html", charset="utf-8",
                            headers={"ETag": etag, "Last-Modified": modified})

    async def _flaky(self, request: web.Request) -> web.Response:
        if self.hits[request.path] == 1:
            return web.Response(status=500, text="upstream error")
        return web.Response(text=ARTICLE.format(RUSSIAN), content_type="text/html")

    async def _slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.slow_seconds)
        return web.Response(text=ARTICLE.format(RUSSIAN), content_type="text/html")

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        chunk = ("<p>" + RUSSIAN * 10 + "</p>").encode()
        try:
            for _ in range(20 * 1024 * 1024 // len(chunk) + 1):
                await response.write(chunk)
        except (ConnectionResetError, ConnectionError):
            pass
        return response

    async def _cp1251(self, request: web.Request) -> web.Response:
        body = ('<html><head><meta charset="windows-1251"></head><body><article><p>'
                + RUSSIAN + "</p></article></body></html>").encode("cp1251")
        return web.Response(body=body, content_type="text/html")

    async def _binary(self, request: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n" + bytes(range(256)) * 8,
                            content_type="text/html")

    async def _loop(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/news/loop.html")

    async def _chain(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(f"/news/chain/{int(request.match_info['n']) + 1}.html")

    async def _moved(self, request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/news/etag.html")

    async def _to_metadata(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")

    async def _self_sitemap(self, request: web.Request) -> web.Response:
        return web.Response(content_type="application/xml", text=(
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{self.base_url}/sitemap_self.xml</loc></sitemap></sitemapindex>"
        ))

    async def _busy(self, request: web.Request) -> web.Response:
        if self.hits[request.path] == 1:
            return web.Response(status=429, headers={"Retry-After": "1"})
        return web.Response(text=ARTICLE.format(RUSSIAN), content_type="text/html")
