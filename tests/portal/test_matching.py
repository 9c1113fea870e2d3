"""`cluster-portal match` on the real demo network: shapes, exclusions, needs, batch,
errors, relearning on build, and whether the learned ranking predicts hidden links."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from clustering.geometry import haversine_km
from directory.matching import (
    FEATURES,
    MatchingGraph,
    learn_model,
    query_for,
    rank,
    records,
)
from portal import matching
from portal.settings import Settings
from portal.workspace import open_store
from tests.portal.test_cli import run

SIGNALS = {
    "similarity",
    "complementarity",
    "proximity",
    "network",
    "activity",
    "peers",
    "newcomers",
    "clusters",
}


def match_json(settings: Settings, *args: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run(settings, "match", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def partners_of(settings: Settings, name: str) -> set[str]:
    with open_store(settings) as store:
        oid = store.organisations_where("name", name)[0]["id"]
        return {p["id"] for p in store.collaborators(oid)} | {oid}


def test_match_an_organisation_by_name_or_id(demo: Settings) -> None:
    found = match_json(demo, "Heriot-Watt University", "--k", "5")
    assert found["query"] == "Heriot-Watt University"
    assert len(found["suggestions"]) == 5
    excluded = partners_of(demo, "Heriot-Watt University")
    scores = []
    for suggestion in found["suggestions"]:
        assert set(suggestion) >= {"name", "id", "score", "reasons"}
        assert suggestion["id"] not in excluded
        assert {r["signal"] for r in suggestion["reasons"]} == SIGNALS
        assert all(r["detail"] for r in suggestion["reasons"])
        scores.append(suggestion["score"])
    assert scores == sorted(scores, reverse=True)
    by_id = match_json(demo, found["organisation"]["id"], "--k", "5")
    assert [s["id"] for s in by_id["suggestions"]] == [
        s["id"] for s in found["suggestions"]
    ]


def test_include_partners_brings_existing_partners_back(demo: Settings) -> None:
    found = match_json(
        demo, "Heriot-Watt University", "--k", "20", "--include-partners"
    )
    partners = partners_of(demo, "Heriot-Watt University")
    assert {s["id"] for s in found["suggestions"]} & partners


def test_filters_apply_to_every_suggestion(demo: Settings) -> None:
    found = match_json(
        demo, "University of Aberdeen", "--kind", "business", "--max-km", "150"
    )
    assert found["suggestions"]
    with open_store(demo) as store:
        home = store.organisations_where("name", "University of Aberdeen")[0]
        for s in found["suggestions"]:
            org = store.organisation(s["id"])
            assert org is not None and org["kind"] == "business"
            km = haversine_km(home["lat"], home["lon"], org["lat"], org["lon"])
            assert km <= 150
    wales = match_json(demo, "University of Aberdeen", "--region", "Wales")
    assert {s["region"] for s in wales["suggestions"]} <= _welsh_regions(demo)


def _welsh_regions(settings: Settings) -> set[str]:
    with open_store(settings) as store:
        rows = store.query(
            "SELECT DISTINCT region FROM organisations WHERE country = 'Wales'"
        )
    return {r["region"] for r in rows}


def test_a_need_in_words_finds_partners_of_the_kind_and_place(demo: Settings) -> None:
    found = match_json(
        demo, "--need", "a university partner for hydrogen storage trials near Aberdeen"
    )
    assert found["understood"] == {"kind": "university", "near": "Aberdeen City"}
    assert all(s["kind"] == "university" for s in found["suggestions"])
    assert found["suggestions"][0]["name"] == "University of Aberdeen"
    signals = {r["signal"] for r in found["suggestions"][0]["reasons"]}
    assert signals == {"similarity", "proximity", "activity"}
    near = match_json(demo, "--need", "marine biology", "--near", "PL1 2AA", "--k", "3")
    assert near["understood"]["near"] == "PL1 2AA"


def test_bad_requests_get_a_clear_message(demo: Settings) -> None:
    code, out, err = run(demo, "match", "Heriot Wat Universty")
    assert code == 1 and out == ""
    assert "no organisation called 'Heriot Wat Universty'" in err
    assert "Heriot-Watt University" in err and "Traceback" not in err
    code, _, err = run(demo, "match", "--need", "wind", "--near", "Atlantis")
    assert code == 1 and "neither a known UK postcode nor a place" in err
    code, _, err = run(demo, "match", "--need", "   ")
    assert code == 1 and "describe the need" in err
    code, _, err = run(demo, "match", "Heriot-Watt University", "--need", "x")
    assert code == 2 and "give one of" in err
    code, _, err = run(demo, "match", "--need", "wind", "--max-km", "10")
    assert code == 1 and "needs a location" in err


def test_batch_answers_every_line_in_order(demo: Settings, tmp_path: Path) -> None:
    names = [
        "University of Aberdeen",
        "No Such Organisation Ltd",
        "Heriot-Watt University",
    ]
    batch = tmp_path / "names.txt"
    batch.write_text("\n".join(names) + "\n\n", encoding="utf-8")
    code, out, err = run(demo, "match", "--batch", str(batch), "--json", "--k", "3")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["query"] for line in lines] == names
    assert "error" in lines[1] and "suggestions" not in lines[1]
    assert len(lines[0]["suggestions"]) == 3 and len(lines[2]["suggestions"]) == 3


def test_build_learns_weights_and_reembeds_only_changed_profiles(
    demo: Settings,
) -> None:
    summary = match_json(demo, "--model")
    assert summary["source"].startswith("weights learned from this network")
    assert summary["learned_on"]["organisations"] == 1582
    assert summary["learned_on"]["rounds"] == 2  # random, then hard negatives
    for regime in ("isolated", "few", "connected"):  # newer signals are relearned
        assert "peer_partners" in summary["regimes"][regime]["features"]
        assert "newcomer_partners" in summary["regimes"][regime]["features"]
    assert matching.refresh_capability_vectors(demo) == 0
    with open_store(demo) as store:
        store.db.execute(
            "UPDATE organisations SET description = 'Tidal energy testing'"
            " WHERE name = 'University of Aberdeen'"
        )
    assert matching.refresh_capability_vectors(demo) == 1


def test_learned_ranking_predicts_hidden_collaborations(demo: Settings) -> None:
    """One 80/20 split of the real network: the learned weights must beat
    most-connected-first and Adamic–Adar where networks are thin (cold start)."""
    with open_store(demo) as store:
        orgs, links, vectors, _ = records.matching_frames(store)
    rng = np.random.default_rng(0)
    train = links[rng.random(len(links)) >= 0.2]
    model = learn_model(orgs, train, vectors, random_state=0)
    graph = MatchingGraph.build(orgs, train, vectors)
    full = MatchingGraph.build(orgs, links, vectors)
    held = (full.adjacency - graph.adjacency).tocsr()
    held.eliminate_zeros()
    recall: dict[str, list[float]] = {"learned": [], "adamic": [], "popular": []}
    for row in np.flatnonzero(np.diff(held.indptr)):
        if graph.degree[row] > 2:
            continue
        truth = held.indices[held.indptr[row] : held.indptr[row + 1]]
        learned, x, _ = rank(graph, model, query_for(graph, int(row)))
        candidates = np.flatnonzero(~np.isnan(learned))
        adamic = (
            np.expm1(x[:, FEATURES.index("adamic_adar")]) * 1e3 + graph.degree / 1e4
        )
        for name, score in (
            ("learned", learned), ("adamic", adamic), ("popular", graph.degree * 1.0),
        ):  # fmt: skip
            top = candidates[np.argsort(-score[candidates], kind="stable")[:10]]
            recall[name].append(np.isin(truth, top).sum() / min(10, len(truth)))
    means = {name: float(np.mean(v)) for name, v in recall.items()}
    assert len(recall["learned"]) > 50
    assert means["learned"] > means["adamic"] > means["popular"]


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "x" * 2001])
def test_odd_needs_are_refused_or_ranked_safely(demo: Settings, text: str) -> None:
    code, out, err = run(demo, "match", "--need", text, "--json")
    if len(text) > 2000:
        assert code == 1 and "at most 2,000 characters" in err
    else:
        assert code == 0 and json.loads(out)["suggestions"]
