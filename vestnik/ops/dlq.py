"""`vestnik dlq`: dead letters you can act on: list them, show one, send them back to their topic.

A dead letter (`streams.delivery.dead_letter`) is keyed by its origin, `source topic/partition/offset`,
which is also its id here; it carries the original key and, unless too large, the original value.
Requeueing produces that value (re-read at its origin when it was not carried) back to the source
topic with its original key, so every consumer of that topic sees it again.

Each copy carries two headers: `vestnik-requeues: n` and `vestnik-requeued-from: <dead letter id>`.
The failure path does not copy an input's headers into its dead letter, so the count of a dead letter
is read from its original message, which the source topic still holds at the dead letter's offset:
when a copy fails again, its new dead letter points at the copy, whose headers give the count and name
the dead letter it came from. That earlier dead letter is then settled, and is not requeued again.

The pure functions (selection, ages, previews, the poison rule, the decisions) are apart from the
Kafka I/O at the bottom, so the rules are tested without a broker.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from rich.console import Console
from rich.table import Table
from rich.text import Text

from schemas.models import DeadLetter, utc_now
from streams.codecs import DecodeError, decode
from streams.kafka import client_options, read_topic
from streams.settings import Settings
from streams.topics import topic_name

REQUEUES_HEADER = "vestnik-requeues"
FROM_HEADER = "vestnik-requeued-from"
DEFAULT_MAX_REQUEUES = 3

Headers = tuple[tuple[str, bytes], ...]


# --- What a dead letter is called and how it looks ---------------------------------------------

def letter_id(letter: DeadLetter) -> str:
    """The dead letter's id: its Kafka key, `source topic/partition/offset` (see streams.delivery)."""
    return f"{letter.source_topic}/{letter.partition}/{letter.offset}"


def origin(letter: DeadLetter) -> str:
    """Where the failed input sits, written as the worker logs it: `topic[partition]@offset`."""
    return f"{letter.source_topic}[{letter.partition}]@{letter.offset}"


def key_text(key: bytes | None) -> str | None:
    """The original key as text: keys are article ids, hosts and entity keys, so UTF-8."""
    return None if key is None else key.decode("utf-8", "replace")


def shorten(text: str, width: int) -> str:
    """One line of at most `width` characters: reasons and payloads can be long and multi-line."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: max(0, width - 1)] + "…"


def preview(value: bytes | None, size: int, width: int = 60) -> str:
    """The start of the original value as text; a value too large to carry is shown by its size."""
    if value is None:
        return f"({size} bytes, not carried)"
    if not value:
        return "(empty)"
    # Decode a little more than shown: a multi-byte character cut at the edge would end in U+FFFD.
    text = value[: width * 4 + 4].decode("utf-8", "replace")
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return shorten(printable, width)


def age(moment: datetime, now: datetime) -> str:
    """How long ago, in the largest whole unit: '45s', '3m', '2h', '5d' (a clock ahead counts as 0s)."""
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, span in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= span:
            return f"{seconds // span}{unit}"
    return f"{seconds}s"


def failure(letter: DeadLetter) -> str:
    """The error type and the reason, as the worker logged them."""
    return f"{letter.error_type}: {letter.reason}"


# --- Choosing dead letters ----------------------------------------------------------------------

def unique(letters: Iterable[DeadLetter]) -> list[DeadLetter]:
    """One dead letter per origin, oldest first: an input redelivered after a crash is dead-lettered twice."""
    latest: dict[str, DeadLetter] = {}
    for letter in letters:
        ident = letter_id(letter)
        if ident not in latest or letter.failed_at >= latest[ident].failed_at:
            latest[ident] = letter
    return sorted(latest.values(), key=lambda d: (d.failed_at, letter_id(d)))


def select(letters: Sequence[DeadLetter], *, agent: str | None = None, reason: str | None = None,
           limit: int = 0) -> list[DeadLetter]:
    """The dead letters of `agent` whose 'error type: reason' contains `reason` (any case), the newest `limit`.

    `list` and `requeue` share this, so what a list shows is what the same filters requeue.
    """
    wanted = [d for d in letters
              if (not agent or d.agent.lower() == agent.lower())
              and (not reason or reason.lower() in failure(d).lower())]
    return wanted[-limit:] if limit > 0 else wanted


def matches(letter: DeadLetter, key: str, prefix: str = "") -> bool:
    """Whether `show KEY` means this dead letter: its original key, its id or its origin.

    The id and the origin may name the topic without the configured prefix (raw-pages/0/5).
    """
    if key_text(letter.key) == key:
        return True
    names = {letter_id(letter), origin(letter)}
    if prefix and letter.source_topic.startswith(prefix):
        names |= {name[len(prefix):] for name in names}
    return key in names


# --- Counting requeues and deciding ----------------------------------------------------------------

@dataclass(frozen=True)
class Original:
    """The message the source topic still holds at a dead letter's origin."""

    value: bytes | None
    headers: Headers = ()


