"""A host's turn: given up while waiting, cancelled at any step, it never leaves the host locked."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from agents.common.tasks import unless
from agents.crawler.core import crawl_url
from agents.crawler.fetcher import Fetcher, FetchPolicy, TurnAbandoned
from agents.crawler.state import CrawlState
from schemas.models import CrawlRequest, utc_now
from vestnik.demo.site import DemoSite

POLICY = FetchPolicy(user_agent="vestnik-test/1.0", timeout=2.0, allow_private_hosts=True, min_delay=0.3)


@pytest.fixture
async def demo() -> AsyncIterator[DemoSite]:
    site = DemoSite()
    await site.start()
    yield site
    await site.stop()


async def _take_turn(fetcher: Fetcher, url: str) -> None:
    async with fetcher.turn(url):
        pass


@pytest.mark.parametrize("steps", [0, 1, 2, 3])
async def test_a_turn_cancelled_in_any_step_after_the_host_frees_up_hands_the_host_on(
    demo: DemoSite, steps: int
) -> None:
    url = demo.url(demo.pages[0])
    async with Fetcher(POLICY) as fetcher:
        async with fetcher.turn(url):
            waiting = asyncio.create_task(_take_turn(fetcher, url))
            await asyncio.sleep(0.05)  # queued behind this turn
        for _ in range(steps):  # the lock is granted to the waiting turn somewhere in these steps
            await asyncio.sleep(0)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        result = await asyncio.wait_for(fetcher.fetch(url), 5.0)
    assert result.status == 200


async def test_giving_up_while_waiting_for_the_host_abandons_the_turn_without_a_request(demo: DemoSite) -> None:
    url = demo.url(demo.pages[0])
    give_up = asyncio.Event()
    async with Fetcher(POLICY) as fetcher:
        await fetcher.fetch(url)  # the host's delay starts now
        asked = len(demo.requests)
        waiting = asyncio.create_task(_turn_with(fetcher, url, give_up))
        await asyncio.sleep(0.05)
        began = time.monotonic()
        give_up.set()
        with pytest.raises(TurnAbandoned):
            await waiting
        assert time.monotonic() - began < 0.1  # not after the host's delay
        assert len(demo.requests) == asked
        assert (await asyncio.wait_for(fetcher.fetch(url), 5.0)).status == 200


async def _turn_with(fetcher: Fetcher, url: str, give_up: asyncio.Event) -> None:
    async with fetcher.turn(url, give_up) as turn:
        await turn.get()


async def test_the_state_is_read_again_when_the_turn_comes_so_a_url_fetched_meanwhile_is_not_asked_again(
    demo: DemoSite
) -> None:
    url = demo.url(demo.pages[0])
    request = CrawlRequest(id="0" * 20, url=url, source="demo", discovered_at=utc_now())
    states: dict[str, CrawlState] = {}
    async with Fetcher(POLICY) as fetcher:
        async def visit() -> str:
            found = await crawl_url(fetcher, request, lambda: states.get(url, CrawlState()), 3600.0, 60.0)
            if found.state is not None:
                states[url] = found.state
            return found.outcome

        outcomes = await asyncio.gather(visit(), visit())  # both find the URL new before the first turn
    assert sorted(outcomes) == ["fresh", "published"]
    assert demo.requests.count(demo.pages[0].path) == 1


async def test_unless_gives_up_at_once_when_the_signal_is_already_set() -> None:
    """An input started after its partition's revocation must not go ahead because its wait happened to be short."""
    give_up, ran = asyncio.Event(), []
    give_up.set()

    async def free() -> None:
        ran.append(True)

    assert await unless(give_up, free()) is False
    assert ran == []
