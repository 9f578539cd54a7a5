"""The mistakes a new user makes at the command line, and how one is run and judged.

Each mistake runs `vestnik` as a process of its own and must end with a non-zero exit status, no Python
traceback, and a message naming the problem. Apart from typer's usage errors (exit status 2, its own
boxed format) and a worker's log, what lands on stderr is at most one line. Mistakes that need a broker
run in tests/integration/test_cli_mistakes.py, the others in tests/unit/test_cli_mistakes.py.

To add one, add a row to MISTAKES. In its arguments and environment, these words stand for places
made afresh for each run: MISSING (a path that does not exist), FOLDER (an empty folder), BINARY (a
file of random bytes), PAGE (a small HTML page), SHADOW (a folder on PYTHONPATH where the bench
extra's matplotlib cannot be imported), CLOSED (a local port nothing listens on) and BUSY (a local port
something listens on).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
PROMPT_SECONDS = 30.0  # a mistake is answered at once: nothing waits for a timeout of its own
USAGE_ERROR = 2  # typer's exit status for a bad argument or option


@dataclass(frozen=True)
class Mistake:
    args: tuple[str, ...]
    says: str  # part of the message that names the problem
    env: dict[str, str] = field(default_factory=dict)
    stdin: bytes | Literal["terminal"] | None = None  # None: an empty, closed stdin
    broker: bool = False  # runs against the test broker, with topic names of its own
    logs: bool = False  # a worker logs as it waits for Kafka: more than one line on stderr is right

    def __str__(self) -> str:
        env = " ".join(f"{name}={value}" for name, value in self.env.items())
        given = "" if self.stdin is None else " < terminal" if self.stdin == "terminal" else f" < {self.stdin[:40]!r}"
        return f"{env} vestnik {' '.join(self.args)}{given}".strip()


def mistake(command: str, says: str, *, stdin: bytes | Literal["terminal"] | None = None, broker: bool = False,
            logs: bool = False, **env: str) -> Mistake:
    return Mistake(tuple(command.split()), says, env, stdin, broker, logs)


NO_BROKER = "no Kafka at 127.0.0.1:"
NOT_YET = "does not exist yet"

MISTAKES = [
    # Settings that cannot be used: the variable, its value and what is allowed, in one line.
    mistake("lag", "VESTNIK_TOPIC_PARTITIONS='abc': input should be a valid integer", VESTNIK_TOPIC_PARTITIONS="abc"),
    mistake("top-entities", "VESTNIK_WEB_PORT='99999': input should be less than or equal to 65535",
            VESTNIK_WEB_PORT="99999"),
    mistake("tail raw-pages", "VESTNIK_LOG_FORMAT='xml': input should be 'text' or 'json'", VESTNIK_LOG_FORMAT="xml"),
    mistake("dlq list", "VESTNIK_SECURITY_PROTOCOL='NONSENSE': input should be 'PLAINTEXT', 'SSL', 'SASL_PLAINTEXT'"
            " or 'SASL_SSL'", VESTNIK_SECURITY_PROTOCOL="NONSENSE"),
    mistake("dlq requeue", "VESTNIK_SASL_MECHANISM='GSSAPI': input should be 'PLAIN', 'SCRAM-SHA-256' or"
            " 'SCRAM-SHA-512'", VESTNIK_SASL_MECHANISM="GSSAPI"),
    mistake("worker", "VESTNIK_LOG_LEVEL='loud': input should be 'debug', 'info'", VESTNIK_LOG_LEVEL="loud"),
    mistake("replay --from-beginning", "VESTNIK_BOOTSTRAP_SERVERS='localhost': 'localhost' is not host:port",
            VESTNIK_BOOTSTRAP_SERVERS="localhost"),
    mistake("top-stories", "is not host:port with a port from 1 to 65535", VESTNIK_BOOTSTRAP_SERVERS="kafka:99999"),
    mistake("crawl --once", "VESTNIK_FEED_URLS is not valid JSON", VESTNIK_FEED_URLS="http://example.ru/rss"),
    mistake("tail raw-pages", "VESTNIK_TOPIC_PREFIX='news topics': string should match pattern",
            VESTNIK_TOPIC_PREFIX="news topics"),
    mistake("tail raw-pages", "VESTNIK_SSL_CAFILE='MISSING': path does not point to a file",
            VESTNIK_SSL_CAFILE="MISSING"),
    mistake("import PAGE", "raise VESTNIK_MAX_MESSAGE_BYTES or lower VESTNIK_MAX_PAGE_BYTES",
            VESTNIK_MAX_PAGE_BYTES="100000000"),
    mistake("broker status", "VESTNIK_BROKER_PORT='0': input should be greater than or equal to 1",
            VESTNIK_BROKER_PORT="0"),
    mistake("broker start", "VESTNIK_BROKER_SASL_USERS[alice]: input should be a valid string",
            VESTNIK_BROKER_SASL_USERS='{"alice": 1}'),
    mistake("stories", "VESTNIK_STORY_WINDOW='-1': input should be greater than 0", VESTNIK_STORY_WINDOW="-1"),
    mistake("run", "VESTNIK_DEMO_PORT='-1': input should be greater than or equal to 0", VESTNIK_DEMO_PORT="-1"),
    mistake("demo-site", "VESTNIK_CPU_WORKERS='many'", VESTNIK_CPU_WORKERS="many"),
    # No broker at the configured address: one line that says what to start or set, no client noise.
    mistake("lag", NO_BROKER),
    mistake("tail raw-pages --timeout 5", NO_BROKER),
    mistake("top-stories", NO_BROKER),
    mistake("dlq list", NO_BROKER),
    mistake("dlq show raw-pages/0/5", NO_BROKER),
    mistake("dlq requeue --dry-run", NO_BROKER),
    mistake("replay --from-beginning", NO_BROKER),
    mistake("replay --since 2020-01-01 --until 2020-02-01", NO_BROKER),
    mistake("import PAGE", NO_BROKER),
    mistake("crawl --once", NO_BROKER, VESTNIK_FEED_URLS='["http://127.0.0.1:CLOSED/rss.xml"]'),
    mistake("lag", "start one with `vestnik broker start`, or set VESTNIK_BOOTSTRAP_SERVERS",
            VESTNIK_BOOTSTRAP_SERVERS="", VESTNIK_BROKER_PORT="CLOSED"),
    mistake("worker --agents cleaner", NO_BROKER, VESTNIK_STARTUP_TIMEOUT="1", VESTNIK_WEB_PORT="CLOSED", logs=True),
    # Options out of range or not among the choices, bad times and unknown names: typer's usage errors.
    mistake("lag --interval -1", "Invalid value for '--interval': Input should be greater than or equal to 0.1"),
    mistake("lag --samples -2", "Invalid value for '--samples'"),
    mistake("lag --agents nosuch", "unknown agents nosuch; choose from crawler, cleaner, annotator, stories"),
    mistake("lag --agents ,", "no agent named"),
    mistake("dlq requeue --limit -1", "Invalid value for '--limit': Input should be greater than or equal to 0"),
    mistake("dlq requeue --max-requeues -1", "Invalid value for '--max-requeues'"),
    mistake("dlq list --agent foo", "'foo' is not one of 'crawler', 'cleaner', 'annotator'"),
    mistake("dlq list --limit many", "Invalid value for '--limit'"),
    mistake("dlq show", "Missing argument 'key'"),
    mistake("dlq show raw-pages/0/5 --width 0", "Invalid value for '--width'"),
    mistake("replay", "give either --since or --from-beginning"),
    mistake("replay --since 2020-01-01 --from-beginning", "give either --since or --from-beginning"),
    mistake("replay --since yesterday", "Invalid value for '--since'"),
    mistake("replay --since 2020-13-45", "month value is outside expected range"),
    mistake("replay --since 2099-01-01", "is in the future: every partition would move to its end and the input"
            " not yet processed would be skipped; give --force"),
    mistake("replay --since 2099-01-01 --until 2099-02-01", "is in the future: no input was received"),
    mistake("replay --since 2020-02-01 --until 2020-01-01", "is not before --until"),
    mistake("replay --since 2020-01-01 --agents crawler --until 2020-02-01",
            "only agents that read article topics can be re-fed"),
    mistake("tail nosuch", "unknown topic 'nosuch'"),
    mistake("tail", "Missing argument"),
    mistake("tail raw-pages --limit -1", "Invalid value for '--limit'"),
    mistake("tail raw-pages --timeout -5", "Invalid value for '--timeout'"),
    mistake("top-entities --type XYZ", "'XYZ' is not one of 'PER', 'LOC', 'ORG'"),
    mistake("top-entities --limit 0", "Invalid value for '--limit'"),
    mistake("top-stories --window yesterday", "not a span of time: 'yesterday'"),
    mistake("top-stories --limit -3", "Invalid value for '--limit'"),
    mistake("crawl", "continuous crawling is `vestnik worker --agents crawler`; use --once here"),
    mistake("crawl --once --source nosuch", "unknown sources"),
    mistake("worker --agents nosuch", "unknown agents nosuch"),
    mistake("run --agents nosuch", "unknown agents nosuch"),
    mistake("demo-site --port 99999", "Invalid value for '--port'"),
    mistake("dashboard --port 99999", "Invalid value for '--port'"),
    mistake("dashboard --port BUSY", "the dashboard cannot listen on 127.0.0.1:BUSY"),
    mistake("dashboard", "VESTNIK_DASHBOARD_WORKERS is not valid JSON", VESTNIK_DASHBOARD_WORKERS="http://w:6066"),
    mistake("dashboard", "VESTNIK_DASHBOARD_REFRESH='0': input should be greater than 0",
            VESTNIK_DASHBOARD_REFRESH="0"),
    mistake("import", "Missing argument"),
    mistake("import --base-url example.ru PAGE", "'example.ru' is not an http(s) address"),
    mistake("bench --workers abc", "Invalid value for --workers: takes positive counts"),
    mistake("bench --workers 0,1", "Invalid value for --workers: takes positive counts"),
    mistake("bench --pages 0", "Invalid value for '--pages'"),
    mistake("bench --out PAGE", "is a file"),
    mistake("eval clean --corpus PAGE", "is a file"),
    mistake("eval", "Usage"),
    mistake("eval stories --events --strict", "Invalid value for --strict: applies to the paraphrase pairs only"),
    mistake("nosuch", "No such command 'nosuch'"),
    mistake("broker restart", "No such command 'restart'"),
    # Files that are missing, folders, binary or empty, and lines that are not what a stage reads.
    mistake("clean MISSING", "does not exist"),
    mistake("clean FOLDER", "is a directory"),
    mistake("clean BINARY", "not an article: garbage bytes"),
    mistake("clean", "no record to work on", stdin=b""),
    mistake("clean", "no input: give a file, or pipe JSON Lines {id,url,html|text} in", stdin="terminal"),
    mistake("clean", "line 1: an array, not a JSON object {id,url,html|text}", stdin=b"[1, 2]\n"),
    mistake("clean", "line 1: url: Input should be a valid string", stdin=b'{"url": 5, "html": "<p>x</p>"}\n'),
    mistake("annotate", "line 1: a string, not a JSON object", stdin=b'"Putin"\n'),
    mistake("annotate", "line 1: not JSON", stdin=b"\xff\xfe\x00\x9c garbage \x80\n"),
    mistake("annotate", "line 1: title: Input should be a valid string", stdin=b'{"text": "x", "title": 5}\n'),
    mistake("stories", "line 1: title: Input should be a valid string", stdin=b'{"id": "a", "title": 5}\n'),
    mistake("stories MISSING", "No such file or directory"),
    mistake("stories FOLDER", "Is a directory"),
    mistake("stories BINARY", "not JSON"),
    # Something missing beside the command, or in its way: a worker, a corpus, an extra, a port, a sources file.
    mistake("top-entities", "no worker answers at 127.0.0.1:", VESTNIK_WEB_PORT="CLOSED"),
    mistake("worker", "the worker's web port BUSY is taken", VESTNIK_WEB_PORT="BUSY"),
    mistake("crawl --once", "the sources file (VESTNIK_SOURCES_FILE) cannot be used", VESTNIK_SOURCES_FILE="PAGE"),
    mistake("top-entities --worker garbage", "no entity counts from garbage"),
    mistake("eval clean", "no corpus at MISSING: it needs seeds, gold, pages/manifest.jsonl; point"
            " VESTNIK_CORPUS_DIR or --corpus at the folder", VESTNIK_CORPUS_DIR="MISSING"),
    mistake("eval ner --corpus FOLDER", "it needs ner/factru_dev.jsonl; point --corpus"),
    mistake("eval stories --corpus FOLDER", "it needs stories/articles.jsonl.gz, stories/pairs.jsonl"),
    mistake("eval stories --events --corpus FOLDER", "it needs stories-events/articles.jsonl, stories-events/pairs"),
    mistake("bench", "no corpus at MISSING", VESTNIK_CORPUS_DIR="MISSING"),
    mistake("bench", "needs the bench extra, which is not installed (matplotlib is missing):"
            " pip install 'vestnik[bench]'", PYTHONPATH="SHADOW"),
    # What no command foresaw is one line too, with the way to its traceback.
    mistake("broker stop", "rerun with VESTNIK_LOG_LEVEL=debug for the traceback", VESTNIK_CACHE_DIR="PAGE/cache"),
    # On the test broker, before any worker created the topics.
    mistake("replay --since 2020-01-01 --agents cleaner", "raw-pages do not exist yet", broker=True),
    mistake("replay --from-beginning --agents annotator,stories", "do not exist yet", broker=True),
    mistake("replay --since 2020-01-01 --until 2020-02-01 --agents cleaner", "raw-pages do not exist yet",
            broker=True),
    mistake("tail raw-pages --timeout 5", f"raw-pages {NOT_YET}", broker=True),
    mistake("tail enriched-articles", f"enriched-articles {NOT_YET}", broker=True),
    mistake("lag --samples 1", "none of these agents' input topics exists yet", broker=True),
    mistake("import MISSING", "nothing could be read", broker=True),
    mistake("worker --agents crawler", "the sources file (VESTNIK_SOURCES_FILE) cannot be used",
            VESTNIK_SOURCES_FILE="PAGE", broker=True),
]


def closed_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago and that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@cache
def listener() -> socket.socket:
    """A socket of this process that listens on a port of 127.0.0.1 until the process ends."""
    return socket.create_server(("127.0.0.1", 0))


def busy_port() -> int:
    port: int = listener().getsockname()[1]
    return port


def places(folder: Path) -> dict[str, str]:
    """The places a mistake's words stand for, made in `folder`."""
    (folder / "empty").mkdir()
    (folder / "random.bin").write_bytes(os.urandom(4096))
    (folder / "page.html").write_text("<html><body><h1>Заголовок</h1><p>Текст.</p></body></html>", encoding="utf-8")
    (folder / "shadow").mkdir()
    (folder / "shadow" / "matplotlib.py").write_text(
        'raise ModuleNotFoundError("No module named \'matplotlib\'", name="matplotlib")\n')
    return {"MISSING": str(folder / "missing"), "FOLDER": str(folder / "empty"), "BINARY": str(folder / "random.bin"),
            "PAGE": str(folder / "page.html"), "SHADOW": str(folder / "shadow"), "CLOSED": str(closed_port()),
            "BUSY": str(busy_port())}


