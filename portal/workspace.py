"""The workspace's directory store, opened per call (and per thread) by the use cases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
