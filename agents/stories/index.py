"""Online story assignment: each article joins the best story in the window or starts one.

Candidates come from an inverted index on the article's heaviest stems, each
posting list holding only the latest `posting_limit` articles, so an article
costs the same whatever the window size. A story's score is the mean similarity
between the article and the story's members in the window (average link):
unlike nearest-member linking it does not chain loosely related articles
into one big topic. Only a member that is very close (`strong_link`) counts on
its own, so a story that has grown still takes a retelling of one of its reports.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from agents.stories.duplicates import DuplicateIndex
from agents.stories.headlines import Headline, Headlines, news_embedding
from agents.stories.model import Article, Assignment, StoryConfig, StorySummary
from agents.stories.stories import Story
from agents.stories.vectors import Vector, Vocabulary, term_counts, weigh
from agents.stories.window import Arrival, Window


@dataclass(frozen=True, slots=True)
class Indexed:
    """What the index keeps of an article while it is in the window: its vector and its answer."""

    article_id: str
    story_id: str
    vector: Vector
    headline: Headline | None
    published_at: datetime | None
    new_story: bool
    story_similarity: float | None
    duplicate_of: str | None
    duplicate_similarity: float | None

    def assignment(self) -> Assignment:
        return Assignment(
            self.article_id,
            self.story_id,
            self.new_story,
            self.story_similarity,
            self.duplicate_of,
            self.duplicate_similarity,
        )


class StoryIndex:
    def __init__(self, config: StoryConfig | None = None) -> None:
        self.config = config or StoryConfig()
        self.window = Window(self.config.window_hours, self.config.window_articles)
        self.duplicates = DuplicateIndex(
            self.config.duplicate_threshold,
            self.config.num_perm,
            self.config.shingle_words,
            max(1, self.config.window_articles),
        )
        self.vocabulary = Vocabulary()
        self.headlines = Headlines(news_embedding(), self.vocabulary, self.config.word_similarity_floor)
        self.dense = np.zeros(0, dtype=np.float32)
        self.postings: dict[int, array[int]] = {}
        self.sequences: dict[str, int] = {}
        self.members: dict[int, Indexed] = {}
        self.stories: dict[str, Story] = {}
        self.sequence = 0

    def __len__(self) -> int:
        """Articles in the window."""
        return len(self.members)

    def assign(self, article: Article) -> Assignment:
        """Place `article` for good; a redelivered article gets its first answer again."""
        known = self.sequences.get(article.id)
        if known is not None:
            return self.members[known].assignment()
        sequence = self.sequence
        self.sequence += 1
        for leaving in self.window.admit(Arrival(sequence, article.id, article.published_at)):
            self._forget(leaving)
        counts = term_counts(article.title, article.text, self.config.title_weight, self.config.lead_chars)
        vector = weigh(counts, self.vocabulary)
        headline = self.headlines.add(article.title)
        signature = self.duplicates.signature(article.text)
        copy = self.duplicates.earliest_copy(signature) if signature is not None else None
        original = self.members[copy[0]] if copy is not None else None
        story_id: str | None
        if original is not None:
            story_id, similarity = original.story_id, None
        else:
            story_id, similarity = self._best_story(vector, headline, article.published_at)
        new_story = story_id is None
        if story_id is None:
            story_id = article.id
            self.stories[story_id] = Story.started_by(article, sequence)
        self.stories[story_id].add(article)
        indexed = Indexed(
            article.id,
            story_id,
            vector,
            headline,
            article.published_at,
            new_story,
            similarity,
            original.article_id if original else None,
            copy[1] if copy else None,
        )
        for term_id in self._heaviest(vector).tolist():
            posting = self.postings.setdefault(term_id, array("q"))
            posting.append(sequence)
            if len(posting) > self.config.posting_limit:
                del posting[0]
        self.sequences[article.id] = sequence
        self.members[sequence] = indexed
        if signature is not None:
            self.duplicates.add(sequence, signature)
        return indexed.assignment()

    def story(self, story_id: str) -> StorySummary | None:
        """The story's summary while any of its articles is in the window."""
        found = self.stories.get(story_id)
        return found.summary(self.config.top_entities) if found else None

    def _heaviest(self, vector: Vector) -> np.ndarray:
        """The stems that best tell this article apart; ties broken by the stem id, for replay."""
        order = np.lexsort((vector.ids, -vector.weights))[: self.config.query_terms]
        return vector.ids[order]

    def _best_story(
        self, vector: Vector, headline: Headline | None, published_at: datetime | None
    ) -> tuple[str | None, float | None]:
        shortlist = self._shortlist(vector)
        members = [
            member
            for member in (self.members[sequence] for sequence in shortlist)
            if self.window.within_span(member.published_at, published_at)
        ]
        if not members:
            return None, None
        totals: defaultdict[str, float] = defaultdict(float)
        closest: defaultdict[str, float] = defaultdict(float)
        for member, similarity in zip(members, self._similarities(vector, headline, members), strict=True):
            totals[member.story_id] += similarity
            closest[member.story_id] = max(closest[member.story_id], similarity)
        best_id, best_score = None, self.config.story_threshold
        for story_id, total in sorted(totals.items(), key=lambda item: self.stories[item[0]].first_sequence):
            score = total / self.stories[story_id].in_window
            if closest[story_id] >= self.config.strong_link:
                score = max(score, closest[story_id])
            if score >= best_score and (best_id is None or score > best_score):
                best_id, best_score = story_id, score
        return (best_id, best_score) if best_id is not None else (None, None)

    def _shortlist(self, vector: Vector) -> list[int]:
        """The members sharing the most weight of the article's heaviest stems, ties to the earliest."""
        weight_of = dict(zip(vector.ids.tolist(), vector.weights.tolist(), strict=True))
        postings, weights = [], []
        for term_id in self._heaviest(vector).tolist():
            posting = self.postings.get(term_id)
            if posting:
                postings.append(np.frombuffer(posting, dtype=np.int64))
                weights.append(np.full(len(posting), weight_of[term_id]))
        if not postings:
            return []
        sequences, where = np.unique(np.concatenate(postings), return_inverse=True)
        overlap = np.bincount(where, weights=np.concatenate(weights))
        return sequences[np.lexsort((sequences, -overlap))[: self.config.candidates]].tolist()

    def similarity_of(self, later: Indexed, earlier: Indexed) -> float:
        """The score `later` gets against `earlier`: what story membership is decided on, for one pair."""
        return self._similarities(later.vector, later.headline, [earlier])[0]

    def _similarities(self, vector: Vector, headline: Headline | None, members: list[Indexed]) -> list[float]:
        """Stem cosine, mixed with headline alignment where both articles have a headline."""
        cosines = self._cosines(vector, members)
        weight = self.config.headline_weight
        if headline is None or not weight:
            return cosines.tolist()
        aligned = self.headlines.alignments(headline, [member.headline for member in members])
        mixed = (1.0 - weight) * cosines + weight * aligned
        return np.where(np.isnan(aligned), cosines, mixed).tolist()

    def _cosines(self, vector: Vector, members: list[Indexed]) -> np.ndarray:
        """Cosines with all `members` in one pass: the article's weights scattered into a dense row."""
        if len(self.dense) < len(self.vocabulary):
            self.dense = np.zeros(2 * len(self.vocabulary), dtype=np.float32)
        self.dense[vector.ids] = vector.weights
        ids = np.concatenate([member.vector.ids for member in members])
        weights = np.concatenate([member.vector.weights for member in members])
        starts = np.cumsum([0] + [len(member.vector.ids) for member in members[:-1]])
        products = self.dense[ids].astype(np.float64) * weights
        self.dense[vector.ids] = 0.0
        return np.add.reduceat(products, starts)

    def _forget(self, arrival: Arrival) -> None:
        indexed = self.members.pop(arrival.sequence)
        del self.sequences[arrival.article_id]
        self.vocabulary.remove(indexed.vector.ids)
        if indexed.headline is not None:
            self.headlines.remove(indexed.headline)
        self.duplicates.remove(arrival.sequence)
        for term_id in indexed.vector.ids.tolist():
            posting = self.postings.get(term_id)
            if posting and posting[0] == arrival.sequence:
                del posting[0]
                if not posting:
                    del self.postings[term_id]
        story = self.stories[indexed.story_id]
        story.in_window -= 1
        if story.in_window == 0:
            del self.stories[indexed.story_id]
