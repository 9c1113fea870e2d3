"""Follow-up questions read with the conversation: "and in Tees Valley?" after a
question about South Yorkshire asks the same thing about Tees Valley."""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.passages import Turn
from retrieval.text import content_words

ELLIPSIS = re.compile(
    r"^\s*(?:and\s+)?(?:what|how)\s+about\b|^\s*and\b|^\s*same\s+for\b|^\s*also\b",
    re.I,
)
# Words that point back at something said before. The pronouns always do; the
# demonstratives ("that", "there") only when the question names nothing itself:
# "How many firms are there in Leeds?" stands on its own.
PRONOUNS = frozenset("it its they their them he she his her".split())
DEMONSTRATIVES = frozenset("that this those these there such".split())
# A capitalised word, or one with a capital inside ("iiCON"), and the run of them.
PROPER = re.compile(
    r"(?<![\w'’-])[a-z]*[A-Z][\w&'’-]*"
    r"(?:\s+(?:of|and|&|the|upon|on-)?\s*[a-z]*[A-Z][\w&'’-]*)*"
)
QUESTION_WORDS = frozenset(
    "what which who whom how when where why is are do does did can".split()
)
KIND_OF_THING = re.compile(
    r"\b(?:clusters?|sectors?|industry|industries|hubs?|corridors?|projects?"
    r"|programmes?|strateg(?:y|ies)|networks?|partnerships?|initiatives?|deals?"
    r"|funds?|economy|region)\b",
    re.I,
)
LEADING = re.compile(r"^(?:in|for|at|of|on|about|the|with)\s+", re.I)


def proper_names(text: str) -> list[tuple[int, int, str]]:
    """Capitalised spans (names of places, organisations, programmes), not the first
    word of a sentence when it is a question word."""
    spans = []
    for match in PROPER.finditer(text):
        words = match.group().split()
        start = match.start()
        if words[0].lower() in QUESTION_WORDS:
            if len(words) == 1:
                continue
            start += len(words[0]) + 1
        spans.append((start, match.end(), text[start : match.end()]))
    return spans


def resolve_followup(question: str, history: Sequence[Turn]) -> str:
    """The question to search and answer: as asked, or completed from the last turn."""
    if not history:
        return question
    previous = history[-1].question.strip()
    elliptic = ELLIPSIS.match(question)
    if elliptic:
        rest = question[elliptic.end() :].strip(" ,?.!")
        replaced = _substitute(previous, rest)
        if replaced:
            return replaced
        return f"{previous} {question}"
    asked = {w.lower() for w in re.findall(r"[A-Za-z]+", question)}
    pointing = asked & PRONOUNS or (
        asked & DEMONSTRATIVES and not proper_names(question)
    )
    if pointing or len(content_words(question)) <= 2:
        return f"{previous} {question}"
    return question


def _substitute(previous: str, rest: str) -> str | None:
    """Swap the name in the previous question for the new one ("in Tees Valley")."""
    new = proper_names(rest)
    old = proper_names(previous)
    if not new or not old:
        return None
    name = LEADING.sub("", new[0][2])
    start, end, _ = old[-1]
    for s, e, _name in old:
        before = previous[:s].rstrip().rsplit(" ", 1)[-1].lower()
        if before in {"in", "at", "for", "of", "the"} and re.match(r"(?i)in\b", rest):
            start, end = s, e
            break
    if re.search(rf"{re.escape(name)}\s+ones?\b", rest):
        # "and how many Specialised ones?": the name that qualifies a kind of
        # thing ("R&D Collaborating clusters") is the one to swap
        for s, e, _name in old:
            if re.match(rf"\s+{KIND_OF_THING.pattern}", previous[e:], re.I):
                return f"{previous[:s]}{name}{previous[e:]}"
    phrase = rest
    while LEADING.match(phrase):
        phrase = LEADING.sub("", phrase)
    head = phrase.split()[-1].lower() if phrase.split() else ""
    if head and phrase != name:
        # "the North East space cluster" replaces "Cheshire ... life sciences cluster"
        found = re.search(rf"\b{re.escape(head)}\b", previous[start:], re.I)
        # "the Tees Valley chemicals industry" replaces "South Yorkshire's metals
        # cluster": the old phrase runs to its kind of thing when the heads differ
        if not found and KIND_OF_THING.fullmatch(head):
            found = KIND_OF_THING.search(previous[start:])
        if found:
            return f"{previous[:start]}{phrase}{previous[start + found.end() :]}"
    return f"{previous[:start]}{name}{previous[end:]}"
