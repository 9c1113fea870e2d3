"""Curation: merging and deleting organisations with everything that refers to them,
duplicate suggestions, edits refused with what changed, the audit log's filters."""

from __future__ import annotations

import re
from typing import Any

import pytest

from corpus.names import normalise_name
from directory import curation, duplicates
from directory.store import ConflictError, DirectoryStore, StoreError, now


def add(store: DirectoryStore, id: str, name: str, **values: Any) -> dict[str, Any]:
    record = {
        "id": id, "name": name, "normalised_name": normalise_name(name),
        "kind": "business", "sectors": [], "sic_codes": [], "tags": [],
        "sources": ["test"], "rdi_evidence": [], "rdi_active": False,
        "location_precision": "none", **values,
    }  # fmt: skip
    return store.insert_organisation(record, "loader", {})


def link(store: DirectoryStore, a: str, b: str, project: str, weight: float) -> None:
    org_a, org_b = sorted((a, b))
    store.db.table("collaborations").insert(
        {
            "org_a": org_a,
            "org_b": org_b,
            "project": project,
            "topic": "",
            "source": "test",
            "weight": weight,
            "year": 2020,
        }
    )


def links(store: DirectoryStore) -> list[tuple[str, str, str, float]]:
    rows = store.query("SELECT * FROM collaborations ORDER BY org_a, org_b, project")
    return [(r["org_a"], r["org_b"], r["project"], r["weight"]) for r in rows]


@pytest.fixture
def network(store: DirectoryStore) -> DirectoryStore:
    """m-keep and a-merge (one organisation twice) with partners b-other, z-other;
    ids chosen so that moving a-merge's links to m-keep reverses their order."""
    add(store, "m-keep", "Photon Labs", kind="other", sectors=["Optics"],
        notes="met at expo", lat=55.86, lon=-4.25, location_precision="given")  # fmt: skip
    add(store, "a-merge", "Photon Labs Ltd", kind="research organisation",
        sectors=["Lasers", "Optics"], website="https://photon.test",
        company_number="SC123456", notes="prefers email", rdi_active=True,
        rdi_evidence=["grant"])  # fmt: skip
    add(store, "b-other", "Beta Optics")
    add(store, "z-other", "Zeta Fibre")
    link(store, "a-merge", "m-keep", "p1", 1)  # becomes a self-link
    link(store, "a-merge", "b-other", "p1", 2)  # collides with the next one
    link(store, "b-other", "m-keep", "p1", 3)
    link(store, "a-merge", "b-other", "p2", 1)
    link(store, "a-merge", "z-other", "p1", 1)
    db = store.db
    db.table("projects").insert_all([{"id": "P1"}, {"id": "P2"}])
    db.table("participations").insert_all([
        {"project_id": "P1", "organisation_id": "a-merge", "is_lead": 1,
         "grant_offered": 100.0},
        {"project_id": "P1", "organisation_id": "m-keep", "is_lead": 0,
         "grant_offered": 50.0},
        {"project_id": "P2", "organisation_id": "a-merge", "is_lead": 0},
    ])  # fmt: skip
    stamp = {"method": "test", "size": 2, "created_at": now(), "updated_at": now()}
    db.table("clusters").insert_all([
        {"id": "C1", "name": "One", "type": "Diverse", **stamp},
        {"id": "C2", "name": "Two", "type": "Diverse", **stamp},
    ])  # fmt: skip
    db.table("cluster_members").insert_all([
        {"cluster_id": "C1", "organisation_id": "a-merge"},
        {"cluster_id": "C1", "organisation_id": "m-keep"},
        {"cluster_id": "C2", "organisation_id": "a-merge"},
    ])  # fmt: skip
    db.table("accounts").insert(
        {
            "username": "pat",
            "password_hash": "x",
            "role": "member",
            "organisation_id": "a-merge",
            "created_at": now(),
        }
    )
    db.table("edit_requests").insert(
        {
            "organisation_id": "a-merge",
            "requested_by": "pat",
            "base_version": 1,
            "changes": "{}",
            "created_at": now(),
        }
    )
    db.table("introduction_requests").insert(
        {
            "from_organisation": "b-other",
            "to_organisation": "a-merge",
            "requested_by": "sam",
            "created_at": now(),
        }
    )
    for org in ("a-merge", "m-keep", "b-other"):
        db.table("organisation_vectors").insert(
            {"organisation_id": org, "text_hash": "h", "vector": b"\x00"}
        )
    return store


def test_merge_moves_links_in_order_adds_colliding_weights_drops_self_links(
    network: DirectoryStore,
) -> None:
    result = curation.merge_organisations(network, "m-keep", "a-merge", "fac")
    assert links(network) == [
        ("b-other", "m-keep", "p1", 5.0),
        ("b-other", "m-keep", "p2", 1.0),
        ("m-keep", "z-other", "p1", 1.0),
    ]
    assert result["moved"]["collaborations"] == {
        "moved": 2, "combined": 1, "dropped_self_links": 1
    }  # fmt: skip
    assert network.organisation("a-merge") is None


