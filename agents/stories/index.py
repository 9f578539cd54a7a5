"""Online story assignment: each article joins the best story in the window or starts one.

Candidates come from an inverted index on the article's heaviest stems, each
posting list holding only the latest `posting_limit` articles, so an article
costs the same whatever the window size. A story's score is the mean similarity
between the article and the story's members in the window (average link):
unlike nearest-member linking it does not chain loosely related articles
into one big topic, and an article that bridges two events does not pull the
second one's reports into the first one's story. No single member counts on its own.

Where both articles carry a sentence vector (encoder.py), their similarity is
the vectors' cosine; a story's mean cosine with the article is one product with
the sum of its members' vectors (dense.py), for all stories at once.
Without vectors, it mixes three lexical signals (weights in `StoryConfig`): the
tf-idf cosine of title and lead, the headline alignment, and the overlap of the
names and numbers both report (`anchors`); candidates then come from the stem
postings. Each signal has its own threshold. Only members within `window_hours`
of the article count, so a story takes no member that long after its last one.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from agents.stories.anchors import anchors
from agents.stories.dates import Day, disagree, lead_dates
from agents.stories.dense import StoryVectors, rounded, unrounded
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
    anchors: np.ndarray  # ids in the index's `names` vocabulary
    sentence: np.ndarray | None  # the sentence vector as `dense.rounded` keeps it, if the article has one
    dates: frozenset[Day]  # the dates its headline and lead name
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
        self.names = Vocabulary()  # the window's names and numbers, with their document frequencies
        self.dense_names = np.zeros(0)
        self.dense = np.zeros(0, dtype=np.float32)
        self.postings: dict[int, array[int]] = {}
        self.sequences: dict[str, int] = {}
        self.members: dict[int, Indexed] = {}
        self.stories: dict[str, Story] = {}
        self.story_vectors: StoryVectors | None = None  # made with the first sentence vector
        self.story_codes: list[str | None] = []  # a story's small int code, its row there; reused once free
        self.free_codes: list[int] = []
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
        anchor_ids = np.array(self.names.add(anchors(article.title, article.text)), dtype=np.int32)
        dates = lead_dates(article.title, article.text)
        signature = self.duplicates.signature(article.text)
        copy = self.duplicates.earliest_copy(signature) if signature is not None else None
        original = self.members[copy[0]] if copy is not None else None
        story_id: str | None
        if original is not None:
            story_id, similarity = original.story_id, None
        else:
            story_id, similarity = self._best_story(article, vector, headline, anchor_ids, dates)
        new_story = story_id is None
        if story_id is None:
            story_id = article.id
            self.stories[story_id] = Story.started_by(article, sequence, self._story_code(story_id))
        story = self.stories[story_id]
        story.add(article, dates)
        sentence = None
        if article.vector is not None:
            if self.story_vectors is None:
                self.story_vectors = StoryVectors(len(article.vector))
            sentence = rounded(article.vector)
            self.story_vectors.add(story.code, sentence, _seconds(article.published_at))
        indexed = Indexed(
            article.id,
            story_id,
            vector,
            headline,
            anchor_ids,
            sentence,
            dates,
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
        self, article: Article, vector: Vector, headline: Headline | None, anchor_ids: np.ndarray,
        dates: frozenset[Day],
    ) -> tuple[str | None, float | None]:
        """By sentence vectors where the article has one; by words against the members that have none.
        Never a story whose reports name other dates than the article's (dates.py)."""
        vectored = article.vector is not None and self.story_vectors is not None
        if vectored:
            best_id, best_score = self._best_story_by_vector(article, dates)
            if best_id is not None:
                return best_id, best_score
        shortlist = self._shortlist(vector)
        members = [
            member
            for member in (self.members[sequence] for sequence in shortlist)
            if self.window.within_span(member.published_at, article.published_at)
            and not (vectored and member.sentence is not None)
        ]
        if not members:
            return None, None
        totals: defaultdict[str, float] = defaultdict(float)
        for member, similarity in zip(members, self._similarities(vector, headline, anchor_ids, members), strict=True):
            totals[member.story_id] += similarity
        best_id, best_score = None, self.config.story_threshold
        for story_id, total in sorted(totals.items(), key=lambda item: self.stories[item[0]].first_sequence):
            if disagree(dates, self.stories[story_id].dates):
                continue
            score = total / self.stories[story_id].in_window
            if score >= best_score and (best_id is None or score > best_score):
                best_id, best_score = story_id, score
        return (best_id, best_score) if best_id is not None else (None, None)

    def _best_story_by_vector(self, article: Article, dates: frozenset[Day]) -> tuple[str | None, float | None]:
        """The story whose members have the highest mean cosine, if it reaches `event_threshold` and
        its last member is within `window_hours`; ties to the lowest story code, so a replay picks the same."""
        assert self.story_vectors is not None and article.vector is not None
        ranked = self.story_vectors.ranked(
            unrounded(rounded(article.vector)), _seconds(article.published_at), self.config.window_hours * 3600,
            self.config.event_threshold,
        )
        for code, mean in ranked:
            story_id = self.story_codes[code]
            if story_id is not None and not disagree(dates, self.stories[story_id].dates):
                return story_id, min(1.0, mean)
        return None, None

    def _story_code(self, story_id: str) -> int:
        if self.free_codes:
            code = self.free_codes.pop()
            self.story_codes[code] = story_id
            return code
        self.story_codes.append(story_id)
        return len(self.story_codes) - 1

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
        if disagree(later.dates, earlier.dates):
            return 0.0
        if later.sentence is not None and earlier.sentence is not None:
            return float(unrounded(later.sentence) @ unrounded(earlier.sentence))
        return self._similarities(later.vector, later.headline, later.anchors, [earlier])[0]

    def _similarities(
        self, vector: Vector, headline: Headline | None, anchor_ids: np.ndarray, members: list[Indexed]
    ) -> list[float]:
        """Stem cosine mixed with headline alignment (the cosine stands in where either has no headline)
        and with the overlap of names and numbers."""
        config = self.config
        cosines = self._cosines(vector, members)
        aligned = cosines
        if headline is not None and config.headline_weight:
            alignments = self.headlines.alignments(headline, [member.headline for member in members])
            aligned = np.where(np.isnan(alignments), cosines, alignments)
        overlaps = self._anchor_overlaps(anchor_ids, members) if config.anchor_weight else 0.0
        text_weight = 1.0 - config.headline_weight - config.anchor_weight
        mixed = text_weight * cosines + config.headline_weight * aligned + config.anchor_weight * overlaps
        return mixed.tolist()

    def _anchor_overlaps(self, anchor_ids: np.ndarray, members: list[Indexed]) -> np.ndarray:
        """Weighted Jaccard of the names and numbers with each of `members`, each weighted by its idf."""
        overlaps = np.zeros(len(members))
        ids = np.concatenate([member.anchors for member in members])
        if not len(anchor_ids) or not len(ids):
            return overlaps
        if len(self.dense_names) < len(self.names):
            self.dense_names = np.zeros(2 * len(self.names))
        query_weights = self.names.idfs(anchor_ids)
        self.dense_names[anchor_ids] = query_weights
        owner = np.repeat(np.arange(len(members)), [len(member.anchors) for member in members])
        common = np.bincount(owner, weights=self.dense_names[ids], minlength=len(members))
        self.dense_names[anchor_ids] = 0.0
        union = query_weights.sum() + np.bincount(owner, weights=self.names.idfs(ids), minlength=len(members))
        union -= common
        np.divide(common, union, out=overlaps, where=union > 0)
        return overlaps

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
        self.names.remove(indexed.anchors)
        if indexed.headline is not None:
            self.headlines.remove(indexed.headline)
        self.duplicates.remove(arrival.sequence)
        story = self.stories[indexed.story_id]
        if self.story_vectors is not None and indexed.sentence is not None:
            self.story_vectors.remove(story.code, indexed.sentence)
        for term_id in indexed.vector.ids.tolist():
            posting = self.postings.get(term_id)
            if posting and posting[0] == arrival.sequence:
                del posting[0]
                if not posting:
                    del self.postings[term_id]
        story.in_window -= 1
        if story.in_window == 0:
            del self.stories[indexed.story_id]
            self.story_codes[story.code] = None
            self.free_codes.append(story.code)


def _seconds(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None
