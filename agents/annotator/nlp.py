"""The natasha models and the ways this package runs them.

NER runs on chunks of whole paragraphs: on one long text the tagger's memory
grows with the text (about 1.7 GB for a million characters). Morphology and
syntax, needed only to normalise mentions, run only on the sentences that hold
a mention, and syntax only where an organisation needs it.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from natasha import (
    DatesExtractor,
    MoneyExtractor,
    MorphVocab,
    NamesExtractor,
    NewsEmbedding,
    NewsMorphTagger,
    NewsNERTagger,
    NewsSyntaxParser,
    Segmenter,
)
from natasha.doc import DocToken
from pymorphy2_dicts_ru import get_path as russian_dictionary_path

from agents.annotator.pieces import DEFAULT_CHUNK_CHARS, chunk_bounds
from agents.annotator.spans import Span, Token

STRESS_MARKS = re.compile("[\u0300\u0301]")


class NatashaModels:
    """All models loaded once: about 1 s and 300 MB per process."""

    def __init__(self) -> None:
        # pymorphy2 finds its dictionary through pkg_resources, which Python 3.12 venvs lack and
        # setuptools deprecates; naming the installed dictionary avoids that path on every Python.
        os.environ.setdefault("PYMORPHY2_DICT_PATH", russian_dictionary_path())
        self.segmenter = Segmenter()
        embedding = NewsEmbedding()
        self.morph_tagger = NewsMorphTagger(embedding)
        self.syntax_parser = NewsSyntaxParser(embedding)
        self.ner_tagger = NewsNERTagger(embedding)
        self.morph_vocab = MorphVocab()
        self.names_extractor = NamesExtractor(self.morph_vocab)
        self.dates_extractor = DatesExtractor(self.morph_vocab)
        self.money_extractor = MoneyExtractor(self.morph_vocab)

    def tokenize(self, text: str) -> list[Token]:
        """razdel tokens; their text is the word as the models should see it (no stress marks)."""
        return [Token(token.start, token.stop, plain_word(token.text)) for token in self.segmenter.tokenize(text)]

    def lemmas(self, word: str) -> set[str]:
        """Every dictionary form `word` may come from (no context, so all of them)."""
        return {parse.normal_form for parse in self.morph_vocab.parse(word)}

    def sentence_bounds(self, text: str) -> list[tuple[int, int]]:
        return [(sentence.start, sentence.stop) for sentence in self.segmenter.sentenize(text)]

    def ner_spans(self, text: str, tokens: Sequence[Token], chunk_chars: int = DEFAULT_CHUNK_CHARS) -> list[Span]:
        """NER over `tokens` of `text`, fed to the tagger as words so the text is tokenized once."""
        starts = [token.start for token in tokens]
        chunks = [
            tokens[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, stop)]
            for start, stop in chunk_bounds(text, chunk_chars)
        ]
        chunks = [chunk for chunk in chunks if chunk]
        infer = self.ner_tagger.infer
        tags = infer.decoder(infer.process(infer.encoder([[token.text for token in chunk] for chunk in chunks])))
        return [span for chunk, chunk_tags in zip(chunks, tags, strict=True) for span in bio_spans(chunk, chunk_tags)]


def bio_spans(tokens: Sequence[Token], tags: Iterable[str]) -> Iterator[Span]:
    """Spans from B-/I-/O tags, read as slovnet reads them (an I after O is ignored)."""
    kind: str | None = None
    start = stop = 0
    for token, tag in zip(tokens, tags, strict=False):
        part, _, tag_type = tag.partition("-")
        if part == "I":
            stop = token.stop
            continue
        if kind is not None:
            yield Span(start, stop, kind)
        kind = tag_type if part == "B" else None
        start, stop = token.start, token.stop
    if kind is not None:
        yield Span(start, stop, kind)


def plain_word(word: str) -> str:
    """The word without stress marks ("Пу́тин" -> "Путин"): the models never saw them."""
    return STRESS_MARKS.sub("", word) if "\u0301" in word or "\u0300" in word else word


@dataclass
class AnalysedTokens:
    """natasha tokens with morphology (and syntax where parsed), by token index."""

    tokens: list[DocToken | None]

    def of(self, first: int, last: int) -> list[DocToken] | None:
        """Analysed tokens first..last-1, or None when some were not analysed."""
        selected = self.tokens[first:last]
        if any(token is None for token in selected):
            return None
        return [token for token in selected if token is not None]


def analyse(
    models: NatashaModels,
    tokens: Sequence[Token],
    sentences: Sequence[tuple[int, int]],
    morph_at: Iterable[int],
    syntax_at: Iterable[int],
) -> AnalysedTokens:
    """Tag the sentences holding tokens `morph_at`; parse those holding `syntax_at`."""
    sentence_starts = [start for start, _ in sentences]
    token_starts = [token.start for token in tokens]

    def token_ranges(token_indices: Iterable[int]) -> list[tuple[int, int]]:
        chosen = sorted({bisect.bisect_right(sentence_starts, tokens[i].start) - 1 for i in token_indices})
        ranges = []
        for number in chosen:
            start, stop = sentences[max(number, 0)]
            ranges.append((bisect.bisect_left(token_starts, start), bisect.bisect_left(token_starts, stop)))
        return ranges

    analysed: list[DocToken | None] = [None] * len(tokens)
    morph_ranges = token_ranges(morph_at)
    words = [[token.text for token in tokens[first:last]] for first, last in morph_ranges]
    for (first, _), markup in zip(morph_ranges, models.morph_tagger.map(words), strict=True):
        for offset, tagged in enumerate(markup.tokens):
            token = tokens[first + offset]
            analysed[first + offset] = DocToken(token.start, token.stop, token.text, pos=tagged.pos, feats=tagged.feats)

    syntax_ranges = token_ranges(syntax_at)
    words = [[token.text for token in tokens[first:last]] for first, last in syntax_ranges]
    for (first, _), markup in zip(syntax_ranges, models.syntax_parser.map(words), strict=True):
        for offset, parsed in enumerate(markup.tokens):
            doc_token = analysed[first + offset]
            if doc_token is not None:
                doc_token.id = f"{first}_{parsed.id}"
                doc_token.head_id = f"{first}_{parsed.head_id}"
                doc_token.rel = parsed.rel
    return AnalysedTokens(analysed)
