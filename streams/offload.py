"""CPU-bound work (extraction, NER) runs in worker processes so the event loop keeps heartbeating.

Each job has a time limit: a page that makes the extractor spin is killed with
its process (pebble restarts it) and becomes a dead letter, not a stuck agent.
A process that dies under a job is not blamed on the input at once: the job is
tried again on a fresh process, and only an input that kills its process every
time is poison. A job cut short because the pool is stopping is the worker's
business (CpuPoolStopping), never the input's.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from streams.failures import CpuPoolStopping

log = logging.getLogger(__name__)
T = TypeVar("T")


def _one_thread_per_process() -> None:
    """Each pool process is one CPU's worth: numpy's BLAS threads would oversubscribe the cores."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


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

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        for attempt in range(1, self.crash_attempts + 1):
            try:
                return await self._run_once(fn, *args)
            except ProcessExpired as exc:
                if self._stopping:
                    raise CpuPoolStopping(f"the CPU pool stopped while running {fn.__name__}") from exc
                if attempt == self.crash_attempts:
                    raise WorkerCrashed(f"CPU worker process died running {fn.__name__} "
                                        f"{attempt} times in a row: {exc}") from exc
                log.warning("CPU worker process died running %s (attempt %d of %d): %s; trying again",
                            fn.__name__, attempt, self.crash_attempts, exc)
                # A worker killed as a whole takes its pool with it: the pause lets that happen first.
                await asyncio.sleep(self.crash_pause * attempt)
        raise AssertionError("unreachable")

    async def _run_once(self, fn: Callable[..., T], *args: Any) -> T:
        future = self._executor().schedule(fn, args=args, timeout=self.timeout)
        waiter = asyncio.wrap_future(future)
        self._waiting.add(waiter)
        try:
            result: T = await waiter
            return result
        except FutureTimeout as exc:
            raise WorkTimeout(f"{fn.__name__} took over {self.timeout:.0f}s and was stopped") from exc
        except asyncio.CancelledError:
            future.cancel()
            task = asyncio.current_task()
            if self._stopping and not (task and task.cancelling()):  # cut short by close(), not cancelled
                raise CpuPoolStopping(f"the CPU pool stopped while running {fn.__name__}") from None
            raise
        except RuntimeError as exc:
            if self._stopping:  # pebble fails the jobs of a pool being stopped
                raise CpuPoolStopping(f"the CPU pool stopped while running {fn.__name__}") from exc
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
