"""Members' edit and introduction requests in the store: each operation, its audit
trail and the rules on status, staleness and duplicates."""

from __future__ import annotations

from typing import Any

import pytest

from directory import member_requests as mr
from directory.store import DirectoryStore, StoreError


def organisation(org_id: str, name: str) -> dict[str, Any]:
    return {
        "id": org_id, "name": name, "normalised_name": name.lower(),
        "kind": "business", "sectors": [], "sic_codes": [], "tags": [],
        "sources": ["test"], "rdi_evidence": [], "location_precision": "none",
        "description": "Makes widgets",
    }  # fmt: skip


@pytest.fixture
def orgs(store: DirectoryStore) -> DirectoryStore:
    with store.transaction():
        for org_id, name in [("acme", "Acme Ltd"), ("beta", "Beta Labs")]:
            store.insert_organisation(organisation(org_id, name), "setup", {})
    return store


def actions(store: DirectoryStore, record_type: str) -> list[tuple[str, str]]:
    rows = store.query(
        "SELECT actor, action FROM audit_log WHERE record_type = ? ORDER BY id",
        [record_type],
    )
    return [(r["actor"], r["action"]) for r in rows]


def test_submitting_stores_a_pending_request_and_leaves_the_record(
    orgs: DirectoryStore,
) -> None:
    request = mr.submit_edit_request(
        orgs, "acme", "ann", 1, {"description": "Makes better widgets"}
    )
    assert request["status"] == "pending"
    assert request["changes"] == {"description": "Makes better widgets"}
    assert request["organisation_name"] == "Acme Ltd"
    assert orgs.organisation("acme")["description"] == "Makes widgets"
    assert actions(orgs, "edit_request") == [("ann", "create")]
    assert [r["id"] for r in mr.edit_requests(orgs, "pending")] == [request["id"]]
    assert mr.edit_requests(orgs, organisation_id="beta") == []


def test_approving_applies_the_changes_and_audits_both(orgs: DirectoryStore) -> None:
    request = mr.submit_edit_request(
        orgs, "acme", "ann", 1, {"description": "New", "tags": ["ai"]}
    )
    approved = mr.approve_edit_request(orgs, request["id"], "fiona", "looks right")
    assert (approved["status"], approved["reviewed_by"], approved["review_note"]) == (
        "approved", "fiona", "looks right",
    )  # fmt: skip
    record = orgs.organisation("acme")
    assert (record["description"], record["tags"], record["version"]) == (
        "New", ["ai"], 2,
    )  # fmt: skip
    update = orgs.audit_entries("acme")[0]
    assert (update["actor"], update["action"]) == ("fiona", "update")
    assert update["after"] == {"description": "New", "tags": ["ai"]}
    assert update["details"] == {"edit_request": request["id"], "requested_by": "ann"}
    assert actions(orgs, "edit_request") == [("ann", "create"), ("fiona", "approve")]


def test_approving_after_the_record_changed_is_refused_naming_field_and_who(
    orgs: DirectoryStore,
) -> None:
    request = mr.submit_edit_request(orgs, "acme", "ann", 1, {"description": "New"})
    with orgs.transaction():
        orgs.update_organisation("acme", {"website": "https://acme.test"}, "bob")
    with pytest.raises(mr.StaleEditError) as refused:
        mr.approve_edit_request(orgs, request["id"], "fiona")
    message = str(refused.value)
    assert "website (changed by bob)" in message and "version 1" in message
    assert "ann" in message  # whom to ask to make it again
    assert refused.value.changed == ["website"]
    assert orgs.organisation("acme")["description"] == "Makes widgets"
    assert mr.edit_request(orgs, request["id"])["status"] == "pending"
    # the facilitator can still reject it
    mr.reject_edit_request(orgs, request["id"], "fiona", "please redo")
    assert mr.edit_request(orgs, request["id"])["status"] == "rejected"


def test_rejecting_keeps_the_record_and_only_pending_requests_are_reviewed(
    orgs: DirectoryStore,
) -> None:
    request = mr.submit_edit_request(orgs, "acme", "ann", 1, {"description": "New"})
    rejected = mr.reject_edit_request(orgs, request["id"], "fiona", "not accurate")
    assert (rejected["status"], rejected["review_note"]) == ("rejected", "not accurate")
    assert orgs.organisation("acme")["version"] == 1
    for review in (mr.approve_edit_request, mr.reject_edit_request):
        with pytest.raises(StoreError, match="only a pending request"):
            review(orgs, request["id"], "fiona")
    with pytest.raises(StoreError, match="no edit request #999"):
        mr.approve_edit_request(orgs, 999, "fiona")
    assert actions(orgs, "edit_request") == [("ann", "create"), ("fiona", "reject")]


def test_a_request_on_an_old_version_or_of_protected_fields_is_refused(
    orgs: DirectoryStore,
) -> None:
    with orgs.transaction():
        orgs.update_organisation("acme", {"description": "Changed"}, "bob")
    with pytest.raises(mr.StaleEditError, match=r"description \(changed by bob\)"):
        mr.submit_edit_request(orgs, "acme", "ann", 1, {"website": "x.test"})
    for bad in ({"version": 9}, {"id": "other"}, {"no_such_column": 1}, {}):
        with pytest.raises(StoreError):
            mr.submit_edit_request(orgs, "acme", "ann", 2, bad)
    with pytest.raises(StoreError, match="no organisation"):
        mr.submit_edit_request(orgs, "nope", "ann", 1, {"description": "x"})
    assert mr.edit_requests(orgs) == []


