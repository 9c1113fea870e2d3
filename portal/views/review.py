"""Requests: facilitators approve or reject members' edit requests and handle
introduction requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from directory.store import StoreError
from portal import member_requests
from portal.ui import page_viewer, plain

settings, viewer = page_viewer("review_requests")
FLASH = "review-flash"
SHOWN_OPEN = 50


def act(action: Callable[[], Any], done: str) -> None:
    """Run a review action; remember its outcome for the next run, or show why not."""
    try:
        action()
    except StoreError as exc:
        st.error(plain(str(exc)))
    else:
        st.session_state[FLASH] = done
        st.rerun()


st.title("Requests")
flash = st.session_state.pop(FLASH, None)
if flash:
    st.success(flash)
counts = member_requests.review_counts(settings, viewer)
left, right = st.columns(2)
left.metric("Edit requests waiting", counts["pending_edits"])
right.metric("Open introduction requests", counts["open_introductions"])

st.header("Edit requests")
pending = member_requests.pending_edit_requests(settings, viewer)
if not pending:
    st.caption("No edit requests wait for review.")
for request in pending:
    number = request["id"]
    with st.container(border=True):
        st.markdown(f"**{plain(request['organisation_name'])}** · request #{number}")
        st.caption(
            f"from {plain(request['requested_by'])}, {request['created_at']}, based on "
            f"version {request['base_version']} (now {request['current_version']})"
        )
        if request["stale"]:
            st.warning(
                "The record changed after this request was made: approving it is "
                "refused. Ask the member to make it again, or reject it."
            )
        st.dataframe(pd.DataFrame(request["rows"]), hide_index=True, width="stretch")
        note = st.text_input("Note (optional)", max_chars=1000, key=f"note-{number}")
        approve, reject = st.columns(2)
        if approve.button("Approve", key=f"approve-{number}", type="primary"):
            act(
                lambda n=number, t=note: member_requests.approve_edit(
                    settings, viewer, n, t
                ),
                f"Approved request #{number}: {plain(request['organisation_name'])} "
                "updated.",
            )
        if reject.button("Reject", key=f"reject-{number}"):
            act(
                lambda n=number, t=note: member_requests.reject_edit(
                    settings, viewer, n, t
                ),
                f"Rejected request #{number}.",
            )

st.header("Introduction requests")
queue = member_requests.introduction_queue(settings, viewer)
open_requests = [r for r in queue if r["status"] == "open"]
if not open_requests:
    st.caption("No open introduction requests.")
for request in open_requests[:SHOWN_OPEN]:
    number = request["id"]
    with st.container(border=True):
        source = plain(request["from_name"] or "no organisation")
        st.markdown(
            f"**{plain(request['requested_by'])}** ({source}) asks to be introduced "
            f"to **{plain(request['to_name'])}** · request #{number}"
        )
        st.caption(request["created_at"])
        if request["need"]:
            st.text(f"Need: {request['need']}")
        if request["message"]:
            st.text(request["message"])
        introduced, declined = st.columns(2)
        if introduced.button("Mark introduced", key=f"introduced-{number}"):
            act(
                lambda n=number: member_requests.mark_introduction(
                    settings, viewer, n, "introduced"
                ),
                f"Request #{number} marked introduced.",
            )
        if declined.button("Decline", key=f"declined-{number}"):
            act(
                lambda n=number: member_requests.mark_introduction(
                    settings, viewer, n, "declined"
                ),
                f"Request #{number} declined.",
            )
if len(open_requests) > SHOWN_OPEN:
    st.caption(f"Showing the newest {SHOWN_OPEN} of {len(open_requests)}.")
handled = [r for r in queue if r["status"] != "open"]
if handled:
    with st.expander(f"Handled ({len(handled)})"):
        st.dataframe(
            pd.DataFrame(
                {
                    "request": f"#{r['id']}",
                    "asked by": r["requested_by"],
                    "from": r["from_name"],
                    "to": r["to_name"],
                    "status": r["status"],
                    "handled by": r["handled_by"],
                    "handled at": r["handled_at"],
                }
                for r in handled
            ),
            hide_index=True,
            width="stretch",
        )
