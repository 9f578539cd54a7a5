"""Polite HTTP fetching: robots.txt, a named User-Agent, timeouts, a size cap and an SSRF guard."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import random
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.resolver import ThreadedResolver
from protego import Protego

from agents.common.tasks import unless

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
KEPT_HEADERS = ("content-type", "content-length", "etag", "last-modified", "content-language", "date")
REDIRECTS = (301, 302, 303, 307, 308)
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"Rar!", b"\x00\x00\x01\x00")


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str
    timeout: float = 20.0
    max_bytes: int = 5 * 1024 * 1024
    allow_private_hosts: bool = False
    min_delay: float = 0.0
    max_redirects: int = 5
    retries: int = 3
    backoff: float = 0.5
    robots_ttl: float = 24 * 3600.0  # RFC 9309: a cached robots.txt may be used for up to a day
    robots_retry: float = 300.0  # an unreachable robots.txt is asked again this soon
    max_delay: float = 30.0  # a larger Crawl-delay would stall the whole fetch agent
    max_connections: int = 32  # open at once over all hosts; each host gets one at a time anyway


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content: bytes
    fetched_at: datetime

    @property
    def not_modified(self) -> bool:
        return self.status == 304


# What a fetch that gave no page came to: ordinary crawl outcomes, counted and kept in the crawl state.
GONE = "gone"  # 404 or 410: the page is not (or no longer) there
DISALLOWED = "disallowed"  # robots.txt refuses the URL
NOT_A_PAGE = "not_a_page"  # a PDF, an image, an over-size or binary body behind an article URL
FAILED = "failed"  # the host or the network failed us (timeouts, 5xx, refused connections, bad redirects)


class FetchError(Exception):
    """A fetch that ended without a usable page.

    `reason` says why in words, `outcome` in one of a few fixed kinds (for counters),
    `retryable` if trying again soon may help.
    """

    def __init__(self, url: str, reason: str, retryable: bool = False, retry_after: float | None = None,
                 outcome: str = FAILED) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the server asked us to wait (429, 503)
        self.outcome = outcome


class BlockedHost(FetchError):
    """The host resolves to an address the SSRF guard refuses."""


class TurnAbandoned(Exception):
    """The caller gave up before its host's turn came: no request was made."""


