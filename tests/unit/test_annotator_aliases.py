"""The alias table shipped as data: well-formed, unambiguous, matched loosely."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from agents.annotator.aliases import ENTITY_TYPES, AliasTable, default_aliases, fold


def shipped() -> dict[str, object]:
    text = resources.files("agents.annotator").joinpath("aliases.json").read_text(encoding="utf-8")
    data: dict[str, object] = json.loads(text)
    return data


def test_shipped_table_uses_known_types_only() -> None:
    entities = shipped()["entities"]
    assert isinstance(entities, dict)
    assert set(entities) <= set(ENTITY_TYPES)


def test_no_form_names_two_entities() -> None:
    entities = shipped()["entities"]
    assert isinstance(entities, dict)
    owner: dict[str, str] = {}
    clashes = []
    for kind, names in entities.items():
        for name, forms in names.items():
            for form in (name, *forms):
                previous = owner.setdefault(fold(form), f"{kind}:{name}")
                if previous != f"{kind}:{name}":
                    clashes.append((form, previous, f"{kind}:{name}"))
    assert clashes == []


@pytest.mark.parametrize(
    ("form", "kind", "name"),
    [
        ("РФ", "LOC", "Россия"),
        ("Российская Федерация", "LOC", "Россия"),
        ("Соединенные Штаты", "LOC", "США"),
        ("МИД РФ", "ORG", "МИД России"),
        ("мид россии", "ORG", "МИД России"),
        ("Европейский союз", "ORG", "Евросоюз"),
        ("ЕС", "ORG", "Евросоюз"),
        ("Путин", "PER", "Владимир Путин"),
    ],
)
def test_default_lookup(form: str, kind: str, name: str) -> None:
    alias = default_aliases().lookup(form)
    assert alias is not None
    assert (alias.type, alias.name) == (kind, name)


def test_fold_ignores_case_yo_quotes_and_spacing() -> None:
    assert fold("  РИА «Новости»\n") == fold("риа новости")
    assert fold("Соединённые  Штаты") == fold("соединенные штаты")


def test_acronyms_match_as_written_only() -> None:
    table = AliasTable({"ORG": {"Евросоюз": ["ЕС", "Европейский союз"]}}, [])
    found = table.acronym("ЕС")
    assert found is not None and found.name == "Евросоюз"
    assert table.acronym("ес") is None
    assert table.acronym("Европейский союз") is None


def test_not_entities() -> None:
    table = default_aliases()
    assert table.is_not_entity("СМИ")
    assert not table.is_not_entity("ООН")


def test_unknown_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown entity type"):
        AliasTable({"THING": {"Шаттл": []}}, [])


def test_table_is_extensible_from_json() -> None:
    table = AliasTable.from_json(json.dumps({"entities": {"ORG": {"Роскосмос": ["ГК Роскосмос"]}}}))
    alias = table.lookup("гк роскосмос")
    assert alias is not None and alias.name == "Роскосмос"
