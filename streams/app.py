"""The Faust app: one per worker process, with the agents it was asked to run."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import faust

from streams.kafka import faust_credentials
from streams.metrics import Metrics
from streams.offload import CpuPool
from streams.processing import Handler, process_events
from streams.settings import Settings
from streams.topics import TOPICS


@dataclass
class Pipeline:
    """What an agent binding needs: the app, settings, topics and the shared CPU pool."""

    app: faust.App
    settings: Settings
    topics: dict[str, faust.types.TopicT]
    cpu: CpuPool
    metrics: Metrics

    async def process(self, stream: faust.StreamT, agent: str, handler: Handler) -> None:
        """Run `handler` on each event of `stream`, dead-lettering failures (see streams.processing)."""
        # Base64 grows a value by a third: carry it only while the letter stays under the message limit.
        max_value = self.settings.max_message_bytes * 2 // 3 - 64 * 1024
        await process_events(stream, agent, self.topics["dead_letters"], handler, self.metrics, max_value)


AGENT_MODULES = {
    "crawler": "agents.crawler.agent",
    "cleaner": "agents.cleaner.agent",
    "annotator": "agents.annotator.agent",
}
AGENT_NAMES = tuple(AGENT_MODULES)


def _binding(name: str) -> Callable[[Pipeline], None]:
    """Import only the agents a worker runs: a crawler worker never loads the NLP models' code."""
    if name not in AGENT_MODULES:
        raise ValueError(f"unknown agent {name!r}; known: {', '.join(AGENT_NAMES)}")
    register: Callable[[Pipeline], None] = importlib.import_module(AGENT_MODULES[name]).register
    return register


INPUT_TOPICS = {
    "crawler": ("frontier",),
    "cleaner": ("raw_pages",),
    "annotator": ("clean_articles", "entity_mentions"),
}


def group_id(settings: Settings, agents: Iterable[str]) -> str:
    """The consumer group (and Faust app id) of a worker running `agents`.

    Faust expects every member of a group to run the same agents, so each agent
    set is its own group: a cleaner-only deployment never receives frontier
    partitions it cannot consume, and scaling one set never rebalances another.
    """
    chosen = [name for name in AGENT_NAMES if name in set(agents)]
    return settings.app_id if chosen == list(AGENT_NAMES) else f"{settings.app_id}-{'-'.join(chosen)}"


def build_app(settings: Settings, agents: Iterable[str] = AGENT_NAMES) -> faust.App:
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    agents = list(agents)
    app = faust.App(
        group_id(settings, agents),
        broker=[f"kafka://{server}" for server in settings.servers],
        broker_credentials=faust_credentials(settings),
        store="memory://",
        datadir=str(settings.cache_dir / "{conf.name}-data"),
        autodiscover=False,
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        consumer_auto_offset_reset="earliest",
        producer_compression_type="zstd",
        producer_max_request_size=settings.max_message_bytes,
        consumer_max_fetch_size=settings.max_message_bytes,
        producer_acks=-1,
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=min(3.0, settings.session_timeout / 3),
        web_enabled=settings.web_enabled,
        web_host=settings.web_host,
        web_port=settings.web_port,
    )
    topics = {
        key: app.topic(settings.topic(spec.suffix), key_serializer="raw", value_serializer="raw")
        for key, spec in TOPICS.items()
    }
    pipeline = Pipeline(app, settings, topics, CpuPool(settings.cpu_workers, settings.cpu_job_timeout), Metrics(app))
    for name in agents:
        _binding(name)(pipeline)

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:
        """Answered on the worker's event loop: slow answers mean a blocked loop."""
        return web.json({"status": "ok", "agents": agents, "group": app.conf.id})

    @app.on_before_shutdown.connect
    async def _stop_cpu_pool(app: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        pipeline.cpu.shutdown()

    return app
