"""`vestnik import` without Kafka: what is read from WARCs, ARCs and saved files, and why a record is skipped."""

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
from tests.archives import ARC_DATE, arc_record, http_response, write_arc, write_resource, write_text_pages
from vestnik.ops import importer
from vestnik.ops.importer import Candidate, Item, Meter, Skip, Summary, candidates, next_event, raw_event

PAGE = "<!DOCTYPE html><html><head><title>Новость</title></head><body><p>Текст новости.</p></body></html>".encode()
PAGE_URL = "https://example.org/news/1.html"
WARC_DATE = "2024-05-06T07:08:09Z"
OLD_PAGE = "<html><head><title>Выборы</title></head><body><p>Итоги голосования.</p></body></html>".encode("cp1251")
"""A page as older sites served it: in windows-1251, declared by the HTTP header alone."""
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)

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
    assert sorted(reasons(items)) == ["HTTP status not 2xx", "not HTML", "not a response or resource",
                                      "not a response or resource"]
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
    assert reasons(list(candidates([garbage]))) == ["not a WARC or ARC"]
    garbage.write_bytes(plain + b"GARBAGE AFTER THE LAST RECORD\r\n")
    items = list(candidates([garbage]))
    assert [page.id for page in pages(items)] == [article_id(PAGE_URL)] and reasons(items)[-1] == "broken WARC"


# --- ARC files: a file header record, then for each capture a line of five fields and the HTTP response --------


def arc_records() -> list[bytes]:
    """What a crawl of 2001 kept: a page, a DNS lookup, an image and a missing page."""
    return [
        arc_record("http://example.org/news/1.html", http_response(OLD_PAGE, "text/html; charset=windows-1251")),
        arc_record("dns:example.org", f"{ARC_DATE}\nexample.org. 3600 IN A 192.0.2.1\n".encode(), "text/dns",
                   ip="192.0.2.53"),
        arc_record("http://example.org/logo.png", http_response(PNG, "image/png"), "image/png"),
        arc_record("http://example.org/gone.html", http_response(b"<html>gone</html>", "text/html", "404 Not Found")),
    ]


@pytest.mark.parametrize("name", ["old.arc", "old.arc.gz"])
def test_an_arc_gives_its_html_responses_and_not_its_file_header(tmp_path: Path, name: str) -> None:
    items = list(candidates([write_arc(tmp_path / name, arc_records())]))
    assert reasons(items) == ["not a response or resource", "not HTML", "not HTML", "HTTP status not 2xx"]
    [page] = pages(items, source="archive")
    url = "http://example.org/news/1.html"
    assert (page.id, page.url, page.final_url, page.status) == (article_id(url), url, url, 200)
    assert page.content == OLD_PAGE and page.encoding == "windows-1251"
    assert page.headers == {"content-type": "text/html; charset=windows-1251"}
    assert page.fetched_at == datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)


def test_an_arc_is_known_by_its_first_line_or_by_its_name(tmp_path: Path) -> None:
    url = "http://example.org/news/1.html"
    misnamed = write_arc(tmp_path / "old.warc.gz", arc_records())  # an ARC whatever it is called
    assert [page.url for page in pages(list(candidates([misnamed])))] == [url]
    # Records cut out of a larger ARC (as fetched by offset from a replay service) have no file header.
    cut_out = write_arc(tmp_path / "one.arc.gz", arc_records()[:1], file_header=False)
    assert [page.url for page in pages(list(candidates([cut_out])))] == [url]
    folder = [item.origin for item in candidates([tmp_path]) if isinstance(item, Candidate)]
    assert folder == [str(misnamed), str(cut_out)]


def test_a_damaged_arc_keeps_the_records_before_the_damage(tmp_path: Path) -> None:
    records = [arc_records()[0], arc_record("http://example.org/news/2.html", http_response(PAGE, "text/html"))]
    whole = write_arc(tmp_path / "whole.arc", records).read_bytes()
    cut = tmp_path / "cut.arc"
    cut.write_bytes(whole[: whole.index(PAGE) + 20])  # inside the second page's body
    items = list(candidates([cut]))
    assert [page.url for page in pages(items)] == ["http://example.org/news/1.html"]
    assert reasons(items) == ["not a response or resource", "truncated record"]

    zipped = write_arc(tmp_path / "whole.arc.gz", records).read_bytes()
    cut_zipped = tmp_path / "cut.arc.gz"
    cut_zipped.write_bytes(zipped[:-20])  # inside the last record's gzip member
    items = list(candidates([cut_zipped]))
    assert [page.url for page in pages(items)] == ["http://example.org/news/1.html"]
    assert reasons(items)[-1] == "broken gzip"

    summary = Summary()
    for item in candidates([cut, cut_zipped]):
        summary.count(item)
    assert (summary.read, summary.skipped["truncated record"], summary.skipped["broken gzip"]) == (5, 1, 1)


