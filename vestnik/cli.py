"""The `vestnik` command line."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, Literal, NoReturn

import orjson
import typer
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_settings import SettingsError

from schemas.models import EntityType
from streams.settings import Settings, settings_error

if TYPE_CHECKING:
    from aiokafka.admin import NewTopic

    from vestnik.demo.site import DemoSite
    from vestnik.ops.broker import EmbeddedBroker, EmbeddedCluster

cli = typer.Typer(help="vestnik: streaming ingester for Russian-language news on Apache Kafka.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
broker_cli = typer.Typer(help="Manage the embedded local Kafka broker (or cluster).", no_args_is_help=True)
eval_cli = typer.Typer(help="Score the cleaner or the annotator on the shared corpus.", no_args_is_help=True)
cli.add_typer(broker_cli, name="broker")
cli.add_typer(eval_cli, name="eval")

MAX_LOCAL_BROKERS = 5
AgentsOption = Annotated[str, typer.Option(help="Comma-separated agents to run, of crawler,cleaner,annotator,stories.")]


def _agents(value: str) -> list[str]:
    from streams.app import AGENT_NAMES

    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(AGENT_NAMES))
    if unknown or not names:
        given = f"unknown agents {', '.join(unknown)}" if unknown else "no agent named"
        raise typer.BadParameter(f"{given}; choose from {', '.join(AGENT_NAMES)}", param_hint="--agents")
    return names


EXIT_UNAVAILABLE = 69  # EX_UNAVAILABLE: nothing answers at the configured address (Kafka, a worker)
EXIT_CONFIG = 78  # EX_CONFIG: a VESTNIK_* variable holds a value that cannot be used
DEBUG_HINT = "rerun with VESTNIK_LOG_LEVEL=debug for the traceback"


def _fail(problem: str, code: int = 1) -> NoReturn:
    """End the command with one line on stderr: what is wrong and, where it helps, what to do."""
    typer.echo(f"vestnik: {problem}", err=True)
    raise typer.Exit(code)


def _settings() -> Settings:
    """The settings from the environment; a variable that cannot be used ends the command in one line."""
    try:
        return Settings()
    except (ValidationError, SettingsError) as exc:
        _fail(settings_error(exc), EXIT_CONFIG)


def _run_worker(settings: Settings, agents: list[str]) -> None:
    import faust

    from agents.crawler.sources import SourcesError
    from streams.app import build_app
    from streams.delivery import EXIT_KAFKA_UNAVAILABLE
    from streams.kafka import (
        EXIT_CREDENTIALS_REJECTED,
        ClusterUnavailable,
        CredentialsRejected,
        ensure_topics_when_ready,
        faust_topics,
    )

    logging.getLogger("aiokafka").setLevel(logging.NOTSET)  # a worker's log shows what its clients meet
    if settings.web_enabled and _port_taken(settings.web_port):
        _fail(f"the worker's web port {settings.web_port} is taken, by another worker perhaps: give each worker on"
              " a machine its own VESTNIK_WEB_PORT, or set VESTNIK_WEB_ENABLED=false", EXIT_CONFIG)

    def when_ready(topics: Callable[[Settings], list[NewTopic]] | None = None) -> Settings:
        try:
            return loop.run_until_complete(ensure_topics_when_ready(settings, topics(settings) if topics else None))
        except ClusterUnavailable as exc:
            typer.echo(f"vestnik worker: {exc}", err=True)
            raise SystemExit(EXIT_KAFKA_UNAVAILABLE) from exc
        except CredentialsRejected as exc:
            typer.echo(f"vestnik worker: {exc}", err=True)
            raise SystemExit(EXIT_CREDENTIALS_REJECTED) from exc

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    settings = when_ready()  # with the replication the cluster allows
    try:
        app = build_app(settings, agents)
    except SourcesError as exc:
        _fail(f"the sources file (VESTNIK_SOURCES_FILE) cannot be used: {exc}", EXIT_CONFIG)
    when_ready(lambda resolved: faust_topics(resolved, app))
    if settings.log_format == "json":
        from streams.logs import logging_config

        worker = faust.Worker(app, loglevel=settings.log_level, quiet=True,
                              logging_config=logging_config(settings.log_level))
    else:
        worker = faust.Worker(app, loglevel=settings.log_level)
    worker.execute_from_commandline()


def _port_taken(port: int) -> bool:
    """Whether something listens on `port`: faust's web server binds it on every interface, as probed here."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: old connections don't count
        try:
            probe.bind(("", port))
        except OSError:
            return True
    return False


