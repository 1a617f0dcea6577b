"""When the database is unreachable or a form's token is missing: the reader keeps their text and can send again."""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, DisconnectionError, PendingRollbackError, ResourceClosedError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .extensions import db

log = logging.getLogger(__name__)

COMMENT_ENDPOINT = "public.post_comment"
RETRY_AFTER_SECONDS = 5


def _resend_page(reason: str, code: int):
    """The comment form again, with what the reader typed and fresh tokens, no database needed."""
    from .forms import CommentForm

    form = CommentForm()  # bound to the POSTed fields; never validated here
    response = render_template("errors/resend.html", form=form, reason=reason, code=code, action=request.path)
    return response, code


def register_resilience(app: Flask) -> None:
    """Error pages for an unreachable database (503, try again) and a comment sent without a valid token."""

    def database_unavailable(error):
        log.warning("database unavailable: %s: %s", type(error).__name__, str(error).splitlines()[0][:200])
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the pool replaces it on the next checkout
            db.session.remove()
        if request.method == "POST" and request.endpoint == COMMENT_ENDPOINT:
            body, code = _resend_page("unavailable", 503)
        else:
            body, code = render_template("errors/resend.html", form=None, reason="unavailable", code=503), 503
        return body, code, {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}

    # What a lost connection looks like, wherever in the request it is noticed.
    for error_class in (DBAPIError, PoolTimeout, PendingRollbackError, DisconnectionError, ResourceClosedError):
        app.register_error_handler(error_class, database_unavailable)

    @app.teardown_appcontext
    def drop_broken_session(exc):
        """Close the request's session; if its connection died under it, drop the connection instead.

        Runs before Flask-SQLAlchemy's own teardown (registered later, called first), whose rollback on
        a dead connection would otherwise escape as a bare 500 after the 503 page was already made.
        """
        try:
            db.session.remove()
        except (DBAPIError, DisconnectionError) as error:
            log.warning("dropping a broken database connection: %s", type(error).__name__)
            try:
                db.session.registry().invalidate()
            finally:
                db.session.registry.clear()

    previous = app.error_handler_spec[None][CSRFError.code].get(CSRFError)

    def csrf_error(error):
        if request.endpoint == COMMENT_ENDPOINT:
            body, code = _resend_page("token", 400)
            return body, code, {"Cache-Control": "no-store"}
        return previous(error)

    app.register_error_handler(CSRFError, csrf_error)
