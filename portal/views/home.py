"""Home: the network at a glance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from portal import services
from portal.ui import settings_or_stop

settings = settings_or_stop()
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
