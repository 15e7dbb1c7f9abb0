"""The one HTML a program holds (a text item's body): sanitising, input and plain words."""

from __future__ import annotations

import html
import re

import nh3

SAFE_TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li", "h2", "h3", "a"})

_LOOKS_LIKE_HTML = re.compile(
    r"</?(?:p|br|strong|em|b|i|u|ul|ol|li|h[1-6]|a|div|span|script|style|iframe|img|table|"
    r"object|embed|svg|form|input|link|meta)\b",
    re.IGNORECASE,
)
_BLOCK_TAG = re.compile(r"<(?:p|ul|ol|li|h2|h3)\b", re.IGNORECASE)


def sanitise_html(text: str) -> str:
    """Keep only ``SAFE_TAGS``; links only http, https and mailto, with rel="noopener noreferrer"."""
    return nh3.clean(
        text,
        tags=set(SAFE_TAGS),
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def _paragraphs(text: str, escape: bool) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    clean = html.escape if escape else (lambda line: line)
    return "".join(
        "<p>" + "<br>".join(clean(line.strip()) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


def body_from_input(text: str) -> str:
    """A designer's text as safe HTML: paragraphs at blank lines unless the HTML has its own."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not _LOOKS_LIKE_HTML.search(text):
        return _paragraphs(text, escape=True)
    if not _BLOCK_TAG.search(text):
        text = _paragraphs(text, escape=False)
    return sanitise_html(text)


def plain_text(body: str) -> str:
    """The words of an HTML body, without tags (for the list of changes)."""
    text = nh3.clean(re.sub(r"<(br|/p|/li|/h2|/h3)\s*/?>", " ", body or ""), tags=set())
    return " ".join(html.unescape(text).split())
