"""What `/health` answers: is each of the worker's consumers a live member of its group?

A worker that cannot reach the broker, or has not joined (or has been dropped
from) a group, serves nothing: it answers 503 so that an orchestrator's
readiness probe takes it out and its liveness probe can restart it if that lasts.
Membership is read from the consumers' group coordinators: aiokafka resets the
member id when the group drops the member, and forgets the coordinator when the
broker stops answering heartbeats.
"""

from __future__ import annotations

from typing import Any

from aiokafka.protocol.commit import OffsetCommitRequest
from aiokafka.protocol.group import JoinGroupRequest


def is_member(consumer: Any) -> bool:
    """True when `consumer` (an aiokafka consumer) has joined its group and its coordinator answers."""
    coordinator = getattr(consumer, "_coordinator", None)
    return (
        coordinator is not None
        and coordinator.coordinator_id is not None
        and coordinator.member_id != JoinGroupRequest.UNKNOWN_MEMBER_ID
        and coordinator.generation != OffsetCommitRequest.DEFAULT_GENERATION_ID
    )


def faust_consumer(app: Any) -> Any:
    """The aiokafka consumer inside faust's consumer thread, or None before it starts."""
    thread = getattr(getattr(app, "_consumer", None), "_thread", None)
    return getattr(thread, "_consumer", None)


def report(members: dict[str, bool]) -> tuple[int, dict[str, object]]:
    """The status code and body of `/health` for each group's membership."""
    missing = sorted(group for group, member in members.items() if not member)
    body: dict[str, object] = {"status": "unavailable" if missing else "ok",
                               "groups": {group: {"member": member} for group, member in members.items()}}
    if missing:
        body["reason"] = f"not a member of {', '.join(missing)}: the broker is unreachable or the group dropped us"
    return (503 if missing else 200), body
