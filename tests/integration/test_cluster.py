"""A local three-node cluster: topics with three replicas, two in sync; the busiest leader lost mid-stream.

`vestnik broker start --brokers 3` runs this cluster; `python -m vestnik.benchmarks.chaos --brokers 3
--kill-leader` is the full-size run of the failover test here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from streams.kafka import client_options, ensure_topics, with_replication
from streams.settings import Settings
from streams.topics import topic_name
from tests.conftest import free_port
from tests.pages import page_corpus
from vestnik.benchmarks.chaos import Plan, chaos, corpus_pages
from vestnik.ops.broker import EmbeddedCluster
from vestnik.ops.kafka_runtime import BrokerError


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedCluster]:
    for attempt in range(3):
        # A port found free may be taken (by a client's outgoing connection) before its node binds it.
        cluster = EmbeddedCluster(Settings(bootstrap_servers="", broker_heap="512m"),
                                  tmp_path_factory.mktemp("cluster"), size=3,
                                  ports=tuple((free_port(), free_port()) for _ in range(3)))
        try:
            seconds = cluster.start()
            break
        except BrokerError:
            if attempt == 2:
                raise
    print(f"\nthree-node cluster at {cluster.bootstrap} started in {seconds:.1f}s")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def settings(cluster: EmbeddedCluster, kafka_settings: Settings) -> Settings:
    return kafka_settings.model_copy(update={
        "bootstrap_servers": cluster.bootstrap, "session_timeout": 8.0, "topic_partitions": 4,
        "cpu_job_timeout": 30.0, "publish_timeout": 90.0, "web_enabled": False,
    })


async def test_topics_get_three_replicas_of_which_two_must_acknowledge(settings: Settings) -> None:
    assert (await with_replication(settings)).topic_replication == 3  # as many as the cluster's brokers
    await ensure_topics(settings)
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        name = topic_name(settings, "raw_pages")
        for _ in range(50):  # a new topic's partitions reach every broker's metadata within moments
            [described] = await admin.describe_topics([name])
            if len(described["partitions"]) == 4 and all(len(p["isr"]) == 3 for p in described["partitions"]):
                break
            await asyncio.sleep(0.2)
        assert len(described["partitions"]) == 4
        assert all(len(p["replicas"]) == 3 and len(p["isr"]) == 3 for p in described["partitions"])
        for _ in range(50):  # the broker asked may not know the new topic's configs for a moment: no entries yet
            [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name,
                                                                      configs={"min.insync.replicas": None})])
            [resource] = response.resources  # (error code, message, type, name, config entries)
            configs = {entry[0]: entry[1] for entry in resource[-1]}
            if "min.insync.replicas" in configs:
                break
            await asyncio.sleep(0.2)
        assert configs.get("min.insync.replicas") == "2", resource
    finally:
        await admin.close()


async def test_the_busiest_leader_killed_mid_stream_loses_no_article(
    settings: Settings, cluster: EmbeddedCluster, tmp_path: Path
) -> None:
    pages = corpus_pages(page_corpus(tmp_path / "pages"))
    plan = Plan(articles=300, workers=2, kills=1, kill_every=2.0, broker_restarts=0, broker_down=10.0,
                kill_leader=True, deadline=420)
    report = await chaos(settings, plan, pages, tmp_path, broker=cluster, say=False)
    print(f"\n{report.line()}")
    assert report.leader_kills == 1 and report.kills == 1
    assert report.lost == 0, f"lost {report.lost} of {report.sent}: {report.lost_ids[:10]}"
    assert report.dead_lettered == 0, report.dead_letter_reasons[:5]
    assert report.own_exits == 0, f"workers exited on their own: {report.worker_exits}"
    assert len(cluster.running()) == 3, "the killed node is back"
