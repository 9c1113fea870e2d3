"""The embedded default answerer: offline and extractive.

It answers with the sentences of the retrieved passages that best answer the
question, each followed by a numbered citation, and abstains when none of them
does. A sentence is scored by how much of the question it covers (terms weighted
by their rarity in the corpus, so "Dairy Nexus" counts more than "project"), by
its meaning's closeness to the question (the embedding model, on a shortlist),
and by whether it holds the kind of thing asked for (a figure for "how many", a
year for "when", a reason for "why"). A heading that reads as a sentence ("Briefing
published on 2 August 2017 by Paul Swinney") is a candidate too. To answer at all,
the best sentence, read with its neighbours and its heading, must cover most of
the question's weighted terms and be close to it in meaning, or, for a question
in other words than the documents', be very close in meaning, cover a fair share
and name what the question names; otherwise the passages don't answer it. A
figure, date or name must then be in the answer, said of the question's subject (a
month for "which month", a person said to hold the role for "who chairs"): from
the best sentence, from one in the same part of the document that names what the
question names, or else from the next best sentence that has it, names what the
question names and answers by itself. For "where", a sentence naming the place
after "in", "at" or "to" joins a best sentence that names none. An answer that
starts with a pronoun ("it worked with …") brings the sentence before, which says
who "it" is, and a sentence that joins the answer and introduces a list brings
the list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.citations import MARKER
from retrieval.conversation import proper_names
from retrieval.embedding import Embedder
from retrieval.passages import Answer, Citation, Passage
from retrieval.text import (
    ACRONYM,
    MONTHS,
    PHRASING,
    content_stems,
    content_words,
    sentences,
    spelling,
    stem,
)

PASSAGES_READ = 8  # the top passages whose sentences are candidates
SHORTLIST = 8  # candidates re-scored by the embedding model
MAX_ANSWER_CHARS = 700
MAX_LIST_ITEMS = 8
PHRASING_WEIGHT = 0.3  # words like "much" or "define" that phrase the question
MIN_GAIN = 0.15  # question coverage another sentence must add to join the answer
# Answer only when the best sentence (with its context) covers this share of the
# question's weighted terms and is at least this close to it in meaning; or, for
# a question put in other words than the documents', when it is very close in
# meaning, covers a fair share, and its surroundings name what the question names.
MIN_COVERAGE = 0.45
MIN_SIMILARITY = 0.3
PARAPHRASE_COVERAGE = 0.3
PARAPHRASE_SIMILARITY = 0.6

NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|(?:thir|four|fif|six|seven|eigh|nine)teen|(?:twen|thir|for|fif|six|seven|eigh"
    r"|nine)ty|dozen|hundred|thousand|million|billion)\b",
    re.I,
)
MONTH = re.compile(rf"\b(?:{'|'.join(MONTHS)})\b")
YEAR = re.compile(rf"\b(?:1[89]\d\d|20\d\d)s?\b|{MONTH.pattern}")  # "the 2000s" too
MONEY = re.compile(r"[£$€]\s?\d|\d\s?(?:m|bn|k)\b|\b(?:million|billion)\b", re.I)
SHARE = re.compile(r"%|\bper ?cent\b", re.I)
DEFINING = re.compile(
    r"\b(?:refers? to|(?:is|are) defined|defined as|definition|means|is an?|are)\b",
    re.I,
)
# Words that count the same things: "how many firms" is answered by "1,400 companies".
_SAME_UNITS = (
    "firm company business enterprise organisation organization",
    "people person staff employee",
    "job role post",
)
SAME_UNIT = {
    stem(form): frozenset(stem(f) for w in group.split() for f in (w, w + "s"))
    for group in _SAME_UNITS
    for word in group.split()
    for form in (word, word + "s")  # "employees" may stem apart from "employee"
}
# Words after "how many" that say nothing of what is counted ("how many count as").
NOT_COUNTED = frozenset(
    "are were is was do does did have has had will would can could count counts"
    " counted of in".split()
)
# "Who is the chief executive of …" asks for a person, not a body.
ROLE = re.compile(
    r"\b(?:chief executive|ceo|chair(?:man|woman|person)?|chairs|director|head|heads"
    r"|founder|minister|secretary|author|leader|president|manager|mayor|governor"
    r"|vice-chancellor|principal|wrote|written)\b",
    re.I,
)
PERSON = re.compile(
    r"\b(?:(?:Dr|Prof|Professor|Sir|Dame|Mr|Mrs|Ms|Lord|Lady)\.?\s+)?"
    r"[A-Z][a-z]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b"
)
NOT_PERSON = frozenset(
    """The This That These Our Their Its In On At For Of And North South East West
    Northern Southern City Region Valley Park Hall Centre Center Council Fund Group
    University College Institute Partnership Programme Network Strategy Government
    Department Agency Zone Authority Combined Enterprise Deal Board Limited Ltd Plc
    Catapult Consortium Cluster Clusters Innovation Science Technology Research
    Yorkshire Scotland England Wales Britain Kingdom Ireland Freeport Bay Corridor
    Sciences Energy Space Digital National Global Local Investment Growth""".split()
)
# The evidence of authorship next to a name: "published ... by Paul Swinney".
AUTHORSHIP = re.compile(r"\b(?:author|wrote|written|writes?)\b", re.I)
AUTHORED = re.compile(r"\bby\b|\bauthor|\bwr[io]te\b|\bwritten\b", re.I)
# A place named after a preposition of place: "to Samlesbury", "in the North East",
# "outside of the Golden Triangle".
LOCATED = re.compile(
    r"\b(?:in|at|to|near|on|across|within|throughout|outside(?:\s+of)?)\s+(?:the\s+)?"
    r"([A-Z][\w'’&-]*(?:\s+(?:[A-Z][\w'’&-]*|&))*)"
)
# A name's word for who leads or backs a thing: "SRUC-led", "Glasgow-based".
LED_BY = re.compile(
    r"-(?:led|based|backed|funded|owned|run|driven|sponsored|hosted)\b", re.I
)
# A superlative: what a question asking for the most of something needs said.
SUPERLATIVE = re.compile(
    r"\b(?:most|least|largest|biggest|highest|lowest|smallest|greatest|fewest"
    r"|strongest|fastest|best|worst|leading|top)\b",
    re.I,
)
SUPERLATIVE_ASKED = re.compile(
    r"\bthe (?:most|least)\b|\b(?:largest|biggest|highest|lowest|smallest"
    r"|greatest|fewest|strongest|fastest)\b",
    re.I,
)
# A definite reference to a thing just named: "the project", "this centre".
BACK_REFERENCE = re.compile(r"\b(?i:the|this|these|that|those)\s+([a-z][a-z-]+)\b")
# Words that give a reason, for a "why" question.
REASON = re.compile(
    r"\b(?:because|reasons?|due to|as a result|thanks to|owing to|driven by|since"
    r"|so that|therefore|enables?|allows?|lets|means that|helps?)\b",
    re.I,
)
# Kinds whose answer must hold the figure, date, name or place asked for.
FIGURE_KINDS = ("number", "time", "person", "place")
HEADING, CREDIT = -1, -2  # candidate indexes of a heading and of a document's credit
CREDIT_ASKED = re.compile(
    r"\b(?:publish\w*|author\w*|wr[io]te|written|released|came out|issued|produced"
    r"|put out)\b",
    re.I,
)
# Words that ask for a sum of money (a figure question; the answer needs a sum).
SUM_ASKED = (
    r"\bhow much\b|\bworth\b|\bcost\b|\bprice\b"
    r"|\b(?:budget|turnover|income|revenue|gva)\b"
    r"|\bgross value\b"
)
# "When" that asks ("when was it founded", "by when"), not "what does it mean when".
WHEN = (
    r"^\s*(?:by |since |until )?when\b|[,;]\s*(?:and )?when\b|\band when\b"
    r"|\bwhen (?:is|was|are|were|did|does|do|will|would|has|have|had|can|could"
    r"|should|might)\b"
)
# "Which region …" asks for a place, as "where" does.
PLACE_ASKED = (
    r"\b(?:which|what) (?:[\w-]+ )?(?:region|regions|city|cities|town|towns|county"
    r"|counties|area|areas|place|places|nation|part of the country)\b"
)
# "Which company …" asks for a name, as "who" does.
BODY_ASKED = (
    r"\b(?:which|what) (?:[\w-]+ )?(?:company|companies|firm|firms|organi[sz]ations?"
    r"|bod(?:y|ies)|operator|universit(?:y|ies)|institutions?|agenc(?:y|ies)"
    r"|consultanc(?:y|ies)|consultants?|partners?)\b"
)
# "What did Raytheon pay for it" asks for a sum too.
PAY_ASKED = r"\bwhat (?:did|does|do|will|would) [^?]*\bpa(?:y|ys|id)\b"
# Things measured in money: "how large was the seed funding" asks for a sum.
MONEY_THINGS = (
    r"\b(?:fund|funds|funding|investment|investments|grant|grants|budget|deal"
    r"|endowment|prize|award)\b"
)
# "When will …", "when is it due to …": a time still to come when written.
FUTURE_ASKED = (
    r"\bwhen will\b|\bby when\b|\bwhen (?:is|are) [^?]*\b(?:due|expected|planned"
    r"|set|scheduled)\b"
)
# A measure of an economy or a business: the sum given must be said to be it.
# (how it is asked, how a sentence may say it): GVA is "value added to the economy".
MEASURES = (
    (re.compile(r"\bgva\b|\bgross value\b", re.I), r"\bgva\b|\bvalue\b"),
    (
        re.compile(r"\bturnover\b|\brevenues?\b|\bincome\b", re.I),
        r"\bturnover\b|\brevenues?\b|\bincome\b|\bsales\b",
    ),
)
MEASURE = re.compile("|".join(m.pattern for m, _ in MEASURES), re.I)
# A count of people in work, asked without "how many": "total employment".
EMPLOYMENT = re.compile(r"\b(?:employment|workforce|headcount|employ(?:s|ed)?)\b")
# How a sentence says money was given or put in: the sum asked for as funding
# must be said as funding, not as the worth of something.
MONEY_GIVEN = (
    MONEY_THINGS
    + r"|\bfunded\b|\binvest\w*|\bseeded\b|\ballocat\w*|\breceiv\w*|\bawarded\b"
    r"|\bsecured\b|\braised\b|\bcommit\w*|\bspen[dt]\b|\bbacked\b|\bfunds?\b"
)
# A year is no amount: "established in 2014" doesn't say how large something was.
A_YEAR = re.compile(r"(?<![\d,.£$€])\b(?:1[89]\d\d|20\d\d)s?\b(?![.,]?\d|\s?%)")
HOW_MEASURE = re.compile(r"\bhow\s+(long|far|old|big|large|often|soon|early)\b", re.I)
LIST_INTRO = re.compile(r"[:–—]\s*$")
LIST_ITEM = re.compile(r"^\s*(?:[•\-*–]|\d+[.)]|[a-z][.)])\s+")
# A sentence that starts with a pronoun, perhaps after an opening phrase.
PRONOUN_START = re.compile(
    r"^(?:[A-Z][\w ]{0,25},\s+)?(?:it|they|its|their|he|she|his|her)\b", re.I
)
COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}

Neighbour = Callable[[Passage], "Passage | None"]


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    rank: int  # the passage's rank in the search results
    index: int  # the sentence's position in the passage
    text: str
    context: float = 0.0  # question coverage of the sentence with its surroundings
    score: float = 0.0


class TermWeights:
    """Rarity weights (IDF) of words in the searched passages."""

    def __init__(self, total: int, frequency: Mapping[str, int]) -> None:
        self.total = max(total, 1)
        self.frequency = frequency

    def weight(self, word: str) -> float:
        rarity = math.log((self.total + 1) / (self.frequency.get(word, 0) + 0.5))
        return rarity * (PHRASING_WEIGHT if word in PHRASING else 1.0)


def question_kind(question: str) -> str:
    """What the last question asks for: a number, a time, a person (or body),
    a place, a reason, a definition, a list, or other."""
    asked = [q for q in re.split(r"(?<=\?)\s+", question) if q.strip()]
    q = (asked[-1] if asked else question).lower()
    if re.search(
        r"\bhow (?:many|large|big|long)\b|\bwhat (?:percentage|share|proportion"
        r"|number|amount|rate|size)\b|\b(?:number|amount|size) of\b|\bvalue of\b"
        r"|\btotal\b|\bnumbers\b|\b(?:what|which|target) figure\b|\bpopulation\b"
        r"|\blength\b|\bdistance\b|" + SUM_ASKED + "|" + PAY_ASKED,
        q,
    ):
        return "number"
    if re.search(
        WHEN + r"|\b(?:what|which) (?:year|date|month)\b|\bpoint in time\b"
        r"|\bhow (?:recent|current|up[- ]to[- ]date)\b|\bas of what\b"
        r"|\bdeadline\b|\bclosing date\b|\bwhat (?:period|years|time ?frame)\b",
        q,
    ):
        return "time"
    if re.match(r"\s*who\b", q) or re.search(BODY_ASKED, q):
        return "person"
    if (
        re.match(r"\s*where\b", q)
        or re.search(r"\bwhere (?:in|is|are|was|were)\b", q)
        or re.search(PLACE_ASKED, q)
    ):
        return "place"
    if re.search(r"\bwhy\b|\breasons? (?:for|why|that)\b|\bwhat explains\b", q):
        return "reason"
    if re.search(
        r"\bdefin|\bwhat (?:is|are) (?:an? )?[\w-]+(?: [\w-]+)?\?|\bmeaning of\b", q
    ):
        return "definition"
    if re.search(r"\b(?:what|which) are\b|\blist\b|\b(?:two|three|four|five|six)\b", q):
        return "list"
    return "other"


class ExtractiveAnswerer:
    """Compose a short answer from the passages' own sentences, with citations."""

    name = "extractive"

    def __init__(
        self,
        embedder: Embedder,
        neighbour: Neighbour | None = None,
        previous: Neighbour | None = None,
    ) -> None:
        self.embedder = embedder
        self.neighbour = neighbour  # the next passage of a document, for lists
        self.previous = previous  # the one before, for what a passage goes on from

    def _before(self, candidate: Candidate) -> str:
        """The end of the passage before, when a sentence opens its passage: what
        it goes on from ("… the National Cyber Force …" before "the bid")."""
        if candidate.index >= 2 or self.previous is None:
            return ""
        found = self.previous(candidate.passage)
        if found is None or _part(found.section) != _part(candidate.passage.section):
            return ""
        return " ".join(sentences(found.text)[-2:])

    def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        weights: TermWeights,
        question_vector: np.ndarray,
    ) -> Answer | None:
        """The answer, or None when the passages don't answer the question."""
        question = recase(question, passages[:PASSAGES_READ])
        terms = question_terms(question, weights)
        candidates = self._candidates(question, passages, terms)
        if not candidates:
            return None
        ranked, similarity = self._rescore(candidates, question_vector)
        kind = question_kind(question)
        specific: list[str] = []
        if kind in FIGURE_KINDS:
            read = passages[:PASSAGES_READ]
            known = set().union(*(content_stems(f"{p.section} {p.text}") for p in read))
            specific = specific_words(question, terms, known)
        if not answers(question, ranked[0], similarity[0]):
            return None
        # asked for a figure, a date or a name, the answer must hold it: from the
        # best sentence or its part of the document, or else from the next best
        # sentence that holds it and answers the question by itself
        for i, best in enumerate(ranked):
            if i > 0 and not (
                holds_figure(question, kind, best)
                and answers(question, best, similarity[i])
                and names_all(question, f"{best.text} {_where(best.passage)}")
                and not names_rival(question, best.text)
            ):
                continue
            chosen = self._compose(
                question, [best, *ranked[:i], *ranked[i + 1 :]], terms
            )
            if not compares(question, chosen):
                continue
            if kind not in FIGURE_KINDS:
                return cite(question, passages, with_antecedent(chosen))
            before = self._before(best)  # one store lookup, not one per sentence
            if any(
                holds_figure(question, kind, c)
                and about(question, c, best, specific, before)
                for c in chosen[:2]
            ):
                return cite(question, passages, with_antecedent(chosen))
            if i == 0 and holds_figure(question, kind, best):
                return None  # it has one, but not of what was asked
        return None

    def _candidates(
        self, question: str, passages: Sequence[Passage], terms: Mapping[str, float]
    ) -> list[Candidate]:
        kind = question_kind(question)
        found: list[Candidate] = []
        headings: set[tuple[str, str]] = set()  # each once per document
        credited: set[str] = set()  # documents whose credit is a candidate
        for rank, passage in enumerate(passages[:PASSAGES_READ]):
            heading = named_stems(question, f"{passage.title} {passage.section or ''}")
            credit = named_stems(question, passage.credit or "")
            lines = list(enumerate(sentences(passage.text)))
            # a heading that reads as a sentence says something itself ("Briefing
            # published on 2 August 2017 by Paul Swinney"): a candidate too, read
            # before the section's sentences (index -1); for a question about who
            # published or wrote a document, so is the document's credit (-2)
            said = said_by_heading(passage.section)
            if said and (passage.document, said) not in headings:
                headings.add((passage.document, said))
                lines.insert(0, (HEADING, said))
            line = passage.credit_line()
            if (
                line
                and CREDIT_ASKED.search(question)
                and passage.document not in credited
                and names_document(question, passage)
            ):
                credited.add(passage.document)
                lines.insert(0, (CREDIT, line))
            stems = [named_stems(question, text) for _i, text in lines]
            for n, (index, text) in enumerate(lines):
                around = set().union(
                    stems[n], heading, credit, *stems[max(0, n - 2) : n + 2]
                )
                lexical = coverage(terms, stems[n] | heading)
                context = coverage(terms, around)
                score = (
                    0.55 * lexical
                    + 0.25 * context
                    + 0.1 * fits(kind, text)
                    + 0.1 * (passage.similarity or 0.0)
                    - 0.02 * rank
                )
                found.append(Candidate(passage, rank, index, text, context, score))
        found.sort(key=lambda c: -c.score)
        return found

    def _rescore(
        self, candidates: Sequence[Candidate], question_vector: np.ndarray
    ) -> tuple[list[Candidate], list[float]]:
        """The shortlist re-ranked with each sentence's closeness to the question;
        returns it with those closenesses."""
        shortlist = list(candidates[:SHORTLIST])
        similarity = self.embedder.encode([c.text for c in shortlist]) @ question_vector
        order = sorted(
            range(len(shortlist)),
            key=lambda i: -(shortlist[i].score + 0.5 * float(similarity[i])),
        )
        return [shortlist[i] for i in order], [float(similarity[i]) for i in order]

    def _compose(
        self, question: str, ranked: Sequence[Candidate], terms: Mapping[str, float]
    ) -> list[Candidate]:
        """The best sentence, plus what completes it: the list it introduces, the
        next sentence when it is short or lacks the figure asked for, and a
        sentence answering a part of the question the others leave out (from the
        same document, or one that covers most of the question itself)."""
        best = ranked[0]
        chosen = [best, *self._continuation(question, ranked)]
        covered = set().union(*(content_stems(c.text) for c in chosen))
        for other in ranked[1:]:
            if sum(len(c.text) for c in chosen) > MAX_ANSWER_CHARS:
                break
            gain = coverage(terms, content_stems(other.text) - covered)
            if (
                gain >= MIN_GAIN
                and (
                    other.passage.document == best.passage.document
                    or other.context >= MIN_COVERAGE
                )
                and other.text not in {c.text for c in chosen}
            ):
                added = [other]
                # a sentence that introduces a list brings its items
                if LIST_INTRO.search(other.text):
                    quoted = {c.text for c in chosen} | {other.text}
                    added += [
                        item
                        for item in self._list_items(question, other)
                        if item.text not in quoted
                    ]
                chosen += added
                covered |= set().union(*(content_stems(c.text) for c in added))
        return chosen

    def _following(self, best: Candidate) -> list[Candidate]:
        """The sentences after the best one: the rest of its passage, then the
        start of the next passage of the same document and section. They go on
        with its subject, so they are read in its context."""
        parts = sentences(best.passage.text)
        after = [
            Candidate(best.passage, best.rank, j, parts[j], best.context)
            for j in range(max(best.index + 1, 0), len(parts))
        ]
        if len(after) < MAX_LIST_ITEMS and self.neighbour is not None:
            following = self.neighbour(best.passage)
            # only within the section: a new heading starts another subject
            if following is not None and following.section == best.passage.section:
                after += [
                    Candidate(following, best.rank, j, text, best.context)
                    for j, text in enumerate(sentences(following.text))
                ]
        return after

    def _continuation(
        self, question: str, ranked: Sequence[Candidate]
    ) -> list[Candidate]:
        best = ranked[0]
        if best.index == CREDIT:
            return []  # a credit is complete; the document's text doesn't go on it
        kind = question_kind(question)
        following = self._following(best)[:1]
        # a list the best sentence introduces, itself or through the next one
        introduces = LIST_INTRO.search(best.text) or (
            following and LIST_INTRO.search(following[0].text)
        )
        if kind == "list" or introduces:
            for head in ranked[:3] if kind == "list" else ranked[:1]:
                items = self._list_items(question, head)
                if items:
                    return items
        if kind not in ("number", "time", "place") and len(best.text) >= 100:
            return []
        if kind in ("number", "time", "place") and not holds_figure(
            question, kind, best
        ):
            if following and holds_figure(question, kind, following[0]):
                return following
            # the figure may be further on in the same part of the document
            return [
                c
                for c in ranked[1:]
                if same_part(c, best) and holds_figure(question, kind, c)
            ][:1]
        return following if len(best.text) < 100 and kind != "place" else []

    def _list_items(self, question: str, head: Candidate) -> list[Candidate]:
        """The items of the list a sentence introduces, directly or through one more
        sentence ending in a colon ("... the groups of firms were:")."""
        items: list[Candidate] = []
        introduced = bool(LIST_INTRO.search(head.text))
        for candidate in self._following(head)[
            : (list_length(question) or MAX_LIST_ITEMS) + 1
        ]:
            if LIST_ITEM.match(candidate.text) or (
                introduced and not items and len(candidate.text) < 200
            ):
                items.append(candidate)
            elif not items and LIST_INTRO.search(candidate.text):
                items.append(candidate)
                introduced = True
            else:
                break
        if items and not any(LIST_ITEM.match(c.text) for c in items) and not introduced:
            return []
        return items


