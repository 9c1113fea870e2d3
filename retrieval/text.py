"""Plain-text analysis shared by search and the answerers: words, stems, sentences."""

from __future__ import annotations

import re
from functools import lru_cache

_STOPWORD_LIST = """
    a about above after again against all also am an and any are as at be because
    been before being below between both but by can could did do does doing down
    during each few for from further had has have having he her here hers herself
    him himself his how i if in into is it its itself just me more most my myself
    no nor not of off on once only or other our ours ourselves out over own same
    she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours yourself
    yourselves tell say says said give given list name named describe explain
    according document documents report mention mentioned please its s t whether
    really
"""
STOPWORDS = frozenset(_STOPWORD_LIST.split())
WORD = re.compile(r"[A-Za-z0-9£$€%][A-Za-z0-9£$€%&'’.,-]*[A-Za-z0-9%]|[A-Za-z0-9]")
# A sentence ends at . ! ? (or a line break) followed by a capital, digit, bullet or quote.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“‘(A-Z0-9£•])|\n+")
MARKER_ONLY = re.compile(r"^(?:\d{1,2}|[a-z])[.)]$")  # "1." of "1. RD&I-active"
ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc|vs|Dr|Mr|Mrs|Ms|Prof|St|No|approx)\.$")


NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}  # fmt: skip
# Words that phrase a question rather than name its topic: they count for little
# when judging whether a sentence answers it.
_PHRASING_LIST = """
    much many worth define defined definition call called previously formerly former
    today currently current roughly approximately suggest suggests recommend
    recommends example examples kind kinds type types mean means meaning main key
    role face faces set get got hold holds whose actually total number amount extra
    proposed supposed aim aims make made use used happen happened involve involved
    approach ways way known describe described find found identify identified
    show shows showed try tries tried trying achieve achieves achieving
    summarise summarize outline explain tell give list need needs count counts
    renamed rename renaming
"""
PHRASING = frozenset(_PHRASING_LIST.split())
# A people's adjective names its place: "the Scottish Government" is Scotland's.
DEMONYMS = {
    "scottish": "scotland", "welsh": "wales", "english": "england",
    "british": "uk", "britain": "uk", "irish": "ireland", "european": "europe",
    "danish": "denmark", "norwegian": "norway", "swedish": "sweden",
    "finnish": "finland", "german": "germany", "french": "france",
    "dutch": "netherlands", "spanish": "spain", "italian": "italy",
}  # fmt: skip
POSSESSIVE = re.compile(r"['’]s$")
MONTHS = (
    "January February March April May June July August September October"
    " November December"
).split()
# An acronym ("DSIT", "IDBR") and the small words a spelled-out name may hold
# ("Department for Science, Innovation and Technology").
ACRONYM = re.compile(r"\b[A-Z][A-Z&]{1,7}s?\b")
ACRONYM_JOINERS = frozenset("for and of the in on at to".split())


def words(text: str) -> list[str]:
    """Lower-cased word tokens, keeping figures like 3,443 and £160m whole; the
    possessive 's is dropped ("Norway's" is "norway")."""
    return [POSSESSIVE.sub("", w.lower()).strip(".,'’-") for w in WORD.findall(text)]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix-stripping stem, so "clusters", "clustered", "clustering" meet,
    and so do "economy", "economic" and "economics"."""
    word = word.lower()
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    word = DEMONYMS.get(word, word)
    stemmed, word = _strip_suffix(word), ""
    while stemmed != word:  # to a fixed point: "businesses" and "business" meet
        stemmed, word = _strip_suffix(stemmed), stemmed
    # "create" meets "created" and "creating": a final e goes, as the suffixes did
    if stemmed.endswith("e") and len(stemmed) >= 4 and stemmed.isalpha():
        return stemmed[:-1]
    return stemmed


def _strip_suffix(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, keep in (
        ("ational", "ate"), ("isation", "ise"), ("ization", "ize"), ("iveness", "ive"),
        ("fulness", "ful"), ("ousness", "ous"), ("ements", ""), ("ement", ""),
        ("ships", ""), ("ship", ""),
        ("ments", ""), ("ment", ""), ("ities", ""), ("ity", ""), ("ings", ""),
        ("ing", ""), ("ies", ""), ("ied", ""), ("ers", ""), ("er", ""), ("ed", ""),
        ("es", ""), ("s", ""), ("al", ""), ("ly", ""), ("ic", ""), ("y", ""),
    ):  # fmt: skip
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: len(word) - len(suffix)] + keep
    return word


def content_words(text: str) -> list[str]:
    """The words that carry meaning: not stopwords, not one letter."""
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}


def fts_query(text: str, limit: int = 32) -> str:
    """An FTS5 expression: any of the question's content words, each quoted so that
    punctuation or operators in user text can never change the query's meaning. A
    number is looked for in digits too ("three goals" finds "3 goals")."""
    seen: list[str] = []
    for word in content_words(text):
        token = re.sub(r"[^0-9a-z]+", " ", word).strip()
        for part in token.split():
            for form in (part, NUMBER_WORDS.get(part)):
                if (
                    form
                    and form not in seen
                    and form not in STOPWORDS
                    and (len(form) > 1 or form.isdigit())
                ):
                    seen.append(form)
    return " OR ".join(f'"{t}"' for t in seen[:limit])


def sentences(text: str) -> list[str]:
    """The sentences of a passage (list items and lines count as sentences)."""
    pieces = [p.strip() for p in SENTENCE_END.split(text) if p and p.strip()]
    merged: list[str] = []
    for piece in pieces:
        if merged and (
            ABBREVIATIONS.search(merged[-1]) or MARKER_ONLY.match(merged[-1])
        ):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def spelling(acronym: str, text: str) -> str | None:
    """The capitalised words of a text whose initials spell an acronym (small
    joining words allowed between them), or None."""
    letters = re.sub(r"[^A-Z]", "", acronym.rstrip("s"))
    if len(letters) < 2:
        return None
    tokens = re.findall(r"[A-Za-z][A-Za-z'’]*", text.replace("-", " "))
    for start, token in enumerate(tokens):
        if token[0] != letters[0]:
            continue
        i, k = start, 0
        while i < len(tokens) and k < len(letters):
            word = tokens[i]
            if len(word) > 1 and word.isupper() and letters[k:].startswith(word):
                k += len(word)  # "UK" in "UK Research and Innovation" (UKRI)
            elif word[0] == letters[k] and word[0].isupper():
                k += 1
            elif tokens[i].lower() not in ACRONYM_JOINERS:
                break
            i += 1
        if k == len(letters) and i - start > 1:
            return " ".join(tokens[start:i])
    return None
