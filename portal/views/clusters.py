"""Clusters: filters, a table, a map and a CSV of the clusters; a cluster's page with
why it has its type, its members, sectors, collaboration network and related
clusters. Open to everyone: members' public fields only."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

import altair as alt
import pandas as pd
import streamlit as st

from directory.store import StoreError
from portal import atlas
from portal.ui import page_viewer, plain

CHOICE = "cluster_choice"  # the selectbox's key: the cluster whose page is shown
SYNCED = "cluster_in_url"  # the id this session last wrote to ?cluster=
MEMBERS_SHOWN = 500
MET, NOT_MET = ":green[:material/check_circle:] met", ":red[:material/cancel:] not met"

settings, viewer = page_viewer("view")
st.title("Clusters")


def pick(cluster_id: str | None) -> None:
    """Show this cluster's page (from a button, the table or the map)."""
    st.session_state[CHOICE] = cluster_id


def pick_row(ids: list[str]) -> None:
    rows = st.session_state["cluster_table"]["selection"]["rows"]
    if rows:
        pick(ids[rows[0]])


def pick_on_map() -> None:
    objects = st.session_state["cluster_map"]["selection"]["objects"]
    for found in objects.values():
        if found and found[0].get("id"):
            pick(found[0]["id"])
            return


def coloured(cluster_type: str) -> str:
    return f":{atlas.TYPE_COLOURS[cluster_type][0]}[**{cluster_type}**]"


def filter_form(choices: dict[str, Any]) -> atlas.ClusterFilters:
    """The filter widgets; their values as filters."""
    left, right = st.columns(2)
    types = left.multiselect("Type", choices["types"], placeholder="all types")
    place = right.selectbox(
        "Place (local authority)",
        choices["places"],
        index=None,
        placeholder="anywhere",
        help="Local authorities holding at least a tenth of a cluster's members.",
    )
    left, right = st.columns(2)
    sector = left.selectbox(
        "Sector", choices["sectors"], index=None, placeholder="any sector"
    )
    dominant = left.toggle(
        "Only where it is the dominant sector",
        help="Off: clusters with the sector anywhere in their sector mix.",
    )
    low, high = choices["min_size"], choices["max_size"]
    if low < high:
        low, high = right.slider("Members", low, high, (low, high))
    else:
        right.caption(f"Every cluster has {low} members.")
    return atlas.ClusterFilters(tuple(types), sector, dominant, place, low, high)


def cluster_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "name": r["name"],
                "type": r["type"],
                "members": r["size"],
                "dominant sector": r["dominant_sector"],
                "share": r["dominant_share"],
                "LQ": r["dominant_lq"],
                "places": "; ".join(r["places"]),
                "internal links": r["internal_links"],
                "id": r["id"],
            }
            for r in rows
        ],
        columns=["name", "type", "members", "dominant sector", "share", "LQ",
                 "places", "internal links", "id"],
    )  # fmt: skip


