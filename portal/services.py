"""The use cases both faces (CLI and Streamlit) call: the one place wiring the layers.

Each function takes the settings, opens what it needs, and returns plain data or
raises a domain error (FileRefused, StoreError, GeocodingError, SettingsError)
whose message is fit to show a user.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from importlib import resources
from pathlib import Path
from typing import IO, Any

from clustering.pipeline import Cluster, ClusterParams, find_clusters
from clustering.typology import CLUSTER_TYPES
from corpus.collaborations import read_collaborations
from corpus.companies_house import read_companies_house
from corpus.geocoding import load_local_authorities
from corpus.innovate_uk import read_innovate_uk
from corpus.members import read_members
from corpus.records import ParsedFile
from corpus.sic import national_section_counts, section_of
from directory import clusters as cluster_store
from directory.importing import ImportReport, Progress, apply_parsed_file
from directory.store import StoreError
from portal import knowledge, matching
from portal.access import OPERATOR, PRIVATE_FIELDS, Viewer, can, visible
from portal.settings import Settings, SettingsError
from portal.workspace import geocoder, open_store

IMPORT_KINDS = ("organisations", "collaborations", "companies-house", "innovate-uk")
EXPORT_COLUMNS = (
    "id", "name", "kind", "company_number", "description", "website", "postcode",
    "lat", "lon", "lad_code", "region", "country", "sectors", "sic_codes",
    "employees", "turnover", "tags", "rdi_active",
)  # fmt: skip
# A cell starting so is a formula to a spreadsheet (CSV injection); numbers are kept.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def demo_data() -> Path:
    return Path(str(resources.files("corpus") / "demo"))


def parse_import(settings: Settings, kind: str, path: Path) -> ParsedFile:
    """Read and validate a file without writing anything (also the portal's preview)."""
    max_bytes = int(settings.imports.max_file_mb * 1_000_000)
    if kind == "organisations":
        return read_members(path, geocoder(settings), max_bytes)
    if kind == "collaborations":
        return read_collaborations(path, max_bytes)
    if kind == "companies-house":
        return read_companies_house(path, geocoder(settings), max_bytes)
    if kind == "innovate-uk":
        return read_innovate_uk(path, geocoder(settings), max_bytes)
    raise ValueError(f"unknown import kind {kind!r}; one of {', '.join(IMPORT_KINDS)}")


def import_file(
    settings: Settings,
    kind: str,
    path: Path,
    actor: str,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file in one transaction; the members file's values are authoritative."""
    parsed = parse_import(settings, kind, path)
    with open_store(settings) as store:
        return apply_parsed_file(
            store, parsed, actor, overwrite=kind == "organisations", progress=progress
        )


def build_demo(
    settings: Settings,
    reset: bool = False,
    progress: Progress | None = None,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Build the demo workspace from the bundled sample data (idempotent)."""
    if reset and settings.workspace.exists():
        shutil.rmtree(settings.workspace)
    settings.workspace.mkdir(parents=True, exist_ok=True)
    marker = settings.workspace / DEMO_MARKER
    marker.touch()  # removed only when every step below has finished
    data = demo_data()
    reports = {}
    for kind, path in (
        ("organisations", data / "gtr_network" / "organisations.csv"),
        ("collaborations", data / "gtr_network" / "collaborations.csv"),
    ):
        if on_step:
            on_step(f"importing {path.name}")
        reports[kind] = import_file(settings, kind, path, "demo", progress).to_dict()
    if on_step:
        on_step("indexing documents")
    documents = knowledge.import_documents(
        settings, [data / "documents"], "demo", progress
    ).to_dict()
    if on_step:
        on_step("building clusters")
    built = build_clusters(settings, "demo")
    marker.unlink()
    return {
        "imports": reports,
        "documents": documents,
        "clusters": built,
        "stats": stats(settings),
    }


DEMO_MARKER = ".demo-building"


def workspace_is_built(settings: Settings) -> bool:
    """Whether the workspace has organisations and no demo build was cut short
    (an interrupted `demo` leaves its marker, so the next one finishes the job)."""
    if not settings.database_path.is_file():
        return False
    if (settings.workspace / DEMO_MARKER).exists():
        return False
    with open_store(settings) as store:
        return bool(store.stats()["organisations"])


def stats(settings: Settings) -> dict[str, Any]:
    with open_store(settings) as store:
        return store.stats()


def search_organisations(
    settings: Settings,
    text: str = "",
    kind: str | None = None,
    region: str | None = None,
    limit: int = 50,
    viewer: Viewer = OPERATOR,
) -> list[dict[str, Any]]:
    """Full-text search with filters; private fields only for viewers who may see them."""
    if len(text) > 500:
        raise StoreError("search text is too long (at most 500 characters)")
    with open_store(settings) as store:
        found = store.search_organisations(text, kind=kind, region=region, limit=limit)
    return [visible(viewer, o) for o in found]


def organisation_profile(
    settings: Settings, organisation_id: str, viewer: Viewer = OPERATOR
) -> dict[str, Any]:
    """An organisation with its collaborators and clusters as viewer may see it;
    its change history only for those who may read the audit log."""
    with open_store(settings) as store:
        organisation = store.organisation(organisation_id)
        if organisation is None:
            raise StoreError(f"no organisation with id {organisation_id!r}")
        history = (
            store.audit_entries(record_id=organisation_id, limit=20)
            if can(viewer, "audit_log")
            else []
        )
        return {
            "organisation": visible(viewer, organisation),
            "collaborators": store.collaborators(organisation_id),
            "clusters": cluster_store.organisation_clusters(store, organisation_id),
            "history": history,
        }


def regions(settings: Settings) -> list[str]:
    with open_store(settings) as store:
        return store.regions()


def member_locations(settings: Settings) -> list[dict[str, Any]]:
    """Name and coordinates of every organisation with a known location."""
    with open_store(settings) as store:
        return store.locations()


def documents(settings: Settings) -> list[dict[str, Any]]:
    with open_store(settings) as store:
        return store.documents()


def export_row(
    organisation: dict[str, Any], columns: tuple[str, ...] = EXPORT_COLUMNS
) -> dict[str, Any]:
    """A record in the members-CSV layout; importing the row recreates the record.
    Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    row = {c: organisation.get(c) for c in columns}
    for column in ("sectors", "sic_codes", "tags"):
        row[column] = ";".join(organisation.get(column) or [])
    row["rdi_active"] = "true" if organisation.get("rdi_active") else "false"
    if organisation.get("postcode") and organisation.get("location_precision") in (
        "postcode",
        "district",
    ):
        row["lat"] = row["lon"] = None  # re-geocoded from the postcode on import
    return {
        column: "'" + value
        if isinstance(value, str) and value.startswith(FORMULA_STARTS)
        else value
        for column, value in row.items()
    }


def export_organisations(
    settings: Settings, target: Path | IO[str], include_private: bool = False
) -> int:
    """Write the directory as a members CSV to a file or text stream (with
    include_private also contact_email and notes); returns the number written."""
    columns = (*EXPORT_COLUMNS, *PRIVATE_FIELDS) if include_private else EXPORT_COLUMNS
    count = 0
    with ExitStack() as stack:
        store = stack.enter_context(open_store(settings))
        if isinstance(target, Path):
            target.parent.mkdir(parents=True, exist_ok=True)
            target = stack.enter_context(target.open("w", newline="", encoding="utf-8"))
        writer = csv.DictWriter(target, fieldnames=columns)
        writer.writeheader()
        for organisation in store.all_organisations():
            writer.writerow(export_row(organisation, columns))
            count += 1
    return count


# -- clusters ------------------------------------------------------------------------


def cluster_params(settings: Settings) -> ClusterParams:
    c = settings.clustering
    return ClusterParams(
        min_size=c.min_cluster_size,
        distance_km=c.distance_km,
        concentration=c.concentration,
        significance=c.significance,
        colocated_km=c.colocated_km,
        colocated_share=c.colocated_share,
        specialised_share=c.specialised_share,
        specialised_lq=c.specialised_lq,
        collaboration_partners=c.collaboration_partners,
        min_internal_links=c.min_internal_links,
        resolution=c.resolution,
        random_state=c.random_state,
    )


def primary_sector(sectors: list[str], sic_codes: list[str]) -> str | None:
    """An organisation's sector: its first listed sector, else its first SIC code's
    section."""
    if sectors:
        return sectors[0]
    for code in sic_codes:
        if section := section_of(code):
            return section
    return None


def build_clusters(
    settings: Settings, actor: str, on_step: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Find the clusters in the directory and replace the stored ones, keeping the
    ids (and notes) of clusters whose members barely changed."""
    with open_store(settings) as store:
        sites = cluster_store.organisation_sites(store)
        links = cluster_store.collaboration_links(store)
        previous = cluster_store.memberships(store)
    result, note = cluster_sites(settings, sites, links, previous, on_step)
    ids = sites["id"].to_numpy()
    rows = [_cluster_row(cluster, ids) for cluster in result.clusters]
    details = {
        "by_type": result.counts_by_type(),
        "candidates": result.candidates,
        "duplicates": result.duplicates,
        "rejected": result.rejected,
        "baseline": note,
    }
    if on_step:
        on_step("indexing cluster and organisation profiles")
    changes = knowledge.refresh_profiles(  # the clusters and their profiles at once
        settings,
        lambda store: cluster_store.replace_clusters(store, rows, actor, details),
    )
    if on_step:
        on_step("learning the matching weights from the network")
    learned = matching.learn_weights(settings, actor)
    return {
        "clusters": len(rows),
        **details,
        **changes,
        "rdi_active": int(sites["rdi_active"].sum()),
        "modularity": round(result.partition_modularity, 4),
        "matching": learned,
    }


def cluster_sites(
    settings: Settings,
    sites: Any,
    links: Any,
    previous: dict[str, list[str]] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> tuple[Any, str]:
    """The clustering run on the store's frames (also what benchmarks call), and
    which baseline the location quotients used."""
    sites["sector"] = [
        primary_sector(s, c)
        for s, c in zip(sites["sectors"], sites["sic_codes"], strict=True)
    ]
    baseline, note = _baseline(settings, sites)
    result = find_clusters(
        sites,
        links,
        cluster_params(settings),
        places=load_local_authorities().reset_index(),
        baseline=baseline,
        previous=previous,
        progress=on_step,
    )
    return result, note


def _baseline(settings: Settings, sites: Any) -> tuple[Any, str]:
    """National SIC-section counts when configured and they cover the sectors."""
    if settings.clustering.baseline == "directory":
        return None, "the whole directory"
    counts = national_section_counts(settings.clustering.baseline_table)
    sectors = sites.loc[sites["rdi_active"], "sector"].dropna()
    if sectors.empty or not sectors.isin(counts.index).mean() >= 0.5:
        raise SettingsError(
            "clustering.baseline is 'national', but most organisations' sectors are not "
            "SIC sections, so national counts cannot be compared with them; use the "
            "'directory' baseline"
        )
    return counts, "national counts per SIC section"


def _cluster_row(cluster: Cluster, ids: Any) -> dict[str, Any]:
    members = ids[cluster.members]
    return {
        "id": cluster.id,
        "name": cluster.name,
        "type": cluster.type,
        "method": ", ".join(cluster.methods),
        "size": len(members),
        "lat": cluster.profile["centre"]["lat"],
        "lon": cluster.profile["centre"]["lon"],
        "profile": cluster.profile,
        "summary": cluster.summary,
        "members": [
            (str(oid), round(float(c), 4))
            for oid, c in zip(members, cluster.centrality, strict=True)
        ],
    }


def clusters(
    settings: Settings, cluster_type: str | None = None
) -> list[dict[str, Any]]:
    """Stored clusters, largest first, each with its profile and member names."""
    if cluster_type is not None and cluster_type not in CLUSTER_TYPES:
        raise StoreError(
            f"unknown cluster type {cluster_type!r}; one of {', '.join(CLUSTER_TYPES)}"
        )
    with open_store(settings) as store:
        return cluster_store.cluster_list(store, cluster_type)


def cluster_summary(row: dict[str, Any]) -> dict[str, Any]:
    """A stored cluster in the published JSON shape."""
    profile = row["profile"]
    return {
        "id": row["id"],
        "name": row["name"],
        "type": row["type"],
        "criteria": profile.get("criteria", {}),
        "members": row["members"],
        "sectors": [
            {"name": s["name"], "share": s["share"], "lq": s["lq"]}
            for s in profile.get("sectors", [])
        ],
        "lat": row["lat"],
        "lon": row["lon"],
        "summary": row["summary"],
    }
