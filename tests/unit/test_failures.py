"""Whose fault a failure is: the input's (dead letter) or the cluster's (retry, never commit)."""

from __future__ import annotations

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
    RecordTooLargeError,
)
from faust.exceptions import PartitionsMismatch, ProducerSendError

from agents.annotator.guard import UnannotatableText
from agents.cleaner.core import NotAnArticle
from streams.codecs import DecodeError
from streams.failures import CpuPoolStopping, PublishFailed, is_infrastructure
from streams.offload import WorkerCrashed, WorkTimeout


def send_error(cause: Exception) -> ProducerSendError:
    try:
        raise ProducerSendError("Error while sending") from cause
    except ProducerSendError as exc:
        return exc


@pytest.mark.parametrize("exc", [
    KafkaConnectionError("broker down"), KafkaTimeoutError(), NotLeaderForPartitionError(),
    send_error(KafkaTimeoutError()), CpuPoolStopping("stopping"), PublishFailed("gave up"),
    PartitionsMismatch("changelog topic has 0 partitions"),
])
def test_failures_of_the_cluster_or_the_worker_are_retried(exc: Exception) -> None:
    assert is_infrastructure(exc)


@pytest.mark.parametrize("exc", [
    DecodeError("not JSON"), NotAnArticle("no text"), UnannotatableText("other language"),
    WorkTimeout("took over 120s"), WorkerCrashed("died 3 times"), ValueError("extractor bug"),
    MessageSizeTooLargeError(), RecordTooLargeError(), send_error(MessageSizeTooLargeError()),
    TimeoutError("raised inside the extractor"),
])
def test_failures_of_the_input_are_dead_lettered(exc: Exception) -> None:
    assert not is_infrastructure(exc)
