"""What this browser remembers about its reader, without an account: own comments, reader id, details."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, request, session
from itsdangerous import BadSignature, URLSafeSerializer

from ..security import signed_in
from ..signing import serializer

OWN_COMMENTS_KEY = "own_comments"
READER_COOKIE = "majlis_reader"
READER_SESSION_KEY = "reader_id"
DETAILS_COOKIE = "majlis_details"
_READER_SALT = "majlis-reader-id"
_DETAILS_SALT = "majlis-remembered-details"


def own_comment_ids() -> list[int]:
    """Ids of the comments posted from this browser (kept in the signed session)."""
    ids = session.get(OWN_COMMENTS_KEY, [])
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def remember_own_comment(comment_id: int) -> None:
    """Add a comment to this browser's own comments (the last 50).

    A reader's session then outlives the browser (PERMANENT_SESSION_LIFETIME): their comment still shows as
    awaiting moderation, and may still be edited or withdrawn, after the browser is closed and opened again. A
    staff member's session keeps its own lifetime."""
    session[OWN_COMMENTS_KEY] = [*own_comment_ids()[-49:], comment_id]
    if not signed_in():
        session.permanent = True


def _signer(salt: str) -> URLSafeSerializer:
    return serializer(current_app.config["SECRET_KEY"], salt)


def reader_id(create: bool = False) -> str | None:
    """This browser's reader id: from its signed cookie, else from the session, else made for this session.

    A new id is derived from the session's secret CSRF token, which every accepted POST carries: replayed or
    simultaneous requests of one session, with or without the cookie, are always the same reader.
    """
    raw = request.cookies.get(READER_COOKIE)
    ident = None
    if raw:
        try:
            ident = _signer(_READER_SALT).loads(raw)
        except BadSignature:
            ident = None
    if not isinstance(ident, str) or len(ident) != 32:
        ident = session.get(READER_SESSION_KEY)
    if not isinstance(ident, str) or len(ident) != 32:
        if not create:
            return None
        seed = session.get("csrf_token")
        key = current_app.config["SECRET_KEY"]
        key = key if isinstance(key, bytes) else str(key).encode()
        ident = (
            hmac.new(key, f"reader:{seed}".encode(), hashlib.sha256).hexdigest()[:32]
            if isinstance(seed, str) and seed else secrets.token_hex(16)
        )
    if session.get(READER_SESSION_KEY) != ident and create:
        session[READER_SESSION_KEY] = ident
    return ident


def set_reader_cookie(response, ident: str) -> None:
    """Keep the reader id for two years in a signed, HttpOnly cookie."""
    response.set_cookie(
        READER_COOKIE, _signer(_READER_SALT).dumps(ident), max_age=730 * 24 * 3600,
        httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def remembered_details() -> tuple[str, str] | None:
    """The name and e-mail this browser asked us to remember, or None."""
    raw = request.cookies.get(DETAILS_COOKIE)
    if not raw:
        return None
    try:
        data = _signer(_DETAILS_SALT).loads(raw)
    except BadSignature:
        return None
    if not (isinstance(data, list) and len(data) == 2 and all(isinstance(v, str) for v in data)):
        return None
    return data[0], data[1]


def store_details(response, name: str, email: str, remember: bool) -> None:
    """Remember name and e-mail in a signed, HttpOnly cookie when the box was ticked, else forget them."""
    if remember:
        response.set_cookie(
            DETAILS_COOKIE, _signer(_DETAILS_SALT).dumps([name, email]),
            max_age=current_app.config["REMEMBER_DETAILS_DAYS"] * 24 * 3600,
            httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    elif DETAILS_COOKIE in request.cookies:
        response.delete_cookie(DETAILS_COOKIE, samesite="Lax")


def private(response):
    """A page made for this browser only (its own details or comments): no shared cache may keep it."""
    response.headers["Cache-Control"] = "private, no-store"
    return response
