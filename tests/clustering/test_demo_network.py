"""The whole method on the shipped demo network (GtR organisations and links)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from clustering.pipeline import ClusterResult, find_clusters
from clustering.typology import CLUSTER_TYPES

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "corpus" / "demo" / "gtr_network"
CENTROIDS = REPO / "corpus" / "geodata" / "lad_centroids_2021.psv"
CRITERIA = ("rdi_active", "co_located", "specialised", "collaborative")


@pytest.fixture(scope="module")
def demo() -> tuple[pd.DataFrame, ClusterResult]:
    orgs = pd.read_csv(DEMO / "organisations.csv")
    links = pd.read_csv(DEMO / "collaborations.csv")
    sites = pd.DataFrame(
        {
            "id": orgs["name"],
            "name": orgs["name"],
            "kind": "organisation",
            "lat": orgs["lat"],
            "lon": orgs["lon"],
            "sector": orgs["sectors"].str.split(";").str[0].str.strip(),
            "rdi_active": True,
        }
    )
    places = pd.read_csv(
        CENTROIDS, sep="|", header=None, names=["code", "name", "lon", "lat"]
    )
    return sites, find_clusters(sites, links, places=places)


def test_the_demo_frames_are_what_the_test_assumes(demo) -> None:
    sites, _ = demo
    assert len(sites) > 1000
    assert sites["id"].is_unique
    assert sites["sector"].notna().all()
    assert sites["lat"].notna().mean() > 0.95


def test_the_demo_network_gives_at_least_three_types(demo) -> None:
    _, result = demo
    counts = result.counts_by_type()
    assert set(counts) <= set(CLUSTER_TYPES)
    assert len(counts) >= 3, counts


def test_every_demo_cluster_is_typed_and_evidenced(demo) -> None:
    _sites, result = demo
    assert result.clusters
    for cluster in result.clusters:
        assert len(cluster.members) >= 10
        assert cluster.type in CLUSTER_TYPES
        criteria = cluster.criteria.as_dict()
        assert tuple(criteria) == CRITERIA
        for name in CRITERIA:
            assert isinstance(criteria[name]["met"], bool)
            assert criteria[name]["evidence"].strip()
        assert criteria["rdi_active"]["met"]
        assert cluster.profile["criteria"] == criteria
        assert cluster.type in cluster.summary
        assert cluster.name and cluster.id.startswith("cl-")


def test_demo_types_agree_with_their_criteria(demo) -> None:
    _, result = demo
    for cluster in result.clusters:
        c = cluster.criteria
        expected = {
            (True, False, False): "Diverse",
            (True, True, False): "Specialised",
        }.get((c.co_located.met, c.specialised.met, c.collaborative.met))
        if c.collaborative.met:
            expected = "R&D Collaborating" if c.co_located.met else "Dispersed"
        assert cluster.type == expected


def test_demo_ids_and_names_are_unique(demo) -> None:
    _, result = demo
    assert len({c.id for c in result.clusters}) == len(result.clusters)
    assert len({c.name for c in result.clusters}) == len(result.clusters)
