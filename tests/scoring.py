"""The corpus scoring rule: token-multiset F1 between a body and its gold."""

from __future__ import annotations

import re
from collections import Counter

TOKEN = re.compile(r"\w+")


def token_f1(predicted: str | None, gold: str) -> float:
    p, g = Counter(TOKEN.findall((predicted or "").lower())), Counter(TOKEN.findall(gold.lower()))
    hit = sum((p & g).values())
    if not hit:
        return 0.0
    precision, recall = hit / sum(p.values()), hit / sum(g.values())
    return 2 * precision * recall / (precision + recall)
