"""Story clustering and syndicated-copy detection over a sliding window of articles.

Pure code: no Kafka here. `StoryIndex.assign` takes articles one at a time in
topic order and answers at once, so a worker can rebuild the same state by
replaying its input topic.

The public names load on first use: importing `agents.stories.version` (as every
worker does, through the bindings) does not load the index's numpy, MinHash and lemmas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agents.stories.index import StoryIndex
    from agents.stories.model import Article, Assignment, Entity, StoryConfig, StorySummary

__all__ = ["Article", "Assignment", "Entity", "StoryConfig", "StoryIndex", "StorySummary"]


def __getattr__(name: str) -> Any:
    if name == "StoryIndex":
        from agents.stories import index

        return index.StoryIndex
    if name in __all__:
        from agents.stories import model

        return getattr(model, name)
    raise AttributeError(f"module 'agents.stories' has no attribute {name!r}")
