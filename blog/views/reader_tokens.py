"""A reader's own form tokens, for pages that a caching proxy shares between readers."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..pagecache import new_form_stamp, new_form_token
from ..signing import csrf_token

bp = Blueprint("reader_tokens", __name__)


@bp.get("/reader/tokens")
def tokens():
    """This reader's CSRF token (starting their session), a fresh form token and serving stamp; never cached."""
    response = jsonify(csrf_token=csrf_token(), form_token=new_form_token(), started=new_form_stamp())
    response.headers["Cache-Control"] = "private, no-store"
    return response
