"""Fuzzing fixtures: two small workspaces shared by every case of the session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from portal.settings import Settings
from tests.fuzz.properties import small_workspace


def _built(folder: Path, documents: bool) -> Settings:
    """The workspace, its settings untouched by CLUSTER_PORTAL_* variables."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("CLUSTER_PORTAL_"):
                patch.delenv(name)
        return small_workspace(folder, documents)


@pytest.fixture(scope="session")
def imports_workspace(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The 54-organisation sample, for importing into (it grows as cases import)."""
    return _built(tmp_path_factory.mktemp("fuzz-imports"), documents=False)


@pytest.fixture(scope="session")
def indexed_workspace(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The sample with a document indexed and clusters, profiles and weights built."""
    return _built(tmp_path_factory.mktemp("fuzz-indexed"), documents=True)
