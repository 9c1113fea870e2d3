"""Hybrid search: dense (Chroma) and lexical (FTS5 BM25) rankings fused by reciprocal
rank fusion, hydrated from the store so only passages that exist are returned."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from retrieval.embedding import Embedder
from retrieval.index import IndexUnavailable, VectorIndex
from retrieval.passages import Passage, Source
from retrieval.text import MONTHS, fts_query

RRF_K = 30  # reciprocal rank fusion's constant (Cormack et al. use 60; 30 lets a passage at the top of one ranking count a little more)
CANDIDATES = 40  # taken from each ranking before fusing
MAX_QUERY_CHARS = 2000
log = logging.getLogger(__name__)


class PassageStore(Protocol):
    """What search needs from the store (directory.passages over one connection)."""

    def lexical(
        self, match: str, source: Source, limit: int, filters: Mapping[str, Any]
    ) -> list[tuple[str, float]]: ...

    def lookup(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]: ...

    def following(self, passage: Passage) -> Passage | None: ...

    def frequencies(
        self, words: Iterable[str], sources: Sequence[Source]
    ) -> tuple[int, dict[str, int]]: ...

    def spelled_out(self, acronym: str) -> str | None: ...


@dataclass(frozen=True)
class SearchFilters:
    document: str | None = None
    publisher: str | None = None
    kind: str | None = None
    year: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def chroma_where(self) -> dict[str, Any] | None:
        clauses = [{k: v} for k, v in self.as_dict().items()]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, ident in enumerate(ranking, start=1):
            scores[ident] = scores.get(ident, 0.0) + 1.0 / (RRF_K + rank)
    return scores


class HybridSearch:
    """Search one or more sources; results carry their cosine similarity to the query."""

    def __init__(self, embedder: Embedder, index: VectorIndex, store: PassageStore):
        self.embedder = embedder
        self.index = index
        self.store = store

    def search(
        self,
        query: str,
        k: int = 10,
        sources: Sequence[Source] = ("document",),
        filters: SearchFilters | None = None,
        vector: np.ndarray | None = None,
    ) -> list[Passage]:
        query = query[:MAX_QUERY_CHARS]
        if vector is None:
            vector = self.embedder.encode([query])[0]
        filters = filters or SearchFilters()
        found: list[Passage] = []
        for source in sources:
            found.extend(self._search_source(query, vector, source, filters))
        found.sort(key=lambda p: (-p.score, p.id))
        return found[:k]

    def _search_source(
        self, query: str, vector: np.ndarray, source: Source, filters: SearchFilters
    ) -> list[Passage]:
        if source != "document" and filters.as_dict():
            return []  # document filters exclude profiles
        readable, where = True, filters.chroma_where()
        try:
            dense = self.index.nearest(source, vector, CANDIDATES, where)
        except IndexUnavailable as exc:  # the lexical ranking alone, until it reads
            log.warning("dense search of %s skipped: %s", source, exc)
            dense, readable = [], False
        lexical = self.store.lexical(
            fts_query(query), source, CANDIDATES, filters.as_dict()
        )
        fused = reciprocal_rank_fusion([[i for i, _ in dense], [i for i, _ in lexical]])
        rows = self.store.lookup(fused)
        similarity = dict(dense)
        missing = [i for i in rows if i not in similarity]
        try:
            stored = self.index.vectors(source, missing) if readable else {}
        except IndexUnavailable:
            stored = {}
        for ident, found in stored.items():
            similarity[ident] = float(found @ vector)
        return [
            replace(
                passage_from_row(rows[i]),
                score=score,
                similarity=similarity.get(i),
            )
            for i, score in fused.items()
            if i in rows
        ]


def passage_from_row(row: Mapping[str, Any]) -> Passage:
    return Passage(
        id=row["id"],
        source=row["source"],
        document=row["document_id"],
        title=row["title"],
        section=row["section"],
        page=row["page"],
        text=row["text"],
        ordinal=row["ordinal"],
        credit=credit(row),
    )


def credit(row: Mapping[str, Any]) -> str | None:
    """ "published by Centre for Cities on 2 August 2017, written by Paul Swinney"
    from a document's metadata, or None when it has none."""
    when = None
    date = str(row.get("date") or "")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) and 1 <= int(date[5:7]) <= 12:
        when = f"on {int(date[8:])} {MONTHS[int(date[5:7]) - 1]} {date[:4]}"
    elif row.get("year"):
        when = f"in {row['year']}"
    parts = []
    if row.get("publisher") or when:
        by = f" by {row['publisher']}" if row.get("publisher") else ""
        parts.append(f"published{by}{f' {when}' if when else ''}")
    if row.get("author"):
        parts.append(f"written by {row['author']}")
    return ", ".join(parts) or None