def with_antecedent(chosen: Sequence[Candidate]) -> list[Candidate]:
    """The answer with the sentence before its first one when that starts with a
    pronoun ("For instance, it worked with …"): the reader needs to know what "it"
    is, and the sentence before says."""
    best = chosen[0]
    if best.index <= 0 or not PRONOUN_START.match(best.text):
        return list(chosen)
    before = sentences(best.passage.text)[best.index - 1]
    if before in {c.text for c in chosen}:
        return list(chosen)
    return [Candidate(best.passage, best.rank, best.index - 1, before), *chosen]


def cite(
    question: str, passages: Sequence[Passage], chosen: Sequence[Candidate]
) -> Answer:
    """The chosen sentences in order, each followed by its passage's number."""
    numbers: dict[str, int] = {}
    quoted: dict[str, list[str]] = {}
    cited: dict[str, Passage] = {}
    pieces: list[str] = []
    for candidate in chosen:
        key = candidate.passage.id
        n = numbers.setdefault(key, len(numbers) + 1)
        quoted.setdefault(key, []).append(candidate.text)
        cited[key] = candidate.passage
        pieces.append(f"{clean(candidate.text)} [{n}]")
    citations = [Citation(n, cited[k], " ".join(quoted[k])) for k, n in numbers.items()]
    return Answer(question, " ".join(pieces), False, citations, list(passages))


