"""Applying imports: counts, idempotence, merges across sources, bad rows, audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.collaborations import read_collaborations
from corpus.companies_house import read_companies_house
from corpus.geocoding import Geocoder
from corpus.innovate_uk import read_innovate_uk
from corpus.members import read_members
from directory.importing import apply_parsed_file
from directory.store import DirectoryStore
from tests.conftest import MAX_BYTES


def import_gtr(store: DirectoryStore, data: Path, geocoder: Geocoder) -> None:
    members = read_members(data / "gtr_organisations.csv", geocoder, MAX_BYTES)
    apply_parsed_file(store, members, "test", overwrite=True)
    links = read_collaborations(data / "gtr_collaborations.csv", MAX_BYTES)
    apply_parsed_file(store, links, "test")


def test_members_import_creates_every_row_even_similar_names(
    store: DirectoryStore, data_dir: Path, geocoder: Geocoder
) -> None:
    parsed = read_members(data_dir / "gtr_organisations.csv", geocoder, MAX_BYTES)
    report = apply_parsed_file(store, parsed, "test", overwrite=True)
    assert report.counts["organisations"] == {"created": 54}
    stats = store.stats()
    assert stats["organisations"] == 54
    assert stats["organisations_without_location"] == 2
    # different sites of one company stay separate records until a person merges them
    haydales = store.organisations_where("normalised_name", "haydale")
    assert sorted(o["name"] for o in haydales) == ["Haydale", "Haydale Limited"]
    assert len({o["id"] for o in haydales}) == 2


def test_collaborations_skip_self_loops_and_sum_repeated_rows(
    store: DirectoryStore, data_dir: Path, geocoder: Geocoder
) -> None:
    members = read_members(data_dir / "gtr_organisations.csv", geocoder, MAX_BYTES)
    apply_parsed_file(store, members, "test", overwrite=True)
    links = read_collaborations(data_dir / "gtr_collaborations.csv", MAX_BYTES)
    report = apply_parsed_file(store, links, "test")
    assert len(report.skipped) == 21
    assert all("self-collaboration" in p.reason for p in report.skipped)
    assert report.counts["collaborations"] == {"created": 382}
    assert any("40 rows repeated" in note for note in report.notes)
    total_weight = sum(r.weight for r in links.collaborations)
    # self-loops were never records; every other row's weight is kept
    assert store.stats()["collaboration_weight"] == pytest.approx(total_weight)


def test_reimporting_the_same_files_changes_nothing(
    store: DirectoryStore, data_dir: Path, geocoder: Geocoder
) -> None:
    import_gtr(store, data_dir, geocoder)
    before = store.stats()
    import_gtr(store, data_dir, geocoder)
    assert store.stats() == before


def test_companies_house_merges_by_normalised_name_and_is_audited(
    store: DirectoryStore, data_dir: Path, geocoder: Geocoder
) -> None:
    import_gtr(store, data_dir, geocoder)
    parsed = read_companies_house(
        data_dir / "companies_house_named.csv", geocoder, MAX_BYTES
    )
    report = apply_parsed_file(store, parsed, "facilitator")
    assert report.counts["organisations"]["merged"] == 2
    assert report.counts["organisations"]["created"] == 1  # EXAMPLE PHOTONICS LTD
    [haydale] = store.organisations_where("company_number", "07228939")
    # the exact-case match is preferred over the other Haydale site
    assert haydale["name"] == "Haydale Limited"
    assert haydale["sic_codes"] == ["20590", "72190"]
    assert "Companies House" in haydale["sources"]
    # a postcode district is more precise than the local authority centroid
    assert haydale["location_precision"] == "district"
    assert haydale["postcode"] == "SA18 3BL"
    merge = store.audit_entries(haydale["id"])[0]
    assert merge["action"] == "merge"
    assert merge["details"]["matched_by"] == "normalised_name"
    assert merge["before"]["company_number"] is None
    reasons = " ".join(p.reason for p in report.skipped)
    assert "unknown postcode 'ZZ99 9ZZ'" in reasons
    assert "dissolved" in reasons
    assert "no organisation with company number 22222222" in reasons
    before = store.stats()
    apply_parsed_file(store, parsed, "facilitator")
    assert store.stats() == before


def test_unnamed_companies_house_rows_enrich_by_company_number(
    store: DirectoryStore, data_dir: Path, geocoder: Geocoder, tmp_path: Path
) -> None:
    import_gtr(store, data_dir, geocoder)
    named = read_companies_house(
        data_dir / "companies_house_named.csv", geocoder, MAX_BYTES
    )
    apply_parsed_file(store, named, "facilitator")
    unnamed = tmp_path / "unnamed.csv"
    unnamed.write_text(
        "CompanyNumber,RegAddress.PostCode,SICCode.SicText_1\n"
        "03342185,LL13 7YL,72190 - Other research\n"
        "99999999,LS1 4AP,62012 - Software\n"
    )
    report = apply_parsed_file(
        store, read_companies_house(unnamed, geocoder, MAX_BYTES), "facilitator"
    )
    assert report.counts["organisations"] == {"updated": 1}
    [micro] = store.organisations_where("company_number", "03342185")
    assert micro["sic_codes"] == ["71200", "72190"]
    assert [p.line for p in report.skipped] == [3]


def test_innovate_uk_adds_projects_participations_and_links(
    store: DirectoryStore, data_dir: Path, geocoder: Geocoder
) -> None:
    import_gtr(store, data_dir, geocoder)
    organisations_before = store.stats()["organisations"]
    parsed = read_innovate_uk(
        data_dir / "innovate_uk_projects.csv", geocoder, MAX_BYTES
    )
    report = apply_parsed_file(store, parsed, "facilitator")
    assert report.counts["projects"] == {"created": 2}
    assert report.counts["participations"] == {"created": 5}
    # project 1: three participants -> 3 pairs; project 2: two -> 1 pair
    assert report.counts["collaborations"] == {"created": 4}
    assert store.stats()["organisations"] == organisations_before + 1
    [turbines] = store.organisations_where("name", "Example Turbines Ltd")
    assert turbines["kind"] == "business"
    assert turbines["rdi_active"] is True
    assert len(turbines["rdi_evidence"]) == 2
    [strathclyde] = store.organisations_where("name", "University of Strathclyde")
    assert any("10050001" in e for e in strathclyde["rdi_evidence"])
    partners = {c["name"] for c in store.collaborators(turbines["id"])}
    assert {
        "Haydale Limited",
        "University of Strathclyde",
        "Heriot-Watt University",
    } <= (partners)
    before = store.stats()
    apply_parsed_file(store, parsed, "facilitator")
    assert store.stats() == before


def test_collaboration_rows_naming_unknown_or_ambiguous_organisations_are_skipped(
    store: DirectoryStore, data_dir: Path, geocoder: Geocoder, tmp_path: Path
) -> None:
    import_gtr(store, data_dir, geocoder)
    [napier] = store.organisations_where("name", "Edinburgh Napier University")
    path = tmp_path / "links.csv"
    path.write_text(
        "org_a,org_b,weight,topic\n"
        f"{napier['id']},Heriot-Watt University,2,Physics\n"
        "Nobody Ltd,Heriot-Watt University,1,Physics\n"
        "qinetiq limited,Heriot-Watt University,1,Physics\n"
        "Edinburgh Napier University,EDINBURGH NAPIER UNIVERSITY LTD,1,Physics\n"
    )
    report = apply_parsed_file(store, read_collaborations(path, MAX_BYTES), "t")
    assert report.counts["collaborations"] == {"created": 1}
    reasons = {p.line: p.reason for p in report.skipped}
    assert reasons[3] == "unknown organisation 'Nobody Ltd'"
    assert "matches 2 organisations" in reasons[4]
    assert "same organisation" in reasons[5]


def test_a_row_taking_a_company_number_another_record_has_is_skipped(
    store: DirectoryStore, data_dir: Path, geocoder: Geocoder, tmp_path: Path
) -> None:
    """Company numbers are unique: such a row is skipped with a reason naming the
    holder, none of its values are written, and the other rows go in."""
    import_gtr(store, data_dir, geocoder)
    holder = store.organisations_where("name", "Haydale Limited")[0]
    taker = store.organisations_where("name", "Haydale")[0]
    store.update_organisation(holder["id"], {"company_number": "07228939"}, "t")
    members = tmp_path / "members.csv"
    members.write_text(
        "id,name,company_number,website\n"
        f"{taker['id']},Haydale,07228939,https://taken.example\n"
        ",Brand New Widgets Ltd,09990001,https://new.example\n"
        f"{holder['id']},Haydale Limited,09990002,\n"  # frees 07228939 too late
        ",Second New Ltd,09990002,\n"  # the line above took it first
    )
    report = apply_parsed_file(
        store, read_members(members, geocoder, MAX_BYTES), "f", overwrite=True
    )
    problem, second = report.skipped
    assert (problem.line, second.line) == (2, 5)
    assert f"Haydale Limited ({holder['id']}) already has" in problem.reason
    assert "07228939" in problem.reason and "merge" in problem.reason
    after = store.organisation(taker["id"])
    assert after is not None
    assert (after["company_number"], after["website"], after["version"]) == (
        taker["company_number"],
        taker["website"],
        taker["version"],
    )
    assert store.organisations_where("name", "Brand New Widgets Ltd")
    moved = store.organisation(holder["id"])
    assert moved is not None and moved["company_number"] == "09990002"
    assert not store.organisations_where("name", "Second New Ltd")


def test_a_new_record_with_a_number_an_update_in_the_same_file_takes_is_skipped(
    store: DirectoryStore, data_dir: Path, geocoder: Geocoder, tmp_path: Path
) -> None:
    import_gtr(store, data_dir, geocoder)
    existing = store.organisations_where("name", "Haydale")[0]
    members = tmp_path / "members.csv"
    members.write_text(
        "id,name,company_number\n"
        f"{existing['id']},Haydale,09990003\n"
        ",Another Firm Ltd,09990003\n"
    )
    report = apply_parsed_file(
        store, read_members(members, geocoder, MAX_BYTES), "f", overwrite=True
    )
    assert [p.line for p in report.skipped] == [3]
    assert "would create a record with company number 09990003" in (
        report.skipped[0].reason
    )
    assert not store.organisations_where("name", "Another Firm Ltd")
    assert (
        store.organisations_where("company_number", "09990003")[0]["id"]
        == (existing["id"])
    )
