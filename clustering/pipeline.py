"""From sites and links to typed, profiled clusters: the whole method in one call."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from clustering.communities import (
    InternalLinks,
    collaboration_matrix,
    louvain_communities,
    membership_matrix,
)
from clustering.geometry import centre_of, haversine_km
from clustering.spatial import SpatialIndex
from clustering.specialisation import (
    SectorShare,
    baseline_shares,
    location_quotients,
)
from clustering.typology import (
    Criteria,
    classify_cluster,
    co_location,
    collaboration,
    rdi_activity,
    specialisation,
)

IntArray = NDArray[np.int64]
Progress = Callable[[str], None]
SITE_COLUMNS = ("id", "lat", "lon", "sector", "rdi_active")
POOLED = "all sectors"


@dataclass(frozen=True)
class ClusterParams:
    """The method's knobs; the defaults are documented in the README."""

    min_size: int = 10
    distance_km: float = 2.0
    concentration: float = 1.5
    significance: float = 0.01
    colocated_km: float = 25.0
    colocated_share: float = 0.75
    specialised_share: float = 0.4
    specialised_lq: float = 1.25
    collaboration_partners: float = 2.5
    min_internal_links: int = 10
    resolution: float = 1.0
    duplicate_overlap: float = 0.7
    random_state: int = 0


@dataclass
class Candidate:
    """A group found by one method, before it is judged against the criteria."""

    members: IntArray
    method: str
    also_found_by: list[str] = field(default_factory=list)
    modularity: float | None = None


@dataclass
class Cluster:
    members: IntArray  # row positions in the sites frame
    type: str
    criteria: Criteria
    methods: list[str]
    links: InternalLinks
    centre: tuple[float, float]
    sectors: list[SectorShare]  # sector mix with LQs, largest first
    modularity: float | None = None
    id: str = ""
    name: str = ""
    profile: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    centrality: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


@dataclass
class ClusterResult:
    clusters: list[Cluster]
    candidates: int
    duplicates: int
    rejected: int
    partition_modularity: float

    def counts_by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for cluster in self.clusters:
            counts[cluster.type] = counts.get(cluster.type, 0) + 1
        return counts


class SiteFrameError(ValueError):
    """The sites or links frame lacks what the method needs."""


def find_clusters(
    sites: pd.DataFrame,
    links: pd.DataFrame,
    params: ClusterParams = ClusterParams(),
    *,
    places: pd.DataFrame | None = None,
    baseline: pd.Series | None = None,
    previous: Mapping[str, Sequence[str]] | None = None,
    progress: Progress | None = None,
) -> ClusterResult:
    """Find, judge, type and profile the clusters among ``sites``.

    sites: one row per site with id, lat, lon, sector, rdi_active (and optionally
    name, kind, employees, turnover, funding); links: org_a, org_b (site ids) and
    weight; places: name, lat, lon for naming; baseline: counts per sector
    (national); previous: old cluster id -> member ids, to keep ids stable.
    """
    from clustering.profiles import profile_clusters

    say = progress or (lambda _: None)
    _check_columns(sites, links)
    sites = sites.reset_index(drop=True)
    active = sites["rdi_active"].fillna(False).astype(bool).to_numpy()
    adjacency = _adjacency(sites, links)
    say("spatial clusters")
    candidates = spatial_candidates(sites, active, params)
    say("network communities")
    partition = louvain_communities(
        adjacency,
        active,
        min_size=params.min_size,
        resolution=params.resolution,
        seed=params.random_state,
        names=sites["id"].to_numpy(),
    )
    candidates += [
        Candidate(c.members, "network community", modularity=c.modularity)
        for c in partition.communities
    ]
    kept = drop_duplicates(candidates, len(sites), params.duplicate_overlap)
    say("criteria and types")
    shares = baseline_shares(sites.loc[active, "sector"], baseline)
    where = (sites["lat"].to_numpy(dtype=float), sites["lon"].to_numpy(dtype=float))
    clusters = [judge(c, sites, active, adjacency, shares, params, where) for c in kept]
    typed = [c for c in clusters if c is not None]
    say("profiles")
    profile_clusters(typed, sites, adjacency, params, places, previous)
    return ClusterResult(
        clusters=typed,
        candidates=len(candidates),
        duplicates=len(candidates) - len(kept),
        rejected=len(kept) - len(typed),
        partition_modularity=partition.modularity,
    )


def _check_columns(sites: pd.DataFrame, links: pd.DataFrame) -> None:
    missing = [c for c in SITE_COLUMNS if c not in sites.columns]
    if missing:
        raise SiteFrameError(f"sites need column(s) {', '.join(missing)}")
    missing = [c for c in ("org_a", "org_b", "weight") if c not in links.columns]
    if missing:
        raise SiteFrameError(f"links need column(s) {', '.join(missing)}")
    if sites["id"].duplicated().any():
        raise SiteFrameError("site ids must be unique")


