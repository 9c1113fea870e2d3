"""Accounts and sign-in, for the CLI's `user` commands and the portal's sign-in page."""

from __future__ import annotations

from typing import Any

from directory import accounts as account_store
from directory.store import StoreError
from portal.access import PUBLIC, Viewer, require
from portal.settings import Settings
from portal.workspace import open_store

MAX_CREDENTIAL_CHARS = 1024


def add_user(
    settings: Settings,
    username: str,
    password: str,
    role: str,
    organisation_id: str | None = None,
    actor: Viewer | None = None,
) -> dict[str, Any]:
    """Create an account. From the portal, actor must be a facilitator; the CLI
    (someone at the server with the workspace) passes None."""
    if actor is not None:
        require(actor, "user_admin")
    with open_store(settings) as store:
        account = account_store.add_account(
            store, username, password, role, organisation_id,
            actor.actor if actor else "cli",
        )  # fmt: skip
    return {
        "username": account.username,
        "role": account.role,
        "organisation_id": account.organisation_id,
    }


def users(settings: Settings, actor: Viewer | None = None) -> list[dict[str, Any]]:
    if actor is not None:
        require(actor, "user_admin")
    with open_store(settings) as store:
        return account_store.accounts(store)


def remove_user(settings: Settings, username: str, actor: Viewer | None = None) -> None:
    if actor is not None:
        require(actor, "user_admin")
        if actor.username == username:
            raise StoreError("you cannot remove your own account while signed in")
    with open_store(settings) as store:
        account_store.remove_account(store, username, actor.actor if actor else "cli")


def set_password(
    settings: Settings, username: str, password: str, actor: Viewer | None = None
) -> None:
    if actor is not None:
        require(actor, "user_admin")
    with open_store(settings) as store:
        account_store.set_password(
            store, username, password, actor.actor if actor else "cli"
        )


def sign_in(settings: Settings, username: str, password: str) -> tuple[Viewer, str]:
    """The signed-in viewer and the session token to keep; SignInError otherwise."""
    if len(username) > MAX_CREDENTIAL_CHARS or len(password) > MAX_CREDENTIAL_CHARS:
        raise account_store.SignInError("wrong username or password")
    with open_store(settings) as store:
        account, token = account_store.sign_in(
            store,
            username.strip(),
            password,
            settings.auth.max_failed_logins,
            settings.auth.session_minutes,
        )
    return Viewer(account.role, account.username, account.organisation_id), token


def viewer_for(settings: Settings, token: str | None) -> Viewer:
    """Who holds this session token: the account's current role, read from the
    store each time (never from the browser), or the public."""
    if not token or not settings.database_path.is_file():
        return PUBLIC
    with open_store(settings) as store:
        account = account_store.session_account(store, token)
    if account is None:
        return PUBLIC
    return Viewer(account.role, account.username, account.organisation_id)


def sign_out(settings: Settings, token: str) -> None:
    with open_store(settings) as store:
        account_store.sign_out(store, token)
