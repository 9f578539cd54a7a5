"""Credentials: passed to every client, revealed only to child processes, never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.kafka import client_options
from streams.settings import Settings
from vestnik.ops.broker import EmbeddedBroker


def secured() -> Settings:
    return Settings(bootstrap_servers="kafka:9093", security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
                    sasl_username="ingest", sasl_password="hunter2-secret")


def test_the_password_reaches_the_clients_but_not_reprs_or_dumps() -> None:
    settings = secured()
    options = client_options(settings)
    assert options["sasl_plain_password"] == "hunter2-secret" and options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["ssl_context"] is not None
    assert "hunter2" not in repr(settings) and "hunter2" not in settings.model_dump_json()


def test_child_processes_get_the_secrets_they_need(monkeypatch: pytest.MonkeyPatch) -> None:
    env = secured().environment()
    assert env["VESTNIK_SASL_PASSWORD"] == "hunter2-secret"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings() == secured()


def test_the_embedded_broker_adds_a_scram_and_plain_listener_when_asked(tmp_path: Path) -> None:
    settings = Settings(broker_sasl_port=29999, broker_sasl_users={"alice": "pw1"})
    properties = EmbeddedBroker(settings, tmp_path)._properties()
    assert "SASL_PLAINTEXT://127.0.0.1:29999" in properties
    assert "sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN" in properties
    assert 'user_alice="pw1"' in properties
    assert "SASL" not in EmbeddedBroker(Settings(), tmp_path)._properties().split("listeners=")[1].split("\n")[0]
    assert json.loads(settings.environment()["VESTNIK_BROKER_SASL_USERS"]) == {"alice": "pw1"}
