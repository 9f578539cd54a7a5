"""Strings interned to small ints while any article in the window uses them."""

from __future__ import annotations

from array import array
from collections.abc import Iterable


class Interned:
    """Ids of the strings the window's articles use, and how many articles use each.

    A string no article uses any more gives its id back, so ids stay as few as
    the window's distinct strings; ids are handed out in a fixed order, so a
    replay numbers the strings the same.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.strings: list[str] = []
        self.users = array("i")
        self.free: list[int] = []

    def acquire(self, strings: Iterable[str]) -> list[int]:
        """One more user of each of `strings` (distinct); their ids, in the same order."""
        ids = []
        for string in strings:
            string_id = self.ids.get(string)
            if string_id is None:
                string_id = self._new_id(string)
            self.users[string_id] += 1
            ids.append(string_id)
        return ids

    def release(self, ids: Iterable[int]) -> None:
        """One user fewer of each of `ids`; an id with none left is free for the next new string."""
        for string_id in ids:
            self.users[string_id] -= 1
            if self.users[string_id] == 0:
                del self.ids[self.strings[string_id]]
                self.free.append(string_id)

    def _new_id(self, string: str) -> int:
        if self.free:
            string_id = self.free.pop()
            self.strings[string_id] = string
        else:
            string_id = len(self.strings)
            self.strings.append(string)
            self.users.append(0)
        self.ids[string] = string_id
        return string_id