def recase(question: str, passages: Sequence[Passage]) -> str:
    """The question with its names capitalised as the passages write them, so a
    question typed in lower case ("how many jobs will teesside freeport create")
    names what it asks about, and its first word lower-cased when the passages use
    that word as a name nowhere ("Give me …")."""
    plain: set[str] = set()
    named: set[str] = set()
    for passage in passages:
        for sentence in sentences(passage.text):
            for i, word in enumerate(re.findall(r"[A-Za-z][\w'’-]*", sentence)):
                if not word[0].isupper():
                    plain.add(word.lower())
                elif i > 0:
                    named.add(word.lower())

    def cased(match: re.Match[str]) -> str:
        word = match.group()
        low = word.lower()
        if word.islower() and low in named and low not in plain:
            return word[0].upper() + word[1:]
        first = match.start() == 0 or question[: match.start()].rstrip()[-1:] in ".?!"
        if first and word[0].isupper() and low not in named:
            return low
        return word

    return re.sub(r"[A-Za-z][\w'’-]*", cased, question)


def question_terms(question: str, weights: TermWeights) -> dict[str, float]:
    """The question's content stems with their weights; the measure after "how"
    ("how long", "how far") phrases the question like "much" does."""
    measures = {m.lower() for m in HOW_MEASURE.findall(question)}
    terms: dict[str, float] = {}
    for word in content_words(question):
        weight = weights.weight(word) * (PHRASING_WEIGHT if word in measures else 1.0)
        terms[stem(word)] = max(terms.get(stem(word), 0.0), weight)
    return terms


