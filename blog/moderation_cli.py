"""`flask moderation ...`: screening terms, screening CSV files, learning and evaluation."""
from __future__ import annotations

import click
from flask.cli import AppGroup

moderation_cli = AppGroup("moderation", help="The screening engine.")


@moderation_cli.command("load-terms")
def load_terms() -> None:
    """Load the project's starter term lists into the database (admins' edits are kept)."""
    from .services.screening import load_shipped_terms_into_db

    added, kept = load_shipped_terms_into_db()
    click.echo(f"{added} terms added, {kept} already present")
