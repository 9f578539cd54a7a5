"""Where a long text is cut: for the NER model's input, and into CPU jobs. Plain text, no models."""

from __future__ import annotations

DEFAULT_CHUNK_CHARS = 20_000


def chunk_bounds(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Cut `text` into pieces of at most `max_chars`, at the strongest break in reach."""
    bounds = []
    start = 0
    while len(text) - start > max_chars:
        window = text[start : start + max_chars]
        cut = 0
        for separator in ("\n\n", "\n", ". ", " "):
            found = window.rfind(separator, max_chars // 2)
            if found > 0:
                cut = found + len(separator)
                break
        cut = cut or max_chars
        bounds.append((start, start + cut))
        start += cut
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds


def text_pieces(text: str) -> list[tuple[int, int]]:
    """Where a text is cut for `Annotator.named_mentions_in`: one piece unless it is long.

    The pieces are the NER model's own chunks, so a text annotated in pieces
    gives the model the same input as one annotated whole.
    """
    return chunk_bounds(text, DEFAULT_CHUNK_CHARS)
