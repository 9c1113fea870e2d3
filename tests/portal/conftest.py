"""Portal fixtures: the app under AppTest on a workspace, signed in as any role."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from portal import accounts
from portal.settings import Settings
from portal.ui import SESSION_TOKEN, get_settings

APP = str(Path(__file__).parents[2] / "portal" / "app.py")
PASSWORD = "correct horse battery staple"

Open = Callable[..., AppTest]


@pytest.fixture
def open_app(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Open]:
    """open_app(settings)(role=None, organisation_id=None, page=None): the app on
    settings' workspace, signed in with a new account of that role (None: the
    public), run once, on page (a views/ file) if given."""

    def on(settings: Settings) -> Open:
        monkeypatch.setenv("CLUSTER_PORTAL_WORKSPACE", str(settings.workspace))
        get_settings.clear()

        def start(
            role: str | None = None,
            organisation_id: str | None = None,
            page: str | None = None,
            username: str | None = None,
        ) -> AppTest:
            at = AppTest.from_file(APP, default_timeout=120)
            if role:
                name = username or f"{role}-user"
                known = {u["username"] for u in accounts.users(settings)}
                if name not in known:
                    accounts.add_user(settings, name, PASSWORD, role, organisation_id)
                _, token = accounts.sign_in(settings, name, PASSWORD)
                at.session_state[SESSION_TOKEN] = token
            at.run()
            if page:
                at.switch_page(page).run()
            return at

        return start

    return on
