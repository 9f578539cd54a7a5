"""The alias table: names of frequent news entities, shipped as data.

`aliases.json` maps, per type, a canonical name to the forms it appears under
in the nominative ("РФ" -> "Россия"). The type given there wins over the NER
model's guess, which often calls the EU or the White House a place. Forms are
matched case-insensitively, with ё as е and quotes ignored; to add an entity,
add a line to the JSON file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

ENTITY_TYPES = ("PER", "LOC", "ORG")
_IGNORED = re.compile(r"[«»\"„“”'’]")
_SPACES = re.compile(r"\s+")
_ACRONYM = re.compile(r"^[A-ZА-ЯЁ]{2,}$")


def fold(name: str) -> str:
    """The matching key of a name: case, ё, quotes and spacing do not count."""
    name = _IGNORED.sub("", name).replace("ё", "е").replace("Ё", "Е")
    return _SPACES.sub(" ", name).strip().casefold()


@dataclass(frozen=True)
class Alias:
    type: str
    name: str


class AliasTable:
    def __init__(self, entities: dict[str, dict[str, list[str]]], not_entities: list[str]) -> None:
        self._by_form: dict[str, Alias] = {}
        self._acronyms: dict[str, Alias] = {}
        for kind, names in entities.items():
            if kind not in ENTITY_TYPES:
                raise ValueError(f"unknown entity type in alias table: {kind}")
            for name, forms in names.items():
                alias = Alias(kind, name)
                for form in (name, *forms):
                    self._by_form.setdefault(fold(form), alias)
                    if _ACRONYM.match(form):
                        self._acronyms.setdefault(form, alias)
        self._not_entities = {fold(name) for name in not_entities}

    @classmethod
    def from_json(cls, text: str) -> AliasTable:
        data = json.loads(text)
        return cls(data.get("entities", {}), data.get("not_entities", []))

    def lookup(self, name: str) -> Alias | None:
        return self._by_form.get(fold(name))

    def is_not_entity(self, name: str) -> bool:
        """Acronyms of common nouns ("СМИ", "ВВП") that the model takes for names."""
        return fold(name) in self._not_entities

    def acronym(self, word: str) -> Alias | None:
        """The entity an upper-case acronym names, matched as written ("ЕС", not "ес")."""
        return self._acronyms.get(word)


@cache
def default_aliases() -> AliasTable:
    return AliasTable.from_json(resources.files(__package__).joinpath("aliases.json").read_text(encoding="utf-8"))


def load_aliases(path: Path) -> AliasTable:
    return AliasTable.from_json(path.read_text(encoding="utf-8"))
