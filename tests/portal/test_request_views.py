"""My organisation, Requests and Accounts on the demo workspace: members' edits saved
directly or as requests, facilitators' review, introductions, account admin, and the
use cases refusing roles that may not use them."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from directory.member_requests import StaleEditError
from directory.store import DirectoryStore, StoreError
from portal import accounts, member_requests, services
from portal.access import AccessDenied, Viewer
from portal.settings import Settings

ORG = "university-of-strathclyde"
MEMBER = Viewer("member", "member-user", ORG)
FACILITATOR = Viewer("facilitator", "facilitator-user")
NEW_PASSWORD = "a long enough password"


def record(settings: Settings, org_id: str = ORG) -> dict[str, Any]:
    return services.organisation_profile(settings, org_id)["organisation"]


def other_organisation(settings: Settings) -> str:
    return next(o["id"] for o in services.search_organisations(settings, limit=5)
                if o["id"] != ORG)  # fmt: skip


def save_on_page(at: AppTest, **fields: str) -> AppTest:
    for name, value in fields.items():
        widgets = at.text_area if name in ("description", "notes") else at.text_input
        widgets(key=f"own-{name}").input(value)
    [submit] = [b for b in at.button if b.label in ("Save", "Send for approval")]
    return submit.click().run()


def test_a_members_save_becomes_a_request_a_facilitator_approves(
    demo: Settings, open_app
) -> None:
    before = record(demo)
    start = open_app(demo)
    at = start("member", ORG, page="views/my_organisation.py")
    assert not at.exception
    assert "sent to a facilitator" in at.caption[0].value
    assert at.text_input(key="own-name").value == before["name"]
    at = save_on_page(at, description="Strathclyde does lasers.")
    assert not at.exception and not at.error
    assert "Sent for approval" in at.success[0].value
    assert record(demo) == before  # nothing changed yet
    [request] = member_requests.my_requests(demo, MEMBER)["edits"]
    assert request["changes"] == {"description": "Strathclyde does lasers."}
    assert "waits for review" in at.info[0].value
    assert at.text_area(key="own-description").value == "Strathclyde does lasers."

    review = start("facilitator", page="views/review.py")
    assert review.metric[0].value == "1"
    review.button(key=f"approve-{request['id']}").click().run()
    assert not review.exception and not review.error
    assert "Approved request" in review.success[0].value
    after = record(demo)
    assert after["description"] == "Strathclyde does lasers."
    assert after["version"] == before["version"] + 1
    entry = services.organisation_profile(demo, ORG)["history"][0]
    assert (entry["actor"], entry["action"]) == ("facilitator-user", "update")
    assert entry["details"]["requested_by"] == "member-user"
    assert review.metric[0].value == "0"


def test_with_direct_edits_a_members_save_applies_at_once(
    demo: Settings, open_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLUSTER_PORTAL_AUTH__MEMBER_EDITS", "direct")
    before = record(demo)
    at = open_app(demo)("member", ORG, page="views/my_organisation.py")
    assert "saved at once" in at.caption[0].value
    at = save_on_page(at, description="Now direct.", contact_email="hi@strath.test")
    assert not at.exception and not at.error
    assert "Saved" in at.success[0].value
    after = record(demo)
    assert (after["description"], after["contact_email"]) == (
        "Now direct.", "hi@strath.test",
    )  # fmt: skip
    assert after["version"] == before["version"] + 1
    assert member_requests.my_requests(demo, MEMBER)["edits"] == []
    entry = services.organisation_profile(demo, ORG)["history"][0]
    assert (entry["actor"], entry["action"]) == ("member-user", "update")


def test_a_bad_value_is_refused_on_the_page_and_nothing_changes(
    demo: Settings, open_app
) -> None:
    before = record(demo)
    at = open_app(demo)("member", ORG, page="views/my_organisation.py")
    at = save_on_page(at, contact_email="not an email")
    assert not at.exception
    assert "not an email address" in at.error[0].value
    assert record(demo) == before
    assert member_requests.my_requests(demo, MEMBER)["edits"] == []


def test_approving_after_the_record_changed_shows_what_changed(
    demo: Settings, open_app
) -> None:
    start = open_app(demo)
    start("member", ORG)  # creates the member's account
    loaded = record(demo)
    result = member_requests.save_own_organisation(
        demo, MEMBER, {"description": "Proposed"}, loaded["version"]
    )
    assert result["outcome"] == "requested"
    with DirectoryStore(demo.database_path) as store, store.transaction():
        store.update_organisation(ORG, {"website": "https://changed.test"}, "bob")
    review = start("facilitator", page="views/review.py")
    assert "record changed" in review.warning[0].value
    review.button(key=f"approve-{result['request']['id']}").click().run()
    assert not review.exception
    assert "website (changed by bob)" in review.error[0].value.replace("\\", "")
    assert record(demo)["description"] == loaded["description"]
    # the member's own save on the old version is refused the same way
    with pytest.raises(StaleEditError, match=r"website \(changed by bob\)"):
        member_requests.save_own_organisation(
            demo, MEMBER, {"description": "Again"}, loaded["version"]
        )


def test_introductions_from_a_member_are_their_own_and_handled_on_review(
    demo: Settings, open_app
) -> None:
    start = open_app(demo)
    start("member", ORG)
    target = other_organisation(demo)
    elsewhere = next(o["id"] for o in services.search_organisations(demo, limit=9)
                     if o["id"] not in (ORG, target))  # fmt: skip
    request = member_requests.request_introduction(
        demo, MEMBER, target, from_organisation=elsewhere, need="lasers", message="hi"
    )
    assert (request["from_organisation"], request["status"]) == (ORG, "open")
    with pytest.raises(StoreError, match="already asked"):
        member_requests.request_introduction(demo, MEMBER, target)
    with pytest.raises(StoreError, match="no organisation"):
        member_requests.request_introduction(demo, MEMBER, "no-such-org")
    page = start("member", ORG, page="views/my_organisation.py")
    tables = [df.value for df in page.dataframe]
    assert [t["need"].tolist() for t in tables if "need" in t.columns] == [["lasers"]]

    review = start("facilitator", page="views/review.py")
    assert review.metric[1].value == "1"
    review.button(key=f"introduced-{request['id']}").click().run()
    assert not review.exception
    [mine] = member_requests.my_requests(demo, MEMBER)["introductions"]
    assert (mine["status"], mine["handled_by"]) == ("introduced", "facilitator-user")


def test_the_accounts_page_adds_an_account_that_can_sign_in(
    demo: Settings, open_app
) -> None:
    at = open_app(demo)("facilitator", page="views/users.py")
    assert not at.exception
    assert "password_hash" not in at.dataframe[0].value.columns
    at.text_input(key="users-find").input("strathclyde").run()
    at.selectbox(key="users-organisation").select(ORG)
    at.text_input(key="users-new-name").input("new-member")
    at.selectbox(key="users-role").select("member")
    at.text_input(key="users-new-password").input(NEW_PASSWORD)
    at.text_input(key="users-new-password-again").input(NEW_PASSWORD + "x")
    _submit(at, "Add account")
    assert "passwords differ" in at.error[0].value
    assert "new-member" not in {u["username"] for u in accounts.users(demo)}
    at.text_input(key="users-new-name").input("new-member")
    at.text_input(key="users-new-password").input(NEW_PASSWORD)
    at.text_input(key="users-new-password-again").input(NEW_PASSWORD)
    _submit(at, "Add account")
    assert not at.exception and not at.error
    assert "Added new\\-member" in at.success[0].value
    viewer, _ = accounts.sign_in(demo, "new-member", NEW_PASSWORD)
    assert (viewer.role, viewer.organisation_id) == ("member", ORG)
    assert "facilitator-user" not in at.selectbox(key="users-remove-name").options


def _submit(at: AppTest, label: str) -> None:
    [button] = [b for b in at.button if b.label == label]
    button.click().run()


def test_the_use_cases_refuse_roles_that_may_not_use_them(
    demo: Settings, open_app
) -> None:
    open_app(demo)("member", ORG)
    loaded = record(demo)
    request = member_requests.save_own_organisation(
        demo, MEMBER, {"description": "Mine"}, loaded["version"]
    )["request"]
    other = other_organisation(demo)
    other_before = record(demo, other)
    with pytest.raises(AccessDenied):
        member_requests.approve_edit(demo, MEMBER, request["id"])
    with pytest.raises(AccessDenied):
        member_requests.save_own_organisation(
            demo, MEMBER, {"description": "Theirs"}, other_before["version"],
            organisation_id=other,
        )  # fmt: skip
    official = Viewer("official", "olga")
    with pytest.raises(AccessDenied):
        member_requests.request_introduction(demo, official, other)
    for use_case in (member_requests.pending_edit_requests,
                     member_requests.introduction_queue):  # fmt: skip
        with pytest.raises(AccessDenied):
            use_case(demo, MEMBER)
    with pytest.raises(AccessDenied):
        member_requests.my_requests(demo, Viewer())
    assert record(demo, other) == other_before
    assert record(demo) == loaded


def test_facilitators_save_directly_whatever_the_setting(demo: Settings) -> None:
    assert demo.auth.member_edits == "request"
    facilitator = Viewer("facilitator", "fiona", ORG)
    assert member_requests.edit_mode(demo, facilitator) == "direct"
    assert member_requests.edit_mode(demo, MEMBER) == "request"
