"""Whose fault a failure is, decided here once for every agent.

An input problem (not JSON, the wrong schema, not an article, an extractor
error, a page that kills its CPU worker again and again) is the input's fault:
it becomes a dead letter with the reason, and the stream goes on. An
infrastructure problem (the broker unreachable, a send timing out, a leader
moving, a table's new changelog not yet in the client's metadata, the CPU pool
stopping under a worker that is going down) is nobody's
input's fault: it is retried with backoff, never dead-lettered and never
committed.
"""

from __future__ import annotations

from aiokafka.errors import KafkaError, MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError
from faust.exceptions import PartitionsMismatch, ProducerSendError

# Kafka refusing an output for its size says something about the input, and retrying cannot help.
_KAFKA_ERRORS_OF_THE_INPUT = (MessageSizeTooLargeError, RecordTooLargeError, RecordListTooLargeError)


class InfrastructureError(RuntimeError):
    """Something around the input failed; the input itself may be fine."""


class CpuPoolStopping(InfrastructureError):
    """The CPU pool was shut down under a job: the worker is stopping, the input is not to blame."""


class PublishFailed(InfrastructureError):
    """Outputs could not be published within the retry window."""


def is_infrastructure(exc: BaseException) -> bool:
    """True when `exc` is the cluster's or the worker's fault, not the input's."""
    if isinstance(exc, ProducerSendError):  # faust wraps the aiokafka error of a failed send
        return not isinstance(exc.__cause__, _KAFKA_ERRORS_OF_THE_INPUT)
    if isinstance(exc, _KAFKA_ERRORS_OF_THE_INPUT):
        return False
    # faust raises PartitionsMismatch while a just-created changelog topic is missing from its metadata.
    return isinstance(exc, KafkaError | InfrastructureError | PartitionsMismatch)