@contextlib.contextmanager
def _embedded_broker(settings: Settings) -> Iterator[None]:
    """Start the embedded broker if no cluster is configured, and stop it afterwards if we started it."""
    if not settings.embedded:
        yield
        return
    from vestnik.ops.broker import EmbeddedBroker

    broker = EmbeddedBroker.default(settings)
    already = broker.running_pid() is not None
    try:  # a broker interrupted (Ctrl-C) while it starts is stopped too
        seconds = _start(broker)
        typer.echo(f"broker {broker.bootstrap} ready in {seconds:.1f}s", err=True)
        yield
    finally:
        if not already:
            broker.stop()


def _start(broker: EmbeddedBroker | EmbeddedCluster) -> float:
    """Start the embedded broker (or cluster); why it could not is one line."""
    from vestnik.ops.kafka_runtime import BrokerError

    try:
        return broker.start()
    except BrokerError as exc:
        _fail(f"the embedded broker did not start: {exc}")


@cli.command()
def run(
    agents: AgentsOption = "crawler,cleaner,annotator,stories",
    demo: Annotated[bool, typer.Option(help="Crawl the local demo site of the project's own pages, and check "
                                            "what comes out of the pipeline for each.")] = False,
    dashboard: Annotated[bool, typer.Option(help="Serve the dashboard beside the worker (`vestnik dashboard`).")
                         ] = True,
) -> None:
    """The main job: ensure a broker and run all agents on the configured sources, with the dashboard."""
    settings = _settings()
    chosen = _agents(agents)
    try:
        with contextlib.ExitStack() as stack:
            if demo:
                # A fixed port keeps the demo's article ids the same from run to run.
                site = _start_demo_site(settings.demo_port)
                stack.callback(site.stop_thread)
                # Polled every few seconds: the site lists its republished copy once the original has been read.
                settings = settings.model_copy(update={
                    "feed_urls": [site.feed_url],
                    "allow_private_hosts": True,
                    "poll_interval": 5.0,
                })
                typer.echo(f"demo site at {site.base_url} ({len(site.pages)} pages)", err=True)
            stack.enter_context(_embedded_broker(settings))
            if dashboard:
                _start_dashboard(settings, stack)
            if demo:
                from vestnik.demo.check import DemoCheck

                check = DemoCheck(site, settings, stories="stories" in chosen)
                check.start_in_thread()
                stack.callback(check.stop_thread)
            try:
                _run_worker(settings, chosen)
            except SystemExit as exc:
                if exc.code not in (0, None):
                    raise
    except KeyboardInterrupt:  # before the worker took over Ctrl-C, e.g. while the broker starts
        typer.echo("vestnik run: interrupted", err=True)
        raise typer.Exit(130) from None


def _start_dashboard(settings: Settings, stack: contextlib.ExitStack) -> None:
    """The dashboard in a thread of the run; a port in use leaves the run going without it, and says so."""
    from vestnik.dashboard.server import Dashboard

    board = Dashboard(settings)
    try:
        board.start_in_thread()
    except OSError as exc:
        typer.echo(f"vestnik run: no dashboard, {board.host}:{board.port} is taken ({exc.strerror or exc}); set"
                   " VESTNIK_DASHBOARD_PORT or pass --no-dashboard", err=True)
        return
    stack.callback(board.stop_thread)
    typer.echo(f"dashboard at {board.url}", err=True)


def _start_demo_site(port: int) -> DemoSite:
    """The demo site of the packaged pages, served from a thread; a port in use is one line, not a traceback."""
    from vestnik.demo.site import DemoSite

    site = DemoSite(port=port)
    try:
        site.start_in_thread()
    except OSError as exc:
        _fail(f"the demo site cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}; "
              "choose another port with --port or VESTNIK_DEMO_PORT")
    return site


@cli.command()
def worker(agents: AgentsOption = "crawler,cleaner,annotator") -> None:
    """Run agents as one Faust worker against the configured cluster (scale by running more)."""
    _run_worker(_settings(), _agents(agents))


@cli.command()
def crawl(
    once: Annotated[bool, typer.Option("--once", help="One pass over the sources, then exit.")] = False,
    source: Annotated[list[str] | None, typer.Option(help="Only this source (repeatable).")] = None,
) -> None:
    """Crawl the configured sources once (cron-style) and publish raw pages."""
    from rich.progress import Progress as Bar

    from agents.crawler.sources import SourcesError
    from vestnik.ops.crawl_once import crawl_once, select_sources

    if not once:
        raise typer.BadParameter("continuous crawling is `vestnik worker --agents crawler`; use --once here",
                                 param_hint="--once")
    settings = _settings()
    try:
        sources = select_sources(settings, source or [])
    except SourcesError as exc:
        _fail(f"the sources file (VESTNIK_SOURCES_FILE) cannot be used: {exc}", EXIT_CONFIG)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--source") from exc
    with _embedded_broker(settings), Bar(transient=True) as bar:
        tasks: dict[str, Any] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done, total=total)

        summary = asyncio.run(crawl_once(settings, sources, progress))
    for outcome, count in summary.outcomes.most_common():
        typer.echo(f"{count:6d}  {outcome}")
    pages = summary.outcomes.total()
    typer.echo(f"{pages:6d}  pages in all, {summary.outcomes['published']} published, from {summary.hosts} hosts"
               f" in {summary.seconds:.1f} s")
    for reason, count in summary.reasons.most_common(10):
        typer.echo(f"        {count:6d}  {reason}")
    for failure in summary.discovery_failures:
        typer.echo(f"        discovery failed: {failure}")


