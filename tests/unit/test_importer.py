"""`vestnik import` without Kafka: what is read from WARCs and saved files, and why a record is skipped."""

from __future__ import annotations

import gzip
import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from agents.cleaner import Page, clean
from agents.cleaner.cpu import clean_page
from agents.common.decoding import header_charset
from agents.common.ids import article_id
from schemas.models import RawPage
from streams import importer
from streams.importer import Candidate, Item, Meter, Skip, Summary, candidates, next_event, raw_event

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
SEEDS = sorted((CORPUS / "seeds").glob("*.txt"))

PAGE = "<!DOCTYPE html><html><head><title>Новость</title></head><body><p>Текст новости.</p></body></html>".encode()
PAGE_URL = "https://example.org/news/1.html"
WARC_DATE = "2024-05-06T07:08:09Z"


def _response(writer: WARCWriter, url: str, body: bytes, content_type: str, status: str = "200 OK") -> None:
    headers = StatusAndHeaders(status, [("Content-Type", content_type), ("ETag", '"abc"'), ("Set-Cookie", "x=1")],
                               protocol="HTTP/1.1")
    # With its length given, warcio digests the payload in place rather than in a temporary file it leaves open.
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                                  http_headers=headers, warc_headers_dict={"WARC-Date": WARC_DATE}))