def _placed(text: str, where: dict[str, str]) -> str:
    return re.sub(rf"\b({'|'.join(where)})\b", lambda match: where[match.group(0)], text)


def run(mistake: Mistake, where: dict[str, str], settings: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`vestnik ARGS` in a process of its own, with `settings` and the mistake's variables, none of the shell's."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("VESTNIK_")}
    env.update({name: _placed(value, where) for name, value in {**settings, **mistake.env}.items()})
    command = [sys.executable, "-m", "vestnik.cli", *(_placed(arg, where) for arg in mistake.args)]
    began = time.monotonic()
    if mistake.stdin == "terminal":
        main, terminal = os.openpty()
        try:
            result = subprocess.run(command, cwd=ROOT, env=env, stdin=terminal, capture_output=True, text=True,
                                    timeout=PROMPT_SECONDS * 2)
        finally:
            os.close(main)
            os.close(terminal)
    else:
        result = subprocess.run(command, cwd=ROOT, env=env, input=mistake.stdin or b"", capture_output=True,
                                timeout=PROMPT_SECONDS * 2)
        result = subprocess.CompletedProcess(result.args, result.returncode,
                                             result.stdout.decode("utf-8", "replace"),
                                             result.stderr.decode("utf-8", "replace"))
    took = time.monotonic() - began
    assert took < PROMPT_SECONDS, f"{mistake}: took {took:.0f} s"
    return result


def _flat(text: str) -> str:
    """Text as read, whatever the terminal width: typer draws its errors in a box and wraps them."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", text).split())


def check(mistake: Mistake, result: subprocess.CompletedProcess[str], where: dict[str, str]) -> None:
    output = result.stdout + result.stderr
    told = f"{mistake}: exit {result.returncode}\nstdout: {result.stdout[-1500:]}\nstderr: {result.stderr[-1500:]}"
    assert result.returncode != 0, told
    assert "Traceback" not in output, told
    assert _flat(_placed(mistake.says, where)) in _flat(output), told
    if result.returncode != USAGE_ERROR and not mistake.logs:
        assert len([line for line in result.stderr.splitlines() if line.strip()]) <= 1, told
