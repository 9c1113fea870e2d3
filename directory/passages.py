"""Passages in the store: document chunks and profiles, written with their document in
one transaction, and found lexically with FTS5's BM25.

The store is the truth about what is searchable: the vector index may briefly hold
ids the store no longer has (a crash between the two writes), so every search
result is looked up here and anything unknown is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from directory.store import DirectoryStore, StoreError

PASSAGE_COLUMNS = (
    "id",
    "source",
    "document_id",
    "ordinal",
    "title",
    "section",
    "page",
    "text",
)
FILTERS = ("document", "publisher", "kind", "year")
# column weights of bm25(): title, section heading, text
BM25_WEIGHTS = (0.5, 2.0, 1.0)


def document(store: DirectoryStore, document_id: str) -> dict[str, Any] | None:
    rows = store.query("SELECT * FROM documents WHERE id = ?", [document_id])
    return rows[0] if rows else None


def save_document(
    store: DirectoryStore,
    record: Mapping[str, Any],
    passages: Sequence[Mapping[str, Any]],
    actor: str,
) -> str:
    """Record a document and replace its passages, all or nothing; the audit entry
    is the document's (created / updated / unchanged)."""
    with store.transaction():
        outcome = store.upsert_document({**record, "chunks": len(passages)}, actor)
        store.db.execute(
            "DELETE FROM passages WHERE source = 'document' AND document_id = ?",
            [record["id"]],
        )
        store.db.table("passages").insert_all(
            [{c: p.get(c) for c in PASSAGE_COLUMNS} for p in passages]
        )
    return outcome


def remove_document(
    store: DirectoryStore, document_id: str, actor: str
) -> dict[str, Any]:
    """Delete a document and its passages; the audit keeps what was removed."""
    with store.transaction():
        before = document(store, document_id)
        if before is None:
            raise StoreError(f"no document with id {document_id!r}")
        store.db.execute(
            "DELETE FROM passages WHERE source = 'document' AND document_id = ?",
            [document_id],
        )
        store.db.execute("DELETE FROM documents WHERE id = ?", [document_id])
        store.audit(actor, "delete", "document", document_id, before, None)
    return before


def replace_profiles(
    store: DirectoryStore, source: str, passages: Sequence[Mapping[str, Any]]
) -> tuple[list[str], list[str]]:
    """Make the store's ``source`` profiles exactly ``passages``; returns the ids
    added and removed (profile ids hash their text, so a change is both)."""
    wanted = {p["id"]: p for p in passages}
    with store.transaction():
        have = passage_ids(store, source)
        removed = sorted(have - wanted.keys())
        added = sorted(wanted.keys() - have)
        for start in range(0, len(removed), 500):
            part = removed[start : start + 500]
            store.db.execute(
                f"DELETE FROM passages WHERE id IN ({', '.join('?' * len(part))})",
                part,
            )
        store.db.table("passages").insert_all(
            [{c: wanted[i].get(c) for c in PASSAGE_COLUMNS} for i in added]
        )
    return added, removed


def passage_ids(store: DirectoryStore, source: str) -> set[str]:
    rows = store.db.execute("SELECT id FROM passages WHERE source = ?", [source])
    return {row[0] for row in rows}


def passages_by_id(
    store: DirectoryStore, ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The passages with these ids that still exist; a document's passage also
    carries its document's publisher, author, date and year."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        rows = store.query(
            "SELECT p.*, d.publisher, d.author, d.date, d.year FROM passages p"
            " LEFT JOIN documents d ON p.source = 'document' AND d.id = p.document_id"
            f" WHERE p.id IN ({', '.join('?' * len(part))})",
            part,
        )
        found.update({row["id"]: row for row in rows})
    return found


def passages_of(
    store: DirectoryStore, source: str, document_id: str
) -> list[dict[str, Any]]:
    return store.query(
        "SELECT * FROM passages WHERE source = ? AND document_id = ? ORDER BY ordinal",
        [source, document_id],
    )


def adjacent_passage(
    store: DirectoryStore,
    source: str,
    document_id: str,
    ordinal: int,
    before: bool = False,
) -> dict[str, Any] | None:
    """The passage right after (or, with ``before``, right before) an ordinal in
    its document."""
    compare, order = ("<", "DESC") if before else (">", "ASC")
    rows = store.query(
        f"SELECT * FROM passages WHERE source = ? AND document_id = ?"
        f" AND ordinal {compare} ? ORDER BY ordinal {order} LIMIT 1",
        [source, document_id, ordinal],
    )
    return rows[0] if rows else None


def _filter_sql(filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for key in FILTERS:
        value = filters.get(key)
        if value is None:
            continue
        column = "d.id" if key == "document" else f"d.{key}"
        clauses.append(f"{column} = ?")
        params.append(value)
    return "".join(f" AND {c}" for c in clauses), params


def lexical_search(
    store: DirectoryStore,
    match: str,
    source: str,
    limit: int,
    filters: Mapping[str, Any] | None = None,
) -> list[tuple[str, float]]:
    """Passage ids matching an FTS5 expression, best BM25 first (score: higher better)."""
    if not match:
        return []
    extra, params = _filter_sql(filters or {})
    join = "JOIN documents d ON d.id = p.document_id" if extra else ""
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    rows = store.db.execute(
        f"""
        SELECT p.id, bm25(passages_fts, {weights}) AS rank
        FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid {join}
        WHERE passages_fts MATCH ? AND p.source = ?{extra}
        ORDER BY rank LIMIT ?
        """,
        [match, source, *params, limit],
    ).fetchall()
    return [(row[0], -float(row[1])) for row in rows]


def acronym_sources(store: DirectoryStore, acronym: str, limit: int = 20) -> list[str]:
    """Texts that may spell an acronym out: the documents' publishers, authors and
    titles, and the document passages that use the acronym."""
    names = store.db.execute(
        "SELECT publisher, author, title FROM documents"
    ).fetchall()
    token = "".join(ch for ch in acronym if ch.isalnum())
    using = (
        store.db.execute(
            """SELECT p.text FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid
           WHERE passages_fts MATCH ? AND p.source = 'document' LIMIT ?""",
            ['"' + token + '"', limit],
        ).fetchall()
        if token
        else []
    )
    return [str(v) for row in names for v in row if v] + [row[0] for row in using]


def term_frequencies(
    store: DirectoryStore, words: Iterable[str], sources: Sequence[str]
) -> tuple[int, dict[str, int]]:
    """How many passages of these sources there are, and how many hold each word
    (matched by the FTS index's own stemmer, so it agrees with lexical search)."""
    marks = ", ".join("?" * len(sources))
    total = store.db.execute(
        f"SELECT count(*) FROM passages WHERE source IN ({marks})", list(sources)
    ).fetchone()[0]
    found: dict[str, int] = {}
    for word in dict.fromkeys(words):
        token = "".join(ch if ch.isalnum() else " " for ch in word).strip()
        if not token:
            continue
        phrase = '"' + token + '"'
        found[word] = store.db.execute(
            f"""SELECT count(*) FROM passages_fts JOIN passages p
                ON p.rowid = passages_fts.rowid
                WHERE passages_fts MATCH ? AND p.source IN ({marks})""",
            [phrase, *sources],
        ).fetchone()[0]
    return int(total), found
