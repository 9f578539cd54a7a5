"""Operations on the real broker: /health that tracks group membership, SASL logins, JSON log lines."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import orjson

from agents.common.ids import article_id
from schemas.models import RawPage, utc_now
from streams.codecs import encode
from streams.settings import Settings
from tests.conftest import SASL_USERS
from tests.integration.harness import WorkerProcess, collect, produce, settings_env
from vestnik.benchmarks.cluster import ROOT
from vestnik.ops.broker import EmbeddedBroker

PAGE = ("<html><head><title>Тест</title></head><body><article><h1>Заголовок новости</h1>"
        + "<p>Президент России Владимир Путин провёл в Москве совещание с членами правительства.</p>" * 8
        + "</article></body></html>").encode()


def raw_page(n: int, prefix: str) -> RawPage:
    url = f"https://ops.example/{prefix}/{n}.html"
    return RawPage(id=article_id(url), url=url, final_url=url, source="test", status=200,
                   headers={"content-type": "text/html; charset=utf-8"}, fetched_at=utc_now(),
                   content_sha256=hashlib.sha256(PAGE).hexdigest(), content=PAGE)


async def health(settings: Settings) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{settings.web_port}/health") as resp:
        return resp.status, orjson.loads(await resp.read())


async def health_becomes(settings: Settings, status: int, timeout: float) -> dict[str, object]:
    deadline, seen = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            seen = await health(settings)
        except aiohttp.ClientError:
            seen = None
        if seen and seen[0] == status:
            return seen[1]
        await asyncio.sleep(0.5)
    raise AssertionError(f"/health did not answer {status} within {timeout}s; last {seen}")


async def test_health_is_503_while_the_broker_is_away_and_200_again_after(
    kafka_settings: Settings, kafka_broker: EmbeddedBroker | None, tmp_path: Path
) -> None:
    assert kafka_broker is not None, "needs the embedded test broker"
    settings = kafka_settings.model_copy(update={"log_format": "json"})
    worker = WorkerProcess(settings, "cleaner", tmp_path).start()
    try:
        await worker.wait_ready()
        body = await health_becomes(settings, 200, 60)
        assert body["status"] == "ok" and all(g["member"] for g in body["groups"].values())  # type: ignore[union-attr]
        await asyncio.to_thread(kafka_broker.stop)
        body = await health_becomes(settings, 503, 60)
        assert body["status"] == "unavailable" and "not a member" in str(body["reason"])
        await asyncio.to_thread(kafka_broker.start)
        await health_becomes(settings, 200, 120)

        page = raw_page(1, settings.app_id)
        await produce(settings, "raw_pages", [(b"broken-key", b"{not json"), (page.id.encode(), encode(page))])
        await collect(settings, "clean_articles", lambda ev: any(e["id"] == page.id for e in ev))
        lines = [orjson.loads(line) for line in worker.log().splitlines() if line.startswith("{")]
        assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
        letter = next(line for line in lines if "dead-lettering" in line["message"])
        assert letter["agent"] == "cleaner" and letter["article_id"] == "broken-key"
        assert letter["topic"] == settings.topic("raw-pages") and letter["offset"] >= 0 and "partition" in letter
    finally:
        await asyncio.to_thread(kafka_broker.start)
        worker.stop()


def sasl_settings(settings: Settings, bootstrap: str, mechanism: str, password: str) -> Settings:
    """The test's settings, logging in on the SASL listener (validated again, so the password is a secret)."""
    return Settings(**{
        **settings.model_dump(), "bootstrap_servers": bootstrap, "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": mechanism, "sasl_username": "vestnik", "sasl_password": password,
    })


async def test_a_worker_logs_in_with_scram_and_never_shows_its_password(
    kafka_settings: Settings, sasl_bootstrap: str, tmp_path: Path
) -> None:
    password = SASL_USERS["vestnik"]
    settings = sasl_settings(kafka_settings, sasl_bootstrap, "SCRAM-SHA-512", password)
    worker = WorkerProcess(settings, "cleaner", tmp_path).start()
    try:
        await worker.wait_ready()
        page = raw_page(2, settings.app_id)
        await produce(settings, "raw_pages", [(page.id.encode(), encode(page))])  # over SASL too
        got = await collect(kafka_settings, "clean_articles", lambda ev: any(e["id"] == page.id for e in ev))
        assert any(e["id"] == page.id and "Владимир Путин" in e["body"] for e in got)
        status, body = await health(settings)
        assert status == 200 and password not in orjson.dumps(body).decode()
        assert password not in worker.log()
    finally:
        worker.stop()


def run_cli(settings: Settings, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vestnik.cli", *args], cwd=ROOT, env=settings_env(settings),
                          capture_output=True, text=True, timeout=timeout)


async def test_a_wrong_password_fails_fast_with_a_clear_message(
    kafka_settings: Settings, sasl_bootstrap: str
) -> None:
    for mechanism in ("SCRAM-SHA-512", "PLAIN"):
        wrong = sasl_settings(kafka_settings, sasl_bootstrap, mechanism, "not-the-password")
        began = time.monotonic()
        result = await asyncio.to_thread(run_cli, wrong, "worker", "--agents", "cleaner")
        assert result.returncode == 77, result.stderr[-2000:]
        assert time.monotonic() - began < 30
        assert f"rejected the {mechanism} login of user 'vestnik'" in result.stderr
        assert "not-the-password" not in result.stdout + result.stderr
        tail = await asyncio.to_thread(run_cli, wrong, "tail", "raw-pages", "--timeout", "2")
        assert tail.returncode == 77 and "VESTNIK_SASL_PASSWORD" in tail.stderr, tail.stderr[-2000:]


async def test_plain_login_works_for_the_command_line(kafka_settings: Settings, sasl_bootstrap: str) -> None:
    page = raw_page(3, kafka_settings.app_id)
    await produce(kafka_settings, "raw_pages", [(page.id.encode(), encode(page))])
    plain = sasl_settings(kafka_settings, sasl_bootstrap, "PLAIN", SASL_USERS["vestnik"])
    result = await asyncio.to_thread(run_cli, plain, "tail", "raw-pages", "--limit", "1", "--timeout", "20")
    assert result.returncode == 0 and page.id in result.stdout, result.stderr[-2000:]