def write_warc(path: Path, *, gzip_records: bool = True) -> Path:
    """A WARC as a crawler writes one: a warcinfo, then request/response pairs, one of them not HTML."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=gzip_records)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        request = b"GET /news/1.html HTTP/1.1\r\nHost: example.org\r\n\r\n"
        writer.write_record(writer.create_warc_record(PAGE_URL, "request", payload=io.BytesIO(request),
                                                      length=len(request),
                                                      warc_content_type="application/http; msgtype=request"))
        _response(writer, PAGE_URL, PAGE, "text/html; charset=utf-8")
        _response(writer, "https://example.org/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")
        _response(writer, "https://example.org/gone.html", b"<html>gone</html>", "text/html", status="404 Not Found")
    return path


def reasons(items: list[Item]) -> list[str]:
    return [item.reason for item in items if isinstance(item, Skip)]


def pages(items: list[Item], source: str = "import") -> list[RawPage]:
    events = [raw_event(item, source) for item in items if isinstance(item, Candidate)]
    assert all(isinstance(event, RawPage) for event in events)
    return [event for event in events if isinstance(event, RawPage)]


@pytest.mark.parametrize("gzip_records", [True, False], ids=["warc.gz", "warc"])
def test_a_warc_gives_its_html_responses_as_the_crawler_would_publish_them(tmp_path: Path, gzip_records: bool) -> None:
    warc = write_warc(tmp_path / ("crawl.warc.gz" if gzip_records else "crawl.warc"), gzip_records=gzip_records)
    items = list(candidates([warc]))
    assert sorted(reasons(items)) == ["HTTP status not 2xx", "not HTML", "not a response", "not a response"]
    [page] = pages(items, source="archive")
    assert page.id == article_id(PAGE_URL)
    assert (page.url, page.final_url, page.source, page.status) == (PAGE_URL, PAGE_URL, "archive", 200)
    assert page.content == PAGE and page.content_sha256 == hashlib.sha256(PAGE).hexdigest()
    assert page.fetched_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert page.headers == {"content-type": "text/html; charset=utf-8", "etag": '"abc"'}  # the crawler's header set
    assert page.encoding == "utf-8"


def test_a_warc_gzipped_whole_is_read_too(tmp_path: Path) -> None:
    plain = write_warc(tmp_path / "crawl.warc", gzip_records=False)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    assert [page.id for page in pages(list(candidates([whole])))] == [article_id(PAGE_URL)]


def test_a_damaged_warc_keeps_the_records_before_the_damage(tmp_path: Path) -> None:
    good = write_warc(tmp_path / "good.warc.gz").read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(good[:-20])  # inside the last record's gzip member
    items = list(candidates([cut]))
    assert [page.id for page in pages(items)] == [article_id(PAGE_URL)]
    assert reasons(items)[-1] == "broken gzip"

    plain = write_warc(tmp_path / "plain.warc", gzip_records=False).read_bytes()
    short = tmp_path / "short.warc"
    short.write_bytes(plain[: plain.index(PAGE) + 20])  # the page's response cut inside its body
    items = list(candidates([short]))
    assert pages(items) == [] and reasons(items)[-1] == "truncated record"

    garbage = tmp_path / "garbage.warc"
    garbage.write_bytes(b"this is not an archive\n" * 10)
    assert reasons(list(candidates([garbage]))) == ["not a WARC"]
    garbage.write_bytes(plain + b"GARBAGE AFTER THE LAST RECORD\r\n")
    items = list(candidates([garbage]))
    assert [page.id for page in pages(items)] == [article_id(PAGE_URL)] and reasons(items)[-1] == "broken WARC"


def test_saved_pages_and_text_files_get_the_base_url_or_a_file_url(tmp_path: Path) -> None:
    (tmp_path / "a.html.gz").write_bytes(gzip.compress(PAGE))
    (tmp_path / "b.txt").write_text("Заголовок новости о важном событии\n" + "Текст новости. " * 20, "utf-8")
    items = list(candidates([tmp_path / "a.html.gz", tmp_path / "b.txt"], "https://example.org/news"))
    html, text = pages(items)
    assert (html.url, html.id) == ("https://example.org/news/a.html", article_id("https://example.org/news/a.html"))
    assert html.content == PAGE and html.fetched_at.tzinfo is not None
    assert (text.url, text.id) == ("https://example.org/news/b.txt", article_id("https://example.org/news/b.txt"))
    assert text.headers == {"content-type": "text/html; charset=utf-8"}

    [without_base] = pages(list(candidates([tmp_path / "a.html.gz"])))
    assert without_base.url == (tmp_path / "a.html.gz").resolve().as_uri()
    assert without_base.id == article_id((tmp_path / "a.html.gz").resolve().as_uri())


def test_folders_are_walked_in_order_for_the_known_kinds(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.html").write_bytes(PAGE)
    (tmp_path / "b.html").write_bytes(PAGE)
    (tmp_path / "README.md").write_text("not a page")
    (tmp_path / "pages.json").write_text("{}")
    write_warc(tmp_path / "a.warc.gz")
    urls = [page.url for page in pages(list(candidates([tmp_path], "https://example.org/x/")))]
    assert urls == [PAGE_URL, "https://example.org/x/b.html", "https://example.org/x/sub/c.html"]


def test_bad_files_are_skipped_with_their_reason(tmp_path: Path) -> None:
    files = {
        "bad.html.gz": b"\x1f\x8b\x08\x00 not really gzip",
        "cut.html.gz": gzip.compress(PAGE)[:-12],
        "empty.html": b"  \n",
        "image.html": b"\x89PNG\r\n\x1a\n" + bytes(100),
        "binary.txt": bytes(range(256)) * 4,
        "notes.pdf": b"%PDF-1.4",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    paths = [tmp_path / name for name in files] + [tmp_path / "missing.html"]
    assert reasons(list(candidates(paths))) == [
        "broken gzip", "broken gzip", "empty", "not HTML", "undecodable", "unsupported file type", "unreadable file"]


def test_over_size_pages_are_skipped_before_and_after_encoding(tmp_path: Path) -> None:
    (tmp_path / "big.html").write_bytes(b"<html>" + b"x" * 5000 + b"</html>")
    assert reasons(list(candidates([tmp_path / "big.html"], max_bytes=1000))) == ["over-size"]
    # Base64 in JSON makes the event about 4/3 of the page: a page under the cap can still not fit.
    items = iter(candidates([tmp_path / "big.html"], max_bytes=6000))
    event = next_event(items, "import", max_message_bytes=6000)
    assert isinstance(event, Skip) and event.reason == "over-size"
    assert next_event(items, "import", max_message_bytes=6000) is None


def test_a_text_page_is_cleaned_as_the_cleaners_text_path_cleans_it() -> None:
    assert len(SEEDS) == 5
    for seed in SEEDS:
        [item] = list(candidates([seed], "https://example.org/seeds/"))
        assert isinstance(item, Candidate) and isinstance(item.content, str)
        page = raw_event(item, "import")
        assert isinstance(page, RawPage)
        # What the cleaner agent does with the event, beside `vestnik clean seed.txt`.
        article = clean_page(page.content, page.final_url, header_charset(page.headers.get("content-type")))
        expected = clean(Page(url=page.final_url, text=seed.read_text("utf-8")))
        assert (article.title, article.body) == (expected.title, expected.body), seed.name


def test_text_files_in_other_charsets_are_decoded() -> None:
    text = "Президент России провёл совещание с членами правительства."
    assert importer.decode_text(text.encode("cp1251")) == text
    assert importer.decode_text(b"\xef\xbb\xbf" + text.encode()) == text
    assert importer.decode_text(b"\x00\x01\x02" * 50) is None


def test_the_meter_reaches_the_total_and_the_summary_counts_reads(tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "a.warc.gz")
    meter = Meter()
    summary = Summary()
    for item in candidates([warc, tmp_path / "missing.txt"], meter=meter):
        summary.count(item)
    assert meter.done == meter.total == warc.stat().st_size
    assert summary.read == 5 and summary.skipped["unreadable file"] == 1

    nothing = Summary()
    nothing.count(Skip("x", "unreadable file"))
    assert nothing.read == 0
    assert nothing.lines()[-1] == "     1  records in all, 0 published"


def test_warc_dates_without_a_zone_or_malformed_are_not_used() -> None:
    assert importer.warc_date("2024-05-06T07:08:09.123456Z") == datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    assert importer.warc_date("2024-05-06T07:08:09") is None
    assert importer.warc_date("yesterday") is None
    assert importer.warc_date(None) is None