def coverage(terms: Mapping[str, float], stems: set[str]) -> float:
    total = sum(terms.values())
    return sum(w for t, w in terms.items() if t in stems) / total if total else 0.0


def fits(kind: str, text: str) -> float:
    """1 when the sentence holds the kind of thing asked for (a figure, a time)."""
    if kind == "number":
        return 1.0 if NUMBER.search(text) else 0.0
    if kind == "time":
        return 1.0 if YEAR.search(text) else 0.0
    if kind == "reason":
        return 1.0 if REASON.search(text) else 0.0
    if kind == "definition":
        return 1.0 if DEFINING.search(text) else 0.0
    return 0.0


def answers_amount(question: str, text: str) -> bool:
    """Whether a sentence holds the amount asked for: a sum of money for "how much"
    or "worth", a number next to the thing counted for "how many jobs"."""
    asked = question.lower()
    if MEASURE.search(asked) and not any(
        pattern.search(asked) and re.search(said, text, re.I)
        for pattern, said in MEASURES
    ):
        return False  # "£160 million" for an investment zone is not its GVA
    text = A_YEAR.sub(" ", text)
    counted = re.search(
        r"\b(?:how many|number of) (?:of (?:the |these |those |our )?)?"
        r"((?:[\w-]+ ){0,1}[\w-]+)",
        asked,
    )
    share = re.search(r"\b(?:share|percentage|proportion|per ?cent)\b", asked)
    employment = EMPLOYMENT.search(asked) and not share
    if counted or employment or "population" in asked:
        if counted:
            named = counted.group(1).split()
            cut = next((i for i, w in enumerate(named) if w in NOT_COUNTED), len(named))
            words = content_words(" ".join(named[:cut]))
            units = {stem(w) for w in words if w not in PHRASING}
        elif "population" in asked:
            units = {stem("people"), stem("residents"), stem("inhabitants")}
        else:  # "employment in the cluster" is counted in people or jobs
            units = {stem("people"), stem("job"), stem("employment")}
        units |= {alike for unit in units for alike in SAME_UNIT.get(unit, ())}
        tokens = re.findall(r"[\w£$€%][\w£$€%,.-]*", text)
        for i, token in enumerate(tokens):
            # a count: not a share, nor a sum of money
            if NUMBER.search(token) and not (
                MONEY.search(token) or SHARE.search(token)
            ):
                near = tokens[max(0, i - 4) : i + 5]
                if units & {stem(t.strip(".,").lower()) for t in near}:
                    return True
        return not units and bool(NUMBER.search(text))
    if share:
        return bool(NUMBER.search(text))  # "5%", "half", "one in four"
    if re.search(SUM_ASKED + r"|\bvalue\b|" + PAY_ASKED, asked) or (
        re.search(r"\bhow (?:large|big)\b|\bsize\b", asked)
        and re.search(MONEY_THINGS, asked)
    ):
        if re.search(MONEY_THINGS, asked) and not re.search(MONEY_GIVEN, text, re.I):
            return False  # "an economy valued at £5 billion" is no funding
        return bool(MONEY.search(text))
    return bool(NUMBER.search(text))


