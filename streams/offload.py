"""CPU-bound work (extraction, NER) runs in worker processes so the event loop keeps heartbeating."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")


def _one_thread_per_process() -> None:
    """Each pool process is one CPU's worth: numpy's BLAS threads would oversubscribe the cores."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


class WorkerCrashed(RuntimeError):
    """A CPU worker process died while handling one input (e.g. out of memory)."""


class CpuPool:
    """A lazily started process pool that replaces itself when a worker process dies."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: the parent runs threads (aiokafka, aiohttp resolvers) that fork would copy half-locked.
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_one_thread_per_process
            )
        return self._pool

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), fn, *args)
        except BrokenProcessPool as exc:
            self.shutdown()
            raise WorkerCrashed(f"CPU worker process died while running {fn.__name__}") from exc

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
