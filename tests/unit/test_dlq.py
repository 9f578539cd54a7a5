"""`vestnik dlq`'s rules without a broker: which dead letters, how they look, which are poison, what is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from schemas.models import DeadLetter
from vestnik.ops.dlq import (
    FROM_HEADER,
    REQUEUES_HEADER,
    Original,
    age,
    decide,
    describe,
    is_poison,
    letter_id,
    matches,
    origin,
    preview,
    related,
    requeue_count,
    select,
    settled,
    table,
    unique,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
RAW = "vestnik.raw-pages"


def letter(offset: int, *, agent: str = "cleaner", reason: str = "raw_page.v1: not JSON", key: bytes | None = b"k",
           value: bytes | None = b"{not json", error: str = "DecodeError", topic: str = RAW, partition: int = 0,
           ago: timedelta = timedelta(minutes=5), size: int | None = None) -> DeadLetter:
    return DeadLetter(agent=agent, reason=reason, error_type=error, source_topic=topic, partition=partition,
                      offset=offset, key=key, value=value, value_size=len(value or b"") if size is None else size,
                      failed_at=NOW - ago)


def test_ids_and_origins_are_where_the_input_sits() -> None:
    d = letter(17, partition=3)
    assert letter_id(d) == "vestnik.raw-pages/3/17"  # the dead letter's Kafka key (streams.delivery.dead_letter)
    assert origin(d) == "vestnik.raw-pages[3]@17"


@pytest.mark.parametrize(("seconds", "shown"), [
    (0, "0s"), (59, "59s"), (60, "1m"), (3 * 60 + 59, "3m"), (2 * 3600, "2h"), (86399, "23h"), (5 * 86400 + 7, "5d"),
    (-30, "0s"),  # the failing worker's clock was ahead of ours
])
def test_age_is_the_largest_whole_unit(seconds: int, shown: str) -> None:
    assert age(NOW - timedelta(seconds=seconds), NOW) == shown


def test_preview_shows_the_start_of_the_value_as_one_line_of_text() -> None:
    assert preview(b"{not json", 9) == "{not json"
    long = preview(("Министр иностранных дел " * 10).encode(), 480)
    assert len(long) == 60 and long.startswith("Министр иностранных") and long.endswith("…")
    assert preview(b"<html>\n\t<body>\x00\x07x", 17) == "<html> <body> x"
    assert preview(bytes(range(200, 256)), 56).startswith("\ufffd")  # not UTF-8: replaced, never an error
    assert preview("щ".encode() * 100, 200, width=10) == "щщщщщщщщщ…"  # no half character at the cut


def test_preview_of_a_value_not_carried_gives_its_size() -> None:
    assert preview(None, 9_000_000) == "(9000000 bytes, not carried)"
    assert preview(b"", 0) == "(empty)"


def test_select_filters_by_agent_and_reason_substring_any_case_and_keeps_the_newest() -> None:
    letters = [
        letter(1, agent="cleaner", reason="no article text", error="NotAnArticle"),
        letter(2, agent="annotator", reason="other language", error="UnannotatableText"),
        letter(3, agent="cleaner", reason="raw_page.v1: not JSON: unexpected character"),
        letter(4, agent="cleaner", reason="took over 120s", error="WorkTimeout"),
    ]
    assert [d.offset for d in select(letters)] == [1, 2, 3, 4]
    assert [d.offset for d in select(letters, agent="Cleaner")] == [1, 3, 4]
    assert [d.offset for d in select(letters, reason="NOT JSON")] == [3]
    assert [d.offset for d in select(letters, reason="notanarticle")] == [1]  # the error type counts too
    assert [d.offset for d in select(letters, agent="cleaner", limit=2)] == [3, 4]
    assert select(letters, agent="crawler") == []


def test_unique_keeps_one_dead_letter_per_origin_oldest_first() -> None:
    first = letter(5, ago=timedelta(hours=2))
    again = letter(5, ago=timedelta(hours=1), reason="again")  # the input redelivered after a crash
    other = letter(6, ago=timedelta(hours=3))
    assert unique([first, other, again]) == [other, again]


def test_show_finds_a_dead_letter_by_key_id_or_origin_with_or_without_the_prefix() -> None:
    d = letter(5, partition=1, key="статья".encode())
    for key in ["статья", "vestnik.raw-pages/1/5", "raw-pages/1/5", "vestnik.raw-pages[1]@5", "raw-pages[1]@5"]:
        assert matches(d, key, "vestnik."), key
    for key in ["stat", "raw-pages/1/6", "raw-pages[0]@5", "pages/1/5"]:
        assert not matches(d, key, "vestnik."), key
    assert not matches(letter(5, key=None), "None")


def test_requeue_count_comes_from_the_header() -> None:
    assert requeue_count([]) == 0
    assert requeue_count([(REQUEUES_HEADER, b"2")]) == 2
    assert requeue_count([("other", b"9"), (REQUEUES_HEADER, b"1"), (REQUEUES_HEADER, b"3")]) == 3  # the last wins
    assert requeue_count([(REQUEUES_HEADER, b"many")]) == 0
    assert requeue_count([(REQUEUES_HEADER, b"-4")]) == 0


@pytest.mark.parametrize(("count", "limit", "force", "poison"), [
    (0, 3, False, False), (2, 3, False, False), (3, 3, False, True), (7, 3, False, True),
    (3, 3, True, False), (0, 0, False, True), (1, 1, False, True), (1, 1, True, False),
])
def test_a_dead_letter_requeued_up_to_the_limit_is_poison_unless_forced(
    count: int, limit: int, force: bool, poison: bool
) -> None:
    assert is_poison(count, limit, force) is poison


def test_decide_requeues_a_first_failure_with_count_one_and_where_it_came_from() -> None:
    d = letter(5)
    [decision] = decide([d], [d], {letter_id(d): Original(b"{not json", (("trace", b"x"),))})
    assert decision.action == "requeue" and decision.value == b"{not json" and decision.count == 0
    assert decision.headers == (("trace", b"x"), (REQUEUES_HEADER, b"1"), (FROM_HEADER, letter_id(d).encode()))


def test_decide_reads_a_value_not_carried_at_its_origin_and_skips_it_when_gone() -> None:
    big = letter(5, value=None, size=9_000_000)
    [decision] = decide([big], [big], {letter_id(big): Original(b"x" * 10)})
    assert decision.action == "requeue" and decision.value == b"x" * 10
    [gone] = decide([big], [big], {letter_id(big): None})
    assert gone.action == "skip" and "no longer at its origin" in gone.why


def test_decide_refuses_poison_and_skips_a_dead_letter_whose_copy_failed_again() -> None:
    first, second = letter(5, ago=timedelta(hours=1)), letter(9, ago=timedelta(minutes=1))
    originals = {
        letter_id(first): Original(b"{not json"),
        letter_id(second): Original(b"{not json", ((REQUEUES_HEADER, b"1"), (FROM_HEADER, letter_id(first).encode()))),
    }
    both = [first, second]
    assert settled(both, originals) == {letter_id(first): letter_id(second)}

    skip, poison = decide(both, both, originals, max_requeues=1)
    assert (skip.action, poison.action) == ("skip", "poison")
    assert letter_id(second) in skip.why and "requeued 1 time already" in poison.why

    skip, forced = decide(both, both, originals, max_requeues=1, force=True)
    assert (skip.action, forced.action) == ("skip", "requeue")
    assert forced.headers == ((REQUEUES_HEADER, b"2"), (FROM_HEADER, letter_id(second).encode()))

    [again] = decide([second], both, originals, max_requeues=3)
    assert again.action == "requeue" and again.count == 1


def test_decide_without_the_original_takes_the_count_as_zero_and_says_so() -> None:
    d = letter(5)
    [decision] = decide([d], [d], {})
    assert decision.action == "requeue" and "count unknown" in decision.why
    assert decision.headers == ((REQUEUES_HEADER, b"1"), (FROM_HEADER, letter_id(d).encode()))


def test_related_are_the_dead_letters_that_may_be_copies_of_the_selected() -> None:
    a, b = letter(1, key=b"a"), letter(2, key=b"b")
    a_again, elsewhere = letter(3, key=b"a", agent="other"), letter(4, key=b"a", topic="vestnik.frontier")
    assert related([a], [a, b, a_again, elsewhere]) == [a, a_again]


def test_table_and_show_print_what_an_operator_acts_on() -> None:
    console = Console(width=200, record=True)
    console.print(table([letter(5, partition=1, ago=timedelta(hours=2)), letter(6, value=None, size=9_000_000)], NOW))
    text = console.export_text()
    for part in ["reason", "agent", "origin", "age", "payload", "DecodeError: raw_page.v1: not JSON", "cleaner",
                 "vestnik.raw-pages[1]@5", "2h", "{not json", "(9000000 bytes, not carried)"]:
        assert part in text, part

    d = letter(6, value=None, size=9_000_000)
    lines = "\n".join(describe(d, Original(b"<html>" + b"x" * 1000, ((REQUEUES_HEADER, b"2"),)), None, NOW, width=100))
    assert "requeues    2" in lines and "(re-read at its origin) <html>xxx" in lines and "9000000 bytes" in lines
    assert "unknown" in "\n".join(describe(d, None, "vestnik.raw-pages/0/9", NOW))


def test_a_narrow_table_shortens_the_reason_and_payload_never_the_agent_origin_or_age() -> None:
    console = Console(width=100, record=True)
    letters = [letter(5, partition=7, reason="x" * 200, value=b"y" * 500, ago=timedelta(days=12))]
    console.print(table(letters, NOW, console.width))
    text = console.export_text()
    assert "cleaner" in text and "vestnik.raw-pages[7]@5" in text and "12d" in text
    assert all(len(line) <= 100 for line in text.splitlines())
    assert "x…" in text and "y…" in text
