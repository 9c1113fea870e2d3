"""`build` and `clusters` on the real demo network: shape, types, stable ids, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from directory.clusters import set_cluster_notes
from portal import services
from portal.settings import Settings
from tests.portal.test_cli import run, stats

CRITERIA = {"rdi_active", "co_located", "specialised", "collaborative"}


def clusters_json(settings: Settings, *args: str) -> list[dict]:  # type: ignore[type-arg]
    code, out, err = run(settings, "clusters", "--json", *args)
    assert code == 0, err
    return json.loads(out)


def test_demo_builds_clusters_of_at_least_three_types(demo: Settings) -> None:
    listed = clusters_json(demo)
    assert len({c["type"] for c in listed}) >= 3
    assert stats(demo)["clusters"] == len(listed)
    for cluster in listed:
        assert set(cluster) == {
            "id", "name", "type", "criteria", "members", "sectors", "lat", "lon",
            "summary",
        }  # fmt: skip
        assert set(cluster["criteria"]) == CRITERIA
        assert all(c["evidence"] for c in cluster["criteria"].values())
        assert len(cluster["members"]) >= 10
        assert " — " in cluster["name"]
        assert cluster["type"] in cluster["summary"]
        shares = [s["share"] for s in cluster["sectors"]]
        assert shares == sorted(shares, reverse=True)
        assert sum(shares) == pytest.approx(1.0, abs=0.01)


def test_types_follow_the_criteria_table(demo: Settings) -> None:
    for cluster in clusters_json(demo):
        met = {k: v["met"] for k, v in cluster["criteria"].items()}
        assert met["rdi_active"]
        expected = (
            ("R&D Collaborating" if met["co_located"] else "Dispersed")
            if met["collaborative"]
            else ("Specialised" if met["specialised"] else "Diverse")
        )
        assert cluster["type"] == expected, cluster["name"]


def test_type_filter_and_unknown_type(demo: Settings) -> None:
    specialised = clusters_json(demo, "--type", "Specialised")
    assert specialised and {c["type"] for c in specialised} == {"Specialised"}
    code, _, err = run(demo, "clusters", "--type", "Hub")
    assert code == 2 and "Hub" in err


def test_rebuild_keeps_every_id_and_curated_notes(demo: Settings) -> None:
    before = clusters_json(demo)
    with services.open_store(demo) as store:
        set_cluster_notes(store, before[0]["id"], "Met them in March", "facilitator")
    code, out, _ = run(demo, "build", "--json")
    assert code == 0
    outcome = json.loads(out)
    assert outcome["kept"] == len(before) and outcome["added"] == 0
    assert [c["id"] for c in clusters_json(demo)] == [c["id"] for c in before]
    row = services.clusters(demo)[0]
    assert row["id"] == before[0]["id"] and row["notes"] == "Met them in March"


def test_rebuild_after_an_import_keeps_the_ids_of_clusters_it_did_not_touch(
    demo: Settings, tmp_path: Path
) -> None:
    before = {c["id"]: set(c["members"]) for c in clusters_json(demo)}
    extra = tmp_path / "new.csv"
    extra.write_text(
        "name,postcode,sectors\nOrkney Wave Trials Ltd,KW15 1AA,Engineering and Technology\n"
    )
    assert run(demo, "import", "organisations", str(extra))[0] == 0
    assert run(demo, "build")[0] == 0
    after = {c["id"]: set(c["members"]) for c in clusters_json(demo)}
    for cid, members in before.items():
        if "Orkney Wave Trials Ltd" not in after.get(cid, set()):
            assert after.get(cid) == members


def test_build_is_audited_once(demo: Settings) -> None:
    with services.open_store(demo) as store:
        entries = store.audit_entries(limit=10_000)
    builds = [e for e in entries if e["record_type"] == "clusters"]
    assert [e["action"] for e in builds] == ["build"]
    assert builds[0]["details"]["added"] == stats(demo)["clusters"]


def test_national_baseline_on_research_disciplines_is_refused(demo: Settings) -> None:
    before = stats(demo)
    demo.workspace.joinpath("cluster-portal.toml").write_text(
        '[clustering]\nbaseline = "national"\n'
    )
    code, _, err = run(demo, "build")
    assert code == 1 and "not SIC sections" in err
    assert stats(demo) == before


def test_build_on_an_empty_workspace_finds_nothing(settings: Settings) -> None:
    code, out, _ = run(settings, "build", "--json")
    assert code == 0 and json.loads(out)["clusters"] == 0
    code, _, err = run(settings, "clusters")
    assert code == 0 and "build" in err


def test_the_store_accepts_exactly_the_types_the_method_gives() -> None:
    # the schema's CHECK constraint and the pure clustering package each keep the
    # list (the store must not import the clustering); they must agree
    from clustering.typology import CLUSTER_TYPES as METHOD_TYPES
    from directory.schema import CLUSTER_TYPES as STORED_TYPES

    assert STORED_TYPES == METHOD_TYPES


def test_build_indexes_profiles_that_answer_directory_questions(demo: Settings) -> None:
    from portal import knowledge
    from tests.portal.test_knowledge import index_matches_store

    index_matches_store(demo)
    answer = knowledge.ask(demo, "Which clusters work on life sciences?")
    assert not answer.abstained
    assert answer.citations[0].passage.source == "cluster"
    assert "Life Sciences" in answer.citations[0].passage.title
    code, out, err = run(demo, "build", "--json")
    assert code == 0, err
    rebuilt = json.loads(out)
    assert (
        rebuilt["cluster_profiles_embedded"] == 0
    )  # nothing changed, nothing embedded
    assert rebuilt["organisation_profiles"] == stats(demo)["organisations"]
