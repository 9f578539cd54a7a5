"""`vestnik import`: pages from web archives and saved files, published to the raw-pages topic as if crawled.

A WARC holds what another crawler fetched (wget, Heritrix, browsertrix), an ARC what
older crawls kept; saved HTML pages and plain-text renderings are pages too. Each one
becomes the `RawPage` the crawler would have published for its address, built by the
crawler's own `raw_page`: the same id, so the cleaner and annotator take it like any
crawled page, and a later crawl of the same URL replaces it downstream.

Reading (`candidates`, `raw_event`) is kept apart from publishing (`import_pages`):
it needs no Kafka and is unit-tested on its own. A bad input never stops the run: it
is a `Skip` with a reason, counted in the `Summary`.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote, urljoin, urlsplit

from aiokafka.record.default_records import DefaultRecordBatchBuilder
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text
from warcio.archiveiterator import ArchiveIterator

from agents.cleaner.blocks import blocks_from_text
from agents.cleaner.headline import title_from_text
from agents.common.decoding import decode_html
from agents.common.ids import article_id, canonical_url
from agents.crawler.core import raw_page
from agents.crawler.fetcher import BINARY_MAGIC, KEPT_HEADERS, FetchResult
from schemas.models import CrawlRequest, RawPage, utc_now
from streams.codecs import encode
from streams.failures import PublishFailed
from streams.kafka import ensure_topics
from streams.publisher import Output, Publisher
from streams.settings import Settings
from streams.topics import topic_name

log = logging.getLogger(__name__)

# Why an input gave no page: the summary counts these.
UNREADABLE = "unreadable file"
UNSUPPORTED = "unsupported file type"
BROKEN_GZIP = "broken gzip"
BROKEN_WARC = "broken WARC"
BROKEN_ARC = "broken ARC"
ARC_VERSION = "ARC version other than 1"
TRUNCATED = "truncated record"
NOT_ARCHIVE = "not a WARC or ARC"
NOT_PAGE_RECORD = "not a response or resource"
NO_URL = "no target URI"
BAD_URL = "bad URL"
HTTP_STATUS = "HTTP status not 2xx"
NOT_HTML = "not HTML"
EMPTY = "empty"
UNDECODABLE = "undecodable"
OVER_SIZE = "over-size"
REJECTED = "rejected by Kafka"

HTML_TYPES = ("text/html", "application/xhtml+xml")
PAGE_RECORDS = ("response", "resource")
"""WARC record types that can hold a page: a response as served, or a page stored whole (warcit, webrecorder)."""
KINDS = {".warc": "warc", ".arc": "arc", ".html": "html", ".htm": "html", ".txt": "text"}
"""File kinds by suffix; each may also be gzip'd (`.warc.gz`, `.arc.gz`, `.html.gz`, `.txt.gz`)."""
ARCHIVES = ("warc", "arc")
ARC_MAGIC = b"filedesc://"
"""How an ARC file begins: its header record, whose second line gives the format's version."""
GZIP_MAGIC = b"\x1f\x8b"

BATCH_PAGES = 64
NEW_TOPIC_SETTLE_SECONDS = 1.0
BATCH_BYTES = 4 * 1024 * 1024
_GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)
_MAX_REPLACEMENT_SHARE = 0.01


@dataclass(frozen=True)
class Candidate:
    """A page found in an input, before it becomes an event: HTML bytes as served, or the text of a text page."""

    url: str
    content: bytes | str
    fetched_at: datetime | None
    origin: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200


@dataclass(frozen=True)
class Skip:
    """An input (a file or one WARC record) that yields no page, and why."""

    origin: str
    reason: str


Item = Candidate | Skip


@dataclass
class Meter:
    """Bytes of the input files read so far: the measure of progress, since a WARC's page count is unknown."""

    total: int = 0
    done: int = 0


@dataclass
class Summary:
    """What an import did: pages published, inputs skipped by reason, and whether anything could be read."""

    published: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    read: int = 0

    def count(self, item: Item | RawPage) -> None:
        """Count an item as read; unreadable files, broken archives and unknown kinds do not count as read."""
        if isinstance(item, Skip):
            self.skipped[item.reason] += 1
            if item.reason in (UNREADABLE, UNSUPPORTED, BROKEN_GZIP, BROKEN_WARC, BROKEN_ARC, ARC_VERSION,
                               NOT_ARCHIVE):
                return
        self.read += 1

    def lines(self) -> list[str]:
        """The summary as the CLI prints it, in the style of `vestnik crawl --once`."""
        rows = [f"{self.published:6d}  published"]
        rows += [f"{count:6d}  skipped: {reason}" for reason, count in self.skipped.most_common()]
        rows.append(f"{self.published + self.skipped.total():6d}  records in all, {self.published} published")
        return rows