@dataclass
class HostTurn:
    """A host's turn, held: one request (with its retries) may go out now."""

    fetcher: Fetcher
    url: str
    asked: bool = False

    async def get(self, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET the URL; with `etag`/`last_modified` a 304 result means "unchanged"."""
        conditional = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        self.asked = True
        return await self.fetcher._get_with_retries(self.url, conditional)


@dataclass
class _HostState:
    robots: Protego | None = None
    robots_expires: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_allowed: float = 0.0


class Fetcher:
    """One HTTP client per worker; per-host robots cache and request spacing."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        # robots.txt groups match the product token ("vestnik"), not the whole User-Agent string.
        self._product = policy.user_agent.split("/", 1)[0].split()[0]
        self._hosts: dict[str, _HostState] = {}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        """The session is made on first use, inside the loop that will run it."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=_GuardedResolver(self.allows),
                                               limit=self.policy.max_connections),
                headers={"User-Agent": self.policy.user_agent, "Accept-Language": "ru,en;q=0.5"},
                timeout=aiohttp.ClientTimeout(total=self.policy.timeout, sock_connect=min(10.0, self.policy.timeout)),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET `url` politely; with `etag`/`last_modified` a 304 result means "unchanged"."""
        async with self.turn(url) as turn:
            return await turn.get(etag, last_modified)

    @contextlib.asynccontextmanager
    async def turn(self, url: str, give_up: asyncio.Event | None = None) -> AsyncIterator[HostTurn]:
        """Wait for the host's turn: its earlier requests done, robots.txt allowing, its delay passed.

        The caller decides then whether to ask at all (what it knows may have
        changed while it waited); a turn with no request leaves the host's delay
        as it was. If `give_up` is set while waiting, TurnAbandoned, and nothing was asked.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(url, f"unsupported URL scheme {parts.scheme!r}")
        await self._check_host(url, parts.hostname)
        origin = f"{parts.scheme}://{parts.netloc}"
        state = self._hosts.setdefault(origin, _HostState())
        acquiring = asyncio.ensure_future(state.lock.acquire())
        try:
            if not await unless(give_up or asyncio.Event(), acquiring):
                raise TurnAbandoned()
        except BaseException:
            # Cancelled in the very step the lock was granted: hand it on, or the host waits for ever.
            if acquiring.done() and not acquiring.cancelled() and acquiring.exception() is None:
                state.lock.release()
            raise
        turn = HostTurn(self, url)
        try:
            if state.robots is None or time.monotonic() >= state.robots_expires:
                state.robots, reachable = await self._robots(origin)
                ttl = self.policy.robots_ttl if reachable else self.policy.robots_retry
                state.robots_expires = time.monotonic() + ttl
            if not state.robots.can_fetch(url, self._product):
                raise FetchError(url, "disallowed by robots.txt", outcome=DISALLOWED)
            asked = float(state.robots.crawl_delay(self._product) or 0)
            delay = max(self.policy.min_delay, min(asked, self.policy.max_delay))
            wait = state.next_allowed - time.monotonic()
            if wait > 0 and not await unless(give_up or asyncio.Event(), asyncio.sleep(wait)):
                raise TurnAbandoned()
            try:
                yield turn
            finally:
                if turn.asked:
                    state.next_allowed = time.monotonic() + delay
        finally:
            state.lock.release()

    async def _get_with_retries(self, url: str, headers: dict[str, str]) -> FetchResult:
        for attempt in range(self.policy.retries + 1):
            try:
                return await self._get(url, headers)
            except FetchError as exc:
                if not exc.retryable or attempt == self.policy.retries:
                    raise
                # Exponential backoff with full jitter, so retries from many workers do not align;
                # never sooner than the server's Retry-After (within the delay cap).
                wait = random.uniform(0, self.policy.backoff * 2**attempt)
                await asyncio.sleep(max(wait, min(exc.retry_after or 0.0, self.policy.max_delay)))
        raise AssertionError("unreachable")

    async def _get(self, url: str, headers: dict[str, str] | None = None) -> FetchResult:
        """One GET, following redirects ourselves so every hop passes the scheme and SSRF checks."""
        target, seen = url, {url}
        try:
            for _ in range(self.policy.max_redirects + 1):
                async with self._client().get(target, headers=headers, allow_redirects=False) as resp:
                    location = resp.headers.get("Location") if resp.status in REDIRECTS else None
                    if location is None:
                        return await self._result(url, target, resp)
                next_url = urljoin(target, location)
                if next_url in seen:
                    raise FetchError(url, f"redirect loop at {next_url}")
                parts = urlsplit(next_url)
                if parts.scheme not in ("http", "https") or not parts.hostname:
                    raise FetchError(url, f"redirect to an unsupported URL {next_url!r}")
                await self._check_host(url, parts.hostname)
                target = next_url
                seen.add(target)
            raise FetchError(url, f"too many redirects (> {self.policy.max_redirects})")
        except TimeoutError as exc:
            raise FetchError(url, f"timed out after {self.policy.timeout}s", retryable=True) from exc
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, NonPublicAddress):
                raise BlockedHost(url, str(exc.os_error)) from exc
            raise FetchError(url, f"connection failed: {exc!r}", retryable=True) from exc
        except aiohttp.ClientError as exc:
            raise FetchError(url, f"connection failed: {exc!r}", retryable=True) from exc

    async def _result(self, url: str, final_url: str, resp: aiohttp.ClientResponse) -> FetchResult:
        if resp.status >= 400:
            raise FetchError(url, f"HTTP {resp.status}", retryable=resp.status >= 500 or resp.status == 429,
                             retry_after=retry_after_seconds(resp.headers.get("Retry-After")),
                             outcome=GONE if resp.status in (404, 410) else FAILED)
        content = await self._read_capped(url, resp)
        kept = {k.lower(): v for k, v in resp.headers.items() if k.lower() in KEPT_HEADERS}
        return FetchResult(url, final_url, resp.status, kept, content, datetime.now(UTC))

    async def _read_capped(self, url: str, resp: aiohttp.ClientResponse) -> bytes:
        declared = resp.content_length
        if declared is not None and declared > self.policy.max_bytes:
            raise FetchError(url, f"page of {declared} bytes is over the cap of {self.policy.max_bytes}",
                             outcome=NOT_A_PAGE)
        chunks, size = [], 0
        async for chunk in resp.content.iter_chunked(65536):
            size += len(chunk)
            if size > self.policy.max_bytes:
                raise FetchError(url, f"page is over the cap of {self.policy.max_bytes} bytes", outcome=NOT_A_PAGE)
            chunks.append(chunk)
        return b"".join(chunks)

    async def _robots(self, origin: str) -> tuple[Protego, bool]:
        """The host's rules, and whether they could be read (else they are asked again soon)."""
        try:
            result = await self._get(origin + "/robots.txt")
            return Protego.parse(result.content.decode("utf-8", "replace")), True
        except BlockedHost:
            raise
        except FetchError as exc:
            # RFC 9309: a missing robots.txt (4xx) allows all; an unreachable one (5xx, network) disallows all.
            if exc.reason.startswith("HTTP 4"):
                return Protego.parse(""), True
            return Protego.parse("User-agent: *\nDisallow: /\n"), False

    def allows(self, address: IPAddress) -> bool:
        """The SSRF guard: only globally routable addresses, unless the policy allows private ones."""
        return self.policy.allow_private_hosts or address.is_global

    async def _check_host(self, url: str, host: str) -> None:
        """Refuse early with a clear reason; the connector's resolver enforces the same at connect time."""
        if self.policy.allow_private_hosts:
            return
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise FetchError(url, f"cannot resolve {host}: {exc}") from exc
        for info in infos:
            address = ipaddress.ip_address(info[4][0])
            if not self.allows(address):
                raise BlockedHost(url, f"host {host} resolves to a non-public address {address}")


class NonPublicAddress(OSError):
    """Raised inside the connector: the name resolved to an address the guard refuses."""


class _GuardedResolver(ThreadedResolver):
    """Resolves for the connection itself, so a name cannot change address between check and connect."""

    def __init__(self, allows: Callable[[IPAddress], bool]) -> None:
        super().__init__()
        self._allows = allows

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[Any]:
        results = await super().resolve(host, port, family)
        refused = [r["host"] for r in results if not self._allows(ipaddress.ip_address(r["host"]))]
        if refused:
            raise NonPublicAddress(f"host {host} resolves to a non-public address {refused[0]}")
        return results


def check_page(result: FetchResult) -> None:
    """Only HTML-like text is a page: refuse other content types and binary bytes behind a text type."""
    if result.not_modified:
        return
    content_type = result.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type not in PAGE_TYPES:
        raise FetchError(result.url, f"content type {content_type!r} is not a page", outcome=NOT_A_PAGE)
    head = result.content[:1024]
    if head.startswith(BINARY_MAGIC) or b"\x00" in head:
        raise FetchError(result.url, "binary content behind a page URL", outcome=NOT_A_PAGE)


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header, given as seconds or as an HTTP date, in seconds from now."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
