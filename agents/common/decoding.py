"""Bytes to text for HTML pages whose declared charset cannot be trusted.

Valid UTF-8 (a page cut inside its last character included) wins over any
declaration (many pages claim windows-1251 while serving UTF-8); then the HTTP header, then `<meta>`, then detection. A
declared single-byte Cyrillic charset that yields text unlike Russian is
checked against its sibling (windows-1251 against koi8-r), because the two
are swapped often and both decode any byte sequence without an error.
"""

from __future__ import annotations

import codecs
import re
from email.message import Message

from charset_normalizer import from_bytes

_META_SCAN_BYTES = 32_768
_DETECT_SAMPLE_BYTES = 262_144
_UTF8_STRAY_ERRORS = 0.001

_META_TAG = re.compile(rb"<meta\b[^>]{0,512}>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{2,40})""", re.IGNORECASE)
_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)

_CYRILLIC_SINGLE_BYTE = ("cp1251", "koi8_r", "cp866", "iso8859_5", "mac_cyrillic")
_COMMON_RUSSIAN = frozenset("оеаинтсрвлкмдпу")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def decode_html(content: bytes, declared_charset: str | None) -> tuple[str, str]:
    """Decode page bytes; return the text and the name of the encoding used."""
    if content.startswith(codecs.BOM_UTF8):
        return content[len(codecs.BOM_UTF8) :].decode("utf-8", "replace"), "utf-8"
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if content.startswith(bom):
            return content[len(bom) :].decode(name, "replace"), name.removesuffix("-le").removesuffix("-be")
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(content) - 3 and exc.reason == "unexpected end of data":
            return content.decode("utf-8", "replace"), "utf-8"
    for candidate in (declared_charset, meta_charset(content)):
        encoding = _known_encoding(candidate)
        if encoding is None:
            continue
        if encoding == "utf_8":
            if _mostly_utf8(content):
                return content.decode("utf-8", "replace"), "utf-8"
            continue
        text = content.decode(encoding, "replace")
        return _prefer_sibling(content, text, encoding)
    return _detect(content)


def meta_charset(content: bytes) -> str | None:
    """The charset a page declares in a `<meta>` tag of its head, if any."""
    head = content[:_META_SCAN_BYTES]
    end = _HEAD_END.search(head)
    if end:
        head = head[: end.start()]
    for tag in _META_TAG.finditer(head):
        found = _META_CHARSET.search(tag.group(0))
        if found:
            return found.group(1).decode("ascii", "replace")
    return None


def _known_encoding(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name.replace("-", "_")
    except LookupError:
        return None


def _mostly_utf8(content: bytes) -> bool:
    """Declared UTF-8 with a few broken bytes (a truncated page) is still UTF-8."""
    text = content.decode("utf-8", "replace")
    return text.count("\ufffd") <= max(3, len(text) * _UTF8_STRAY_ERRORS)


def russian_likeness(text: str) -> float:
    """Share of the most frequent lower-case Russian letters among Cyrillic ones."""
    sample = text[:200_000]
    cyrillic = len(_CYRILLIC.findall(sample))
    if cyrillic == 0:
        return 0.0
    return sum(1 for ch in sample if ch in _COMMON_RUSSIAN) / cyrillic


def _prefer_sibling(content: bytes, text: str, encoding: str) -> tuple[str, str]:
    if encoding not in _CYRILLIC_SINGLE_BYTE:
        return text, _public_name(encoding)
    best, best_score = (text, encoding), russian_likeness(text)
    if best_score >= 0.45:
        return text, _public_name(encoding)
    for sibling in _CYRILLIC_SINGLE_BYTE:
        if sibling == encoding:
            continue
        other = content.decode(sibling, "replace")
        score = russian_likeness(other)
        if score > best_score + 0.1:
            best, best_score = (other, sibling), score
    return best[0], _public_name(best[1])


def _detect(content: bytes) -> tuple[str, str]:
    match = from_bytes(content[:_DETECT_SAMPLE_BYTES]).best()
    encoding = _known_encoding(match.encoding) if match is not None else None
    if encoding is None:
        encoding = "cp1251"
    text = content.decode(encoding, "replace")
    return _prefer_sibling(content, text, encoding)


def _public_name(encoding: str) -> str:
    return {"cp1251": "windows-1251", "koi8_r": "koi8-r", "utf_8": "utf-8"}.get(encoding, encoding.replace("_", "-"))


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    message = Message()
    message["content-type"] = content_type
    return message.get_content_charset()
