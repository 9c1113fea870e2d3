"""find_clusters end to end on small hand-made frames, one test per type."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from clustering import pipeline
from clustering.pipeline import ClusterParams, SiteFrameError
from clustering.typology import CLUSTER_TYPES
from tests.clustering.builders import (
    CITIES,
    PLACES,
    SECTORS,
    background,
    clique,
    group,
    no_links,
)

DISPERSED_CITIES = [
    "Aberdeen",
    "Inverness",
    "Newcastle",
    "Belfast",
    "Leeds",
    "Manchester",
    "Birmingham",
    "Norwich",
    "Cambridge",
    "Bristol",
    "Cardiff",
    "Plymouth",
]

# The hand-made groups are scattered over a couple of km, laid out for a 15 km
# neighbourhood; the method's own default scale is tested in test_spatial.
PARAMS = ClusterParams(distance_km=15.0)


def find_clusters(
    sites: pd.DataFrame,
    links: pd.DataFrame,
    params: ClusterParams = PARAMS,
    **kwargs: Any,
) -> pipeline.ClusterResult:
    return pipeline.find_clusters(sites, links, params, **kwargs)


def sites_with(*groups: pd.DataFrame) -> pd.DataFrame:
    """The groups plus isolated mixed-sector background sites away from them."""
    avoid = [(float(g["lat"].mean()), float(g["lon"].mean())) for g in groups]
    avoid += [CITIES[c] for c in DISPERSED_CITIES]
    return pd.concat([*groups, background(avoid)], ignore_index=True)


def ids_of(result, sites: pd.DataFrame) -> list[set[str]]:
    return [set(sites["id"].iloc[c.members]) for c in result.clusters]


def specialised_group() -> pd.DataFrame:
    return group("ed", 12, CITIES["Edinburgh"], "Life sciences", seed=1)


def diverse_group() -> pd.DataFrame:
    return group("gl", 12, CITIES["Glasgow"], SECTORS, seed=2)


def collaborating_group() -> pd.DataFrame:
    return group("ld", 12, CITIES["London"], "Digital", seed=3)


def dispersed_group() -> pd.DataFrame:
    rows = [
        group(f"dp{k:02d}-", 1, CITIES[city], SECTORS[k % 4], spread_km=2.0, seed=k)
        for k, city in enumerate(DISPERSED_CITIES)
    ]
    return pd.concat(rows, ignore_index=True)


# --- one test per type ----------------------------------------------------------


def test_a_colocated_single_sector_group_without_links_is_specialised() -> None:
    ed = specialised_group()
    sites = sites_with(ed)
    assert len(sites) > 60  # a larger, mixed background
    result = find_clusters(sites, no_links(), places=PLACES)
    assert ids_of(result, sites) == [set(ed["id"])]
    (cluster,) = result.clusters
    assert cluster.type == "Specialised"
    crit = cluster.criteria
    assert crit.rdi_active.met and crit.co_located.met and crit.specialised.met
    assert not crit.collaborative.met
    assert crit.specialised.figures["sector"] == "Life sciences"
    assert crit.specialised.figures["share"] == 1.0
    n_ls = int((sites["sector"] == "Life sciences").sum())
    assert crit.specialised.figures["lq"] == pytest.approx(len(sites) / n_ls, abs=1e-3)
    assert cluster.name == "Edinburgh — Life sciences"
    assert cluster.methods[0] == "spatial: Life sciences"
    assert "spatial: all sectors" in cluster.methods


def test_a_colocated_mixed_group_without_links_is_diverse() -> None:
    gl = diverse_group()
    sites = sites_with(gl)
    result = find_clusters(sites, no_links(), places=PLACES)
    assert ids_of(result, sites) == [set(gl["id"])]
    (cluster,) = result.clusters
    assert cluster.type == "Diverse"
    assert cluster.criteria.co_located.met
    assert not cluster.criteria.specialised.met
    assert cluster.criteria.specialised.figures["share"] == 0.25
    assert not cluster.criteria.collaborative.met
    assert cluster.methods == ["spatial: all sectors"]
    assert cluster.name == "Glasgow — mixed sectors"


def test_a_colocated_group_with_many_internal_links_is_rd_collaborating() -> None:
    ld = collaborating_group()  # one sector: it would be Specialised without links
    sites = sites_with(ld)
    result = find_clusters(sites, clique(list(ld["id"])), places=PLACES)
    assert ids_of(result, sites) == [set(ld["id"])]
    (cluster,) = result.clusters
    assert cluster.type == "R&D Collaborating"
    assert cluster.criteria.co_located.met and cluster.criteria.collaborative.met
    assert cluster.criteria.specialised.met
    assert cluster.links.links == 66
    assert "network community" in cluster.methods
    assert cluster.name == "London — Digital"


def test_a_group_spread_over_the_country_with_dense_links_is_dispersed() -> None:
    dp = dispersed_group()
    sites = sites_with(dp)
    result = find_clusters(sites, clique(list(dp["id"])), places=PLACES)
    assert ids_of(result, sites) == [set(dp["id"])]
    (cluster,) = result.clusters
    assert cluster.type == "Dispersed"
    assert not cluster.criteria.co_located.met
    assert cluster.criteria.co_located.figures["share_within"] < 0.2
    assert cluster.criteria.collaborative.met
    assert cluster.methods == ["network community"]
    assert cluster.modularity is not None
    assert cluster.name.startswith("mixed sectors community — ")
    assert cluster.name.endswith(" and others")
    assert cluster.profile["neighbours"] == []  # a community has no map neighbours


def test_all_four_types_side_by_side() -> None:
    ed, gl = specialised_group(), diverse_group()
    ld, dp = collaborating_group(), dispersed_group()
    sites = sites_with(ed, gl, ld, dp)
    links = pd.concat([clique(list(ld["id"])), clique(list(dp["id"]))])
    result = find_clusters(sites, links, places=PLACES)
    by_type = {c.type: set(sites["id"].iloc[c.members]) for c in result.clusters}
    assert by_type == {
        "Specialised": set(ed["id"]),
        "Diverse": set(gl["id"]),
        "R&D Collaborating": set(ld["id"]),
        "Dispersed": set(dp["id"]),
    }
    assert result.counts_by_type() == dict.fromkeys(CLUSTER_TYPES, 1)
    assert result.rejected == 0
    assert result.duplicates == result.candidates - 4


def test_a_colocated_group_linked_only_as_a_chain_is_not_collaborative() -> None:
    ld = collaborating_group()
    ids = list(ld["id"])
    chain = pd.DataFrame({"org_a": ids[:-1], "org_b": ids[1:], "weight": 1.0})
    sites = sites_with(ld)
    (cluster,) = find_clusters(sites, chain, places=PLACES).clusters
    assert cluster.links.links == 11
    assert not cluster.criteria.collaborative.met
    assert cluster.type == "Specialised"


# --- members, errors, determinism -------------------------------------------------


def test_non_rdi_active_sites_are_never_members() -> None:
    active = collaborating_group()
    inactive = group("ina", 8, CITIES["London"], "Digital", seed=9, rdi_active=False)
    lonely = group("off", 15, CITIES["Edinburgh"], "Energy", seed=4, rdi_active=False)
    sites = sites_with(active, inactive, lonely)
    links = pd.concat(
        [
            clique([*active["id"], *inactive["id"]]),
            clique(list(lonely["id"])),
        ]
    )
    result = find_clusters(sites, links, places=PLACES)
    assert ids_of(result, sites) == [set(active["id"])]
    assert result.clusters[0].criteria.rdi_active.met
    # only the active members' links count
    assert result.clusters[0].links.links == 66


def test_rdi_active_may_be_missing_per_row() -> None:
    ed = specialised_group()
    ed["rdi_active"] = ed["rdi_active"].astype(object)
    ed.loc[0, "rdi_active"] = None
    sites = sites_with(ed)
    (cluster,) = find_clusters(sites, no_links()).clusters
    assert set(sites["id"].iloc[cluster.members]) == set(ed["id"][1:])


@pytest.mark.parametrize("column", ["id", "lat", "lon", "sector", "rdi_active"])
def test_a_missing_site_column_raises(column: str) -> None:
    sites = specialised_group().drop(columns=[column])
    with pytest.raises(SiteFrameError, match=column):
        find_clusters(sites, no_links())


@pytest.mark.parametrize("column", ["org_a", "org_b", "weight"])
def test_a_missing_link_column_raises(column: str) -> None:
    with pytest.raises(SiteFrameError, match=column):
        find_clusters(specialised_group(), no_links().drop(columns=[column]))


def test_duplicate_site_ids_raise() -> None:
    sites = specialised_group()
    sites.loc[1, "id"] = sites.loc[0, "id"]
    with pytest.raises(SiteFrameError, match="unique"):
        find_clusters(sites, no_links())


def test_links_to_unknown_sites_are_ignored() -> None:
    ed = specialised_group()
    sites = sites_with(ed)
    links = clique([*ed["id"][:3], "nobody", "ghost"])
    (cluster,) = find_clusters(sites, links).clusters
    assert cluster.links.links == 3  # the triangle among known members


def _four_type_run(previous=None, sites=None):
    ed, gl = specialised_group(), diverse_group()
    ld, dp = collaborating_group(), dispersed_group()
    sites = sites if sites is not None else sites_with(ed, gl, ld, dp)
    links = pd.concat([clique(list(ld["id"])), clique(list(dp["id"]))])
    return sites, find_clusters(sites, links, places=PLACES, previous=previous)


def test_find_clusters_is_deterministic() -> None:
    _sites, first = _four_type_run()
    _, second = _four_type_run()
    assert [c.id for c in first.clusters] == [c.id for c in second.clusters]
    assert [c.members.tolist() for c in first.clusters] == [
        c.members.tolist() for c in second.clusters
    ]
    assert [c.summary for c in first.clusters] == [c.summary for c in second.clusters]
    assert len({c.id for c in first.clusters}) == 4


def test_results_do_not_depend_on_the_row_order() -> None:
    sites, first = _four_type_run()
    shuffled = sites.sample(frac=1.0, random_state=3).reset_index(drop=True)
    _, second = _four_type_run(sites=shuffled)
    assert {c.id: c.type for c in first.clusters} == {
        c.id: c.type for c in second.clusters
    }


# --- stable ids -------------------------------------------------------------------


def previous_of(result, sites: pd.DataFrame) -> dict[str, list[str]]:
    return {c.id: list(sites["id"].iloc[c.members]) for c in result.clusters}


def big_group() -> pd.DataFrame:
    return group("mc", 20, CITIES["Manchester"], "Energy", seed=5)


def test_adding_an_unrelated_site_keeps_every_id() -> None:
    sites, first = _four_type_run()
    extra = group("new", 1, (50.9, 1.0), "Digital")
    more = pd.concat([sites, extra], ignore_index=True)
    _, second = _four_type_run(previous=previous_of(first, sites), sites=more)
    assert {c.id: c.type for c in second.clusters} == {
        c.id: c.type for c in first.clusters
    }


def test_changing_one_member_of_a_cluster_of_20_keeps_its_id() -> None:
    mc = big_group()
    sites = sites_with(mc)
    (old,) = find_clusters(sites, no_links()).clusters
    assert len(old.members) == 20
    swapped = mc.iloc[1:].copy()
    newcomer = group("mcx", 1, CITIES["Manchester"], "Energy", spread_km=0.5, seed=8)
    changed = pd.concat([swapped, newcomer, sites.iloc[20:]], ignore_index=True)
    previous = {old.id: list(mc["id"])}
    (kept,) = find_clusters(changed, no_links(), previous=previous).clusters
    assert set(changed["id"].iloc[kept.members]) == {*mc["id"][1:], "mcx00"}
    assert kept.id == old.id
    # without the old ids the changed membership would have hashed to a new id
    (fresh,) = find_clusters(changed, no_links()).clusters
    assert fresh.id != old.id


def test_a_brand_new_cluster_gets_a_fresh_id() -> None:
    mc = big_group()
    sites = sites_with(mc)
    first = find_clusters(sites, no_links())
    previous = previous_of(first, sites)
    ed = specialised_group()
    grown = pd.concat([mc, ed, sites.iloc[20:]], ignore_index=True)
    second = find_clusters(grown, no_links(), previous=previous)
    ids = {frozenset(grown["id"].iloc[c.members]): c.id for c in second.clusters}
    assert ids[frozenset(mc["id"])] == next(iter(previous))
    new_id = ids[frozenset(ed["id"])]
    assert new_id not in previous
    assert new_id.startswith("cl-")


def test_ids_follow_members_not_positions() -> None:
    # the old id moves with its members even when the cluster is now smaller
    # than a new one (and so sorted after it)
    mc = big_group()
    sites = sites_with(mc)
    (old,) = find_clusters(sites, no_links()).clusters
    bigger = group("bg2-", 30, CITIES["Birmingham"], "Digital", seed=6)
    grown = pd.concat([sites, bigger], ignore_index=True)
    grown = grown[~grown["id"].str.startswith("bg0")].reset_index(drop=True)
    result = find_clusters(grown, no_links(), previous={old.id: list(mc["id"])})
    assert [len(c.members) for c in result.clusters] == [30, 20]
    assert result.clusters[1].id == old.id
    assert result.clusters[0].id != old.id


# --- profiles ----------------------------------------------------------------------


def test_profiles_have_name_outline_sectors_central_members_and_summary() -> None:
    ld = collaborating_group()
    sites = sites_with(ld)
    # one member links to everyone, the rest only to two neighbours
    hub, *others = list(ld["id"])
    ring = [(others[i], others[(i + 1) % 11]) for i in range(11)]
    links = pd.DataFrame(
        [(hub, o) for o in others] + ring, columns=["org_a", "org_b"]
    ).assign(weight=2.0)
    (cluster,) = find_clusters(sites, links, places=PLACES).clusters
    p = cluster.profile
    assert cluster.type == "R&D Collaborating"
    assert cluster.name == "London — Digital"
    assert p["size"] == 12
    assert p["outline"]["type"] == "Polygon"
    ring_coords = p["outline"]["coordinates"][0]
    assert ring_coords[0] == ring_coords[-1] and len(ring_coords) >= 4
    assert p["counts_by_kind"] == {"company": 12}
    (sector,) = p["sectors"]
    n_digital = int((sites["sector"] == "Digital").sum())
    assert sector["name"] == "Digital" and sector["count"] == 12
    assert sector["lq"] == pytest.approx(len(sites) / n_digital, abs=1e-3)
    central = p["central_members"]
    assert central[0] == {"id": hub, "name": "Ld Org 0", "centrality": 1.0}
    assert len(central) == 5
    assert all(m["centrality"] == pytest.approx(3 / 11, abs=1e-4) for m in central[1:])
    assert p["criteria"]["collaborative"]["met"] is True
    assert p["internal_links"] == 22
    assert cluster.summary == p["summary"]
    assert cluster.summary.startswith("London — Digital is a")
    assert "R&D Collaborating innovation cluster of 12 RD&I-active organisations" in (
        cluster.summary
    )
    assert "Most central members: Ld Org 0" in cluster.summary
    assert cluster.criteria.collaborative.evidence in cluster.summary


def test_summary_names_the_type_of_each_cluster() -> None:
    _, result = _four_type_run()
    for cluster in result.clusters:
        assert cluster.type in cluster.summary
        noun = "community" if cluster.type == "Dispersed" else "innovation cluster"
        assert f"{cluster.type} {noun}" in cluster.summary
        assert cluster.criteria.co_located.evidence in cluster.summary


def test_neighbouring_and_linked_clusters_are_in_the_profiles() -> None:
    ed = specialised_group()
    gl = diverse_group()  # Glasgow is 67 km from Edinburgh: within 4 x 25 km
    dp = dispersed_group()
    ld = collaborating_group()  # London: too far to be a neighbour
    sites = sites_with(ed, gl, dp, ld)
    between = pd.DataFrame(
        {"org_a": ["ed00", "ed01", "ed02"], "org_b": ["gl00", "gl01", "ld00"]}
    ).assign(weight=1.0)
    links = pd.concat([clique(list(dp["id"])), between])
    result = find_clusters(sites, links, places=PLACES)
    named = {c.name: c for c in result.clusters}
    spec = named["Edinburgh — Life sciences"]
    div = named["Glasgow — mixed sectors"]
    london = named["London — Digital"]
    (dispersed,) = (c for c in result.clusters if c.type == "Dispersed")
    assert [n["id"] for n in spec.profile["neighbours"]] == [div.id]
    assert spec.profile["neighbours"][0]["distance_km"] == pytest.approx(67, abs=3)
    assert [n["id"] for n in div.profile["neighbours"]] == [spec.id]
    assert dispersed.profile["neighbours"] == []
    assert dispersed.profile["linked"] == []
    assert london.profile["neighbours"] == []
    assert spec.profile["linked"] == [
        {"id": div.id, "name": div.name, "links": 2},
        {"id": london.id, "name": london.name, "links": 1},
    ]
    assert div.profile["linked"] == [{"id": spec.id, "name": spec.name, "links": 2}]
    assert f"Most linked clusters: {div.name}, {london.name}." in spec.summary


def test_names_without_places_say_unplaced() -> None:
    ed = specialised_group()
    (cluster,) = find_clusters(sites_with(ed), no_links()).clusters
    assert cluster.name == "Unplaced — Life sciences"


def test_custom_params_are_used() -> None:
    ed = specialised_group()
    sites = sites_with(ed)
    assert (
        find_clusters(
            sites, no_links(), ClusterParams(distance_km=15.0, min_size=13)
        ).clusters
        == []
    )
    strict = ClusterParams(distance_km=15.0, specialised_lq=100.0)
    (cluster,) = find_clusters(sites, no_links(), strict).clusters
    assert cluster.type == "Diverse"


def test_a_national_baseline_changes_the_lq() -> None:
    ed = specialised_group()
    sites = sites_with(ed)
    national = pd.Series({s: 25 for s in SECTORS})
    (cluster,) = find_clusters(sites, no_links(), baseline=national).clusters
    assert cluster.criteria.specialised.figures["lq"] == pytest.approx(4.0)


def test_no_sites_clustered_gives_an_empty_result() -> None:
    sites = sites_with()
    result = find_clusters(sites, no_links())
    assert result.clusters == [] and result.candidates == 0
    assert np.isfinite(result.partition_modularity)


def test_clusters_with_the_same_name_are_numbered() -> None:
    near = group("ea", 12, (55.93, -3.30), "Life sciences", seed=1)
    far = group("eb", 12, (56.05, -2.95), "Life sciences", seed=2)  # ~20 km apart
    only_edinburgh = PLACES[PLACES["name"] == "Edinburgh"]
    result = find_clusters(sites_with(near, far), no_links(), places=only_edinburgh)
    assert sorted(c.name for c in result.clusters) == [
        "Edinburgh — Life sciences",
        "Edinburgh — Life sciences (2)",
    ]


def test_summary_uses_an_before_r_and_d() -> None:
    ld = collaborating_group()
    (cluster,) = find_clusters(
        sites_with(ld), clique(list(ld["id"])), places=PLACES
    ).clusters
    assert cluster.summary.startswith(
        "London — Digital is an R&D Collaborating innovation cluster"
    )


def test_sector_runs_cover_the_named_sectors_of_active_sites_only() -> None:
    from clustering.pipeline import _sector_codes

    sector = pd.Series(["Digital", "Agri", "", None, "Energy", "Agri", "Digital"])
    active = np.array([True, True, True, True, False, True, False])
    code, names = _sector_codes(sector, active)
    assert names == ["Agri", "Digital"]  # Energy has no active site; blanks no name
    assert code.tolist() == [1, 0, -1, -1, -1, 0, 1]
