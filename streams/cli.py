"""The `vestnik` command line."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from streams.settings import Settings

cli = typer.Typer(help="vestnik: streaming ingester for Russian-language news on Apache Kafka.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
broker_cli = typer.Typer(help="Manage the embedded local Kafka broker.", no_args_is_help=True)
eval_cli = typer.Typer(help="Score the cleaner or the annotator on the shared corpus.", no_args_is_help=True)
cli.add_typer(broker_cli, name="broker")
cli.add_typer(eval_cli, name="eval")

AgentsOption = Annotated[str, typer.Option(help="Comma-separated agents to run: crawler,cleaner,annotator.")]


def _agents(value: str) -> list[str]:
    from streams.app import AGENT_NAMES

    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(AGENT_NAMES))
    if unknown or not names:
        raise typer.BadParameter(f"unknown agents {unknown}; choose from {', '.join(AGENT_NAMES)}")
    return names


def _run_worker(settings: Settings, agents: list[str]) -> None:
    import faust

    from streams.app import build_app
    from streams.delivery import EXIT_KAFKA_UNAVAILABLE
    from streams.kafka import ClusterUnavailable, changelog_topics, ensure_topics, ensure_topics_when_ready

    try:
        asyncio.run(ensure_topics_when_ready(settings))
    except ClusterUnavailable as exc:
        typer.echo(f"vestnik worker: {exc}", err=True)
        raise SystemExit(EXIT_KAFKA_UNAVAILABLE) from exc
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    app = build_app(settings, agents)
    loop.run_until_complete(ensure_topics(settings, changelog_topics(settings, app)))
    worker = faust.Worker(app, loglevel=settings.log_level)
    worker.execute_from_commandline()


@contextlib.contextmanager
def _embedded_broker(settings: Settings) -> Iterator[None]:
    """Start the embedded broker if no cluster is configured, and stop it afterwards if we started it."""
    if not settings.embedded:
        yield
        return
    from streams.broker import EmbeddedBroker

    broker = EmbeddedBroker.default(settings)
    already = broker.running_pid() is not None
    seconds = broker.start()
    typer.echo(f"broker {broker.bootstrap} ready in {seconds:.1f}s", err=True)
    try:
        yield
    finally:
        if not already:
            broker.stop()


@cli.command()
def run(
    agents: AgentsOption = "crawler,cleaner,annotator",
    demo: Annotated[bool, typer.Option(help="Crawl the local demo site built from the shared corpus.")] = False,
) -> None:
    """The main job: ensure a broker and run all agents on the configured sources."""
    settings = Settings()
    with contextlib.ExitStack() as stack:
        if demo:
            from demo.site import DemoSite

            # A fixed port keeps the demo's article ids the same from run to run.
            site = DemoSite(settings.corpus_dir, port=settings.demo_port)
            site.start_in_thread()
            stack.callback(site.stop_thread)
            settings = settings.model_copy(update={
                "feed_urls": [site.feed_url],
                "allow_private_hosts": True,
            })
            typer.echo(f"demo site at {site.base_url} ({len(site.pages)} pages)", err=True)
        stack.enter_context(_embedded_broker(settings))
        try:
            _run_worker(settings, _agents(agents))
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise


@cli.command()
def worker(agents: AgentsOption = "crawler,cleaner,annotator") -> None:
    """Run agents as one Faust worker against the configured cluster (scale by running more)."""
    _run_worker(Settings(), _agents(agents))


@cli.command()
def crawl(
    once: Annotated[bool, typer.Option("--once", help="One pass over the sources, then exit.")] = False,
    source: Annotated[list[str] | None, typer.Option(help="Only this source (repeatable).")] = None,
) -> None:
    """Crawl the configured sources once (cron-style) and publish raw pages."""
    from rich.progress import Progress as Bar

    from streams.bindings.crawl_once import crawl_once, select_sources

    if not once:
        raise typer.BadParameter("continuous crawling is `vestnik worker --agents crawler`; use --once here")
    settings = Settings()
    try:
        sources = select_sources(settings, source or [])
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    with _embedded_broker(settings), Bar(transient=True) as bar:
        tasks: dict[str, Any] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done, total=total)

        outcomes = asyncio.run(crawl_once(settings, sources, progress))
    for outcome, count in sorted(outcomes.items(), key=lambda item: -item[1]):
        typer.echo(f"{count:6d}  {outcome}")
    typer.echo(f"{sum(outcomes.values()):6d}  pages in all, {outcomes['published']} published")


@cli.command()
def replay(
    since: Annotated[datetime, typer.Option(help="Reprocess input from this time on (ISO 8601, UTC if no zone).")],
    agents: AgentsOption = "cleaner",
) -> None:
    """Backfill: rewind an agent set's consumer group so its next workers reprocess from a time."""
    from streams.replay import ReplayError, rewind

    moment = since if since.tzinfo else since.replace(tzinfo=UTC)
    try:
        targets = asyncio.run(rewind(Settings(), _agents(agents), moment))
    except ReplayError as exc:
        typer.echo(f"cannot replay: {exc}", err=True)
        raise typer.Exit(1) from exc
    for tp, offset in sorted(targets.items()):
        typer.echo(f"{tp.topic}[{tp.partition}] -> offset {offset}")
    typer.echo(f"rewound {len(targets)} partitions to {moment.isoformat()}; start the workers to reprocess")


