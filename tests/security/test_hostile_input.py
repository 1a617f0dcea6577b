"""Bad input never gives a 500: oversize, NUL, broken encodings, huge fields, surrogates, bidi, odd e-mails,
unknown methods, open redirects; and property-based tests over the comment form and every POST route."""
from __future__ import annotations

import string
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Comment, Role
from tests.conftest import csrf_token, login, make_user
from tests.security.conftest import fill
from tests.security.test_authorization_matrix import MATRIX, form_for

HYPOTHESIS = settings(max_examples=40, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
GOOD = {"author_name": "قارئ", "author_email": "hostile@example.org", "body": "تعليق عادي"}


def comment_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def form_page(client, slug):
    return csrf_token(client.get(f"/articles/{slug}").get_data(as_text=True))


def test_an_oversize_body_gets_a_page_that_explains(app, world):
    client = app.test_client()
    token = form_page(client, world["slug"])
    before = comment_count(app)
    response = client.post(f"/articles/{world['slug']}/comments", data={**GOOD, "body": "ت" * 300_000, "csrf_token": token})
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "أكبر من الحد المسموح به (256 كيلوبايت)" in html and '<html lang="ar" dir="rtl">' in html
    assert comment_count(app) == before


@pytest.mark.parametrize("field", ["author_name", "author_email", "body"])
def test_a_100000_character_field_is_refused_with_a_message(app, world, field):
    client = app.test_client()
    token = form_page(client, world["slug"])
    response = client.post(f"/articles/{world['slug']}/comments", data={**GOOD, field: "x" * 100_000, "csrf_token": token})
    assert response.status_code == 422
    assert "طويل جدا" in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["author_name", "author_email", "body"])
def test_nul_bytes_are_dropped_or_refused(app, world, field):
    client = app.test_client()
    token = form_page(client, world["slug"])
    value = GOOD[field][:3] + "\x00" + GOOD[field][3:]
    response = client.post(f"/articles/{world['slug']}/comments", data={**GOOD, field: value, "csrf_token": token})
    assert response.status_code in (303, 422)
    with app.app_context():
        assert all("\x00" not in (c.author_name + c.author_email + c.body) for c in db.session.scalars(select(Comment)))


RAW_BODIES = [
    b"author_name=%FF%FE%FD&author_email=a%40example.org&body=%C3%28",          # invalid UTF-8
    b"author_name=\xff\xfe&author_email=a@example.org&body=\xc3\x28\xa0\xa1",    # raw invalid bytes
    b"author_name=%ED%A0%80&author_email=a%40example.org&body=%ED%B0%80x",      # lone surrogates (CESU)
    b"author_name=%ZZ&author_email=%&body=%E0%A4%A",                            # broken percent-encoding
    b"author_name=&&&===&body=%%%",
    b"\x00\x00\x00",
]


@pytest.mark.parametrize("raw", RAW_BODIES)
def test_broken_encodings_in_the_form_are_answered(app, world, raw):
    client = app.test_client()
    token = form_page(client, world["slug"])
    response = client.post(f"/articles/{world['slug']}/comments", data=raw + b"&csrf_token=" + token.encode(),
                           content_type="application/x-www-form-urlencoded")
    # 400: a body that is not form encoding at all loses its CSRF token with it (and is told so).
    assert response.status_code in (303, 400, 422), response.status_code
    with app.app_context():
        for comment in db.session.scalars(select(Comment)):
            (comment.author_name + comment.body).encode("utf-8")  # storable text: no lone surrogate survives


@pytest.mark.parametrize("path", [
    "/articles/%ZZ", "/articles/%", "/articles/%ED%A0%80", "/articles/%FF", "/articles/" + "a" * 5000,
    "/?page=%ZZ", "/?page=99999999999999999999999", "/?page=-5", "/?lang=%FF", "/?lang=<script>",
    "/articles/x?page=1e309", "/%00", "/articles/%00", "/static/..%2f..%2fetc%2fpasswd", "/admin/terms?page=%ED%A0%80",
    "/articles/{slug}?after=%00", "/articles/{slug}?after=99999999999999999999999", "/articles/{slug}?before=-1",
    "/articles/{slug}?after=%D9%A1%D9%A2", "/articles/{slug}/comments?before=1e309&order=newest",
    "/articles/{slug}?after=1&before=2&page=3&order=liked",
])
def test_odd_urls_are_answered(app, world, path):
    response = app.test_client().get(path.format(slug=world["slug"]))
    assert response.status_code in (200, 302, 400, 404), (path, response.status_code)


