"""`vestnik bench`: how close the pipeline comes to the CPU cost of its articles.

One run measures, on this machine:
- each stage's core alone on one core, and the per-core limit 1 / (t_clean + t_annotate);
- a plain sequential script (trafilatura, then natasha), the baseline for "why a pipeline";
- the pipeline through a real broker with 1, 2, ... worker processes: sustained articles/s,
  peak RSS of each worker with its CPU process, CPU used by the workers and by the broker;
- CPU milliseconds per article by kind of process (event loops, CPU pools, broker) and the
  efficiency, core work alone ÷ all CPU spent: the platform's overhead in one figure;
- end-to-end latency (raw page sent → enriched event received) with the smallest set-up,
  at an offered rate of half its measured maximum, with each step of an article's path.

It writes `results.md`, `results.json`, `throughput.png`, `cpu.png` and `latency.png` into a folder of
the results directory, with the machine they ran on, and prints the table.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from streams.settings import Settings
from vestnik.benchmarks.cluster import ROOT
from vestnik.benchmarks.pipeline import Latency, Throughput, percentile, run_setup
from vestnik.benchmarks.stages import corpus_html

TARGETS = (
    ("1 worker ≥ 0.9× the per-core limit", "one_worker_vs_limit", 0.9),
    ("2 workers ≥ 1.7× 1 worker", "two_vs_one", 1.7),
    ("2 workers ≥ 3× the plain script", "two_vs_plain", 3.0),
)
P99_TARGET, RSS_TARGET_MB, EFFICIENCY_TARGET = 1.0, 600.0, 0.80


@dataclass
class Options:
    corpus: Path
    out: Path
    pages: int = 600
    workers: tuple[int, ...] = (1, 2)
    rounds: int = 2
    latency_seconds: float = 30.0
    warm_up: int = 100
    corpus_limit: int | None = None
    partitions: int = 8
    story_window: int = 50_000


def _child(*args: str) -> dict[str, Any]:
    """Run a stages measurement in a fresh process and return what it printed."""
    out = subprocess.run([sys.executable, "-m", "vestnik.benchmarks.stages", *args], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def machine() -> dict[str, Any]:
    import psutil

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return {
        "cpu": model, "cores": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "system": platform.platform(), "python": platform.python_version(),
        "kafka": Settings().kafka_version, "commit": commit.stdout.strip() or None,
    }


def local_broker_pids(bootstrap_servers: str) -> list[int]:
    """The processes on this machine listening on the configured bootstrap ports: their CPU is the broker's."""
    import psutil

    ports = {int(server.rsplit(":", 1)[1]) for server in bootstrap_servers.split(",") if ":" in server}
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        return []
    return sorted({c.pid for c in connections
                   if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port in ports and c.pid})


def _broker(settings: Settings, work: Path) -> tuple[Any, Settings]:
    """The configured cluster, or an embedded broker of the bench's own on free ports."""
    if not settings.embedded:
        return None, settings
    import socket

    from vestnik.ops.broker import EmbeddedBroker

    def free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
            return port

    local = settings.model_copy(update={"broker_port": free_port(), "controller_port": free_port()})
    broker = EmbeddedBroker(local, work / "kafka")
    broker.start()
    return broker, local.model_copy(update={"bootstrap_servers": broker.bootstrap})


