"""Command-line tools: `flask --app app users|demo|setup|moderation ...`."""
from __future__ import annotations

import secrets

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from .extensions import db
from .models import Role, User

users_cli = AppGroup("users", help="Staff accounts.")
demo_cli = AppGroup("demo", help="Demo content.")


def create_user(email: str, password: str, role: Role, name: str | None = None) -> User:
    """Create a staff account with a hashed password."""
    from .services.users import create_staff

    return create_staff(email, name or "", role, password)


def _chosen_password(password: str | None) -> str:
    """The password given, or asked for twice; 8 characters at least, as the staff's forms ask."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise click.ClickException("the password needs at least 8 characters")
    if not password.strip():
        raise click.ClickException("the password cannot be spaces alone")
    return password


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.MODERATOR.value, show_default=True)
@click.option("--name", default=None, help="Display name (default: the part before @).")
@click.option("--password", default=None, help="For scripts; prompted when omitted.")
@click.option("--also", "also", multiple=True, type=click.Choice([Role.EDITOR.value, Role.MODERATOR.value]),
              help="An additional role (repeatable): e.g. --role editor --also moderator.")
def users_create(email: str, role: str, name: str | None, password: str | None, also: tuple[str, ...]) -> None:
    """Create a staff account."""
    if db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower())):
        raise click.ClickException(f"{email} already exists")
    user = create_user(email, _chosen_password(password), Role(role), name)
    if also:
        from .services.users import set_extra_roles

        user = set_extra_roles(user.id, {Role(value) for value in also})
    click.echo(f"created {'+'.join(sorted(r.value for r in user.roles))} {user.email}")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password", default=None, help="For scripts; prompted when omitted.")
def users_set_password(email: str, password: str | None) -> None:
    """Set a staff account's password (a forgotten one, the only admin's included); its sessions end."""
    from .services.users import set_password

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account {email}")
    set_password(user.id, _chosen_password(password))
    click.echo(f"password set for {user.email}; its sessions have ended")


@users_cli.command("list")
def users_list() -> None:
    """List staff accounts."""
    for user in db.session.scalars(select(User).order_by(User.id)):
        click.echo(f"{user.id}\t{user.role.value}\t{user.email}\t{'active' if user.active else 'disabled'}")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo articles and comments into an empty database."""
    from .demo import load_demo_content

    click.echo("demo content loaded" if load_demo_content() else "the database has articles already: nothing loaded")


@click.command("setup")
def setup() -> None:
    """Prepare a site: schema, starter term lists, demo content when empty, first admin."""
    import os

    from flask_migrate import upgrade

    from .demo import load_demo_content
    from .services.screening import load_shipped_terms_into_db

    upgrade()
    added, _kept = load_shipped_terms_into_db()
    click.echo(f"screening terms: {added} added")
    if load_demo_content():
        click.echo("demo content loaded")
    if not db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN)):
        email = os.environ.get("ADMIN_EMAIL", "admin@example.org")
        password = os.environ.get("ADMIN_PASSWORD")
        generated = password is None
        if generated:
            password = secrets.token_urlsafe(12)
        create_user(email, password, Role.ADMIN, "admin")
        click.echo(f"first admin: {email}" + (f"  password: {password}  (shown once)" if generated else ""))


def register_cli(app: Flask) -> None:
    """Attach the project's commands to the app."""
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(setup)
    from .moderation_cli import moderation_cli

    app.cli.add_command(moderation_cli)
    from .privacy_cli import privacy_cli

    app.cli.add_command(privacy_cli)