@cli.command("import")
def import_command(
    paths: Annotated[list[Path], typer.Argument(help="Web archives (WARC .warc, .warc.gz; ARC .arc, .arc.gz),"
                                                " saved pages (.html, .html.gz), text pages (.txt) or folders"
                                                " of them.", metavar="PATH",
                                                show_default=False)],
    base_url: Annotated[str | None, typer.Option(help="Address of the files' folder: a.html is published as"
                                                 " BASE_URL/a.html (default: its file:// URL). Archived pages"
                                                 " keep their own address.")] = None,
    source: Annotated[str, typer.Option(help="Source name the pages are published under.")] = "import",
) -> None:
    """Publish pages from web archives and saved files to raw-pages, with the ids the crawler would give.

    From a WARC: HTML responses, and HTML pages kept whole as resource records. From an ARC (version 1):
    its HTML responses. Other records, and bad ones (unreadable, broken gzip, not HTML, empty, undecodable,
    over-size), are skipped and counted.

    Exits 1 if nothing could be read at all, 75 if Kafka cannot be reached.
    """
    from aiokafka.errors import KafkaError

    from streams.delivery import EXIT_KAFKA_UNAVAILABLE
    from streams.failures import PublishFailed
    from streams.kafka import kafka_problem
    from vestnik.ops.importer import bar_reporter, import_pages, progress_bar

    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise typer.BadParameter(f"{base_url!r} is not an http(s) address, e.g. https://example.ru/news/",
                                 param_hint="--base-url")
    settings = _settings()
    try:
        with _embedded_broker(settings), progress_bar() as bar:
            summary = asyncio.run(import_pages(settings, paths, base_url=base_url, source=source,
                                               progress=bar_reporter(bar)))
    except (PublishFailed, KafkaError) as exc:
        _fail(kafka_problem(settings, exc), EXIT_KAFKA_UNAVAILABLE)
    for line in summary.lines():
        typer.echo(line)
    if not summary.read:
        _fail("nothing could be read")


