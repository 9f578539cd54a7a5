"""Many hosts at once, each politely: the order the crawl's jobs start in.

Politeness is the fetcher's: requests to one host queue on that host's lock, in
order, each after the host's delay; requests to different hosts overlap, within
the fetcher's connection limit. Jobs run as `BoundedTasks`, so a job may sit a
while behind its host's delay while others run, and the bound keeps those
waiting jobs, and the input read ahead for them, to a fixed number.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import zip_longest
from urllib.parse import urlsplit


def hosts_in_turn(urls: Iterable[str]) -> list[str]:
    """The URLs reordered one host at a time in turn, each host's in its own order.

    Jobs are started in this order, so a host with thousands of URLs does not fill
    the bound and starve the others while it waits out its delay.
    """
    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault(urlsplit(url).netloc, []).append(url)
    return [url for turn in zip_longest(*by_host.values()) for url in turn if url is not None]
