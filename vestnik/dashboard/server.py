"""The dashboard's web side: the page, a story's page, their live updates as Server-Sent Events, and JSON.

Every view is rendered on the server from the collector's board and latest snapshot; the page's own
script only swaps in the fragments each event carries, so what a browser shows is what a test reads.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
import orjson
from aiohttp import web
from markdown_it import MarkdownIt

from streams.settings import Settings
from vestnik.dashboard.charts import Sparkline
from vestnik.dashboard.collect import Collector
from vestnik.ops.dlq import age

COLLECTOR = web.AppKey("collector", Collector)
BENCH_DIR = web.AppKey("bench_dir", Path)
PLOTS = ("throughput.png", "cpu.png", "latency.png")
TOP_STORIES = 10

templates = jinja2.Environment(
    loader=jinja2.PackageLoader("vestnik.dashboard", "templates"),
    autoescape=jinja2.select_autoescape(default=True),
    trim_blocks=True, lstrip_blocks=True,
)
templates.filters["age"] = lambda moment, now: age(moment, now)
templates.filters["hhmm"] = lambda moment: moment.astimezone(UTC).strftime("%d.%m %H:%M") if moment else "—"
templates.filters["rate"] = lambda value: "—" if value is None else f"{value:.1f}"


def latest_bench(folder: Path) -> Path | None:
    """The newest run folder `vestnik bench` wrote, if any."""
    runs = sorted(p for p in folder.glob("*/results.md")) if folder.is_dir() else []
    return runs[-1].parent if runs else None


def _news(collector: Collector, now: datetime) -> dict[str, Any]:
    snapshot = collector.snapshot
    entities = {
        kind: [row | {"spark": Sparkline(collector.hours.series(row["entity"], now))} for row in rows]
        for kind, rows in snapshot.entities.items()
    }
    return {"stories": collector.stories.top(collector.window, TOP_STORIES, now), "entities": entities,
            "entity_window": snapshot.entity_window, "known_stories": len(collector.stories)}


def _pipeline(collector: Collector) -> dict[str, Any]:
    snapshot = collector.snapshot
    return {"flows": snapshot.flows, "lag": snapshot.lag, "health": snapshot.health,
            "letters_total": collector.letters.total, "by_reason": collector.letters.by_reason(),
            "latest_letters": collector.letters.latest(), "unreadable": collector.unreadable}


def fragments(collector: Collector, story_id: str | None = None) -> dict[str, str]:
    """The page's live parts, rendered: element id -> HTML."""
    now = datetime.now(UTC)
    context = {"now": now, "snapshot": collector.snapshot}
    parts = {"banner": templates.get_template("_banner.html").render(context)}
    if story_id is None:
        parts["news"] = templates.get_template("_news.html").render(context | _news(collector, now))
        parts["pipeline"] = templates.get_template("_pipeline.html").render(context | _pipeline(collector))
    else:
        parts["story"] = templates.get_template("_story.html").render(
            context | {"story": collector.stories.story(story_id), "story_id": story_id,
                       "articles": collector.stories.articles(story_id)})
    return parts


async def index(request: web.Request) -> web.Response:
    collector = request.app[COLLECTOR]
    bench = latest_bench(request.app[BENCH_DIR])
    bench_html = None
    if bench is not None:
        bench_html = MarkdownIt("commonmark").enable("table").render((bench / "results.md").read_text())
    html = templates.get_template("index.html").render(
        parts=fragments(collector), bench=bench, bench_html=bench_html,
        plots=[name for name in PLOTS if bench and (bench / name).exists()], refresh=collector.refresh)
    return web.Response(text=html, content_type="text/html")


async def story(request: web.Request) -> web.Response:
    story_id = request.match_info["story_id"]
    html = templates.get_template("story.html").render(
        parts=fragments(request.app[COLLECTOR], story_id), story_id=story_id)
    return web.Response(text=html, content_type="text/html")