# --- finding the inputs -------------------------------------------------------------------------------------------


def kind_of(path: Path) -> str | None:
    """'warc', 'arc', 'html' or 'text' by the file's suffix (gzip'd or not); None for anything else."""
    name = path.name.lower().removesuffix(".gz")
    return KINDS.get(Path(name).suffix)


def expand(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """Each input file with its name for `--base-url`: folders walked in sorted order, names relative to them.

    A path named on the command line is kept even if it is missing or of an unknown
    kind, so that it is counted rather than silently dropped; inside a folder only the
    known kinds are taken (a folder of pages often holds a README or a JSON index too).
    """
    files: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and kind_of(p) and not p.name.startswith("."))
            files += [(p, p.relative_to(path).as_posix()) for p in found]
        else:
            files.append((path, path.name))
    return files


def file_url(path: Path, name: str, base_url: str | None) -> str:
    """The address of a saved file: `base_url` joined with its name (less `.gz`), else its `file://` URL."""
    if not base_url:
        return path.resolve().as_uri()
    folder = base_url if base_url.endswith("/") else base_url + "/"
    return urljoin(folder, quote(name.removesuffix(".gz").removesuffix(".GZ")))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def candidates(paths: Sequence[Path], base_url: str | None = None, *, max_bytes: int | None = None,
               meter: Meter | None = None) -> Iterator[Item]:
    """Every page in the inputs, or the reason one gave none, in input order.

    `max_bytes` caps what is read of one page (an over-size page is a Skip, not a
    gigabyte in memory); `meter` is advanced by the bytes of the files read.
    """
    meter = meter if meter is not None else Meter()
    files = expand(paths)
    meter.total = sum(_size(path) for path, _ in files)
    for path, name in files:
        start = meter.done
        kind = kind_of(path)
        if kind in ARCHIVES:
            yield from read_archive(path, max_bytes, meter)
        elif kind is None:
            yield Skip(str(path), UNREADABLE if not path.exists() else UNSUPPORTED)
        else:
            yield read_file(path, kind, file_url(path, name, base_url), max_bytes)
        meter.done = start + _size(path)


# --- saved files ---------------------------------------------------------------------------------------------------


def _read_capped(path: Path, max_bytes: int | None) -> bytes:
    limit = -1 if max_bytes is None else max_bytes + 1
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as stream:
            return stream.read(limit)
    with path.open("rb") as stream:
        return stream.read(limit)


def read_file(path: Path, kind: str, url: str, max_bytes: int | None = None) -> Item:
    """One saved HTML or text file as a candidate page at `url`."""
    origin = str(path)
    try:
        data = _read_capped(path, max_bytes)
    except _GZIP_ERRORS:  # BadGzipFile is an OSError too: it is checked first
        return Skip(origin, BROKEN_GZIP)
    except OSError:
        return Skip(origin, UNREADABLE)
    if max_bytes is not None and len(data) > max_bytes:
        return Skip(origin, OVER_SIZE)
    if not data.strip():
        return Skip(origin, EMPTY)
    if kind == "text":
        text = decode_text(data)
        if text is None:
            return Skip(origin, UNDECODABLE)
        if not text.strip():
            return Skip(origin, EMPTY)
        return Candidate(url, text, None, origin)
    if _binary(data):
        return Skip(origin, NOT_HTML)
    return Candidate(url, data, None, origin, headers={"content-type": "text/html"})


def _binary(data: bytes) -> bool:
    """The crawler's test for binary bytes behind a page URL (an image, a PDF, an archive)."""
    head = data[:1024]
    return head.startswith(BINARY_MAGIC) or b"\x00" in head


def decode_text(data: bytes) -> str | None:
    """A text file's text, decoded as the cleaner decodes pages (UTF-8 first, then the Cyrillic charsets).

    Text files declare no charset, so a file that is not text at all (NUL bytes, or
    mostly bytes no charset maps) is None rather than a page of mojibake.
    """
    if _binary(data):
        return None
    text, _ = decode_html(data, None)
    if "\x00" in text or text.count("\ufffd") > max(3, len(text) * _MAX_REPLACEMENT_SHARE):
        return None
    return text