def _adjacency(sites: pd.DataFrame, links: pd.DataFrame) -> csr_matrix:
    position = pd.Series(np.arange(len(sites)), index=sites["id"].to_numpy())
    a = position.reindex(links["org_a"].to_numpy()).to_numpy()
    b = position.reindex(links["org_b"].to_numpy()).to_numpy()
    known = ~(np.isnan(a) | np.isnan(b))
    weight = links["weight"].to_numpy(dtype=float)[known]
    return collaboration_matrix(
        len(sites), a[known].astype(np.int64), b[known].astype(np.int64), weight
    )


def spatial_candidates(
    sites: pd.DataFrame, active: NDArray[np.bool_], params: ClusterParams
) -> list[Candidate]:
    """Density clusters of RD&I-active sites, per sector and with sectors pooled."""
    lat = sites["lat"].to_numpy(dtype=float)
    lon = sites["lon"].to_numpy(dtype=float)
    index = SpatialIndex(lat, lon, params.distance_km)
    options = dict(
        min_samples=params.min_size,
        min_size=params.min_size,
        concentration=params.concentration,
        significance=params.significance,
    )
    code, names = _sector_codes(sites["sector"], active)
    runs = [(str(name), active & (code == k), active) for k, name in enumerate(names)]
    runs.append((POOLED, active, np.ones(len(sites), dtype=bool)))
    found = []
    for name, group, background in runs:
        for members in index.groups(group, background, **options):  # type: ignore[arg-type]
            found.append(Candidate(members, f"spatial: {name}"))
    return found


def _sector_codes(
    sector: pd.Series, active: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], list[Any]]:
    """Each site's sector as a code into the sorted names of the sectors that
    active sites have (-1 for none, blank or a sector no active site has)."""
    codes, uniques = pd.factorize(sector, sort=True)
    named = np.array([len(str(u)) > 0 for u in uniques], dtype=bool)
    present = np.zeros(len(uniques), dtype=bool)
    present[np.unique(codes[active & (codes >= 0)])] = True
    keep = np.flatnonzero(named & present)
    recode = np.full(len(uniques) + 1, -1, dtype=np.int64)
    recode[keep] = np.arange(len(keep))
    return recode[codes], list(uniques[keep])


def drop_duplicates(
    candidates: list[Candidate], n_sites: int, min_overlap: float
) -> list[Candidate]:
    """Keep the first of any candidates sharing at least min_overlap (Jaccard) of
    their members; the kept one notes the methods that also found it."""
    if not candidates:
        return []
    membership = membership_matrix([c.members for c in candidates], n_sites)
    shared = (membership @ membership.T).tocsr()
    shared.sort_indices()
    sizes = np.array([len(c.members) for c in candidates], dtype=float)
    kept: list[int] = []
    kept_ids: set[int] = set()
    for i, candidate in enumerate(candidates):
        row = shared.getrow(i)
        match = next(
            (
                int(j)
                for j, common in zip(row.indices, row.data, strict=True)
                if j in kept_ids
                and common / (sizes[i] + sizes[j] - common) >= min_overlap
            ),
            None,
        )
        if match is None:
            kept.append(i)
            kept_ids.add(i)
        elif candidate.method not in candidates[match].also_found_by:
            candidates[match].also_found_by.append(candidate.method)
    return [candidates[i] for i in kept]


def judge(
    candidate: Candidate,
    sites: pd.DataFrame,
    active: NDArray[np.bool_],
    adjacency: csr_matrix,
    shares: pd.Series,
    params: ClusterParams,
    where: tuple[NDArray[np.float64], NDArray[np.float64]],
) -> Cluster | None:
    """Test a candidate against the four criteria; None when it is no cluster.
    ``where``: every site's latitude and longitude as arrays, taken from the frame
    once for all candidates (each time would cost time in the frame's size)."""
    members = candidate.members
    lat, lon = where[0][members], where[1][members]
    located = np.isfinite(lat) & np.isfinite(lon)
    centre = (
        centre_of(lat[located], lon[located]) if located.any() else (np.nan, np.nan)
    )
    distances = haversine_km(centre[0], centre[1], lat[located], lon[located])
    links = InternalLinks.of(adjacency, members)
    mix = location_quotients(sites["sector"].iloc[members], shares)
    criteria = Criteria(
        rdi_active=rdi_activity(int(active[members].sum()), len(members)),
        co_located=co_location(
            np.atleast_1d(distances),
            radius_km=params.colocated_km,
            min_share=params.colocated_share,
        ),
        specialised=specialisation(
            mix, min_share=params.specialised_share, min_lq=params.specialised_lq
        ),
        collaborative=collaboration(
            links,
            min_partners=params.collaboration_partners,
            min_links=params.min_internal_links,
        ),
    )
    kind = classify_cluster(criteria)
    if kind is None:
        return None
    return Cluster(
        members=members,
        type=kind,
        criteria=criteria,
        methods=[candidate.method, *candidate.also_found_by],
        links=links,
        centre=centre,
        sectors=mix,
        modularity=candidate.modularity,
    )
