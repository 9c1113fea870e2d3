"""The shapes retrieval hands around: passages found by search, and answers to questions.

Plain dataclasses, no heavy imports, so every layer (and the portal) can use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Source = Literal["document", "cluster", "organisation"]


@dataclass(frozen=True)
class Passage:
    """A chunk of a document, or a cluster's or organisation's profile, as found."""

    id: str
    source: Source
    document: str  # document id, or the cluster's / organisation's id
    title: str  # document title, or the cluster's / organisation's name
    section: str | None
    page: int | None
    text: str
    score: float = 0.0  # fused rank score: higher is better, comparable within a query
    similarity: float | None = None  # cosine similarity to the question, if known
    ordinal: int | None = None  # the chunk's position in its document
    credit: str | None = None  # who published or wrote the document, and when

    def credit_line(self) -> str | None:
        """The credit as a sentence about the document, for answering."""
        return f"“{self.title}” was {self.credit}." if self.credit else None

    def location(self) -> str:
        """Where in its document the passage is: "section, p. 4" (either may be absent)."""
        page = f"p. {self.page}" if self.page else None
        return ", ".join(x for x in (self.section, page) if x)

    def retrieved(self) -> dict[str, Any]:
        """The passage in the ``retrieved`` shape of an answer's JSON."""
        return {
            "document": self.document,
            "title": self.title,
            "section": self.section,
            "page": self.page,
            "text": self.text,
            "score": round(self.score, 6),
        }


@dataclass(frozen=True)
class Citation:
    n: int
    passage: Passage
    text: str  # the cited words: the sentence(s) of the passage the answer used

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "document": self.passage.document,
            "title": self.passage.title,
            "section": self.passage.section,
            "page": self.passage.page,
            "text": self.text,
        }


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Passage] = field(default_factory=list)
    resolved_question: str | None = None  # the follow-up rewritten with its context

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [p.retrieved() for p in self.retrieved[:10]],
        }
        if self.resolved_question and self.resolved_question != self.question:
            data["resolved_question"] = self.resolved_question
        return data


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation, for resolving follow-up questions."""

    question: str
    answer: str