# --- WARC and ARC archives ---------------------------------------------------------------------------------------


def read_archive(path: Path, max_bytes: int | None = None, meter: Meter | None = None) -> Iterator[Item]:
    """The HTML pages of a WARC or ARC; every other record is a counted Skip.

    A damaged archive ends its reading with one Skip (a record cut short is that
    Skip, not a page): the records before the damage still count.
    """
    origin = str(path)
    try:
        raw = path.open("rb")
    except OSError:
        yield Skip(origin, UNREADABLE)
        return
    with raw:
        try:
            head = _head(raw)
            stream = _Gunzipped(raw) if head.gzipped else raw
        except OSError:
            yield Skip(origin, UNREADABLE)
            return
        arc = head.text.startswith(ARC_MAGIC) or kind_of(path) == "arc"
        if arc and head.arc_version not in (None, b"1"):  # warcio reads the five fields of version 1 lines only
            yield Skip(origin, ARC_VERSION)
            return
        # ARC records come as warcio's WARC equivalents (the file header as a warcinfo), so one reading serves both;
        # a WARC is read without that conversion, which would take any line of five words for an ARC record.
        records = iter(ArchiveIterator(stream, arc2warc=arc))
        position = 0
        while True:
            try:
                record = next(records, None)
                if record is None:
                    break
                if record.format != "warc":
                    yield Skip(origin, NOT_ARCHIVE)
                    return
                if arc and not (record.rec_headers.get_header("Content-Length") or "").isdigit():
                    yield Skip(origin, BROKEN_ARC)  # not a record line, which ends in its length: lost our place
                    return
                item = warc_item(record, origin, max_bytes)
            except Exception as exc:  # warcio's parser on untrusted bytes can raise many kinds of error
                log.warning("import: %s: cannot read on (%s: %s)", origin, type(exc).__name__, str(exc).strip()[:200])
                broken = isinstance(exc, _GZIP_ERRORS) or (isinstance(stream, _Gunzipped) and stream.broken)
                yield Skip(origin, BROKEN_GZIP if broken else BROKEN_ARC if arc else BROKEN_WARC)
                return
            if meter is not None:
                meter.done += max(0, raw.tell() - position)
                position = raw.tell()
            if isinstance(item, Skip) and item.reason == TRUNCATED and isinstance(stream, _Gunzipped) and stream.broken:
                yield Skip(origin, BROKEN_GZIP)  # the damage, counted once
                return
            yield item
        if isinstance(stream, _Gunzipped) and stream.broken:
            yield Skip(origin, BROKEN_GZIP)


@dataclass(frozen=True)
class _Head:
    """The first bytes of an archive file, gunzipped, and what they tell of its format."""

    gzipped: bool
    text: bytes

    @property
    def arc_version(self) -> bytes | None:
        """The version an ARC's header record names on its second line; None if the file does not begin so."""
        lines = self.text.split(b"\n", 2)
        if not self.text.startswith(ARC_MAGIC) or len(lines) < 3:
            return None
        return (lines[1].split() or [b""])[0]


def _head(raw: BinaryIO, size: int = 4096) -> _Head:
    """The start of an archive file, gunzipped when it starts as gzip, whatever its name says; the file is rewound."""
    gzipped = raw.read(2) == GZIP_MAGIC
    raw.seek(0)
    try:
        if gzipped:
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:  # closing it leaves `raw` open
                text = unzipped.read(size)
        else:
            text = raw.read(size)
    except _GZIP_ERRORS:  # the reading proper meets the damage and counts it
        text = b""
    raw.seek(0)
    return _Head(gzipped, text)


