"""docker-compose.yml must run what the CLI and the settings actually offer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from streams.app import AGENT_NAMES
from streams.settings import Settings
from vestnik.cli import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_kafka_is_a_pinned_kraft_image_with_a_healthcheck(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    image, _, tag = kafka["image"].partition(":")
    assert image == "apache/kafka" and tag and tag != "latest" and tag[0].isdigit()
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    assert not any("ZOOKEEPER" in name for name in kafka["environment"])
    assert kafka["healthcheck"]["test"]


def test_one_scalable_service_per_agent_running_a_real_cli_command(compose: dict[str, Any]) -> None:
    commands = {command.name for command in typer.main.get_command(cli).commands.values()}  # type: ignore[attr-defined]
    for agent in AGENT_NAMES:
        service = compose["services"][agent]
        program, command, flag, agents = service["command"]
        assert (program, flag) == ("vestnik", "--agents")
        assert command in commands
        assert agents.split(",") == [agent]
        assert service["depends_on"]["kafka"]["condition"] == "service_healthy"
        # --scale needs no fixed host ports or container names.
        assert "ports" not in service and "container_name" not in service


def test_environment_names_are_settings(compose: dict[str, Any]) -> None:
    fields = {f"VESTNIK_{name.upper()}" for name in Settings.model_fields}
    for agent in AGENT_NAMES:
        environment = compose["services"][agent]["environment"]
        unknown = {name for name in environment if name.startswith("VESTNIK_")} - fields
        assert not unknown, f"{agent}: {unknown} are not settings"
        assert environment["VESTNIK_BOOTSTRAP_SERVERS"].split(":")[0] == "kafka"
        Settings.model_validate({k.removeprefix("VESTNIK_").lower(): v for k, v in environment.items()})


def test_each_agent_service_has_consumer_groups_of_its_own(compose: dict[str, Any]) -> None:
    from streams.app import consumer_groups, group_id

    settings = Settings()
    per_service = [set(consumer_groups(settings, compose["services"][agent]["command"][3].split(",")))
                   for agent in AGENT_NAMES]
    assert all(per_service)
    assert sum(map(len, per_service)) == len(set().union(*per_service)), "services must not share a group"
    assert group_id(settings, ["cleaner", "crawler"]) == group_id(settings, ["crawler", "cleaner"])


def test_a_stopping_worker_gets_its_grace_period_and_more(compose: dict[str, Any]) -> None:
    for agent in AGENT_NAMES:
        service = compose["services"][agent]
        grace = float(service["stop_grace_period"].removesuffix("s"))
        settings = Settings.model_validate({k.removeprefix("VESTNIK_").lower(): v
                                            for k, v in service["environment"].items()})
        assert grace >= settings.stop_grace + 5, f"{agent}: compose would SIGKILL before the grace period ends"


def test_a_rebalance_outlasts_the_longest_cpu_job() -> None:
    settings = Settings()
    assert settings.rebalance_timeout > settings.cpu_job_timeout * settings.cpu_crash_attempts
