"""Which table entries a worker owns: the partition of a key, and the partitions a worker owns actively."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from faust.types import TP

from streams.tables import active_partitions, key_partition


def test_key_partition_is_kafkas_default_partitioner() -> None:
    # murmur2 of keys in Kafka's own tests (UtilsTest), made positive, modulo the partitions: as Java producers do.
    for key, murmur2 in (("21", -973932308), ("foobar", -790332482), ("a-little-bit-long-string", -985981536)):
        for partitions in (1, 4, 8, 12):
            assert key_partition(key, partitions) == (murmur2 & 0x7FFFFFFF) % partitions


def test_active_partitions_are_the_owned_partitions_of_the_tables_changelog() -> None:
    table: Any = SimpleNamespace(changelog_topic=SimpleNamespace(get_topic_name=lambda: "app-counts-changelog"))
    actives = {
        TP("app-counts-changelog", 1), TP("app-counts-changelog", 3), TP("mentions", 0), TP("app-x-changelog", 0),
    }
    app: Any = SimpleNamespace(assignor=SimpleNamespace(assigned_actives=lambda: actives))
    assert active_partitions(app, table) == {1, 3}
