"""Which articles are still in the window: by publication time, and always by count.

Datasketch's LSH and the story postings never forget by themselves, so the
index asks this policy which arrivals to drop. Dated articles leave once they
are `window_hours` older than the newest date seen; the count bound holds for
undated input and caps memory whatever the dates say.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Arrival:
    sequence: int
    article_id: str
    published_at: datetime | None


class Window:
    def __init__(self, hours: float, max_articles: int) -> None:
        self.span = timedelta(hours=hours)
        self.max_articles = max_articles
        self.arrivals: deque[Arrival] = deque()
        self.newest: datetime | None = None

    def __len__(self) -> int:
        return len(self.arrivals)

    def admit(self, arrival: Arrival) -> Iterator[Arrival]:
        """Record `arrival` and yield, oldest first, the earlier arrivals it pushes out.

        Eviction is in arrival order: an article that arrives late with an old
        date waits behind newer ones until they leave or the count bound hits it.
        """
        self.arrivals.append(arrival)
        if arrival.published_at is not None and (self.newest is None or arrival.published_at > self.newest):
            self.newest = arrival.published_at
        while self.arrivals[0] is not arrival and (
            len(self.arrivals) > self.max_articles or self._expired(self.arrivals[0])
        ):
            yield self.arrivals.popleft()

    def within_span(self, earlier: datetime | None, later: datetime | None) -> bool:
        """Whether two articles are close enough in time to share a story, whatever order they came in;
        an undated article is close to any."""
        return earlier is None or later is None or abs(later - earlier) <= self.span

    def _expired(self, arrival: Arrival) -> bool:
        if arrival.published_at is None or self.newest is None:
            return False
        return arrival.published_at < self.newest - self.span