def test_merge_moves_participations_memberships_accounts_and_requests(
    network: DirectoryStore,
) -> None:
    result = curation.merge_organisations(network, "m-keep", "a-merge", "fac")
    q = network.query
    assert q("SELECT project_id, organisation_id, is_lead, grant_offered"
             " FROM participations ORDER BY project_id") == [
        {"project_id": "P1", "organisation_id": "m-keep", "is_lead": 1,
         "grant_offered": 150.0},
        {"project_id": "P2", "organisation_id": "m-keep", "is_lead": 0,
         "grant_offered": None},
    ]  # fmt: skip
    assert q("SELECT cluster_id FROM cluster_members WHERE organisation_id = ?"
             " ORDER BY cluster_id", ["m-keep"]) == [
        {"cluster_id": "C1"}, {"cluster_id": "C2"}
    ]  # fmt: skip
    assert q("SELECT organisation_id FROM accounts") == [{"organisation_id": "m-keep"}]
    assert q("SELECT organisation_id FROM edit_requests") == [
        {"organisation_id": "m-keep"}
    ]
    assert q("SELECT to_organisation FROM introduction_requests") == [
        {"to_organisation": "m-keep"}
    ]
    assert q("SELECT organisation_id FROM organisation_vectors") == [
        {"organisation_id": "b-other"}
    ]
    moved = result["moved"]
    assert moved["participations"] == {"moved": 1, "combined": 1}
    assert (moved["cluster_memberships"], moved["accounts"]) == (1, 1)


def test_merge_fills_gaps_unites_lists_and_keeps_the_kept_values(
    network: DirectoryStore,
) -> None:
    kept = curation.merge_organisations(network, "m-keep", "a-merge", "fac")[
        "organisation"
    ]
    assert kept["name"] == "Photon Labs"
    assert kept["website"] == "https://photon.test"
    assert kept["company_number"] == "SC123456"  # unique: taken once a-merge is gone
    assert kept["sectors"] == ["Optics", "Lasers"]
    assert kept["kind"] == "research organisation"
    assert kept["rdi_active"] is True and kept["rdi_evidence"] == ["grant"]
    assert kept["notes"] == "met at expo\n\nprefers email"
    assert (kept["lat"], kept["location_precision"]) == (55.86, "given")
    assert kept["version"] == 2


def test_merge_is_audited_on_both_records(network: DirectoryStore) -> None:
    curation.merge_organisations(network, "m-keep", "a-merge", "fac")
    [merge] = network.audit_entries("m-keep", action="merge")
    assert merge["actor"] == "fac"
    assert merge["before"]["website"] is None
    assert merge["after"]["website"] == "https://photon.test"
    assert merge["details"]["merged"] == "a-merge"
    assert merge["details"]["moved"]["collaborations"]["combined"] == 1
    [gone] = network.audit_entries("a-merge", action="delete")
    assert gone["details"] == {"merged_into": "m-keep"}
    assert gone["before"]["name"] == "Photon Labs Ltd"


@pytest.mark.parametrize(
    ("keep", "merge", "message"),
    [
        ("m-keep", "m-keep", "with itself"),
        ("m-keep", "nope", "no organisation with id 'nope'"),
        ("nope", "a-merge", "no organisation with id 'nope'"),
    ],
)
def test_merge_refuses_itself_and_unknown_ids_and_changes_nothing(
    network: DirectoryStore, keep: str, merge: str, message: str
) -> None:
    before = (links(network), network.stats())
    with pytest.raises(StoreError, match=message):
        curation.merge_organisations(network, keep, merge, "fac")
    assert (links(network), network.stats()) == before


def test_delete_cascades_and_keeps_a_snapshot_in_the_audit(
    network: DirectoryStore,
) -> None:
    result = curation.delete_organisation(network, "a-merge", "fac", 1)
    assert network.organisation("a-merge") is None
    assert links(network) == [("b-other", "m-keep", "p1", 3.0)]
    assert result["collaborations"] == 4 and result["participations"] == 2
    q = network.query
    assert q("SELECT count(*) n FROM cluster_members")[0]["n"] == 1
    assert q("SELECT organisation_id FROM accounts") == [{"organisation_id": None}]
    assert q("SELECT count(*) n FROM introduction_requests")[0]["n"] == 0
    [entry] = network.audit_entries("a-merge", action="delete")
    assert entry["before"]["company_number"] == "SC123456" and entry["after"] is None
    assert entry["details"]["collaborations"] == 4


def test_delete_from_a_stale_version_or_of_an_unknown_id_is_refused(
    network: DirectoryStore,
) -> None:
    network.update_organisation("a-merge", {"website": "https://x.test"}, "bob")
    with pytest.raises(ConflictError, match="changed by bob"):
        curation.delete_organisation(network, "a-merge", "fac", 1)
    with pytest.raises(StoreError, match="no organisation"):
        curation.delete_organisation(network, "nope", "fac")
    assert network.organisation("a-merge") is not None


