"""`cluster-portal user …`: portal accounts, managed by whoever runs the server."""

from __future__ import annotations

import sys

import click

from portal import accounts
from portal.cli_support import emit_json, reporting_errors, settings_of
from portal.settings import Settings


@click.group(name="user")
def user() -> None:
    """Portal accounts: add, list, remove, set a password."""


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@user.command(name="add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["member", "official", "facilitator"]),
    help="member: edits their own organisation; official: asks and reads; "
    "facilitator: everything.",
)
@click.option("--organisation", help="The member's organisation id.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input."
)
@click.option("--json", "as_json", is_flag=True, help="Print the account as JSON.")
@click.pass_context
@reporting_errors
def add(
    ctx: click.Context,
    name: str,
    role: str,
    organisation: str | None,
    password_stdin: bool,
    as_json: bool,
) -> None:
    """Create an account NAME; asks for its password (stored argon2-hashed)."""
    settings: Settings = settings_of(ctx)
    created = accounts.add_user(
        settings, name, _password(password_stdin), role, organisation
    )
    if as_json:
        emit_json(created)
    else:
        suffix = f" of {organisation}" if organisation else ""
        click.echo(f"Added {role} {name}{suffix}.")


@user.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the accounts as JSON.")
@click.pass_context
@reporting_errors
def list_users(ctx: click.Context, as_json: bool) -> None:
    """List the accounts (never their passwords)."""
    rows = accounts.users(settings_of(ctx))
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        locked = f"  locked until {row['locked_until']}" if row["locked_until"] else ""
        click.echo(
            f"{row['username']:<24} {row['role']:<12} "
            f"{row['organisation_id'] or '-'}{locked}"
        )


@user.command(name="remove")
@click.argument("name")
@click.pass_context
@reporting_errors
def remove(ctx: click.Context, name: str) -> None:
    """Delete an account and end its sessions."""
    accounts.remove_user(settings_of(ctx), name)
    click.echo(f"Removed {name}.")


@user.command(name="password")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input."
)
@click.pass_context
@reporting_errors
def password(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Set an account's password, unlock it and end its sessions."""
    accounts.set_password(settings_of(ctx), name, _password(password_stdin))
    click.echo(f"Password of {name} set.")