def header(headers: Iterable[tuple[str, bytes]], name: str) -> bytes | None:
    """The last value of a header, as Kafka clients read repeated headers."""
    found = None
    for key, value in headers:
        if key == name:
            found = value
    return found


def requeue_count(headers: Iterable[tuple[str, bytes]]) -> int:
    """How many times a message has been requeued: 0 without the header, or with one that is not a count."""
    raw = header(headers, REQUEUES_HEADER)
    try:
        return max(0, int(raw or b"0"))
    except ValueError:
        return 0


def is_poison(count: int, max_requeues: int, force: bool = False) -> bool:
    """A dead letter requeued `max_requeues` times already failed every time: stop feeding it back."""
    return not force and count >= max_requeues


def copy_headers(original: Original | None, count: int, ident: str) -> Headers:
    """The copy's headers: the original's own (when still there), then the new count and where it came from."""
    kept = tuple((k, v) for k, v in (original.headers if original else ()) if k not in (REQUEUES_HEADER, FROM_HEADER))
    return (*kept, (REQUEUES_HEADER, str(count).encode()), (FROM_HEADER, ident.encode()))


def settled(letters: Iterable[DeadLetter], originals: dict[str, Original | None]) -> dict[str, str]:
    """Dead letters already requeued whose copy failed again: id -> id of the copy's dead letter."""
    by: dict[str, str] = {}
    for letter in letters:
        original = originals.get(letter_id(letter))
        source = header(original.headers, FROM_HEADER) if original else None
        if source is not None:
            by[source.decode("utf-8", "replace")] = letter_id(letter)
    return by


Action = Literal["requeue", "poison", "skip"]


@dataclass(frozen=True)
class Decision:
    """What `requeue` does with one dead letter, and why; for a requeue, the value and headers to send."""

    letter: DeadLetter
    action: Action
    why: str
    count: int = 0  # requeues before this one
    value: bytes | None = None
    headers: Headers = ()
    sent_to: str | None = field(default=None, compare=False)


def decide(selected: Sequence[DeadLetter], letters: Sequence[DeadLetter], originals: dict[str, Original | None],
           *, max_requeues: int = DEFAULT_MAX_REQUEUES, force: bool = False) -> list[Decision]:
    """Requeue, refuse as poison, or skip each selected dead letter.

    Skipped: one requeued before whose copy failed again (its newer dead letter stands for it), and
    one whose value was not carried and is no longer at its origin. `originals` maps an id to the
    message at its origin (None: gone); it must hold the dead letters that may be copies of the
    selected ones (`related`), or an earlier dead letter is not seen as settled.
    """
    done = settled(letters, originals)
    decisions = []
    for letter in selected:
        ident = letter_id(letter)
        original = originals.get(ident)
        count = requeue_count(original.headers) if original else 0
        value = letter.value if letter.value is not None else original.value if original else None
        if ident in done:
            decisions.append(Decision(letter, "skip", f"requeued before; failed again as {done[ident]}", count))
        elif is_poison(count, max_requeues, force):
            times = "1 time" if count == 1 else f"{count} times"
            decisions.append(Decision(letter, "poison", f"requeued {times} already (limit {max_requeues});"
                                      " --force to requeue it anyway", count))
        elif value is None:
            gone = "not carried and no longer at its origin" if original is None else "null at its origin"
            decisions.append(Decision(letter, "skip", f"no value to requeue: {gone}", count))
        else:
            note = "" if original is not None else " (original gone: count unknown, taken as 0)"
            decisions.append(Decision(letter, "requeue", f"requeue #{count + 1}{note}", count, value,
                                      copy_headers(original, count + 1, ident)))
    return decisions


def related(selected: Sequence[DeadLetter], letters: Sequence[DeadLetter]) -> list[DeadLetter]:
    """The selected dead letters and those that may stand for a failed copy of one: same topic, same key."""
    keys = {(d.source_topic, d.key) for d in selected}
    return [d for d in letters if (d.source_topic, d.key) in keys]


@dataclass
class Summary:
    """What a `requeue` run did, for the line an operator or a script reads last."""

    requeued: int = 0
    poison: int = 0
    skipped: int = 0

    def line(self, dry_run: bool) -> str:
        verb = "would requeue" if dry_run else "requeued"
        return f"{verb} {self.requeued}, refused {self.poison} as poison, skipped {self.skipped}"


