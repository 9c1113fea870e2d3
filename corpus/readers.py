"""Reading documents (txt, md, html, pdf, docx) into headed sections for retrieval.

``read_document`` either returns the document's title and its non-empty sections
or raises ``FileRefused`` with a message, starting with the file name, that says
what is wrong in words a person can act on. Bad input never raises anything else.
PDF and DOCX, being containers, are read in ``corpus.pdf_docx``.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from pathlib import Path

from corpus.pdf_docx import read_docx, read_pdf
from corpus.sections import (
    ReadDocument,
    Section,
    clean_text,
    control_share,
    headed_blocks,
    paragraphs,
    squeeze,
)
from corpus.tables import FileRefused

__all__ = ["READABLE_SUFFIXES", "ReadDocument", "Section", "read_document"]

READABLE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
MAX_CONTROL_SHARE = 0.05  # more control characters than this is binary, not text
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def read_document(path: Path, max_bytes: int) -> ReadDocument:
    """The document at ``path`` (at most ``max_bytes``) as its title and sections."""
    data = _read_bytes(path, max_bytes)
    name, suffix = path.name, path.suffix.lower()
    if suffix == ".pdf":
        document = read_pdf(name, data)
    elif suffix == ".docx":
        document = read_docx(name, data, max_bytes)
    elif suffix in (".html", ".htm"):
        document = _read_html(name, data)
    elif suffix == ".md":
        document = _read_markdown(decode_text(name, data))
    else:
        document = _read_plain_text(decode_text(name, data))
    sections = [s for s in document.sections if s.text.strip()]
    if not sections:
        raise FileRefused(f"{name}: no text found in the document")
    return ReadDocument(document.title, sections)


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, once it is known to exist, be readable and fit the limit."""
    try:
        return _checked_bytes(path, max_bytes)
    except OSError as exc:  # unreadable, a name too long, a vanished file
        raise FileRefused(f"{path.name}: cannot be read ({exc.strerror})") from None


def _checked_bytes(path: Path, max_bytes: int) -> bytes:
    name = path.name
    if not path.exists():
        raise FileRefused(f"{name}: no such file ({path})")
    if not path.is_file():
        raise FileRefused(f"{name}: not a file ({path})")
    if path.suffix.lower() not in READABLE_SUFFIXES:
        kind = f"{path.suffix} files" if path.suffix else "files without an extension"
        raise FileRefused(
            f"{name}: {kind} cannot be read; save it as one of "
            f"{', '.join(READABLE_SUFFIXES)}"
        )
    size = path.stat().st_size
    if size == 0:
        raise FileRefused(f"{name}: the file is empty (no text)")
    if size > max_bytes:
        raise FileRefused(
            f"{name}: {size / 1e6:.1f} MB is over the size limit of "
            f"{max_bytes / 1e6:.1f} MB; split or shrink the document"
        )
    return path.read_bytes()


def _refuse_binary(name: str, text: str) -> None:
    if control_share(text) > MAX_CONTROL_SHARE:
        raise FileRefused(f"{name}: binary content, not text; is the file type right?")


def decode_text(name: str, data: bytes) -> str:
    """Text of a .txt or .md file: UTF-8 (BOM or not), UTF-16 with a BOM, or cp1252.

    cp1252 (older Windows text) is accepted only when it decodes cleanly without
    control characters; anything else is refused rather than read as mojibake.
    """
    if data.startswith(_UTF16_BOMS):
        text = _decode_or_refuse(name, data, "utf-16")
    elif b"\x00" in data:
        raise FileRefused(f"{name}: binary content (NUL bytes), not a text file")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = _decode_or_refuse(name, data, "cp1252")
            if control_share(text) > 0:
                raise FileRefused(
                    f"{name}: not UTF-8 text and not clean Windows-1252 either; "
                    "save it as UTF-8"
                ) from None
    _refuse_binary(name, text)
    return clean_text(text)