def _utc(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


@cli.command()
def replay(
    since: Annotated[datetime | None, typer.Option(help="Reprocess input from this time on (ISO 8601, UTC if no"
                                                   " zone).")] = None,
    from_beginning: Annotated[bool, typer.Option(help="Reprocess all the input the topics still keep.")] = False,
    until: Annotated[datetime | None, typer.Option(help="Only the input received before this time: copied back"
                                                   " for the running workers, newest per article.")] = None,
    agents: AgentsOption = "cleaner",
    force: Annotated[bool, typer.Option("--force", help="Rewind to a --since in the future all the same: the"
                                                          " groups then skip the input not yet processed.")] = False,
) -> None:
    """Backfill: make an agent set reprocess its input since a time, or only a window of it.

    Without --until the agents' consumer groups are rewound: stop their workers first, start them after.
    With --until the groups are left alone and the window's input records are copied back onto their
    partitions for the running workers; a record whose article has a newer input is not copied.
    Watch the progress with `vestnik lag`.
    """
    from vestnik.ops.replay import ReplayError, refeed, rewind

    if (since is None) == (not from_beginning):
        raise typer.BadParameter("give either --since or --from-beginning")
    moment, end = _utc(since), _utc(until)
    if moment is not None and end is not None and moment >= end:
        raise typer.BadParameter(f"{moment.isoformat()} is not before --until {end.isoformat()}:"
                                 " the window holds no input", param_hint="--since")
    if moment is not None and moment > datetime.now(UTC):
        if end is not None:
            raise typer.BadParameter(f"{moment.isoformat()} is in the future: no input was received in"
                                     " the window yet", param_hint="--since")
        if not force:
            raise typer.BadParameter(f"{moment.isoformat()} is in the future: every partition would move"
                                     " to its end and the input not yet processed would be skipped; give --force"
                                     " if that is what you want", param_hint="--since")
    settings, names = _settings(), _agents(agents)
    try:
        if end is not None:
            report = asyncio.run(refeed(settings, names, moment, end))
            for topic in sorted(set(report.copied) | set(report.superseded)):
                typer.echo(f"{topic}: copied {report.copied[topic]}, skipped {report.superseded[topic]} superseded")
            typer.echo(f"re-fed {sum(report.copied.values())} inputs received before {end.isoformat()}")
            return
        targets = asyncio.run(rewind(settings, names, moment))
    except ReplayError as exc:
        _fail(f"cannot replay: {exc}")
    for tp, offset in sorted(targets.items()):
        typer.echo(f"{tp.topic}[{tp.partition}] -> offset {offset}")
    when = moment.isoformat() if moment else "the oldest kept input"
    typer.echo(f"rewound {len(targets)} partitions to {when}; start the workers to reprocess")


@cli.command()
def lag(
    agents: AgentsOption = "crawler,cleaner,annotator,stories",
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between samples.")] = 5.0,
    samples: Annotated[int, typer.Option(min=0, help="How many samples to print (0 = until Ctrl-C).")] = 0,
    until_drained: Annotated[bool, typer.Option(help="Stop once no group is behind.")] = False,
) -> None:
    """Each consumer group's lag per input topic, its rate and when it will have caught up."""
    import time

    from vestnik.ops.lag import positions, progress_lines

    settings, names = _settings(), _agents(agents)
    before, shown = None, 0
    while True:
        now = asyncio.run(positions(settings, names))
        if not now:
            _fail("none of these agents' input topics exists yet: workers create them when they start"
                  " (`vestnik run` or `vestnik worker`)")
        typer.echo(datetime.now(UTC).strftime("%H:%M:%S"))
        for line in progress_lines(before, now):
            typer.echo(line)
        shown += 1
        if (samples and shown >= samples) or (until_drained and all(p.lag == 0 for p in now)):
            return
        before = now
        time.sleep(interval)


@cli.command()
def dashboard(
    host: Annotated[str | None, typer.Option(show_default="VESTNIK_DASHBOARD_HOST, 127.0.0.1",
                                             help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(min=0, max=65535, show_default="VESTNIK_DASHBOARD_PORT, 8066",
                                             help="Port; 0 = any free port.")] = None,
    worker: Annotated[list[str] | None, typer.Option(help="Worker web address (repeat for each worker).")] = None,
) -> None:
    """Serve a live page of the top stories and entities, the pipeline's rates, lag, dead letters and health."""
    from vestnik.dashboard.server import Dashboard

    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # a broker that is away is the page's banner
    board = Dashboard(_settings(), host, port, worker)

    async def serve() -> None:
        try:
            await board.start()
        except OSError as exc:
            _fail(f"the dashboard cannot listen on {board.host}:{board.port}: {exc.strerror or exc}; choose another"
                  " with --port or VESTNIK_DASHBOARD_PORT")
        typer.echo(f"dashboard at {board.url} (Ctrl-C to stop)", err=True)
        try:
            await asyncio.Event().wait()
        finally:
            await board.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


@cli.command("top-entities")
def top_entities(
    type_: Annotated[EntityType | None, typer.Option("--type", help="Only entities of this type.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many entities to show.")] = 20,
    worker: Annotated[list[str] | None, typer.Option(help="Worker web address (repeat for each worker).")] = None,
) -> None:
    """Who is in the news: articles per entity in the current window, from the annotator workers."""
    import aiohttp

    from vestnik.ops.top_entities import fetch_top

    settings = _settings()
    workers = worker or [f"http://{settings.web_host}:{settings.web_port}"]
    try:
        window, rows = asyncio.run(fetch_top(workers, type_, limit))
    except aiohttp.ClientConnectorError as exc:
        _fail(f"no worker answers at {exc.host}:{exc.port}: start the annotator (`vestnik run`, or `vestnik worker"
              " --agents annotator`), or give its address with --worker", EXIT_UNAVAILABLE)
    except (aiohttp.ClientError, TimeoutError, KeyError, ValueError) as exc:
        _fail(f"no entity counts from {', '.join(workers)} ({type(exc).__name__}: {exc}): is it a vestnik"
              " worker running the annotator?", EXIT_UNAVAILABLE)
    typer.echo(f"articles per entity, current {window / 60:.0f}-minute window")
    for row in rows:
        typer.echo(f"{row['articles']:6d}  {row['type']}  {row['name']}")


@broker_cli.command("start")
def broker_start(
    brokers: Annotated[int, typer.Option("--brokers", min=1, max=MAX_LOCAL_BROKERS,
                                         help="Nodes; more than one: a replicated cluster.")] = 1,
) -> None:
    """Fetch Kafka if needed, format storage and start the local broker, or a local cluster."""
    from vestnik.ops.broker import EmbeddedBroker, EmbeddedCluster

    settings = _settings()
    if brokers == 1:
        broker = EmbeddedBroker.default(settings)
        seconds = _start(broker)
        typer.echo(f"broker {broker.bootstrap} ready in {seconds:.1f}s (data in {broker.data_dir})")
        return
    cluster = EmbeddedCluster.default(settings, brokers)
    seconds = _start(cluster)
    typer.echo(f"{brokers} brokers ready in {seconds:.1f}s (data in {cluster.root}); point workers and commands"
               f" at them with VESTNIK_BOOTSTRAP_SERVERS={cluster.bootstrap}")


@broker_cli.command("stop")
def broker_stop() -> None:
    """Stop the local broker, or every node of the local cluster."""
    from vestnik.ops.broker import EmbeddedBroker, EmbeddedCluster

    settings = _settings()
    stopped = EmbeddedBroker.default(settings).stop() + EmbeddedCluster.default(settings, MAX_LOCAL_BROKERS).stop()
    typer.echo(f"stopped {stopped} broker{'s' if stopped > 1 else ''}" if stopped else "not running")


@broker_cli.command("status")
def broker_status() -> None:
    """Say whether the local broker (or cluster) runs, and where."""
    from vestnik.ops.broker import EmbeddedBroker, EmbeddedCluster

    settings = _settings()
    running = [broker for broker in (EmbeddedBroker.default(settings),
                                     *EmbeddedCluster.default(settings, MAX_LOCAL_BROKERS).nodes)
               if broker.running_pid() is not None]
    for broker in running:
        typer.echo(f"running (pid {broker.running_pid()}) at {broker.bootstrap}")
    if not running:
        typer.echo("not running")
    raise typer.Exit(0 if running else 1)


@cli.command()
def tail(
    topic: Annotated[str, typer.Argument(help="Registry key, suffix or full name, e.g. enriched-articles.")],
    limit: Annotated[int, typer.Option(min=0, help="Stop after this many events (0 = no limit).")] = 0,
    timeout: Annotated[float, typer.Option(min=0, help="Stop after this many idle seconds (0 = follow).")] = 0.0,
    from_beginning: Annotated[bool, typer.Option(help="Start at the oldest event.")] = True,
) -> None:
    """Pretty-print the events of a topic."""
    from streams.topics import resolve
    from vestnik.ops.tail import TopicNotCreated, tail_topic

    settings = _settings()
    try:
        resolve(settings, topic)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="TOPIC") from exc
    try:
        asyncio.run(tail_topic(settings, topic, limit=limit, idle_timeout=timeout, from_beginning=from_beginning))
    except TopicNotCreated as exc:
        _fail(str(exc))


class _Line(BaseModel):
    """The fields of an input line whose types the one-shot stages rely on; other fields pass through as given."""

    model_config = ConfigDict(extra="allow")
    id: str | int | None = None
    url: str | None = None
    title: str | None = None
    text: str | None = None
    html: str | None = None
    published_at: str | None = None
    entities: list[Any] | None = None


_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean",
               type(None): "null"}


