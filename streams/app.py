"""The Faust app: one per worker process, with the agents it was asked to run.

Each agent is what its binding declares (`streams.agent`, listed in
`streams.bindings.AGENTS`). Its loops consume on vestnik's own delivery loops
(`streams.delivery`), each in a consumer group of its own; its table streams (the
entity counter) consume through faust, in the app's group. The loops, the CPU
pool and the producer start and stop together as one service of the app, so a
stopping worker finishes or abandons its in-flight events before the CPU pool
goes away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import faust
from mode import Service

from streams.agent import Agent, Loop
from streams.bindings import AGENTS
from streams.delivery import AgentLoop, AssignedHook, Handler, RevokedHook
from streams.health import faust_consumer, is_member, report
from streams.kafka import faust_credentials
from streams.metrics import Metrics
from streams.offload import CpuPool
from streams.processing import process_events
from streams.publisher import Publisher
from streams.settings import Settings
from streams.topics import TOPICS, topic_name

log = logging.getLogger(__name__)

AGENT_NAMES = tuple(agent.name for agent in AGENTS)


def agent_named(name: str) -> Agent:
    for agent in AGENTS:
        if agent.name == name:
            return agent
    raise ValueError(f"unknown agent {name!r}; known: {', '.join(AGENT_NAMES)}")


def loop_group(settings: Settings, agent: str) -> str:
    """The consumer group of an agent's own loop: every worker running the agent shares it."""
    return f"{settings.app_id}-{agent}"


def group_id(settings: Settings, agents: Iterable[str]) -> str:
    """The Faust app id, which is the consumer group of the agents that consume through faust.

    Faust expects every member of its group to run the same faust agents, so the
    group is named after the agents that keep tables: workers running the annotator
    (its entity counter) share one.
    """
    chosen = [agent.name for agent in AGENTS if agent.name in set(agents) and agent.tables]
    return f"{settings.app_id}-tables-{'-'.join(chosen) or 'none'}"


def consumer_groups(settings: Settings, agents: Iterable[str]) -> dict[str, list[str]]:
    """Every consumer group that workers running `agents` join, with its input topics."""
    chosen = [agent for agent in AGENTS if agent.name in set(agents)]
    groups = {loop_group(settings, loop.name): [topic_name(settings, key) for key in loop.inputs]
              for agent in chosen for loop in agent.loops}
    faust_topics = [topic_name(settings, table.input) for agent in chosen for table in agent.tables]
    if faust_topics:
        groups[group_id(settings, agents)] = faust_topics
    return groups


class Delivery(Service):
    """The producer, the CPU pool and the agents' own loops, started and stopped in that order's reverse."""

    def __init__(self, publisher: Publisher, cpu: CpuPool) -> None:
        super().__init__()
        self.publisher, self.cpu = publisher, cpu
        self.loops: list[AgentLoop] = []
        self.stop_hooks: list[Callable[[], Awaitable[None]]] = []  # the bindings' own tasks, stopped first
        self.close_hooks: list[Callable[[], Awaitable[None]]] = []  # what the loops' inputs use, once they stopped

    async def on_start(self) -> None:
        await self.publisher.start()
        for loop in self.loops:
            await loop.start()

    async def on_stop(self) -> None:
        for hook in self.stop_hooks:
            try:
                await hook()
            except Exception:
                log.exception("a stop hook failed; stopping the rest all the same")
        await asyncio.gather(*(loop.stop() for loop in self.loops))  # one grace period for all of them
        for hook in self.close_hooks:
            try:
                await hook()
            except Exception:
                log.exception("a close hook failed; closing the rest all the same")
        await self.cpu.close()
        await self.publisher.stop()


@dataclass
class Pipeline:
    """What an agent binding needs: the app, settings, topics, the CPU pool and the publisher."""

    app: faust.App
    settings: Settings
    topics: dict[str, faust.types.TopicT]
    cpu: CpuPool
    metrics: Metrics
    publisher: Publisher
    delivery: Delivery = field(init=False)

    def __post_init__(self) -> None:
        self.delivery = Delivery(self.publisher, self.cpu)

    def consume(self, loop: Loop, handler: Handler, on_assigned: AssignedHook | None = None,
                on_revoked: RevokedHook | None = None, in_flight: int | None = None, ordered: bool = True
                ) -> AgentLoop:
        """Run `handler` on a loop's inputs in a group of its own (see streams.delivery)."""
        agent_loop = AgentLoop(
            agent=loop.name, group=loop_group(self.settings, loop.name),
            topics=[topic_name(self.settings, key) for key in loop.inputs],
            handler=handler, publisher=self.publisher, metrics=self.metrics, settings=self.settings,
            on_assigned=on_assigned, on_revoked=on_revoked, in_flight=in_flight, ordered=ordered,
        )
        self.delivery.loops.append(agent_loop)
        return agent_loop

    def on_stop(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run `hook` when the worker stops, before the agents' loops stop."""
        self.delivery.stop_hooks.append(hook)

    def on_close(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run `hook` when the worker stops, once the agents' loops have stopped (clients their inputs used)."""
        self.delivery.close_hooks.append(hook)

    async def process(self, stream: faust.StreamT, agent: str, handler: Handler) -> None:
        """Run `handler` on each event of a faust stream, dead-lettering failures (see streams.processing)."""
        await process_events(stream, agent, self.publisher, handler, self.metrics, self.settings)



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
        topic_replication_factor=settings.topic_replication or 1,  # a worker's settings come resolved
        # vestnik creates every topic itself before the worker starts, with retries (`streams.kafka.faust_topics`).
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        producer_compression_type="zstd",
        producer_max_request_size=settings.max_message_bytes,
        consumer_max_fetch_size=settings.max_message_bytes,
        producer_acks=-1,
        producer_linger=0.005,  # table writes (changelogs) leave in batches, not a request each
        table_standby_replicas=settings.table_standbys,
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=min(3.0, settings.session_timeout / 3),
        broker_rebalance_timeout=settings.rebalance_timeout,
        web_enabled=settings.web_enabled,
        web_host=settings.web_host,
        web_port=settings.web_port,
    )
    topics = {
        key: app.topic(settings.topic(spec.suffix), key_serializer="raw", value_serializer="raw")
        for key, spec in TOPICS.items()
    }
    cpu = CpuPool(settings.cpu_workers, settings.cpu_job_timeout, settings.cpu_crash_attempts)
    pipeline = Pipeline(app, settings, topics, cpu, Metrics(app), Publisher(settings))
    for name in agents:
        agent_named(name).register(pipeline)
    app.add_dependency(pipeline.delivery)

    faust_group = group_id(settings, agents)

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:
        """Answered on the worker's event loop: slow answers mean a blocked loop; 503 while not in a group."""
        members = {group: is_member(faust_consumer(app)) if group == faust_group else
                   any(is_member(loop.consumer) for loop in pipeline.delivery.loops if loop.group == group)
                   for group in consumer_groups(settings, agents)}
        status, body = report(members)
        return web.json({**body, "agents": agents}, status=status)

    return app
