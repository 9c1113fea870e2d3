"""Find collaborators: for your organisation or a need in your own words, with
filters, reasons for every suggestion, and introductions through a facilitator."""

from __future__ import annotations

import streamlit as st

from corpus.records import KINDS
from directory.matching import Filters, MatchError
from directory.store import StoreError
from portal import member_requests, services
from portal.access import can
from portal.matching import sectors, suggestions_for
from portal.ui import page_viewer, plain, suggestion_card

settings, viewer = page_viewer("find_collaborators")
st.title("Find collaborators")
st.caption(
    "Suggestions combine similar and complementary capabilities, distance, shared "
    "partners and clusters, weighted by what predicted real collaborations in "
    "this network. Each card says why."
)

mode = st.segmented_control(
    "Suggest partners for",
    ["An organisation", "A need"],
    default="A need" if st.query_params.get("need") else "An organisation",
    key="mode",
)
organisation = need = near = None
if mode == "A need":
    need = st.text_area(
        "Describe the need",
        value=st.query_params.get("need", ""),
        placeholder="a university partner for hydrogen storage trials near Aberdeen",
        max_chars=2000,
    )
    near = st.text_input("Near (postcode or place, optional)", max_chars=100) or None
else:
    default = st.query_params.get("org") or viewer.organisation_id or ""
    text = st.text_input("Organisation name or id", value=default, max_chars=200)
    organisation = text.strip() or None

with st.expander("Filters", expanded=False):
    left, right = st.columns(2)
    kind = left.selectbox("Kind", ["any", *KINDS])
    region = right.selectbox("Region", ["any", *services.regions(settings)])
    sector = left.selectbox("Sector", ["any", *sectors(settings)])
    max_km = right.number_input(
        "Within km (0: any distance)", min_value=0, max_value=2000, value=0, step=10
    )
    k = left.slider("How many", 5, 50, settings.matching.default_k, step=5)

if not (organisation or (need and need.strip())):
    st.info("Choose an organisation or describe a need to see suggestions.")
    st.stop()

filters = Filters(
    kind=None if kind == "any" else kind,
    region=None if region == "any" else region,
    sector=None if sector == "any" else sector,
    max_km=float(max_km) or None,
)
try:
    result = suggestions_for(
        settings, viewer, organisation=organisation, need=need, near=near, k=k,
        filters=filters,
    )  # fmt: skip
except (MatchError, StoreError) as exc:
    st.error(plain(str(exc)))
    st.stop()

if "organisation" in result:
    st.subheader(f"Suggested partners for {plain(result['organisation']['name'])}")
else:
    understood = result.get("understood") or {}
    said = "; ".join(f"{k}: {v}" for k, v in understood.items() if v)
    st.subheader("Suggested partners for your need")
    if said:
        st.caption(f"Understood — {plain(said)}")
if not result["suggestions"]:
    st.warning("No organisation matches these filters. Loosen them and try again.")
    st.stop()

may_request = can(viewer, "request_introduction")
if may_request:
    message = st.text_input(
        "Note for the facilitator with an introduction request (optional)",
        max_chars=1000,
    )
columns = st.columns(2)
for n, suggestion in enumerate(result["suggestions"]):
    with columns[n % 2], suggestion_card(suggestion, n + 1):
        if may_request and st.button(
            "Request an introduction", key=f"intro-{suggestion['id']}"
        ):
            try:
                member_requests.request_introduction(
                    settings,
                    viewer,
                    to_organisation=suggestion["id"],
                    from_organisation=(
                        result.get("organisation", {}).get("id")
                        or viewer.organisation_id
                    ),
                    need=need,
                    message=message,
                )
            except StoreError as exc:
                st.error(plain(str(exc)))
            else:
                st.success(
                    "Requested: a facilitator will introduce you to "
                    f"{plain(suggestion['name'])}."
                )
