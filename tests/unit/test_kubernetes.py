"""docs/kubernetes.yaml must run what docker-compose.yml, the CLI and the settings actually offer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.app import AGENT_NAMES
from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAMES = {"VESTNIK_SASL_USERNAME", "VESTNIK_SASL_PASSWORD"}


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((ROOT / "docs" / "kubernetes.yaml").read_text()) if doc]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


@pytest.fixture(scope="module")
def config(documents: list[dict[str, Any]]) -> dict[str, str]:
    maps = [doc for doc in documents if doc["kind"] == "ConfigMap"]
    assert len(maps) == 1
    data: dict[str, str] = maps[0]["data"]
    assert all(isinstance(value, str) for value in data.values()), "ConfigMap values must be strings"
    return data


def deployment(documents: list[dict[str, Any]], agent: str) -> dict[str, Any]:
    found = [doc for doc in documents if doc["kind"] == "Deployment"
             and doc["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component") == agent]
    assert len(found) == 1, f"{agent}: expected one Deployment, found {len(found)}"
    return found[0]


def container(documents: list[dict[str, Any]], agent: str) -> dict[str, Any]:
    containers: list[dict[str, Any]] = deployment(documents, agent)["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def environment(documents: list[dict[str, Any]], config: dict[str, str], agent: str) -> dict[str, Any]:
    """What the container sees: the ConfigMap it loads, then its own env (literal values or secret refs)."""
    spec = container(documents, agent)
    maps = [source["configMapRef"]["name"] for source in spec.get("envFrom", [])]
    config_name = next(doc["metadata"]["name"] for doc in documents if doc["kind"] == "ConfigMap")
    assert maps == [config_name], f"{agent}: must load the settings ConfigMap"
    env: dict[str, Any] = dict(config)
    for item in spec.get("env", []):
        env[item["name"]] = item["value"] if "value" in item else item["valueFrom"]
    return env


def window(probe: dict[str, Any]) -> float:
    """Seconds of failures before the kubelet acts (Kubernetes defaults: period 10 s, threshold 3)."""
    return float(probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3))


def literal_settings(env: dict[str, Any]) -> Settings:
    values = {k.removeprefix("VESTNIK_").lower(): v for k, v in env.items() if isinstance(v, str)}
    return Settings.model_validate(values)


def test_one_deployment_per_agent_with_compose_image_and_command(
    documents: list[dict[str, Any]], compose: dict[str, Any]
) -> None:
    deployments = [doc for doc in documents if doc["kind"] == "Deployment"]
    assert len(deployments) == len(AGENT_NAMES)
    for agent in AGENT_NAMES:
        spec = container(documents, agent)
        service = compose["services"][agent]
        # A registry may stand before the name; the name and the pinned tag are compose's.
        assert spec["image"].rsplit("/", 1)[-1] == service["image"]
        assert spec["command"] == service["command"]
        selector = deployment(documents, agent)["spec"]["selector"]["matchLabels"]
        labels = deployment(documents, agent)["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items()


def test_environment_names_are_settings_and_mirror_compose(
    documents: list[dict[str, Any]], config: dict[str, str], compose: dict[str, Any]
) -> None:
    fields = {f"VESTNIK_{name.upper()}" for name in Settings.model_fields}
    for agent in AGENT_NAMES:
        env = environment(documents, config, agent)
        unknown = {name for name in env if name.startswith("VESTNIK_")} - fields
        assert not unknown, f"{agent}: {unknown} are not settings"
        assert set(compose["services"][agent]["environment"]) <= set(env), f"{agent}: compose sets more"
        settings = literal_settings(env)
        assert not settings.embedded, "an empty VESTNIK_BOOTSTRAP_SERVERS would mean the embedded broker"


def test_sasl_credentials_come_from_a_secret(documents: list[dict[str, Any]], config: dict[str, str]) -> None:
    assert not SECRET_NAMES & set(config), "credentials do not belong in a ConfigMap"
    for agent in AGENT_NAMES:
        env = environment(documents, config, agent)
        assert literal_settings(env).security_protocol.startswith("SASL")
        for name in SECRET_NAMES:
            assert env[name]["secretKeyRef"]["name"] and env[name]["secretKeyRef"]["key"], name


def test_probes_hit_health_on_the_worker_web_port(documents: list[dict[str, Any]], config: dict[str, str]) -> None:
    for agent in AGENT_NAMES:
        spec = container(documents, agent)
        settings = literal_settings(environment(documents, config, agent))
        assert settings.web_enabled
        assert settings.web_host == "0.0.0.0", f"{agent}: the kubelet cannot reach a web server on loopback"
        ports = {port["name"]: port["containerPort"] for port in spec["ports"]}
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            get = spec[probe]["httpGet"]
            assert get["path"] == "/health", f"{agent} {probe}"
            port = ports.get(get["port"], get["port"])
            assert port == settings.web_port, f"{agent} {probe}: port {port}, worker serves {settings.web_port}"
        # The startup probe outlasts the worker's wait for its cluster and then for its first rebalance.
        assert window(spec["startupProbe"]) >= settings.startup_timeout + settings.rebalance_timeout
        # Liveness restarts a worker only when readiness has long given up on it, not for a dropped membership.
        assert window(spec["livenessProbe"]) > max(window(spec["readinessProbe"]), settings.session_timeout)


@pytest.mark.parametrize("agent", AGENT_NAMES)
def test_each_agents_worker_serves_the_probed_page(
    documents: list[dict[str, Any]], config: dict[str, str], agent: str, tmp_path: Path
) -> None:
    from streams.app import build_app

    settings = literal_settings(environment(documents, config, agent)).model_copy(update={"cache_dir": tmp_path})
    app = build_app(settings, [agent])
    assert "/health" in app.web.views
    assert (app.conf.web_host, app.conf.web_port) == (settings.web_host, settings.web_port)


def test_a_stopping_pod_gets_the_grace_period_and_more(
    documents: list[dict[str, Any]], config: dict[str, str]
) -> None:
    for agent in AGENT_NAMES:
        grace = deployment(documents, agent)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        settings = literal_settings(environment(documents, config, agent))
        assert grace >= settings.stop_grace + 5, f"{agent}: the kubelet would SIGKILL before the grace period ends"


def test_replicas_do_not_exceed_partitions_and_resources_are_set(
    documents: list[dict[str, Any]], config: dict[str, str]
) -> None:
    for agent in AGENT_NAMES:
        spec = deployment(documents, agent)["spec"]
        settings = literal_settings(environment(documents, config, agent))
        assert 1 <= spec["replicas"] <= settings.topic_partitions, f"{agent}: replicas beyond partitions sit idle"
        resources = container(documents, agent)["resources"]
        assert resources["requests"]["cpu"] and resources["requests"]["memory"] and resources["limits"]["memory"]
