"""Reading the container formats, PDF (with pypdf) and DOCX (zip of WordprocessingML).

Both are parsed defensively: whatever the parsing libraries raise for a broken,
encrypted or hostile file becomes ``FileRefused`` with the reason.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from corpus.sections import (
    ReadDocument,
    Section,
    clean_text,
    headed_blocks,
    paragraphs,
    squeeze,
)
from corpus.tables import XLSX_MAX_EXPANSION, FileRefused

if TYPE_CHECKING:
    from pypdf import PdfReader

DOCX_MAX_EXPANSION = XLSX_MAX_EXPANSION  # same zip-bomb ratio as for workbooks
DOCX_MAX_GROWTH = 20  # unpacked parts may total at most this many times max_bytes
RATIO_CHECK_FLOOR = 1_000_000  # below this much unpacked, no ratio is dangerous
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_HEADING_STYLE = re.compile(r"title|heading[1-9]")
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,  # a compression method zipfile lacks
    RuntimeError,  # an encrypted member
    EOFError,
    OSError,
    ValueError,
    zlib.error,
)


# --- PDF --------------------------------------------------------------------------


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Keep pypdf's warnings about sloppy PDFs out of the CLI's output."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _reason(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__)[:200]


def read_pdf(name: str, data: bytes) -> ReadDocument:
    """One section per page at least, split further at heading-like lines; a
    heading carries over to the following pages until the next one."""
    if b"%PDF-" not in data[:1024]:
        raise FileRefused(f"{name}: not a PDF file (no %PDF header)")
    from pypdf import PdfReader  # only needed for PDFs

    with _quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(data))
            _unlock(name, reader)
            pages = [clean_text(page.extract_text() or "") for page in reader.pages]
            title = _pdf_title(reader)
        except FileRefused:
            raise
        except Exception as exc:  # pypdf raises many types for broken files
            raise FileRefused(f"{name}: not a readable PDF ({_reason(exc)})") from None
    if not any(text.strip() for text in pages):
        raise FileRefused(
            f"{name}: no text layer (scanned?); the PDF holds only images of "
            "pages; run OCR on it or find a text version"
        )
    sections = []
    heading: str | None = None
    for number, text in enumerate(pages, start=1):
        for block_heading, lines in headed_blocks(text.split("\n"), loose=True):
            heading = block_heading or heading
            sections.append(Section(heading, number, paragraphs(lines)))
    return ReadDocument(title, sections)


def _unlock(name: str, reader: PdfReader) -> None:
    """Open an encrypted PDF with the empty password, or refuse it."""
    from pypdf import PasswordType
    from pypdf.errors import DependencyError

    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("")
    except DependencyError:
        raise FileRefused(
            f"{name}: encrypted PDF (AES) that cannot be opened here; save an "
            "unencrypted copy"
        ) from None
    if opened == PasswordType.NOT_DECRYPTED:
        raise FileRefused(
            f"{name}: encrypted PDF that needs a password; save a copy without one"
        )


def _pdf_title(reader: PdfReader) -> str | None:
    """The /Title of the document information, if there is a usable one."""
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # broken metadata should not cost the text
        return None
    if not isinstance(title, str):
        return None
    return squeeze(clean_text(title)) or None


# --- DOCX -------------------------------------------------------------------------


def read_docx(name: str, data: bytes, max_bytes: int) -> ReadDocument:
    """Paragraphs of word/document.xml in order (table cells included); Title and
    Heading 1-9 paragraphs start sections. The title is core.xml's dc:title, else
    the first Title or Heading 1 paragraph."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _refuse_zip_bomb(name, archive, len(data), max_bytes)
            names = set(archive.namelist())
            if "word/document.xml" not in names:
                raise FileRefused(
                    f"{name}: not a valid DOCX (no word/document.xml); is it a "
                    "Word document saved as .docx?"
                )
            parts = {
                part: _parse_xml(name, part, archive.read(part))
                for part in (
                    "word/document.xml",
                    "word/styles.xml",
                    "docProps/core.xml",
                )
                if part in names
            }
    except _ZIP_ERRORS as exc:
        raise FileRefused(f"{name}: not a valid DOCX ({_reason(exc)})") from None
    styles = _style_names(parts.get("word/styles.xml"))
    title, sections = _docx_sections(parts["word/document.xml"], styles)
    core = parts.get("docProps/core.xml")
    core_title = core.findtext(f".//{DC_TITLE}") if core is not None else None
    return ReadDocument(squeeze(core_title or "") or title, sections)


