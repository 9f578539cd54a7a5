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
    from streams.kafka import (
        EXIT_CREDENTIALS_REJECTED,
        ClusterUnavailable,
        CredentialsRejected,
        changelog_topics,
        ensure_topics,
        ensure_topics_when_ready,
    )

    try:
        asyncio.run(ensure_topics_when_ready(settings))
    except ClusterUnavailable as exc:
        typer.echo(f"vestnik worker: {exc}", err=True)
        raise SystemExit(EXIT_KAFKA_UNAVAILABLE) from exc
    except CredentialsRejected as exc:
        typer.echo(f"vestnik worker: {exc}", err=True)
        raise SystemExit(EXIT_CREDENTIALS_REJECTED) from exc
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    app = build_app(settings, agents)
    loop.run_until_complete(ensure_topics(settings, changelog_topics(settings, app)))
    if settings.log_format == "json":
        from streams.logs import logging_config

        worker = faust.Worker(app, loglevel=settings.log_level, quiet=True,
                              logging_config=logging_config(settings.log_level))
    else:
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
    paths: Annotated[list[Path], typer.Argument(help="WARC files (.warc, .warc.gz), saved pages (.html, .html.gz),"
                                                " text pages (.txt) or folders of them.", metavar="PATH",
                                                show_default=False)],
    base_url: Annotated[str | None, typer.Option(help="Address of the files' folder: a.html is published as"
                                                 " BASE_URL/a.html (default: its file:// URL). WARC records"
                                                 " keep their WARC-Target-URI.")] = None,
    source: Annotated[str, typer.Option(help="Source name the pages are published under.")] = "import",
) -> None:
    """Publish pages from web archives and saved files to raw-pages, with the ids the crawler would give.

    Bad records (unreadable, broken gzip, not HTML, empty, undecodable, over-size) are skipped and counted.

    Exits 1 if nothing could be read at all, 75 if Kafka cannot be reached.
    """
    from aiokafka.errors import KafkaError

    from streams.delivery import EXIT_KAFKA_UNAVAILABLE
    from streams.failures import PublishFailed
    from streams.importer import bar_reporter, import_pages, progress_bar

    settings = Settings()
    try:
        with _embedded_broker(settings), progress_bar() as bar:
            summary = asyncio.run(import_pages(settings, paths, base_url=base_url, source=source,
                                               progress=bar_reporter(bar)))
    except (PublishFailed, KafkaError) as exc:
        typer.echo(f"vestnik import: Kafka at {','.join(settings.servers)} failed: {exc!r}", err=True)
        raise typer.Exit(EXIT_KAFKA_UNAVAILABLE) from exc
    for line in summary.lines():
        typer.echo(line)
    if not summary.read:
        typer.echo("vestnik import: nothing could be read", err=True)
        raise typer.Exit(1)


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
) -> None:
    """Backfill: make an agent set reprocess its input since a time, or only a window of it.

    Without --until the agents' consumer groups are rewound: stop their workers first, start them after.
    With --until the groups are left alone and the window's input records are copied back onto their
    partitions for the running workers; a record whose article has a newer input is not copied.
    Watch the progress with `vestnik lag`.
    """
    from streams.replay import ReplayError, refeed, rewind

    if (since is None) == (not from_beginning):
        raise typer.BadParameter("give either --since or --from-beginning")
    moment, end = _utc(since), _utc(until)
    settings, names = Settings(), _agents(agents)
    try:
        if end is not None:
            report = asyncio.run(refeed(settings, names, moment, end))
            for topic in sorted(set(report.copied) | set(report.superseded)):
                typer.echo(f"{topic}: copied {report.copied[topic]}, skipped {report.superseded[topic]} superseded")
            typer.echo(f"re-fed {sum(report.copied.values())} inputs received before {end.isoformat()}")
            return
        targets = asyncio.run(rewind(settings, names, moment))
    except ReplayError as exc:
        typer.echo(f"cannot replay: {exc}", err=True)
        raise typer.Exit(1) from exc
    for tp, offset in sorted(targets.items()):
        typer.echo(f"{tp.topic}[{tp.partition}] -> offset {offset}")
    when = moment.isoformat() if moment else "the oldest kept input"
    typer.echo(f"rewound {len(targets)} partitions to {when}; start the workers to reprocess")


@cli.command()
def lag(
    agents: AgentsOption = "crawler,cleaner,annotator",
    interval: Annotated[float, typer.Option(help="Seconds between samples.")] = 5.0,
    samples: Annotated[int, typer.Option(help="How many samples to print (0 = until Ctrl-C).")] = 0,
    until_drained: Annotated[bool, typer.Option(help="Stop once no group is behind.")] = False,
) -> None:
    """Each consumer group's lag per input topic, its rate and when it will have caught up."""
    import time

    from streams.lag import positions, progress_lines

    settings, names = Settings(), _agents(agents)
    before, shown = None, 0
    while True:
        now = asyncio.run(positions(settings, names))
        typer.echo(datetime.now(UTC).strftime("%H:%M:%S"))
        for line in progress_lines(before, now):
            typer.echo(line)
        shown += 1
        if (samples and shown >= samples) or (until_drained and all(p.lag == 0 for p in now)):
            return
        before = now
        time.sleep(interval)


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


