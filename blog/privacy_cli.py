"""`flask privacy export|erase|purge-addresses`: people's data on request, and address retention."""
from __future__ import annotations

import getpass
import json

import click
from flask.cli import AppGroup

from .services import privacy

privacy_cli = AppGroup("privacy", help="Commenters' data: export, erase, address retention.")


def _operator() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli"


@privacy_cli.command("export")
@click.argument("email")
def export(email: str) -> None:
    """Print as JSON everything the site holds about the person with EMAIL."""
    click.echo(json.dumps(privacy.export_person(email, _operator()), ensure_ascii=False, indent=2))


@privacy_cli.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase(email: str, yes: bool) -> None:
    """Anonymize the comments of EMAIL: kept in their threads, without name, e-mail or address."""
    if not yes:
        click.confirm(f"Anonymize every comment written with {email}?", abort=True)
    done = privacy.erase_person(email, _operator())
    click.echo(f"anonymized {done.comments} comment(s); took the address and names out of {done.audit_steps} "
               f"audit step(s) and {done.ban_reasons} ban reason(s); recorded")
    if done.bans_in_force:
        click.echo(f"{done.bans_in_force} ban(s) in force still hold this address (lift them to let it comment)")


@privacy_cli.command("purge-addresses")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Keep addresses this many days (default: ADDRESS_RETENTION_DAYS).")
def purge_addresses(days: int | None) -> None:
    """Erase the stored (shortened) addresses of comments older than the retention period."""
    count = privacy.purge_addresses(days, _operator())
    click.echo(f"purged the address of {count} comment(s); recorded")
