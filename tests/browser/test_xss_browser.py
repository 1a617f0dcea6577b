"""XSS: every payload of xss_payloads.txt through every field a person types into, rendered in Chromium.

Each field is one line of FIELDS: a name and a function that stores the payloads through that field (the
real form where one exists) and returns the pages, with the role that views them, where they show up.
While Chromium renders those pages nothing may open a dialog, log a console error (a CSP violation is one),
throw, or request another host; and the DOM holds no event-handler attribute, no foreign script, no
javascript: link and no frame. To add a field (moderator notes, search, article forms ...): write its
plant function below and add its line to FIELDS.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import delete, select, update

from blog.extensions import db
from blog.models import Article, ArticleStatus, Comment, CommentStatus, Role, ScreeningTerm, utcnow
from blog.services.screening import bump_terms_version, forget_screener
from tests.conftest import PASSWORD, csrf_token, make_user
from tests.security.conftest import world  # noqa: F401  (demo content and sample route arguments)

pytestmark = pytest.mark.browser

PAYLOADS = [
    line for line in (Path(__file__).parents[1].joinpath("security", "xss_payloads.txt").read_text(encoding="utf-8").splitlines())
    if line.strip() and not line.startswith("## ")
]


def test_the_corpus_is_large_and_varied():
    assert len(PAYLOADS) >= 200
    joined = "\n".join(PAYLOADS).lower()
    for kind in ("<script", "onerror=", "<svg", "javascript:", "&#", "%3c", "\u202e", "\u2066", "data:text/html"):
        assert kind in joined, kind


# --- plant functions: store the payloads through one field, return [(role, path)] to look at -------------

def _post_comments(site) -> int:
    """Each payload as a reader's name (cut to the 80 characters the form takes) and comment, via the form."""
    client = site.app.test_client()
    token = csrf_token(client.get(f"/articles/{site.slug}").get_data(as_text=True))
    accepted = 0
    for i, payload in enumerate(PAYLOADS):
        response = client.post(f"/articles/{site.slug}/comments", data={
            "author_name": payload[:80], "author_email": f"xss{i}@example.org", "body": payload, "csrf_token": token,
        })
        accepted += response.status_code == 303
    return accepted


def _publish_all(site) -> None:
    """Publish every stored comment at once, with the thread and article counters recounted as the app does."""
    from blog import pagecache
    from blog.services.comments import refresh_counters

    with site.app.app_context():
        db.session.execute(update(Comment).values(status=CommentStatus.PUBLISHED))
        db.session.commit()
        article = db.session.scalar(select(Article).where(Article.slug == site.slug))
        refresh_counters(article.id)
        pagecache.invalidate_article(pagecache.ALL_ARTICLES)


