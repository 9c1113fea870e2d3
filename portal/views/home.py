"""Home: the network at a glance, its clusters by type and a map of them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from portal import atlas, services
from portal.ui import page_viewer

settings, viewer = page_viewer("view")
st.title("Cluster Portal")
st.caption("An innovation-cluster network's members, collaborations and documents.")

counts = services.stats(settings)
if not counts["organisations"]:
    st.info(
        "This workspace has no organisations yet. Build the demo with "
        "`cluster-portal demo`, or import your members CSV with "
        "`cluster-portal import organisations FILE`."
    )
    st.stop()

columns = st.columns(4)
columns[0].metric("Organisations", f"{counts['organisations']:,}")
columns[1].metric("Collaborating pairs", f"{counts['collaborating_pairs']:,}")
columns[2].metric("RD&I-active", f"{counts['rdi_active']:,}")
columns[3].metric("Documents", f"{counts['documents']:,}")


def type_legend() -> str:
    """The map's colours, named in Streamlit's coloured markdown."""
    return " · ".join(
        f":{colour}[●] {name}" for name, (colour, _) in atlas.TYPE_COLOURS.items()
    )


st.subheader(f"Clusters ({counts['clusters']:,})")
if not counts["clusters"]:
    st.info(
        "No clusters are built yet. Build them from the directory with "
        "`cluster-portal build` (the demo builds them too)."
    )
else:
    by_type = atlas.type_counts(settings)
    type_columns = st.columns(len(by_type))
    for column, (name, number) in zip(type_columns, by_type.items(), strict=True):
        column.metric(name, f"{number:,}", help=atlas.TYPE_RULES[name])
    centres = atlas.cluster_map_rows(atlas.cluster_overview(settings))
    st.pydeck_chart(atlas.cluster_deck(centres, outlines=False), height=420)
    st.caption(
        f"{type_legend()}. Each dot is a cluster's centre, sized by its members; "
        "dispersed communities sit at their members' median point. "
        "Open **Clusters** for outlines, filters and each cluster's page."
    )

left, right = st.columns([1, 2])
with left:
    st.subheader("Members by kind")
    kinds = pd.DataFrame(
        {"organisations": counts["organisations_by_kind"]}
    ).sort_values("organisations", ascending=False)
    st.bar_chart(kinds, horizontal=True)
    st.subheader("Location known")
    st.dataframe(
        pd.DataFrame({"organisations": counts["organisations_by_location_precision"]}),
        width="stretch",
    )
with right:
    st.subheader("Where members are")
    located = services.member_locations(settings)
    st.map(located, latitude="lat", longitude="lon", size=800)
    st.caption(
        f"{len(located):,} organisations with a known location; "
        f"{counts['organisations_without_location']:,} without."
    )
