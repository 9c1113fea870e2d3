"""The vector index: Chroma, in the workspace (PersistentClient) or on a server (HttpClient).

The only module that imports chromadb. Vectors are always computed by our own
embedder and passed in: Chroma's default embedding function would try to download
a model, so collections are created without one and queried by vector only.

A PersistentClient keeps each collection's HNSW graph in memory and never sees what
another process (the CLI beside the portal) writes, so a query could miss new
vectors or fail on deleted ones ("Error finding id"). Every write therefore leaves
a new token in the folder's ``generation`` file, and a client that finds another
token there (or fails a query or a vector lookup) reopens before reading again.
Chroma shares one client state per folder in a process, so keep one VectorIndex per
folder (knowledge does).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.passages import Source

SOURCES: tuple[Source, ...] = ("document", "cluster", "organisation")
GENERATION_FILE = "generation"
RETRY_PAUSES = (0.05, 0.2, 0.5)  # seconds before each reopen and retry of a read
Metadata = Mapping[str, str | int | float | bool]


class IndexUnavailable(Exception):
    """The vector index cannot be opened or reached; the message says where and why."""


class VectorIndex:
    """One Chroma collection per source (document chunks, cluster and organisation
    profiles), cosine space, named ``<prefix>-<source>s``."""

    def __init__(
        self,
        path: Path | None = None,
        host: str | None = None,
        port: int = 8000,
        prefix: str = "cluster-portal",
    ) -> None:
        self.path = None if host is not None else path
        self.prefix = prefix
        self._lock = threading.RLock()  # a reopen must not close a client in use
        self._collections: dict[str, Any] = {}
        self._seen = self._generation()
        self.client = self._connect(path, host, port)

    def _connect(self, path: Path | None, host: str | None, port: int) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        options = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if host is not None:
                client = chromadb.HttpClient(host=host, port=port, settings=options)
                client.heartbeat()
                self.where = f"the Chroma server at {host}:{port}"
                return client
            if path is None:
                raise IndexUnavailable("a persistent index needs a folder")
            path.mkdir(parents=True, exist_ok=True)
            self.where = f"the index folder {path}"
            return chromadb.PersistentClient(path=str(path), settings=options)
        except IndexUnavailable:
            raise
        except Exception as exc:  # chromadb raises many types for one cause
            where = f"{host}:{port}" if host is not None else str(path)
            raise IndexUnavailable(
                f"cannot open the vector index at {where}: {exc}"
            ) from None

    def _generation(self) -> str:
        if self.path is None:
            return ""
        try:
            return (self.path / GENERATION_FILE).read_text()
        except OSError:
            return ""

    def _refresh(self, force: bool = False) -> None:
        """Reopen a persistent client when another process wrote since it looked."""
        seen = self._generation()
        if self.path is None or (seen == self._seen and not force):
            return
        self.client.close()
        self._collections.clear()
        self.client = self._connect(self.path, None, 0)
        self._seen = seen

    def _wrote(self) -> None:
        if self.path is None:
            return
        token = uuid.uuid4().hex
        partial = self.path / f"{GENERATION_FILE}.{token}"
        partial.write_text(token)
        os.replace(partial, self.path / GENERATION_FILE)
        self._seen = token

    def _collection(self, source: Source) -> Any:
        if source not in self._collections:
            try:
                self._collections[source] = self.client.get_or_create_collection(
                    f"{self.prefix}-{source}s",
                    embedding_function=None,
                    configuration={"hnsw": {"space": "cosine"}},
                )
            except Exception as exc:
                raise IndexUnavailable(f"{self.where}: {exc}") from None
        return self._collections[source]

    def _batches(self, count: int) -> Iterator[slice]:
        size = max(1, min(int(self.client.get_max_batch_size()), 2000))
        for start in range(0, count, size):
            yield slice(start, start + size)

    def upsert(
        self,
        source: Source,
        ids: Sequence[str],
        vectors: np.ndarray,
        metadatas: Sequence[Metadata],
    ) -> None:
        with self._lock:
            self._refresh()
            collection = self._collection(source)
            try:
                for part in self._batches(len(ids)):
                    collection.upsert(
                        ids=list(ids[part]),
                        embeddings=vectors[part],
                        metadatas=[dict(m) for m in metadatas[part]],
                    )
            finally:
                self._wrote()

    def delete(self, source: Source, ids: Sequence[str]) -> None:
        if not ids:
            return
        with self._lock:
            self._refresh()
            collection = self._collection(source)
            try:
                for part in self._batches(len(ids)):
                    collection.delete(ids=list(ids[part]))
            finally:
                self._wrote()

    def ids(self, source: Source) -> set[str]:
        found: set[str] = self._read(lambda: self._ids(source))
        return found

    def _ids(self, source: Source) -> set[str]:
        collection = self._collection(source)
        found: set[str] = set()
        page = 5000
        offset = 0
        while True:
            batch = collection.get(include=[], limit=page, offset=offset)["ids"]
            found.update(batch)
            if len(batch) < page:
                return found
            offset += page

    def count(self, source: Source) -> int:
        return int(self._read(lambda: self._collection(source).count()))

    def vectors(self, source: Source, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        got = self._read(
            lambda: self._collection(source).get(ids=list(ids), include=["embeddings"])
        )
        return {
            i: np.asarray(v, dtype=np.float32)
            for i, v in zip(got["ids"], got["embeddings"], strict=True)
        }

    def _read(self, read: Callable[[], Any]) -> Any:
        """A read of a persistent index that fails (another process may be
        rewriting it; see the module doc) is tried again on a reopened client after
        a pause, a few times; then IndexUnavailable."""
        with self._lock:
            self._refresh()
            for pause in RETRY_PAUSES:
                try:
                    return read()
                except Exception:
                    if self.path is None:
                        raise
                    time.sleep(pause)
                    self._refresh(force=True)
            try:
                return read()
            except Exception as exc:
                raise IndexUnavailable(
                    f"{self.where} could not be read (another process may be "
                    f"rewriting it): {exc}"
                ) from None

    def nearest(
        self,
        source: Source,
        vector: np.ndarray,
        k: int,
        where: Mapping[str, Any] | None = None,
    ) -> list[tuple[str, float]]:
        """The ``k`` nearest ids with their cosine similarity, best first."""
        result = self._read(lambda: self._query(source, vector, k, where))
        if result is None:
            return []
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def _query(
        self,
        source: Source,
        vector: np.ndarray,
        k: int,
        where: Mapping[str, Any] | None,
    ) -> Any:
        collection = self._collection(source)
        if k <= 0 or collection.count() == 0:
            return None
        return collection.query(
            query_embeddings=[vector],
            n_results=k,
            where=dict(where) if where else None,
            include=["distances"],
        )
