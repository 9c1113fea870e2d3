"""Organisations: full-text search with filters, and a profile page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from corpus.records import KINDS
from directory.matching import MatchError
from directory.store import StoreError
from portal import matching, services
from portal.access import can
from portal.ui import page_viewer, plain, suggestion_card

settings, viewer = page_viewer("view")
st.title("Organisations")

with st.form("search"):
    text = st.text_input("Search", placeholder="name, sector, place …", max_chars=200)
    col_kind, col_region = st.columns(2)
    kind = col_kind.selectbox("Kind", ["any", *KINDS])
    region = col_region.selectbox("Region", ["any", *services.regions(settings)])
    searched = st.form_submit_button("Search")

try:
    found = services.search_organisations(
        settings,
        text,
        kind=None if kind == "any" else kind,
        region=None if region == "any" else region,
        limit=200,
        viewer=viewer,
    )
except StoreError as exc:
    st.error(plain(str(exc)))
    st.stop()

options = {o["id"]: o["name"] for o in found}
linked = st.query_params.get("org")
if searched and linked not in options:
    linked = None  # a new search: show its results, not the profile from before
if linked and linked not in options:  # a link from a cluster, card or request
    try:
        options = {
            linked: services.organisation_profile(settings, linked, viewer)[
                "organisation"
            ]["name"],
            **options,
        }
    except StoreError as exc:
        st.warning(plain(str(exc)))
if not found:
    st.warning("No organisations match. Try fewer or other words.")
    if not options:
        st.stop()

table = pd.DataFrame(
    [
        {
            "name": o["name"],
            "kind": o["kind"],
            "region": o.get("region"),
            "sectors": "; ".join(o.get("sectors") or []),
            "id": o["id"],
        }
        for o in found
    ]
)
st.caption(f"{len(found)} shown" + (" (first 200)" if len(found) == 200 else ""))
event = st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="results",
)
selected_rows = event.selection.rows if event else []
default_id = linked
if selected_rows:
    default_id = table.iloc[selected_rows[0]]["id"]
ids = list(options)
chosen = st.selectbox(
    "Profile of",
    ids,
    index=ids.index(default_id) if default_id in options else 0,
    format_func=lambda i: options[i],
)
st.query_params["org"] = chosen

try:
    profile = services.organisation_profile(settings, chosen, viewer)
except StoreError as exc:
    st.error(plain(str(exc)))
    st.stop()

org = profile["organisation"]
st.header(plain(org["name"]))
details, where = st.columns([3, 2])
with details:
    facts = {
        "Kind": org["kind"],
        "Region": org.get("region"),
        "Country": org.get("country"),
        "Postcode": org.get("postcode"),
        "Company number": org.get("company_number"),
        "Website": org.get("website"),
        "Contact email": org.get("contact_email"),
        "Sectors": "; ".join(org.get("sectors") or []),
        "SIC codes": "; ".join(org.get("sic_codes") or []),
        "Employees": org.get("employees"),
        "RD&I-active": "yes" if org.get("rdi_active") else "no",
        "Evidence": "; ".join(org.get("rdi_evidence") or []),
        "Sources": "; ".join(org.get("sources") or []),
        "Record": f"{org['id']} · version {org['version']} · updated {org['updated_at']}",
    }
    st.table(
        pd.DataFrame(
            [(k, str(v)) for k, v in facts.items() if v not in (None, "")],
            columns=["", "value"],
        ).set_index("")
    )
    if org.get("description"):
        st.text(org["description"])
    if org.get("notes"):
        st.caption("Facilitators' notes (not public)")
        st.text(org["notes"])
with where:
    if org.get("lat") is not None:
        st.map(pd.DataFrame([{"lat": org["lat"], "lon": org["lon"]}]), zoom=7)
        st.caption(f"Location precision: {org['location_precision']}")
    else:
        st.info("Location unknown.")

st.subheader(f"Collaborators ({len(profile['collaborators'])})")
if profile["collaborators"]:
    st.dataframe(
        pd.DataFrame(profile["collaborators"])[
            ["name", "kind", "region", "weight", "topics"]
        ],
        hide_index=True,
        width="stretch",
    )
else:
    st.caption("No recorded collaborations.")

st.subheader(f"Clusters ({len(profile['clusters'])})")
if profile["clusters"]:
    for cluster in profile["clusters"]:
        st.page_link(
            "views/clusters.py",
            label=f"{cluster['name']} — {cluster['type']}, {cluster['size']} members",
            query_params={"cluster": cluster["id"]},
        )
else:
    st.caption("Not a member of any cluster.")

st.subheader("Suggested collaborators")
if can(viewer, "find_collaborators"):
    try:
        suggested = matching.suggestions_for(settings, viewer, organisation=chosen, k=5)
    except (MatchError, StoreError) as exc:
        st.info(f"No suggestions: {exc}")
    else:
        columns = st.columns(2)
        for n, suggestion in enumerate(suggested["suggestions"]):
            with columns[n % 2]:
                suggestion_card(suggestion, n + 1)
        st.page_link(
            "views/collaborators.py",
            label="More suggestions, with filters",
            icon=":material/handshake:",
            query_params={"org": chosen},
        )
else:
    st.caption("Sign in to see suggested collaborators and why they fit.")

if profile["history"]:
    with st.expander("Change history"):
        for entry in profile["history"]:
            st.text(f"{entry['at']}  {entry['actor']}  {entry['action']}")
