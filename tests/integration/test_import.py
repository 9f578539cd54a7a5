"""`vestnik import` on the real broker: archived and saved pages become raw pages, taken as crawled ones."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from agents.common.ids import article_id
from schemas.models import EnrichedArticle, RawPage
from streams.settings import Settings
from tests.archives import ARC_DATE, arc_record, http_response, write_arc, write_resource, write_text_pages
from tests.integration.harness import WorkerProcess, collect, settings_env
from vestnik.cli import cli
from vestnik.ops.importer import import_pages

REAL = Path(__file__).resolve().parents[1] / "unit" / "fixtures" / "real"
REAL_PAGES = json.loads((REAL / "pages.json").read_text("utf-8"))


def write_warc(path: Path) -> Path:
    """The real saved pages, archived as a crawler archives its responses (with a request record beside each)."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for page in REAL_PAGES:
            body = gzip.decompress((REAL / page["file"]).read_bytes())
            request = f"GET / HTTP/1.1\r\nHost: {page['site']}\r\n\r\n".encode()
            writer.write_record(writer.create_warc_record(
                page["url"], "request", payload=io.BytesIO(request), length=len(request),
                warc_content_type="application/http; msgtype=request"))
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                page["url"], "response", payload=io.BytesIO(body), length=len(body), http_headers=headers))
    return path


async def test_archived_real_pages_come_out_enriched_with_their_titles(kafka_settings: Settings,
                                                                      tmp_path: Path) -> None:
    assert len(REAL_PAGES) >= 2
    summary = await import_pages(kafka_settings, [write_warc(tmp_path / "real.warc.gz")], source="archive")
    assert (summary.published, dict(summary.skipped)) == (len(REAL_PAGES),
                                                          {"not a response or resource": len(REAL_PAGES)})

    expected = {article_id(page["url"]): page for page in REAL_PAGES}
    worker = WorkerProcess(kafka_settings, "cleaner,annotator", tmp_path).start()
    try:
        await worker.wait_ready()
        events = await collect(kafka_settings, "enriched_articles", lambda ev: {e["id"] for e in ev} >= set(expected),
                               timeout=180)
    finally:
        worker.stop()
    articles = {e["id"]: EnrichedArticle.model_validate(e) for e in events}
    for aid, page in expected.items():
        assert (articles[aid].site, articles[aid].title) == (page["site"], page["title"]), page["file"]
        assert articles[aid].url == page["url"] and articles[aid].entities, page["file"]


def test_saved_pages_import_from_the_command_line(kafka_settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    texts = write_text_pages(folder)
    (folder / "front.html").write_bytes("<html><title>Главная</title><p>Новости дня.</p></html>".encode())
    (folder / "README.md").write_text("not a page")
    result = CliRunner().invoke(cli, ["import", str(folder), "--base-url", "https://example.org/saved/"],
                                env=settings_env(kafka_settings))
    assert result.exit_code == 0, result.output
    assert "     3  published" in result.stdout.splitlines()

    names = [path.name for path in texts] + ["front.html"]
    wanted = {article_id(f"https://example.org/saved/{name}") for name in names}
    events = asyncio.run(collect(kafka_settings, "raw_pages", lambda ev: {e["id"] for e in ev} >= wanted))
    pages = [RawPage.model_validate(e) for e in events]
    assert len(pages) == 3 and {p.id for p in pages} == wanted
    assert all(p.source == "import" and p.status == 200 and p.url.startswith("https://example.org/saved/")
               for p in pages)


def test_arc_files_and_resource_records_import_from_the_command_line(kafka_settings: Settings,
                                                                      tmp_path: Path) -> None:
    old_page = "<html><title>Выборы</title><p>Итоги голосования.</p></html>".encode("cp1251")
    arc = write_arc(tmp_path / "old.arc.gz", [
        arc_record("http://example.org/2001/vybory.html", http_response(old_page, "text/html; charset=windows-1251")),
        arc_record("dns:example.org", f"{ARC_DATE}\nexample.org. 3600 IN A 192.0.2.1\n".encode(), "text/dns"),
    ])
    kept_page = "<html><title>Театр</title><p>Премьера сезона.</p></html>".encode()
    warc = tmp_path / "capture.warc.gz"
    with warc.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        write_resource(writer, "https://example.org/2024/teatr.html", kept_page, "text/html; charset=utf-8",
                       "2024-05-06T07:08:09Z")
        write_resource(writer, "https://example.org/2024/teatr.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")
    result = CliRunner().invoke(cli, ["import", str(arc), str(warc), "--source", "archive"],
                                env=settings_env(kafka_settings))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "     2  published" in lines and "     2  skipped: not HTML" in lines  # the DNS lookup and the image
    assert "     1  skipped: not a response or resource" in lines  # the ARC's file header

    expected = {
        article_id("http://example.org/2001/vybory.html"): (old_page, "windows-1251", datetime(2001, 2, 3, 4, 5, 6)),
        article_id("https://example.org/2024/teatr.html"): (kept_page, "utf-8", datetime(2024, 5, 6, 7, 8, 9)),
    }
    events = asyncio.run(collect(kafka_settings, "raw_pages", lambda ev: {e["id"] for e in ev} >= set(expected)))
    pages = {page.id: page for page in map(RawPage.model_validate, events)}
    assert set(pages) == set(expected)
    for aid, (content, encoding, fetched_at) in expected.items():
        page = pages[aid]
        assert (page.content, page.encoding, page.source) == (content, encoding, "archive"), page.url
        assert page.fetched_at == fetched_at.replace(tzinfo=UTC), page.url


def test_nothing_readable_exits_1(kafka_settings: Settings, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "missing.warc.gz")], env=settings_env(kafka_settings))
    assert result.exit_code == 1, result.output
    assert "     1  skipped: unreadable file" in result.stdout.splitlines()
