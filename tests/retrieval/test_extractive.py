"""The extractive answerer on hand-made passages: where a figure may come from,
and which other sentences may join an answer. A stand-in embedder makes every
sentence equally close to the question, so only the rules under test decide."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from retrieval.extractive import ExtractiveAnswerer, TermWeights, question_kind
from retrieval.passages import Answer, Passage
from retrieval.text import content_words


class SameEverywhere:
    """Every text gets the same unit vector."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.ones((len(texts), 4)) / 2.0


def passage(n: int, document: str, section: str, text: str) -> Passage:
    return Passage(f"{document}-{n}", "document", document, document.title(),
                   section, None, text, similarity=0.6)  # fmt: skip


def ask(question: str, passages: list[Passage]) -> Answer | None:
    frequency: Counter[str] = Counter()
    for p in passages:
        frequency.update(set(content_words(p.text)))
    weights = TermWeights(len(passages), frequency)
    answerer = ExtractiveAnswerer(SameEverywhere())  # type: ignore[arg-type]
    return answerer.answer(question, passages, weights, np.ones(4) / 2.0)


FILLER = [
    passage(9, "other", "Ports", "Harbours handle cargo for shipping lines."),
    passage(10, "other", "Farming", "Farms grow barley and raise sheep."),
]


def test_a_figure_about_another_subject_is_not_an_answer() -> None:
    passages = [
        passage(1, "north", "Morecambe: Wind",
                "Morecambe Wind Hub partners include turbine makers and ports."),
        passage(2, "north", "Hull: Chemicals",
                "Hull chemical firms employ over 8,000 people across the estuary."),
        *FILLER,
    ]  # fmt: skip
    assert ask("How many people does Morecambe Wind Hub employ?", passages) is None


def test_a_figure_later_in_the_same_part_completes_the_answer() -> None:
    passages = [
        passage(1, "north", "Morecambe: Wind",
                "Morecambe Wind Hub partners include turbine makers and ports."),
        passage(2, "north", "Morecambe: Wind › Evolution",
                "Its origins lie in early trials; the hub opened in 2011 with "
                "three partners."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("When did the Morecambe Wind Hub open?", passages)
    assert answer is not None and "2011" in answer.answer


def test_a_figure_said_of_another_named_thing_in_the_part_is_not_an_answer() -> None:
    passages = [
        passage(1, "south", "Dairy",
                "The Milk Lab project at Barony will create a dairy research barn."),
        passage(2, "south", "Dairy › Other projects",
                "Trials of feed additives are under way on four farms. "
                "The Herd Chain project is expected to create 600 jobs."),
        *FILLER,
    ]  # fmt: skip
    asked = "How many jobs is the Milk Lab project at Barony expected to create?"
    assert ask(asked, passages) is None
    asked = "How many jobs is the Herd Chain project expected to create?"
    answer = ask(asked, passages)
    assert answer is not None and "600 jobs" in answer.answer


def test_counts_are_read_with_their_unit_and_shares_are_not_counts() -> None:
    share = [
        passage(1, "north", "Leeds: Digital",
                "In Leeds, 24% of companies in the digital cluster export."),
        *FILLER,
    ]  # fmt: skip
    assert ask("How many firms are in the Leeds digital cluster?", share) is None
    count = [
        passage(1, "north", "Leeds: Digital",
                "The Leeds digital cluster has 1,200 companies."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("How many firms are in the Leeds digital cluster?", count)
    assert answer is not None and "1,200" in answer.answer


def test_another_documents_sentence_joins_only_if_on_the_question() -> None:
    passages = [
        passage(1, "north", "Tyne: Ports",
                "The Tyne Freeport plans new berths and aims to create jobs."),
        passage(2, "south", "Dairy",
                "The dairy project is expected to create 600 jobs in farming."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("What is the Tyne Freeport expected to create?", passages)
    assert answer is not None
    assert "Tyne Freeport" in answer.answer and "dairy" not in answer.answer


def test_question_kinds() -> None:
    assert question_kind("What is the total value of the Humber deal?") == "number"
    assert question_kind("How long is the corridor?") == "number"
    assert question_kind("When did it open?") == "time"
