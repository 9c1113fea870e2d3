"""The use cases of documents and search: ingest, remove, refresh profiles, search.

Like ``services``, each function takes the settings and returns plain data or raises
a domain error fit to show a user. The store holds the truth (documents and their
passages); the vector index follows it. Writes go index first, store second, stale
vectors last, so a crash at any point leaves nothing half-visible: search only
returns passages the store has, and ``reconcile`` (run before every ingest and
profile refresh) drops orphan vectors and embeds whatever the index is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from corpus.documents import describe_document, read_manifest
from corpus.readers import READABLE_SUFFIXES, read_document
from corpus.tables import FileRefused
from corpus.values import controls_as_spaces
from directory import passages as passage_store
from directory import profiles
from directory.store import DirectoryStore, StoreError, slugify
from portal.settings import Settings
from portal.workspace import open_store
from retrieval.answering import QuestionAnswering
from retrieval.chunking import Chunk, SectionText, chunk_sections
from retrieval.embedding import Embedder, shared_embedder
from retrieval.extractive import ExtractiveAnswerer
from retrieval.index import SOURCES, VectorIndex
from retrieval.passages import Answer, Passage, Source, Turn
from retrieval.search import HybridSearch, SearchFilters, passage_from_row
from retrieval.text import spelling

Progress = Callable[[str, int, int], None]


@dataclass
class IngestReport:
    """What an ingest did with each file it was given."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    chunks: int = 0
    repaired: int = 0  # vectors re-embedded or dropped to match the store

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class StorePassages:
    """The store as hybrid search sees it (``retrieval.search.PassageStore``)."""

    def __init__(self, store: DirectoryStore) -> None:
        self.store = store

    def lexical(
        self, match: str, source: Source, limit: int, filters: Mapping[str, Any]
    ) -> list[tuple[str, float]]:
        return passage_store.lexical_search(self.store, match, source, limit, filters)

    def lookup(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        return passage_store.passages_by_id(self.store, ids)

    def following(self, passage: Passage) -> Passage | None:
        return self._adjacent(passage, before=False)

    def preceding(self, passage: Passage) -> Passage | None:
        return self._adjacent(passage, before=True)

    def _adjacent(self, passage: Passage, before: bool) -> Passage | None:
        if passage.ordinal is None:
            return None
        row = passage_store.adjacent_passage(
            self.store, passage.source, passage.document, passage.ordinal, before
        )
        return passage_from_row(row) if row else None

    def frequencies(
        self, words: Iterable[str], sources: Sequence[Source]
    ) -> tuple[int, dict[str, int]]:
        return passage_store.term_frequencies(self.store, words, sources)

    def spelled_out(self, acronym: str) -> str | None:
        for text in passage_store.acronym_sources(self.store, acronym):
            found = spelling(acronym, text)
            if found:
                return found
        return None


def embedder(settings: Settings) -> Embedder:
    return shared_embedder(settings.model.embedding_model, settings.model.device)


def vector_index(settings: Settings) -> VectorIndex:
    """The workspace's index (or the configured Chroma server), opened once."""
    retrieval = settings.retrieval
    if retrieval.chroma_mode == "http":
        return _open_index(None, retrieval.chroma_host, retrieval.chroma_port)
    return _open_index(settings.workspace / "index", None, 0)


@lru_cache(maxsize=8)
def _open_index(path: Path | None, host: str | None, port: int) -> VectorIndex:
    return VectorIndex(path=path, host=host, port=port)


def document_files(paths: Sequence[Path]) -> tuple[list[Path], list[dict[str, str]]]:
    """The readable files named or inside the folders named, and the paths refused
    (missing, unreadable, or named too long for the file system) with the reason."""
    files: list[Path] = []
    refused: list[dict[str, str]] = []
    for path in paths:
        try:
            if path.is_dir():
                files.extend(
                    p
                    for p in sorted(path.rglob("*"))
                    if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES
                )
            elif path.is_file():
                files.append(path)
            else:
                refused.append({"file": str(path), "reason": f"{path}: no such file"})
        except OSError as exc:
            refused.append({"file": str(path), "reason": _unreadable(path, exc)})
    return list(dict.fromkeys(files)), refused


def _unreadable(path: Path, exc: OSError) -> str:
    return f"{path}: cannot be read ({exc.strerror or type(exc).__name__})"


def import_documents(
    settings: Settings,
    paths: Sequence[Path],
    actor: str,
    progress: Progress | None = None,
) -> IngestReport:
    """Add new documents, re-index changed ones, skip unchanged ones (content hash);
    bad files are reported and skipped, the rest go in."""
    files, refused = document_files(paths)
    report = IngestReport(refused=refused)
    index, model = vector_index(settings), embedder(settings)
    manifests: dict[Path, dict[str, dict[str, object]]] = {}
    with open_store(settings) as store:
        report.repaired = reconcile(store, index, model, ("document",))
        for n, path in enumerate(files, start=1):
            if progress:
                progress("documents", n - 1, len(files))
            try:
                if path.parent not in manifests:
                    manifests[path.parent] = read_manifest(path.parent)
                _ingest_file(
                    settings, store, index, model, path, manifests, actor, report
                )
            except FileRefused as exc:
                report.refused.append({"file": str(path), "reason": str(exc)})
            except OSError as exc:  # vanished or became unreadable since listed
                reason = _unreadable(path, exc)
                report.refused.append({"file": str(path), "reason": reason})
        if progress:
            progress("documents", len(files), len(files))
    return report


def _ingest_file(
    settings: Settings,
    store: DirectoryStore,
    index: VectorIndex,
    model: Embedder,
    path: Path,
    manifests: Mapping[Path, dict[str, dict[str, object]]],
    actor: str,
    report: IngestReport,
) -> None:
    size = path.stat().st_size
    limit = int(settings.imports.max_file_mb * 1024 * 1024)
    if size > limit:
        raise FileRefused(
            f"{path.name}: {size / 1048576:.1f} MB is over the "
            f"{settings.imports.max_file_mb:g} MB limit (imports.max_file_mb)"
        )
    record = asdict(describe_document(path, manifests[path.parent]))
    record["id"] = slugify(path.stem) or "document"
    before = passage_store.document(store, record["id"])
    if before and before["content_hash"] == record["content_hash"] and before["chunks"]:
        report.unchanged.append(record["id"])
        return
    read = read_document(path, limit)
    if read.title and path.name not in manifests[path.parent]:
        record["title"] = read.title
    pages = [s.page for s in read.sections if s.page is not None]
    record["pages"] = max(pages) if pages else None
    chunks = chunk_sections(
        record["id"],
        (SectionText(s.heading, s.page, s.text) for s in read.sections),
        settings.retrieval.chunk_size,
        settings.retrieval.chunk_overlap,
    )
    if not chunks:
        raise FileRefused(f"{path.name}: no text to index")
    old_ids = {
        p["id"] for p in passage_store.passages_of(store, "document", record["id"])
    }
    new = [c for c in chunks if c.id not in old_ids]
    _embed_chunks(index, model, new, record)
    rows = [_passage_row(c, record["title"]) for c in chunks]
    passage_store.save_document(store, record, rows, actor)
    index.delete("document", sorted(old_ids - {c.id for c in chunks}))
    (report.updated if before else report.added).append(record["id"])
    report.chunks += len(chunks)


def _passage_row(chunk: Chunk, title: str) -> dict[str, Any]:
    return {
        "id": chunk.id,
        "source": "document",
        "document_id": chunk.document,
        "ordinal": chunk.ordinal,
        "title": title,
        "section": chunk.section,
        "page": chunk.page,
        "text": chunk.text,
    }


def _document_metadata(record: Mapping[str, Any]) -> dict[str, str | int]:
    """What a chunk's vector carries for filtering in the index."""
    meta: dict[str, str | int] = {"document": record["id"]}
    for key in ("publisher", "kind", "year"):
        if record.get(key) is not None:
            meta[key] = record[key]
    return meta


def _embed_chunks(
    index: VectorIndex,
    model: Embedder,
    chunks: Sequence[Chunk],
    record: Mapping[str, Any],
) -> None:
    if not chunks:
        return
    vectors = model.encode([c.embedding_text(record["title"]) for c in chunks])
    meta = _document_metadata(record)
    index.upsert("document", [c.id for c in chunks], vectors, [meta] * len(chunks))


def reconcile(
    store: DirectoryStore,
    index: VectorIndex,
    model: Embedder,
    sources: Sequence[Source] = SOURCES,
) -> int:
    """Make the index hold exactly the store's passages; returns how many changed."""
    repaired = 0
    for source in sources:
        stored = passage_store.passage_ids(store, source)
        indexed = index.ids(source)
        orphans = sorted(indexed - stored)
        index.delete(source, orphans)
        missing = sorted(stored - indexed)
        rows = passage_store.passages_by_id(store, missing)
        _embed_rows(store, index, model, source, [rows[i] for i in missing])
        repaired += len(orphans) + len(missing)
    return repaired


def _embed_rows(
    store: DirectoryStore,
    index: VectorIndex,
    model: Embedder,
    source: Source,
    rows: Sequence[Mapping[str, Any]],
) -> None:
    if not rows:
        return
    vectors = model.encode([_row_embedding_text(r) for r in rows])
    metadata: list[dict[str, str | int]] = []
    documents: dict[str, dict[str, Any]] = {}
    for row in rows:
        if source == "document":
            doc_id = row["document_id"]
            if doc_id not in documents:
                documents[doc_id] = passage_store.document(store, doc_id) or {
                    "id": doc_id
                }
            metadata.append(_document_metadata(documents[doc_id]))
        else:
            metadata.append({"document": row["document_id"]})
    index.upsert(source, [r["id"] for r in rows], vectors, metadata)


def _row_embedding_text(row: Mapping[str, Any]) -> str:
    chunk = Chunk(
        row["id"],
        row["document_id"],
        row["ordinal"],
        row["section"],
        row["page"],
        row["text"],
    )
    return chunk.embedding_text(row["title"])


def remove_document(settings: Settings, document_id: str, actor: str) -> dict[str, Any]:
    """Delete a document: gone from search at once (the store is searched first)."""
    index = vector_index(settings)
    with open_store(settings) as store:
        ids = sorted(
            p["id"] for p in passage_store.passages_of(store, "document", document_id)
        )
        removed = passage_store.remove_document(store, document_id, actor)
    index.delete("document", ids)
    return {"document": document_id, "title": removed["title"], "chunks": len(ids)}


def search(
    settings: Settings,
    query: str,
    k: int = 10,
    sources: Sequence[Source] = ("document",),
    filters: SearchFilters | None = None,
) -> list[Passage]:
    query = validate_question(query)
    with open_store(settings) as store:
        searcher = HybridSearch(
            embedder(settings), vector_index(settings), StorePassages(store)
        )
        return searcher.search(query, k, sources, filters)


MAX_QUESTION_CHARS = 2000


def validate_question(text: str) -> str:
    """A question or query fit to search: some words, and not a whole document.
    Control characters (NUL, terminal escapes) count as spaces."""
    text = controls_as_spaces(text).strip()
    if not text:
        raise StoreError("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise StoreError(
            f"the question is {len(text):,} characters long; "
            f"at most {MAX_QUESTION_CHARS:,} are accepted"
        )
    return text


PROFILE_SOURCES: tuple[Source, ...] = ("cluster", "organisation")
StoreChange = Callable[[DirectoryStore], dict[str, int]]
Profiles = dict[Source, list[dict[str, Any]]]


def refresh_profiles(
    settings: Settings, change: StoreChange | None = None
) -> dict[str, int]:
    """Make the cluster and organisation profile passages match the store; only
    profiles whose text changed are embedded again. A ``change`` (new clusters) is
    committed in one transaction with the profiles it implies, so no reader sees
    one without the other; its counts join the result."""
    index, model = vector_index(settings), embedder(settings)
    removed: dict[Source, list[str]] = {}
    with open_store(settings) as store:
        reconcile(store, index, model, PROFILE_SOURCES)
        if change is not None:  # embedding is slow: done before, not in, the commit
            _embed_unindexed(store, index, model, _profiles_after(store, change))
        with store.transaction():
            changes = change(store) if change is not None else {}
            wanted = _wanted_profiles(store)
            _embed_unindexed(store, index, model, wanted)  # changed meanwhile
            for source, rows in wanted.items():
                added, removed[source] = passage_store.replace_profiles(
                    store, source, rows
                )
                changes[f"{source}_profiles_embedded"] = len(added)
                changes[f"{source}_profiles"] = len(rows)
    for source, ids in removed.items():
        index.delete(source, ids)
    return changes


def _wanted_profiles(store: DirectoryStore) -> Profiles:
    return {
        "cluster": profiles.cluster_profiles(store),
        "organisation": profiles.organisation_profiles(store),
    }


def _profiles_after(store: DirectoryStore, change: StoreChange) -> Profiles:
    """The profiles the store would hold after ``change``, worked out on a copy in
    memory (as an import preview is), so the live store's write lock stays free."""
    with store.copy_in_memory() as copy, copy.transaction():
        change(copy)
        return _wanted_profiles(copy)


def _embed_unindexed(
    store: DirectoryStore, index: VectorIndex, model: Embedder, wanted: Profiles
) -> None:
    """Index first: until the store commits them, these are orphans search ignores."""
    for source, rows in wanted.items():
        indexed = index.ids(source)
        missing = [r for r in rows if r["id"] not in indexed]
        _embed_rows(store, index, model, source, missing)


def question_answering(settings: Settings, store: DirectoryStore) -> QuestionAnswering:
    """The answering flow over one store connection, with the configured answerer."""
    passages = StorePassages(store)
    searcher = HybridSearch(embedder(settings), vector_index(settings), passages)
    generative = None
    if settings.llm.provider != "none":
        from retrieval.generative import LLMAnswerer

        generative = LLMAnswerer.from_settings(settings.llm)
    return QuestionAnswering(
        searcher,
        ExtractiveAnswerer(searcher.embedder, passages.following, passages.preceding),
        generative,
        settings.retrieval.top_k,
    )


def ask(settings: Settings, question: str, history: Sequence[Turn] = ()) -> Answer:
    """Answer one question (with the conversation so far, for follow-ups)."""
    question = validate_question(question)
    with open_store(settings) as store:
        return question_answering(settings, store).ask(question, history)


def ask_batch(
    settings: Settings, questions: Iterable[str]
) -> Iterator[Answer | StoreError]:
    """Answer many questions with the models loaded once; a bad question yields its
    error in its place, so the output keeps the input's order."""
    with open_store(settings) as store:
        answering = question_answering(settings, store)
        for question in questions:
            try:
                yield answering.ask(validate_question(question))
            except StoreError as exc:
                yield exc
