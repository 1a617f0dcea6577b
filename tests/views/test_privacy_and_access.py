"""E-mail privacy over every public URL, staff-only routes, Moroccan dates."""
from __future__ import annotations

import re
from html import unescape
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from blog.demo import COMMENTS, load_demo_content
from blog.extensions import db
from blog.models import Article, Category, Comment, Role

STAFF_PREFIXES = ("/moderation", "/admin")
# The desk has its own access tests (tests/views/test_desk_access.py): editors are allowed there.
PRIVATE_PREFIXES = STAFF_PREFIXES + ("/desk",)
MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت", "شتنبر", "أكتوبر", "نونبر", "دجنبر"]


def public_urls(app):
    """Every GET route that is not for staff, with its arguments filled from the demo data."""
    from blog.notifications import unsubscribe_token

    with app.test_request_context("/"):
        slugs = [a.slug for a in db.session.scalars(select(Article))]
        comments = [(c.id, c.article.slug) for c in db.session.scalars(select(Comment))]
        tokens = [unsubscribe_token(ident) for ident, _slug in comments]
        slugs += [c.slug for c in db.session.scalars(select(Category))]
    urls = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(PRIVATE_PREFIXES) or rule.endpoint == "static":
            continue
        if not rule.arguments:
            urls.add(rule.rule)
        elif rule.arguments == {"slug"}:
            urls.update(rule.rule.replace("<slug>", s) for s in slugs)
        elif rule.arguments == {"comment_id"}:
            urls.update(rule.rule.replace("<int:comment_id>", str(ident)) for ident, _slug in comments)
        elif rule.arguments == {"slug", "comment_id"}:
            urls.update(
                rule.rule.replace("<slug>", slug).replace("<int:comment_id>", str(ident)) for ident, slug in comments
            )
        elif rule.arguments == {"token"}:
            urls.update(rule.rule.replace("<token>", token) for token in tokens)
        elif rule.arguments == {"name"}:
            urls.add(rule.rule.replace("<name>", "missing-image.jpg"))
        else:
            raise AssertionError(f"no sample arguments for public route {rule.rule}")
    return sorted(urls)


def test_no_public_page_shows_a_commenters_email(app):
    with app.app_context():
        load_demo_content()
    emails = [email for _name, email, _body, _status in COMMENTS]
    client = app.test_client()
    fetched = 0
    for url in public_urls(app):
        for lang in ("ar", "fr", "en"):
            for page in ("", "&page=2"):
                response = client.get(f"{url}?lang={lang}{page}", follow_redirects=True)
                body = response.get_data(as_text=True) + str(response.headers)
                fetched += 1
                for email in emails:
                    assert email not in body, f"{email} leaked on {url}"
                    assert email.split("@")[0] not in body, f"local part of {email} leaked on {url}"
    assert fetched >= 6
    # The published demo comments themselves are on the page, so the check above looked at real threads.
    page = client.get("/articles/maktabat-al-hay-fes").get_data(as_text=True)
    assert "مبادرة ممتازة" in page


def staff_routes(app):
    with app.app_context():
        ids = [c.id for c in db.session.scalars(select(Comment))]
    comment_id = ids[0] if ids else 1
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(STAFF_PREFIXES):
            url = re.sub(r"<int:\w+>", str(comment_id), rule.rule).replace("<queue>", "pending")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, url


def test_every_staff_route_refuses_anonymous_and_editors(app, staff_client):
    with app.app_context():
        load_demo_content()
    routes = list(staff_routes(app))
    assert len(routes) >= 4
    anonymous = app.test_client()
    editor = staff_client(Role.EDITOR)
    for method, url in routes:
        response = anonymous.open(url, method=method)
        assert response.status_code in (302, 400, 401), (method, url, response.status_code)
        if response.status_code == 302:
            assert "/auth/login" in response.headers["Location"]
        response = editor.open(url, method=method)
        assert response.status_code in (400, 403), (method, url, response.status_code)
    moderator = staff_client(Role.MODERATOR)
    for method, url in routes:
        if url.startswith("/admin"):
            assert moderator.open(url, method=method).status_code in (400, 403), (method, url)
    # And nothing changed: no decision was recorded by those attempts.
    with app.app_context():
        from blog.models import ModerationAction

        assert all(a.actor_id is None for a in db.session.scalars(select(ModerationAction)))


