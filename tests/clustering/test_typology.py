"""The four criteria, their thresholds and the cluster types they give."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from clustering.communities import InternalLinks
from clustering.specialisation import SectorShare
from clustering.typology import (
    CLUSTER_TYPES,
    Criteria,
    Criterion,
    classify_cluster,
    co_location,
    collaboration,
    rdi_activity,
    specialisation,
)


def criteria(rdi: bool, co_located: bool, specialised: bool, collaborative: bool):
    return Criteria(
        rdi_active=Criterion(rdi, "rdi"),
        co_located=Criterion(co_located, "co"),
        specialised=Criterion(specialised, "spec"),
        collaborative=Criterion(collaborative, "collab"),
    )


# (co-located, specialised, collaborative) -> type, per table 1 of the method
TABLE = {
    (True, False, False): "Diverse",
    (True, True, False): "Specialised",
    (True, False, True): "R&D Collaborating",
    (True, True, True): "R&D Collaborating",
    (False, False, True): "Dispersed",
    (False, True, True): "Dispersed",
    (False, False, False): None,
    (False, True, False): None,
}


@pytest.mark.parametrize(("flags", "expected"), sorted(TABLE.items(), key=str))
def test_classify_follows_the_criteria_table(
    flags: tuple[bool, bool, bool], expected: str | None
) -> None:
    assert classify_cluster(criteria(True, *flags)) == expected


@pytest.mark.parametrize("flags", list(itertools.product([True, False], repeat=3)))
def test_a_group_that_is_not_rdi_active_is_no_cluster(
    flags: tuple[bool, bool, bool],
) -> None:
    assert classify_cluster(criteria(False, *flags)) is None


def test_the_table_gives_every_type() -> None:
    assert {t for t in TABLE.values() if t} == set(CLUSTER_TYPES)


def test_criteria_as_dict_carries_met_evidence_and_figures() -> None:
    c = Criteria(
        rdi_active=rdi_activity(3, 3),
        co_located=Criterion(True, "near", {"share_within": 0.9}),
        specialised=Criterion(False, "mixed"),
        collaborative=Criterion(False, "none", {"internal_links": 0}),
    )
    d = c.as_dict()
    assert list(d) == ["rdi_active", "co_located", "specialised", "collaborative"]
    assert d["co_located"] == {"met": True, "evidence": "near", "share_within": 0.9}
    assert d["rdi_active"]["active_members"] == 3
    assert d["specialised"] == {"met": False, "evidence": "mixed"}


# --- RD&I activity -------------------------------------------------------------


def test_rdi_activity_needs_every_member_active() -> None:
    assert rdi_activity(12, 12).met
    assert not rdi_activity(11, 12).met
    assert not rdi_activity(0, 0).met
    assert rdi_activity(11, 12).evidence.startswith("11 of 12 members RD&I-active")


# --- co-location ------------------------------------------------------------------


def test_co_location_share_at_and_around_the_threshold() -> None:
    # 3 of 4 within 25 km: exactly 75%
    at = co_location(np.array([1.0, 2.0, 25.0, 40.0]), radius_km=25, min_share=0.75)
    assert at.met and at.figures["share_within"] == 0.75
    below = co_location(np.array([1.0, 2.0, 25.1, 40.0]), radius_km=25, min_share=0.75)
    assert not below.met and below.figures["share_within"] == 0.5
    above = co_location(np.array([1.0, 2.0, 3.0, 4.0]), radius_km=25, min_share=0.75)
    assert above.met and above.figures["share_within"] == 1.0


def test_co_location_radius_is_inclusive() -> None:
    distances = np.array([25.0] * 8 + [26.0] * 2)
    assert co_location(distances, radius_km=25, min_share=0.8).met
    assert not co_location(distances, radius_km=24.99, min_share=0.8).met
    assert not co_location(distances, radius_km=25, min_share=0.81).met


def test_co_location_evidence_has_the_figures() -> None:
    distances = np.arange(1.0, 11.0) * 5  # 5, 10, ..., 50 km
    c = co_location(distances, radius_km=25, min_share=0.75)
    assert not c.met
    assert c.figures["share_within"] == 0.5
    assert c.figures["reach_90_km"] == pytest.approx(45.5)
    assert c.evidence.startswith("50% of members within 25 km of the centre")
    assert "90% within 46 km" in c.evidence
    assert "at least 75% within 25 km" in c.evidence


def test_co_location_without_locations_is_not_met() -> None:
    c = co_location(np.array([]), radius_km=25, min_share=0.75)
    assert not c.met and c.evidence == "no member has a known location"


# --- specialisation ----------------------------------------------------------------


def mix(share: float, lq: float | None) -> list[SectorShare]:
    return [
        SectorShare("Life sciences", 4, share, lq),
        SectorShare("Digital", 3, 0.3, 1),
    ]


@pytest.mark.parametrize(
    ("share", "lq", "met"),
    [
        (0.4, 1.25, True),  # both exactly at the thresholds
        (0.39, 1.25, False),
        (0.4, 1.24, False),
        (0.41, 1.26, True),
        (0.9, 1.0, False),  # dominant but no more common than nationally
        (0.2, 5.0, False),  # over-represented but not dominant
        (0.4, None, False),  # absent from the baseline: unmeasured, not specialised
        (0.39, None, False),
    ],
)
def test_specialisation_thresholds(share: float, lq: float | None, met: bool) -> None:
    assert specialisation(mix(share, lq), min_share=0.4, min_lq=1.25).met is met


def test_specialisation_evidence_has_the_figures() -> None:
    c = specialisation(mix(0.6, 3.0), min_share=0.4, min_lq=1.25)
    assert c.met
    assert c.evidence == (
        "Life sciences 60% of members, LQ 3.00 (test: at least 40% and LQ 1.25)"
    )
    assert c.figures == {"sector": "Life sciences", "share": 0.6, "lq": 3.0}
    absent = specialisation(mix(0.6, None), min_share=0.4, min_lq=1.25)
    assert "absent from the baseline" in absent.evidence
    assert absent.figures["lq"] is None


def test_specialisation_without_sectors_is_not_met() -> None:
    c = specialisation([], min_share=0.4, min_lq=1.25)
    assert not c.met and c.evidence == "no member has a known sector"


# --- collaboration ------------------------------------------------------------------


def links(n: int, partners: float, share: float = 0.8) -> InternalLinks:
    return InternalLinks(
        links=n,
        weight=float(n),
        density=0.1,
        connected_share=share,
        mean_partners=partners,
    )


@pytest.mark.parametrize(
    ("n", "partners", "met"),
    [
        (10, 2.5, True),  # both exactly at the thresholds
        (9, 2.5, False),
        (10, 2.49, False),
        (11, 2.6, True),
        (200, 2.0, False),  # many links, but a chain or tree's worth per member
        (3, 3.0, False),  # a dense triangle: too few links
    ],
)
def test_collaboration_thresholds(n: int, partners: float, met: bool) -> None:
    c = collaboration(links(n, partners), min_partners=2.5, min_links=10)
    assert c.met is met


def test_collaboration_by_hand_from_internal_links() -> None:
    # 12 members each linked to the next two round a ring: 24 links, 4 partners
    from clustering.communities import collaboration_matrix

    a = np.r_[np.arange(12), np.arange(12)]
    b = np.r_[(np.arange(12) + 1) % 12, (np.arange(12) + 2) % 12]
    adjacency = collaboration_matrix(12, a, b, np.ones(24))
    ring = InternalLinks.of(adjacency, np.arange(12))
    assert ring.mean_partners == pytest.approx(4.0)
    assert collaboration(ring, min_partners=2.5, min_links=10).met
    # the same members linked only as a chain: 11 links, under 2 partners each
    chain = collaboration_matrix(12, np.arange(11), np.arange(1, 12), np.ones(11))
    path = InternalLinks.of(chain, np.arange(12))
    assert path.links == 11 and path.mean_partners == pytest.approx(22 / 12)
    assert not collaboration(path, min_partners=2.5, min_links=10).met


def test_collaboration_evidence_has_the_figures() -> None:
    c = collaboration(
        InternalLinks(
            links=14,
            weight=20.0,
            density=0.2121,
            connected_share=0.75,
            mean_partners=2.8,
        ),
        min_partners=2.5,
        min_links=10,
    )
    assert c.met
    for figure in ("14 internal links", "density 0.212", "2.8 partners per member"):
        assert figure in c.evidence
    assert "75% of members" in c.evidence
    assert "(test: at least 10 links and 2.5 partners per member)" in c.evidence
    assert c.figures == {
        "internal_links": 14,
        "density": 0.2121,
        "mean_partners": 2.8,
        "connected_share": 0.75,
    }
