"""Story clustering and syndicated-copy detection over a sliding window of articles.

Pure code: no Kafka here. `StoryIndex.assign` takes articles one at a time in
topic order and answers at once, so a worker can rebuild the same state by
replaying its input topic.
"""

from __future__ import annotations

from agents.stories.index import StoryIndex
from agents.stories.model import Article, Assignment, Entity, StoryConfig, StorySummary

__all__ = ["Article", "Assignment", "Entity", "StoryConfig", "StoryIndex", "StorySummary"]
