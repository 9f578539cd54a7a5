"""Charts drawn on the server as inline SVG: the page needs no script library and works offline."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sparkline:
    """A line through `values`, scaled to `width` × `height` with the top value at the top edge."""

    values: list[int]
    width: int = 120
    height: int = 24

    @property
    def points(self) -> str:
        if not self.values:
            return ""
        top = max(max(self.values), 1)
        step = self.width / max(len(self.values) - 1, 1)
        pad = 2  # keeps a flat line at zero and the peak inside the stroke
        return " ".join(f"{i * step:.1f},{pad + (self.height - 2 * pad) * (1 - v / top):.1f}"
                        for i, v in enumerate(self.values))

    @property
    def label(self) -> str:
        return f"{sum(self.values)} mentions in {len(self.values)} h, at most {max(self.values, default=0)} an hour"
