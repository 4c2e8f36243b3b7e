"""HTML mail bodies to plain text for the classifier and the quote splitter.

A small stdlib HTMLParser walker rather than html2text: we want plain text, not
Markdown (html2text escapes "1." and "-" and spends most of its time doing so, which
made it the slowest step of parsing). Kept: paragraphs and line breaks, list items,
table cells apart, and blockquotes as "> " lines, so Gmail/Apple quoted history is
split off like plain-text quotes. Dropped: scripts, styles, comments, links' targets,
images.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]

log = logging.getLogger(__name__)

_MAX_HTML = 2_000_000  # beyond this only the start is read
_BLOCK = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "table",
        "tr",
        "form",
        "hr",
        "pre",
        "address",
        "center",
        "fieldset",
        "figure",
        "main",
        "nav",
        "aside",
        "body",
        "html",
    }
)
_SKIP = frozenset({"script", "style", "head", "title", "template", "noscript", "xml", "o:p"})
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
_BLANKS = re.compile(r"\n{3,}")


class _TextWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.line_depth = 0
        self.depth = 0  # blockquote nesting
        self.skip = 0
        self.pre = 0

    # -- output ---------------------------------------------------------------
    def write(self, text: str) -> None:
        if not text:
            return
        if not self.current:
            self.line_depth = self.depth
            text = text.lstrip(" ") if not self.pre else text
            if not text:
                return
        self.current.append(text)

    def newline(self) -> None:
        line = "".join(self.current).rstrip()
        prefix = "> " * self.line_depth
        self.lines.append((prefix + line).rstrip() if line else prefix.rstrip())
        self.current = []
        self.line_depth = self.depth

    def block(self) -> None:
        """End the current line and leave one blank line (paragraph break)."""
        if self.current:
            self.newline()
        if self.lines and self.lines[-1].strip("> ") != "":
            self.newline()

    # -- parser callbacks -----------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "br":
            self.newline()
        elif tag == "blockquote":
            self.block()
            self.depth += 1
            self.line_depth = self.depth
        elif tag == "li":
            if self.current:
                self.newline()
            self.write("- ")
        elif tag in ("td", "th"):
            self.write(" ")
        elif tag in _BLOCK:
            if tag == "pre":
                self.pre += 1
            self.block()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self.skip:
            self.newline()
        elif tag in _BLOCK and not self.skip:
            self.block()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag == "blockquote":
            self.block()
            self.depth = max(0, self.depth - 1)
            self.line_depth = self.depth
        elif tag in ("td", "th"):
            self.write(" ")
        elif tag == "li":
            if self.current:
                self.newline()
        elif tag in _BLOCK:
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            self.block()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            parts = data.split("\n")
            for i, part in enumerate(parts):
                if i:
                    self.newline()
                self.write(part)
            return
        self.write(_SPACE.sub(" ", data))

    def text(self) -> str:
        if self.current:
            self.newline()
        return _BLANKS.sub("\n\n", "\n".join(self.lines)).strip("\n")


def _crude(markup: str) -> str:
    """Tag stripping for markup the parser cannot digest."""
    import html

    text = re.sub(r"<(script|style|head)\b.*?</\1\s*>", " ", markup, flags=re.I | re.S)
    text = re.sub(r"<br\s*/?>|</p\s*>|</div\s*>|</tr\s*>", "\n", text, flags=re.I)
    return html.unescape(re.sub(r"<[^>]*>", "", text))


def html_to_text(markup: str) -> tuple[str, str | None]:
    """Readable text of an HTML body; returns (text, note or None)."""
    note = None
    if len(markup) > _MAX_HTML:
        markup, note = markup[:_MAX_HTML], "html-truncated"
    writer = _TextWriter()
    try:
        writer.feed(markup)
        writer.close()
        text = writer.text()
    except Exception as exc:  # HTMLParser on pathological markup: strip tags instead
        log.debug("HTML parse failed: %r", exc)
        text, note = _crude(markup).strip(), f"html-fallback:{type(exc).__name__}"
    return text, note
