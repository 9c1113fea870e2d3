"""Accounts: hashed passwords, throttled sign-in, sessions that expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from directory import accounts
from directory.accounts import SignInError
from directory.store import DirectoryStore, StoreError

PASSWORD = "correct horse battery"


@pytest.fixture
def with_org(store: DirectoryStore) -> DirectoryStore:
    store.insert_organisation(
        {"id": "acme", "name": "Acme", "normalised_name": "acme", "kind": "business"},
        "test", {},
    )  # fmt: skip
    return store


def test_password_is_stored_hashed_and_checked(with_org: DirectoryStore) -> None:
    accounts.add_account(with_org, "ann", PASSWORD, "member", "acme", "test")
    stored = with_org.query("SELECT password_hash FROM accounts")[0]["password_hash"]
    assert PASSWORD not in stored and stored.startswith("$argon2")
    account, token = accounts.sign_in(with_org, "ann", PASSWORD, 5, 60)
    assert (account.role, account.organisation_id) == ("member", "acme")
    assert accounts.session_account(with_org, token) == account
    assert token not in str(with_org.query("SELECT * FROM sessions"))
    assert "password" not in str(with_org.audit_entries())


@pytest.mark.parametrize(
    ("username", "password", "role", "org", "message"),
    [
        ("a", PASSWORD, "official", None, "username"),
        ("ann", "short", "official", None, "at least 10"),
        ("ann", PASSWORD, "admin", None, "unknown role"),
        ("ann", PASSWORD, "member", None, "needs --organisation"),
        ("ann", PASSWORD, "member", "nope", "no organisation"),
    ],
)
def test_bad_accounts_are_refused(
    with_org: DirectoryStore, username: str, password: str, role: str,
    org: str | None, message: str,
) -> None:  # fmt: skip
    with pytest.raises(StoreError, match=message):
        accounts.add_account(with_org, username, password, role, org, "test")
    assert with_org.query("SELECT count(*) n FROM accounts")[0]["n"] == 0


def test_duplicate_username_refused(with_org: DirectoryStore) -> None:
    accounts.add_account(with_org, "ann", PASSWORD, "official", None, "test")
    with pytest.raises(StoreError, match="already an account"):
        accounts.add_account(with_org, "ann", PASSWORD, "facilitator", None, "test")


def test_wrong_password_and_unknown_user_get_the_same_message(
    with_org: DirectoryStore,
) -> None:
    accounts.add_account(with_org, "ann", PASSWORD, "official", None, "test")
    with pytest.raises(SignInError) as wrong:
        accounts.sign_in(with_org, "ann", "not the password", 5, 60)
    with pytest.raises(SignInError) as unknown:
        accounts.sign_in(with_org, "bob", "not the password", 5, 60)
    assert str(wrong.value) == str(unknown.value)


def test_sign_in_is_throttled_after_repeated_failures(with_org: DirectoryStore) -> None:
    accounts.add_account(with_org, "ann", PASSWORD, "official", None, "test")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(3):
        with pytest.raises(SignInError, match="wrong"):
            accounts.sign_in(with_org, "ann", "guess", 3, 60, at=start)
    with pytest.raises(SignInError, match="locked"):  # even the right password
        accounts.sign_in(with_org, "ann", PASSWORD, 3, 60, at=start)
    later = start + timedelta(minutes=accounts.LOCK_MINUTES + 1)
    account, _ = accounts.sign_in(with_org, "ann", PASSWORD, 3, 60, at=later)
    assert account.username == "ann"
    assert [e["action"] for e in with_org.audit_entries("ann")][:1] == ["lock"]


def test_sessions_expire_and_end_on_sign_out(with_org: DirectoryStore) -> None:
    accounts.add_account(with_org, "ann", PASSWORD, "official", None, "test")
    start = datetime.now(UTC)
    _, token = accounts.sign_in(with_org, "ann", PASSWORD, 5, 30, at=start)
    assert accounts.session_account(with_org, token, start + timedelta(minutes=29))
    assert (
        accounts.session_account(with_org, token, start + timedelta(minutes=31)) is None
    )
    assert accounts.session_account(with_org, "forged") is None
    accounts.sign_out(with_org, token)
    assert accounts.session_account(with_org, token) is None


def test_new_password_ends_sessions_and_removed_account_signs_out(
    with_org: DirectoryStore,
) -> None:
    accounts.add_account(with_org, "ann", PASSWORD, "official", None, "test")
    _, token = accounts.sign_in(with_org, "ann", PASSWORD, 5, 60)
    accounts.set_password(with_org, "ann", "another long password", "test")
    assert accounts.session_account(with_org, token) is None
    _, token = accounts.sign_in(with_org, "ann", "another long password", 5, 60)
    accounts.remove_account(with_org, "ann", "test")
    assert accounts.session_account(with_org, token) is None
