"""Curate the directory (facilitators): edit, add, delete and merge organisations,
and export the directory as CSV. A save from a stale copy is refused, never lost."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from corpus.records import KINDS
from directory.store import ConflictError, StoreError
from portal import curation
from portal.editing import form_values
from portal.ui import page_viewer, plain

settings, viewer = page_viewer("edit_other")
TASKS = ("Edit", "Add", "Delete", "Merge", "Export")
LIST_HELP = "Several values: separate them with ;"
EMPTY_FORM = dict.fromkeys(form_values({}), "")


def flash(message: str) -> None:
    """Show message after the rerun that refreshes the lists a change affected."""
    st.session_state["curate_flash"] = message
    st.rerun()


def pick_organisation(key: str, label: str) -> dict[str, Any] | None:
    """A search box and a select of its matches; the chosen search result."""
    text = st.text_input(
        "Find an organisation", key=f"{key}_search", max_chars=200,
        placeholder="name, sector, place …",
    )  # fmt: skip
    try:
        found = curation.find_organisations(settings, viewer, text, limit=50)
    except StoreError as exc:
        st.error(plain(exc))
        return None
    if not found:
        st.warning("No organisations match. Try fewer or other words.")
        return None
    by_id = {o["id"]: o for o in found}
    chosen = st.selectbox(
        label, list(by_id), key=f"{key}_pick",
        format_func=lambda i: f"{by_id[i]['name']} ({i})",
    )  # fmt: skip
    return by_id.get(chosen)


def organisation_form(key: str, initial: dict[str, str], submit: str) -> dict | None:
    """Every editable field, private ones included; the values when submitted."""
    kinds = ["", *KINDS]
    with st.form(key):
        values = {"name": st.text_input("Name", initial["name"], max_chars=500)}
        left, right = st.columns(2)
        values["kind"] = left.selectbox(
            "Kind", kinds, index=kinds.index(initial["kind"]) if initial["kind"] in
            kinds else 0, format_func=lambda k: k or "(guess from the name)",
        )  # fmt: skip
        values["company_number"] = right.text_input(
            "Company number", initial["company_number"], max_chars=20
        )
        values["website"] = left.text_input("Website", initial["website"])
        values["postcode"] = right.text_input(
            "Postcode", initial["postcode"], max_chars=10,
            help="Sets the location; leave empty to keep a location from elsewhere",
        )  # fmt: skip
        values["sectors"] = left.text_input(
            "Sectors", initial["sectors"], help=LIST_HELP
        )
        values["sic_codes"] = right.text_input(
            "SIC codes", initial["sic_codes"], help=LIST_HELP
        )
        values["employees"] = left.text_input("Employees", initial["employees"])
        values["turnover"] = right.text_input("Turnover (£)", initial["turnover"])
        values["tags"] = st.text_input("Tags", initial["tags"], help=LIST_HELP)
        values["description"] = st.text_area(
            "Description", initial["description"], max_chars=5000
        )
        st.caption("Private: seen only by facilitators and the organisation's members")
        values["contact_email"] = st.text_input(
            "Contact email", initial["contact_email"]
        )
        values["notes"] = st.text_area("Notes", initial["notes"], max_chars=5000)
        submitted = st.form_submit_button(submit, type="primary")
    return values if submitted else None


def changes_table(rows: list[dict[str, Any]]) -> None:
    """Field, was and now, shown literally (values may hold markup)."""
    shown = [{k: _text(v) for k, v in row.items()} for row in rows]
    st.dataframe(pd.DataFrame(shown), hide_index=True, width="stretch")


def _text(value: Any) -> str:
    if value is None:
        return ""
    return "; ".join(map(str, value)) if isinstance(value, list) else str(value)


def edit_section() -> None:
    """Edit one record from the copy this session loaded (kept per record id)."""
    picked = pick_organisation("edit", "Organisation to edit")
    if picked is None:
        return
    state_key = f"curate_loaded_{picked['id']}"
    if st.button("Reload from the directory", help="Discard your copy and load "
                 "the record as it is now"):  # fmt: skip
        st.session_state.pop(state_key, None)
    if state_key not in st.session_state:
        try:
            loaded = curation.organisation_for_editing(settings, viewer, picked["id"])
        except StoreError as exc:
            st.error(plain(exc))
            return
        st.session_state[state_key] = loaded
    loaded = st.session_state[state_key]
    st.caption(
        plain(f"{loaded['id']} · version {loaded['version']} (as you loaded it) · "
              f"updated {loaded['updated_at']}")
    )  # fmt: skip
    form_key = f"edit_{loaded['id']}_{loaded['version']}"
    values = organisation_form(form_key, form_values(loaded), "Save changes")
    if values is not None:
        save(loaded, values, state_key)


def save(loaded: dict[str, Any], values: dict[str, str], state_key: str) -> None:
    try:
        saved = curation.edit_organisation(settings, viewer, loaded, values)
    except ConflictError as exc:
        st.error(plain(exc))
        changes_table([
            {"field": f, "you loaded": loaded.get(f), "now": exc.current.get(f)}
            for f in exc.changed
        ])  # fmt: skip
        return
    except StoreError as exc:
        st.error(plain(exc))
        return
    st.session_state[state_key] = saved
    if saved["version"] == loaded["version"]:
        st.info("Nothing to save: the form matches the record.")
        return
    changed = [k for k in saved if k not in ("updated_at", "version")
               and saved[k] != loaded.get(k)]  # fmt: skip
    st.success(plain(f"Saved {saved['name']} (version {saved['version']})."))
    changes_table(
        [{"field": k, "was": loaded.get(k), "now": saved[k]} for k in changed]
    )


def add_section() -> None:
    st.caption("A new organisation counts as RD&I-active, as a listed member does.")
    values = organisation_form("add_organisation", EMPTY_FORM, "Add organisation")
    if values is None:
        return
    try:
        created = curation.add_organisation(settings, viewer, values)
    except StoreError as exc:
        st.error(plain(exc))
        return
    st.success(plain(f"Added {created['name']} as {created['id']}."))


def delete_section() -> None:
    picked = pick_organisation("delete", "Organisation to delete")
    if picked is None:
        return
    try:
        links = curation.organisation_links(settings, viewer, picked["id"])
    except StoreError as exc:
        st.error(plain(exc))
        return
    st.markdown(
        plain(f"{picked['name']} ({picked['id']}, version {picked['version']}): "
              f"{links['collaborations']} collaborations, "
              f"{links['cluster_memberships']} cluster memberships and "
              f"{links['introduction_requests'] + links['edit_requests']} requests "
              "go with it; accounts of it are kept without an organisation.")
    )  # fmt: skip
    confirmed = st.checkbox(
        "Yes, delete this organisation for good",
        key=f"delete_confirm_{picked['id']}_{picked['version']}",
    )
    if not st.button("Delete", type="primary", disabled=not confirmed):
        return
    try:
        gone = curation.delete_organisation(
            settings, viewer, picked["id"], picked["version"]
        )
    except StoreError as exc:
        st.error(plain(exc))
        return
    flash(f"Deleted {gone['organisation']['name']} ({picked['id']}).")


@st.cache_data(max_entries=4, show_spinner="Looking for likely duplicates …")
def suggested_pairs(workspace: str, revision: int) -> list[dict[str, Any]]:
    """Duplicate suggestions, recomputed only when the directory changed."""
    return curation.duplicate_suggestions(settings, viewer, limit=100)


def merge_section() -> None:
    revision = curation.directory_revision(settings)
    pairs = suggested_pairs(str(settings.workspace), revision)
    if not pairs:
        st.info("No likely duplicates found.")
        return
    st.dataframe(
        pd.DataFrame([
            {"first": p["a"]["name"], "second": p["b"]["name"],
             "why": "; ".join(p["reasons"]), "score": p["score"]}
            for p in pairs
        ]),
        hide_index=True, width="stretch", height=260,
    )  # fmt: skip
    by_key = {f"{p['a']['id']}|{p['b']['id']}": p for p in pairs}
    chosen = st.selectbox(
        "Pair to merge", list(by_key), key="merge_pair",
        format_func=lambda k: f"{by_key[k]['a']['name']} ↔ {by_key[k]['b']['name']}",
    )  # fmt: skip
    pair = by_key[chosen]
    sides = {s["id"]: s for s in (pair["a"], pair["b"])}
    keep_id = st.radio(
        "Keep", list(sides), key=f"merge_keep_{chosen}",
        index=list(sides).index(pair["suggested_keep"]),
        format_func=lambda i: f"{sides[i]['name']} ({i}, "
        f"{sides[i]['collaborations']} collaborations)",
    )  # fmt: skip
    merge_id = next(i for i in sides if i != keep_id)
    st.caption(
        plain(f"{sides[merge_id]['name']} is folded into the kept record (its empty "
              "fields filled, lists united, links moved) and then deleted.")
    )  # fmt: skip
    if st.button("Merge", type="primary", key="merge_go"):
        try:
            merged = curation.merge_organisations(settings, viewer, keep_id, merge_id)
        except StoreError as exc:
            st.error(plain(exc))
            return
        moved = merged["moved"]["collaborations"]
        flash(f"Merged {merge_id} into {keep_id}: {moved['moved']} collaborations "
              f"moved, {moved['combined']} combined, "
              f"{moved['dropped_self_links']} between the two dropped.")  # fmt: skip


def export_section() -> None:
    st.caption(
        "The members-CSV layout with contact email and notes: keep it private. "
        "Cells that a spreadsheet would run as formulas start with an apostrophe."
    )
    st.download_button(
        "Download the directory (CSV)",
        data=lambda: curation.export_directory(settings, viewer),
        file_name="directory.csv",
        mime="text/csv",
        on_click="ignore",
        icon="⬇️",
    )


st.title("Curate the directory")
if message := st.session_state.pop("curate_flash", None):
    st.success(plain(message))
task = st.segmented_control("Task", TASKS, default="Edit", key="curate_task")
{
    "Edit": edit_section,
    "Add": add_section,
    "Delete": delete_section,
    "Merge": merge_section,
    "Export": export_section,
}[task or "Edit"]()
