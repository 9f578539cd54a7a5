"""The test suite's own rules: no settings from the shell, and what a quality gate does without its corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from streams.settings import Settings
from tests.eval.corpus import corpus_folder, under_ci


def test_no_setting_from_the_shell_reaches_a_test() -> None:
    assert [name for name in os.environ if name.startswith("VESTNIK_")] == []
    assert Settings().embedded and Settings().broker_port == Settings.model_fields["broker_port"].default


def test_a_present_corpus_folder_is_given_with_or_without_ci(tmp_path: Path) -> None:
    (tmp_path / "ner").mkdir()
    assert corpus_folder(tmp_path, "ner", ci=False) == tmp_path / "ner"
    assert corpus_folder(tmp_path, "ner", ci=True) == tmp_path / "ner"


def test_outside_ci_an_absent_corpus_folder_skips_and_says_how_to_provide_it(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    with pytest.raises(pytest.skip.Exception) as skipped:
        corpus_folder(tmp_path, "stories", ci=False)
    message = str(skipped.value)
    assert str(tmp_path / "stories") in message and "VESTNIK_CORPUS_DIR" in message and "stories/" in message


def test_under_ci_an_absent_corpus_fails(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception) as failed:
        corpus_folder(tmp_path / "nowhere", "pages", ci=True)
    message = str(failed.value)
    assert str(tmp_path / "nowhere" / "pages") in message and "VESTNIK_CORPUS_DIR" in message and "CI=true" in message


@pytest.mark.parametrize(
    ("environ", "ci"),
    [({"CI": "true"}, True), ({"CI": "TRUE"}, True), ({"CI": "false"}, False), ({"CI": ""}, False), ({}, False)],
)
def test_ci_is_on_when_ci_is_true(environ: dict[str, str], ci: bool) -> None:
    assert under_ci(environ) is ci
