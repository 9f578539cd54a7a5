"""HTML pages the project ships for its tests: outlets' markup (unit/fixtures/sites) and real articles
(unit/fixtures/real, origins and licences in its NOTICE.md)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "unit" / "fixtures"


def saved_pages() -> list[tuple[str, bytes]]:
    """(url, html) of every saved page."""
    pages = []
    for path in sorted((FIXTURES / "sites").glob("*.html")):
        url = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["url"]
        pages.append((url, path.read_bytes()))
    for entry in json.loads((FIXTURES / "real" / "pages.json").read_text(encoding="utf-8")):
        pages.append((entry["url"], gzip.decompress((FIXTURES / "real" / entry["file"]).read_bytes())))
    return pages


def page_corpus(folder: Path) -> Path:
    """The saved pages laid out as the benchmarks read a corpus: pages/manifest.jsonl and gzipped HTML."""
    (folder / "pages" / "html").mkdir(parents=True, exist_ok=True)
    lines = []
    for number, (url, html) in enumerate(saved_pages()):
        name = f"html/{number:03d}.html.gz"
        (folder / "pages" / name).write_bytes(gzip.compress(html))
        lines.append(json.dumps({"id": f"{number:03d}", "file": name, "url": url}))
    (folder / "pages" / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
