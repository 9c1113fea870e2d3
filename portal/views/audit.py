"""The audit log (facilitators): every change to the directory, newest first, with
filters, one entry's before and after side by side, and a CSV download."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from directory.store import StoreError
from portal import curation
from portal.ui import page_viewer, plain

settings, viewer = page_viewer("audit_log")
ANY = "(any)"


def cell(value: Any) -> str:
    """A before/after value as text: lists joined, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return str(value)


def summary(entry: dict[str, Any]) -> str:
    """The fields an entry changed, in one line (none for whole records)."""
    if entry["action"] in ("create", "delete"):
        return ""
    return ", ".join(sorted({*(entry["before"] or {}), *(entry["after"] or {})}))


def show_entry(entry: dict[str, Any]) -> None:
    """One entry in full: the fields before and after, and its details."""
    before, after = entry["before"] or {}, entry["after"] or {}
    rows = [
        {"field": f, "before": cell(before.get(f)), "after": cell(after.get(f))}
        for f in dict.fromkeys([*before, *after])
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if entry["details"]:
        st.json(entry["details"], expanded=False)


st.title("Audit log")
options = curation.audit_filter_options(settings, viewer)
with st.form("audit_filters"):
    who, what, kind = st.columns(3)
    actor = who.selectbox("Who", [ANY, *options["actor"]], key="audit_actor")
    action = what.selectbox("Action", [ANY, *options["action"]], key="audit_action")
    record_type = kind.selectbox(
        "Record type", [ANY, *options["record_type"]], key="audit_type"
    )
    text_col, since_col, until_col = st.columns([2, 1, 1])
    text = text_col.text_input(
        "Record id or text", key="audit_text", max_chars=200,
        placeholder="an id, a name, a value …",
    )  # fmt: skip
    since = since_col.date_input("From", value=None, key="audit_since")
    until = until_col.date_input("To", value=None, key="audit_until")
    st.form_submit_button("Filter")

filters = {
    "actor": None if actor == ANY else actor,
    "action": None if action == ANY else action,
    "record_type": None if record_type == ANY else record_type,
    "text": text,
    "since": since,
    "until": until,
}
try:
    entries, capped = curation.audit_log(settings, viewer, **filters)
except StoreError as exc:
    st.error(plain(exc))
    st.stop()

if not entries:
    st.info("No audit entries match these filters.")
    st.stop()
noun = "entry" if len(entries) == 1 else "entries"
st.caption(
    f"Showing the newest {len(entries)} matching entries; narrow the filters to "
    "see older ones."
    if capped
    else f"{len(entries)} matching {noun}, newest first."
)
st.dataframe(
    pd.DataFrame([
        {"#": e["id"], "at": e["at"], "who": e["actor"], "action": e["action"],
         "record type": e["record_type"], "record": e["record_id"],
         "fields": summary(e)}
        for e in entries
    ]),
    hide_index=True, width="stretch", height=360,
)  # fmt: skip
st.download_button(
    "Download the filtered log (CSV)",
    data=lambda: curation.audit_csv(
        curation.audit_log(settings, viewer, **filters, limit=100_000)[0]
    ),
    file_name="audit-log.csv",
    mime="text/csv",
    on_click="ignore",
    icon="⬇️",
)

by_id = {e["id"]: e for e in entries}
chosen = st.selectbox(
    "Show entry", list(by_id), key="audit_entry",
    format_func=lambda i: f"#{i} · {by_id[i]['at']} · {by_id[i]['actor']} · "
    f"{by_id[i]['action']} {by_id[i]['record_type']} {by_id[i]['record_id'] or ''}",
)  # fmt: skip
with st.expander("Before and after", expanded=True):
    show_entry(by_id[chosen])
