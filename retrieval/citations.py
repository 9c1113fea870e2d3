"""Checking a generated answer's citations against the passages it was written from.

A language model may cite a passage that doesn't exist, cite one that doesn't say
what the sentence says, or state a figure no passage holds. Each sentence keeps
only the markers whose passage supports it (most of its content words, and every
figure); a factual sentence left without support is dropped, so what the reader
sees is what the documents say. Pure functions: no model, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.passages import Citation, Passage
from retrieval.text import PHRASING, content_words, sentences, stem

MIN_SUPPORT = 0.6  # share of a sentence's content words its passage must hold
CLAIM_WORDS = 3  # content words that make a sentence without a figure a claim

# A run of citation markers: [1], [2, 3], [1-3], [1][2], with the space before it.
MARKER = re.compile(r"(?:\s*\[\d+(?:\s*[,;–-]\s*\d+)*\])+")
# Markers after the full stop belong to the sentence before it.
MARKERS_AFTER_STOP = re.compile(rf"([.!?])({MARKER.pattern})")
CITED = re.compile(r"(\d+)(?:\s*[–-]\s*(\d+))?")  # one number, or a range
FIGURE = re.compile(
    r"[£$€]?\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
    r"(?:\s?(%|per ?cent\b|percent\b|bn\b|billion\b|m\b|million\b|k\b|thousand\b))?",
    re.I,
)
UNITS = {
    "%": "%", "per cent": "%", "percent": "%", "bn": "bn",
    "billion": "bn", "m": "m", "million": "m", "k": "k", "thousand": "k",
}  # fmt: skip

Figure = tuple[float, str]  # the number and its unit ("" for a bare number)


@dataclass(frozen=True)
class Evidence:
    """What a passage offers for checking: its stems, figures and sentences."""

    stems: frozenset[str]
    figures: frozenset[Figure]
    sentences: tuple[str, ...]

    @classmethod
    def of(cls, passage: Passage) -> Evidence:
        context = " ".join(p for p in (passage.title, passage.section) if p)
        return cls(
            frozenset(claim_stems(f"{context} {passage.text}")),
            frozenset(figures(f"{context} {passage.text}")),
            tuple(sentences(passage.text) or [passage.text]),
        )


def check_citations(
    answer_text: str, passages: Sequence[Passage]
) -> tuple[str, list[Citation]]:
    """Keep the supported sentences of an answer, renumber their citations 1..n.

    Markers refer to ``passages`` in order, from 1. Returns ("", []) when no
    supported citation remains.
    """
    evidence = [Evidence.of(p) for p in passages]
    order: list[int] = []  # passage indexes in order of first use
    used: dict[int, list[str]] = {}  # passage index -> answer text it supports
    lines = []
    for line in MARKERS_AFTER_STOP.sub(r"\2\1", answer_text).splitlines():
        kept = []
        for sentence in sentences(line):
            checked = _check_sentence(sentence, evidence)
            if checked is None:
                continue
            text, supports = checked
            for index, claim in supports:
                if index not in used:
                    order.append(index)
                    used[index] = []
                used[index].append(claim)
            kept.append(text)
        if kept:
            lines.append(" ".join(kept))
    if not order:
        return "", []
    number = {index: n for n, index in enumerate(order, start=1)}
    text = "\n".join(lines)
    text = re.sub(r"\[#(\d+)\]", lambda m: f"[{number[int(m.group(1))]}]", text)
    citations = [
        Citation(number[i], passages[i], _cited_words(evidence[i], used[i]))
        for i in order
    ]
    return text, citations


def _check_sentence(
    sentence: str, evidence: Sequence[Evidence]
) -> tuple[str, list[tuple[int, str]]] | None:
    """The sentence with only its supported markers (as [#index], renumbered later)
    and the passages supporting it, or None when it is an unsupported claim."""
    segments = _segments(sentence)
    whole = MARKER.sub("", sentence)
    supports: list[tuple[int, str]] = []
    text = ""
    unsupported_claim = False
    for before, markers, after in segments:
        claim = f"{before}{after}" if markers is not None else before
        kept = [
            i
            for i in _indexes(markers, len(evidence))
            if supported(claim, evidence[i]) or supported(whole, evidence[i])
        ]
        if is_claim(claim) and not kept:
            unsupported_claim = True
        supports += [(i, claim) for i in kept]
        rewritten = "".join(f"[#{i}]" for i in kept)
        text += before + (f" {rewritten}" if rewritten else "") + after
    if not supports and not is_claim(whole):
        return whole.strip(), []
    if unsupported_claim or not supports:
        return None
    return text.strip(), supports


def _segments(sentence: str) -> list[tuple[str, str | None, str]]:
    """The sentence cut at its runs of markers: (text before, the markers,
    trailing text), where trailing text is only set on the last run."""
    segments: list[tuple[str, str | None, str]] = []
    start = 0
    for match in MARKER.finditer(sentence):
        segments.append((sentence[start : match.start()], match.group(), ""))
        start = match.end()
    rest = sentence[start:]
    if not segments:
        return [(rest, None, "")]
    before, markers, _ = segments[-1]
    segments[-1] = (before, markers, rest)
    return segments


def _indexes(markers: str | None, count: int) -> list[int]:
    """Passage indexes (0-based) a run of markers names, in range, no repeats."""
    found: list[int] = []
    for first, last in CITED.findall(markers or ""):
        for n in range(int(first), int(last or first) + 1):
            if 1 <= n <= count and n - 1 not in found:
                found.append(n - 1)
    return found


def supported(claim: str, evidence: Evidence) -> bool:
    """Whether the passage holds most of the claim's content words and all its
    figures (a claim with neither is not supported by anything)."""
    stems = claim_stems(claim)
    numbers = figures(claim)
    if not stems and not numbers:
        return False
    if stems and len(stems & evidence.stems) / len(stems) < MIN_SUPPORT:
        return False
    return all(_has_figure(evidence.figures, figure) for figure in numbers)


def is_claim(text: str) -> bool:
    """A figure, or enough content words to assert something."""
    return bool(figures(text)) or len(claim_stems(text)) >= CLAIM_WORDS


def claim_stems(text: str) -> set[str]:
    """Stems of the content words that name things, leaving figures to be checked
    as figures and phrasing words ("total", "number") out."""
    return {
        stem(w)
        for w in content_words(text)
        if w not in PHRASING and not any(c.isdigit() for c in w)
    }


def figures(text: str) -> set[Figure]:
    """The figures of a text, normalised: "£160m" and "160 million" are (160, "m"),
    "3,443" is (3443, ""), "59 per cent" is (59, "%")."""
    found = set()
    for match in FIGURE.finditer(text):
        whole, fraction, unit = match.groups()
        number = float(whole.replace(",", "") + (fraction or ""))
        unit = " ".join((unit or "").lower().split())
        found.add((number, UNITS.get(unit, "")))
    return found


def _has_figure(available: frozenset[Figure], figure: Figure) -> bool:
    number, unit = figure
    if unit:
        return figure in available
    return any(number == have for have, _ in available)


def _cited_words(evidence: Evidence, claims: Sequence[str]) -> str:
    """The passage sentences that best support the claims cited to it."""
    chosen: set[int] = set()
    for claim in claims:
        stems = claim_stems(claim)
        numbers = figures(claim)
        scores = [
            len(stems & claim_stems(s)) + 2 * len(numbers & figures(s))
            for s in evidence.sentences
        ]
        chosen.add(scores.index(max(scores)))
    return " ".join(evidence.sentences[i] for i in sorted(chosen))
