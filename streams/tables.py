"""Which entries of a faust table a worker owns.

In faust 0.15 a table's in-memory store holds, beside the partitions the worker
owns, its standby copies of other workers' partitions (applied in batches as
their changelogs arrive). Whoever iterates a table must keep to the owned
partitions: counts summed over several workers would otherwise count twice,
and a worker would delete entries that another worker owns.
"""

from __future__ import annotations

import faust
from aiokafka.partitioner import DefaultPartitioner
from faust.types.tables import CollectionT


def active_partitions(app: faust.App, table: CollectionT) -> set[int]:
    """The partitions of `table` this worker owns now; whatever else its store holds is a standby copy."""
    changelog = table.changelog_topic.get_topic_name()
    return {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == changelog}


def key_partition(key: str, partitions: int) -> int:
    """The partition Kafka's default partitioner (murmur2, as the Publisher's producer uses) gives a message key.

    An agent's table entry lives in the partition of the event that wrote it, so
    the entry's partition is that of the event's message key.
    """
    partition: int = DefaultPartitioner()(key.encode(), list(range(partitions)), [])
    return partition
