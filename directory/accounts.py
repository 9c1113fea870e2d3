"""Sign-in accounts and sessions: argon2-hashed passwords, throttling after repeated
failures, and sessions that expire. Only a hash of a session token is stored."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from directory.schema import ROLES
from directory.store import DirectoryStore, StoreError, now

_HASHER = PasswordHasher()
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
LOCK_MINUTES = 15
# A hash to verify against when the username is unknown, so both cases take as long.
_DUMMY_HASH = _HASHER.hash("not a real password")


class SignInError(StoreError):
    """Sign-in refused; the message never says whether the username exists."""


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    organisation_id: str | None


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _account(row: dict) -> Account:
    return Account(row["username"], row["role"], row["organisation_id"])


def check_new_account(username: str, password: str, role: str) -> None:
    if not _USERNAME.match(username):
        raise StoreError(
            "a username is 2-64 letters, digits or . _ @ + -, starting with a "
            "letter or digit"
        )
    if role not in ROLES:
        raise StoreError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StoreError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def add_account(
    store: DirectoryStore,
    username: str,
    password: str,
    role: str,
    organisation_id: str | None,
    actor: str,
) -> Account:
    """Create an account (a member must belong to an organisation)."""
    check_new_account(username, password, role)
    if role == "member" and not organisation_id:
        raise StoreError("a member account needs --organisation (its organisation id)")
    if organisation_id and not store.organisation_ids_exist(organisation_id):
        raise StoreError(f"no organisation with id {organisation_id!r}")
    if store.query("SELECT 1 FROM accounts WHERE username = ?", [username]):
        raise StoreError(f"there is already an account called {username!r}")
    row = {
        "username": username,
        "password_hash": _HASHER.hash(password),
        "role": role,
        "organisation_id": organisation_id,
        "created_at": now(),
    }
    with store.transaction():
        store.db.table("accounts").insert(row)
        store.audit(
            actor, "create", "account", username, None,
            {"role": role, "organisation_id": organisation_id},
        )  # fmt: skip
    return Account(username, role, organisation_id)


def set_password(
    store: DirectoryStore, username: str, password: str, actor: str
) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StoreError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    with store.transaction():
        cursor = store.db.execute(
            "UPDATE accounts SET password_hash = ?, failed_logins = 0,"
            " locked_until = NULL WHERE username = ?",
            [_HASHER.hash(password), username],
        )
        if cursor.rowcount != 1:
            raise StoreError(f"no account called {username!r}")
        store.db.execute("DELETE FROM sessions WHERE username = ?", [username])
        store.audit(actor, "set-password", "account", username)


def remove_account(store: DirectoryStore, username: str, actor: str) -> None:
    with store.transaction():
        cursor = store.db.execute("DELETE FROM accounts WHERE username = ?", [username])
        if cursor.rowcount != 1:
            raise StoreError(f"no account called {username!r}")
        store.audit(actor, "delete", "account", username)


def accounts(store: DirectoryStore) -> list[dict]:
    """Every account without its password hash."""
    return store.query(
        "SELECT username, role, organisation_id, failed_logins, locked_until,"
        " created_at FROM accounts ORDER BY username"
    )


def sign_in(
    store: DirectoryStore,
    username: str,
    password: str,
    max_failed: int,
    session_minutes: int,
    at: datetime | None = None,
) -> tuple[Account, str]:
    """Check the password and open a session; returns the account and the session
    token. After max_failed failures in a row the account is locked for a while."""
    at = at or datetime.now(UTC)
    rows = store.query("SELECT * FROM accounts WHERE username = ?", [username])
    refused = SignInError("wrong username or password")
    if not rows:
        _verify(_DUMMY_HASH, password)
        raise refused
    row = rows[0]
    if row["locked_until"] and datetime.fromisoformat(row["locked_until"]) > at:
        raise SignInError(
            "too many failed sign-ins: this account is locked for a while; "
            "try again later or ask a facilitator"
        )
    if not _verify(row["password_hash"], password):
        failed = row["failed_logins"] + 1
        locked = (
            (at + timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds")
            if failed >= max_failed
            else None
        )
        with store.transaction():
            store.db.execute(
                "UPDATE accounts SET failed_logins = ?, locked_until = ?"
                " WHERE username = ?",
                [0 if locked else failed, locked, username],
            )
            if locked:
                store.audit("system", "lock", "account", username,
                            details={"failed_sign_ins": failed})  # fmt: skip
        raise refused
    token = secrets.token_urlsafe(32)
    expires = at + timedelta(minutes=session_minutes)
    with store.transaction():
        store.db.execute(
            "UPDATE accounts SET failed_logins = 0, locked_until = NULL"
            " WHERE username = ?",
            [username],
        )
        store.db.execute("DELETE FROM sessions WHERE expires_at < ?", [at.isoformat()])
        store.db.table("sessions").insert(
            {
                "token_hash": _hash_token(token),
                "username": username,
                "created_at": at.isoformat(timespec="seconds"),
                "expires_at": expires.isoformat(timespec="seconds"),
            }
        )
    return _account(row), token


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def session_account(
    store: DirectoryStore, token: str | None, at: datetime | None = None
) -> Account | None:
    """The account a live session token belongs to; None when unknown or expired."""
    if not token:
        return None
    at = at or datetime.now(UTC)
    rows = store.query(
        "SELECT a.username, a.role, a.organisation_id, s.expires_at FROM sessions s"
        " JOIN accounts a USING (username) WHERE s.token_hash = ?",
        [_hash_token(token)],
    )
    if not rows or datetime.fromisoformat(rows[0]["expires_at"]) <= at:
        return None
    return _account(rows[0])


def sign_out(store: DirectoryStore, token: str) -> None:
    with store.transaction():
        store.db.execute(
            "DELETE FROM sessions WHERE token_hash = ?", [_hash_token(token)]
        )
