"""The vector index: Chroma, in the workspace (PersistentClient) or on a server (HttpClient).

The only module that imports chromadb. Vectors are always computed by our own
embedder and passed in: Chroma's default embedding function would try to download
a model, so collections are created without one and queried by vector only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.passages import Source

SOURCES: tuple[Source, ...] = ("document", "cluster", "organisation")
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
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        options = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if host is not None:
                self.client = chromadb.HttpClient(
                    host=host, port=port, settings=options
                )
                self.client.heartbeat()
                self.where = f"the Chroma server at {host}:{port}"
            else:
                if path is None:
                    raise IndexUnavailable("a persistent index needs a folder")
                path.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(
                    path=str(path), settings=options
                )
                self.where = f"the index folder {path}"
        except IndexUnavailable:
            raise
        except Exception as exc:  # chromadb raises many types for one cause
            where = f"{host}:{port}" if host is not None else str(path)
            raise IndexUnavailable(
                f"cannot open the vector index at {where}: {exc}"
            ) from None
        self.prefix = prefix
        self._collections: dict[str, Any] = {}

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
        collection = self._collection(source)
        for part in self._batches(len(ids)):
            collection.upsert(
                ids=list(ids[part]),
                embeddings=vectors[part],
                metadatas=[dict(m) for m in metadatas[part]],
            )

    def delete(self, source: Source, ids: Sequence[str]) -> None:
        collection = self._collection(source)
        for part in self._batches(len(ids)):
            collection.delete(ids=list(ids[part]))

    def ids(self, source: Source) -> set[str]:
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
        return int(self._collection(source).count())

    def vectors(self, source: Source, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        got = self._collection(source).get(ids=list(ids), include=["embeddings"])
        return {
            i: np.asarray(v, dtype=np.float32)
            for i, v in zip(got["ids"], got["embeddings"], strict=True)
        }

    def nearest(
        self,
        source: Source,
        vector: np.ndarray,
        k: int,
        where: Mapping[str, Any] | None = None,
    ) -> list[tuple[str, float]]:
        """The ``k`` nearest ids with their cosine similarity, best first."""
        collection = self._collection(source)
        if k <= 0 or collection.count() == 0:
            return []
        result = collection.query(
            query_embeddings=[vector],
            n_results=k,
            where=dict(where) if where else None,
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]
