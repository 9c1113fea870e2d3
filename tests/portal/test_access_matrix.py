"""Every role against every action, through the real use-case functions in portal/
(defence in depth: a crafted session that reaches a function must still be refused),
and the private fields (contact email, notes) kept from the public on every read path.

Password hashing, sign-in throttling and session expiry are tested in
tests/directory/test_accounts.py (test_password_is_stored_hashed_and_checked,
test_sign_in_is_throttled_after_repeated_failures, test_sessions_expire_and_end_on_sign_out).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from directory import passages as passage_store
from portal import (
    accounts,
    atlas,
    curation,
    knowledge,
    matching,
    member_requests,
    services,
    uploads,
)
from portal.access import PERMISSIONS, PRIVATE_FIELDS, PUBLIC, AccessDenied, Viewer
from portal.backup import table_counts
from portal.editing import form_values
from portal.settings import Settings, load_settings
from portal.workspace import open_store

OWN = "arjuna-technologies-ltd"  # the member's organisation
OTHER = "arup-group-ltd"
PASSWORD = "correct horse battery staple"
VIEWERS = {
    "public": PUBLIC,
    "member": Viewer("member", "member-user", OWN),
    "official": Viewer("official", "official-user"),
    "facilitator": Viewer("facilitator", "facilitator-user"),
}
# The policy, written out: who may take each action.
ALLOWED = {
    "view": {"public", "member", "official", "facilitator"},
    "edit_own": {"member", "facilitator"},
    "edit_other": {"facilitator"},
    "import": {"facilitator"},
    "delete": {"facilitator"},
    "export": {"facilitator"},
    "audit_log": {"facilitator"},
    "user_admin": {"facilitator"},
    "merge": {"facilitator"},
    "review_requests": {"facilitator"},
    "upload_documents": {"facilitator"},
    "find_collaborators": {"member", "official", "facilitator"},
    "request_introduction": {"member", "facilitator"},
}
MEMBERS_CSV = b"name,kind,postcode\nMatrix Test Foundry Ltd,business,G1 1XQ\n"

Call = Callable[[Settings, Viewer], Any]


def record(settings: Settings, organisation_id: str) -> dict[str, Any]:
    with open_store(settings) as store:
        found = store.organisation(organisation_id)
    assert found is not None
    return found


def _view(settings: Settings, viewer: Viewer) -> None:
    assert services.search_organisations(settings, "arup", viewer=viewer)
    profile = services.organisation_profile(settings, OTHER, viewer)
    assert profile["organisation"]["id"] == OTHER and profile["collaborators"]


def _edit_own(settings: Settings, viewer: Viewer) -> None:
    done = member_requests.save_own_organisation(
        settings, viewer, {"description": "Edited by its own people."},
        record(settings, OWN)["version"], organisation_id=OWN,
    )  # fmt: skip
    assert done["outcome"] == ("requested" if viewer.role == "member" else "saved")


def _edit_other(settings: Settings, viewer: Viewer) -> None:
    loaded = record(settings, OTHER)
    values = form_values(loaded) | {"description": "Edited by a curator."}
    assert curation.edit_organisation(settings, viewer, loaded, values)["version"] == (
        loaded["version"] + 1
    )


def _preview(settings: Settings, viewer: Viewer) -> uploads.ImportPreview:
    return uploads.preview_import(
        settings, viewer, "organisations", "members.csv", MEMBERS_CSV
    )


def _apply_import(settings: Settings, viewer: Viewer) -> None:
    """Apply a preview someone allowed made: the apply must check again itself."""
    preview = _preview(settings, VIEWERS["facilitator"])
    report = uploads.apply_import(settings, viewer, preview)
    assert report.counts["organisations"] == {"created": 1}


def _delete(settings: Settings, viewer: Viewer) -> None:
    assert curation.organisation_links(settings, viewer, OTHER)["collaborations"]
    version = record(settings, OTHER)["version"]
    curation.delete_organisation(settings, viewer, OTHER, version)


def _export(settings: Settings, viewer: Viewer) -> None:
    header = curation.export_directory(settings, viewer).splitlines()[0]
    assert header.endswith(b"contact_email,notes")


def _audit(settings: Settings, viewer: Viewer) -> None:
    entries, _ = curation.audit_log(settings, viewer, limit=5)
    assert len(entries) == 5
    assert (
        "organisation" in curation.audit_filter_options(settings, viewer)["record_type"]
    )


def _user_admin(settings: Settings, viewer: Viewer) -> None:
    accounts.add_user(settings, "new-official", PASSWORD, "official", actor=viewer)
    assert "new-official" in {u["username"] for u in accounts.users(settings, viewer)}
    accounts.set_password(settings, "new-official", PASSWORD + "!", actor=viewer)
    accounts.remove_user(settings, "new-official", actor=viewer)


def _merge(settings: Settings, viewer: Viewer) -> None:
    curation.duplicate_suggestions(settings, viewer)
    curation.merge_organisations(settings, viewer, OTHER, "avecia-limited")


def _review(settings: Settings, viewer: Viewer) -> None:
    assert "pending_edits" in member_requests.review_counts(settings, viewer)
    member_requests.pending_edit_requests(settings, viewer)
    member_requests.introduction_queue(settings, viewer)


def _upload(settings: Settings, viewer: Viewer) -> None:
    text = b"Matrix test note\n\nThe matrix test note names no organisation.\n"
    report = uploads.upload_documents(settings, viewer, [uploads.Upload("n.txt", text)])
    assert report.added == ["n"]


def _find(settings: Settings, viewer: Viewer) -> None:
    found = matching.suggestions_for(settings, viewer, organisation=OTHER, k=3)
    assert found["organisation"]["id"] == OTHER


def _introduce(settings: Settings, viewer: Viewer) -> None:
    made = member_requests.request_introduction(settings, viewer, OTHER, need="x-ray")
    assert made["status"] == "open"


CALLS: dict[str, list[Call]] = {
    "view": [_view],
    "edit_own": [_edit_own],
    "edit_other": [_edit_other,
                   lambda s, v: curation.find_organisations(s, v, "arup"),
                   lambda s, v: curation.organisation_for_editing(s, v, OTHER),
                   lambda s, v: curation.add_organisation(s, v, {"name": "New Co"})],
    "import": [_preview, _apply_import],
    "delete": [_delete],
    "export": [_export],
    "audit_log": [_audit],
    "user_admin": [_user_admin],
    "merge": [_merge],
    "review_requests": [_review],
    "upload_documents": [_upload, lambda s, v: uploads.remove_document(s, v, "n")],
    "find_collaborators": [_find],
    "request_introduction": [_introduce],
}  # fmt: skip
CHANGES = {"edit_own", "edit_other", "import", "delete", "user_admin", "merge",
           "upload_documents", "request_introduction"}  # fmt: skip


@pytest.fixture(scope="module")
def small_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """54 organisations with their collaborations and an account per role."""
    workspace = tmp_path_factory.mktemp("matrix") / "workspace"
    settings = load_settings(workspace=workspace)
    data = Path(__file__).parents[1] / "data"
    services.import_file(settings, "organisations", data / "gtr_organisations.csv", "t")
    services.import_file(
        settings, "collaborations", data / "gtr_collaborations.csv", "t"
    )
    for viewer in VIEWERS.values():
        if viewer.signed_in:
            accounts.add_user(
                settings, str(viewer.username), PASSWORD, viewer.role,
                viewer.organisation_id,
            )  # fmt: skip
    return workspace


@pytest.fixture
def small(small_workspace: Path, settings: Settings) -> Settings:
    shutil.copytree(small_workspace, settings.workspace)
    return settings


def snapshot(settings: Settings) -> tuple[Any, ...]:
    """Everything an action could change: rows per table, the newest audit entry,
    and the records the actions aim at."""
    with closing(sqlite3.connect(settings.database_path)) as connection:
        counts = table_counts(connection)
    with open_store(settings) as store:
        aimed_at = [store.organisation(oid) for oid in (OWN, OTHER)]
        return counts, store.audit_entries(limit=1), aimed_at


def test_the_written_policy_is_the_one_enforced() -> None:
    for action, roles in ALLOWED.items():
        assert PERMISSIONS[action] == roles, action
    assert set(PERMISSIONS) - set(ALLOWED) == {"ask", "view_documents", "view_private"}


@pytest.mark.parametrize("action", list(CALLS))
@pytest.mark.parametrize("role", list(VIEWERS))
def test_role_may_or_may_not_take_action(
    small: Settings, role: str, action: str
) -> None:
    viewer = VIEWERS[role]
    before = snapshot(small)
    if role in ALLOWED[action]:
        for call in CALLS[action]:
            call(small, viewer)
        audit_grew = snapshot(small)[1] != before[1]
        assert audit_grew == (action in CHANGES)
        return
    for call in CALLS[action]:
        with pytest.raises(AccessDenied):
            call(small, viewer)
    assert snapshot(small) == before


def test_a_member_cannot_reach_another_organisation_through_their_own_page(
    small: Settings,
) -> None:
    member = VIEWERS["member"]
    before = snapshot(small)
    version = record(small, OTHER)["version"]
    with pytest.raises(AccessDenied):
        member_requests.save_own_organisation(
            small, member, {"description": "Hijacked."}, version, organisation_id=OTHER
        )
    homeless = Viewer("member", "member-user", None)
    with pytest.raises(AccessDenied):
        member_requests.own_organisation(small, homeless)
    with pytest.raises(AccessDenied):
        member_requests.my_requests(small, PUBLIC)
    assert snapshot(small) == before


# -- private fields never reach the public ------------------------------------------

SECRET_EMAIL = "quietly-private@example.org"
SECRET_NOTE = "Confidential xylophone-walrus arrangement"


def no_secrets(value: Any) -> None:
    text = json.dumps(value, default=str, ensure_ascii=False)
    assert SECRET_EMAIL not in text
    assert "xylophone" not in text and "walrus" not in text


def test_private_fields_never_reach_the_public_on_any_read_path(
    demo: Settings,
) -> None:
    cluster = services.clusters(demo)[0]["id"]
    member_ids = [m["id"] for m in atlas.cluster_page(demo, cluster)["members"]]
    secret_ids = member_ids[:3]
    with open_store(demo) as store:
        for oid in secret_ids:
            store.update_organisation(
                oid, {"contact_email": SECRET_EMAIL, "notes": SECRET_NOTE}, "t"
            )
    names = [record(demo, oid)["name"] for oid in secret_ids]
    knowledge.refresh_profiles(demo)  # profiles rewritten from the records as they are

    with open_store(demo) as store:  # profile passages hold no private field
        for oid in secret_ids:
            no_secrets(passage_store.passages_of(store, "organisation", oid))
    for name, oid in zip(names, secret_ids, strict=True):
        found = services.search_organisations(demo, name, viewer=PUBLIC)
        assert oid in {o["id"] for o in found}
        no_secrets(found)
        profile = services.organisation_profile(demo, oid, PUBLIC)
        assert not set(PRIVATE_FIELDS) & set(profile["organisation"])
        assert profile["history"] == []
        no_secrets(profile)
    assert services.search_organisations(demo, "xylophone walrus", viewer=PUBLIC) == []
    no_secrets(atlas.cluster_page(demo, cluster))
    no_secrets(atlas.cluster_network(demo, cluster))
    no_secrets(atlas.cluster_overview(demo))
    no_secrets(knowledge.search(demo, "xylophone walrus arrangement", 10,
                                ("document", "cluster", "organisation")))  # fmt: skip
    answer = knowledge.ask(
        demo, "Which organisations have a xylophone walrus arrangement?"
    )
    no_secrets({k: v for k, v in answer.to_dict().items() if k != "question"})
    with pytest.raises(AccessDenied):
        curation.export_directory(demo, PUBLIC)
    with pytest.raises(AccessDenied):
        matching.suggestions_for(demo, PUBLIC, organisation=secret_ids[0])

    member = Viewer("member", "m", secret_ids[0])  # sees their own, no one else's
    own = services.organisation_profile(demo, secret_ids[0], member)["organisation"]
    assert own["contact_email"] == SECRET_EMAIL
    other = services.organisation_profile(demo, secret_ids[1], member)["organisation"]
    assert not set(PRIVATE_FIELDS) & set(other)
    no_secrets(matching.suggestions_for(demo, member, organisation=secret_ids[1], k=10))
    no_secrets(services.search_organisations(demo, names[1], viewer=member))