class _JsonLines:
    """The records of a JSON Lines stream, read as bytes (any encoding error is a bad line, not a crash).

    A line that is not a JSON object with fields of the right types becomes an error record, which the
    stages print as `{"id": null, "error": ...}` and go on; `records` counts the good ones.
    """

    def __init__(self, stream: BinaryIO, shape: str) -> None:
        self.stream, self.shape, self.records = stream, shape, 0

    def __iter__(self) -> Iterator[dict[str, object]]:
        for number, line in enumerate(self.stream, 1):
            if line.strip():
                yield self._record(number, line)

    def _record(self, number: int, line: bytes) -> dict[str, object]:
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            return {"_error": f"line {number}: not JSON: {exc}"}
        if not isinstance(record, dict):
            return {"_error": f"line {number}: {_JSON_KINDS.get(type(record), 'a value')}, not a JSON object"
                              f" {self.shape}"}
        try:
            _Line.model_validate(record)
        except ValidationError as exc:
            wrong = "; ".join(f"{'.'.join(map(str, error['loc']))}: {error['msg']}"
                              for error in exc.errors(include_url=False))
            return {"_error": f"line {number}: {wrong}"}
        self.records += 1
        return record

    def require_records(self) -> None:
        """A run that read no good record did nothing: say so and end non-zero (error records went to stdout)."""
        if not self.records:
            _fail(f"no record to work on: the input holds no JSON object {self.shape} (one a line)")


def _json_lines(file: BinaryIO | None, shape: str) -> _JsonLines:
    """JSON Lines from FILE, or from stdin when it is not a terminal (where a newcomer would wait for nothing)."""
    if file is None and sys.stdin.isatty():
        _fail(f"no input: give a file, or pipe JSON Lines {shape} in, e.g. `< lines.jsonl`")
    return _JsonLines(file or sys.stdin.buffer, shape)


