"""HTML mail bodies to plain text for the classifier and the quote splitter.

html2text keeps the structure that matters here: paragraphs and line breaks, list
items, and blockquotes as "> " lines (so Gmail/Apple quoted history is split off like
plain-text quotes). Links, images, emphasis and table grids are dropped: they are noise
for classification. This is the only module that imports html2text.
"""

from __future__ import annotations

import html
import logging
import re

import html2text

__all__ = ["html_to_text"]

log = logging.getLogger(__name__)

_MAX_HTML = 1_000_000  # html2text is pure Python; beyond this only the start is read
_MD_ESCAPE = re.compile(r"\\([-.*_\[\]()#+!`>|\\])")
_TAGS = re.compile(r"<[^>]*>")
_DROP = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BLANKS = re.compile(r"\n{3,}")
_CELL_END = re.compile(r"</t[dh]\s*>", re.IGNORECASE)


def _converter() -> html2text.HTML2Text:
    h = html2text.HTML2Text()
    h.body_width = 0
    h.ignore_links = True
    h.ignore_images = True
    h.ignore_emphasis = True
    h.ignore_tables = True
    h.unicode_snob = True
    h.single_line_break = False
    return h


def _crude(markup: str) -> str:
    """Tag stripping for markup html2text cannot digest."""
    text = _DROP.sub(" ", markup)
    text = re.sub(r"<br\s*/?>|</p\s*>|</div\s*>|</tr\s*>", "\n", text, flags=re.IGNORECASE)
    return html.unescape(_TAGS.sub("", text))


def html_to_text(markup: str) -> tuple[str, str | None]:
    """Readable text of an HTML body; returns (text, note or None)."""
    note = None
    if len(markup) > _MAX_HTML:
        markup, note = markup[:_MAX_HTML], "html-truncated"
    markup = _DROP.sub(" ", markup)
    markup = _CELL_END.sub(r" \g<0>", markup)  # keep table cells apart
    try:
        text = _converter().handle(markup)
    except Exception as exc:  # html2text on broken markup: fall back to stripping tags
        log.debug("html2text failed: %r", exc)
        text, note = _crude(markup), f"html-fallback:{type(exc).__name__}"
    text = _MD_ESCAPE.sub(r"\1", text)
    text = "\n".join(line.rstrip() for line in text.replace("\xa0", " ").splitlines())
    return _BLANKS.sub("\n\n", text).strip(), note
