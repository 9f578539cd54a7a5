"""decode_html: UTF-8 first, then the HTTP charset, then <meta>, then detection."""

from __future__ import annotations

from agents.cleaner import decode_html
from agents.common.decoding import meta_charset

RUSSIAN = "Съешь же ещё этих мягких французских булок, да выпей чаю. " * 20


def page(charset_meta: str, body: str = RUSSIAN) -> str:
    return f"<html><head>{charset_meta}<title>Заголовок</title></head><body><p>{body}</p></body></html>"


def test_valid_utf8_wins_over_a_false_declaration() -> None:
    content = page('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">').encode()
    text, encoding = decode_html(content, "windows-1251")
    assert encoding == "utf-8"
    assert "мягких французских булок" in text


def test_windows_1251_from_the_http_header() -> None:
    content = page("").encode("cp1251")
    text, encoding = decode_html(content, "windows-1251")
    assert encoding == "windows-1251"
    assert "мягких французских булок" in text


def test_koi8_r_from_meta() -> None:
    content = page('<meta charset="koi8-r">').encode("koi8_r")
    text, encoding = decode_html(content, None)
    assert encoding == "koi8-r"
    assert "мягких французских булок" in text


def test_header_charset_beats_meta() -> None:
    content = page('<meta charset="windows-1251">').encode("koi8_r")
    text, encoding = decode_html(content, "koi8-r")
    assert encoding == "koi8-r"
    assert "мягких французских булок" in text


def test_swapped_cyrillic_declaration_is_corrected() -> None:
    content = page('<meta charset="windows-1251">').encode("koi8_r")
    text, encoding = decode_html(content, None)
    assert encoding == "koi8-r"
    assert "мягких французских булок" in text


def test_detection_without_any_declaration() -> None:
    for codec, name in (("cp1251", "windows-1251"), ("koi8_r", "koi8-r")):
        text, encoding = decode_html(page("").encode(codec), None)
        assert encoding == name
        assert "мягких французских булок" in text


def test_charset_in_a_script_is_not_a_declaration() -> None:
    content = (
        '<html><head><script>var s = "charset=koi8-r";</script></head><body>' + RUSSIAN + "</body></html>"
    ).encode("cp1251")
    assert meta_charset(content) is None
    text, encoding = decode_html(content, None)
    assert encoding == "windows-1251"
    assert "мягких французских булок" in text


def test_meta_charset_is_read_from_either_form() -> None:
    assert meta_charset(b'<head><meta charset="UTF-8"></head>') == "UTF-8"
    assert meta_charset(b"<meta http-equiv=Content-Type content='text/html; charset=cp1251'>") == "cp1251"


def test_utf8_bom_is_dropped() -> None:
    text, encoding = decode_html(b"\xef\xbb\xbf" + page("").encode(), "windows-1251")
    assert encoding == "utf-8"
    assert text.startswith("<html>")
