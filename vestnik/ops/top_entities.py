"""Reading the entity counts that annotator workers keep, merged across workers."""

from __future__ import annotations

from collections import Counter
from typing import Any

import aiohttp


async def fetch_top(workers: list[str], entity_type: str | None, limit: int) -> tuple[float, list[dict[str, Any]]]:
    """Each worker serves the counts of its own partitions; sum them and keep the top `limit`."""
    totals: Counter[str] = Counter()
    window = 0.0
    params = {"limit": "100000", **({"type": entity_type} if entity_type else {})}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        for base in workers:
            async with http.get(f"{base.rstrip('/')}/entities/top", params=params) as resp:
                resp.raise_for_status()
                data = await resp.json()
            window = data["window_seconds"]
            for row in data["entities"]:
                totals[row["entity"]] += row["articles"]
    rows = [
        {"entity": key, "type": key.split(":", 1)[0], "name": key.split(":", 1)[1], "articles": n}
        for key, n in sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:limit]
    ]
    return window, rows
