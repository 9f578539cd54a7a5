"""`vestnik bench` end to end on the session's broker, at a small size: every figure and file it promises."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from streams.settings import Settings
from tests.integration.harness import ROOT, settings_env
from tests.pages import page_corpus
from vestnik.benchmarks.pipeline import STEPS


def test_bench_measures_every_set_up_and_writes_its_table_and_plots(kafka_settings: Settings, tmp_path: Path) -> None:
    corpus = page_corpus(tmp_path / "corpus")
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "vestnik.cli", "bench", "--pages", "30", "--workers", "1", "--latency-seconds", "4",
         "--rounds", "1", "--corpus-limit", "12", "--warm-up", "6",
         "--story-window", "1000", "--corpus", str(corpus), "--out", str(out)],
        cwd=ROOT, env=settings_env(kafka_settings), capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    [folder] = list(out.iterdir())
    results = json.loads((folder / "results.json").read_text())

    stages = results["stages"]
    assert 0 < stages["clean_seconds"] < 5 and 0 < stages["annotate_seconds"] < 5 and 0 < stages["encode_seconds"] < 5
    assert stages["per_core_limit"] == 1 / (stages["clean_seconds"] + stages["annotate_seconds"])
    assert results["plain"]["rate"] > 0
    stories = results["stories"]
    assert stories["window"] == 1000 and stories["articles_per_second"] > 0 and stories["rss_growth_mb"] >= 0
    [one] = results["pipeline"]
    assert one["workers"] == 1 and one["articles"] == 30 and one["rate"] > 0
    assert one["loop_ms"] > 0 and one["pool_ms"] > 0  # the worker's CPU process did the extraction and NER
    assert 50 < one["peak_rss_mb"][0] < 4000 and one["peak_loop_rss_mb"][0] < one["peak_rss_mb"][0]
    [cpu] = results["cpu"]  # the session's broker runs on this machine: its CPU is counted too
    assert cpu["broker_ms"] == one["broker_ms"] > 0
    assert cpu["all_ms"] == one["loop_ms"] + one["pool_ms"] + cpu["broker_ms"]
    assert cpu["efficiency"] == cpu["core_ms"] / cpu["all_ms"] and 0 < cpu["efficiency"] < 1.5
    assert one["broker_jit_ms"] >= 0 and cpu["broker_jit_ms"] == one["broker_jit_ms"]  # counted apart, not in all_ms
    assert cpu["platform_share"] == (one["loop_ms"] + one["broker_ms"]) / one["pool_ms"]
    latency = results["latency"]
    assert latency["offered_rate"] == one["rate"] / 2 and len(latency["seconds"]) == latency["articles"] >= 10
    assert all(0 < s < 60 for s in latency["seconds"])
    assert list(latency["steps"]) == [step for step, _start, _end in STEPS]
    for n, total in enumerate(latency["seconds"]):  # each article's steps are its path, end to end
        steps = [times[n] for times in latency["steps"].values()]
        assert all(step >= 0 for step in steps) and abs(sum(steps) - total) < 0.1
    assert results["ratios"]["one_worker_vs_limit"] == one["rate"] / stages["per_core_limit"]

    table = (folder / "results.md").read_text()
    assert "| 1 worker (cleaner + annotator) |" in table and "p99" in table
    assert "| story assignment, one core, window of 1,000 articles (sentence vectors included) |" in table
    assert "| story-feed's sentence encoder alone, one thread |" in table
    assert ("| set-up | event loops | CPU pools | broker (JIT apart) | all | core work alone | efficiency"
            " | platform's share |") in table
    assert "| to the annotator, through NER |" in table and "| step | p50 | p99 | max | in the 3 slowest |" in table
    assert f"| efficiency ≥ 0.80, 1 worker(s) | {cpu['efficiency']:.2f} |" in table
    assert table in done.stdout  # the table is printed too
    for plot in ("throughput.png", "cpu.png", "latency.png"):
        assert (folder / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
