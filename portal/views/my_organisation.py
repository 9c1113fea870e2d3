"""My organisation: a member keeps their own record up to date (saved at once or as a
request for a facilitator, as the network decides) and follows their requests."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from corpus.records import KINDS
from directory.store import StoreError
from portal import member_requests
from portal.editing import form_values
from portal.ui import page_viewer, plain

settings, viewer = page_viewer("edit_own")
st.title("My organisation")
if not viewer.organisation_id:
    st.info(
        "Your account belongs to no organisation, so there is nothing to edit here."
    )
    st.stop()

# field, label, help; text areas for the long ones
FIELDS = [
    ("name", "Name", None),
    ("company_number", "Company number", "Companies House number, if any"),
    ("website", "Website", None),
    ("postcode", "Postcode", "Sets the location on the map"),
    ("sectors", "Sectors", "Separate several with ;"),
    ("sic_codes", "SIC codes", "Separate several with ;"),
    ("tags", "Tags", "Separate several with ;"),
    ("employees", "Employees", None),
    ("turnover", "Turnover (£)", None),
    ("contact_email", "Contact email (private)", "Seen by facilitators and you only"),
]
LONG_FIELDS = [
    ("description", "Description", "What you do, your capabilities and needs"),
    ("notes", "Notes (private)", "Seen by facilitators and you only"),
]
KEYS = [f"own-{name}" for name in ("kind", *(f for f, _, _ in FIELDS + LONG_FIELDS))]
VERSION = "own-loaded-version"
FLASH = "own-flash"


def forget_form() -> None:
    """Drop the form's values so the next run shows the record as stored."""
    for key in (*KEYS, VERSION):
        st.session_state.pop(key, None)


try:
    own = member_requests.own_organisation(settings, viewer)
except StoreError as exc:
    st.error(plain(str(exc)))
    st.stop()
organisation, pending = own["organisation"], own["pending"]
if KEYS[0] not in st.session_state:  # a fresh form: its values come from this version
    st.session_state[VERSION] = organisation["version"]

flash = st.session_state.pop(FLASH, None)
if flash:
    st.success(flash)
st.subheader(plain(organisation["name"]))
if own["mode"] == "direct":
    st.caption("Your changes are saved at once.")
else:
    st.caption(
        "Your changes are sent to a facilitator, who approves them before they show "
        "in the directory."
    )
if pending:
    st.info(
        f"Your edit request #{pending['id']} waits for review; the form shows the "
        "values you proposed. Saving again replaces that request."
    )

values = form_values({**organisation, **(pending["changes"] if pending else {})})
with st.form("own-organisation"):
    kind = st.selectbox(
        "Kind",
        KINDS,
        index=KINDS.index(values["kind"]) if values["kind"] in KINDS else 0,
        key="own-kind",
    )
    columns = st.columns(2)
    entered = {"kind": kind}
    for position, (name, label, help_text) in enumerate(FIELDS):
        entered[name] = columns[position % 2].text_input(
            label, values[name], max_chars=500, help=help_text, key=f"own-{name}"
        )
    for name, label, help_text in LONG_FIELDS:
        entered[name] = st.text_area(
            label, values[name], max_chars=5000, help=help_text, key=f"own-{name}"
        )
    submitted = st.form_submit_button(
        "Save" if own["mode"] == "direct" else "Send for approval", type="primary"
    )

if submitted:
    try:
        result = member_requests.save_own_organisation(
            settings, viewer, entered, st.session_state[VERSION]
        )
    except StoreError as exc:
        st.error(plain(str(exc)))
        st.button("Reload the current record", on_click=forget_form)
    else:
        changed = ", ".join(row["field"] for row in result["changes"])
        messages = {
            "unchanged": "Nothing to save: the form matches the current record.",
            "saved": f"Saved: {changed}.",
            "requested": f"Sent for approval (request #{result.get('request', {}).get('id')}): {changed}.",
        }
        forget_form()
        st.session_state[FLASH] = messages[result["outcome"]]
        st.rerun()

st.subheader("My requests")
mine = member_requests.my_requests(settings, viewer)
if mine["edits"]:
    st.dataframe(
        pd.DataFrame(
            {
                "request": f"#{r['id']}",
                "organisation": r["organisation_name"],
                "fields": ", ".join(r["changes"]),
                "status": r["status"],
                "sent": r["created_at"],
                "reviewed by": r["reviewed_by"],
                "note": r["review_note"],
            }
            for r in mine["edits"]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.caption("No edit requests.")
if mine["introductions"]:
    st.dataframe(
        pd.DataFrame(
            {
                "request": f"#{r['id']}",
                "introduce to": r["to_name"],
                "need": r["need"],
                "status": r["status"],
                "sent": r["created_at"],
                "handled by": r["handled_by"],
            }
            for r in mine["introductions"]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.caption("No introduction requests: ask for one from Find collaborators.")