def plant_comment_name_and_body(site):
    assert _post_comments(site) >= 200
    pending = [("moderator", "/moderation/")]
    _publish_all(site)
    # Escaped, not dropped: what people typed is what readers read.
    html = site.app.test_client().get(f"/articles/{site.slug}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)</script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    return pending + [("anonymous", f"/articles/{site.slug}")]


def plant_article_fields(site):
    """No editor form exists yet: articles are stored as an editor's form would store them."""
    with site.app.app_context():
        for i, payload in enumerate(PAYLOADS):
            db.session.add(Article(
                title=payload[:300], slug=f"xss-{i}", lead=payload, body=f"{payload}\n\n{payload}", source=payload[:200],
                status=ArticleStatus.PUBLISHED, published_at=utcnow(),
            ))
        db.session.add(Article(
            title=" ".join(PAYLOADS[:10])[:300], slug="xss-all", lead=" ".join(PAYLOADS), body="\n\n".join(PAYLOADS),
            source=" ".join(PAYLOADS)[:200], status=ArticleStatus.PUBLISHED, published_at=utcnow(),
        ))
        db.session.commit()
    return [("anonymous", "/"), ("anonymous", "/articles/xss-all"), ("anonymous", "/articles/xss-0"),
            ("anonymous", "/articles/xss-15")]


def plant_term_text(site):
    client = site.admin
    token = csrf_token(client.get("/admin/terms").get_data(as_text=True))
    accepted = 0
    for payload in PAYLOADS:
        response = client.post("/admin/terms", data={"text": payload[:120], "rule": "spam", "severity": "hold",
                                                     "lang": "en", "csrf_token": token})
        accepted += response.status_code == 303
    assert accepted >= 200
    return [("admin", "/admin/terms")]


def plant_admin_search(site):
    """The admin's term filter echoes what was typed back into the page."""
    return [("admin", "/admin/terms?q=" + quote(payload[:120])) for payload in PAYLOADS[::9]]


def plant_ban_reason(site):
    """Moderators type a reason for each ban; the bans page lists them."""
    client = site.admin
    token = csrf_token(client.get("/moderation/bans").get_data(as_text=True))
    accepted = 0
    for i, payload in enumerate(PAYLOADS):
        response = client.post("/moderation/bans", data={"email": f"ban{i}@example.org", "duration": "7",
                                                         "reason": payload, "csrf_token": token})
        accepted += response.status_code == 303
    assert accepted >= 200
    return [("moderator", "/moderation/bans")]


def plant_reader_search(site):
    """The public search echoes the reader's query back into the page."""
    page = site.app.test_client().get("/search?q=" + quote("<script>alert(1)</script>")).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    return [("anonymous", "/search?q=" + quote(payload[:200])) for payload in PAYLOADS[::9]]


def _batches(size: int) -> list[str]:
    return ["\n".join(PAYLOADS[i:i + size]) for i in range(0, len(PAYLOADS), size)]


def plant_desk_article_form(site):
    """Editors type every article field into the desk's real form (admins may write too)."""
    client = site.admin
    token = csrf_token(client.get("/desk/articles/new").get_data(as_text=True))
    ids = []
    for batch in _batches(8):
        first = batch.splitlines()[0]
        response = client.post("/desk/articles/new", data={
            "title": first[:300], "lead": batch[:1000], "body": batch, "source": first[:200], "category": first[:80],
            "tags": first[:60], "status": "published", "comments_open": "y", "csrf_token": token,
        })
        assert response.status_code == 303, response.status_code
        ids.append(int(response.headers["Location"].split("/")[-2]))
    with site.app.app_context():
        slugs = [db.session.get(Article, i).slug for i in ids]
    return ([("anonymous", "/"), ("admin", "/desk/")] + [("anonymous", f"/articles/{slug}") for slug in slugs[::6]]
            + [("admin", f"/desk/articles/{i}/edit") for i in ids[::8]])


def plant_moderator_notes(site):
    """Moderators type a note when they reject; the audit view and the comment's page show it."""
    client = site.app.test_client()
    token = csrf_token(client.get(f"/articles/{site.slug}").get_data(as_text=True))
    for i, _batch in enumerate(_batches(5)):
        client.post(f"/articles/{site.slug}/comments", data={
            "author_name": "قارئ", "author_email": f"note{i}@example.org", "body": f"تعليق للملاحظة {i}",
            "csrf_token": token})
    with site.app.app_context():
        pending = db.session.scalars(select(Comment.id).where(Comment.status == CommentStatus.PENDING)
                                     .order_by(Comment.id)).all()
    admin_token = csrf_token(site.admin.get("/moderation/").get_data(as_text=True))
    noted = 0
    for comment_id, batch in zip(pending, _batches(5)):
        response = site.admin.post(f"/moderation/comments/{comment_id}/reject",
                                   data={"rule": "insult", "note": batch[:1000], "csrf_token": admin_token})
        noted += response.status_code in (200, 303)
    assert noted >= 40
    audit = site.admin.get("/moderation/audit").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in audit  # the notes are on the page, escaped
    return [("moderator", "/moderation/audit")] + [("moderator", f"/moderation/comments/{c}") for c in pending[::10]]


FIELDS = [
    ("commenter name and comment", plant_comment_name_and_body),
    ("reader search", plant_reader_search),
    ("desk article form", plant_desk_article_form),
    ("moderator notes", plant_moderator_notes),
    ("article title, lead, body, source", plant_article_fields),
    ("screening term", plant_term_text),
    ("admin term search", plant_admin_search),
    ("ban reason", plant_ban_reason),
]

# --- the browser side ----------------------------------------------------------------------------------

DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) bad.push('handler ' + el.tagName + ' ' + attr.name);
      if (/^\\s*(javascript|vbscript|data):/i.test(attr.value) && /^(href|src|action|formaction|xlink:href|data)$/i.test(attr.name))
        bad.push('url ' + el.tagName + ' ' + attr.name);
    }
  }
  for (const s of document.scripts) if (!s.src || new URL(s.src).origin !== location.origin) bad.push('script');
  for (const tag of ['iframe', 'object', 'embed', 'frame', 'base', 'svg', 'math', 'img', 'video', 'audio', 'meta[http-equiv]', 'style', 'link:not([rel=stylesheet]):not([rel=icon]):not([rel=canonical]):not([rel=alternate])'])
    if (document.querySelector(tag)) bad.push('element ' + tag);
  for (const l of document.querySelectorAll('link')) if (new URL(l.href).origin !== location.origin) bad.push('css');
  return bad;
}"""


class Site:
    def __init__(self, app, slug, admin):
        self.app, self.slug, self.admin = app, slug, admin


def login_in_browser(page, base: str, email: str) -> None:
    page.goto(base + "/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.narrow button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("field", [name for name, _plant in FIELDS])
def test_no_payload_runs_in_any_field(app, world, live_server, browser, artifacts, field, request):
    app.config.update(COMMENTS_PER_PAGE=2000, QUEUE_PER_PAGE=2000, ARTICLES_PER_PAGE=2000)
    with app.app_context():
        last_term = db.session.scalar(select(db.func.max(ScreeningTerm.id)))
    from tests.conftest import login

    make_user(app, Role.ADMIN, "xss-admin@example.org")
    make_user(app, Role.MODERATOR, "xss-mod@example.org")
    admin = app.test_client()
    assert login(admin, "xss-admin@example.org").status_code == 302
    plant = dict(FIELDS)[field]
    try:
        views = plant(Site(app, world["slug"], admin))
        host = urlsplit(live_server).netloc
        contexts = {}
        problems: list[str] = []
        for role, path in views:
            if role not in contexts:
                context = browser.new_context(locale="ar-MA")
                page = context.new_page()
                page.on("dialog", lambda d: (problems.append(f"dialog {d.message!r}"), d.dismiss()))
                page.on("console", lambda m: m.type == "error" and problems.append(f"console {m.text}"))
                page.on("pageerror", lambda e: problems.append(f"pageerror {e}"))
                page.on("request", lambda r: urlsplit(r.url).netloc != host and problems.append(f"request {r.url}"))
                if role != "anonymous":
                    login_in_browser(page, live_server, f"xss-{'mod' if role == 'moderator' else 'admin'}@example.org")
                contexts[role] = (context, page)
            page = contexts[role][1]
            response = page.goto(live_server + path)
            assert response.status == 200, (role, path, response.status)
            page.mouse.move(100, 200)
            page.keyboard.press("Tab")
            page.wait_for_timeout(50)
            problems += [f"{path}: {item}" for item in page.evaluate(DOM_CHECK)]
        shot = artifacts / f"xss-{re.sub(r'[^a-z]+', '-', field)}-{request.node.callspec.id.split('-')[0]}.png"
        contexts[views[-1][0]][1].screenshot(path=str(shot))
        for context, _page in contexts.values():
            context.close()
        assert not problems, problems[:20]
    finally:
        with app.app_context():  # the term lists are kept between tests: drop what this test added
            if last_term is not None:
                db.session.execute(delete(ScreeningTerm).where(ScreeningTerm.id > last_term))
                bump_terms_version()
                db.session.commit()
        forget_screener()
