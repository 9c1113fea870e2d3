"""Settings: defaults < workspace TOML < environment < explicit values."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.settings import SettingsError, load_settings


def test_defaults(settings) -> None:  # type: ignore[no-untyped-def]
    assert settings.llm.provider == "none"
    assert settings.geocoding.postcode_table is None
    assert settings.database_path == settings.workspace / "directory.db"


def test_toml_in_workspace_then_environment_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "cluster-portal.toml").write_text(
        '[llm]\nprovider = "openai"\nmodel = "local-model"\n[retrieval]\ntop_k = 9\n'
    )
    monkeypatch.setenv("CLUSTER_PORTAL_WORKSPACE", str(workspace))
    monkeypatch.setenv("CLUSTER_PORTAL_RETRIEVAL__TOP_K", "3")
    settings = load_settings()
    assert settings.workspace == workspace
    assert settings.llm.provider == "openai"
    assert settings.llm.model == "local-model"
    assert settings.retrieval.top_k == 3  # environment beats the file


def test_explicit_workspace_beats_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLUSTER_PORTAL_WORKSPACE", str(tmp_path / "env"))
    assert load_settings(workspace=tmp_path / "cli").workspace == tmp_path / "cli"


@pytest.mark.parametrize(
    "content, message",
    [
        ("[llm\nprovider=", "not valid TOML"),
        ('[llm]\nprovider = "gpt-9000"\n', "llm.provider"),
        ("[retrieval]\ntop_k = -1\n", "retrieval.top_k"),
        ("[nonsense]\nx = 1\n", "nonsense"),
    ],
)
def test_bad_settings_give_one_readable_error(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "cluster-portal.toml").write_text(content)
    with pytest.raises(SettingsError, match=message):
        load_settings(workspace=tmp_path)
