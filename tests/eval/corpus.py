"""Where the evaluation corpus is, and what a gate does when its folder is absent.

The corpus is not part of the project: `VESTNIK_CORPUS_DIR` points at it, by default `../shared/corpus`
beside the project. It is read once, on import, before the tests clear every VESTNIK_* variable. A gate
whose folder is absent is skipped with a message that names the folder, or fails under `CI=true`, where
a missing corpus must not pass for a met gate.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

BESIDE_THE_PROJECT = Path(__file__).resolve().parents[3] / "shared" / "corpus"
CORPUS = Path(os.environ.get("VESTNIK_CORPUS_DIR") or BESIDE_THE_PROJECT)


def under_ci(environ: Mapping[str, str]) -> bool:
    return environ.get("CI", "").strip().lower() == "true"


def corpus_folder(corpus: Path, part: str, ci: bool) -> Path:
    """`corpus/part` if it is a folder; else a skip that says how to provide it, or a failure under CI."""
    folder = corpus / part
    if folder.is_dir():
        return folder
    message = (
        f"the evaluation corpus folder {folder} is absent: the quality gates score it. "
        f"Point VESTNIK_CORPUS_DIR at a corpus that has {part}/ in it, e.g. VESTNIK_CORPUS_DIR=/data/corpus make eval"
    )
    if ci:
        pytest.fail(f"{message} (CI=true: a missing corpus fails the gates)", pytrace=False)
    pytest.skip(message)


def needed(part: str) -> Path:
    """The corpus folder a gate scores, as this run finds it."""
    return corpus_folder(CORPUS, part, under_ci(os.environ))