def answers(question: str, best: Candidate, similarity: float) -> bool:
    """Whether the best sentence, read with its surroundings, answers at all."""
    if best.context >= MIN_COVERAGE and similarity >= MIN_SIMILARITY:
        return True
    if best.context < PARAPHRASE_COVERAGE or similarity < PARAPHRASE_SIMILARITY:
        return False
    return names_all(question, f"{_around(best)} {_where(best.passage)}")


def names_all(question: str, text: str) -> bool:
    """Whether a text names something of each name in the question (a measure
    like "GVA" is no name)."""
    have = named_stems(question, text)
    return all(
        not named or named & have
        for named in (
            content_stems(re.sub(LED_BY, "", name))  # "SRUC-led": SRUC is named
            for _s, _e, name in proper_names(question)
            if not re.fullmatch(SUM_ASKED, name.lower())
        )
    )


def names_document(question: str, passage: Passage) -> bool:
    """Whether a question names a passage's document in full, by what it names
    (its title, publisher, author or id): "when was the Centre for Cities
    briefing published" does, "when was the Humber Industrial Cluster Plan
    published" does not name the report that mentions that plan."""
    have = named_stems(question, f"{passage.title} {passage.credit or ''} "
                                 f"{passage.document.replace('-', ' ')}")  # fmt: skip
    return all(
        not named or named <= have
        for named in (content_stems(name) for _s, _e, name in proper_names(question))
    )


