"""Answering a question: read it with the conversation, search, answer or abstain.

One flow for both answerers. The extractive answerer always judges first whether
the passages answer the question at all (so both answerers abstain alike, and a
generative model is never asked to answer from passages that don't hold the
answer); when a generative answerer is configured it then writes the answer.
Questions that ask which clusters or organisations do something are answered from
their profiles.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from retrieval.conversation import resolve_followup
from retrieval.extractive import PASSAGES_READ, ExtractiveAnswerer, TermWeights
from retrieval.passages import Answer, Citation, Passage, Source, Turn
from retrieval.search import HybridSearch
from retrieval.text import ACRONYM, content_stems, content_words, sentences, stem

DIRECTORY_QUESTION = re.compile(
    r"\b(?:which|what|list|name|show|find|are there|any)\s+(?:\w+\s+){0,2}?"
    r"(?:clusters|organi[sz]ations|companies|firms|businesses|universities|members"
    r"|partners|communities)\b"
    r"|\bwho\s+(?:works?|is working|researches|specialises|specializes|does)\b",
    re.I,
)
# Words that say what is asked about (a cluster, an organisation), not the topic.
DIRECTORY_WORDS = frozenset(
    """cluster clusters organisation organisations organization organizations company
    companies firm firms business businesses university universities member members
    partner partners community communities work works working research researches
    specialise specialises specialize specializes active involved focus focused
    focusing directory network group groups innovation which any there""".split()
)
MAX_PROFILES = 5
MIN_PROFILE_COVERAGE = 0.5


class GenerativeAnswerer(Protocol):
    """An LLM that writes the answer from numbered passages and cites them."""

    name: str

    def answer(
        self, question: str, passages: Sequence[Passage], history: Sequence[Turn]
    ) -> Answer | None: ...


def directory_question(question: str) -> bool:
    return bool(DIRECTORY_QUESTION.search(question))


class QuestionAnswering:
    """Ask questions of the documents and the directory's profiles."""

    def __init__(
        self,
        searcher: HybridSearch,
        extractive: ExtractiveAnswerer,
        generative: GenerativeAnswerer | None = None,
        top_k: int = PASSAGES_READ,
    ) -> None:
        self.searcher = searcher
        self.extractive = extractive
        self.generative = generative
        self.top_k = top_k

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        resolved = resolve_followup(question, history)
        query = self._spelled(resolved)  # what search looks for
        vector = self.searcher.embedder.encode([query])[0]
        if directory_question(resolved):
            profiles = self._search(query, vector, ("cluster", "organisation"))
            answer = answer_from_profiles(resolved, profiles)
            if answer is not None:
                return self._finish(answer, question, resolved, profiles)
        passages = self._search(query, vector, ("document",))
        answer = self._answer_documents(resolved, vector, passages, history)
        if answer is None:
            answer = abstain(resolved, passages)
        return self._finish(answer, question, resolved, passages)

    def _spelled(self, question: str) -> str:
        """The question with its acronyms spelled out as the documents spell them
        ("DSIT (Department for Science, Innovation and Technology)"), so search
        finds passages that use either."""
        for acronym in dict.fromkeys(ACRONYM.findall(question)):
            if len(acronym) < 3:
                continue  # "AI", "UK": common enough to be found as they are
            name = self.searcher.store.spelled_out(acronym)
            if name and name.lower() not in question.lower():
                question = question.replace(acronym, f"{acronym} ({name})", 1)
        return question

    def _search(
        self, query: str, vector: np.ndarray, sources: Sequence[Source]
    ) -> list[Passage]:
        return self.searcher.search(query, 10, sources, vector=vector)

    def _answer_documents(
        self,
        question: str,
        vector: np.ndarray,
        passages: Sequence[Passage],
        history: Sequence[Turn],
    ) -> Answer | None:
        total, frequency = self.searcher.store.frequencies(
            content_words(question), ("document",)
        )
        weights = TermWeights(total, frequency)
        top = passages[: self.top_k]
        answer = self.extractive.answer(question, top, weights, vector)
        if answer is None or self.generative is None:
            return answer
        return self.generative.answer(question, top, history)

    @staticmethod
    def _finish(
        answer: Answer, question: str, resolved: str, passages: Sequence[Passage]
    ) -> Answer:
        answer.question = question
        answer.resolved_question = resolved
        answer.retrieved = list(passages[:10])
        return answer


def abstain(question: str, passages: Sequence[Passage]) -> Answer:
    """The honest answer when the passages don't hold one, naming the closest."""
    closest = []
    for passage in passages[:3]:
        where = ", ".join(filter(None, (f"“{passage.title}”", passage.location())))
        if where not in closest:
            closest.append(where)
    text = "The documents don't say."
    if closest:
        text += " The closest passages are in " + "; ".join(closest) + "."
    return Answer(question, text, True, [], list(passages))


def answer_from_profiles(question: str, profiles: Sequence[Passage]) -> Answer | None:
    """List the clusters or organisations whose profiles cover the question's topic."""
    topic = {stem(w) for w in content_words(question) if w not in DIRECTORY_WORDS}
    if not topic:
        return None
    matches = []
    for passage in profiles:
        have = content_stems(f"{passage.title} {passage.text}")
        if len(topic & have) / len(topic) >= MIN_PROFILE_COVERAGE:
            matches.append(passage)
        if len(matches) == MAX_PROFILES:
            break
    if not matches:
        return None
    lines = []
    citations = []
    for n, passage in enumerate(matches, start=1):
        first = (sentences(passage.text) or [passage.text])[0]
        lines.append(f"{passage.title} [{n}]")
        citations.append(Citation(n, passage, first))
    noun = "profiles match" if len(matches) > 1 else "profile matches"
    text = f"{len(matches)} directory {noun}: " + "; ".join(lines) + "."
    return Answer(question, text, False, citations, list(profiles))