def _emit(record: dict[str, object]) -> None:
    sys.stdout.write(orjson.dumps(record).decode() + "\n")
    sys.stdout.flush()


@cli.command("clean")
def clean_command(
    file: Annotated[Path | None, typer.Argument(help="An HTML or text page; omit to read JSON Lines.", exists=True,
                                                dir_okay=False, readable=True)] = None,
    url: Annotated[str | None, typer.Option(help="The page's URL (selects the site rules).")] = None,
) -> None:
    """Clean one page, or JSON Lines {id,url,html|text} from stdin; no Kafka.

    Exits 1 if the page, or every line, could not be cleaned.
    """
    from vestnik.ops.oneshot import clean_record

    if file is not None:
        data = file.read_bytes()
        content: dict[str, object] = (
            {"text": data.decode("utf-8", "replace")} if file.suffix == ".txt" else {"html": data}
        )
        cleaned = clean_record({"id": file.stem, "url": url, **content})
        _emit(cleaned)
        if "error" in cleaned:
            raise typer.Exit(1)
        return
    lines = _json_lines(None, "{id,url,html|text}")
    for record in lines:
        _emit(clean_record(record))
    lines.require_records()


@cli.command("annotate")
def annotate_command() -> None:
    """Annotate JSON Lines {id,text,title?} from stdin with entities; no Kafka."""
    from vestnik.ops.oneshot import annotate_record

    lines = _json_lines(None, "{id,text,title?}")
    for record in lines:
        _emit(annotate_record(record))
    lines.require_records()


@cli.command("stories")
def stories_command(
    file: Annotated[typer.FileBinaryRead | None, typer.Argument(help="JSON Lines; omit to read stdin.")] = None,
) -> None:
    """Cluster JSON Lines {id,title,text,url?,published_at?,entities?} into stories, in input order, with the
    sentence encoder VESTNIK_STORIES_ENCODER names; no Kafka."""
    from agents.stories.encoder import encoder_named
    from streams.bindings.stories import story_config
    from vestnik.ops.oneshot import story_records

    settings = _settings()
    encoder = encoder_named(settings.stories_encoder, settings.stories_encoder_threads)
    lines = _json_lines(file, "{id,title,text,url?,published_at?,entities?}")
    for record in story_records(lines, story_config(settings), encoder):
        _emit(record)
    lines.require_records()


@cli.command("top-stories")
def top_stories_command(
    window: Annotated[str, typer.Option(help="Stories seen within this long: 24h, 90m, 3d.")] = "24h",
    limit: Annotated[int, typer.Option(min=1, help="How many stories to show.")] = 20,
) -> None:
    """The stories with the most distinct outlets, from the `stories` topic."""
    from vestnik.ops.top_stories import parse_span, read_stories, top

    settings = _settings()
    try:
        span = parse_span(window)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--window") from exc
    read = asyncio.run(read_stories(settings))
    rows = top(read.stories, span, limit)
    typer.echo(f"{len(rows)} of {len(read.stories)} stories seen in the last {window}, most outlets first")
    for story in rows:
        typer.echo(f"{story.sites:4d} sites {story.members:5d} articles  {story.story_id}  first "
                   f"{story.first_site or '?'}  {story.title or ''}  [{', '.join(story.top_entities[:3])}]")
    if read.unreadable:
        typer.echo(f"({read.unreadable} records on the topic are not story.v1 events; ignored)")


