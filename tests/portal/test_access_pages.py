"""Each role is offered only its pages, and a page run directly (as a crafted URL
would) refuses a role that may not use it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from portal import accounts
from portal.settings import Settings
from portal.ui import SESSION_TOKEN
from tests.portal.conftest import PASSWORD

VIEWS = Path(__file__).parents[2] / "portal" / "views"
ORG = "university-of-strathclyde"
OFFERED = {
    None: {"home", "clusters", "organisations", "sign_in"},
    "member": {"home", "clusters", "organisations", "collaborators", "ask",
               "documents", "my_organisation", "sign_in"},
    "official": {"home", "clusters", "organisations", "collaborators", "ask",
                 "documents", "sign_in"},
    "facilitator": {"home", "clusters", "organisations", "collaborators", "ask",
                    "documents", "curate", "import_data", "review", "audit",
                    "users", "sign_in"},
}  # fmt: skip
ALL_VIEWS = sorted(p.stem for p in VIEWS.glob("*.py"))


@pytest.mark.parametrize("role", list(OFFERED))
def test_navigation_offers_each_role_its_pages_only(
    demo: Settings, open_app, role: str | None
) -> None:
    at = open_app(demo)(role, ORG if role == "member" else None)
    assert not at.exception
    for view in ALL_VIEWS:
        if view in OFFERED[role]:
            continue
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"views/{view}.py")


def _run_view_directly(settings: Settings, view: str, token: str | None) -> AppTest:
    at = AppTest.from_file(str(VIEWS / f"{view}.py"), default_timeout=120)
    if token:
        at.session_state[SESSION_TOKEN] = token
    return at.run()


@pytest.mark.parametrize("role", ["member", "official"])
def test_views_refuse_a_role_even_when_run_directly(
    demo: Settings, open_app, role: str
) -> None:
    open_app(demo)  # points the portal at the workspace
    accounts.add_user(
        demo, "someone", PASSWORD, role, ORG if role == "member" else None
    )
    _, token = accounts.sign_in(demo, "someone", PASSWORD)
    for view in sorted(set(ALL_VIEWS) - OFFERED[role]):
        at = _run_view_directly(demo, view, token)
        assert not at.exception, view
        assert any("may not use this page" in w.value for w in at.warning), view
    for view in sorted(set(ALL_VIEWS) - OFFERED[None]):
        at = _run_view_directly(demo, view, None)
        assert any("sign in" in w.value for w in at.warning), view


def test_an_expired_or_forged_token_is_the_public(demo: Settings, open_app) -> None:
    open_app(demo)
    at = _run_view_directly(demo, "audit", "forged-token")
    assert any("sign in" in w.value for w in at.warning)
    assert SESSION_TOKEN not in at.session_state
