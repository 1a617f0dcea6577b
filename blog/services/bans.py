"""Banning authors by e-mail and/or address, and lifting bans."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Ban, User, utcnow
from ..net import banned_network
from .articles import paginate
from .comments import Page
from .errors import InvalidTransition, NotFound


@dataclass(frozen=True, slots=True)
class BanRequest:
    """Who to ban (e-mail, address or both), until when (None: for good) and why."""

    email: str = ""
    address: str = ""
    until: datetime | None = None
    reason: str = ""


def ban(request: BanRequest, actor: User) -> Ban:
    """Record a ban; the screening rejects the banned author's next comments while it lasts."""
    email = request.email.strip().lower()
    # The network the comments keep of their authors' addresses (blog/net.py): a ban on one address holds its
    # /24; a wider network, down to a /16, is kept whole.
    address = banned_network(request.address) if request.address.strip() else ""
    if address is None:
        raise InvalidTransition(f"not an address, or a network too wide to ban: {request.address!r}")
    if not email and not address:
        raise InvalidTransition("a ban needs an e-mail or an address")
    if request.until is not None and request.until <= utcnow():
        raise InvalidTransition("a ban must end in the future")
    row = Ban(email=email or None, address=address or None, until=request.until, reason=request.reason,
              actor_id=actor.id, created_at=utcnow())
    db.session.add(row)
    db.session.commit()
    return row


def lift(ban_id: int, actor: User) -> Ban:
    """Lift a ban now; the lifting moderator is recorded."""
    row = db.session.get(Ban, ban_id)
    if row is None:
        raise NotFound(ban_id)
    if row.lifted_at is not None:
        raise InvalidTransition("already lifted")
    row.lifted_at = utcnow()
    row.lifted_by_id = actor.id
    db.session.commit()
    return row


def bans(page: int, per_page: int, active_only: bool = False) -> Page:
    """One page of the bans, newest first; only those in force when asked."""
    stmt = select(Ban).order_by(Ban.created_at.desc(), Ban.id.desc())
    if active_only:
        stmt = stmt.where(Ban.in_force(utcnow()))
    return paginate(stmt, page, per_page)
