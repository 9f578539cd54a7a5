"""Session-wide test fixtures: no settings from the shell, one real Kafka broker, fresh names per test."""

from __future__ import annotations

import asyncio
import inspect
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from streams.settings import Settings

if TYPE_CHECKING:
    from vestnik.ops.broker import EmbeddedBroker

ROOT = Path(__file__).resolve().parents[1]

# The suite runs on an embedded broker of its own. To run it against a cluster instead, export
# VESTNIK_TEST_BOOTSTRAP_SERVERS=host:port: it is not a setting, and it is read here, once, before the
# tests clear every VESTNIK_* variable from their environment.
EXTERNAL_BOOTSTRAP = os.environ.get("VESTNIK_TEST_BOOTSTRAP_SERVERS", "").strip()


SASL_USERS = {"vestnik": f"pw-{uuid.uuid4().hex}"}
"""The session broker's SASL listener users (SCRAM-SHA-512 and PLAIN)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clear_settings_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("VESTNIK_")]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="session", autouse=True)
def _session_without_settings_from_the_shell() -> Iterator[None]:
    """Session fixtures (the broker) run before any per-test one: they too see no VESTNIK_* of the shell."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        clear_settings_from_the_shell(monkeypatch)
        yield


@pytest.fixture(autouse=True)
def _without_settings_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test builds the Settings it needs: nothing it does depends on the user's VESTNIK_* variables."""
    clear_settings_from_the_shell(monkeypatch)


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker | None]:
    """One broker per test session: an embedded one started here, or None when a cluster is configured."""
    if EXTERNAL_BOOTSTRAP:
        yield None
        return
    from vestnik.ops.broker import EmbeddedBroker

    settings = Settings(broker_port=free_port(), controller_port=free_port(), bootstrap_servers="",
                        broker_sasl_port=free_port(), broker_sasl_users=SASL_USERS)
    broker = EmbeddedBroker(settings, tmp_path_factory.mktemp("kafka"))
    seconds = broker.start()
    print(f"\nembedded Kafka {settings.kafka_version} at {broker.bootstrap} started in {seconds:.1f}s")
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def sasl_bootstrap(kafka_broker: EmbeddedBroker | None) -> str:
    """host:port of the session broker's SASL_PLAINTEXT listener."""
    if kafka_broker is None:
        pytest.fail("the SASL tests need the embedded test broker (unset VESTNIK_TEST_BOOTSTRAP_SERVERS)")
    return f"{kafka_broker.settings.broker_host}:{kafka_broker.settings.broker_sasl_port}"


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: EmbeddedBroker | None) -> str:
    return kafka_broker.bootstrap if kafka_broker else EXTERNAL_BOOTSTRAP


@pytest.fixture
def kafka_settings(kafka_bootstrap: str, tmp_path: Path) -> Settings:
    """Settings for one test: the session's broker, topic and group names of its own."""
    run = uuid.uuid4().hex[:10]
    return Settings(
        bootstrap_servers=kafka_bootstrap,
        app_id=f"vestnik-test-{run}",
        topic_prefix=f"test-{run}.",
        topic_partitions=2,
        web_port=free_port(),
        allow_private_hosts=True,
        discovery_tick=0.5,
        host_delay=0.0,
        fetch_backoff=0.05,
        cache_dir=tmp_path / "cache",
    )


@pytest.fixture
async def _no_leaked_tasks() -> AsyncIterator[None]:
    before = asyncio.all_tasks()
    yield
    await asyncio.sleep(0)
    leaked = [t for t in asyncio.all_tasks() - before if t is not asyncio.current_task() and not t.done()]
    for task in leaked:
        task.cancel()
    assert not leaked, f"test left tasks running: {leaked}"


@pytest.fixture(autouse=True)
def _guard_tasks(request: pytest.FixtureRequest) -> None:
    """Async tests must not leave tasks behind: a leaked task is a leaked connection or a lost error."""
    if inspect.iscoroutinefunction(getattr(request, "function", None)):
        request.getfixturevalue("_no_leaked_tasks")
