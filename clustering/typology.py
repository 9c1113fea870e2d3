"""The four criteria and the cluster types they give (Innovation Clusters Map, table 1).

=================  ==========  ==========  ===========  =============
type               RD&I-active  co-located  specialised  collaborative
=================  ==========  ==========  ===========  =============
Diverse            yes         yes         no           no
Specialised        yes         yes         yes          no
R&D Collaborating  yes         yes         either       yes
Dispersed          yes         no          either       yes
=================  ==========  ==========  ===========  =============
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from clustering.communities import InternalLinks
from clustering.specialisation import SectorShare

CLUSTER_TYPES = ("Diverse", "Specialised", "R&D Collaborating", "Dispersed")


@dataclass(frozen=True)
class Criterion:
    met: bool
    evidence: str
    figures: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"met": self.met, "evidence": self.evidence, **self.figures}


@dataclass(frozen=True)
class Criteria:
    rdi_active: Criterion
    co_located: Criterion
    specialised: Criterion
    collaborative: Criterion

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {
            "rdi_active": self.rdi_active.as_dict(),
            "co_located": self.co_located.as_dict(),
            "specialised": self.specialised.as_dict(),
            "collaborative": self.collaborative.as_dict(),
        }


def classify_cluster(criteria: Criteria) -> str | None:
    """The one type the criteria give, or None when the group is no cluster at all
    (not RD&I-active, or neither co-located nor collaborative)."""
    if not criteria.rdi_active.met:
        return None
    if criteria.collaborative.met:
        return "R&D Collaborating" if criteria.co_located.met else "Dispersed"
    if not criteria.co_located.met:
        return None
    return "Specialised" if criteria.specialised.met else "Diverse"


def rdi_activity(active: int, members: int) -> Criterion:
    return Criterion(
        active == members and members > 0,
        f"{active} of {members} members RD&I-active "
        "(funded R&D projects or marked by a facilitator)",
        {"active_members": active},
    )


def co_location(
    distances_km: NDArray[np.float64], *, radius_km: float, min_share: float
) -> Criterion:
    """Co-located when at least min_share of the located members lie within
    radius_km of the cluster's centre."""
    if distances_km.size == 0:
        return Criterion(False, "no member has a known location", {"share_within": 0.0})
    share = float((distances_km <= radius_km).mean())
    reach = float(np.quantile(distances_km, 0.9))
    return Criterion(
        share >= min_share,
        f"{share:.0%} of members within {radius_km:g} km of the centre; "
        f"90% within {reach:.0f} km (test: at least {min_share:.0%} within "
        f"{radius_km:g} km)",
        {
            "share_within": round(share, 4),
            "radius_km": radius_km,
            "reach_90_km": round(reach, 2),
        },
    )


def specialisation(
    mix: list[SectorShare], *, min_share: float, min_lq: float
) -> Criterion:
    """Specialised when the dominant sector holds at least min_share of the members
    and is at least min_lq times as common as in the baseline."""
    if not mix:
        return Criterion(False, "no member has a known sector")
    top = mix[0]
    lq = top.lq if top.lq is not None else 0.0  # not in the baseline: unmeasured
    lq_text = f"LQ {top.lq:.2f}" if top.lq is not None else "absent from the baseline"
    return Criterion(
        top.share >= min_share and lq >= min_lq,
        f"{top.name} {top.share:.0%} of members, {lq_text} "
        f"(test: at least {min_share:.0%} and LQ {min_lq:g})",
        {"sector": top.name, "share": round(top.share, 4), "lq": _rounded(top.lq)},
    )


def collaboration(
    links: InternalLinks, *, min_partners: float, min_links: int
) -> Criterion:
    """Collaborative when members share at least min_links funded-R&D links with each
    other and have on average at least min_partners partners inside the group.

    Mean partners, unlike link density, does not fall as a cluster grows; and a
    threshold above 2 needs more than a chain or tree of one-off links, which is
    what chance links among unrelated organisations look like.
    """
    met = links.links >= min_links and links.mean_partners >= min_partners
    return Criterion(
        met,
        f"{links.links} internal links, density {links.density:.3f}, "
        f"{links.mean_partners:.1f} partners per member inside the group; "
        f"{links.connected_share:.0%} of members collaborate inside it "
        f"(test: at least {min_links} links and {min_partners:g} partners per member)",
        {
            "internal_links": links.links,
            "density": round(links.density, 4),
            "mean_partners": round(links.mean_partners, 3),
            "connected_share": round(links.connected_share, 4),
        },
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