def names_one_in_full(question: str, text: str) -> bool:
    """Whether a text names one of the question's names in full (every word of
    "Dairy Nexus", not just "Dairy")."""
    have = named_stems(question, text)
    return any(
        named and named <= have
        for named in (content_stems(name) for _s, _e, name in proper_names(question))
    )


def names_rival(question: str, text: str) -> bool:
    """Whether a text names another thing of a kind the question names, and not
    the question's own: "the Liverpool Freeport" for "the Teesside Freeport"."""
    have = named_stems(question, text)
    for _s, _e, name in proper_names(question):
        head = content_stems(name.split()[-1])
        own = content_stems(name)
        if len(name.split()) < 2 or not head or own <= have:
            continue
        for other in _names_apart(text):
            if (
                len(other.split()) >= 2
                and content_stems(other.split()[-1]) == head
                and not content_stems(other) <= own
            ):
                return True
    return False


def _names_apart(text: str) -> list[str]:
    """The text's names, with names joined by "and" taken apart: "the Dalton
    Cumbrian Facility and Robotics and AI Collaboration" names a facility and a
    collaboration, not one collaboration of Dalton."""
    return [
        part
        for _s, _e, name in proper_names(text)
        for part in re.split(r"\s+(?:and|&)\s+", name)
    ]


