"""Section-aware chunking with langchain's text splitter; stable chunk ids.

Each section of a document is split on its own, so a chunk never straddles two
headings and always knows its section and page. A chunk's id is the document id
plus a hash of where and what it is, so re-chunking an unchanged document gives
the same ids and a changed document only replaces the chunks that changed.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

SEPARATORS = ["\n\n", "\n", ". ", "; ", ", ", " ", ""]
CONTENTS_LINE = re.compile(r"\S.*\s\d{1,4}$")


@dataclass(frozen=True)
class Chunk:
    id: str
    document: str
    ordinal: int
    section: str | None
    page: int | None
    text: str

    def embedding_text(self, title: str) -> str:
        """What the model sees: the passage with its title and heading for context."""
        heading = self.section or title
        return f"{heading}\n{self.text}"


@dataclass(frozen=True)
class SectionText:
    """The part of a reader's section the chunker needs (corpus.readers.Section fits)."""

    heading: str | None
    page: int | None
    text: str


def is_table_of_contents(text: str) -> bool:
    """Lines that mostly end in a page number: navigation, not content."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    listed = sum(bool(CONTENTS_LINE.match(line)) for line in lines)
    return len(lines) >= 3 and listed >= 0.6 * len(lines)


def qualify_headings(sections: Sequence[SectionText]) -> list[SectionText]:
    """Give repeated headings their context: a report whose case studies each have
    an "Evolution" subsection gets "South Yorkshire: Metals › Evolution"; the
    parent is the last heading used only once in the document."""
    counts = Counter(s.heading for s in sections if s.heading)
    parent: str | None = None
    qualified = []
    for section in sections:
        heading = section.heading
        if heading and counts[heading] == 1:
            parent = heading
        elif heading and parent:
            heading = f"{parent} › {heading}"
        qualified.append(SectionText(heading, section.page, section.text))
    return qualified


def chunk_id(document: str, section: str | None, page: int | None, text: str) -> str:
    digest = hashlib.sha1(
        f"{section or ''}\x1f{page or ''}\x1f{text}".encode()
    ).hexdigest()[:16]
    return f"{document}#{digest}"


def chunk_sections(
    document: str,
    sections: Iterable[SectionText],
    chunk_size: int = 800,
    chunk_overlap: int = 120,
) -> list[Chunk]:
    """Split each section into chunks of at most ``chunk_size`` characters."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=min(chunk_overlap, chunk_size // 2),
        separators=SEPARATORS,
        keep_separator="end",
        strip_whitespace=True,
    )
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for section in qualify_headings(list(sections)):
        if is_table_of_contents(section.text):
            continue
        for text in splitter.split_text(section.text):
            if not text.strip():
                continue
            base = chunk_id(document, section.heading, section.page, text)
            seen[base] = seen.get(base, 0) + 1
            ident = base if seen[base] == 1 else f"{base}-{seen[base]}"
            chunks.append(
                Chunk(ident, document, len(chunks), section.heading, section.page, text)
            )
    return chunks