def test_a_stale_save_is_refused_naming_changed_fields_values_and_who(
    network: DirectoryStore,
) -> None:
    loaded = network.organisation("b-other")
    assert loaded is not None
    network.update_organisation(
        "b-other", {"description": "Lenses", "tags": ["glass"]}, "bob"
    )
    with pytest.raises(ConflictError) as refused:
        curation.save_organisation(network, "b-other", {"website": "w"}, "al", loaded)
    message = str(refused.value)
    assert "changed by bob" in message
    assert "description is now 'Lenses'" in message and "tags is now 'glass'" in message
    assert "website" not in message and "name is now" not in message
    assert refused.value.changed == ["description", "tags"]
    assert network.organisation("b-other")["website"] is None


def test_a_save_renames_with_the_normalised_name_and_a_deleted_record_says_so(
    network: DirectoryStore,
) -> None:
    loaded = network.organisation("b-other")
    assert loaded is not None
    saved = curation.save_organisation(
        network, "b-other", {"name": "The Beta Optics Ltd"}, "al", loaded
    )
    assert saved["normalised_name"] == "beta optics" and saved["version"] == 2
    curation.merge_organisations(network, "m-keep", "b-other", "fac")
    with pytest.raises(
        StoreError, match=re.escape("deleted by fac (merged into m-keep)")
    ):
        curation.save_organisation(network, "b-other", {"name": "B"}, "al", saved)


def test_duplicates_found_by_each_rule_and_not_for_distinct_names(
    store: DirectoryStore,
) -> None:
    add(store, "acme-1", "Acme Ltd")
    add(store, "acme-2", "ACME Limited")
    add(store, "shop-1", "Corner Shop", website="https://www.corner.co.uk/about")
    add(store, "shop-2", "The Little Store", website="http://corner.co.uk")
    add(store, "lab-1", "Strathclyde Photonics Laboratories")
    add(store, "lab-2", "Strathclyde Photonic Laboratories")
    add(store, "sj-1", "Smith and Jones")
    add(store, "sj-2", "Jones & Smith")
    add(store, "alpha", "Alpha Robotics", website="https://linkedin.com/alpha")
    add(store, "beta", "Beta Robotics", website="https://linkedin.com/beta")
    add(store, "co-1", "Widget Ltd", company_number="00000001")
    add(store, "co-2", "Widget Limited", company_number="00000002")
    found = {
        (c["a"]["id"], c["b"]["id"]): c for c in duplicates.duplicate_candidates(store)
    }
    assert set(found) == {
        ("acme-1", "acme-2"), ("shop-1", "shop-2"), ("lab-1", "lab-2"), ("sj-1", "sj-2")
    }  # fmt: skip
    assert "same name" in found["acme-1", "acme-2"]["reasons"][0]
    assert found["acme-1", "acme-2"]["score"] == 1.0
    assert found["shop-1", "shop-2"]["reasons"] == ["same website domain corner.co.uk"]
    assert "very similar names" in found["lab-1", "lab-2"]["reasons"][0]
    assert 0.9 <= found["lab-1", "lab-2"]["score"] < 1
    assert found["sj-1", "sj-2"]["reasons"] == ["the same words in another order"]


def test_duplicates_suggest_keeping_the_better_linked_record(
    network: DirectoryStore,
) -> None:
    [pair] = duplicates.duplicate_candidates(network)
    assert {pair["a"]["id"], pair["b"]["id"]} == {"m-keep", "a-merge"}
    assert pair["suggested_keep"] == "a-merge"  # 4 links against 2


@pytest.mark.parametrize(
    ("website", "domain"),
    [
        ("https://www.Example.co.uk/about?x=1", "example.co.uk"),
        ("example.org", "example.org"),
        ("http://user@host.example.com:8080/", "host.example.com"),
        ("https://www.linkedin.com/company/x", None),
        ("localhost", None),
        (None, None),
    ],
)
def test_website_domain(website: str | None, domain: str | None) -> None:
    assert duplicates.website_domain(website) == domain


def test_audit_entries_filter_by_actor_action_type_text_and_time(
    network: DirectoryStore,
) -> None:
    network.update_organisation("b-other", {"description": "100% lenses_"}, "bob")
    curation.delete_organisation(network, "z-other", "fac")
    assert [e["record_id"] for e in network.audit_entries(actor="bob")] == ["b-other"]
    assert [e["record_id"] for e in network.audit_entries(action="delete")] == [
        "z-other"
    ]
    assert network.audit_entries(record_type="collaboration") == []
    assert [e["actor"] for e in network.audit_entries(text="100% lenses_")] == ["bob"]
    assert network.audit_entries(text="100%x") == []  # % is not a wildcard
    assert len(network.audit_entries(since="2000-01-01", actor="loader")) == 4
    assert network.audit_entries(until="2000-01-01") == []
    assert curation.audit_facets(network)["actor"] == ["bob", "fac", "loader"]
