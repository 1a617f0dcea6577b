"""CSRF: every state change (every route that is not GET) refuses a request without a valid token."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from blog.extensions import db
from blog.models import Ban
from tests.security.conftest import db_snapshot, fill
from tests.security.test_authorization_matrix import MATRIX, form_for

# State changes that are deliberately exempt from CSRF, each with what authorizes it instead.
EXEMPT = {
    ("POST", "/notifications/unsubscribe/<token>"):
        "RFC 8058 one-click unsubscribe from a mail client: authorized by the signed token in the URL alone",
    ("POST", "/language"):
        "the interface language alone (a cookie of the reader's): no token, so that it works from a page shared "
        "without one (a proxy's copy) or opened before the session ended",
}
STATE_CHANGES = sorted(key for key in MATRIX if key[0] not in ("GET", "HEAD", "OPTIONS") and key not in EXEMPT)


def test_only_the_listed_routes_are_exempt(app):
    """Flask-WTF's exemptions are exactly EXEMPT (a new @csrf.exempt must be listed there, with its reason)."""
    from blog.extensions import csrf

    exempt_endpoints = {name for name in csrf._exempt_views}
    exempt_endpoints |= {bp for bp in csrf._exempt_blueprints}
    listed = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        name = f"{view.__module__}.{view.__name__}"
        if name in exempt_endpoints or rule.endpoint.split(".")[0] in exempt_endpoints:
            listed |= {(m, rule.rule) for m in rule.methods - {"GET", "HEAD", "OPTIONS"}}
    assert listed == set(EXEMPT)


def test_an_exempt_route_still_refuses_a_forged_token(app, world):
    """Exempt from CSRF, not from authorization: a URL token that is not ours is refused and changes nothing."""
    before = db_snapshot(app)
    for method, route in EXEMPT:
        response = app.test_client().open(fill(route, world), method=method)
        assert response.status_code == 400
    assert db_snapshot(app) == before


def test_there_are_state_changes_to_check():
    assert len(STATE_CHANGES) >= 10


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_every_state_change_without_a_token_is_refused_and_changes_nothing(app, world, role_clients, role):
    """Anonymous and admin (who may do everything): no token, a forged one, one from another session. Someone
    not logged in at a staff action is sent to the login form instead (a staff member whose session ended)."""
    client = role_clients[role]
    other_token = role_clients["moderator"].csrf_token()
    before = db_snapshot(app)
    for method, route in STATE_CHANGES:
        url = fill(route, world)
        to_login = role == "anonymous" and url.split("/")[1] in ("admin", "desk", "moderation")
        for token in (None, "forged", other_token):
            response = client.open(method, url, data=form_for(route, token))
            expected = 401 if to_login else 400
            assert response.status_code == expected, f"{role} {method} {url} token={token!r}: {response.status_code}"
            # The CSRF page, or for the comment form the form itself with the text kept (blog/pagecache.py).
            assert ("دخول المشرفين" if to_login else "لم نتمكن من التحقق من النموذج") in response.get_data(as_text=True)
        # A JSON call made with the session cookie is held to the same rule.
        response = client.open(method, url, json=form_for(route, None))
        assert response.status_code == (401 if to_login else 400), f"{role} JSON {method} {url}"
    assert db_snapshot(app) == before


def test_the_token_is_also_accepted_in_a_header_for_scripts(app, world, role_clients):
    """The X-CSRFToken header (for progressive JS) is the other way to carry it: with it the change happens."""
    client = role_clients["admin"]
    token = client.csrf_token()
    response = client.open("POST", "/moderation/bans", data=form_for("/moderation/bans", None),
                           headers={"X-CSRFToken": token})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Ban).where(Ban.email == "spammer@example.org")) is not None
