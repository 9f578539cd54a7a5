"""Score the cleaner on the shared corpus, beside plain trafilatura.

Seeds (`seeds/*.txt` + `gold/`) are cleaned as plain text without a URL and
checked for F1, leftover furniture and embeds. Pages (`pages/`) are cleaned
from their raw bytes and scored by the corpus rule: token-multiset F1 per
page, mean per site, macro F1 over sites. Both trafilatura baselines
(default and `favor_precision`) are scored and timed the same way, page by
page in turn, so that a busy machine slows all of them alike.

    python -m vestnik.evaluation.cleaner [--corpus DIR]

The last line is `F1 macro=<value>`; the exit status is 1 when a seed body
keeps furniture.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

from agents.cleaner.core import NotAnArticle, Page, clean
from agents.sites import publisher_for_host

_TOKEN = re.compile(r"\w+")
SEED_FURNITURE = (
    "Также по теме",
    "Лента новостей",
    "Курс евро",
    "EUR ЦБ",
    "Перейти к основному контенту",
    "На страницу галереи",
    "Материалы ИноТВ",
    "Новости партнёров",
)
"""Strings no cleaned seed body may contain (corpus/README.md)."""

PHOTO_SOURCES = (
    "Reuters", "AP", "AP Photo", "AFP", "EPA", "EPA-EFE", "Getty Images", "Global Look Press", "Shutterstock",
    "ZUMA Press", "East News", "Legion-Media", "Sputnik", "ТАСС", "РИА Новости", "Интерфакс", "Коммерсантъ",
    "Известия", "РБК", "RT", "Wikimedia Commons", "Pixabay", "Unsplash", "kremlin.ru", "соцсети", "архив",
)
"""Who photo credits name, kept apart from the cleaner's rules so that the check can catch what they miss."""
_CREDIT_PREFIX = re.compile(r"^(?:фото|photo|источник|©)\s*[:©]?\s*", re.IGNORECASE)

Extractor = Callable[[bytes, str | None], str | None]


