"""The records importers produce and the directory stores."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = (
    "business",
    "university",
    "research organisation",
    "public body",
    "charity",
    "other",
)

# Most to least trustworthy: a point someone gave us beats a postcode, which beats
# the centroid of a postcode district or of a local authority.
LOCATION_PRECISIONS = ("given", "postcode", "district", "local authority", "none")


def precision_rank(precision: str) -> int:
    """Higher is more precise; unknown values rank lowest."""
    order = LOCATION_PRECISIONS[::-1]
    return order.index(precision) if precision in order else 0


@dataclass
class OrganisationRecord:
    """One organisation as a source describes it; empty fields mean 'not said'."""

    name: str
    id: str | None = None
    kind: str | None = None
    company_number: str | None = None
    description: str | None = None
    website: str | None = None
    postcode: str | None = None
    lat: float | None = None
    lon: float | None = None
    location_precision: str = "none"
    lad_code: str | None = None
    region: str | None = None
    country: str | None = None
    sectors: list[str] = field(default_factory=list)
    sic_codes: list[str] = field(default_factory=list)
    employees: int | None = None
    turnover: float | None = None
    rdi_active: bool | None = None
    rdi_evidence: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    line: int | None = None
    # Only update an organisation already in the directory (a row without a name).
    enrich_only: bool = False


@dataclass
class CollaborationRecord:
    """Two organisations (named or by id) that worked together."""

    org_a: str
    org_b: str
    weight: float = 1.0
    project: str | None = None
    topic: str | None = None
    year: int | None = None
    line: int | None = None


@dataclass
class ProjectRecord:
    """A funded project, with its participants' roles."""

    id: str
    title: str | None = None
    description: str | None = None
    competition: str | None = None
    funder: str | None = None
    start_date: str | None = None
    end_date: str | None = None


@dataclass
class ParticipationRecord:
    """One organisation's part in a project; `organisation` is a name or id."""

    project_id: str
    organisation: str
    company_number: str | None = None
    is_lead: bool = False
    grant_offered: float | None = None
    line: int | None = None


@dataclass(frozen=True)
class RowProblem:
    """A row we skipped, and why, in words a facilitator can act on."""

    line: int
    reason: str


@dataclass
class ParsedFile:
    """What an importer read from a file, before the directory applies it."""

    source: str
    rows_read: int = 0
    organisations: list[OrganisationRecord] = field(default_factory=list)
    collaborations: list[CollaborationRecord] = field(default_factory=list)
    projects: list[ProjectRecord] = field(default_factory=list)
    participations: list[ParticipationRecord] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
