"""Backing up the workspace's directory and restoring it, while the portal may run.

Both ways use SQLite's online backup API: a backup reads one consistent snapshot of
the live (WAL) database without blocking writers, and a restore replaces the live
database in one transaction, so a reader sees the old directory or the new one,
never half of each. A backup file is checked before anything in the workspace
changes; afterwards the vector index is made to hold exactly the restored passages.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from directory.schema import migrations
from directory.store import DirectoryStore, StoreError, now
from portal import knowledge
from portal.settings import Settings
from portal.workspace import open_store
from retrieval.embedding import Embedder, ModelError
from retrieval.index import SOURCES, IndexUnavailable

Step = Callable[[str], None]
Progress = Callable[[str, int, int], None]
MIGRATIONS_TABLE = "_sqlite_migrations"  # where sqlite-utils records applied ones
REQUIRED_TABLES = ("organisations", "audit_log", MIGRATIONS_TABLE)


class BackupRefused(StoreError):
    """A file we will not write or restore from; nothing in the workspace changed."""


@dataclass
class BackupReport:
    """What a backup wrote or a restore brought back: the file, its size, rows per
    table; for a restore also the migrations applied and the index repairs."""

    file: str
    size_bytes: int
    counts: dict[str, int]
    migrated: list[str] = field(default_factory=list)
    index_changes: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _quiet(message: str) -> None:
    """The default step reporter: say nothing."""


def copy_database(source: str, target: Path) -> None:
    """Copy a database page by page with SQLite's backup API: one consistent
    snapshot of source, written to target in one transaction (source may be a
    file: URI, to open it read-only)."""
    with (
        closing(sqlite3.connect(source, uri=True, timeout=30.0)) as reading,
        closing(sqlite3.connect(target, timeout=30.0)) as writing,
    ):
        reading.backup(writing)


# -- backup ---------------------------------------------------------------------------


def backup(
    settings: Settings, target: Path, force: bool = False, step: Step = _quiet
) -> BackupReport:
    """Copy the workspace's directory to target (a single self-contained SQLite
    file), check the copy, and only then put it in place under target's name."""
    database = settings.database_path
    if not database.is_file():
        raise BackupRefused(f"there is no directory to back up in {settings.workspace}")
    _check_target(target, database, force)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".partial", dir=target.parent
    )
    os.close(handle)
    partial = Path(name)
    try:
        step(f"Copying {database} …")
        copy_database(str(database), partial)
        step("Checking the copy …")
        with closing(sqlite3.connect(partial)) as copy:
            copy.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
            problem = integrity_problem(copy)
            counts = table_counts(copy)
        if problem:
            raise StoreError(
                f"the copy {problem}: the workspace database itself may be damaged; "
                "no backup was written"
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(str(target), target.stat().st_size, counts)


def _check_target(target: Path, database: Path, force: bool) -> None:
    if target.is_dir():
        raise BackupRefused(f"{target} is a folder; name the backup file to write")
    if target.exists() and target.resolve() == database.resolve():
        raise BackupRefused(f"{target} is the workspace database itself")
    if target.exists() and not force:
        raise BackupRefused(f"{target} already exists; add --force to overwrite it")


# -- checks ---------------------------------------------------------------------------


def integrity_problem(connection: sqlite3.Connection) -> str | None:
    """What SQLite's integrity and foreign-key checks find wrong, or None."""
    rows = [str(r[0]) for r in connection.execute("PRAGMA integrity_check(5)")]
    if rows != ["ok"]:
        found = "; ".join(" ".join(row.split()) for row in rows[:3])
        return f"fails SQLite's integrity check ({found})"
    broken = connection.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        return (
            f"has {len(broken)} rows referring to records it does not hold "
            f"(the first in table {broken[0][0]})"
        )
    return None


def schema_problem(connection: sqlite3.Connection) -> str | None:
    """Why this is not a directory this code can restore (not ours, or written by a
    newer version, with migrations it does not know), or None."""
    found = {
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table'"
        )
    }
    missing = [name for name in REQUIRED_TABLES if name not in found]
    if missing:
        return f"is not a Cluster Portal directory (no table {', '.join(missing)})"
    applied = [
        row[0]
        for row in connection.execute(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?",
            [migrations.name],
        )
    ]
    if not applied:
        return "is not a Cluster Portal directory (no migrations of ours applied)"
    unknown = sorted(set(applied) - known_migrations())
    if unknown:
        return (
            "was written by a newer version of Cluster Portal (schema changes "
            f"{', '.join(unknown)} are unknown here); upgrade before restoring it"
        )
    return None


def known_migrations() -> set[str]:
    """The schema changes this code knows: those a new, empty directory gets."""
    with DirectoryStore() as empty:
        return {m.name for m in migrations.applied(empty.db)}


