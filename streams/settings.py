"""The one settings object of vestnik, read from `VESTNIK_*` environment variables."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, FilePath, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError


def _default_cache() -> Path:
    return Path.home() / ".cache" / "vestnik"


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


TOPIC_NAME = "^[A-Za-z0-9._-]"  # the characters Kafka allows in a topic name

LogLevel = Annotated[Literal["debug", "info", "warning", "error", "critical"], BeforeValidator(_lower)]


class Settings(BaseSettings):
    """Everything a worker, the CLI or the embedded broker needs to know.

    An empty `bootstrap_servers` means "use the embedded local broker"; naming
    servers points vestnik at an existing cluster and nothing is started.
    """

    model_config = SettingsConfigDict(env_prefix="VESTNIK_", extra="ignore")

    # Kafka cluster
    app_id: str = Field("vestnik", pattern=TOPIC_NAME + "+$",
                        description="Faust app id: also the consumer group prefix, and in changelog topic names.")
    bootstrap_servers: str = Field("", description="host:port[,host:port]; empty = embedded broker.")
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = Field(None, description="Never printed: logs and /health show '**********'.")
    ssl_cafile: FilePath | None = Field(None, description="CA bundle for SSL and SASL_SSL; default: the system's.")

    # Topics
    topic_prefix: str = Field("vestnik.", pattern=TOPIC_NAME + "*$", description="Prefix of every topic name.")
    topic_partitions: int = Field(8, ge=1)
    topic_replication: int | None = Field(
        None, ge=1, description="Replicas of each topic; unset: as many as the cluster has brokers, at most 3."
    )
    max_message_bytes: int = Field(8 * 1024 * 1024, ge=1024 * 1024)

    # Worker
    web_host: str = "127.0.0.1"
    web_port: int = Field(6066, ge=1, le=65535)
    web_enabled: bool = True
    log_level: LogLevel = "info"
    log_format: Literal["text", "json"] = Field("text", description="json: one JSON object a line, with context.")
    session_timeout: float = Field(45.0, gt=0, description="Seconds before a silent worker's partitions move.")
    cpu_workers: int = Field(1, ge=1, description="Processes for extraction and NER, off the event loop.")
    cpu_job_timeout: float = Field(120.0, gt=0, description="Seconds one page or article may take at most.")
    in_flight: int = Field(
        4, ge=1, description="Inputs one agent handles at once per worker; outputs keep offset order per partition."
    )
    table_standbys: int = Field(
        0, ge=0, description="Warm copies of each table partition on other workers: quicker failover, more CPU."
    )
    cpu_crash_attempts: int = Field(3, ge=1, description="Tries of an input whose CPU process dies before poison.")
    publish_timeout: float = Field(
        120.0, gt=0, description="Seconds of failed publishing (broker down) before the worker exits uncommitted."
    )
    stop_grace: float = Field(20.0, gt=0, description="Seconds a stopping worker gives its in-flight event.")
    startup_timeout: float = Field(300.0, gt=0, description="Seconds a starting worker waits for the cluster.")

    # Embedded broker
    kafka_version: str = "4.1.2"
    cache_dir: Path = Field(default_factory=_default_cache)
    broker_host: str = "127.0.0.1"
    broker_port: int = Field(19092, ge=1, le=65535)
    controller_port: int = Field(19093, ge=1, le=65535)
    broker_sasl_port: int = Field(
        0, ge=0, le=65535, description="Also listen with SASL_PLAINTEXT (SCRAM-SHA-512 and PLAIN) here; 0 = off."
    )
    broker_sasl_users: dict[str, SecretStr] = Field(
        default_factory=dict, description="Users of the SASL listener, name -> password (JSON object)."
    )
    broker_heap: str = "768m"
    broker_start_timeout: float = 90.0

    # Crawler
    sources_file: FilePath | None = Field(None, description="TOML list of sources; default: every publisher's.")
    feed_urls: list[str] = Field(
        default_factory=list, description="RSS/Atom feeds to crawl instead of the sources file (JSON list)."
    )
    poll_interval: float = Field(300.0, gt=0, description="Seconds between polls of a source.")
    discovery_tick: float = Field(5.0, gt=0, description="How often the crawler checks which sources are due.")
    user_agent: str = "vestnik/0.1 (+https://vestnik.dev/bot; news ingester)"
    fetch_timeout: float = Field(20.0, gt=0)
    max_page_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    allow_private_hosts: bool = Field(False, description="Allow fetching loopback/private hosts (tests).")
    fetch_retries: int = Field(3, ge=0, description="Retries on 5xx, timeouts and connection errors.")
    fetch_backoff: float = Field(0.5, ge=0, description="Base of the exponential retry backoff, seconds.")
    host_delay: float = Field(1.0, ge=0, description="Minimum seconds between requests to one host.")
    fetch_connections: int = Field(32, ge=1, description="HTTP requests open at once over all hosts.")
    fetch_pending: int = Field(
        1000, ge=1, description="Frontier URLs a crawler holds at once, most waiting for their host's turn."
    )
    failure_backoff: float = Field(600.0, ge=0, description="Seconds before a failed URL is tried again (doubling).")
    refetch_after: float = Field(6 * 3600.0, ge=0, description="Seconds before a known article is checked again.")
    crawl_state_ttl: float = Field(
        30 * 24 * 3600.0, gt=0, description="Seconds a URL's crawl state is kept after its last fetch."
    )
    sitemap_children: int = Field(3, ge=1, description="Newest child sitemaps read from a sitemap index.")
    story_window: float = Field(
        72 * 3600.0, gt=0, description="Seconds of publication time a story stays open to new articles."
    )
    story_window_articles: int = Field(50_000, ge=1, description="Most articles the story index holds.")
    stories_encoder: Literal["multilingual-e5-small-q4", "none"] = Field(
        "multilingual-e5-small-q4",
        description="Sentence encoder that story-feed runs on each article; none matches stories by words only.",
    )
    stories_encoder_threads: int = Field(1, ge=1, description="Threads of the sentence encoder in each worker.")
    frontier_memory: int = Field(
        500_000, ge=1, description="URLs discovery remembers as queued (for refetch_after), so polls stay quiet."
    )

    # Cleaner / annotator
    entity_window: float = Field(3600.0, gt=0, description="Seconds per tumbling window of entity counts.")
    entity_windows_kept: int = Field(24, ge=1, description="How many past windows the counts table keeps.")
    max_body_chars: int = Field(1_000_000, ge=1000)

    # Dashboard
    dashboard_host: str = Field("127.0.0.1", description="Interface the dashboard listens on; others only when asked.")
    dashboard_port: int = Field(8066, ge=0, le=65535)
    dashboard_workers: list[str] = Field(
        default_factory=list, description="Worker web addresses for entity counts and health (JSON list);"
        " default: the local worker's (web_host, web_port).",
    )
    dashboard_window: float = Field(24 * 3600.0, gt=0, description="Seconds of stories and mentions the page shows.")
    dashboard_refresh: float = Field(2.0, gt=0, description="Seconds between the page's updates.")
    dashboard_bench_dir: Path = Field(Path("benchmarks/results"), description="Where `vestnik bench` writes runs.")
    # Demo and evaluation data
    demo_port: int = Field(8088, ge=0, le=65535, description="Port of the demo news site on 127.0.0.1.")
    corpus_dir: Path = Field(Path("../shared/corpus"), description="Seeds, gold pages and NER sets.")

    @field_validator("bootstrap_servers")
    @classmethod
    def _servers_are_host_and_port(cls, value: str) -> str:
        if not value.strip():
            return value
        servers = [server.strip() for server in value.split(",") if server.strip()]
        for server in servers or [value]:
            host, _, port = server.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"{server!r} is not host:port with a port from 1 to 65535 (e.g. kafka-1:9092)")
        return value

    @model_validator(mode="after")
    def _pages_fit_in_messages(self) -> Settings:
        # A raw page travels base64-encoded (4/3 of its size) inside a JSON event.
        if self.max_page_bytes * 4 // 3 + 64 * 1024 > self.max_message_bytes:
            raise ValueError(
                f"max_page_bytes={self.max_page_bytes} does not fit in max_message_bytes={self.max_message_bytes}"
                " once base64-encoded: raise VESTNIK_MAX_MESSAGE_BYTES or lower VESTNIK_MAX_PAGE_BYTES"
            )
        return self

    @model_validator(mode="after")
    def _crawl_state_outlives_its_waits(self) -> Settings:
        # State forgotten before its URL is due again would make a listed URL new: fetched whole and republished.
        # The crawler's backoff doubles at most 10 times (agents.crawler.state.longest_wait; a test keeps both equal).
        wait = max(self.refetch_after, self.failure_backoff * 2**10)
        if self.crawl_state_ttl <= wait:
            raise ValueError(
                f"crawl_state_ttl={self.crawl_state_ttl} must exceed the longest wait of a known URL, {wait}"
                " (refetch_after, or failure_backoff doubled 10 times):"
                " raise VESTNIK_CRAWL_STATE_TTL or lower VESTNIK_REFETCH_AFTER / VESTNIK_FAILURE_BACKOFF"
            )
        return self

    @property
    def max_event_seconds(self) -> float:
        """The longest one input can hold its partition: every CPU attempt, then publishing retried."""
        return self.cpu_job_timeout * self.cpu_crash_attempts + self.publish_timeout

    @property
    def rebalance_timeout(self) -> float:
        """A rebalance waits for the in-flight event, so it must outlast the longest one."""
        return self.max_event_seconds + 30.0

    def environment(self) -> dict[str, str]:
        """The `VESTNIK_*` variables that rebuild exactly these settings in a child process, secrets included."""
        env = {}
        for name, value in self.model_dump(mode="json").items():
            raw = getattr(self, name)
            if isinstance(raw, SecretStr):
                value = raw.get_secret_value()
            elif name == "broker_sasl_users":
                value = {user: password.get_secret_value() for user, password in raw.items()}
            if value is not None:
                env[f"VESTNIK_{name.upper()}"] = json.dumps(value) if isinstance(value, list | dict) else str(value)
        return env

    @property
    def embedded(self) -> bool:
        return not self.bootstrap_servers.strip()

    @property
    def servers(self) -> list[str]:
        if self.embedded:
            return [f"{self.broker_host}:{self.broker_port}"]
        return [s.strip() for s in self.bootstrap_servers.split(",") if s.strip()]

    def topic(self, suffix: str) -> str:
        return f"{self.topic_prefix}{suffix}"


def settings_error(exc: ValidationError | SettingsError) -> str:
    """One line for settings that cannot be used: each variable, the value it holds and what is allowed."""
    if isinstance(exc, SettingsError):
        field = re.search(r'field "(\w+)"', str(exc))
        variable = f"VESTNIK_{field.group(1).upper()}" if field else "a VESTNIK_* variable"
        return (f"{variable} is not valid JSON ({exc.__cause__ or exc}); lists and maps are written in JSON,"
                ' e.g. ["https://example.ru/rss"] or {"name": "value"}')
    problems = []
    for error in exc.errors(include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:  # a rule over several settings: its message names them
            problems.append(message)
            continue
        name, *inner = (str(part) for part in error["loc"])
        where = "".join(f"[{part}]" for part in inner)
        secret = "SecretStr" in str(Settings.model_fields[name].annotation)
        value = "" if secret else f"={error['input']!r}"
        problems.append(f"VESTNIK_{name.upper()}{where}{value}: {message[:1].lower()}{message[1:]}")
    return "; ".join(problems)
