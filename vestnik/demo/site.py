"""A local news site on 127.0.0.1, for crawling with no internet: the demo's own pages, or a folder like them.

Pages are read from `<folder>/seeds/*.txt` and `<folder>/gold/*.json` at start-up and served in the markup
of the site each one comes from (see `vestnik.demo.markup`), with robots.txt, an RSS 2.0 feed and a sitemap.
By default the folder is `vestnik/demo/pages`, written for the demo and shipped with the package (see its NOTICE.md),
with one page also republished by another outlet, so that the stories agent finds a copy. Another folder of the
same layout (the shared corpus's seeds, say) can be served instead. Real saved pages (`.html` or `.html.gz`) can be
served beside them, byte for byte, under `/real/`.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

from vestnik.demo.markup import NAME, norm, render_page

# Publication times: distinct, one hour apart, newest last.
EPOCH = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)

PAGES = Path(__file__).resolve().parent / "pages"
"""The demo's own pages, shipped with the package."""
REPUBLISHED = ("02_northern_credit_bonds",)
"""Pages of `PAGES` that another outlet republishes: the stories agent should call the copy a duplicate."""


@dataclass(frozen=True)
class DemoPage:
    seed_id: str  # e.g. "000_6c81efa374cecb15"
    site: str  # the gold "site": russian.rt.com, rbc.ru, inotv.rt.com or unknown; "real" for a saved page
    path: str  # e.g. "/russian.rt.com/000_6c81efa374cecb15.html"
    title: str | None  # gold title


@dataclass(frozen=True)
class _Doc:
    body: bytes
    etag: str
    modified: datetime
    feed_title: str
    lead: str


