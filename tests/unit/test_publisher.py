"""Publishing waits for acknowledgements no longer than it may: a broker gone silent ends in PublishFailed."""

from __future__ import annotations

import asyncio
import time

import pytest

from streams.failures import PublishFailed, is_infrastructure
from streams.publisher import _acknowledged


async def test_deliveries_never_acknowledged_fail_when_the_time_is_up() -> None:
    loop = asyncio.get_running_loop()
    silent: asyncio.Future[object] = loop.create_future()  # a batch kept for a broker that went away
    acked: asyncio.Future[object] = loop.create_future()
    acked.set_result(None)
    began = time.monotonic()
    with pytest.raises(PublishFailed, match="1 output"):
        await _acknowledged([acked, silent], 0.2)
    assert time.monotonic() - began < 1.0
    assert is_infrastructure(PublishFailed("x"))  # retried, never dead-lettered
    assert not silent.cancelled()  # a late acknowledgement still lands on its own future
    silent.cancel()


async def test_a_failed_delivery_raises_its_own_error() -> None:
    loop = asyncio.get_running_loop()
    failed: asyncio.Future[object] = loop.create_future()
    failed.set_exception(ConnectionError("gone"))
    with pytest.raises(ConnectionError):
        await _acknowledged([failed], 1.0)


async def test_acknowledged_deliveries_return_at_once() -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[object] = loop.create_future()
    done.set_result(None)
    await _acknowledged([done], 0.0)
