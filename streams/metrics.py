"""Prometheus metrics of one worker: faust's own sensors plus vestnik's outcome counters."""

from __future__ import annotations

import faust
from faust.sensors.prometheus import setup_prometheus_sensors
from prometheus_client import CollectorRegistry, Counter


class Metrics:
    """Counters per outcome, served with faust's metrics at the worker's `/metrics`."""

    def __init__(self, app: faust.App) -> None:
        self.registry = CollectorRegistry()
        setup_prometheus_sensors(app, registry=self.registry, name_prefix="vestnik")
        self.outcomes = Counter(
            "vestnik_outcomes", "Events handled, by agent and outcome.", ["agent", "outcome"],
            registry=self.registry,
        )

    def count(self, agent: str, outcome: str) -> None:
        self.outcomes.labels(agent=agent, outcome=outcome).inc()
