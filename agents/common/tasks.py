"""Jobs run concurrently with a bound on how many are unfinished: `submit` waiting for room is the backpressure."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Coroutine
from typing import Any


async def unless(give_up: asyncio.Event, waiting: Awaitable[object]) -> bool:
    """Await `waiting` unless `give_up` is set first: then cancel it and return False."""
    if give_up.is_set():
        if isinstance(waiting, Coroutine):
            waiting.close()  # never started: nothing to cancel
        return False
    job, signal = asyncio.ensure_future(waiting), asyncio.ensure_future(give_up.wait())
    try:
        await asyncio.wait({job, signal}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        signal.cancel()
        if not job.done():
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job
    if job.cancelled():
        return False
    job.result()
    return True


class BoundedTasks:
    """Runs coroutines as tasks, at most `limit` unfinished; `submit` waits for room, which is the backpressure."""

    def __init__(self, limit: int) -> None:
        self._room = asyncio.Semaphore(limit)
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, job: Coroutine[Any, Any, None]) -> None:
        await self._room.acquire()
        task = asyncio.create_task(job)
        self._running.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._room.release()

    @property
    def running(self) -> int:
        return len(self._running)

    async def join(self) -> None:
        """Wait for every submitted job; the first one that raised raises here, after all have ended."""
        results = await asyncio.gather(*self._running, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def cancel(self) -> None:
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
