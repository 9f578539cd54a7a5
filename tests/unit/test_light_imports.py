"""A worker's own process stays light: what the bindings import of the cores loads no NLP or extraction stack."""

from __future__ import annotations

import subprocess
import sys


def test_the_bindings_load_neither_the_extraction_nor_the_nlp_stack() -> None:
    probe = ("import sys, streams.bindings.cleaner, streams.bindings.annotator; "
             "print(sorted(m for m in ('trafilatura', 'lxml', 'natasha', 'slovnet') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
