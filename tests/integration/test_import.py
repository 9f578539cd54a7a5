"""`vestnik import` on the real broker: archived pages become raw pages that the agents take as crawled ones."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
from pathlib import Path

from typer.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from agents.common.ids import article_id
from schemas.models import EnrichedArticle, RawPage
from streams.cli import cli
from streams.importer import import_pages
from streams.settings import Settings
from tests.integration.harness import WorkerProcess, collect, settings_env

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
    assert (summary.published, dict(summary.skipped)) == (len(REAL_PAGES), {"not a response": len(REAL_PAGES)})

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


def test_the_seeds_import_from_the_command_line(kafka_settings: Settings, corpus_dir: Path) -> None:
    seeds = sorted((corpus_dir / "seeds").glob("*.txt"))
    assert len(seeds) == 5
    result = CliRunner().invoke(cli, ["import", str(corpus_dir / "seeds"), "--base-url", "https://example.org/seeds/"],
                                env=settings_env(kafka_settings))
    assert result.exit_code == 0, result.output
    assert "     5  published" in result.stdout.splitlines()

    wanted = {article_id(f"https://example.org/seeds/{seed.name}") for seed in seeds}
    events = asyncio.run(collect(kafka_settings, "raw_pages", lambda ev: {e["id"] for e in ev} >= wanted))
    pages = [RawPage.model_validate(e) for e in events]
    assert len(pages) == 5 and {p.id for p in pages} == wanted
    assert all(p.source == "import" and p.status == 200 and p.url.startswith("https://example.org/seeds/")
               for p in pages)


def test_nothing_readable_exits_1(kafka_settings: Settings, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "missing.warc.gz")], env=settings_env(kafka_settings))
    assert result.exit_code == 1, result.output
    assert "     1  skipped: unreadable file" in result.stdout.splitlines()