@pytest.mark.parametrize("path", [
    "/moderation/comments/99999999999999999999", "/moderation/comments/2147483648", "/moderation/articles/2147483648",
    "/moderation/?until=9999-12-31", "/moderation/?since=9999-12-31&until=9999-12-31", "/moderation/?article=99999999999",
    "/moderation/audit?until=9999-12-31", "/moderation/audit?since=0001-01-01&until=9999-12-31",
    "/desk/?category=99999999999999999999999", "/desk/?category=2147483648", "/desk/articles/2147483648",
    "/articles/{slug}?after=999999999999999999", "/articles/{slug}?before=2147483648&order=newest",
    "/comments/99999999999999999999", "/comments/2147483648/edit",
])
def test_numbers_past_what_a_column_holds_are_answered(app, world, role_clients, path):
    """Numbers staff can type (a date at the calendar's end, an id past PostgreSQL's INTEGER) find nothing;
    they never fail in the database."""
    response = role_clients["admin"].client.get(path.format(slug=world["slug"]))
    assert response.status_code in (200, 302, 404), (path, response.status_code)


@pytest.mark.parametrize("method", ["BREW", "PROPFIND", "TRACE", "PATCH", "DELETE", "PUT", "X-CUSTOM"])
def test_unknown_methods_are_refused_on_every_route(app, world, method):
    client = app.test_client()
    for _method, route in MATRIX:
        response = client.open(fill(route, world), method=method)
        assert response.status_code in (400, 405, 501), (method, route, response.status_code)


def test_bidi_overrides_are_removed_from_names(app, world):
    client = app.test_client()
    token = form_page(client, world["slug"])
    name = "\u202eعلي\u202c \u2066admin\u2069\u200f"
    assert client.post(f"/articles/{world['slug']}/comments",
                       data={**GOOD, "author_name": name, "csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Comment)).all()[-1].author_name == "علي admin"


@pytest.mark.parametrize(("email", "accepted"), [
    ("a@b", False), ("@example.org", False), ("a@", False), ("a@@example.org", False), ("a b@example.org", False),
    ("a@example..org", False), ("<script>@example.org", False), ("a@example.org\r\nBcc: b@example.org", False),
("x" * 250 + "@example.org", False), ("\u202eevil@example.org", False),
    ("a@[127.0.0.1]", False), ("a@localhost", False),
    ("مستخدم@مثال.المغرب", True), ("用户@例子.广告", True), ("josé@exämple.org", True), ("ok+tag@example.org", True),
    ("user@xn--mgbh0fb.xn--kgbechtv", True),
])
def test_malformed_and_internationalized_emails(app, world, email, accepted):
    client = app.test_client()
    token = form_page(client, world["slug"])
    response = client.post(f"/articles/{world['slug']}/comments", data={**GOOD, "author_email": email, "csrf_token": token})
    assert response.status_code == (303 if accepted else 422), (email, response.status_code)
    if not accepted:
        assert "البريد الإلكتروني" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", [
    "//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
    "/%2F%2Fevil.example", "%2F%2Fevil.example", "/\t/evil.example", " //evil.example",
])
def test_login_never_redirects_off_site(app, target):
    make_user(app, Role.MODERATOR, "next@example.org")
    client = app.test_client()
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    from tests.conftest import PASSWORD

    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": "next@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    # A path of this site: no scheme, no host, nothing a browser would read as one ("//", "\\", tabs).
    assert not parts.scheme and not parts.netloc and location.startswith("/"), location
    assert not location.startswith("//") and "\\" not in location and not any(c in location for c in "\t\n\r "), location


# --- property-based ------------------------------------------------------------------------------------

SPECIAL = st.sampled_from([
    "", " ", "\x00", "\u202e", "\ufeff", "\u200b", "<script>alert(1)</script>", "'; DROP TABLE comments; --",
    "%00", "\r\n", "ـــ", "ﷺ", "😀" * 3, "\U0010ffff", "a" * 81, "ت" * 5001,
])
TEXT = st.one_of(st.text(max_size=200), SPECIAL, st.text(alphabet=string.printable, max_size=50))