def test_moderators_and_admins_reach_the_queue(app, staff_client):
    for role in (Role.MODERATOR, Role.ADMIN):
        assert staff_client(role).get("/moderation/").status_code == 200


def test_login_answers_the_same_for_unknown_user_and_wrong_password(app, staff_client):
    from tests.conftest import login, make_user

    make_user(app, Role.MODERATOR, "mod@example.org")
    wrong = login(app.test_client(), "mod@example.org", "wrong password")
    unknown = login(app.test_client(), "nobody@example.org", "wrong password")
    assert wrong.status_code == unknown.status_code == 401
    message = "البريد الإلكتروني أو كلمة المرور غير صحيحة."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


@pytest.mark.parametrize("month", range(1, 13))
def test_dates_are_moroccan_arabic(app, month):
    with app.test_request_context("/"):
        app.preprocess_request()
        rendered = app.jinja_env.filters["long_date"](datetime(2024, month, 29, 12, tzinfo=timezone.utc))
    assert rendered == f"29 {MONTHS[month - 1]} 2024"


def test_article_page_date_in_french_when_chosen(app, article):
    html = app.test_client().get(f"/articles/{article['slug']}?lang=fr").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in html
    assert re.search(r"\d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4}", html)


def test_language_switch_is_remembered_in_a_cookie(app, article):
    client = app.test_client()
    response = client.post("/language", data={"lang": "fr"})
    assert response.status_code == 302
    assert '<html lang="fr" dir="ltr">' in client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert client.post("/language", data={"lang": "xx"}).status_code == 400
    assert client.get("/language").status_code == 405
    # From a page opened with ?lang=, the switch goes back to it without that argument, which would outrank it.
    page = f"http://localhost/articles/{article['slug']}?lang=fr&order=newest"
    response = client.post("/language", data={"lang": "en"}, headers={"Referer": page})
    assert response.headers["Location"] == f"http://localhost/articles/{article['slug']}?order=newest"
    assert '<html lang="en" dir="ltr">' in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_language_switch_needs_no_token(app, article):
    """A page shared without a token (a proxy's copy) or opened before the session ended still switches: the
    switch only chooses the interface language, so it asks for no CSRF token (the page gives it none)."""
    client = app.test_client()
    shared = client.get(f"/articles/{article['slug']}", headers={"X-Shared-Cache": "1"}).get_data(as_text=True)
    switch = re.search(r'<form class="inline" method="post" action="/language">(.*?)</form>', shared, re.S).group(1)
    assert "csrf_token" not in switch
    response = app.test_client().post("/language", data={"lang": "fr"})
    assert response.status_code == 302 and "lang=fr" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(("lang", "heading", "message"), [
    ("fr", "Ajoutez votre commentaire", "Cette adresse e-mail n'est pas valide."),
    ("en", "Add your comment", "This e-mail address is not valid."),
    ("ar", "أضف تعليقك", "عنوان البريد الإلكتروني غير صالح."),
])
def test_the_form_speaks_the_readers_language(app, article, lang, heading, message):
    from tests.conftest import csrf_token

    client = app.test_client()
    page = client.get(f"/articles/{article['slug']}?lang={lang}").get_data(as_text=True)
    assert heading in page
    response = client.post(f"/articles/{article['slug']}/comments?lang={lang}", data={
        "csrf_token": csrf_token(page), "author_name": "Nadia", "author_email": "nope", "body": "Texte gardé"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in unescape(html) and "Texte gardé" in html