def list_section(rows: list[dict[str, Any]], filters: atlas.ClusterFilters) -> None:
    """The matching clusters as a table, a map and a CSV download."""
    sector_note = (
        f"; sector “{filters.sector}” "
        + ("as the dominant sector" if filters.dominant_sector_only else "in the mix")
        if filters.sector
        else ""
    )
    st.caption(
        f"{len(rows)} clusters match{plain(sector_note)}. Select a row to open it."
    )
    st.dataframe(
        cluster_frame(rows),
        hide_index=True,
        width="stretch",
        height=300,
        on_select=partial(pick_row, [r["id"] for r in rows]),
        selection_mode="single-row",
        key="cluster_table",
        column_config={
            "share": st.column_config.NumberColumn(format="percent"),
            "LQ": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    st.download_button(
        "Download these clusters (CSV)",
        atlas.clusters_csv(rows),
        file_name="clusters.csv",
        mime="text/csv",
        on_click="ignore",
    )
    map_section(rows)


def map_section(rows: list[dict[str, Any]]) -> None:
    """The clusters on a map; clicking one opens its page."""
    outlines = st.toggle("Outline dispersed communities too", value=False)
    st.pydeck_chart(
        atlas.cluster_deck(atlas.cluster_map_rows(rows, outlines), height_px=460),
        height=460,
        key="cluster_map",
        on_select=pick_on_map,
        selection_mode="single-object",
    )
    legend = " · ".join(coloured(t) for t in atlas.TYPE_COLOURS)
    st.caption(
        f"{legend}. Centres sized by members; outlines are the convex hull of the "
        "members' locations. Click a cluster to open it."
    )


def chosen_page(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The cluster whose page to show: from ?cluster= (a link), the table, the map,
    a button or the selectbox; a clear message when the id is unknown."""
    in_url = st.query_params.get("cluster")
    if in_url != st.session_state.get(SYNCED):  # a link or a typed URL
        st.session_state[CHOICE] = in_url
    wanted = st.session_state.get(CHOICE)
    page = None
    if wanted:
        try:
            page = atlas.cluster_page(settings, wanted)
        except StoreError as exc:
            st.error(str(exc))
    st.session_state[CHOICE] = page["id"] if page else None
    names = {r["id"]: f"{r['name']} ({r['type']}, {r['size']})" for r in rows}
    if page and page["id"] not in names:
        names[page["id"]] = f"{page['name']} ({page['type']}, {page['size']})"
    st.selectbox(
        "Cluster page",
        list(names),
        key=CHOICE,
        index=None,
        format_func=names.__getitem__,
        placeholder="choose a cluster (or select a row or a point on the map)",
    )
    st.session_state[SYNCED] = st.session_state[CHOICE]
    if st.session_state[CHOICE]:
        st.query_params["cluster"] = st.session_state[CHOICE]
    elif "cluster" in st.query_params:
        del st.query_params["cluster"]
    return page


def criteria_section(page: dict[str, Any]) -> None:
    st.subheader(f"Why it is {page['type']}")
    st.caption(f"{page['type']}: {page['type_rule']}.")
    columns = st.columns(2)
    for i, criterion in enumerate(page["criteria"]):
        with columns[i % 2].container(border=True):
            verdict = MET if criterion["met"] else NOT_MET
            st.markdown(f"**{criterion['label']}** — {verdict}")
            st.caption(plain(criterion["evidence"]))


def members_section(page: dict[str, Any]) -> None:
    members = page["members"]
    frame = pd.DataFrame(
        [
            {
                "name": m["name"],
                "kind": m["kind"],
                "region": m["region"],
                "sectors": "; ".join(m["sectors"]),
                "centrality": m["centrality"],
                "profile": f"organisations?org={quote(m['id'], safe='')}",
            }
            for m in members[:MEMBERS_SHOWN]
        ],
        columns=["name", "kind", "region", "sectors", "centrality", "profile"],
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "profile": st.column_config.LinkColumn(display_text="open profile"),
            "centrality": st.column_config.ProgressColumn(min_value=0, max_value=1),
        },
        key="cluster_members",
    )
    shown = (
        f"the {MEMBERS_SHOWN} most central of " if len(members) > MEMBERS_SHOWN else ""
    )
    places = ", ".join(f"{plain(p)} {n}" for p, n in list(page["places"].items())[:6])
    st.caption(f"{shown}{len(members)} members, most central first. Places: {places}.")


def sectors_section(page: dict[str, Any]) -> None:
    frame = pd.DataFrame(page["sectors"], columns=["name", "count", "share", "lq"])
    if frame.empty:
        st.caption("No member has a known sector.")
        return
    frame["label"] = [
        f"LQ {lq:.2f}" if pd.notna(lq) else "LQ n/a" for lq in frame["lq"]
    ]
    base = alt.Chart(frame).encode(
        y=alt.Y("name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("share:Q", axis=alt.Axis(format="%"), title="share of members"),
        tooltip=["name", "count", alt.Tooltip("share:Q", format=".0%"), "lq"],
    )
    chart = base.mark_bar() + base.mark_text(align="left", dx=4).encode(text="label")
    st.altair_chart(chart, width="stretch")
    st.caption(
        "LQ (location quotient): how much more common the sector is in this cluster "
        "than in the baseline; above 1 means over-represented."
    )


def network_section(page: dict[str, Any]) -> None:
    network = atlas.cluster_network(settings, page["id"])
    nodes, edges = pd.DataFrame(network["nodes"]), pd.DataFrame(network["edges"])
    axis = alt.Axis(labels=False, ticks=False, grid=False, domain=False, title=None)
    x, y = alt.X("x:Q", axis=axis), alt.Y("y:Q", axis=axis)
    layers = []
    if not edges.empty:
        layers.append(
            alt.Chart(edges)
            .mark_rule(opacity=0.15)
            .encode(x=x, y=y, x2="x2:Q", y2="y2:Q")
        )
    layers.append(
        alt.Chart(nodes)
        .mark_circle(opacity=0.9)
        .encode(
            x=x,
            y=y,
            color=alt.Color("kind:N", legend=alt.Legend(orient="bottom")),
            size=alt.Size(
                "centrality:Q", legend=None, scale=alt.Scale(range=[20, 300])
            ),
            tooltip=["name", "kind", "region", "partners"],
        )
    )
    st.altair_chart(alt.layer(*layers).properties(height=460), width="stretch")
    note = f"{len(nodes):,} members and {len(edges):,} collaborations among them"
    if len(nodes) < network["members"]:
        note += f" (the {len(nodes):,} most central of {network['members']:,} members)"
    if len(edges) < (among := network["collaborations_among_shown"]):
        note += f"; the {len(edges):,} strongest of {among:,}"
    st.caption(f"{note}. Dot size: centrality inside the cluster. Layout: spring.")


def related_section(page: dict[str, Any]) -> None:
    linked, near = st.columns(2)
    with linked:
        st.markdown("**Linked clusters** (most collaborations between members)")
        for item in page["linked"]:
            st.button(f"{plain(item['name'])} · {item['links']:,} links",
                      key=f"linked-{item['id']}", on_click=pick, args=(item["id"],))  # fmt: skip
        if not page["linked"]:
            st.caption("None.")
    with near:
        st.markdown("**Neighbouring clusters** (nearest centres)")
        for item in page["neighbours"]:
            st.button(f"{plain(item['name'])} · {item['distance_km']} km",
                      key=f"near-{item['id']}", on_click=pick, args=(item["id"],))  # fmt: skip
        if not page["neighbours"]:
            st.caption("None (dispersed communities have no neighbours).")


def cluster_section(page: dict[str, Any]) -> None:
    st.header(plain(page["name"]))
    st.markdown(
        f"{coloured(page['type'])} · {page['size']:,} members · found by "
        f"{plain(', '.join(page['methods']))} · `{page['id']}`"
    )
    st.markdown(plain(page["summary"]))
    if page["notes"]:
        st.info(f"**Facilitators' notes**\n\n{plain(page['notes'])}")
    criteria_section(page)
    members, sectors, network, related = st.tabs(
        ["Members", "Sector mix", "Collaboration network", "Related clusters"]
    )
    with members:
        members_section(page)
    with sectors:
        sectors_section(page)
    with network:
        network_section(page)
    with related:
        related_section(page)


choices = atlas.filter_choices(settings)
if not choices["types"]:
    st.info(
        "No clusters are built yet. Build them from the directory with "
        "`cluster-portal build` (the demo builds them too)."
    )
    st.stop()
filters = filter_form(choices)
try:
    matching = atlas.cluster_table(settings, filters)
except StoreError as exc:
    st.error(str(exc))
    st.stop()
list_section(matching, filters)
chosen = chosen_page(matching)
if chosen:
    cluster_section(chosen)
