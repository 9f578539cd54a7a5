"""`python -m vestnik.evaluation.cleaner`: the table, the timing, the last line and the exit status."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from vestnik.evaluation.cleaner import furniture_in, leave_modules_out, main, prf

PARAGRAPHS = [
    "Городские власти объявили о начале ремонта центральной площади, работы продлятся до конца лета.",
    "По словам чиновников, на время ремонта движение транспорта по соседним улицам будет ограничено.",
    "Жители смогут обсудить проект благоустройства на публичных слушаниях в следующем месяце.",
]


def make_corpus(root: Path, seed_text: str) -> Path:
    (root / "seeds").mkdir(parents=True)
    (root / "gold").mkdir()
    (root / "pages" / "html").mkdir(parents=True)
    (root / "pages" / "gold").mkdir()
    (root / "seeds" / "000_x.txt").write_text(seed_text, encoding="utf-8")
    gold = {"title": None, "body": "\n\n".join(PARAGRAPHS), "embeds": [], "site": "unknown"}
    (root / "gold" / "000_x.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    html = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article></body></html>"
    (root / "pages" / "html" / "a.ru_1.html.gz").write_bytes(gzip.compress(html.encode()))
    page_gold = {"title": None, "body": "\n\n".join(PARAGRAPHS)}
    (root / "pages" / "gold" / "a.ru_1.json").write_text(json.dumps(page_gold, ensure_ascii=False), encoding="utf-8")
    row = {"id": "a.ru_1", "file": "html/a.ru_1.html.gz", "gold": "gold/a.ru_1.json", "url": None, "site": "a.ru"}
    (root / "pages" / "manifest.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    return root


def test_clean_corpus_prints_table_timing_and_macro_last(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = make_corpus(tmp_path / "corpus", "\n".join(PARAGRAPHS))
    assert main(["--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "F1 macro=1.0000"
    assert any(line.startswith("a.ru_1") for line in out)
    assert any("pages/s" in line and line.startswith("traf_prec") for line in out)
    assert any(line.startswith("000_x") and "1.000" in line for line in out)


def test_seed_keeping_furniture_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kept = "Сайт обновил раздел Лента новостей и добавил новые рубрики для читателей города."
    corpus = make_corpus(tmp_path / "corpus", "\n".join([*PARAGRAPHS, kept]))
    assert main(["--corpus", str(corpus)]) == 1
    assert "Лента новостей" in capsys.readouterr().out


def test_scoring_rule_is_token_multiset_f1() -> None:
    assert prf("a b b c", "a b c c") == (0.75, 0.75, 0.75)
    assert prf("", "a") == (0.0, 0.0, 0.0)
    assert prf(None, "a") == (0.0, 0.0, 0.0)


def test_furniture_check_finds_markers_and_credit_lines() -> None:
    assert furniture_in("Текст.\n\nReuters\n\nЕщё текст.") == ["credit line 'Reuters'"]
    assert furniture_in("Текст. Лента новостей") == ["Лента новостей"]
    assert furniture_in("Обычный текст статьи.") == []
    credit = "Фото: Максим Шеметов / Reuters"
    assert furniture_in(f"Текст.\n{credit}\nЕщё.") == [f"credit line {credit!r}"]
    assert furniture_in("Агентство Reuters сообщило об этом в понедельник.") == []


def test_leave_modules_out_sets_module_sites_apart() -> None:
    cleaner = {"ria.ru": 1.0, "rbc.ru": 0.9, "example.org": 0.5}
    generic = {"ria.ru": 0.8, "rbc.ru": 0.6, "example.org": 0.5}
    with_module, without = leave_modules_out(cleaner, generic)
    assert "(2): macro F1 0.9500 with it, 0.7000 with the generic rules only" in with_module
    assert without.endswith("(1): macro F1 0.5000")