class _Gunzipped:
    """A gzip'd archive's bytes, all members of it, ending (not raising) where the data is damaged.

    Decompressed here rather than by warcio, which refuses a WARC gzip'd whole rather
    than record by record (both are common) and reads a truncated one as a shorter
    archive; ending cleanly lets it yield the records before the damage, and
    `broken` tells the reader that the archive did not end where it should.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._gzip = gzip.GzipFile(fileobj=raw, mode="rb")
        self.broken = False

    def read(self, size: int = -1) -> bytes:
        if self.broken:
            return b""
        try:  # read1: one decompression step, so no data is lost with the step that fails
            return self._gzip.read1(size)
        except _GZIP_ERRORS:
            self.broken = True
            return b""

    def tell(self) -> int:
        return self._gzip.tell()


def warc_item(record: Any, origin: str, max_bytes: int | None = None) -> Item:
    """One WARC record as a candidate page: an HTML response with a body, or an HTML page kept as a resource."""
    if record.rec_type not in PAGE_RECORDS:
        return Skip(origin, NOT_PAGE_RECORD)
    url = record.rec_headers.get_header("WARC-Target-URI")
    if not url:
        return Skip(origin, NO_URL)
    if record.rec_type == "resource":
        if not urlsplit(url).netloc:  # a capture tool's own note (urn:pageinfo:…, urn:text:…), not a page
            return Skip(origin, BAD_URL)
        status, served = 200, [("Content-Type", record.rec_headers.get_header("Content-Type") or "")]
    elif record.http_headers is None:  # a response to dns: or another non-HTTP request
        return Skip(origin, NOT_HTML)
    else:
        status, served = _status(record.http_headers), record.http_headers.headers
        if not 200 <= status < 300:
            return Skip(origin, HTTP_STATUS)
    headers = {name.lower(): value for name, value in served if name.lower() in KEPT_HEADERS}
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    # A response's body may be sniffed when it names no type; a resource's type is all there is to go by.
    if (content_type or record.rec_type == "resource") and content_type not in HTML_TYPES:
        return Skip(origin, NOT_HTML)
    try:  # the body as served, with any chunked transfer or gzip/br content coding undone
        content: bytes = record.content_stream().read(None if max_bytes is None else max_bytes + 1)
    except _GZIP_ERRORS:
        return Skip(origin, BROKEN_GZIP)
    except (ValueError, OSError):
        return Skip(origin, UNDECODABLE)
    if max_bytes is not None and len(content) > max_bytes:
        return Skip(origin, OVER_SIZE)
    if getattr(record.raw_stream, "limit", 0) > 0:  # the archive ended inside this record's Content-Length
        return Skip(origin, TRUNCATED)
    if not content.strip():
        return Skip(origin, EMPTY)
    if _binary(content) or (not content_type and b"<" not in content[:1024]):
        return Skip(origin, NOT_HTML)
    return Candidate(url, content, warc_date(record.rec_headers.get_header("WARC-Date")), origin, headers, status)


def _status(http: Any) -> int:
    try:
        return int(http.get_statuscode() or 0)
    except ValueError:
        return 0


def warc_date(value: str | None) -> datetime | None:
    """A WARC-Date (ISO 8601, UTC, seconds or finer) as an aware datetime; None if missing or malformed."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else None


# --- candidates to events ------------------------------------------------------------------------------------------


def text_page(text: str) -> bytes:
    """A plain-text page as minimal HTML, one paragraph per line, titled as the cleaner's text path titles it.

    A RawPage carries bytes that the cleaner reads as HTML: plain text sent as is would
    run together into one paragraph and lose its headline. The headline and the lines
    around it are split as the cleaner's own `title_from_text` splits them, so the
    article comes out as `vestnik clean page.txt` makes it.
    """
    title, blocks = title_from_text(blocks_from_text(text))  # the text below the headline, its furniture dropped
    head = f"<title>{escape(title)}</title>" if title else ""
    body = "".join(f"<p>{escape(block.text.strip())}</p>\n" for block in blocks)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8">{head}</head>\n'
            f"<body><article>\n{body}</article></body></html>\n").encode()


def raw_event(candidate: Candidate, source: str) -> RawPage | Skip:
    """The RawPage the crawler would publish for this page: its own `raw_page`, id and canonical address included."""
    if isinstance(candidate.content, str):
        content = text_page(candidate.content)
        headers = {"content-type": "text/html; charset=utf-8"}
    else:
        content, headers = candidate.content, candidate.headers
    try:
        url = canonical_url(candidate.url)
    except ValueError:
        return Skip(candidate.origin, BAD_URL)
    fetched_at = candidate.fetched_at or utc_now()
    request = CrawlRequest(id=article_id(url), url=url, source=source, discovered_at=fetched_at)
    result = FetchResult(candidate.url, candidate.url, candidate.status, headers, content, fetched_at)
    try:
        return raw_page(request, result)
    except ValueError:  # a <link rel=canonical> that courlan cannot normalise
        return Skip(candidate.origin, BAD_URL)