# --- Output -----------------------------------------------------------------------------------------

def table(letters: Sequence[DeadLetter], now: datetime, width: int = 200) -> Table:
    """The `list` table, one row per dead letter, fitted to `width` columns by shortening the reason and payload.

    The agent, the origin and the age are what `show` and `--agent` take, so they are never cut.
    """
    fixed = [(d.agent, origin(d), age(d.failed_at, now)) for d in letters]
    widths = [max([len(title), *(len(row[i]) for row in fixed)]) for i, title in enumerate(("agent", "origin", "age"))]
    room = max(24, width - sum(widths) - 4 * 3)  # four column separators of three characters
    reason_width = min(48, max(12, room * 2 // 5))
    payload_width = min(60, max(12, room - reason_width))
    grid = Table(show_edge=False, pad_edge=False, header_style="bold")
    for title in ("reason", "agent", "origin", "age", "payload"):
        grid.add_column(title, no_wrap=True, justify="right" if title == "age" else "left")
    for letter, (agent, where, ago) in zip(letters, fixed, strict=True):
        grid.add_row(Text(shorten(failure(letter), reason_width)), Text(agent), Text(where), Text(ago),
                     Text(preview(letter.value, letter.value_size, payload_width)))
    return grid


def describe(letter: DeadLetter, original: Original | None, settled_as: str | None, now: datetime,
             width: int = 600) -> list[str]:
    """The `show` lines of one dead letter: every field, the requeue count and a longer preview."""
    lines = [
        f"id          {letter_id(letter)}",
        f"agent       {letter.agent}",
        f"error       {letter.error_type}",
        f"reason      {letter.reason}",
        f"origin      {origin(letter)}",
        f"failed at   {letter.failed_at.isoformat()} ({age(letter.failed_at, now)} ago)",
        f"key         {key_text(letter.key)!s}",
        f"value       {letter.value_size} bytes, {'carried' if letter.value is not None else 'not carried'}",
    ]
    if original is None:
        lines.append("requeues    unknown: the original is no longer at its origin")
    else:
        source = header(original.headers, FROM_HEADER)
        came = f" (requeued from {source.decode('utf-8', 'replace')})" if source else ""
        lines.append(f"requeues    {requeue_count(original.headers)}{came}")
    if settled_as:
        lines.append(f"settled     requeued, and failed again as {settled_as}")
    if letter.value is None and original is not None and original.value is not None:
        lines.append(f"payload     (re-read at its origin) {preview(original.value, letter.value_size, width)}")
    else:
        lines.append(f"payload     {preview(letter.value, letter.value_size, width)}")
    return lines


# --- Kafka I/O ----------------------------------------------------------------------------------------

def _consumer(settings: Settings, purpose: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        **client_options(settings),
        group_id=None,  # reads only: no group, no commits, no rebalance of anyone's partitions
        client_id=f"vestnik-dlq-{purpose}-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=settings.max_message_bytes,
        fetch_max_bytes=settings.max_message_bytes * 2,
    )


@dataclass
class Letters:
    """The dead-letter topic as read up to the end offsets seen at the start."""

    letters: list[DeadLetter]
    unreadable: int = 0  # records that are not dead_letter.v1 events


async def read_letters(settings: Settings) -> Letters:
    """Read the whole dead-letter topic, from the beginning to its end offsets at the start, then stop."""
    result = Letters([])
    async for _, value in read_topic(settings, "dead_letters"):
        try:
            result.letters.append(decode(DeadLetter, value))
        except DecodeError:
            result.unreadable += 1
    return result


async def read_originals(settings: Settings, letters: Iterable[DeadLetter],
                         timeout: float = 15.0) -> dict[str, Original | None]:
    """The message at each dead letter's origin, None where the topic no longer holds it.

    One fetch per dead letter: a value too large to carry, and the requeue count, are only there.
    """
    wanted: dict[TopicPartition, set[int]] = {}
    for letter in letters:
        wanted.setdefault(TopicPartition(letter.source_topic, letter.partition), set()).add(letter.offset)
    found: dict[str, Original | None] = {}
    if not wanted:
        return found
    consumer = _consumer(settings, "origin")
    await consumer.start()
    try:
        for tp, offsets in sorted(wanted.items()):
            consumer.assign([tp])  # one partition at a time: nothing else is fetched ahead
            first = (await consumer.beginning_offsets([tp]))[tp]
            end = (await consumer.end_offsets([tp]))[tp]
            for offset in sorted(offsets):
                ident = f"{tp.topic}/{tp.partition}/{offset}"
                found[ident] = await _read_at(consumer, tp, offset, timeout) if first <= offset < end else None
        return found
    finally:
        await consumer.stop()


async def _read_at(consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int, timeout: float) -> Original | None:
    consumer.seek(tp, offset)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = await consumer.getmany(tp, timeout_ms=1000, max_records=1)
        for record in batch.get(tp, []):
            if record.offset == offset:
                return Original(record.value, tuple((k, bytes(v)) for k, v in record.headers))
            if record.offset > offset:
                return None  # removed by retention or compaction; the next one is someone else's
    return None


async def send(settings: Settings, decisions: Sequence[Decision]) -> list[Decision]:
    """Produce each 'requeue' decision's value to its source topic with the original key, acked by all replicas.

    The key picks the partition as for any producer, so the copy keeps its key's order with new messages.
    """
    if not any(d.action == "requeue" for d in decisions):
        return list(decisions)
    producer = AIOKafkaProducer(**client_options(settings), enable_idempotence=True, acks="all",
                                max_request_size=settings.max_message_bytes)
    await producer.start()
    done: list[Decision] = []
    try:
        for decision in decisions:
            if decision.action == "requeue":
                letter = decision.letter
                meta = await producer.send_and_wait(letter.source_topic, value=decision.value, key=letter.key,
                                                    headers=list(decision.headers))
                decision = replace(decision, sent_to=f"{meta.topic}[{meta.partition}]@{meta.offset}")
            done.append(decision)
    finally:
        await producer.stop()
    return done


# --- The commands ---------------------------------------------------------------------------------------

def _say_unreadable(console: Console, letters: Letters) -> None:
    if letters.unreadable:
        console.print(f"({letters.unreadable} records on the topic are not dead_letter.v1 events; ignored)",
                      markup=False, highlight=False)


async def list_letters(settings: Settings, console: Console, *, agent: str | None, reason: str | None,
                 limit: int) -> int:
    """`vestnik dlq list`; returns how many dead letters it showed."""
    read = await read_letters(settings)
    letters = unique(read.letters)
    shown = select(letters, agent=agent, reason=reason, limit=limit)
    if shown:
        console.print(table(shown, utc_now(), console.width))
    console.print(f"{len(shown)} shown of {len(letters)} dead letters in {topic_name(settings, 'dead_letters')}",
                  markup=False, highlight=False)
    _say_unreadable(console, read)
    return len(shown)


async def show_letters(settings: Settings, console: Console, key: str, *, width: int = 600) -> int:
    """`vestnik dlq show KEY`; returns how many dead letters matched."""
    read = await read_letters(settings)
    letters = unique(read.letters)
    chosen = [d for d in letters if matches(d, key, settings.topic_prefix)]
    if not chosen:
        console.print(f"no dead letter with key, id or origin {key!r}", markup=False, highlight=False)
        return 0
    originals = await read_originals(settings, related(chosen, letters))
    done, now = settled(letters, originals), utc_now()
    for letter in chosen:
        console.rule(Text(letter_id(letter)))
        for line in describe(letter, originals.get(letter_id(letter)), done.get(letter_id(letter)), now, width):
            console.print(Text(line))
    return len(chosen)


async def requeue_letters(settings: Settings, console: Console, *, agent: str | None, reason: str | None, limit: int,
                    max_requeues: int, force: bool, dry_run: bool) -> Summary:
    """`vestnik dlq requeue`; prints one line per dead letter and the summary, and returns it."""
    read = await read_letters(settings)
    letters = unique(read.letters)
    selected = select(letters, agent=agent, reason=reason, limit=limit)
    originals = await read_originals(settings, related(selected, letters))
    decisions = decide(selected, letters, originals, max_requeues=max_requeues, force=force)
    if not dry_run:
        decisions = await send(settings, decisions)
    summary = Summary()
    for decision in decisions:
        letter = decision.letter
        if decision.action == "requeue":
            summary.requeued += 1
            where = decision.sent_to or letter.source_topic
            verb = "would requeue" if dry_run else "requeued"
            line = (f"{verb:13} {letter_id(letter)} -> {where}, key {key_text(letter.key)!s}, "
                    f"{len(decision.value or b'')} bytes, {REQUEUES_HEADER}: {decision.count + 1}")
        elif decision.action == "poison":
            summary.poison += 1
            line = f"{'poison':13} {letter_id(letter)}: {decision.why}"
        else:
            summary.skipped += 1
            line = f"{'skipped':13} {letter_id(letter)}: {decision.why}"
        console.print(Text(line))
    _say_unreadable(console, read)
    console.print(Text(summary.line(dry_run)))
    return summary
