"""Connections to the configured cluster: client options, credentials and topic creation."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import faust
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.conn import create_conn
from aiokafka.errors import (
    AuthenticationFailedError,
    AuthenticationMethodNotSupported,
    GroupCoordinatorNotAvailableError,
    KafkaConnectionError,
    KafkaError,
    SaslAuthenticationFailed,
    UnsupportedSaslMechanismError,
)
from mode.utils.times import want_seconds

from streams.settings import Settings
from streams.topics import MAX_REPLICATION, TOPICS, min_insync, topic_name

log = logging.getLogger(__name__)

T = TypeVar("T")


def _ssl_context(settings: Settings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None)


def _secret(settings: Settings) -> str | None:
    return settings.sasl_password.get_secret_value() if settings.sasl_password else None


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for aiokafka clients (producer, consumer, admin)."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.servers,
        "security_protocol": settings.security_protocol,
    }
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = _ssl_context(settings)
    if settings.security_protocol.startswith("SASL"):
        options.update(
            sasl_mechanism=settings.sasl_mechanism,
            sasl_plain_username=settings.sasl_username,
            sasl_plain_password=_secret(settings),
        )
    return options


def faust_credentials(settings: Settings) -> faust.types.auth.CredentialsT | None:
    protocol = settings.security_protocol
    if protocol == "PLAINTEXT":
        return None
    if protocol == "SSL":
        return faust.SSLCredentials(_ssl_context(settings))
    return faust.SASLCredentials(
        username=settings.sasl_username,
        password=_secret(settings),
        mechanism=settings.sasl_mechanism,
        ssl_context=_ssl_context(settings) if protocol == "SASL_SSL" else None,
    )


def _replicated(settings: Settings, configs: dict[str, str]) -> dict[str, str]:
    return {**configs, "min.insync.replicas": str(min_insync(settings.topic_replication or 1))}


async def with_replication(settings: Settings, admin: AIOKafkaAdminClient | None = None) -> Settings:
    """The settings with `topic_replication` set: as configured, or as many brokers as the cluster has, up to 3."""
    if settings.topic_replication is not None:
        return settings
    own = admin is None
    admin = admin or AIOKafkaAdminClient(**client_options(settings))
    if own:
        await admin.start()
    try:
        brokers = (await admin.describe_cluster())["brokers"]
    finally:
        if own:
            await admin.close()
    return settings.model_copy(update={"topic_replication": max(1, min(MAX_REPLICATION, len(brokers)))})


def registry_topics(settings: Settings) -> list[NewTopic]:
    """The registry's topics, for settings whose replication is resolved (`with_replication`)."""
    return [
        NewTopic(name=settings.topic(spec.suffix), num_partitions=spec.partitions or settings.topic_partitions,
                 replication_factor=settings.topic_replication or 1,
                 topic_configs=_replicated(settings, spec.configs(settings)))
        for spec in TOPICS.values()
    ]


def faust_topics(settings: Settings, app: faust.App) -> list[NewTopic]:
    """The topics faust would declare (its leader topic, the tables' changelogs), configured as it would.

    vestnik creates them before the worker joins, and faust declares none: faust checks a
    table's changelog against the metadata its consumer saw at the join, so a changelog it
    created itself after that is missing there until the next rebalance (PartitionsMismatch);
    and it declares a topic through the first broker it knows, even one that is down.
    """
    # faust's LeaderAssignor topic, named as it names it: a worker with no faust agent still consumes it.
    topics = [NewTopic(name=f"{app.conf.id}-__assignor-__leader", num_partitions=1,
                       replication_factor=settings.topic_replication or 1, topic_configs=_replicated(settings, {}))]
    for table in app.tables.values():
        topic = table.changelog_topic
        policy = ",".join(flag for flag, wanted in (("compact", topic.compacting), ("delete", topic.deleting))
                          if wanted)
        configs = {**({"cleanup.policy": policy} if policy else {}), **(topic.config or {})}
        if topic.retention:
            configs["retention.ms"] = str(int(want_seconds(topic.retention) * 1000))
        topics.append(NewTopic(name=topic.get_topic_name(), num_partitions=topic.partitions or table.partitions,
                               replication_factor=settings.topic_replication or 1,
                               topic_configs=_replicated(settings, {k: str(v) for k, v in configs.items()})))
    return topics


