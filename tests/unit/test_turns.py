"""Who goes to the CPU processes next: shorter jobs first, a long one overtaken only for about its own length."""

from __future__ import annotations

import asyncio
import time

import pytest

from streams.offload import CpuPool, Turns


async def _granted_order(turns: Turns, jobs: list[tuple[str, int]]) -> list[str]:
    """Queue `jobs` (name, size) behind a taken place, free it, and return the order they were let in."""
    order: list[str] = []

    async def job(name: str, size: int) -> None:
        await turns.take("annotate", size)
        order.append(name)
        turns.release()

    tasks = []
    for name, size in jobs:
        tasks.append(asyncio.create_task(job(name, size)))
        await asyncio.sleep(0)  # queued in this order
    turns.release()
    await asyncio.gather(*tasks)
    return order


async def test_a_short_job_goes_before_a_long_one_that_arrived_first() -> None:
    turns = Turns(places=1)
    turns.learn("annotate", 1000, 0.01)  # 10 µs a character
    await turns.take("annotate", 0)
    assert await _granted_order(turns, [("long", 100_000), ("short", 1_000)]) == ["short", "long"]


async def test_a_long_job_is_not_overtaken_by_jobs_arriving_after_its_own_expected_length() -> None:
    turns = Turns(places=1)
    turns.learn("annotate", 1000, 0.01)
    await turns.take("annotate", 0)
    order: list[str] = []

    async def job(name: str, size: int) -> None:
        await turns.take("annotate", size)
        order.append(name)
        turns.release()

    long = asyncio.create_task(job("long", 5_000))  # expected 50 ms
    await asyncio.sleep(0.1)
    short = asyncio.create_task(job("short", 10))
    await asyncio.sleep(0)
    turns.release()
    await asyncio.gather(long, short)
    assert order == ["long", "short"]


async def test_unknown_kinds_keep_their_order_of_arrival() -> None:
    turns = Turns(places=1)
    await turns.take("annotate", 0)
    assert await _granted_order(turns, [("first", 100_000), ("second", 1)]) == ["first", "second"]


async def test_a_job_cancelled_while_waiting_frees_its_turn_for_the_next() -> None:
    turns = Turns(places=1)
    await turns.take("annotate", 0)
    cancelled = asyncio.create_task(turns.take("annotate", 1))
    waiting = asyncio.create_task(turns.take("annotate", 1))
    await asyncio.sleep(0)
    cancelled.cancel()
    turns.release()
    await asyncio.wait_for(waiting, 1)
    with pytest.raises(asyncio.CancelledError):
        await cancelled


def test_expected_time_follows_what_jobs_took_lately() -> None:
    turns = Turns(places=1, smoothing=0.5)
    turns.learn("clean", 100, 1.0)
    assert turns.expected("clean", 10) == pytest.approx(0.1)
    turns.learn("clean", 100, 3.0)
    assert turns.expected("clean", 10) == pytest.approx(0.2)
    turns.learn("clean", 0, 50.0)  # a job without a size teaches nothing
    assert turns.expected("clean", 10) == pytest.approx(0.2)


def sleep_for(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


async def test_in_the_pool_a_short_job_passes_a_long_one_queued_before_it() -> None:
    pool = CpuPool(workers=1, timeout=30.0)
    try:
        await pool.run(sleep_for, 0.05, size=50)  # the pool learns: a millisecond a unit
        finished: list[str] = []

        async def job(name: str, seconds: float) -> None:
            await pool.run(sleep_for, seconds, size=int(seconds * 1000))
            finished.append(name)

        running = asyncio.create_task(job("running", 0.5))
        queued = asyncio.create_task(job("queued", 0.5))  # the one the process takes next, already in its queue
        await asyncio.sleep(0.05)
        long = asyncio.create_task(job("long", 0.6))
        await asyncio.sleep(0.01)
        short = asyncio.create_task(job("short", 0.05))
        await asyncio.gather(running, queued, long, short)
        assert finished == ["running", "queued", "short", "long"]
    finally:
        await pool.close()