def run(options: Options, say: Callable[[str], object] = print) -> dict[str, Any]:
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # leader elections of fresh topics are not news
    corpus = ["--corpus", str(options.corpus), "--rounds", str(options.rounds)]
    if options.corpus_limit:
        corpus += ["--limit", str(options.corpus_limit)]
    say("stages alone on one core ...")
    stages = _child("stages", *corpus)
    limit = 1 / (stages["clean_seconds"] + stages["annotate_seconds"])
    say(f"  cleaner {stages['clean_seconds'] * 1000:.1f} ms/page, annotator {stages['annotate_seconds'] * 1000:.1f}"
        f" ms/article: per-core limit {limit:.2f} articles/s")
    say(f"  story-feed's sentence encoder {stages['encode_seconds'] * 1000:.1f} ms/article, one thread:"
        f" {1 / stages['encode_seconds']:.2f} articles/s per core")
    say("plain script ...")
    plain = _child("plain", *corpus)
    say(f"  {plain['rate']:.2f} articles/s")
    say(f"story assignment with a window of {options.story_window:,} articles ...")
    stories = _child("stories", "--window", str(options.story_window))
    say(f"  {stories['articles_per_second']:.0f} articles/s with vectors, +{stories['rss_growth_mb']:.0f} MB for"
        f" the window")

    accepted = set(stages.pop("urls"))
    pages = [(url, html) for url, html in corpus_html(options.corpus, options.corpus_limit) if url in accepted]
    work = Path(tempfile.mkdtemp(prefix="vestnik-bench-"))
    broker, base = _broker(Settings(), work)
    broker_pid = broker.running_pid() if broker else next(iter(local_broker_pids(base.bootstrap_servers)), None)
    throughputs: list[Throughput] = []
    latency: Latency | None = None
    try:
        for workers in options.workers:
            say(f"pipeline with {workers} worker(s) ...")
            run_id = f"bench{workers}-{int(time.time())}"
            settings = base.model_copy(update={
                "app_id": run_id, "topic_prefix": f"{run_id}.", "topic_partitions": options.partitions,
                "web_enabled": False, "cache_dir": work / run_id,
            })
            throughput, measured = asyncio.run(run_setup(
                settings, workers, pages, options.pages, work, broker_pid,
                latency_seconds=options.latency_seconds if workers == min(options.workers) else 0.0,
                warm_up=options.warm_up, say=say))
            throughputs.append(throughput)
            latency = measured or latency
    finally:
        if broker:
            broker.stop()
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": " ".join(["vestnik bench", *sys.argv[2:]]) if sys.argv[1:2] == ["bench"] else "vestnik bench",
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()},
        "stages": stages | {"per_core_limit": limit},
        "plain": plain,
        "stories": stories,
        "pipeline": [asdict(t) for t in throughputs],
        "latency": asdict(latency) if latency else None,
    }
    results["ratios"] = ratios(results)
    results["cpu"] = cpu_per_article(results)
    return results