@cli.command("stories")
def stories_command(
    file: Annotated[typer.FileText | None, typer.Argument(help="JSON Lines; omit to read stdin.")] = None,
) -> None:
    """Cluster JSON Lines {id,title,text,url?,published_at?,entities?} into stories, in input order; no Kafka."""
    from streams.bindings.stories import story_config
    from streams.oneshot import story_records

    source = file or sys.stdin
    for record in story_records(_json_lines(source), story_config(Settings())):  # type: ignore[arg-type]
        _emit(record)


@cli.command("top-stories")
def top_stories_command(
    window: Annotated[str, typer.Option(help="Stories seen within this long: 24h, 90m, 3d.")] = "24h",
    limit: Annotated[int, typer.Option(help="How many stories to show.")] = 20,
) -> None:
    """The stories with the most distinct outlets, from the `stories` topic."""
    from streams.stories import parse_span, read_stories, top

    settings = Settings()
    try:
        span = parse_span(window)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    stories = asyncio.run(read_stories(settings))
    rows = top(stories, span, limit)
    typer.echo(f"{len(rows)} of {len(stories)} stories seen in the last {window}, most outlets first")
    for story in rows:
        typer.echo(f"{story.sites:4d} sites {story.members:5d} articles  {story.story_id}  first "
                   f"{story.first_site or '?'}  {story.title or ''}  [{', '.join(story.top_entities[:3])}]")


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


@eval_cli.command("stories")
def eval_stories(
    corpus: Annotated[Path | None, typer.Option(help="Corpus folder (its stories/ is read).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Precise paraphrases against non-paraphrases.")] = False,
) -> None:
    """Score story clustering beside two baselines on the same-story pairs."""
    from agents.stories.evaluate import main as evaluate

    folder = (corpus or Settings().corpus_dir) / "stories"
    raise typer.Exit(evaluate(["--corpus", str(folder), *(["--strict"] if strict else [])]))


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
    story_window: Annotated[int, typer.Option(help="Articles in the story window when story assignment"
                                              " is timed.")] = 50_000,
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
                      rounds=rounds, latency_seconds=latency_seconds, corpus_limit=corpus_limit, warm_up=warm_up,
                      story_window=story_window)
    results = run(options, say=lambda line: typer.echo(line, err=True))
    folder = write(results, out)
    typer.echo(markdown(results))
    typer.echo(f"written to {folder}", err=True)


dlq_cli = typer.Typer(help="Dead letters: list them, show one, send them back to their topic.", no_args_is_help=True)
cli.add_typer(dlq_cli, name="dlq")
DlqAgent = Annotated[str | None, typer.Option(help="Only this agent's dead letters: crawler, cleaner, annotator.")]
DlqReason = Annotated[str | None, typer.Option(help="Only those whose 'error type: reason' contains this (any case).")]
DlqLimit = Annotated[int, typer.Option(help="Only the newest N of those that match (0 = all).")]


@dlq_cli.command("list")
def dlq_list(agent: DlqAgent = None, reason: DlqReason = None, limit: DlqLimit = 0) -> None:
    """Read the whole dead-letter topic (up to its end now, then stop) and print the matching dead letters.

    One row each, oldest first: reason, agent, origin topic\\[partition]@offset, age, start of the original value.

    An input dead-lettered twice (redelivered after a crash) is shown once.
    """
    from rich.console import Console

    from streams.dlq import list_letters

    asyncio.run(list_letters(Settings(), Console(), agent=agent, reason=reason, limit=limit))


@dlq_cli.command("show")
def dlq_show(
    key: Annotated[str, typer.Argument(help="The original message key (e.g. an article id), the dead letter's id "
                                            "'topic/partition/offset', or its origin 'topic\\[partition]@offset'; "
                                            "the topic with or without the prefix.")],
    width: Annotated[int, typer.Option(help="Characters of the original value to show.")] = 600,
) -> None:
    """Print every field of the dead letters that KEY names, their requeue count and a longer payload preview.

    The requeue count is read from the original message, still on the source topic at its offset.
    """
    from rich.console import Console

    from streams.dlq import show_letters

    if not asyncio.run(show_letters(Settings(), Console(), key, width=width)):
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

    from streams.dlq import requeue_letters

    asyncio.run(requeue_letters(Settings(), Console(), agent=agent, reason=reason, limit=limit,
                                max_requeues=max_requeues, force=force, dry_run=dry_run))


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from aiokafka.errors import KafkaError

    try:
        cli()
    except KafkaError as exc:  # any command that talks to Kafka: say why in one line, not a traceback
        from streams.kafka import EXIT_CREDENTIALS_REJECTED, CredentialsRejected, check_credentials

        try:
            asyncio.run(check_credentials(Settings()))
        except CredentialsRejected as rejected:
            typer.echo(f"vestnik: {rejected}", err=True)
            raise SystemExit(EXIT_CREDENTIALS_REJECTED) from exc
        typer.echo(f"vestnik: Kafka at {Settings().bootstrap_servers or 'the embedded broker'}: {exc}", err=True)
        raise SystemExit(69) from exc  # EX_UNAVAILABLE


if __name__ == "__main__":
    main()
