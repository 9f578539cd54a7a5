"""The CPU pool: results come back, a stuck job is stopped, a dead process is reported."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator

import pytest

from streams.offload import CpuPool, WorkerCrashed, WorkTimeout


def square(n: int) -> int:
    return n * n


def spin(seconds: float) -> None:
    time.sleep(seconds)


def die() -> None:
    os._exit(3)


@pytest.fixture
async def pool() -> AsyncIterator[CpuPool]:
    cpu = CpuPool(workers=1, timeout=1.0)
    yield cpu
    cpu.shutdown()


async def test_results_come_back_from_another_process(pool: CpuPool) -> None:
    assert await pool.run(square, 12) == 144


async def test_a_stuck_job_is_stopped_and_the_pool_goes_on(pool: CpuPool) -> None:
    with pytest.raises(WorkTimeout, match="spin took over"):
        await pool.run(spin, 30)
    assert await pool.run(square, 3) == 9


async def test_a_dying_process_is_reported_and_replaced(pool: CpuPool) -> None:
    with pytest.raises(WorkerCrashed, match="died running die"):
        await pool.run(die)
    assert await pool.run(square, 4) == 16