async def ensure_topics(settings: Settings, topics: list[NewTopic] | None = None) -> list[str]:
    """Create the topics (by default the registry's) that do not exist yet; return the names created."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        if topics is None:
            topics = registry_topics(await with_replication(settings, admin))
        missing = [topic for topic in topics
                   if topic.name not in existing]
        if missing:
            await admin.create_topics(missing)
            log.info("created topics %s", ", ".join(t.name for t in missing))
        return [t.name for t in missing]
    finally:
        await admin.close()


def unreachable(settings: Settings) -> str:
    """Why a command got no answer from Kafka, and what to do about it."""
    servers = ",".join(settings.servers)
    if settings.embedded:
        return f"no Kafka at {servers}: start one with `vestnik broker start`, or set VESTNIK_BOOTSTRAP_SERVERS"
    return f"no Kafka at {servers}: start it, or point VESTNIK_BOOTSTRAP_SERVERS at a cluster that runs"


def kafka_problem(settings: Settings, exc: BaseException) -> str:
    """One line for a Kafka failure that ended a command."""
    if isinstance(exc, KafkaConnectionError) or isinstance(exc.__cause__, KafkaConnectionError):
        return unreachable(settings)
    told = str(exc)
    name = type(exc).__name__
    return f"Kafka at {','.join(settings.servers)}: {told if name in told else f'{name}: {told}'}"


class ClusterUnavailable(RuntimeError):
    """The cluster did not answer within the startup timeout."""


class CredentialsRejected(RuntimeError):
    """The cluster refused the configured SASL credentials: retrying cannot help."""


EXIT_CREDENTIALS_REJECTED = 77  # EX_NOPERM: restarting with the same credentials would fail the same way

_REJECTIONS = (SaslAuthenticationFailed, AuthenticationFailedError, UnsupportedSaslMechanismError,
               AuthenticationMethodNotSupported)


async def check_credentials(settings: Settings) -> None:
    """Raise CredentialsRejected if a reachable server refuses our SASL login.

    aiokafka's clients only log a refused login and then report that they could not
    bootstrap, as if the broker were down; one direct connection tells the two apart.
    """
    if not settings.security_protocol.startswith("SASL"):
        return
    options = {k: v for k, v in client_options(settings).items() if k != "bootstrap_servers"}
    for server in settings.servers:
        host, _, port = server.rpartition(":")
        try:
            conn = await create_conn(host, int(port), request_timeout_ms=10_000, **options)
        except _REJECTIONS as exc:
            raise CredentialsRejected(
                f"Kafka at {server} rejected the {settings.sasl_mechanism} login of user {settings.sasl_username!r}"
                f" ({type(exc).__name__}): check VESTNIK_SASL_USERNAME, VESTNIK_SASL_PASSWORD and"
                " VESTNIK_SASL_MECHANISM") from exc
        except (TimeoutError, KafkaError, OSError):
            continue  # not reachable: the caller's own retries deal with that
        conn.close()
        return


async def ensure_topics_when_ready(settings: Settings, topics: list[NewTopic] | None = None) -> Settings:
    """Create the topics (by default the registry's) once the cluster answers, retrying meanwhile.

    A worker may well start before its broker, or while a node of its cluster is down and the
    others still name it. Returns the settings with the topics' replication resolved.
    """
    deadline = time.monotonic() + settings.startup_timeout
    pause = 0.5
    while True:
        try:
            resolved = await with_replication(settings)
            await ensure_topics(resolved, topics)
            return resolved
        except (KafkaError, OSError) as exc:
            await check_credentials(settings)
            if time.monotonic() >= deadline:
                raise ClusterUnavailable(f"{unreachable(settings)} (waited {settings.startup_timeout:.0f}s:"
                                         f" {exc!r})") from exc
            log.warning("Kafka at %s not reachable yet (%r); retrying in %.1fs", ",".join(settings.servers), exc, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)


async def coordinated(request: Callable[[], Awaitable[T]], timeout: float = 15.0) -> T:
    """An admin request about a group, asked again while no coordinator answers for it.

    A cluster creates its offsets topic when a group is first asked about, and has no coordinator
    until that topic is ready: on a new cluster the first such request fails for a moment.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await request()
        except GroupCoordinatorNotAvailableError:
            if time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.5)


async def topic_partitions(settings: Settings, name: str) -> list[TopicPartition]:
    """The topic's partitions, none if it does not exist (yet): from the metadata of all topics, which creates none."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        topics = await admin.describe_topics()
    finally:
        await admin.close()
    return [TopicPartition(name, partition["partition"]) for topic in topics if topic["topic"] == name
            for partition in sorted(topic["partitions"], key=lambda p: p["partition"])]


async def read_topic(settings: Settings, key: str) -> AsyncIterator[tuple[bytes | None, bytes | None]]:
    """Every record of a registry topic, from its beginning to the end offsets seen at the start; no group."""
    partitions = await topic_partitions(settings, topic_name(settings, key))
    if not partitions:
        return
    consumer = AIOKafkaConsumer(
        **client_options(settings), group_id=None, client_id=f"vestnik-read-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False, max_partition_fetch_bytes=settings.max_message_bytes,
        fetch_max_bytes=settings.max_message_bytes * 2,
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        pending = {tp for tp in partitions if await consumer.position(tp) < ends[tp]}
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=1000)
            for tp, records in batch.items():
                for record in records:
                    if record.offset < ends[tp]:
                        yield record.key, record.value
            pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
    finally:
        await consumer.stop()


async def offsets_at(consumer: AIOKafkaConsumer, tps: list[TopicPartition], moment: datetime | None
                     ) -> dict[TopicPartition, int]:
    """The first offset at or after `moment` per partition: the end if none is, the oldest kept if None."""
    if moment is None:
        return dict(await consumer.beginning_offsets(tps))
    found = await consumer.offsets_for_times({tp: int(moment.timestamp() * 1000) for tp in tps})
    ends = await consumer.end_offsets(tps)
    return {tp: (found[tp].offset if found[tp] is not None else ends[tp]) for tp in tps}


async def records_between(consumer: AIOKafkaConsumer, tp: TopicPartition, start: int, stop: int | None
                   ) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
    """The records of one partition from `start` up to (not including) `stop`, or all to come if None."""
    if stop is not None and start >= stop:
        return
    consumer.assign([tp])
    consumer.seek(tp, start)
    while True:
        batch = await consumer.getmany(tp, timeout_ms=1000)
        for record in batch.get(tp, []):
            if stop is not None and record.offset >= stop:
                return
            yield record
            if stop is not None and record.offset + 1 >= stop:
                return