def default_corpus() -> Path:
    """`$VESTNIK_CORPUS_DIR`, else the shared corpus beside the repository."""
    configured = os.environ.get("VESTNIK_CORPUS_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def tokens(text: str | None) -> Counter[str]:
    return Counter(_TOKEN.findall((text or "").lower()))


def prf(predicted: str | None, gold: str) -> tuple[float, float, float]:
    """Precision, recall and F1 on token multisets (the corpus scoring rule)."""
    pred, ref = tokens(predicted), tokens(gold)
    common = sum((pred & ref).values())
    if not pred or not ref or not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(pred.values()), common / sum(ref.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def is_credit_line(line: str) -> bool:
    """A line that is only a photo credit: "Reuters", "Фото: ТАСС", "Максим Шеметов / Reuters"."""
    parts = [part.strip(" .") for part in re.split(r"[/|,•]", _CREDIT_PREFIX.sub("", line.strip()))]
    sources = {source.lower() for source in PHOTO_SOURCES}
    return len(line) <= 100 and bool(parts) and parts[-1].lower() in sources and len(_TOKEN.findall(line)) <= 8


def furniture_in(body: str) -> list[str]:
    """Furniture left in a body: known markers, and lines that are only a photo credit."""
    found = [marker for marker in SEED_FURNITURE if marker.lower() in body.lower()]
    found.extend(f"credit line {line!r}" for line in body.split("\n") if line.strip() and is_credit_line(line))
    return found


@dataclass
class SeedScore:
    name: str
    precision: float
    recall: float
    f1: float
    furniture: list[str]
    embeds_ok: bool
    title_ok: bool
    error: str | None = None


def score_seeds(corpus: Path) -> list[SeedScore]:
    scores: list[SeedScore] = []
    for seed in sorted((corpus / "seeds").glob("*.txt")):
        gold = json.loads((corpus / "gold" / f"{seed.stem}.json").read_text(encoding="utf-8"))
        try:
            article = clean(Page(text=seed.read_text(encoding="utf-8")))
        except NotAnArticle as exc:
            scores.append(SeedScore(seed.stem, 0, 0, 0, [], False, False, exc.reason))
            continue
        p, r, f = prf(article.body, gold["body"])
        embeds = [embed.model_dump() for embed in article.embeds]
        expected = [{k: e.get(k) for k in ("kind", "author", "handle", "date", "text")} for e in gold["embeds"]]
        scores.append(
            SeedScore(
                seed.stem, p, r, f, furniture_in(article.body), _same_embeds(embeds, expected),
                article.title == gold.get("title"),
            )
        )  # fmt: skip
    return scores


def _same_embeds(got: list[dict[str, object]], expected: list[dict[str, object]]) -> bool:
    def norm(items: list[dict[str, object]]) -> list[tuple[object, ...]]:
        keys = ("kind", "author", "handle", "date", "text")
        return [tuple(" ".join(str(item.get(k)).split()) for k in keys) for item in items]

    return norm(got) == norm(expected)


@dataclass
class PageScore:
    id: str
    site: str
    f1: dict[str, float] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)
    note: str = ""


@dataclass
class PagesReport:
    pages: list[PageScore]
    seconds: dict[str, float]

    def per_site(self, system: str) -> dict[str, float]:
        by_site: dict[str, list[float]] = defaultdict(list)
        for page in self.pages:
            if system in page.f1:
                by_site[page.site].append(page.f1[system])
        return {site: sum(values) / len(values) for site, values in sorted(by_site.items())}

    def macro(self, system: str) -> float:
        sites = self.per_site(system)
        return sum(sites.values()) / len(sites) if sites else 0.0

    def page_mean(self, system: str) -> float:
        values = [page.f1[system] for page in self.pages if system in page.f1]
        return sum(values) / len(values) if values else 0.0


def cleaner_body(content: bytes, url: str | None) -> str | None:
    try:
        return clean(Page(url=url, html=content)).body
    except NotAnArticle:
        return None


def generic_body(content: bytes, url: str | None) -> str | None:
    """The cleaner without site modules: what a site with no module of its own gets."""
    try:
        return clean(Page(url=url, html=content), site_modules=False).body
    except NotAnArticle:
        return None


def trafilatura_default(content: bytes, url: str | None) -> str | None:
    return trafilatura.extract(content, url=url)


def trafilatura_precision(content: bytes, url: str | None) -> str | None:
    return trafilatura.extract(content, url=url, favor_precision=True)


SYSTEMS: dict[str, Extractor] = {
    "cleaner": cleaner_body,
    "generic": generic_body,
    "traf": trafilatura_default,
    "traf_prec": trafilatura_precision,
}


def score_pages(corpus: Path, systems: dict[str, Extractor] | None = None) -> PagesReport:
    systems = systems or SYSTEMS
    root = corpus / "pages"
    rows = [json.loads(line) for line in (root / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line]
    contents = {row["id"]: gzip.decompress((root / row["file"]).read_bytes()) for row in rows}
    outputs: dict[str, dict[str, str | None]] = {name: {} for name in systems}
    seconds: dict[str, float] = dict.fromkeys(systems, 0.0)
    for row in rows:
        for name, extract in systems.items():
            started = time.perf_counter()
            outputs[name][row["id"]] = extract(contents[row["id"]], row["url"])
            seconds[name] += time.perf_counter() - started
    pages: list[PageScore] = []
    for row in rows:
        gold = json.loads((root / row["gold"]).read_text(encoding="utf-8"))
        score = PageScore(row["id"], row["site"])
        for name in systems:
            body = outputs[name][row["id"]]
            if gold.get("body") is not None:
                score.f1[name] = prf(body, gold["body"])[2]
            else:
                score.checks[name] = _passes_checks(body, gold)
        pages.append(score)
    return PagesReport(pages, {name: len(rows) / max(s, 1e-9) for name, s in seconds.items()})


def _passes_checks(body: str | None, gold: dict[str, object]) -> bool:
    if not isinstance(body, str):
        return False
    must = gold.get("must_contain") or []
    must_not = gold.get("must_not_contain") or []
    assert isinstance(must, list) and isinstance(must_not, list)
    return all(s in body for s in must) and not any(s in body for s in must_not)


def print_report(seeds: list[SeedScore], report: PagesReport, out: Callable[[str], None] = print) -> None:
    systems = list(report.seconds)
    out("== seeds (plain text, no URL) ==")
    out(f"{'seed':28} {'P':>6} {'R':>6} {'F1':>6}  embeds title furniture")
    for s in seeds:
        furniture = ", ".join(s.furniture) if s.furniture else "-"
        out(f"{s.name:28} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}  {_ok(s.embeds_ok):6} "
            f"{_ok(s.title_ok):5} {s.error or furniture}")  # fmt: skip
    out("")
    out("== pages ==")
    out(f"{'page':42} {'site':22} " + " ".join(f"{name:>9}" for name in systems))
    for page in sorted(report.pages, key=lambda p: (p.site, p.id)):
        if page.f1:
            cells = " ".join(f"{page.f1[name]:9.3f}" for name in systems)
        else:
            cells = " ".join(f"{'pass' if page.checks[name] else 'FAIL':>9}" for name in systems)
        out(f"{page.id[:42]:42} {page.site[:22]:22} {cells}")
    out("")
    out("== sites (mean page F1) ==")
    tables = {name: report.per_site(name) for name in systems}
    for site in tables[systems[0]]:
        out(f"{site:30} " + " ".join(f"{tables[name][site]:9.3f}" for name in systems))
    out("")
    for name in systems:
        out(f"{name:10} macro F1 {report.macro(name):.4f}  page mean {report.page_mean(name):.4f}  "
            f"{report.seconds[name]:7.1f} pages/s")  # fmt: skip
    if "cleaner" in tables and "traf_prec" in tables:
        below = [s for s in tables["cleaner"] if tables["cleaner"][s] < tables["traf_prec"][s] - 1e-9]
        out("sites below favor_precision: " + (", ".join(below) if below else "none"))
    if "cleaner" in tables and "generic" in tables:
        for line in leave_modules_out(tables["cleaner"], tables["generic"]):
            out(line)
    out(f"F1 macro={report.macro('cleaner' if 'cleaner' in systems else systems[0]):.4f}")


def leave_modules_out(cleaner: dict[str, float], generic: dict[str, float]) -> list[str]:
    """Macro F1 of the sites that have a module, with and without it, beside the sites that have none.

    The sites without a module are scored by rules nobody wrote for them, and the module sites with
    their module left out show what a new outlet gets before it has one: the figures to set beside the
    development score.
    """
    with_module = [site for site in cleaner if publisher_for_host(site) is not None]
    without = [site for site in cleaner if site not in with_module]

    def macro(table: dict[str, float], sites: list[str]) -> float:
        return sum(table[site] for site in sites) / len(sites) if sites else 0.0

    return [
        f"sites with a module ({len(with_module)}): macro F1 {macro(cleaner, with_module):.4f} with it, "
        f"{macro(generic, with_module):.4f} with the generic rules only",
        f"sites without a module ({len(without)}): macro F1 {macro(cleaner, without):.4f}",
    ]


def _ok(flag: bool) -> str:
    return "ok" if flag else "DIFF"


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vestnik.evaluation.cleaner", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus(), help="the shared corpus directory")
    args = parser.parse_args(list(argv) if argv is not None else None)
    seeds = score_seeds(args.corpus)
    report = score_pages(args.corpus)
    print_report(seeds, report)
    return 1 if any(seed.furniture or seed.error for seed in seeds) else 0


if __name__ == "__main__":
    sys.exit(main())
