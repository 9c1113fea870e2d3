"""Shared fixtures: small real data in tests/data, fresh stores and workspaces."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus.geocoding import Geocoder
from directory.store import DirectoryStore
from portal.settings import Settings, load_settings

DATA = Path(__file__).parent / "data"
DEMO_DOCUMENTS = Path(__file__).parents[1] / "corpus" / "demo" / "documents"
MAX_BYTES = 10_000_000


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def geocoder() -> Geocoder:
    """The shipped default: postcode districts and local authorities."""
    return Geocoder.load()


@pytest.fixture
def store() -> Iterator[DirectoryStore]:
    """An empty in-memory directory, migrated."""
    with DirectoryStore() as fresh:
        yield fresh


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on an empty workspace in a temp folder, untouched by the real env."""
    for name in list(__import__("os").environ):
        if name.startswith("CLUSTER_PORTAL_"):
            monkeypatch.delenv(name)
    return load_settings(workspace=tmp_path / "workspace")


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace (organisations, collaborations, documents, clusters,
    matching weights), built once per test session; copy it before changing it."""
    from portal import services

    workspace = tmp_path_factory.mktemp("demo") / "workspace"
    services.build_demo(load_settings(workspace=workspace))
    return workspace


@pytest.fixture
def demo(demo_workspace: Path, settings: Settings) -> Settings:
    """A private copy of the built demo workspace."""
    shutil.copytree(demo_workspace, settings.workspace)
    return settings


@pytest.fixture(scope="session")
def demo_documents_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding the five demo documents, indexed once per session."""
    from portal import knowledge

    workspace = tmp_path_factory.mktemp("docs") / "workspace"
    report = knowledge.import_documents(
        load_settings(workspace=workspace), [DEMO_DOCUMENTS], "t"
    )
    assert len(report.added) == 5 and not report.refused
    return workspace


@pytest.fixture
def docs(demo_documents_workspace: Path, settings: Settings) -> Settings:
    """A private copy of the workspace holding the five demo documents."""
    shutil.copytree(demo_documents_workspace, settings.workspace)
    return settings