def _around(candidate: Candidate) -> str:
    """The sentences around a candidate in its passage: two before, one after."""
    parts = sentences(candidate.passage.text)
    return " ".join(parts[max(0, candidate.index - 2) : candidate.index + 2])


def _where(passage: Passage) -> str:
    """A passage's section, document title, id and credit, as words."""
    return (
        f"{passage.section or ''} {passage.title} {passage.document.replace('-', ' ')}"
        f" {passage.credit or ''}"
    )


def named_stems(question: str, text: str) -> set[str]:
    """A text's content stems, with the question's acronyms the text spells out
    ("DSIT" for "Department for Science, Innovation and Technology") and the
    question's spelled-out names the text abbreviates."""
    have = content_stems(text)
    for acronym in set(ACRONYM.findall(question)):
        if spelling(acronym, text):
            have.add(stem(acronym))
    for acronym in set(ACRONYM.findall(text)):
        spelled = spelling(acronym, question)
        if spelled:
            have |= content_stems(spelled)
    return have


def holds_figure(question: str, kind: str, candidate: Candidate) -> bool:
    """Whether a sentence holds the figure, date or name a question asks for."""
    text = candidate.text
    if kind == "number":
        return answers_amount(question, text)
    if kind == "time" and re.search(FUTURE_ASKED, question, re.I):
        # "when will it open" asks for a time after the document was written
        written = [int(y[:4]) for y in A_YEAR.findall(candidate.passage.credit or "")]
        years = [int(y[:4]) for y in A_YEAR.findall(text)]
        return bool(years) and (not written or max(years) >= written[0])
    if kind == "person":
        if ROLE.search(question):
            return names_person(question, text) and holds_role(question, text)
        return names_another(question, text)
    if kind == "place":
        return names_place(question, text)
    if kind == "time" and re.search(r"\bmonth\b", question, re.I):
        return bool(MONTH.search(text))
    return bool(fits(kind, text))


def holds_role(question: str, text: str) -> bool:
    """Whether a sentence says the role asked about: "chaired by", "the chief
    executive, …"; for an author, "by" or "written" will do."""
    role = ROLE.search(question)
    if role is None:
        return True
    if AUTHORSHIP.search(role.group()):
        return bool(AUTHORED.search(text))
    said = content_stems(text)
    return all(
        any(s.startswith(r[:4]) for s in said) for r in content_stems(role.group())
    )


def names_place(question: str, text: str) -> bool:
    """Whether a sentence names a place the question doesn't, after a preposition
    of place ("to Samlesbury", "in the Tees Valley")."""
    asked = content_stems(question)
    for match in LOCATED.finditer(text):
        named = content_stems(match.group(1))
        if named and not named <= asked:
            return True
    return False


def said_by_heading(section: str | None) -> str | None:
    """A section heading that reads as a sentence: five or more words, at least
    half of them not capitalised, and not a question."""
    heading = (section or "").split(" › ")[-1].strip()
    words = heading.split()
    if len(words) < 5 or heading.endswith("?"):
        return None
    plain = sum(1 for w in words if not w[:1].isupper())
    return heading if 2 * plain >= len(words) else None


def names_person(question: str, text: str) -> bool:
    """Whether a sentence names a person the question doesn't ("Paul Swinney",
    "Dr Jane Smith"): capitalised first and last names that are not the words of
    places and bodies."""
    asked = content_stems(question)
    for match in PERSON.finditer(text):
        name = match.group()
        if not set(name.split()) & NOT_PERSON and not content_stems(name) <= asked:
            return True
    return False


def names_another(question: str, text: str) -> bool:
    """Whether a sentence names someone or something the question doesn't (a
    capitalised name, not just the capital that starts the sentence)."""
    asked = content_stems(question)
    for start, _end, name in proper_names(text):
        named = content_stems(name)
        if named and not named <= asked and (start > 0 or " " in name):
            return True
    return False


def compares(question: str, chosen: Sequence[Candidate]) -> bool:
    """Whether an answer can say what is the most (or least) of something, when
    the question asks: it says so itself ("the largest"), or gives two figures or
    more to compare. A definition of cluster types is no answer to "which single
    cluster has the most firms"."""
    if not SUPERLATIVE_ASKED.search(question):
        return True
    text = " ".join(c.text for c in chosen)
    return bool(SUPERLATIVE.search(text)) or len(NUMBER.findall(text)) >= 2


