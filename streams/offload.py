"""CPU-bound work (extraction, NER) runs in worker processes so the event loop keeps heartbeating.

Each job has a time limit: a page that makes the extractor spin is killed with
its process (pebble restarts it) and becomes a dead letter, not a stuck agent.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

T = TypeVar("T")


def _one_thread_per_process() -> None:
    """Each pool process is one CPU's worth: numpy's BLAS threads would oversubscribe the cores."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


class WorkerCrashed(RuntimeError):
    """A CPU worker process died while handling one input (e.g. out of memory)."""


class WorkTimeout(RuntimeError):
    """One input took longer than the per-job limit; its process was killed."""


class CpuPool:
    """A lazily started process pool with a time limit per job."""

    def __init__(self, workers: int, timeout: float) -> None:
        self.workers = workers
        self.timeout = timeout
        self._pool: ProcessPool | None = None

    def _executor(self) -> ProcessPool:
        if self._pool is None:
            # spawn: the parent runs threads (aiokafka, aiohttp resolvers) that fork would copy half-locked.
            self._pool = ProcessPool(max_workers=self.workers, initializer=_one_thread_per_process,
                                     context=multiprocessing.get_context("spawn"))
        return self._pool

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        future = self._executor().schedule(fn, args=args, timeout=self.timeout)
        try:
            result: T = await asyncio.wrap_future(future)
            return result
        except FutureTimeout as exc:
            raise WorkTimeout(f"{fn.__name__} took over {self.timeout:.0f}s and was stopped") from exc
        except ProcessExpired as exc:
            raise WorkerCrashed(f"CPU worker process died running {fn.__name__}: {exc}") from exc
        except asyncio.CancelledError:
            future.cancel()
            raise

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._pool.join(timeout=10)
            self._pool = None
