"""The Faust app: one per worker process, with the agents it was asked to run."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import faust

from streams.kafka import faust_credentials
from streams.offload import CpuPool
from streams.settings import Settings
from streams.topics import TOPICS


@dataclass
class Pipeline:
    """What an agent binding needs: the app, settings, topics and the shared CPU pool."""

    app: faust.App
    settings: Settings
    topics: dict[str, faust.types.TopicT]
    cpu: CpuPool

    @property
    def dead_letters(self) -> faust.types.TopicT:
        return self.topics["dead_letters"]


def _registry() -> dict[str, Callable[[Pipeline], None]]:
    from agents.annotator.agent import register as annotator
    from agents.cleaner.agent import register as cleaner
    from agents.crawler.agent import register as crawler

    return {"crawler": crawler, "cleaner": cleaner, "annotator": annotator}


AGENT_NAMES = ("crawler", "cleaner", "annotator")


def build_app(settings: Settings, agents: Iterable[str] = AGENT_NAMES) -> faust.App:
    app = faust.App(
        settings.app_id,
        broker=[f"kafka://{server}" for server in settings.servers],
        broker_credentials=faust_credentials(settings),
        store="memory://",
        autodiscover=False,
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        producer_compression_type="zstd",
        producer_max_request_size=settings.max_message_bytes,
        consumer_max_fetch_size=settings.max_message_bytes,
        producer_acks=-1,
        web_enabled=settings.web_enabled,
        web_host=settings.web_host,
        web_port=settings.web_port,
    )
    topics = {
        key: app.topic(settings.topic(spec.suffix), key_serializer="raw", value_serializer="raw")
        for key, spec in TOPICS.items()
    }
    pipeline = Pipeline(app, settings, topics, CpuPool(settings.cpu_workers))
    registry = _registry()
    for name in agents:
        if name not in registry:
            raise ValueError(f"unknown agent {name!r}; known: {', '.join(registry)}")
        registry[name](pipeline)

    @app.on_before_shutdown.connect
    async def _stop_cpu_pool(app: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        pipeline.cpu.shutdown()

    return app
