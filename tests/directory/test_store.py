"""The store: migrations, pragmas, round trips, optimistic locking, the audit log."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.names import normalise_name
from corpus.records import KINDS, LOCATION_PRECISIONS
from directory.schema import migrations
from directory.store import ConflictError, DirectoryStore, StoreError, slugify


def organisation(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": "acme",
        "name": "Acme Ltd",
        "normalised_name": "acme",
        "kind": "business",
        "sectors": ["Engineering and Technology"],
        "sic_codes": [],
        "tags": [],
        "sources": ["test"],
        "rdi_evidence": [],
        "rdi_active": True,
        "location_precision": "none",
    }
    values.update(overrides)
    return values


def test_file_store_uses_wal_foreign_keys_and_all_migrations(tmp_path: Path) -> None:
    with DirectoryStore(tmp_path / "d.db") as store:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        tables = set(store.db.table_names())
    assert {
        "organisations", "collaborations", "projects", "participations",
        "documents", "clusters", "cluster_members", "audit_log", "organisations_fts",
    } <= tables  # fmt: skip
    # reopening applies nothing twice
    with DirectoryStore(tmp_path / "d.db") as store:
        applied = store.db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()
        assert applied[0] == len(migrations._migrations)


def test_insert_is_audited_and_read_back(store: DirectoryStore) -> None:
    created = store.insert_organisation(organisation(), "alice", {"why": "test"})
    assert created["sectors"] == ["Engineering and Technology"]
    assert created["rdi_active"] is True
    assert created["version"] == 1
    [entry] = store.audit_entries("acme")
    assert (entry["actor"], entry["action"], entry["before"]) == (
        "alice",
        "create",
        None,
    )
    assert entry["after"]["name"] == "Acme Ltd"


def test_update_bumps_version_and_audits_only_real_changes(
    store: DirectoryStore,
) -> None:
    store.insert_organisation(organisation(), "alice", {})
    same = store.update_organisation("acme", {"name": "Acme Ltd"}, "bob")
    assert same["version"] == 1
    after = store.update_organisation("acme", {"website": "https://acme.test"}, "bob")
    assert after["version"] == 2
    entries = store.audit_entries("acme")
    assert [e["action"] for e in entries] == ["update", "create"]
    assert entries[0]["before"] == {"website": None}
    assert entries[0]["after"] == {"website": "https://acme.test"}


def test_second_save_from_a_stale_version_is_refused(store: DirectoryStore) -> None:
    store.insert_organisation(organisation(), "alice", {})
    store.update_organisation("acme", {"website": "a"}, "alice", expected_version=1)
    with pytest.raises(ConflictError, match="changed by someone else"):
        store.update_organisation("acme", {"website": "b"}, "bob", expected_version=1)
    assert store.organisation("acme")["website"] == "a"


def test_unknown_organisation_update_is_a_clear_error(store: DirectoryStore) -> None:
    with pytest.raises(StoreError, match="no organisation with id 'nope'"):
        store.update_organisation("nope", {"name": "x"}, "bob")


def test_audit_log_is_append_only(store: DirectoryStore) -> None:
    store.insert_organisation(organisation(), "alice", {})
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("UPDATE audit_log SET actor = 'mallory'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("DELETE FROM audit_log")


def test_check_constraints_reject_impossible_values(store: DirectoryStore) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_organisation(organisation(kind="alien"), "alice", {})
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_organisation(organisation(lat=123.0), "alice", {})
    assert store.stats()["organisations"] == 0


def test_failed_transaction_leaves_nothing_behind(store: DirectoryStore) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.insert_organisation(organisation(), "alice", {})
        raise RuntimeError("crash mid-way")
    assert store.stats()["organisations"] == 0
    assert store.stats()["audit_entries"] == 0


def test_full_text_search_finds_by_words_and_ignores_syntax(
    store: DirectoryStore,
) -> None:
    store.insert_organisation(organisation(), "a", {})
    store.insert_organisation(
        organisation(id="uni", name="University of Testing", kind="university",
                     normalised_name="university of testing", region="Glasgow City",
                     sectors=["Life Sciences"]),
        "a", {},
    )  # fmt: skip
    assert [o["id"] for o in store.search_organisations("univ glasgow")] == ["uni"]
    assert [o["id"] for o in store.search_organisations("life")] == ["uni"]
    assert store.search_organisations("'; DROP TABLE organisations; --") == []
    assert store.search_organisations('"unbalanced OR (') == []
    assert store.stats()["organisations"] == 2
    assert [o["id"] for o in store.search_organisations("", kind="business")] == [
        "acme"
    ]


def test_slugify_gives_readable_ascii_ids() -> None:
    assert slugify("Université de Test & Co.") == "universite-de-test-co"
    assert slugify("!!!") == "organisation"


texts = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    max_size=60,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=texts.filter(lambda s: s.strip() != ""),
    description=st.none() | texts,
    kind=st.sampled_from(KINDS),
    precision=st.sampled_from(LOCATION_PRECISIONS),
    sectors=st.lists(texts, max_size=4),
    employees=st.none() | st.integers(min_value=0, max_value=10**9),
    turnover=st.none()
    | st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False),
    lat=st.none() | st.floats(min_value=-90, max_value=90),
    rdi=st.booleans(),
)
def test_organisation_round_trips_through_the_store(
    name: str,
    description: str | None,
    kind: str,
    precision: str,
    sectors: list[str],
    employees: int | None,
    turnover: float | None,
    lat: float | None,
    rdi: bool,
) -> None:
    with DirectoryStore() as store:
        values = organisation(
            id=slugify(name), name=name, normalised_name=normalise_name(name),
            description=description, kind=kind, location_precision=precision,
            sectors=sectors, employees=employees, turnover=turnover, lat=lat,
            lon=None if lat is None else 0.0, rdi_active=rdi,
        )  # fmt: skip
        store.insert_organisation(values, "prop", {})
        back = store.organisation(values["id"])
        assert back is not None
        for key, value in values.items():
            assert back[key] == value, key
