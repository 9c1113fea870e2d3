"""The Streamlit portal, page by page, with AppTest on a real (fixture) workspace."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from portal import services
from portal.settings import Settings
from portal.ui import get_settings

APP = str(Path(__file__).parents[2] / "portal" / "app.py")


@pytest.fixture
def workspace(
    settings: Settings, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    services.import_file(settings, "organisations",
                         data_dir / "gtr_organisations.csv", "test")  # fmt: skip
    services.import_file(settings, "collaborations",
                         data_dir / "gtr_collaborations.csv", "test")  # fmt: skip
    monkeypatch.setenv("CLUSTER_PORTAL_WORKSPACE", str(settings.workspace))
    get_settings.clear()
    return settings


def test_home_shows_the_network_at_a_glance(workspace: Settings) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert [m.value for m in at.metric][:1] == ["54"]
    assert any("2 without" in c.value for c in at.caption)


def test_empty_workspace_explains_how_to_fill_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLUSTER_PORTAL_WORKSPACE", str(settings.workspace))
    get_settings.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "cluster-portal demo" in at.info[0].value


def test_organisations_search_and_profile(workspace: Settings) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("views/organisations.py").run()
    assert not at.exception
    at.text_input[0].input("strathclyde")
    at.button[0].click().run()
    assert not at.exception
    assert [h.value for h in at.header] == ["University of Strathclyde"]
    assert at.query_params["org"] == "university-of-strathclyde"
    assert any(s.value.startswith("Collaborators (") for s in at.subheader)


def test_profile_escapes_markup_in_names(workspace: Settings, tmp_path: Path) -> None:
    members = tmp_path / "m.csv"
    members.write_text('name,postcode\n"<script>alert(1)</script> **Bold** Ltd",EH1\n')
    services.import_file(workspace, "organisations", members, "test")
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("views/organisations.py").run()
    at.text_input[0].input("bold")
    at.button[0].click().run()
    assert not at.exception
    header = at.header[0].value
    assert "\\<script\\>" in header and "\\*\\*Bold\\*\\*" in header


def test_search_with_no_match_says_so(workspace: Settings) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("views/organisations.py").run()
    at.text_input[0].input("zzzz-no-such-thing")
    at.button[0].click().run()
    assert not at.exception
    assert "No organisations match" in at.warning[0].value
