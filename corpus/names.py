"""Organisation names: the normal form used to match records, and the kind a name implies."""

from __future__ import annotations

import re
import unicodedata

_LEGAL_SUFFIXES = re.compile(
    r"\b(public limited company|limited|ltd|plc|llp|l\s?l\s?p)\b", re.IGNORECASE
)
_NON_WORD = re.compile(r"[^\w\s]")


def normalise_name(name: str) -> str:
    """Case, accents, punctuation and Ltd/Limited/Plc/LLP removed, spaces collapsed.

    >>> normalise_name("Rolls-Royce PLC")
    'rolls royce'
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _NON_WORD.sub(" ", text.replace("&", " and "))
    while True:  # until stable, so that normalising twice changes nothing
        shorter = _LEGAL_SUFFIXES.sub(" ", text)
        shorter = re.sub(r"^the\s+", "", " ".join(shorter.split()))
        if shorter == text:
            return text
        text = shorter


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(patterns) + r")\b", re.IGNORECASE)


# First match wins, so the more specific kinds come first ("NHS ... Foundation
# Trust" is a public body, "Medical Research Council" a research organisation).
_KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("public body", _words(r"nhs", r"health board", r"hospitals?", r"police")),
    (
        "research organisation",
        _words(
            r"research councils?",
            r"research (institute|centre|center|laborator(y|ies)|station)",
            r"institute",
            r"laborator(y|ies)",
            r"catapult",
            r"observatory",
            r"geological survey",
            r"centre for",
            r"research( and development)?",
        ),
    ),
    (
        "university",
        _words(r"universit(y|ies)", r"college", r"school of", r"polytechnic"),
    ),
    (
        "business",
        _words(
            r"ltd",
            r"limited",
            r"plc",
            r"llp",
            r"inc",
            r"corp(oration)?",
            r"gmbh",
            r"ag",
            r"sa",
            r"s\.a",
            r"bv",
            r"nv",
            r"spa",
            r"ab",
            r"as",
            r"oy",
            r"co",
            r"company",
            r"group",
            r"holdings",
            r"systems",
            r"technolog(y|ies)",
            r"innovations?",
            r"associates",
            r"architects",
            r"consult(ants?|ing|ancy)",
            r"solutions",
            r"services",
            r"engineering",
            r"pharma(ceuticals?)?",
            r"electronics",
            r"software",
            r"industries",
            r"management",
        ),
    ),
    (
        "public body",
        _words(
            r"council",
            r"government",
            r"department (for|of)",
            r"ministry",
            r"agency",
            r"authority",
            r"executive",
            r"commission",
            r"parliament",
            r"board",
            r"lottery fund",
            r"museums?",
            r"historic (scotland|england|environment scotland)",
            r"met office",
            r"natural (england|resources wales)",
            r"nature ?scot",
            r"scottish natural heritage",
            r"scottish enterprise",
            r"highlands and islands enterprise",
        ),
    ),
    (
        "charity",
        _words(
            r"trust",
            r"foundation",
            r"charit(y|able)",
            r"society",
            r"association",
            r"royal institution",
            r"federation",
            r"conservation",
            r"action for",
        ),
    ),
)


def infer_kind(name: str) -> str:
    """Best guess of an organisation's kind from its name; 'other' when unsure."""
    for kind, pattern in _KIND_RULES:
        if pattern.search(name):
            return kind
    return "other"
