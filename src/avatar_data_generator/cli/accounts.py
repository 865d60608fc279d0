"""Account commands: users (create, password, admin, sessions, list) and API tokens."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from avatar_data_generator import accounts
from avatar_data_generator.cli.errors import friendly_errors


@click.command("create-user")
@click.argument("username")
@click.option("--password", default=None, help="Prompted for when omitted.")
@click.option("--admin", is_flag=True)
@with_appcontext
@friendly_errors
def create_user_command(username: str, password: str | None, admin: bool) -> None:
    """Create an account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    accounts.create_user(username, password, is_admin=admin)
    click.echo(f"created user {username}")


@click.command("set-password")
@click.argument("username")
@click.option("--password", default=None, help="Prompted for when omitted.")
@with_appcontext
@friendly_errors
def set_password_command(username: str, password: str | None) -> None:
    """Change a user's password (e.g. the first-run admin's); their sessions end."""
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    accounts.set_password(username, password)
    click.echo(f"password changed for {username}; every session of theirs is logged out")


@click.command("end-sessions")
@click.argument("username")
@with_appcontext
@friendly_errors
def end_sessions_command(username: str) -> None:
    """Log a user out everywhere (sessions and remember-me; API tokens stay)."""
    accounts.end_sessions_of(username)
    click.echo(f"every session of {username} is logged out")


@click.command("set-admin")
@click.argument("username")
@click.option("--revoke", is_flag=True, help="Make the user a member again.")
@with_appcontext
@friendly_errors
def set_admin_command(username: str, revoke: bool) -> None:
    """Make a user an admin (or, with --revoke, not; the last admin stays one)."""
    user = accounts.set_admin(accounts.user_id_of(username), not revoke)
    click.echo(f"{user.username} is {'an admin' if user.is_admin else 'a member'}")


@click.command("list-users")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@friendly_errors
def list_users_command(as_json: bool) -> None:
    """Every account: admin or not, created, last login."""
    rows = [
        {
            "username": user.username,
            "is_admin": user.is_admin,
            "created_at": user.created_at.isoformat(),
            "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        }
        for user in accounts.list_users()
    ]
    if as_json:
        click.echo(json.dumps({"users": rows}))
        return
    for row in rows:
        role = "admin" if row["is_admin"] else "member"
        click.echo(f"{row['username']}\t{role}\tlast login {row['last_login_at'] or 'never'}")


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="cli", help="A label for the token.")
@with_appcontext
@friendly_errors
def create_token_command(username: str, name: str) -> None:
    """Issue an API token; it is printed alone on the last line, once."""
    token = accounts.create_token(username, name)
    click.echo(f"token for {username} (store it now; it is not shown again):")
    click.echo(token)


@click.command("revoke-tokens")
@click.argument("username")
@with_appcontext
@friendly_errors
def revoke_tokens_command(username: str) -> None:
    """Revoke every API token of a user."""
    click.echo(f"revoked {accounts.revoke_tokens(username)} token(s)")