class DemoSite:
    """The fixture site; `start`/`stop` on the caller's loop, or `start_in_thread`/`stop_thread`."""

    def __init__(
        self, folder: Path | None = None, host: str = "127.0.0.1", port: int = 0, real_pages: Sequence[Path] = (),
        copies: Sequence[str] | None = None,
    ) -> None:
        """`folder` holds `seeds/` and `gold/` (default: the packaged pages); `real_pages` are served byte for
        byte; each seed id in `copies` is served a second time as a republished copy: the same text in another
        outlet's plain markup, at /copies/<seed>.html (default: `REPUBLISHED` for the packaged pages, else none).
        A copy comes out after its original: the feed and the sitemap list it once the original has been asked for."""
        self.folder, self.host, self.port = Path(folder or PAGES), host, port
        self.real_pages = [Path(path) for path in real_pages]
        self.copies = set((REPUBLISHED if folder is None else ()) if copies is None else copies)
        self._gold: dict[str, dict[str, Any]] = {}
        self._original_path: dict[str, str] = {}  # copy path -> its original's path
        self.pages: list[DemoPage] = []
        self.requests: list[str] = []
        self.unmapped: dict[str, list[str]] = {}  # seed id -> gold text no seed line matched
        self.base_url = ""
        self._docs: dict[str, _Doc] = {}
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._load()

    @property
    def feed_url(self) -> str:
        return self.base_url + "/rss.xml"

    def url(self, page: DemoPage) -> str:
        return self.base_url + page.path

    def listed(self) -> list[DemoPage]:
        """The pages the feed and the sitemap show: all, but a copy only once its original has been asked for."""
        asked = set(self.requests)
        return [page for page in self.pages
                if page.path not in self._original_path or self._original_path[page.path] in asked]

    def document(self, page: DemoPage) -> bytes:
        """The HTML bytes served for `page`."""
        return self._docs[page.path].body

    def gold(self, page: DemoPage) -> dict[str, Any]:
        """What cleaning `page` should give: its gold title, body and embeds (a copy has its original's)."""
        return self._gold[page.seed_id]

    def seed(self, page: DemoPage) -> str:
        """The page's text as a naive extractor gets it: article and furniture, line by line."""
        return (self.folder / "seeds" / f"{page.seed_id}.txt").read_text("utf-8")

    def _load(self) -> None:
        seeds = sorted((self.folder / "seeds").glob("*.txt"))
        if not seeds:
            raise FileNotFoundError(f"no seeds in {self.folder / 'seeds'}")
        for n, seed in enumerate(seeds):
            gold = self._gold[seed.stem] = json.loads((self.folder / "gold" / f"{seed.stem}.json").read_text("utf-8"))
            site = gold.get("site") or "unknown"
            page = DemoPage(seed.stem, site, f"/{site}/{seed.stem}.html", gold.get("title"))
            modified = EPOCH + timedelta(hours=n)
            markup = site if site in NAME else "unknown"
            canonical = f"https://{site}/news/{seed.stem}" if site in NAME and site != "unknown" else None
            html, missing = render_page(
                markup, seed.read_text("utf-8").split("\n"), gold, modified.isoformat(), canonical
            )
            body = html.encode("utf-8")
            lead = norm(gold["body"].split("\n\n")[0])
            words = lead.split()
            feed_title = page.title or " ".join(words[:10]) + ("…" if len(words) > 10 else "")
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            self._docs[page.path] = _Doc(body, etag, modified, feed_title, lead)
            self.pages.append(page)
            if missing:
                self.unmapped[page.seed_id] = missing
            if seed.stem in self.copies:
                html, _ = render_page("unknown", seed.read_text("utf-8").split("\n"), gold,
                                      (modified + timedelta(minutes=30)).isoformat(), None)
                copy = DemoPage(seed.stem, "copy", f"/copies/{seed.stem}.html", page.title)
                body = html.encode("utf-8")
                etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
                self._docs[copy.path] = _Doc(body, etag, modified + timedelta(minutes=30), feed_title, lead)
                self.pages.append(copy)
                self._original_path[copy.path] = page.path
        for n, path in enumerate(self.real_pages, start=len(seeds)):
            body = path.read_bytes()
            body = gzip.decompress(body) if path.suffix == ".gz" else body
            name = path.name.removesuffix(".gz").removesuffix(".html")
            page = DemoPage(name, "real", f"/real/{name}.html", None)
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            self._docs[page.path] = _Doc(body, etag, EPOCH + timedelta(hours=n), name, "")
            self.pages.append(page)

    # --- documents -------------------------------------------------------------------------------------

    def _robots(self) -> str:
        return f"User-agent: *\nAllow: /\n\nSitemap: {self.base_url}/sitemap.xml\n"

    def _rss(self) -> str:
        items, listed = [], self.listed()
        for page in sorted(listed, key=lambda page: self._docs[page.path].modified, reverse=True):  # newest first
            doc, link = self._docs[page.path], escape(self.url(page))
            items.append(
                f"<item><title>{escape(doc.feed_title)}</title><link>{link}</link>"
                f'<guid isPermaLink="true">{link}</guid><pubDate>{format_datetime(doc.modified, usegmt=True)}'
                f"</pubDate><category>{escape(page.site)}</category>"
                f"<description>{escape(doc.lead[:300])}</description></item>"
            )
        built = format_datetime(max(self._docs[page.path].modified for page in listed), usegmt=True)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>Vestnik demo news</title><link>{escape(self.base_url)}/</link>"
            f"<description>Local fixture news site</description><language>ru</language>"
            f"<lastBuildDate>{built}</lastBuildDate>\n" + "\n".join(items) + "\n</channel></rss>\n"
        )

    def _sitemap(self) -> str:
        urls = "".join(
            f"<url><loc>{escape(self.url(p))}</loc><lastmod>{self._docs[p.path].modified.isoformat()}</lastmod></url>"
            for p in self.listed()
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'
        )

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        if request.path == "/robots.txt":
            return web.Response(text=self._robots(), content_type="text/plain", charset="utf-8")
        if request.path == "/rss.xml":
            return web.Response(text=self._rss(), content_type="application/rss+xml", charset="utf-8")
        if request.path == "/sitemap.xml":
            return web.Response(text=self._sitemap(), content_type="application/xml", charset="utf-8")
        doc = self._docs.get(request.path)
        if doc is None:
            return web.Response(status=404, text="404 Not Found\n", content_type="text/plain", charset="utf-8")
        headers = {"ETag": doc.etag, "Last-Modified": format_datetime(doc.modified, usegmt=True)}
        if _not_modified(request, doc):
            return web.Response(status=304, headers=headers)
        return web.Response(body=doc.body, headers=headers, content_type="text/html", charset="utf-8")

    # --- life cycle ------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def start_in_thread(self) -> None:
        """Serve from a daemon thread with its own loop; returns once the port is bound."""
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="demo-site", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = self._loop = None
            raise failure[0]

    def stop_thread(self) -> None:
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = self._loop = None


def _not_modified(request: web.Request, doc: _Doc) -> bool:
    if (match := request.headers.get("If-None-Match")) is not None:
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        return "*" in tags or doc.etag in tags
    if since := request.headers.get("If-Modified-Since"):
        try:
            return doc.modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False