@cli.command("demo-site")
def demo_site(
    port: Annotated[int | None, typer.Option(min=0, max=65535, show_default="VESTNIK_DEMO_PORT, 8088",
                                             help="Port on 127.0.0.1; 0 = any free port.")] = None,
) -> None:
    """Serve the local demo news site of the project's own pages."""
    site = _start_demo_site(_settings().demo_port if port is None else port)
    typer.echo(f"serving {len(site.pages)} pages; feed at {site.feed_url} (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        signal.pause()
    site.stop_thread()


def _corpus(corpus: Path | None, *needed: str) -> Path:
    """The corpus folder, checked for what a command reads from it: one line says what is missing and where to point."""
    folder = corpus or _settings().corpus_dir
    missing = [name for name in needed if not (folder / name).exists()]
    if missing:
        how = "--corpus" if corpus else "VESTNIK_CORPUS_DIR or --corpus"
        _fail(f"no corpus at {folder}: it needs {', '.join(missing)}; point {how} at the folder that holds them")
    return folder


CorpusOption = Annotated[Path | None, typer.Option(help="Corpus folder (default: VESTNIK_CORPUS_DIR).",
                                                    file_okay=False)]


@eval_cli.command("clean")
def eval_clean(corpus: CorpusOption = None) -> None:
    """Score the cleaner beside plain trafilatura on seeds and pages."""
    from vestnik.evaluation.cleaner import main as evaluate

    raise typer.Exit(evaluate(["--corpus", str(_corpus(corpus, "seeds", "gold", "pages/manifest.jsonl"))]))


@eval_cli.command("stories")
def eval_stories(
    corpus: CorpusOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Precise paraphrases against non-paraphrases.")] = False,
    events: Annotated[bool, typer.Option("--events", help="Same-event pairs across outlets (stories-events/),"
                                         " thresholds cross-validated.")] = False,
    encoder: Annotated[Literal["multilingual-e5-small-q4", "none"], typer.Option(
        help="With --events: the sentence encoder's rows too, or the lexical rows only.")] = "multilingual-e5-small-q4",
) -> None:
    """Score story clustering beside baselines on the same-story pairs (the corpus's stories/ or stories-events/)."""
    from vestnik.evaluation.stories import main as evaluate

    if events:
        from vestnik.evaluation.story_events import main as evaluate_events

        if strict:
            raise typer.BadParameter("applies to the paraphrase pairs only, not with --events", param_hint="--strict")
        folder = _corpus(corpus, "stories-events/articles.jsonl", "stories-events/pairs.jsonl") / "stories-events"
        raise typer.Exit(evaluate_events(["--corpus", str(folder), "--encoder", encoder]))
    if encoder != "multilingual-e5-small-q4":
        raise typer.BadParameter("applies to --events only: the paraphrase pairs are scored on words",
                                 param_hint="--encoder")
    folder = _corpus(corpus, "stories/articles.jsonl.gz", "stories/pairs.jsonl") / "stories"
    raise typer.Exit(evaluate(["--corpus", str(folder), *(["--strict"] if strict else [])]))


@eval_cli.command("ner")
def eval_ner(corpus: CorpusOption = None) -> None:
    """Score the annotator's entities beside plain natasha on factRuEval dev."""
    from vestnik.evaluation.annotator import main as evaluate

    raise typer.Exit(evaluate(["--corpus", str(_corpus(corpus, "ner/factru_dev.jsonl"))]))


@cli.command()
def bench(
    pages: Annotated[int, typer.Option(min=1, help="Raw pages per pipeline set-up, produced at once.")] = 600,
    workers: Annotated[str, typer.Option(help="Worker processes of each set-up, comma-separated.")] = "1,2",
    latency_seconds: Annotated[float, typer.Option(min=0, help="Seconds of pages offered at half the maximum"
                                                   " rate to the largest set-up; 0 skips latency.")] = 30.0,
    rounds: Annotated[int, typer.Option(min=1, help="Passes over the corpus for the stage timings.")] = 2,
    warm_up: Annotated[int, typer.Option(min=0, help="Pages each set-up handles before it is measured.")] = 100,
    corpus_limit: Annotated[int | None, typer.Option(min=1, help="Only the first N corpus pages.")] = None,
    story_window: Annotated[int, typer.Option(min=1, help="Articles in the story window when story assignment"
                                              " is timed.")] = 50_000,
    out: Annotated[Path, typer.Option(file_okay=False, help="Results directory; each run writes a folder in it.")
                   ] = Path("benchmarks/results"),
    corpus: CorpusOption = None,
) -> None:
    """Measure the stages alone, a plain script and the pipeline on a real broker; write a table and plots.

    Uses the configured cluster, or an embedded broker of its own on free ports. Needs the bench extra
    (`pip install 'vestnik[bench]'`).
    """
    try:
        import matplotlib  # noqa: F401
        import psutil  # noqa: F401
    except ImportError as exc:
        _fail(f"needs the bench extra, which is not installed ({exc.name or exc} is missing):"
              " pip install 'vestnik[bench]'")
    from vestnik.benchmarks.bench import Options, markdown, run, write

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a terminated bench still stops its workers and broker
    try:
        counts = tuple(sorted({int(n) for n in workers.split(",") if n.strip()}))
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1:
        raise typer.BadParameter("takes positive counts, e.g. 1,2", param_hint="--workers")
    options = Options(corpus=_corpus(corpus, "pages/manifest.jsonl"), out=out, pages=pages, workers=counts,
                      rounds=rounds, latency_seconds=latency_seconds, corpus_limit=corpus_limit, warm_up=warm_up,
                      story_window=story_window)
    results = run(options, say=lambda line: typer.echo(line, err=True))
    folder = write(results, out)
    typer.echo(markdown(results))
    typer.echo(f"written to {folder}", err=True)


dlq_cli = typer.Typer(help="Dead letters: list them, show one, send them back to their topic.", no_args_is_help=True)
cli.add_typer(dlq_cli, name="dlq")
DeadLetterAgent = Literal["crawler", "cleaner", "annotator", "entity-counter", "story-feed", "stories"]
"""What dead letters name as their agent: each loop and table stream of `streams.bindings.AGENTS`."""
DlqAgent = Annotated[DeadLetterAgent | None, typer.Option(help="Only this agent's dead letters.")]
DlqReason = Annotated[str | None, typer.Option(help="Only those whose 'error type: reason' contains this (any case).")]
DlqLimit = Annotated[int, typer.Option(min=0, help="Only the newest N of those that match (0 = all).")]


@dlq_cli.command("list")
def dlq_list(agent: DlqAgent = None, reason: DlqReason = None, limit: DlqLimit = 0) -> None:
    """Read the whole dead-letter topic (up to its end now, then stop) and print the matching dead letters.

    One row each, oldest first: reason, agent, origin topic\\[partition]@offset, age, start of the original value.

    An input dead-lettered twice (redelivered after a crash) is shown once.
    """
    from rich.console import Console

    from vestnik.ops.dlq import list_letters

    asyncio.run(list_letters(_settings(), Console(), agent=agent, reason=reason, limit=limit))


@dlq_cli.command("show")
def dlq_show(
    key: Annotated[str, typer.Argument(help="The original message key (e.g. an article id), the dead letter's id "
                                            "'topic/partition/offset', or its origin 'topic\\[partition]@offset'; "
                                            "the topic with or without the prefix.")],
    width: Annotated[int, typer.Option(min=1, help="Characters of the original value to show.")] = 600,
) -> None:
    """Print every field of the dead letters that KEY names, their requeue count and a longer payload preview.

    The requeue count is read from the original message, still on the source topic at its offset.
    """
    from rich.console import Console

    from vestnik.ops.dlq import show_letters

    if not asyncio.run(show_letters(_settings(), Console(), key, width=width)):
        raise typer.Exit(1)


@dlq_cli.command("requeue")
def dlq_requeue(
    agent: DlqAgent = None, reason: DlqReason = None, limit: DlqLimit = 0,
    max_requeues: Annotated[int, typer.Option(min=0, help="Refuse, as poison, a dead letter already requeued "
                                                          "this many times.")] = 3,
    force: Annotated[bool, typer.Option("--force", help="Requeue poison too.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be sent; send nothing.")] = False,
) -> None:
    """Send the matching dead letters' original values back to their source topics, with their original keys.

    Every consumer of the source topic sees the copy. A value too large to carry is re-read at its origin.

    Each copy carries the headers 'vestnik-requeues: N' and 'vestnik-requeued-from: <dead letter id>'.

    Skipped: a dead letter whose copy failed again (its newer dead letter stands for it), or whose value is gone.

    Note: a dead letter whose copy went through stays on the topic, and the same filters requeue it again.

    Prints one line per dead letter, then 'requeued N, refused M as poison, skipped K'.
    """
    from rich.console import Console

    from vestnik.ops.dlq import requeue_letters

    asyncio.run(requeue_letters(_settings(), Console(), agent=agent, reason=reason, limit=limit,
                                max_requeues=max_requeues, force=force, dry_run=dry_run))


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # aiokafka logs each failed connection before the command can say what it means; workers undo this.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    from aiokafka.errors import KafkaError

    try:
        cli()
    except KafkaError as exc:  # any command that talks to Kafka: say why in one line, not a traceback
        from streams.kafka import EXIT_CREDENTIALS_REJECTED, CredentialsRejected, check_credentials, kafka_problem

        settings = Settings()
        try:
            asyncio.run(check_credentials(settings))
        except CredentialsRejected as rejected:
            typer.echo(f"vestnik: {rejected}", err=True)
            raise SystemExit(EXIT_CREDENTIALS_REJECTED) from exc
        typer.echo(f"vestnik: {kafka_problem(settings, exc)}", err=True)
        raise SystemExit(EXIT_UNAVAILABLE) from exc
    except (ValidationError, SettingsError) as exc:
        if isinstance(exc, ValidationError) and exc.title != Settings.__name__:
            _unexpected(exc)
        typer.echo(f"vestnik: {settings_error(exc)}", err=True)
        raise SystemExit(EXIT_CONFIG) from exc
    except Exception as exc:  # the last resort: every known mistake is answered where it is made
        _unexpected(exc)


def _unexpected(exc: Exception) -> NoReturn:
    """One line for what no command foresaw; the traceback when VESTNIK_LOG_LEVEL=debug asks for it."""
    if os.environ.get("VESTNIK_LOG_LEVEL", "").lower() == "debug":
        raise exc
    typer.echo(f"vestnik: {type(exc).__name__}: {exc} ({DEBUG_HINT})", err=True)
    raise SystemExit(70) from exc  # EX_SOFTWARE


if __name__ == "__main__":
    main()