@cli.command("top-entities")
def top_entities(
    type_: Annotated[str | None, typer.Option("--type", help="PER, LOC or ORG.")] = None,
    limit: Annotated[int, typer.Option(help="How many entities to show.")] = 20,
    worker: Annotated[list[str] | None, typer.Option(help="Worker web address (repeat for each worker).")] = None,
) -> None:
    """Who is in the news: articles per entity in the current window, from the annotator workers."""
    from streams.entities import fetch_top

    settings = Settings()
    workers = worker or [f"http://{settings.web_host}:{settings.web_port}"]
    window, rows = asyncio.run(fetch_top(workers, type_, limit))
    typer.echo(f"articles per entity, current {window / 60:.0f}-minute window")
    for row in rows:
        typer.echo(f"{row['articles']:6d}  {row['type']}  {row['name']}")


@broker_cli.command("start")
def broker_start() -> None:
    """Fetch Kafka if needed, format storage and start the local broker."""
    from streams.broker import EmbeddedBroker

    broker = EmbeddedBroker.default(Settings())
    seconds = broker.start()
    typer.echo(f"broker {broker.bootstrap} ready in {seconds:.1f}s (data in {broker.data_dir})")


@broker_cli.command("stop")
def broker_stop() -> None:
    """Stop the local broker."""
    from streams.broker import EmbeddedBroker

    stopped = EmbeddedBroker.default(Settings()).stop()
    typer.echo("stopped" if stopped else "not running")


@broker_cli.command("status")
def broker_status() -> None:
    """Say whether the local broker runs, and where."""
    from streams.broker import EmbeddedBroker

    broker = EmbeddedBroker.default(Settings())
    pid = broker.running_pid()
    typer.echo(f"running (pid {pid}) at {broker.bootstrap}" if pid else "not running")
    raise typer.Exit(0 if pid else 1)


@cli.command()
def tail(
    topic: Annotated[str, typer.Argument(help="Registry key, suffix or full name, e.g. enriched-articles.")],
    limit: Annotated[int, typer.Option(help="Stop after this many events (0 = no limit).")] = 0,
    timeout: Annotated[float, typer.Option(help="Stop after this many idle seconds (0 = follow).")] = 0.0,
    from_beginning: Annotated[bool, typer.Option(help="Start at the oldest event.")] = True,
) -> None:
    """Pretty-print the events of a topic."""
    from streams.tail import tail_topic
    from streams.topics import resolve

    settings = Settings()
    try:
        resolve(settings, topic)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0])) from exc
    asyncio.run(tail_topic(settings, topic, limit=limit, idle_timeout=timeout, from_beginning=from_beginning))


def _json_lines(stream: typer.FileText) -> Iterator[dict[str, object]]:
    for number, line in enumerate(stream, 1):
        if line.strip():
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield {"_error": f"line {number}: not JSON: {exc}"}


def _emit(record: dict[str, object]) -> None:
    sys.stdout.write(orjson.dumps(record).decode() + "\n")
    sys.stdout.flush()


