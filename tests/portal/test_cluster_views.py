"""The Clusters page, Home's cluster overview, and the atlas use cases behind them,
on the demo workspace."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from clustering.typology import CLUSTER_TYPES
from directory import clusters as cluster_store
from directory.store import StoreError
from portal import atlas, services
from portal.settings import Settings
from portal.workspace import open_store

PAGE = "views/clusters.py"
SECRET_EMAIL = "hidden-contact@example.org"
SECRET_NOTE = "PRIVATE-NOTE-DO-NOT-SHOW"


def largest_of(settings: Settings, cluster_type: str) -> dict[str, Any]:
    return services.clusters(settings, cluster_type)[0]


def collaborating_pairs(settings: Settings) -> set[tuple[str, str]]:
    with open_store(settings) as store:
        rows = store.query("SELECT org_a, org_b FROM collaborations")
    return {tuple(sorted((r["org_a"], r["org_b"]))) for r in rows}


def member_ids(settings: Settings, cluster_id: str) -> set[str]:
    with open_store(settings) as store:
        return {m["organisation_id"] for m in store.query(
            "SELECT organisation_id FROM cluster_members WHERE cluster_id = ?",
            [cluster_id],
        )}  # fmt: skip


def shown_text(at: AppTest) -> str:
    """Everything the page shows as text, tables included."""
    parts = [e.value for kind in ("markdown", "caption", "header", "info", "error")
             for e in getattr(at, kind)]  # fmt: skip
    parts += [b.label for b in at.button]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [chart.proto.json for chart in at.get("deck_gl_json_chart")]
    for chart in at.get("vega_lite_chart"):
        parts.append(chart.proto.spec)
        parts += [d.data.data.decode("utf-8", "ignore") for d in chart.proto.datasets]
    return "\n".join(str(p) for p in parts)


# -- the atlas use cases ---------------------------------------------------------


def test_overview_and_type_counts_agree_with_the_store(demo: Settings) -> None:
    counts = services.stats(demo)
    by_type = atlas.type_counts(demo)
    assert list(by_type) == list(CLUSTER_TYPES)
    assert by_type == {t: counts["clusters_by_type"].get(t, 0) for t in CLUSTER_TYPES}
    rows = atlas.cluster_overview(demo)
    assert [r["id"] for r in rows] == [c["id"] for c in services.clusters(demo)]
    assert len(rows) == counts["clusters"] > 0


def test_filters_by_type_size_and_place(demo: Settings) -> None:
    counts = services.stats(demo)["clusters_by_type"]
    for cluster_type in CLUSTER_TYPES:
        rows = atlas.cluster_table(demo, atlas.ClusterFilters(types=(cluster_type,)))
        assert {r["type"] for r in rows} <= {cluster_type}
        assert len(rows) == counts.get(cluster_type, 0)
    sized = atlas.cluster_table(demo, atlas.ClusterFilters(min_size=20, max_size=30))
    assert sized and all(20 <= r["size"] <= 30 for r in sized)
    place = "City of Edinburgh"
    placed = atlas.cluster_table(demo, atlas.ClusterFilters(place=place))
    assert placed
    for row in placed:
        places = atlas.cluster_page(demo, row["id"])["places"]
        # a cluster's places hold PLACE_SHARE of its members; one spread thinner
        # (a dispersed community) names the place that holds the most
        assert places[place] >= atlas.PLACE_SHARE * row["size"] or (
            places[place] == max(places.values())
        )


def test_sector_filter_dominant_or_anywhere_in_the_mix(demo: Settings) -> None:
    wider_somewhere = False
    for sector in atlas.filter_choices(demo)["sectors"]:
        anywhere = atlas.cluster_table(demo, atlas.ClusterFilters(sector=sector))
        dominant = atlas.cluster_table(
            demo, atlas.ClusterFilters(sector=sector, dominant_sector_only=True)
        )
        assert all(r["dominant_sector"] == sector for r in dominant)
        assert all(sector in r["sectors"] for r in anywhere)
        assert {r["id"] for r in dominant} <= {r["id"] for r in anywhere}
        wider_somewhere |= len(anywhere) > len(dominant)
    assert wider_somewhere


def test_bad_filters_are_refused_clearly(demo: Settings) -> None:
    with pytest.raises(StoreError, match="unknown cluster type 'Huge'"):
        atlas.cluster_table(demo, atlas.ClusterFilters(types=("Huge",)))
    with pytest.raises(StoreError, match="smallest size"):
        atlas.cluster_table(demo, atlas.ClusterFilters(min_size=30, max_size=20))


def test_cluster_page_explains_its_type_and_lists_its_members(demo: Settings) -> None:
    stored = largest_of(demo, "R&D Collaborating")
    page = atlas.cluster_page(demo, stored["id"])
    assert [c["key"] for c in page["criteria"]] == [
        "rdi_active", "co_located", "specialised", "collaborative"
    ]  # fmt: skip
    for criterion in page["criteria"]:
        recorded = stored["profile"]["criteria"][criterion["key"]]
        assert criterion["met"] == recorded["met"]
        assert criterion["evidence"] == recorded["evidence"] != ""
    assert {m["id"] for m in page["members"]} == member_ids(demo, stored["id"])
    assert len(page["members"]) == stored["size"] == page["size"]
    assert sum(page["places"].values()) <= stored["size"]
    assert page["linked"] == stored["profile"]["linked"]
    assert page["type_rule"].startswith("RD&I-active, co-located and collaborative")


def test_cluster_page_members_carry_no_private_fields(demo: Settings) -> None:
    cluster = largest_of(demo, "Specialised")
    member = sorted(member_ids(demo, cluster["id"]))[0]
    with open_store(demo) as store:
        store.update_organisation(
            member, {"contact_email": SECRET_EMAIL, "notes": SECRET_NOTE}, "test"
        )
    page = atlas.cluster_page(demo, cluster["id"])
    assert all("contact_email" not in m and "notes" not in m for m in page["members"])
    assert SECRET_EMAIL not in json.dumps(page) and SECRET_NOTE not in json.dumps(page)


def test_unknown_cluster_is_a_clear_store_error(demo: Settings) -> None:
    with pytest.raises(StoreError, match="no cluster with id 'cl-nope'"):
        atlas.cluster_page(demo, "cl-nope")
    with pytest.raises(StoreError, match="no cluster with id 'cl-nope'"):
        atlas.cluster_network(demo, "cl-nope")


def test_network_edges_are_real_collaborations_among_members(demo: Settings) -> None:
    stored = largest_of(demo, "R&D Collaborating")
    members = member_ids(demo, stored["id"])
    network = atlas.cluster_network(demo, stored["id"])
    pairs = collaborating_pairs(demo)
    assert {n["id"] for n in network["nodes"]} == members
    assert network["edges"]
    for edge in network["edges"]:
        assert {edge["source"], edge["target"]} <= members
        assert tuple(sorted((edge["source"], edge["target"]))) in pairs
    among = {p for p in pairs if set(p) <= members}
    assert len(network["edges"]) == len(among) == stored["profile"]["internal_links"]


def test_network_is_capped_to_the_most_central_members(demo: Settings) -> None:
    stored = largest_of(demo, "Dispersed")
    capped = atlas.cluster_network(demo, stored["id"], max_members=12)
    page = atlas.cluster_page(demo, stored["id"])
    central = [m["id"] for m in page["members"][:12]]
    assert [n["id"] for n in capped["nodes"]] == central
    assert capped["members"] == stored["size"]
    assert all({e["source"], e["target"]} <= set(central) for e in capped["edges"])
    assert len(capped["edges"]) == capped["collaborations_among_shown"]


def test_network_layout_is_the_same_every_time(demo: Settings) -> None:
    cluster_id = largest_of(demo, "Diverse")["id"]
    first = atlas.cluster_network(demo, cluster_id)
    atlas._cache.clear()
    again = atlas.cluster_network(demo, cluster_id)
    assert first == again


def test_csv_holds_the_rows_and_neutralises_formulas(demo: Settings) -> None:
    rows = atlas.cluster_table(demo, atlas.ClusterFilters(types=("Specialised",)))
    hostile = {**rows[0], "name": "=HYPERLINK(\"http://x\")", "summary": "@SUM(A1)",
               "places": ["-2", "Leeds"], "dominant_sector": "+1"}  # fmt: skip
    parsed = list(csv.DictReader(io.StringIO(atlas.clusters_csv(rows).decode())))
    assert [r["id"] for r in parsed] == [r["id"] for r in rows]
    assert parsed[0]["type"] == "Specialised" and parsed[0]["specialised"] == "yes"
    cells = next(csv.DictReader(io.StringIO(atlas.clusters_csv([hostile]).decode())))
    assert cells["name"] == '\'=HYPERLINK("http://x")'
    assert cells["summary"] == "'@SUM(A1)" and cells["places"] == "'-2; Leeds"
    assert cells["dominant_sector"] == "'+1"
    assert float(cells["lon"]) == hostile["lon"]  # numbers are left as they are


def test_derived_figures_follow_changes_to_the_store(demo: Settings) -> None:
    smallest = atlas.cluster_overview(demo)[-1]
    assert smallest["places"] != ["Atlantis"]
    with open_store(demo) as store:
        for member in member_ids(demo, smallest["id"]):
            store.update_organisation(member, {"region": "Atlantis"}, "test")
    again = next(r for r in atlas.cluster_overview(demo) if r["id"] == smallest["id"])
    assert again["places"] == ["Atlantis"]


def test_no_clusters_means_empty_figures(settings: Settings) -> None:
    assert atlas.cluster_overview(settings) == []
    assert atlas.filter_choices(settings)["types"] == []
    assert atlas.type_counts(settings) == dict.fromkeys(CLUSTER_TYPES, 0)


# -- the Clusters page -----------------------------------------------------------


def test_public_page_lists_all_clusters_and_filters_by_type(
    demo: Settings, open_app
) -> None:
    at = open_app(demo)(None, page=PAGE)
    assert not at.exception
    counts = services.stats(demo)
    assert len(at.dataframe[0].value) == counts["clusters"]
    assert at.caption[0].value.startswith(f"{counts['clusters']} clusters match")
    at.multiselect[0].set_value(["Specialised"]).run()
    table = at.dataframe[0].value
    assert set(table["type"]) == {"Specialised"}
    assert len(table) == counts["clusters_by_type"]["Specialised"]
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    centres = next(layer for layer in deck["layers"] if layer["id"] == "centres")
    assert {c["id"] for c in centres["data"]} == set(table["id"])


def test_sector_filter_says_which_sectors_it_matched(demo: Settings, open_app) -> None:
    at = open_app(demo)("official", page=PAGE)
    at.selectbox[1].set_value("Social Sciences").run()
    anywhere = len(at.dataframe[0].value)
    assert "in the mix" in at.caption[0].value
    at.toggle[0].set_value(True).run()
    assert "as the dominant sector" in at.caption[0].value
    assert set(at.dataframe[0].value["dominant sector"]) == {"Social Sciences"}
    assert len(at.dataframe[0].value) < anywhere


def open_cluster(demo: Settings, open_app, cluster_id: str, role=None) -> AppTest:
    """The Clusters page opened from a link carrying ?cluster=ID."""
    at = open_app(demo)(role)
    at.query_params["cluster"] = cluster_id
    return at.switch_page(PAGE).run()


def test_a_link_opens_the_cluster_page(demo: Settings, open_app) -> None:
    stored = largest_of(demo, "Specialised")
    at = open_cluster(demo, open_app, stored["id"])
    assert not at.exception
    assert [h.value for h in at.header] == [stored["name"]]
    assert at.query_params["cluster"] == stored["id"]
    verdicts = [m.value for m in at.markdown if "met" in m.value]
    for key, label in atlas.CRITERIA:
        met = stored["profile"]["criteria"][key]["met"]
        verdict = ":green[:material/check_circle:] met" if met else "not met"
        assert any(v.startswith(f"**{label}** — ") and v.endswith(verdict)
                   for v in verdicts)  # fmt: skip
    text = shown_text(at)
    assert "LQ 1\\.25\\)" in text  # the specialisation evidence, escaped
    members = next(df.value for df in at.dataframe if "centrality" in df.value)
    assert len(members) == stored["size"]
    assert set(members["name"]) == set(stored["members"])


def test_a_linked_cluster_opens_on_click(demo: Settings, open_app) -> None:
    stored = largest_of(demo, "R&D Collaborating")
    linked = stored["profile"]["linked"][0]
    at = open_cluster(demo, open_app, stored["id"])
    at.button(key=f"linked-{linked['id']}").click().run()
    assert not at.exception
    assert [h.value for h in at.header] == [linked["name"]]
    assert at.query_params["cluster"] == linked["id"]


def test_an_unknown_cluster_link_gives_a_clear_message(
    demo: Settings, open_app
) -> None:
    at = open_cluster(demo, open_app, "cl-does-not-exist")
    assert not at.exception
    assert "no cluster with id 'cl-does-not-exist'" in at.error[0].value
    assert not at.header and "cluster" not in at.query_params
    assert len(at.dataframe[0].value) == services.stats(demo)["clusters"]


def test_download_is_the_filtered_table(
    demo: Settings, open_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[bytes] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def recording(self, data, mimetype, kind, filename=None):
        if mimetype == "text/csv":
            served.append(data)
        return original(self, data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    at = open_app(demo)(None, page=PAGE)
    at.multiselect[0].set_value(["Diverse"]).run()
    assert at.download_button[0].label == "Download these clusters (CSV)"
    rows = list(csv.DictReader(io.StringIO(served[-1].decode())))
    assert {r["type"] for r in rows} == {"Diverse"}
    assert [r["id"] for r in rows] == list(at.dataframe[0].value["id"])


def test_private_fields_never_appear_and_notes_are_escaped(
    demo: Settings, open_app
) -> None:
    stored = largest_of(demo, "R&D Collaborating")
    with open_store(demo) as store:
        for member in member_ids(demo, stored["id"]):
            store.update_organisation(
                member, {"contact_email": SECRET_EMAIL, "notes": SECRET_NOTE}, "test"
            )
        cluster_store.set_cluster_notes(
            store, stored["id"], "<b>Curated</b> **strong** partner base", "facilitator"
        )
    for role in (None, "facilitator"):
        at = open_cluster(demo, open_app, stored["id"], role)
        assert not at.exception
        text = shown_text(at)
        assert stored["members"][0] in text  # the members are shown...
        assert SECRET_EMAIL not in text and SECRET_NOTE not in text  # ...not these
        notes = [i.value for i in at.info if "Facilitators' notes" in i.value]
        assert notes and "\\<b\\>Curated\\</b\\> \\*\\*strong\\*\\*" in notes[0]


# -- Home ------------------------------------------------------------------------


def test_home_shows_clusters_by_type_and_their_map(demo: Settings, open_app) -> None:
    at = open_app(demo)(None)
    assert not at.exception
    counts = services.stats(demo)
    metrics = {m.label: m.value for m in at.metric}
    for cluster_type in CLUSTER_TYPES:
        expected = counts["clusters_by_type"].get(cluster_type, 0)
        assert metrics[cluster_type] == f"{expected:,}"
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert [layer["id"] for layer in deck["layers"]] == ["centres"]
    assert len(deck["layers"][0]["data"]) == counts["clusters"]
    legend = next(c.value for c in at.caption if "Each dot is a cluster" in c.value)
    assert all(f":{colour}[●] {name}" in legend
               for name, (colour, _) in atlas.TYPE_COLOURS.items())  # fmt: skip


def test_home_without_clusters_says_how_to_build_them(
    settings: Settings, data_dir: Path, open_app
) -> None:
    services.import_file(
        settings, "organisations", data_dir / "gtr_organisations.csv", "test"
    )
    at = open_app(settings)(None)
    assert not at.exception
    assert any("cluster-portal build" in i.value for i in at.info)
    decks = [json.loads(d.proto.json) for d in at.get("deck_gl_json_chart")]
    assert len(decks) == 1  # the members' map only
    assert all(layer.get("id") != "centres" for layer in decks[0]["layers"])
    clusters = at.switch_page(PAGE).run()
    assert not clusters.exception
    assert "cluster-portal build" in clusters.info[0].value