def refers_back(candidate: Candidate, best: Candidate) -> bool:
    """Whether a sentence comes right after the best one and goes on with its
    subject by a definite reference to a thing the best one names: "… the Digital
    Dairy Chain project will see SRUC …" then "the project is expected to create
    more than 600 jobs"."""
    if candidate.passage is not best.passage or candidate.index != best.index + 1:
        return False
    named = content_stems(best.text)
    return any(
        content_stems(noun) <= named
        for noun in BACK_REFERENCE.findall(candidate.text)
        if content_stems(noun)
    )


def same_part(candidate: Candidate, best: Candidate) -> bool:
    """Whether two sentences come from one part of one document (the same
    top-level section: "Cumbria: Clean Energy › Evolution" is in "Cumbria: Clean
    Energy")."""
    a, b = candidate.passage, best.passage
    return a.document == b.document and _part(a.section) == _part(b.section)


def _part(section: str | None) -> str:
    return (section or "").split(" › ")[0]


def on_subject(candidate: Candidate, best: Candidate) -> bool:
    """Whether a sentence's figure answers the question the best sentence is
    about: it is in the same part of the same document (so it continues its
    subject), or it covers most of the question by itself with its surroundings.
    A figure from another subject is not an answer ("27,000 people" in South
    Yorkshire for a question about Lancashire)."""
    return same_part(candidate, best) or candidate.context >= MIN_COVERAGE


def about(
    question: str,
    candidate: Candidate,
    best: Candidate,
    specific: Sequence[str] | None = None,
    before: str = "",
) -> bool:
    """Whether a sentence's figure is about what the question asks of: the best
    sentence's is when it (with its neighbours and heading) names something of each
    name in the question ("3,443 clusters in the UK" is no answer for Scotland);
    another's must also be on its subject and, with its surroundings, cover a fair
    share of the question ("£5 billion" said of a region's digital economy does not
    answer what a pilot programme in that region received). "More than 600 jobs"
    said of one project does not answer how many jobs another project in that
    section creates. A figure said of another year than the one asked about is
    not an answer either ("£113 million by 2020" for the income in 2023)."""
    if names_rival(question, candidate.text) or other_year(question, candidate.text):
        return False  # "the Liverpool Freeport opened in 2023": not the Teesside one
    if candidate is best:
        said = f"{before} {best.text} {_around(best)} {_where(best.passage)}"
        return names_all(question, said) and names_specific(question, said, specific)
    if not on_subject(candidate, best) or candidate.context < PARAPHRASE_COVERAGE:
        return False
    said = f"{candidate.text} {_where(candidate.passage)}"
    if refers_back(candidate, best):
        said = f"{best.text} {said}"  # "the project" is the one just named
    if names_all(question, said) and names_specific(question, said, specific):
        return True
    # "the £8 million Dairy Nexus project" answers "Dairy Nexus at Barony — how
    # much is it worth" when it names the subject in full and the best sentence,
    # in the same part, names the rest
    return (
        same_part(candidate, best)
        and names_one_in_full(question, candidate.text)
        and about(question, best, best, specific, before)
    )


def specific_words(
    question: str, terms: Mapping[str, float], known: set[str]
) -> list[str]:
    """The most specific word (the rarest in the corpus, among those the read
    passages use at all, so a typo or a short form like "Uni" doesn't count) of
    each of the question's names of two words or more."""
    found = []
    for _s, _e, name in proper_names(question):
        if re.fullmatch(SUM_ASKED, name.lower()):
            continue
        weighted = [(terms.get(t, 0.0), t) for t in content_stems(name) if t in known]
        if len(content_stems(name)) > 1 and weighted:
            found.append(max(weighted)[1])
    return found


def names_specific(question: str, text: str, specific: Sequence[str] | None) -> bool:
    """Whether a text names the most specific word of each of the question's names:
    "Cluster" is not the "Humber Industrial Cluster Plan", "Freeport" not the
    "Teesside Freeport"."""
    if not specific:
        return True
    have = named_stems(question, text)
    return all(word in have for word in specific)


def other_year(question: str, text: str) -> bool:
    """Whether a question about a given year ("income in 2023") meets a sentence
    that gives its figure for other years only."""
    if question_kind(question) == "time":
        return False
    asked = set(A_YEAR.findall(question))
    said = set(A_YEAR.findall(text))
    return bool(asked and said and not asked & said)


def list_length(question: str) -> int:
    for word in re.findall(r"[a-z]+", question.lower()):
        if word in COUNT_WORDS:
            return COUNT_WORDS[word]
    return 0


def clean(text: str) -> str:
    """A quoted sentence without list bullets or its own citation markers (a
    document's "[7]" would read as one of ours)."""
    text = MARKER.sub("", LIST_ITEM.sub("", text))
    text = re.sub(r"\s+", " ", text).strip()
    return text if text.endswith((".", "!", "?", ":")) else text + "."
