"""The curation and audit pages on the demo: edits that are stored and audited, a
stale second save refused with what changed, delete, merge, add, export, filters."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from directory.store import StoreError
from portal import curation, services
from portal.access import AccessDenied, Viewer
from portal.editing import form_values
from portal.settings import Settings
from portal.workspace import open_store

CURATE, AUDIT = "views/curate.py", "views/audit.py"
ALICE = Viewer("facilitator", "alice")


def widget(at: AppTest, label: str) -> Any:
    """The text box, text area or button with this label."""
    for w in [*at.text_input, *at.text_area, *at.button, *at.checkbox]:
        if w.label == label:
            return w
    raise AssertionError(f"no widget labelled {label!r}")


def unescaped(markdown: str) -> str:
    """Text shown through ui.plain, without its escapes."""
    return markdown.replace("\\", "")


def open_record(at: AppTest, search: str, organisation_id: str) -> AppTest:
    at.text_input(key="edit_search").input(search).run()
    return at.selectbox(key="edit_pick").select(organisation_id).run()


def organisation(settings: Settings, organisation_id: str) -> dict[str, Any] | None:
    with open_store(settings) as store:
        return store.organisation(organisation_id)


def audit(settings: Settings, **filters: Any) -> list[dict[str, Any]]:
    with open_store(settings) as store:
        return store.audit_entries(**filters)


def test_a_facilitators_edit_is_stored_and_audited(demo: Settings, open_app) -> None:
    at = open_record(open_app(demo)("facilitator", page=CURATE), "haydale", "haydale")
    widget(at, "Description").input("Graphene <b>inks</b>")
    widget(at, "Notes").input("met at the expo")
    widget(at, "Save changes").click().run()
    assert not at.exception and not at.error
    assert "Saved Haydale" in at.success[0].value
    saved = organisation(demo, "haydale")
    assert saved is not None
    assert (saved["description"], saved["notes"]) == (
        "Graphene <b>inks</b>",
        "met at the expo",
    )
    [entry] = audit(demo, record_id="haydale", actor="facilitator-user")
    assert entry["action"] == "update"
    assert entry["after"] == {
        "description": "Graphene <b>inks</b>",
        "notes": "met at the expo",
    }


def test_a_second_save_from_a_stale_copy_is_refused_naming_what_changed(
    demo: Settings, open_app
) -> None:
    start = open_app(demo)
    alice = open_record(start("facilitator", page=CURATE, username="alice"),
                        "haydale", "haydale")  # fmt: skip
    bob = open_record(start("facilitator", page=CURATE, username="bob"),
                      "haydale", "haydale")  # fmt: skip
    widget(alice, "Description").input("Graphene inks")
    widget(alice, "Save changes").click().run()
    assert alice.success
    widget(bob, "Website").input("https://haydale.example")
    widget(bob, "Save changes").click().run()
    assert not bob.exception
    [refused] = bob.error
    assert "changed by alice" in refused.value
    assert "description is now 'Graphene inks'" in refused.value
    assert (
        organisation(demo, "haydale")["website"] is None
    )  # nothing lost, nothing saved
    widget(bob, "Reload from the directory").click().run()
    assert widget(bob, "Description").value == "Graphene inks"
    widget(bob, "Website").input("https://haydale.example")
    widget(bob, "Save changes").click().run()
    assert not bob.error
    saved = organisation(demo, "haydale")
    assert (saved["description"], saved["website"]) == (
        "Graphene inks", "https://haydale.example"
    )  # fmt: skip


def test_a_bad_value_is_refused_and_changes_nothing(demo: Settings, open_app) -> None:
    at = open_record(open_app(demo)("facilitator", page=CURATE), "haydale", "haydale")
    widget(at, "Contact email").input("not an email")
    widget(at, "Save changes").click().run()
    assert not at.exception
    assert "is not an email address" in at.error[0].value
    assert organisation(demo, "haydale")["version"] == 1


def test_add_an_organisation(demo: Settings, open_app) -> None:
    at = open_app(demo)("facilitator", page=CURATE)
    at.segmented_control(key="curate_task").set_value("Add").run()
    widget(at, "Name").input("Loch Photonics Ltd")
    widget(at, "Postcode").input("G1 1XQ")
    widget(at, "Add organisation").click().run()
    assert not at.exception and not at.error
    created = organisation(demo, "loch-photonics-ltd")
    assert created is not None
    assert (created["kind"], created["rdi_active"], created["region"]) == (
        "business", True, "Glasgow City"
    )  # fmt: skip
    assert audit(demo, record_id="loch-photonics-ltd")[0]["action"] == "create"


def test_delete_needs_an_explicit_confirmation(demo: Settings, open_app) -> None:
    at = open_app(demo)("facilitator", page=CURATE)
    at.segmented_control(key="curate_task").set_value("Delete").run()
    at.text_input(key="delete_search").input("glaxosmithkline").run()
    at.selectbox(key="delete_pick").select("glaxosmithkline").run()
    assert "119 collaborations" in at.markdown[0].value
    assert widget(at, "Delete").disabled
    widget(at, "Yes, delete this organisation for good").check().run()
    widget(at, "Delete").click().run()
    assert not at.exception
    assert "Deleted GlaxoSmithKline" in at.success[0].value
    assert organisation(demo, "glaxosmithkline") is None
    [entry] = audit(demo, record_id="glaxosmithkline", action="delete")
    assert entry["details"]["collaborations"] == 119
    assert entry["before"]["name"] == "GlaxoSmithKline"


def test_merge_a_suggested_pair_keeping_the_chosen_record(
    demo: Settings, open_app
) -> None:
    at = open_app(demo)("facilitator", page=CURATE)
    at.segmented_control(key="curate_task").set_value("Merge").run()
    pairs = at.selectbox(key="merge_pair")
    assert "Haydale ↔ Haydale Limited" in pairs.options
    pairs.select("haydale|haydale-limited").run()
    keep = at.radio(key="merge_keep_haydale|haydale-limited")
    assert keep.value == "haydale-limited"  # suggested: the better-linked record
    keep.set_value("haydale").run()
    with open_store(demo) as store:
        partners = {c["id"] for c in store.collaborators("haydale-limited")}
    widget(at, "Merge").click().run()
    assert not at.exception
    assert "Merged haydale-limited into haydale" in unescaped(at.success[0].value)
    assert organisation(demo, "haydale-limited") is None
    with open_store(demo) as store:
        assert partners <= {c["id"] for c in store.collaborators("haydale")}
    assert audit(demo, record_id="haydale", action="merge")
    assert "Haydale ↔ Haydale Limited" not in at.selectbox(key="merge_pair").options


def test_export_neutralises_formulas_keeps_numbers_and_private_columns(
    demo: Settings, open_app
) -> None:
    loaded = curation.organisation_for_editing(demo, ALICE, "haydale")
    values = {**form_values(loaded), "name": "=HYPERLINK(\"http://x\")",
              "description": "@SUM(1+1)", "notes": "-2+3", "contact_email": "a@b.uk",
              "sectors": "+Graphene", "postcode": ""}  # fmt: skip
    curation.edit_organisation(demo, ALICE, loaded, values)
    rows = list(
        csv.DictReader(io.StringIO(curation.export_directory(demo, ALICE).decode()))
    )
    [row] = [r for r in rows if r["id"] == "haydale"]
    assert row["name"] == '\'=HYPERLINK("http://x")'
    assert (row["description"], row["notes"], row["sectors"]) == (
        "'@SUM(1+1)", "'-2+3", "'+Graphene"
    )  # fmt: skip
    assert row["contact_email"] == "a@b.uk"
    assert float(row["lon"]) < 0 and not row["lon"].startswith("'")
    at = open_app(demo)("facilitator", page=CURATE)
    at.segmented_control(key="curate_task").set_value("Export").run()
    assert not at.exception
    assert at.download_button[0].label == "Download the directory (CSV)"


def test_cli_export_is_neutralised_too_without_private_columns(
    demo: Settings, tmp_path
) -> None:
    loaded = curation.organisation_for_editing(demo, ALICE, "haydale")
    values = form_values(loaded)
    curation.edit_organisation(demo, ALICE, loaded, {**values, "name": "=1+1",
                                                     "notes": "secret"})  # fmt: skip
    path = tmp_path / "out.csv"
    assert services.export_organisations(demo, path) > 1000
    with path.open() as f:
        rows = list(csv.DictReader(f))
    assert "notes" not in rows[0] and "contact_email" not in rows[0]
    assert [r["name"] for r in rows if r["id"] == "haydale"] == ["'=1+1"]


def test_audit_page_filters_by_actor_and_shows_before_and_after(
    demo: Settings, open_app
) -> None:
    loaded = curation.organisation_for_editing(demo, ALICE, "haydale")
    values = form_values(loaded)
    curation.edit_organisation(demo, ALICE, loaded, {**values, "tags": "graphene"})
    at = open_app(demo)("facilitator", page=AUDIT)
    assert not at.exception
    assert "Showing the newest 500" in at.caption[0].value  # the demo's many entries
    at.selectbox(key="audit_actor").select("alice")
    widget(at, "Filter").click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["who"]) == ["alice"] and list(table["record"]) == ["haydale"]
    before_after = at.dataframe[1].value
    assert before_after.to_dict("records") == [
        {"field": "tags", "before": "", "after": "graphene"}
    ]
    at.selectbox(key="audit_actor").select("(any)")
    at.text_input(key="audit_text").input("no-such-record-anywhere")
    widget(at, "Filter").click().run()
    assert "No audit entries match" in at.info[0].value


@pytest.mark.parametrize("role", ["member", "official", "public"])
def test_other_roles_may_not_curate_even_by_calling_the_use_cases(
    demo: Settings, role: str
) -> None:
    viewer = Viewer(role, None if role == "public" else "x", "haydale")
    loaded = organisation(demo, "haydale")
    calls = [
        lambda: curation.edit_organisation(demo, viewer, loaded, {"name": "X"}),
        lambda: curation.add_organisation(demo, viewer, {"name": "X"}),
        lambda: curation.delete_organisation(demo, viewer, "haydale", 1),
        lambda: curation.merge_organisations(
            demo, viewer, "haydale", "haydale-limited"
        ),
        lambda: curation.duplicate_suggestions(demo, viewer),
        lambda: curation.export_directory(demo, viewer),
        lambda: curation.audit_log(demo, viewer),
    ]
    for call in calls:
        with pytest.raises(AccessDenied):
            call()
    assert organisation(demo, "haydale") == loaded


@pytest.mark.parametrize("role", ["member", "official", None])
def test_curate_and_audit_pages_refuse_other_roles(
    demo: Settings, open_app, role: str | None
) -> None:
    start = open_app(demo)
    for page in ("curate", "audit"):
        at = start(role, "haydale" if role == "member" else None)
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"views/{page}.py")


def test_audit_log_rejects_a_backwards_date_range(demo: Settings) -> None:
    from datetime import date

    with pytest.raises(StoreError, match="start date is after the end date"):
        curation.audit_log(demo, ALICE, since=date(2025, 2, 1), until=date(2025, 1, 1))