def test_an_arc_that_cannot_be_read_says_why(tmp_path: Path) -> None:
    # Version 2 lines carry ten fields; read as version 1 they would give pages at made-up addresses.
    newer = write_arc(tmp_path / "v2.arc", arc_records(), version=b"2 0 Example Archive")
    garbage = tmp_path / "garbage.arc"
    garbage.write_bytes(b"this is not an archive\n" * 10)
    summary = Summary()
    items = list(candidates([newer, garbage]))
    for item in items:
        summary.count(item)
    assert reasons(items) == ["ARC version other than 1", "broken ARC"]
    assert summary.read == 0


# --- resource records: a page stored whole, with no HTTP headers ---------------------------------------------------


def test_resource_records_holding_html_pages_are_pages(tmp_path: Path) -> None:
    xhtml = '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Новость</p></body></html>'.encode()
    with (tmp_path / "capture.warc.gz").open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record("capture.warc.gz", {"software": "test"}))
        write_resource(writer, "https://example.org/news/old.html", OLD_PAGE, "text/html; charset=windows-1251",
                       WARC_DATE)
        write_resource(writer, "https://example.org/news/x.xhtml", xhtml, "application/xhtml+xml")
        write_resource(writer, "https://example.org/logo.png", PNG, "image/png")
        write_resource(writer, "urn:pageinfo:https://example.org/news/old.html", b"<html></html>", "text/html")
        write_resource(writer, "https://example.org/empty.html", b"", "text/html")
        metadata = b"outlinks: https://example.org/news/old.html\r\n"
        writer.write_record(writer.create_warc_record(
            "https://example.org/news/old.html", "metadata", payload=io.BytesIO(metadata), length=len(metadata),
            warc_content_type="application/warc-fields"))
    items = list(candidates([tmp_path / "capture.warc.gz"]))
    assert reasons(items) == ["not a response or resource", "not HTML", "bad URL", "empty",
                              "not a response or resource"]
    old, modern = pages(items, source="archive")
    assert (old.id, old.url, old.status) == (article_id("https://example.org/news/old.html"),
                                              "https://example.org/news/old.html", 200)
    assert old.content == OLD_PAGE and old.encoding == "windows-1251"  # the charset the record's Content-Type names
    assert old.headers == {"content-type": "text/html; charset=windows-1251"}
    assert old.fetched_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert (modern.url, modern.content) == ("https://example.org/news/x.xhtml", xhtml)


def test_a_truncated_resource_is_not_a_page(tmp_path: Path) -> None:
    plain = tmp_path / "plain.warc"
    with plain.open("wb") as stream:
        write_resource(WARCWriter(stream, gzip=False), "https://example.org/news/old.html", OLD_PAGE, "text/html")
    data = plain.read_bytes()
    plain.write_bytes(data[: data.index(OLD_PAGE) + 20])
    assert reasons(list(candidates([plain]))) == ["truncated record"]


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


def test_a_text_page_is_cleaned_as_the_cleaners_text_path_cleans_it(tmp_path: Path) -> None:
    articles = {}
    for text_file in write_text_pages(tmp_path / "texts"):
        [item] = list(candidates([text_file], "https://example.org/texts/"))
        assert isinstance(item, Candidate) and isinstance(item.content, str)
        page = raw_event(item, "import")
        assert isinstance(page, RawPage)
        # What the cleaner agent does with the event, beside `vestnik clean page.txt`.
        article = clean_page(page.content, page.final_url, header_charset(page.headers.get("content-type")))
        expected = clean(Page(url=page.final_url, text=text_file.read_text("utf-8")))
        assert (article.title, article.body) == (expected.title, expected.body), text_file.name
        articles[text_file.name] = article
    assert {name: article.title for name, article in articles.items()} == {
        "ports.txt": "Правительство утвердило план развития северных портов", "theatre.txt": None}
    ports = articles["ports.txt"].body
    assert ports.startswith("Правительство России") and "Также по теме" not in ports and "РИА Новости" not in ports


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