def _decode_or_refuse(name: str, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileRefused(
            f"{name}: not readable as {encoding} text (byte "
            f"0x{data[exc.start : exc.start + 1].hex()} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None


def _read_plain_text(text: str) -> ReadDocument:
    """Sections from the layout heuristic of ``corpus.sections``; no title."""
    blocks = headed_blocks(text.split("\n"))
    return ReadDocument(None, [Section(h, None, paragraphs(b)) for h, b in blocks])


# --- Markdown ---------------------------------------------------------------------

_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*")
_FENCE = re.compile(r" {0,3}(```|~~~)")


def _front_matter_end(lines: list[str]) -> int:
    """Index of the first line after a YAML front matter block, or 0 if none."""
    if lines and lines[0].strip() == "---":
        for index, line in enumerate(lines[1:], start=1):
            if line.strip() in ("---", "..."):
                return index + 1
    return 0


def _read_markdown(text: str) -> ReadDocument:
    """ATX (``# x``) and setext (underlined) headings start sections; the first
    level-1 heading is the title. Lines in fenced code are never headings."""
    lines = text.split("\n")
    title: str | None = None
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    in_fence = False
    for line in lines[_front_matter_end(lines) :]:
        body = blocks[-1][1]
        atx = None if in_fence else _ATX.fullmatch(line)
        paragraph = body[_last_blank(body) :]
        if _FENCE.match(line):
            in_fence = not in_fence
        elif atx or (not in_fence and paragraph and _SETEXT.fullmatch(line)):
            if atx:
                level, heading = len(atx.group(1)), squeeze(atx.group(2) or "")
            else:
                level = 1 if line.strip()[0] == "=" else 2
                heading = squeeze(" ".join(paragraph))
                del body[len(body) - len(paragraph) :]
            if level == 1 and title is None and heading:
                title = heading
            blocks.append((heading or None, []))
            continue
        body.append(line)
    return ReadDocument(title, [Section(h, None, paragraphs(b)) for h, b in blocks])


def _last_blank(lines: list[str]) -> int:
    """Index just after the last blank line: where the current paragraph starts."""
    for index in range(len(lines) - 1, -1, -1):
        if not lines[index].strip():
            return index + 1
    return 0


# --- HTML -------------------------------------------------------------------------

_SKIPPED = {"script", "style", "noscript", "template", "nav", "footer", "svg"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BREAKS = {
    "p", "div", "li", "td", "th", "tr", "br", "hr", "ul", "ol", "dl", "dt", "dd",
    "table", "caption", "section", "article", "main", "aside", "header", "blockquote",
    "pre", "figure", "figcaption", "address", "details", "summary", "form", "body",
}  # fmt: skip
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


class _SectionParser(HTMLParser):
    """Collects the title and (heading, paragraphs) from HTML, skipping chrome."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: str | None = None
        self.first_h1: str | None = None
        self.blocks: list[tuple[str | None, list[str]]] = [(None, [])]
        self._skipping = 0
        self._in_head = False
        self._in_title = False
        self._heading: list[str] | None = None  # text of the open h1-h6
        self._heading_tag = ""
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif self._skipping:
            return
        elif tag == "head":
            self._in_head = True
        elif tag == "title":
            self._in_title = self.title is None
        elif tag in _HEADINGS or tag in _BREAKS:
            self._in_head = False  # body content closes an unclosed <head>
            if tag != "br":
                self._end_heading()  # a block inside h1-h6 ends it, as browsers do
            self._end_paragraph()
            if tag in _HEADINGS:
                self._heading, self._heading_tag = [], tag

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif self._skipping:
            return
        elif tag == "head":
            self._in_head = False
        elif tag == "title":
            self._in_title = False
        elif tag in _HEADINGS:
            self._end_heading()
        elif tag in _BREAKS:
            self._end_paragraph()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = squeeze(f"{self.title or ''} {data}") or None
        elif self._skipping or self._in_head:
            return
        elif self._heading is not None:
            self._heading.append(data)
        else:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._end_heading()
        self._end_paragraph()

    def _end_heading(self) -> None:
        if self._heading is None:
            return
        heading = squeeze("".join(self._heading)) or None
        if self._heading_tag == "h1" and self.first_h1 is None:
            self.first_h1 = heading
        self.blocks.append((heading, []))
        self._heading = None

    def _end_paragraph(self) -> None:
        text = squeeze("".join(self._text))
        if text:
            self.blocks[-1][1].append(text)
        self._text = []


def _html_encoding(data: bytes) -> str:
    """The encoding named by a BOM or a <meta charset>, else UTF-8."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return encoding
    match = _META_CHARSET.search(data[:4096])
    if match:
        try:
            codec = codecs.lookup(match.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            return "utf-8"
        # A charset readable in ASCII rules out UTF-16 and -32: the HTML standard
        # reads such pages as UTF-8.
        if not codec.name.startswith(("utf-16", "utf-32")):
            return codec.name
    return "utf-8"


def _read_html(name: str, data: bytes) -> ReadDocument:
    """h1-h6 start sections; script, style, nav, footer and the head are skipped.

    The encoding comes from a BOM, a <meta charset> or defaults to UTF-8; bytes
    that do not decode become U+FFFD (web pages are often loosely encoded), but a
    page that is mostly undecodable is refused as binary.
    """
    encoding = _html_encoding(data)
    if b"\x00" in data and not encoding.startswith("utf-16"):
        raise FileRefused(f"{name}: binary content (NUL bytes), not an HTML file")
    try:
        text = data.decode(encoding, errors="replace")
    except (LookupError, UnicodeError):  # base64, zlib, idna: no text encodings
        text = data.decode("utf-8", errors="replace")
    _refuse_binary(name, text)
    parser = _SectionParser()
    try:
        parser.feed(clean_text(text))
        parser.close()
    except (AssertionError, ValueError) as exc:  # html.parser on broken markup
        raise FileRefused(f"{name}: not readable HTML ({exc})") from None
    sections = [Section(h, None, "\n\n".join(b)) for h, b in parser.blocks]
    return ReadDocument(parser.title or parser.first_h1, sections)