@HYPOTHESIS
@given(name=TEXT, email=st.one_of(st.emails(), TEXT), body=TEXT, website=st.one_of(st.just(""), TEXT),
       parent=st.one_of(st.just(""), st.text(max_size=20), st.integers().map(str)))
def test_the_comment_form_never_fails_on_any_text(app, world, name, email, body, website, parent):
    client = app.test_client()
    token = form_page(client, world["slug"])
    before = comment_count(app)
    response = client.post(f"/articles/{world['slug']}/comments", data={
        "author_name": name, "author_email": email, "body": body, "website": website, "parent_id": parent,
        "csrf_token": token,
    })
    assert response.status_code in (303, 403, 422), response.status_code
    assert comment_count(app) == before + (1 if response.status_code in (303, 403) else 0)
    if response.status_code == 422 and body.strip() and "\x00" not in body and len(body) < 1000:
        # What the reader typed comes back (escaped) in the form, its line ends as one character each.
        html = response.get_data(as_text=True)
        from markupsafe import escape

        typed = body.replace("\r\n", "\n").replace("\r", "\n")
        assert str(escape(typed)).strip()[:50] in html.replace("\r\n", "\n")


@HYPOTHESIS
@given(raw=st.binary(max_size=2000))
def test_any_bytes_posted_to_the_comment_form_are_answered(app, world, raw):
    client = app.test_client()
    token = form_page(client, world["slug"])
    response = client.post(f"/articles/{world['slug']}/comments", data=raw + b"&csrf_token=" + token.encode(),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code in (303, 400, 422)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def test_json_sent_to_any_post_route_is_answered(app, world):
    """Every POST route (JSON endpoints included, when they exist) answers arbitrary JSON without a 500."""
    client = app.test_client()
    assert login(client, _admin(app)).status_code == 302
    token = csrf_token(client.get("/").get_data(as_text=True))
    routes = [fill(route, world) for method, route in sorted(MATRIX)
              if method == "POST" and route not in ("/auth/logout", "/auth/logout-everywhere")]

    @HYPOTHESIS
    @given(payload=JSON)
    def answered(payload):
        for url in routes:
            response = client.open(url, method="POST", json=payload, headers={"X-CSRFToken": token})
            assert response.status_code < 500, (url, response.status_code)

    answered()


def _admin(app) -> str:
    email = "json-admin@example.org"
    from blog.models import User

    with app.app_context():
        if db.session.scalar(select(User).where(User.email == email)) is None:
            make_user(app, Role.ADMIN, email)
    return email


def test_nul_and_surrogates_in_every_field_of_every_route_are_answered(app, world):
    """NUL and broken text in one field at a time (the others valid), and in the query string; as an admin,
    who reaches every form, and anonymous (the login form)."""
    from urllib.parse import quote, urlencode

    admin, anonymous = app.test_client(), app.test_client()
    assert login(admin, _admin(app)).status_code == 302
    tokens = {id(c): csrf_token(c.get("/auth/login", follow_redirects=True).get_data(as_text=True))
              for c in (admin, anonymous)}
    checked = 0
    for bad in ("a\x00b", "\x00", "\udc80x"):
        query = "?q=" + quote(bad, errors="surrogatepass") + "&page=" + quote(bad, errors="surrogatepass")
        for method, route in sorted(MATRIX):
            if route in ("/auth/logout", "/auth/logout-everywhere"):
                continue
            client = anonymous if route == "/auth/login" else admin
            fields = form_for(route, None)
            for key in ["?query"] + (list(fields) if method == "POST" else []):
                data = {**fields, "csrf_token": tokens[id(client)]} if method == "POST" else {}
                if key in data:
                    data[key] = data[key][:2] + bad
                response = client.open(fill(route, world) + (query if key == "?query" else ""), method=method,
                                       data=urlencode(data, errors="surrogatepass") if data else None,
                                       content_type="application/x-www-form-urlencoded")
                assert response.status_code < 500, (method, route, key, repr(bad), response.status_code)
                checked += 1
    assert checked >= 60
