"""What a document reader returns, and how plain text is cut into headed sections.

Plain text (a .txt file, a PDF page) carries no markup, so headings are guessed
from layout: a short line standing on its own, not ending like a sentence, and not
part of a contents list or a run of short lines (which are lists, not headings).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

HEADING_MAX_CHARS = 100
HEADING_MAX_WORDS = 14
LIST_RUN = 4  # this many heading-like lines in a row, blank-separated, are a list
_NOT_HEADING_END = (".", ",", ";", ":")  # "?" may end a heading: "What is a cluster?"
_SENTENCE_END = (".", "!", "?")
# "Introduction\t3", "Introduction ........ 3": a contents entry, not a heading
_CONTENTS_ENTRY = re.compile(r"(\t|\.{3,}|…|\s{3,})\s*\d{1,4}\s*$")
_LIST_ITEM = re.compile(r"\s*([-*•▪◦‣–]|\d{1,3}[.)]|[a-z][.)])\s")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Section:
    heading: str | None  # the heading this text sits under (None before any heading)
    page: int | None  # 1-based page number (PDF only; None for other formats)
    text: str  # the section's body text, paragraphs separated by "\n\n"


@dataclass(frozen=True)
class ReadDocument:
    title: str | None  # from the file itself (html <title>, md "# ", pdf /Title, ...)
    sections: list[Section]


def clean_text(text: str) -> str:
    """Text with line endings made "\\n" and stray control characters removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def control_share(text: str) -> float:
    """Share of characters that no text file would hold: controls and U+FFFD."""
    if not text:
        return 0.0
    odd = sum(
        1
        for c in text
        if c == "\ufffd" or (unicodedata.category(c) == "Cc" and c not in "\t\n\r\f")
    )
    return odd / len(text)


def squeeze(line: str) -> str:
    """A line with runs of whitespace (tabs, no-break spaces) made single spaces."""
    return " ".join(line.split())


def contents_entry(line: str) -> bool:
    """A table-of-contents line: a title then a tab or leader dots and a page number."""
    return bool(_CONTENTS_ENTRY.search(line))


def heading_like(line: str) -> bool:
    """Short, starts with a capital or digit, and does not end like a sentence part."""
    text = line.strip()
    return (
        0 < len(text) <= HEADING_MAX_CHARS
        and len(text.split()) <= HEADING_MAX_WORDS
        and not text.endswith(_NOT_HEADING_END)
        and (text[0].isupper() or text[0].isdigit())
        and sum(c.isalpha() for c in text) >= 2
        and not contents_entry(line)
    )


def _next_text(lines: Sequence[str], index: int) -> str:
    return next((line for line in lines[index + 1 :] if line.strip()), "")


def _stands_alone(lines: Sequence[str], index: int, loose: bool) -> bool:
    """Whether a heading-like line is set apart from the text around it.

    Plain text sets headings apart with blank lines, though a heading may sit
    directly on an unwrapped paragraph (a line longer than any heading). PDF text
    has no blank lines, so ``loose`` also accepts a line after a finished sentence
    whose next line is not short too.
    """
    if not heading_like(lines[index]) or _next_text(lines, index)[:1].islower():
        return False
    before = lines[index - 1].strip() if index > 0 else ""
    after = lines[index + 1].strip() if index + 1 < len(lines) else ""
    open_before = not before
    open_after = not after or len(after) > HEADING_MAX_CHARS
    if loose:
        open_before = open_before or before.endswith(_SENTENCE_END)
        open_after = open_after or not heading_like(after)
    return open_before and open_after


def _runs(lines: Sequence[str], indexes: list[int]) -> list[list[int]]:
    """Candidate lines grouped into runs separated only by blank lines."""
    runs: list[list[int]] = []
    for index in indexes:
        if runs and not any(line.strip() for line in lines[runs[-1][-1] + 1 : index]):
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def heading_lines(lines: Sequence[str], loose: bool = False) -> set[int]:
    """Indexes of the lines taken as headings (see the module docstring)."""
    candidates = [i for i in range(len(lines)) if _stands_alone(lines, i, loose)]
    if loose:
        width = max((len(line.strip()) for line in lines), default=0)
        candidates = [i for i in candidates if len(lines[i].strip()) < 0.75 * width]
    return {i for run in _runs(lines, candidates) if len(run) < LIST_RUN for i in run}


def headed_blocks(
    lines: Sequence[str], loose: bool = False
) -> list[tuple[str | None, list[str]]]:
    """Lines cut at the headings into (heading, body lines); the first has no heading.

    A guessed heading with no text under it (an attribution line, a caption, a
    title above the first real heading) is kept as a line of the block before,
    so no text is lost to a wrong guess.
    """
    headings = heading_lines(lines, loose)
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    for index, line in enumerate(lines):
        if index in headings:
            blocks.append((squeeze(line), []))
        else:
            blocks[-1][1].append(line)
    kept = blocks[:1]
    for heading, body in blocks[1:]:
        if any(line.strip() for line in body):
            kept.append((heading, body))
        else:
            kept[-1][1].extend(["", heading or "", ""])
    return kept


def _join_lines(lines: Sequence[str]) -> str:
    """One paragraph: wrapped lines joined by spaces; list and contents lines kept."""
    text = ""
    previous = ""
    for line in lines:
        keep_break = (
            _LIST_ITEM.match(line) or contents_entry(line) or contents_entry(previous)
        )
        joiner = "\n" if keep_break else " "
        text = f"{text}{joiner}{squeeze(line)}" if text else squeeze(line)
        previous = line
    return text


def _mid_sentence(text: str) -> bool:
    """Whether text stops mid-sentence: on a letter, digit or comma."""
    return text[-1:].isalnum() or text.endswith(",")


def paragraphs(lines: Iterable[str]) -> str:
    """Body lines as paragraphs (blank-line separated) joined by a blank line.

    A paragraph starting in lower case after one that ends mid-sentence is the
    same sentence broken by a stray blank line, and is joined back to it.
    """
    found: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line)
        elif current:
            text = _join_lines(current)
            if found and text[:1].islower() and _mid_sentence(found[-1]):
                found[-1] = f"{found[-1]} {text}"
            else:
                found.append(text)
            current = []
    return "\n\n".join(found)