@cli.command("clean")
def clean_command(
    file: Annotated[Path | None, typer.Argument(help="An HTML or text page; omit to read JSON Lines.")] = None,
    url: Annotated[str | None, typer.Option(help="The page's URL (selects the site rules).")] = None,
) -> None:
    """Clean one page, or JSON Lines {id,url,html|text} from stdin; no Kafka."""
    from streams.oneshot import clean_record

    if file is not None:
        data = file.read_bytes()
        content: dict[str, object] = (
            {"text": data.decode("utf-8", "replace")} if file.suffix == ".txt" else {"html": data}
        )
        _emit(clean_record({"id": file.stem, "url": url, **content}))
        return
    for record in _json_lines(sys.stdin):  # type: ignore[arg-type]
        _emit(clean_record(record))


@cli.command("annotate")
def annotate_command() -> None:
    """Annotate JSON Lines {id,text,title?} from stdin with entities; no Kafka."""
    from streams.oneshot import annotate_record

    for record in _json_lines(sys.stdin):  # type: ignore[arg-type]
        _emit(annotate_record(record))


@cli.command("demo-site")
def demo_site() -> None:
    """Serve the local demo news site built from the shared corpus (port VESTNIK_DEMO_PORT)."""
    from demo.site import DemoSite

    settings = Settings()
    site = DemoSite(settings.corpus_dir, port=settings.demo_port)
    site.start_in_thread()
    typer.echo(f"serving {len(site.pages)} pages; feed at {site.feed_url} (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            import time

            time.sleep(3600)
    site.stop_thread()


@eval_cli.command("clean")
def eval_clean(corpus: Annotated[Path | None, typer.Option(help="Corpus folder.")] = None) -> None:
    """Score the cleaner beside plain trafilatura on seeds and pages."""
    from agents.cleaner.evaluate import main as evaluate

    raise typer.Exit(evaluate(["--corpus", str(corpus or Settings().corpus_dir)]))


@eval_cli.command("ner")
def eval_ner(corpus: Annotated[Path | None, typer.Option(help="Corpus folder.")] = None) -> None:
    """Score the annotator's entities beside plain natasha on factRuEval dev."""
    from agents.annotator.evaluate import main as evaluate

    raise typer.Exit(evaluate(["--corpus", str(corpus or Settings().corpus_dir)]))


@cli.command()
def bench(
    pages: Annotated[int, typer.Option(help="Raw pages per pipeline set-up, produced at once.")] = 600,
    workers: Annotated[str, typer.Option(help="Worker processes of each set-up, comma-separated.")] = "1,2",
    latency_seconds: Annotated[float, typer.Option(help="Seconds of pages offered at half the maximum"
                                                   " rate to the largest set-up; 0 skips latency.")] = 30.0,
    rounds: Annotated[int, typer.Option(help="Passes over the corpus for the stage timings.")] = 2,
    warm_up: Annotated[int, typer.Option(help="Pages each set-up handles before it is measured.")] = 100,
    corpus_limit: Annotated[int | None, typer.Option(help="Only the first N corpus pages.")] = None,
    out: Annotated[Path, typer.Option(help="Results directory; each run writes a folder in it.")] = Path(
        "benchmarks/results"),
    corpus: Annotated[Path | None, typer.Option(help="Corpus folder.")] = None,
) -> None:
    """Measure the stages alone, a plain script and the pipeline on a real broker; write a table and plots.

    Uses the configured cluster, or an embedded broker of its own on free ports.
    """
    from benchmarks.bench import Options, markdown, run, write

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a terminated bench still stops its workers and broker
    counts = tuple(sorted({int(n) for n in workers.split(",") if n.strip()}))
    if not counts or min(counts) < 1:
        raise typer.BadParameter("--workers takes positive counts, e.g. 1,2")
    options = Options(corpus=corpus or Settings().corpus_dir, out=out, pages=pages, workers=counts,
                      rounds=rounds, latency_seconds=latency_seconds, corpus_limit=corpus_limit, warm_up=warm_up)
    results = run(options, say=lambda line: typer.echo(line, err=True))
    folder = write(results, out)
    typer.echo(markdown(results))
    typer.echo(f"written to {folder}", err=True)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    cli()


if __name__ == "__main__":
    main()
