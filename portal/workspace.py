"""What every use case opens: the workspace's directory store (per call and thread)
and the geocoder (once per process)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from corpus.geocoding import Geocoder
from directory.store import DirectoryStore
from portal.settings import Settings


@contextmanager
def open_store(settings: Settings) -> Iterator[DirectoryStore]:
    """A store on the workspace database, closed afterwards (one per call/thread)."""
    store = DirectoryStore(settings.database_path)
    try:
        yield store
    finally:
        store.close()


@lru_cache(maxsize=4)
def _geocoder(postcode_table: Path | None) -> Geocoder:
    return Geocoder.load(postcode_table)


def geocoder(settings: Settings) -> Geocoder:
    """Loaded once per process and postcode table (the full table takes ~2 s)."""
    return _geocoder(settings.geocoding.postcode_table)