def cpu_per_article(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Per set-up, CPU ms per article by kind of process, and the efficiency: core work ÷ all CPU spent.

    Core work is what the cleaner and the annotator cost alone on one core; everything
    else (event loops, events, hand-offs to the CPU pool, the broker) is the platform's.
    """
    core_ms = (results["stages"]["clean_seconds"] + results["stages"]["annotate_seconds"]) * 1000
    rows = []
    for t in results["pipeline"]:
        spent = t["loop_ms"] + t["pool_ms"] + (t["broker_ms"] or 0.0)
        rows.append({"workers": t["workers"], "loop_ms": t["loop_ms"], "pool_ms": t["pool_ms"],
                     "broker_ms": t["broker_ms"], "broker_jit_ms": t.get("broker_jit_ms"), "all_ms": spent,
                     "core_ms": core_ms, "efficiency": core_ms / spent if t["broker_ms"] is not None else None,
                     "platform_share": (t["loop_ms"] + (t["broker_ms"] or 0.0)) / t["pool_ms"]})
    return rows


def ratios(results: dict[str, Any]) -> dict[str, float]:
    rates = {t["workers"]: t["rate"] for t in results["pipeline"]}
    limit, plain = results["stages"]["per_core_limit"], results["plain"]["rate"]
    out = {}
    if 1 in rates:
        out["one_worker_vs_limit"] = rates[1] / limit
    if 1 in rates and 2 in rates:
        out["two_vs_one"] = rates[2] / rates[1]
    if 2 in rates:
        out["two_vs_plain"] = rates[2] / plain
    return out


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def markdown(results: dict[str, Any]) -> str:
    stages, plain, machine_info = results["stages"], results["plain"], results["machine"]
    limit = stages["per_core_limit"]
    one = next((t["rate"] for t in results["pipeline"] if t["workers"] == 1), None)
    lines = [
        f"# `vestnik bench`, {results['when']}",
        "",
        f"{machine_info['cpu']}, {machine_info['cores']} cores, {machine_info['memory_gib']} GiB;"
        f" Python {machine_info['python']}, Kafka {machine_info['kafka']} (one broker on the same machine);"
        f" commit {machine_info['commit']}. Command: `{results['command']}`.",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| cleaner core alone, one core | {stages['clean_seconds'] * 1000:.1f} ms/page |",
        f"| annotator core alone, one core | {stages['annotate_seconds'] * 1000:.1f} ms/article"
        f" (mean body {stages['body_chars']:,.0f} chars) |",
        f"| per-core limit 1 / (t_clean + t_annotate) | {limit:.2f} articles/s |",
        f"| story-feed's sentence encoder alone, one thread | {stages['encode_seconds'] * 1000:.1f} ms/article,"
        f" {1 / stages['encode_seconds']:.2f} articles/s per core |",
        f"| plain script (trafilatura, then natasha), one process | {plain['rate']:.2f} articles/s |",
        f"| story assignment, one core, window of {results['stories']['window']:,} articles"
        f" (sentence vectors included) | {results['stories']['articles_per_second']:.0f} articles/s,"
        f" +{results['stories']['rss_growth_mb']:.0f} MB for the window |",
        "",
        "| set-up | articles/s | × per-core limit | × 1 worker | × plain script"
        " | peak RSS per worker (its own process)"
        " | CPU per article: worker process / CPU processes | CPU: workers / broker / machine (cores) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in results["pipeline"]:
        broker = f"{t['broker_cores']:.2f}" if t["broker_cores"] is not None else "n/a"
        memory = " + ".join(f"{mb:.0f} ({own:.0f})"
                            for mb, own in zip(t["peak_rss_mb"], t["peak_loop_rss_mb"], strict=True))
        versus_one = f"{t['rate'] / one:.2f}" if one else "n/a"
        lines.append(
            f"| {t['workers']} worker{'s' if t['workers'] > 1 else ''} (cleaner + annotator) | {t['rate']:.2f}"
            f" | {t['rate'] / limit:.2f} | {versus_one} | {t['rate'] / plain['rate']:.2f}"
            f" | {memory} MB"
            f" | {t['loop_ms']:.1f} / {t['pool_ms']:.1f} ms"
            f" | {t['worker_cores']:.2f} / {broker} / {t['machine_cores']:.2f} |")
    lines += [
        "",
        "CPU per article, by kind of process (the broker's includes the bench's own producer and reader, and"
        " leaves out its JIT compilers, a fresh JVM's one-off cost, given apart); efficiency is the core work"
        " alone ÷ all CPU spent; the platform's share is loops and broker ÷ the CPU pools of the same run:",
        "",
        "| set-up | event loops | CPU pools | broker (JIT apart) | all | core work alone | efficiency"
        " | platform's share |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in results["cpu"]:
        jit = f" ({row['broker_jit_ms']:.1f} ms)" if row.get("broker_jit_ms") is not None else ""
        broker_ms = f"{row['broker_ms']:.1f} ms{jit}" if row["broker_ms"] is not None else "n/a (not on this machine)"
        efficiency = f"{row['efficiency']:.2f}" if row["efficiency"] is not None else "n/a"
        share = f"{row['platform_share']:.2f}" if "platform_share" in row else "n/a"
        lines.append(f"| {row['workers']} worker{'s' if row['workers'] > 1 else ''} | {row['loop_ms']:.1f} ms"
                     f" | {row['pool_ms']:.1f} ms | {broker_ms} | {row['all_ms']:.1f} ms | {row['core_ms']:.1f} ms"
                     f" | {efficiency} | {share} |")
    latency = results["latency"]
    if latency:
        measured = Latency(**latency)
        lines += [
            "",
            f"Latency, raw page sent → enriched event received, {latency['workers']} worker(s) offered"
            f" {latency['offered_rate']:.2f} articles/s (half the maximum), {latency['articles']} articles:"
            f" p50 {_ms(measured.percentile(50))}, p95 {_ms(measured.percentile(95))},"
            f" p99 {_ms(measured.percentile(99))}.",
        ]
        if measured.steps:
            lines += ["", "Where the time goes, per step of an article's path:", "",
                      "| step | p50 | p99 | max | in the 3 slowest |", "| --- | --- | --- | --- | --- |"]
            slowest = measured.slowest(3)
            for step, times in measured.steps.items():
                lines.append(f"| {step} | {_ms(percentile(times, 50))} | {_ms(percentile(times, 99))}"
                             f" | {_ms(max(times))} | {', '.join(_ms(steps[step]) for _, _, steps in slowest)} |")
    lines += ["", "| target | measured | met |", "| --- | --- | --- |"]
    for label, key, target in TARGETS:
        if key in results["ratios"]:
            value = results["ratios"][key]
            lines.append(f"| {label} | {value:.2f}× | {'yes' if value >= target else 'no'} |")
    if latency:
        p99 = Latency(**latency).percentile(99)
        lines.append(f"| p99 latency < {P99_TARGET:.0f} s | {p99:.2f} s | {'yes' if p99 < P99_TARGET else 'no'} |")
    for row in results["cpu"]:
        if row["efficiency"] is not None:
            met = "yes" if row["efficiency"] >= EFFICIENCY_TARGET else "no"
            lines.append(f"| efficiency ≥ {EFFICIENCY_TARGET:.2f}, {row['workers']} worker(s)"
                         f" | {row['efficiency']:.2f} | {met} |")
    peak = max((mb for t in results["pipeline"] for mb in t["peak_rss_mb"]), default=0.0)
    lines.append(f"| peak RSS < {RSS_TARGET_MB:.0f} MB per worker | {peak:.0f} MB"
                 f" | {'yes' if peak < RSS_TARGET_MB else 'no'} |")
    return "\n".join(lines) + "\n"


def plots(results: dict[str, Any], folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    limit = results["stages"]["per_core_limit"]
    workers = [t["workers"] for t in results["pipeline"]]
    rates = [t["rate"] for t in results["pipeline"]]
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot(workers, rates, "o-", label="pipeline")
    axes.plot(workers, [limit * w for w in workers], "--", label="per-core limit × workers")
    axes.axhline(results["plain"]["rate"], color="grey", linestyle=":", label="plain script")
    axes.set(xlabel="worker processes", ylabel="articles/s", xticks=workers, ylim=(0, None),
             title=f"Throughput ({results['machine']['cores']} cores)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(folder / "throughput.png", dpi=100)
    plt.close(figure)
    _cpu_plot(results, folder, plt)
    if results["latency"]:
        latency = results["latency"]
        figure, axes = plt.subplots(figsize=(6, 4))
        axes.hist([s * 1000 for s in latency["seconds"]], bins=40)
        axes.set(xlabel="ms, raw page sent → enriched event received", ylabel="articles",
                 title=f"Latency, {latency['workers']} worker(s) at {latency['offered_rate']:.1f} articles/s")
        figure.tight_layout()
        figure.savefig(folder / "latency.png", dpi=100)
        plt.close(figure)


def _cpu_plot(results: dict[str, Any], folder: Path, plt: Any) -> None:
    """Stacked CPU per article by kind of process, beside the core work alone."""
    rows = results["cpu"]
    labels = [f"{row['workers']} worker{'s' if row['workers'] > 1 else ''}" for row in rows]
    figure, axes = plt.subplots(figsize=(6, 4))
    bottom = [0.0] * len(rows)
    for key, label in (("pool_ms", "CPU pools"), ("loop_ms", "event loops"), ("broker_ms", "broker")):
        values = [row[key] or 0.0 for row in rows]
        axes.bar(labels, values, bottom=bottom, label=label)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.axhline(rows[0]["core_ms"], color="black", linestyle="--", label="core work alone")
    for n, row in enumerate(rows):
        if row["efficiency"] is not None:
            axes.annotate(f"{row['efficiency']:.2f}", (n, bottom[n]), ha="center", va="bottom")
    axes.set(ylabel="CPU ms per article", title="CPU per article (efficiency above each bar)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(folder / "cpu.png", dpi=100)
    plt.close(figure)


def write(results: dict[str, Any], out: Path) -> Path:
    folder = out / results["when"].replace(":", "").replace("+0000", "Z")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    (folder / "results.md").write_text(markdown(results))
    plots(results, folder)
    return folder