async def events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: the page's fragments at once, then whenever the board or the snapshot changes."""
    collector = request.app[COLLECTOR]
    story_id = request.query.get("story")
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    shown = -1
    try:
        while not collector.stopped:
            if collector.version != shown:
                shown = collector.version
                payload = json.dumps(fragments(collector, story_id), ensure_ascii=False)
                await response.write(f"event: snapshot\ndata: {payload}\n\n".encode())
            await collector.pause()  # at most one update a refresh, however busy the topics
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


async def snapshot_json(request: web.Request) -> web.Response:
    """The page's figures as data, in the CLI's terms: for scripts, and for checking one against the other."""
    collector = request.app[COLLECTOR]
    now = datetime.now(UTC)
    snapshot = collector.snapshot
    body = {
        "at": snapshot.at.isoformat(),
        "kafka_error": snapshot.kafka_error,
        "workers_error": snapshot.workers_error,
        "window_seconds": collector.window.total_seconds(),
        "stories": [s.model_dump(mode="json") for s in collector.stories.top(collector.window, TOP_STORIES, now)],
        "known_stories": len(collector.stories),
        "unreadable_records": collector.unreadable,
        "entity_window_seconds": snapshot.entity_window,
        "entities": snapshot.entities,
        "lag": [asdict(row) for row in snapshot.lag],
        "flows": [asdict(flow) for flow in snapshot.flows],
        "health": [asdict(h) for h in snapshot.health],
        "dead_letters": {"total": collector.letters.total, "by_reason": collector.letters.by_reason(),
                         "latest": [asdict(row) | {"failed_at": row.failed_at.isoformat()}
                                    for row in collector.letters.latest()]},
    }
    return web.Response(body=orjson.dumps(body), content_type="application/json")


async def bench_plot(request: web.Request) -> web.FileResponse:
    name = request.match_info["name"]
    bench = latest_bench(request.app[BENCH_DIR])
    if name not in PLOTS or bench is None or not (bench / name).exists():
        raise web.HTTPNotFound()
    return web.FileResponse(bench / name)


def build(collector: Collector, bench_dir: Path) -> web.Application:
    app = web.Application()
    app[COLLECTOR] = collector
    app[BENCH_DIR] = bench_dir

    app.router.add_get("/", index)
    app.router.add_get("/story/{story_id}", story)
    app.router.add_get("/events", events)
    app.router.add_get("/snapshot.json", snapshot_json)
    app.router.add_get("/bench/{name}", bench_plot)
    app.router.add_static("/static", Path(__file__).parent / "static")
    return app


class Dashboard:
    """The dashboard for these settings: `start`/`stop` on the caller's loop, or `start_in_thread`/`stop_thread`."""

    def __init__(self, settings: Settings, host: str | None = None, port: int | None = None,
                 workers: list[str] | None = None) -> None:
        self.host = host or settings.dashboard_host
        self.port = settings.dashboard_port if port is None else port
        workers = workers or settings.dashboard_workers or [f"http://{settings.web_host}:{settings.web_port}"]
        self.collector = Collector(settings, workers, timedelta(seconds=settings.dashboard_window),
                                   settings.dashboard_refresh)
        self.bench_dir = settings.dashboard_bench_dir
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    async def start(self) -> None:
        """Bind the port (an OSError if it is taken) and start reading the cluster."""
        self._runner = web.AppRunner(build(self.collector, self.bench_dir), handle_signals=False,
                                     shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            raise
        if self.port == 0:
            self.port = self._runner.addresses[0][1]
        await self.collector.start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self.collector.stop()
            await self._runner.cleanup()
            self._runner = None

    def start_in_thread(self) -> None:
        """Serve from a daemon thread with its own loop; returns once the port is bound, or raises its OSError."""
        ready, failure = threading.Event(), []
        loop = self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except Exception as exc:  # handed to the caller's thread
                failure.append(exc)
                return
            finally:
                ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            left = asyncio.all_tasks(loop)
            for task in left:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=run, name="vestnik-dashboard", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]

    def stop_thread(self) -> None:
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = self._loop = None
