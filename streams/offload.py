"""CPU-bound work (extraction, NER) runs in worker processes so the event loop keeps heartbeating.

Each job has a time limit: a page that makes the extractor spin is killed with
its process (pebble restarts it) and becomes a dead letter, not a stuck agent.
A process that dies under a job is not blamed on the input at once: the job is
tried again on a fresh process, and only an input that kills its process every
time is poison. A job cut short because the pool is stopping is the worker's
business (CpuPoolStopping), never the input's.

Jobs expected to be short go first (`Turns`): one long article must not hold
up every short one that arrives while it runs.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from streams.failures import CpuPoolStopping

log = logging.getLogger(__name__)
T = TypeVar("T")


def _one_thread_per_process() -> None:
    """Each pool process is one CPU's worth: numpy's BLAS threads would oversubscribe the cores."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def _timed(fn: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """The result, and the seconds the CPU process spent on it (not the time the job waited for it)."""
    began = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - began


@dataclass(order=True)
class _Waiting:
    due: float
    seq: int
    granted: asyncio.Future[None] = field(compare=False)


class Turns:
    """Who goes to the CPU processes next: the job whose arrival plus expected run time comes first.

    A job is expected to take its size (bytes of a page, characters of a text)
    times the seconds per unit its kind took lately. A short job arriving while
    a long one waits goes first, and a long one is overtaken only by jobs that
    arrive within its own expected run time: it waits at most about that long
    again. The processes get one job more than they have, so none idles
    between two jobs. Unknown kinds and sizes are expected to take no time.
    """

    def __init__(self, places: int, smoothing: float = 0.2) -> None:
        self.places, self.smoothing = places, smoothing
        self._taken = 0
        self._waiting: list[_Waiting] = []
        self._seq = itertools.count()
        self._seconds_per_unit: dict[str, float] = {}

    def expected(self, kind: str, size: int) -> float:
        return self._seconds_per_unit.get(kind, 0.0) * size

    async def take(self, kind: str, size: int) -> None:
        if self._taken < self.places and not self._waiting:
            self._taken += 1
            return
        granted = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, _Waiting(time.monotonic() + self.expected(kind, size), next(self._seq), granted))
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self.release()  # granted, then cancelled before it was used
            raise

    def release(self) -> None:
        self._taken -= 1
        while self._waiting and self._taken < self.places:
            granted = heapq.heappop(self._waiting).granted
            if not granted.done():
                self._taken += 1
                granted.set_result(None)

    def learn(self, kind: str, size: int, seconds: float) -> None:
        if size > 0:
            rate = seconds / size
            known = self._seconds_per_unit.get(kind)
            self._seconds_per_unit[kind] = rate if known is None else known + self.smoothing * (rate - known)


class WorkerCrashed(RuntimeError):
    """One input killed its CPU worker process on every attempt (e.g. out of memory): poison."""


class WorkTimeout(RuntimeError):
    """One input took longer than the per-job limit; its process was killed."""


class CpuPool:
    """A lazily started process pool with a time limit per job and retries when a process dies."""

    def __init__(self, workers: int, timeout: float, crash_attempts: int = 3, crash_pause: float = 1.0) -> None:
        self.workers = workers
        self.timeout = timeout
        self.crash_attempts = crash_attempts
        self.crash_pause = crash_pause
        self._pool: ProcessPool | None = None
        self._turns = Turns(workers + 1)
        self._stopping = False
        self._waiting: set[asyncio.Future[Any]] = set()

    def _executor(self) -> ProcessPool:
        if self._stopping:
            raise CpuPoolStopping("the CPU pool is shutting down")
        if self._pool is None:
            # spawn: the parent runs threads (aiokafka, aiohttp resolvers) that fork would copy half-locked.
            self._pool = ProcessPool(max_workers=self.workers, initializer=_one_thread_per_process,
                                     context=multiprocessing.get_context("spawn"))
        return self._pool

    async def run(self, fn: Callable[..., T], *args: Any, size: int = 0) -> T:
        """Run `fn(*args)` in a CPU process.

        `fn` travels by reference (its module and name) and the CPU process imports its module: a job
        whose module imports its heavy stack inside the function (`agents/*/cpu.py`) loads that stack
        there, never in the worker's own process. `size` is what the job's time grows with (a page's
        bytes, a text's characters): shorter jobs go first.
        """
        name = fn.__name__
        target_args = (fn, *args)
        for attempt in range(1, self.crash_attempts + 1):
            try:
                await self._turns.take(name, size)
                try:
                    result, seconds = await self._run_once(name, _timed, *target_args)
                finally:
                    self._turns.release()
                self._turns.learn(name, size, seconds)
                return result
            except ProcessExpired as exc:
                if self._stopping:
                    raise CpuPoolStopping(f"the CPU pool stopped while running {name}") from exc
                if attempt == self.crash_attempts:
                    raise WorkerCrashed(f"CPU worker process died running {name} "
                                        f"{attempt} times in a row: {exc}") from exc
                log.warning("CPU worker process died running %s (attempt %d of %d): %s; trying again",
                            name, attempt, self.crash_attempts, exc)
                # A worker killed as a whole takes its pool with it: the pause lets that happen first.
                await asyncio.sleep(self.crash_pause * attempt)
        raise AssertionError("unreachable")

    async def _run_once(self, name: str, fn: Callable[..., T], *args: Any) -> T:
        future = self._executor().schedule(fn, args=args, timeout=self.timeout)
        waiter = asyncio.wrap_future(future)
        self._waiting.add(waiter)
        try:
            result: T = await waiter
            return result
        except FutureTimeout as exc:
            raise WorkTimeout(f"{name} took over {self.timeout:.0f}s and was stopped") from exc
        except asyncio.CancelledError:
            future.cancel()
            task = asyncio.current_task()
            if self._stopping and not (task and task.cancelling()):  # cut short by close(), not cancelled
                raise CpuPoolStopping(f"the CPU pool stopped while running {name}") from None
            raise
        except RuntimeError as exc:
            if self._stopping:  # pebble fails the jobs of a pool being stopped
                raise CpuPoolStopping(f"the CPU pool stopped while running {name}") from exc
            raise
        finally:
            self._waiting.discard(waiter)

    async def close(self) -> None:
        """Stop the processes; jobs still running end in CpuPoolStopping.

        The waiting jobs are released here, on the loop, before pebble cancels
        their futures from its own threads.
        """
        self._stopping = True
        for waiter in list(self._waiting):
            waiter.cancel()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.stop()
            await asyncio.to_thread(pool.join, 10)
