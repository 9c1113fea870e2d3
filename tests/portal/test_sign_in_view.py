"""The sign-in page: a wrong password is refused without saying which part was
wrong, a right one signs in (the navigation grows), and signing out ends the session."""

from __future__ import annotations

from portal import accounts
from portal.settings import Settings
from portal.ui import SESSION_TOKEN
from tests.portal.conftest import PASSWORD


def _sign_in(at, username: str, password: str):  # type: ignore[no-untyped-def]
    fields = {t.label: t for t in at.text_input}
    fields["Username"].input(username)
    fields["Password"].input(password)
    next(b for b in at.button if b.label == "Sign in").click().run()
    return at


def test_sign_in_and_out(demo: Settings, open_app) -> None:
    accounts.add_user(demo, "olive", PASSWORD, "official")
    at = open_app(demo)(None, page="views/sign_in.py")
    _sign_in(at, "olive", "not the password")
    assert not at.exception
    assert [e.value for e in at.error] == ["wrong username or password"]
    assert SESSION_TOKEN not in at.session_state
    _sign_in(at, "olive", PASSWORD)
    assert not at.exception
    token = at.session_state[SESSION_TOKEN]
    assert accounts.viewer_for(demo, token).role == "official"
    at.switch_page("views/ask.py").run()  # now offered
    assert not at.exception and not at.warning
    at.switch_page("views/sign_in.py").run()
    assert any("olive" in m.value for m in at.markdown)
    next(b for b in at.button if b.label == "Sign out").click().run()
    assert SESSION_TOKEN not in at.session_state
    assert not accounts.viewer_for(demo, token).signed_in


def test_repeated_failures_lock_the_account(demo: Settings, open_app) -> None:
    accounts.add_user(demo, "olive", PASSWORD, "official")
    at = open_app(demo)(None, page="views/sign_in.py")
    for _ in range(demo.auth.max_failed_logins):
        _sign_in(at, "olive", "guess")
    _sign_in(at, "olive", PASSWORD)
    assert "locked" in at.error[0].value
    assert SESSION_TOKEN not in at.session_state