def test_a_new_request_replaces_the_same_persons_pending_one(
    orgs: DirectoryStore,
) -> None:
    first = mr.submit_edit_request(orgs, "acme", "ann", 1, {"description": "A"})
    other = mr.submit_edit_request(orgs, "acme", "bea", 1, {"website": "b.test"})
    second = mr.submit_edit_request(orgs, "acme", "ann", 1, {"description": "B"})
    replaced = mr.edit_request(orgs, first["id"])
    assert replaced["status"] == "rejected"
    assert replaced["review_note"] == f"replaced by request #{second['id']}"
    pending = {r["id"] for r in mr.edit_requests(orgs, "pending")}
    assert pending == {other["id"], second["id"]}
    with pytest.raises(StoreError, match="unknown status"):
        mr.edit_requests(orgs, "waiting")


def test_introduction_lifecycle_is_audited(orgs: DirectoryStore) -> None:
    created = mr.create_introduction_request(
        orgs, "ann", "beta", "acme", "  lab space  ", "We need a cleanroom."
    )
    assert (created["status"], created["from_name"], created["to_name"]) == (
        "open", "Acme Ltd", "Beta Labs",
    )  # fmt: skip
    assert created["need"] == "lab space"
    assert mr.request_counts(orgs) == {"pending_edits": 0, "open_introductions": 1}
    marked = mr.set_introduction_status(orgs, created["id"], "introduced", "fiona")
    assert (marked["status"], marked["handled_by"]) == ("introduced", "fiona")
    assert marked["handled_at"]
    with pytest.raises(StoreError, match="only an open request"):
        mr.set_introduction_status(orgs, created["id"], "declined", "fiona")
    assert actions(orgs, "introduction_request") == [
        ("ann", "create"), ("fiona", "introduce"),
    ]  # fmt: skip
    assert mr.request_counts(orgs)["open_introductions"] == 0


def test_the_same_open_introduction_twice_is_refused(orgs: DirectoryStore) -> None:
    mr.create_introduction_request(orgs, "ann", "beta", "acme", None, "")
    with pytest.raises(StoreError, match=r"already asked .* Beta Labs"):
        mr.create_introduction_request(orgs, "ann", "beta", "acme", "other", "again")
    # someone else, or without an organisation, is a different request
    mr.create_introduction_request(orgs, "bob", "beta", "acme", None, "")
    mr.create_introduction_request(orgs, "ann", "beta", None, None, "")
    with pytest.raises(StoreError, match="already asked"):
        mr.create_introduction_request(orgs, "ann", "beta", None, None, "")
    # once handled, asking again is allowed
    [first] = mr.introduction_requests(orgs, "open", requested_by="bob")
    mr.set_introduction_status(orgs, first["id"], "declined", "fiona")
    mr.create_introduction_request(orgs, "bob", "beta", "acme", None, "")
    statuses = [r["status"] for r in mr.introduction_requests(orgs)]
    assert statuses == ["open", "open", "open", "declined"]  # open first


@pytest.mark.parametrize(
    ("to", "source", "message", "error"),
    [
        ("nope", "acme", "", "no organisation with id 'nope'"),
        ("beta", "nope", "", "no organisation with id 'nope'"),
        ("acme", "acme", "", "introduced to itself"),
        ("beta", "acme", "x" * 2001, "at most 2000"),
        ("beta", "acme", "bad\x00byte", "NUL"),
    ],
)
def test_bad_introduction_requests_are_refused(
    orgs: DirectoryStore, to: str, source: str, message: str, error: str
) -> None:
    with pytest.raises(StoreError, match=error):
        mr.create_introduction_request(orgs, "ann", to, source, None, message)
    assert mr.introduction_requests(orgs) == []


def test_marking_with_an_unknown_status_is_refused(orgs: DirectoryStore) -> None:
    created = mr.create_introduction_request(orgs, "ann", "beta", "acme", None, "")
    for status in ("open", "done"):
        with pytest.raises(StoreError, match="introduced or declined"):
            mr.set_introduction_status(orgs, created["id"], status, "fiona")
    with pytest.raises(StoreError, match="no introduction request #42"):
        mr.set_introduction_status(orgs, 42, "declined", "fiona")
    assert mr.introduction_requests(orgs)[0]["status"] == "open"


def test_approving_a_change_that_breaks_a_rule_is_refused_cleanly(
    orgs: DirectoryStore,
) -> None:
    with orgs.transaction():
        orgs.update_organisation("beta", {"company_number": "SC000001"}, "setup")
    request = mr.submit_edit_request(
        orgs, "acme", "ann", 1, {"company_number": "SC000001"}
    )
    with pytest.raises(
        StoreError, match=r"Beta Labs \(beta\) already has company number SC000001"
    ):
        mr.approve_edit_request(orgs, request["id"], "fiona")
    assert orgs.organisation("acme")["company_number"] is None
    assert mr.edit_request(orgs, request["id"])["status"] == "pending"