def table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Rows in each table of ours (not SQLite's, the migrations' or FTS internals)."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
            "'sqlite%' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE "
            "'%\\_fts%' ESCAPE '\\' ORDER BY name"
        )
    ]
    return {
        name: int(connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
        for name in names
    }


def _newest_audit_id(database: Path) -> int:
    if not database.is_file():
        return 0
    with closing(sqlite3.connect(database, timeout=10.0)) as connection:
        try:
            row = connection.execute("SELECT max(id) FROM audit_log").fetchone()
        except sqlite3.DatabaseError:
            return 0
    return int(row[0] or 0)


# -- restore --------------------------------------------------------------------------


def restore(
    settings: Settings,
    source: Path,
    actor: str = "cli",
    step: Step = _quiet,
    progress: Progress | None = None,
) -> BackupReport:
    """Replace the workspace's directory with a checked backup (audited), then make
    the search index agree with it; a refused file leaves the workspace as it was."""
    _check_source(source, settings.database_path)
    staging_parent = settings.workspace if settings.workspace.is_dir() else None
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=staging_parent) as folder:
        staged = Path(folder) / "directory.db"
        step(f"Checking {source} …")
        _stage(source, staged)
        migrated = _prepare(settings, staged, source, actor)
        step(f"Restoring it into {settings.database_path} …")
        settings.database_path.parent.mkdir(parents=True, exist_ok=True)
        copy_database(str(staged), settings.database_path)
    with closing(sqlite3.connect(settings.database_path, timeout=30.0)) as restored:
        counts = table_counts(restored)
    step("Bringing the search index up to date …")
    changes = rebuild_index(settings, progress)
    size = source.stat().st_size
    return BackupReport(str(source), size, counts, migrated, changes)


def _check_source(source: Path, database: Path) -> None:
    if not source.exists():
        raise BackupRefused(f"{source}: no such file")
    if not source.is_file():
        raise BackupRefused(f"{source} is not a file")
    if database.exists() and source.resolve() == database.resolve():
        raise BackupRefused(f"{source} is the workspace database itself")


def _stage(source: Path, staged: Path) -> None:
    """A private copy of the backup, checked; the backup file is only read."""
    try:
        copy_database(f"{source.resolve().as_uri()}?mode=ro", staged)
        with closing(sqlite3.connect(staged)) as copy:
            problem = schema_problem(copy) or integrity_problem(copy)
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(
            f"{source} is not a readable SQLite database ({exc})"
        ) from None
    if problem:
        raise BackupRefused(f"{source} {problem}")


def _prepare(settings: Settings, staged: Path, source: Path, actor: str) -> list[str]:
    """Bring an older backup's schema up to date and record the restore in its audit
    log; returns the migrations applied."""
    replaced = _newest_audit_id(settings.database_path)
    with closing(sqlite3.connect(staged)) as connection:
        before = {
            r[0] for r in connection.execute(f"SELECT name FROM {MIGRATIONS_TABLE}")
        }
    try:
        with DirectoryStore(staged) as store:
            after = [m.name for m in migrations.applied(store.db)]
            with store.transaction():
                _audit_restore(store, actor, source, replaced)
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(
            f"{source}: its schema cannot be brought up to date ({exc})"
        ) from None
    return [name for name in after if name not in before]


def _audit_restore(
    store: DirectoryStore, actor: str, source: Path, replaced: int
) -> None:
    """Append the restore to the restored audit log, numbered after the newest entry
    of both logs: caches keyed on the newest entry's id (the portal's cluster and
    curation pages) must never meet an id they already hold for other data."""
    newest = int(store.query("SELECT max(id) AS n FROM audit_log")[0]["n"] or 0)
    details = {"file": str(source.resolve()), "replaced_audit_revision": replaced}
    store.db.execute(
        "INSERT INTO audit_log (id, at, actor, action, record_type, record_id,"
        " details) VALUES (?, ?, ?, 'restore', 'directory', ?, ?)",
        [max(newest, replaced) + 1, now(), actor, source.name, json.dumps(details)],
    )


def rebuild_index(
    settings: Settings, progress: Progress | None = None
) -> dict[str, int]:
    """Make each vector collection hold exactly the store's passages of its source
    (drop orphans, embed what is missing); returns how many changed per source."""
    changes: dict[str, int] = {}
    try:
        index, model = knowledge.vector_index(settings), knowledge.embedder(settings)
        with open_store(settings) as store:
            for source in SOURCES:
                counted = ReportingEmbedder(model, f"{source} passages", progress)
                changes[source] = knowledge.reconcile(store, index, counted, (source,))
    except (IndexUnavailable, ModelError) as exc:
        raise StoreError(
            f"the directory was restored, but the search index could not be brought "
            f"up to date ({exc}); run the restore again once that is fixed"
        ) from None
    return changes


class ReportingEmbedder(Embedder):
    """Another embedder's vectors, computed a slice at a time with progress reported
    after each, so rebuilding a whole index shows how far it has gone."""

    SLICE = 256

    def __init__(self, inner: Embedder, phase: str, progress: Progress | None) -> None:
        super().__init__(inner.name, inner.device)
        self.inner, self.phase, self.progress = inner, phase, progress

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if self.progress is None or len(texts) <= self.SLICE:
            return self.inner.encode(texts, batch_size)
        parts = []
        for start in range(0, len(texts), self.SLICE):
            parts.append(
                self.inner.encode(texts[start : start + self.SLICE], batch_size)
            )
            self.progress(self.phase, min(start + self.SLICE, len(texts)), len(texts))
        return np.vstack(parts)