def message_size(page: RawPage) -> int:
    """The size the producer checks against `max_request_size` (= max_message_bytes) for this event."""
    size: int = DefaultRecordBatchBuilder.estimate_size_in_bytes(page.id.encode(), encode(page), [])
    return size


def next_event(items: Iterator[Item], source: str, max_message_bytes: int) -> RawPage | Skip | None:
    """The next event to publish, or why the next input gave none; None at the end. Runs off the event loop."""
    item = next(items, None)
    if item is None or isinstance(item, Skip):
        return item
    event = raw_event(item, source)
    if isinstance(event, RawPage) and message_size(event) > max_message_bytes:
        return Skip(item.origin, OVER_SIZE)
    return event


# --- publishing ----------------------------------------------------------------------------------------------------


Report = Callable[[Summary, Meter], None]


async def import_pages(settings: Settings, paths: Sequence[Path], *, base_url: str | None = None,
                       source: str = "import", progress: Report | None = None) -> Summary:
    """Publish every page of the inputs to raw_pages, keyed by article id; return what was done.

    Pages go out in batches, each acknowledged before the next (the Publisher's
    retries cover a broker that hiccups). Raises PublishFailed when the cluster
    stays away past `publish_timeout`; the summary then is lost with the run.
    """
    if topic_name(settings, "raw_pages") in await ensure_topics(settings):
        # A new partition's leader turns sends away for a moment after the metadata already names it;
        # sending at once only earns a burst of retries and warnings over the progress bar.
        await asyncio.sleep(NEW_TOPIC_SETTLE_SECONDS)
    summary, meter = Summary(), Meter()
    items = candidates(paths, base_url, max_bytes=settings.max_message_bytes, meter=meter)
    publisher = Publisher(settings)
    await publisher.start()
    batch: list[Output] = []
    batch_bytes = 0
    try:
        while (event := await asyncio.to_thread(next_event, items, source, settings.max_message_bytes)) is not None:
            summary.count(event)
            if isinstance(event, RawPage):
                batch.append(Output("raw_pages", event.id, event))
                batch_bytes += len(event.content)
                if len(batch) >= BATCH_PAGES or batch_bytes >= BATCH_BYTES:
                    await publish_batch(publisher, batch, summary)
                    batch, batch_bytes = [], 0
            if progress:
                progress(summary, meter)
        await publish_batch(publisher, batch, summary)
        if progress:
            progress(summary, meter)
    finally:
        await publisher.stop()
    return summary


async def publish_batch(publisher: Publisher, batch: list[Output], summary: Summary) -> None:
    """Publish a batch; if the cluster refuses one of its pages, send them one by one so only that one is lost."""
    if not batch:
        return
    try:
        await publisher.publish(batch)
        summary.published += len(batch)
        return
    except PublishFailed:
        raise
    except Exception as exc:  # an input's fault (Publisher retries the cluster's): find which page
        log.warning("import: a batch of %d pages was refused (%r); sending them one by one", len(batch), exc)
    for output in batch:
        try:
            await publisher.publish([output])
            summary.published += 1
        except PublishFailed:
            raise
        except Exception as exc:
            log.warning("import: page %s refused: %r", output.key, exc)
            summary.skipped[REJECTED] += 1


# --- the progress bar ----------------------------------------------------------------------------------------------


class _PagesColumn(ProgressColumn):
    """Pages published and skipped so far, and pages per second: the bar itself measures bytes."""

    def render(self, task: Task) -> Text:
        published, skipped = task.fields.get("published", 0), task.fields.get("skipped", 0)
        rate = published / task.elapsed if task.elapsed else 0.0
        return Text(f"{published} published, {skipped} skipped, {rate:.1f} pages/s", style="progress.data.speed")


def progress_bar() -> Progress:
    """A progress bar on stderr: share of the input bytes read, page counts and rate, elapsed time and ETA."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        _PagesColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )


def bar_reporter(bar: Progress) -> Report:
    """A `progress` callback for `import_pages` that drives one task of `bar`."""
    task = bar.add_task("import", total=None, published=0, skipped=0)

    def report(summary: Summary, meter: Meter) -> None:
        bar.update(task, total=meter.total or None, completed=meter.done, published=summary.published,
                   skipped=summary.skipped.total())

    return report