def _refuse_zip_bomb(
    name: str, archive: zipfile.ZipFile, size: int, max_bytes: int
) -> None:
    """Refuse archives that unpack to far more than a document could need."""
    unpacked = sum(info.file_size for info in archive.infolist())
    ratio = unpacked / max(size, 1)
    if unpacked > DOCX_MAX_GROWTH * max_bytes or (
        ratio > DOCX_MAX_EXPANSION and unpacked > RATIO_CHECK_FLOOR
    ):
        raise FileRefused(
            f"{name}: unpacks to {unpacked / 1e6:.0f} MB from {size / 1e6:.1f} MB; "
            "it looks like a zip bomb, so it was not opened"
        )


def _parse_xml(name: str, part: str, xml: bytes) -> ElementTree.Element:
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:  # Word never writes these
        raise FileRefused(f"{name}: {part} declares XML entities; refused as unsafe")
    try:
        return ElementTree.fromstring(xml)
    except (ElementTree.ParseError, ValueError, LookupError) as exc:
        raise FileRefused(f"{name}: not a valid DOCX ({part}: {exc})") from None


def _style_names(styles: ElementTree.Element | None) -> dict[str, str]:
    """Paragraph style ids mapped to their names ("Heading1" -> "heading 1")."""
    if styles is None:
        return {}
    found = {}
    for style in styles.iter(f"{W}style"):
        style_name = style.find(f"{W}name")
        if style.get(f"{W}styleId") and style_name is not None:
            found[style.get(f"{W}styleId", "")] = style_name.get(f"{W}val", "")
    return found


def _heading_level(paragraph: ElementTree.Element, styles: dict[str, str]) -> str:
    """ "title", "heading1".."heading9" for heading paragraphs, else ""."""
    style = paragraph.find(f"{W}pPr/{W}pStyle")
    style_id = style.get(f"{W}val", "") if style is not None else ""
    for spelling in (style_id, styles.get(style_id, "")):
        key = re.sub(r"[\s_-]", "", spelling.lower())
        if _HEADING_STYLE.fullmatch(key):
            return key
    return ""


def _docx_sections(
    document: ElementTree.Element, styles: dict[str, str]
) -> tuple[str | None, list[Section]]:
    """The first Title/Heading 1 text and the sections the headings start."""
    title: str | None = None
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    for paragraph in _paragraphs(document):
        text = _paragraph_text(paragraph)
        level = _heading_level(paragraph, styles)
        if level and text:
            heading = squeeze(text)
            if title is None and level in ("title", "heading1"):
                title = heading
            blocks.append((heading, []))
        elif text:
            blocks[-1][1].append(text)
    return title, [Section(h, None, "\n\n".join(b)) for h, b in blocks]


def _paragraphs(root: ElementTree.Element) -> Iterator[ElementTree.Element]:
    """Every w:p in document order, not those in a compatibility fallback (which
    repeat a text box's paragraphs)."""
    stack = [root]
    while stack:
        element = stack.pop()
        if element.tag == f"{W}p":
            yield element
        if element.tag != MC_FALLBACK:
            stack.extend(reversed(element))


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    """w:t text with w:tab as a tab and w:br as a newline; nested paragraphs (text
    boxes) and paragraph properties are left out."""
    pieces = []
    stack = list(reversed(paragraph))
    while stack:
        element = stack.pop()
        if element.tag == f"{W}t":
            pieces.append(element.text or "")
        elif element.tag == f"{W}tab":
            pieces.append("\t")
        elif element.tag in (f"{W}br", f"{W}cr"):
            pieces.append("\n")
        elif element.tag not in (f"{W}p", f"{W}pPr", f"{W}rPr", MC_FALLBACK):
            stack.extend(reversed(element))
    lines = (
        re.sub(r" {2,}", " ", line).strip() for line in "".join(pieces).split("\n")
    )
    return clean_text("\n".join(line for line in lines if line))
