"""The HTML tree before extraction: parsed once, furniture pruned, layout tables undone.

Old Russian news sites lay pages out with nested tables; an extractor then
sees the article as one table cell beside the menus and keeps or drops the
whole row. Tables that hold paragraphs or other tables are layout, so they
are turned into plain blocks first, and data tables (short cells) stay.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from agents.cleaner.errors import NotAnArticle
from agents.cleaner.tags import tag_set

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LAYOUT_CHILDREN = tag_set("p div table ul ol h1 h2 h3 h4 h5 h6 form blockquote dl")
_TABLE_PARTS = ("table", "tbody", "thead", "tfoot", "tr", "td", "th")
_LONG_CELL = 200
_PARSER = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)

_NEVER_TEXT = tag_set(
    "head script style noscript template iframe frame frameset svg math embed object applet audio video "
    "canvas map select option optgroup button input textarea datalist dialog link meta nav aside footer "
    "menu source track param progress output marquee noindex"
)
"""Elements that never hold article text (trafilatura drops them too, only later and slower).

`<noindex>` is Yandex's marker for blocks a page does not want indexed: menus, ads, counters."""


_COUNTER_CLASSES = ("comments_count", "comments-count", "comment-count", "comment_count", "views-count", "views_count")
_COUNTERS = etree.XPath("//*[" + " or ".join(f"contains(@class, '{name}')" for name in _COUNTER_CLASSES) + "]")


def parse_html(text: str) -> lxml_html.HtmlElement:
    """Parse a page; an empty or unparseable document is not an article.

    Control characters are removed first: libxml2 keeps them, but lxml refuses to set such
    text again when an element is later dropped and its tail joined to its neighbour."""
    text = _CONTROL_CHARS.sub("", _XML_DECLARATION.sub("", text, count=1))
    if not text.strip():
        raise NotAnArticle("empty HTML")
    try:
        root = lxml_html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise NotAnArticle(f"unparseable HTML: {exc}") from exc
    if root is None or (root.find("body") is None and len(root) == 0):
        raise NotAnArticle("empty HTML")
    return root


def prune(root: lxml_html.HtmlElement, xpath: etree.XPath) -> int:
    """Remove the elements an XPath selects (keeping their tails); return how many."""
    found = [el for el in xpath(root) if isinstance(el, etree._Element)]
    removed = 0
    for element in found:
        if element.getparent() is not None:
            element.drop_tree()
            removed += 1
    return removed


def prune_generic(root: lxml_html.HtmlElement) -> None:
    """Drop scripts, navigation, forms' controls and other parts that never hold article text,
    and comment and view counters, whose digits would glue onto the next word.

    Done once, mostly in C, before extraction: every later pass over the tree gets shorter.
    """
    etree.strip_elements(root, *_NEVER_TEXT, with_tail=False)
    prune(root, _COUNTERS)


def unwrap_layout_tables(root: lxml_html.HtmlElement) -> int:
    """Turn layout tables (cells holding paragraphs, tables or long text) into divs."""
    layout = [table for table in root.iter("table") if _is_layout(table)]
    for table in layout:
        for element in table.iter(*_TABLE_PARTS):
            element.tag = "div"
    return len(layout)


def _is_layout(table: lxml_html.HtmlElement) -> bool:
    for cell in table.iter("td", "th"):
        for element in cell.iterdescendants():
            if element.tag in _LAYOUT_CHILDREN:
                return True
        if len(cell.text_content()) > _LONG_CELL:
            return True
    return False


def first_text(root: lxml_html.HtmlElement, xpaths: tuple[etree.XPath, ...]) -> str | None:
    """The normalised text of the first non-empty hit of the given XPaths."""
    for xpath in xpaths:
        for hit in xpath(root):
            text = hit if isinstance(hit, str) else hit.text_content()
            text = " ".join(str(text).split())
            if text:
                return text
    return None


def all_texts(root: lxml_html.HtmlElement, xpaths: tuple[etree.XPath, ...]) -> list[str]:
    out: list[str] = []
    for xpath in xpaths:
        for hit in xpath(root):
            text = hit if isinstance(hit, str) else hit.text_content()
            text = " ".join(str(text).split())
            if text and text not in out:
                out.append(text)
    return out
