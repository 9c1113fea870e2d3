"""`backup` and `restore`: a round trip on the demo workspace (store, search index and
the caches keyed on the store all come back), backups taken and restores made while
other connections hold transactions, and refused files that change nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from directory import curation
from directory import passages as passage_store
from directory.matching import MatchError
from directory.store import DirectoryStore
from portal import atlas, knowledge, matching, services
from portal import curation as portal_curation
from portal.backup import (
    BackupRefused,
    ReportingEmbedder,
    backup,
    restore,
    table_counts,
)
from portal.settings import Settings, load_settings
from portal.workspace import open_store
from retrieval.embedding import Embedder
from tests.portal.test_cli import run

REMOVED = "centre-for-cities-innovation-through-clusters"
NEW_TEXT = (
    "Quokka Fermentation Consortium\n\nThe Quokka Fermentation Consortium brews "
    "zymurgic kombucha from seaweed in Lerwick and employs 17 zymologists.\n"
)


def counts(settings: Settings) -> dict[str, int]:
    with closing(sqlite3.connect(settings.database_path)) as connection:
        return table_counts(connection)


def newest_audit(settings: Settings) -> dict[str, Any]:
    with open_store(settings) as store:
        return store.audit_entries(limit=1)[0]


def index_agrees_with_store(settings: Settings) -> None:
    index = knowledge.vector_index(settings)
    with open_store(settings) as store:
        for source in ("document", "cluster", "organisation"):
            assert index.ids(source) == passage_store.passage_ids(store, source)


def found_documents(settings: Settings, query: str) -> set[str]:
    return {p.document for p in knowledge.search(settings, query, k=10)}


def test_round_trip_on_the_demo_brings_back_store_index_and_caches(
    demo: Settings, tmp_path: Path
) -> None:
    file = tmp_path / "backups" / "demo.db"
    written = backup(demo, file)
    assert written.counts == counts(demo)
    assert written.size_bytes == file.stat().st_size > 1_000_000
    assert not Path(f"{file}-wal").exists()  # a single self-contained file
    with open_store(demo) as store:
        cluster = services.clusters(demo)[0]["id"]
        gone = atlas.cluster_network(demo, cluster)["nodes"][0]["id"]
        record = store.organisation(gone)
        documents = store.documents()
    network = atlas.cluster_network(demo, cluster)
    assert matching.match_organisation(demo, gone, k=3)["suggestions"]

    with open_store(demo) as store:  # the changes a restore must undo
        curation.delete_organisation(store, gone, "tester")
    after_delete = atlas.cluster_network(demo, cluster)  # cached at this revision
    assert after_delete["members"] == network["members"] - 1
    with pytest.raises(MatchError, match="no organisation called"):
        matching.match_organisation(demo, gone)
    knowledge.remove_document(demo, REMOVED, "tester")
    new_file = tmp_path / "quokka-fermentation.txt"
    new_file.write_text(NEW_TEXT, encoding="utf-8")
    assert knowledge.import_documents(demo, [new_file], "tester").added
    assert "quokka-fermentation" in found_documents(demo, "quokka zymologists")
    assert REMOVED not in found_documents(demo, "Motorsport Valley in Oxfordshire")

    revision = portal_curation.directory_revision(demo)  # the curate page's cache key
    restored = restore(demo, file, actor="tester")
    assert portal_curation.directory_revision(demo) > revision  # never one seen before

    assert counts(demo) == {
        **written.counts,
        "audit_log": written.counts["audit_log"] + 1,
    }
    assert restored.counts == counts(demo)
    with open_store(demo) as store:
        assert store.organisation(gone) == record
        assert store.documents() == documents
    entry = newest_audit(demo)
    assert (entry["action"], entry["actor"], entry["record_id"]) == (
        "restore", "tester", "demo.db",
    )  # fmt: skip
    assert entry["details"]["file"] == str(file.resolve())
    assert restored.index_changes["document"] > 0  # the removed chunks, the new ones
    index_agrees_with_store(demo)
    assert REMOVED in found_documents(demo, "Motorsport Valley in Oxfordshire")
    assert "quokka-fermentation" not in found_documents(demo, "quokka zymologists")
    assert atlas.cluster_network(demo, cluster) == network  # no stale cache
    assert matching.match_organisation(demo, gone, k=3)["suggestions"]


@pytest.fixture
def small(settings: Settings, data_dir: Path) -> Settings:
    """A workspace with the 54 fixture organisations, their links and an account."""
    services.import_file(
        settings, "organisations", data_dir / "gtr_organisations.csv", "t"
    )
    services.import_file(
        settings, "collaborations", data_dir / "gtr_collaborations.csv", "t"
    )
    return settings


def test_backup_reads_a_snapshot_while_a_writer_holds_a_transaction(
    small: Settings, tmp_path: Path
) -> None:
    with closing(sqlite3.connect(small.database_path)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM collaborations")  # not committed yet
        report = backup(small, tmp_path / "during.db")
        writer.rollback()
    assert report.counts["collaborations"] == counts(small)["collaborations"] > 0


def test_restore_swaps_in_one_step_for_readers_and_migrates_old_backups(
    small: Settings, tmp_path: Path
) -> None:
    old = tmp_path / "old.db"
    backup(small, old)
    with closing(sqlite3.connect(old)) as connection:  # as before migration m005
        connection.executescript(
            """
            DELETE FROM _sqlite_migrations WHERE name = 'm005_accounts_and_requests';
            DROP TABLE sessions; DROP TABLE accounts; DROP TABLE edit_requests;
            DROP TABLE introduction_requests;
            ALTER TABLE organisations DROP COLUMN contact_email;
            ALTER TABLE organisations DROP COLUMN notes;
            """
        )
    organisations = counts(small)["organisations"]
    with open_store(small) as store:
        store.db.execute("DELETE FROM organisations WHERE id IN "
                         "(SELECT id FROM organisations LIMIT 10)")  # fmt: skip
    with closing(sqlite3.connect(small.database_path)) as reader:
        reader.execute("BEGIN")
        seen = reader.execute("SELECT count(*) FROM organisations").fetchone()[0]
        report = restore(small, old)
        again = reader.execute("SELECT count(*) FROM organisations").fetchone()[0]
        reader.rollback()
        now = reader.execute("SELECT count(*) FROM organisations").fetchone()[0]
    assert seen == again == organisations - 10  # the snapshot the reader began with
    assert now == organisations
    assert report.migrated == ["m005_accounts_and_requests"]
    with open_store(small) as store:
        assert "contact_email" in next(store.all_organisations())


def corrupt(file: Path) -> None:
    """Scribble over the middle of a database: still a SQLite file, broken inside."""
    data = bytearray(file.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8192] = b"\xa5" * 8192
    file.write_bytes(bytes(data))


def wrong_versions(file: Path) -> None:
    with closing(sqlite3.connect(file)) as connection:
        connection.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES"
            " ('cluster-portal-directory', 'm099_from_the_future', '2031-01-01')"
        )
        connection.commit()


def dangling_links(file: Path) -> None:
    with closing(sqlite3.connect(file)) as connection:
        connection.execute(
            "INSERT INTO collaborations (org_a, org_b, source) VALUES ('a-x', 'b-y', 's')"
        )
        connection.commit()


def not_ours(file: Path) -> None:
    file.unlink()
    with closing(sqlite3.connect(file)) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")


def not_sqlite(file: Path) -> None:
    file.write_text("id,name\n1,Acme\n", encoding="utf-8")


def missing(file: Path) -> None:
    file.unlink()


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (corrupt, r"integrity check|not a readable SQLite database"),
        (wrong_versions, r"newer version .*m099_from_the_future"),
        (dangling_links, r"rows referring to records it does not hold"),
        (not_ours, r"not a Cluster Portal directory"),
        (not_sqlite, r"not a readable SQLite database"),
        (missing, r"no such file"),
    ],
)
def test_a_bad_backup_is_refused_and_the_workspace_left_as_it_was(
    small: Settings,
    tmp_path: Path,
    spoil: Callable[[Path], None],
    message: str,
) -> None:
    file = tmp_path / "spoilt.db"
    backup(small, file)
    spoil(file)
    with open_store(small) as store:
        store.db.execute("DELETE FROM organisations WHERE id IN "
                         "(SELECT id FROM organisations LIMIT 3)")  # fmt: skip
    before, audit = counts(small), newest_audit(small)
    with pytest.raises(BackupRefused, match=message):
        restore(small, file)
    code, _, err = run(small, "restore", str(file))
    assert code == 2
    assert "refused: " in err and err.endswith("The workspace was not changed.\n")
    assert counts(small) == before
    assert newest_audit(small) == audit
    assert not list(small.workspace.glob(".restore-*"))


def test_backup_command_refuses_to_overwrite_without_force(
    small: Settings, tmp_path: Path
) -> None:
    file = tmp_path / "b.db"
    code, out, err = run(small, "backup", str(file))
    assert code == 0, err
    assert out.startswith(f"Backed up to {file}: ")
    assert "54 organisations" in out
    assert file.stat().st_mode & 0o077 == 0  # password hashes: for the owner only
    file.write_bytes(b"precious")
    code, _, err = run(small, "backup", str(file))
    assert code == 2
    assert "already exists; add --force" in err
    assert file.read_bytes() == b"precious"
    assert run(small, "backup", str(file), "--force")[0] == 0
    with closing(sqlite3.connect(file)) as connection:
        assert table_counts(connection) == counts(small)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_backup_of_no_directory_or_onto_the_directory_is_refused(
    small: Settings, tmp_path: Path
) -> None:
    empty = load_settings(workspace=tmp_path / "empty")
    code, _, err = run(empty, "backup", str(tmp_path / "b.db"))
    assert code == 2 and "there is no directory to back up" in err
    assert not (tmp_path / "b.db").exists()
    code, _, err = run(small, "backup", str(small.database_path), "--force")
    assert code == 2 and "is the workspace database itself" in err
    with DirectoryStore(small.database_path) as store:
        assert store.stats()["organisations"] == 54


class Numbering(Embedder):
    """A stand-in model: each text's vector holds its length."""

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return np.array([[float(len(t))] for t in texts], dtype=np.float32)


def test_a_long_rebuild_reports_its_progress_and_keeps_the_order() -> None:
    seen: list[tuple[str, int, int]] = []
    counted = ReportingEmbedder(Numbering(), "document passages",
                                lambda *step: seen.append(step))  # fmt: skip
    texts = ["x" * (n % 50) for n in range(600)]
    vectors = counted.encode(texts)
    assert vectors[:, 0].tolist() == [float(len(t)) for t in texts]
    assert seen == [("document passages", n, 600) for n in (256, 512, 600)]
    assert counted.encode(texts[:3]).shape == (3, 1)
    assert len(seen) == 3  # a few texts: no progress to show
