"""The CPU pool: results come back, a stuck job is stopped, a dying process is retried, then reported."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from streams.failures import CpuPoolStopping, is_infrastructure
from streams.offload import CpuPool, WorkerCrashed, WorkTimeout
from tests.unit import cpu_job


def square(n: int) -> int:
    return n * n


def spin(seconds: float) -> None:
    time.sleep(seconds)


def die() -> None:
    os._exit(3)


def die_once(marker: str) -> str:
    """Dies the first time (as a process killed from outside would), succeeds the next."""
    if not Path(marker).exists():
        Path(marker).touch()
        os._exit(9)
    return "done"


@pytest.fixture
async def pool() -> AsyncIterator[CpuPool]:
    cpu = CpuPool(workers=1, timeout=1.0, crash_attempts=3, crash_pause=0.05)
    yield cpu
    await cpu.close()


async def test_results_come_back_from_another_process(pool: CpuPool) -> None:
    assert await pool.run(square, 12) == 144


async def test_a_job_passed_by_reference_loads_its_stack_in_the_cpu_process_only(pool: CpuPool) -> None:
    assert await pool.run(cpu_job.cube, 3) == 27
    assert "tests.unit.cpu_stack" not in sys.modules


async def test_a_stuck_job_is_stopped_and_the_pool_goes_on(pool: CpuPool) -> None:
    with pytest.raises(WorkTimeout, match="spin took over"):
        await pool.run(spin, 30)
    assert await pool.run(square, 3) == 9


async def test_an_input_that_kills_its_process_every_time_is_poison(pool: CpuPool) -> None:
    with pytest.raises(WorkerCrashed, match="died running die 3 times in a row") as crash:
        await pool.run(die)
    assert not is_infrastructure(crash.value), "poison is the input's fault: a dead letter"
    assert await pool.run(square, 4) == 16


async def test_a_process_that_dies_once_is_replaced_and_the_job_tried_again(pool: CpuPool, tmp_path: Path) -> None:
    assert await pool.run(die_once, str(tmp_path / "died")) == "done"
    assert (tmp_path / "died").exists()


def announce_then_spin(marker: str) -> None:
    Path(marker).touch()
    time.sleep(60)


async def test_a_job_cut_short_by_shutdown_is_not_the_inputs_fault(tmp_path: Path) -> None:
    pool = CpuPool(workers=1, timeout=120.0)
    marker = tmp_path / "running"
    job = asyncio.create_task(pool.run(announce_then_spin, str(marker)))
    for _ in range(600):
        if marker.exists():
            break
        await asyncio.sleep(0.05)
    assert marker.exists(), "the job never started"
    await pool.close()
    with pytest.raises(CpuPoolStopping) as stopped:
        await job
    assert is_infrastructure(stopped.value)
    with pytest.raises(CpuPoolStopping):
        await pool.run(square, 2)
