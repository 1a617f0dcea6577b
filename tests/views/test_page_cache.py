"""The article page cache: reader isolation, invalidation by signals, shared pages with 304, idempotent forms."""
from __future__ import annotations

import os
from datetime import datetime, timezone
import re
import secrets

import pytest
from flask import current_app
from sqlalchemy import func, select

from blog import pagecache, signals
from blog.extensions import IN_PROCESS_CACHE, db
from blog.models import Article, Comment, CommentStatus, Role
from tests.conftest import csrf_token
from tests.views.conversation_helpers import add_comment

GOOD = {"author_name": "فاطمة", "author_email": "fatima@example.org", "body": "مقال مفيد، شكرا على هذه المعلومات."}
SHARED = {"X-Shared-Cache": "1"}


def form_token(html: str) -> str:
    match = re.search(r'name="form_token" type="hidden" value="([^"]*)"', html) or re.search(
        r'id="form_token" name="form_token" type="hidden" value="([^"]*)"', html
    )
    assert match, "no form token in the page"
    return match.group(1)


def post(client, slug, **fields):
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    data = {**GOOD, "csrf_token": csrf_token(page), "form_token": form_token(page), **fields}
    return client.post(f"/articles/{slug}/comments", data=data)


def comments(app, **where):
    with app.app_context():
        return db.session.scalars(select(Comment).filter_by(**where).order_by(Comment.id)).all()


def publish_comment(app, article_id: int, body: str) -> None:
    """A published comment, stored the way a moderator's approval leaves it, then the signal."""
    from blog.models import utcnow

    with app.app_context():
        comment = Comment(article_id=article_id, author_name="قارئ", author_email="r@example.org", body=body,
                          status=CommentStatus.PUBLISHED, created_at=utcnow(), decided_at=utcnow())
        db.session.add(comment)
        article = db.session.get(Article, article_id)
        article.published_comment_count = Article.published_comment_count + 1
        db.session.commit()
        signals.comment_decided.send(current_app._get_current_object(), comment=comment,
                                     before=CommentStatus.PENDING, after=CommentStatus.PUBLISHED)


def test_second_view_is_a_cache_hit_with_this_readers_own_tokens(app, article):
    first, second = app.test_client(), app.test_client()
    a = first.get(f"/articles/{article['slug']}")
    b = second.get(f"/articles/{article['slug']}")
    assert a.status_code == b.status_code == 200
    assert a.headers["X-Page-Cache"] == "miss" and b.headers["X-Page-Cache"] == "hit"
    html_a, html_b = a.get_data(as_text=True), b.get_data(as_text=True)
    for html in (html_a, html_b):
        assert "__majlis_" not in html  # no cache placeholder left unfilled
        assert "مقال للاختبار عن التعاونيات" in html
    assert csrf_token(html_a) != csrf_token(html_b)
    assert form_token(html_a) and form_token(html_b) and form_token(html_a) != form_token(html_b)
    assert a.headers["Cache-Control"] == "private, no-store"
    # Each reader's token is valid for their own session only: B posting with A's token is refused.
    refused = second.post(f"/articles/{article['slug']}/comments",
                          data={**GOOD, "csrf_token": csrf_token(html_a), "form_token": "x"})
    assert refused.status_code == 400 and comments(app) == []


def test_reader_a_pending_comment_and_token_never_reach_reader_b(app, article):
    reader_a, reader_b = app.test_client(), app.test_client()
    reader_b.get(f"/articles/{article['slug']}")  # B warms the cache first
    secret = "تعليق القارئ أ الذي ينتظر المراجعة"
    assert post(reader_a, article["slug"], body=secret).status_code == 303
    page_a = reader_a.get(f"/articles/{article['slug']}")
    page_b = reader_b.get(f"/articles/{article['slug']}")
    html_a, html_b = page_a.get_data(as_text=True), page_b.get_data(as_text=True)
    assert secret in html_a and "في انتظار المراجعة" in html_a
    assert page_a.headers["Cache-Control"] == "private, no-store"
    assert secret not in html_b and "في انتظار المراجعة" not in html_b
    assert csrf_token(html_a) not in html_b and form_token(html_a) not in html_b
    # A third reader, on the cached page, sees neither.
    html_c = app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert secret not in html_c and csrf_token(html_a) not in html_c


def test_approval_through_the_moderation_route_refreshes_the_cached_page(app, client, article, staff_client):
    assert post(client, article["slug"]).status_code == 303
    before = app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert GOOD["body"] not in before
    moderator = staff_client(Role.MODERATOR)
    queue = moderator.get("/moderation/").get_data(as_text=True)
    comment = comments(app)[0]
    response = moderator.post(f"/moderation/comments/{comment.id}/approve",
                              data={"csrf_token": csrf_token(queue), "version": comment.version})
    assert response.status_code == 303
    after = app.test_client().get(f"/articles/{article['slug']}")
    assert after.headers["X-Page-Cache"] == "miss"
    assert GOOD["body"] in after.get_data(as_text=True) and "تعليق واحد" in after.get_data(as_text=True)
    # Rejecting the published comment takes it off the page again.
    queue = moderator.get("/moderation/").get_data(as_text=True)
    with app.app_context():
        version = db.session.get(Comment, comment.id).version
    rejected = moderator.post(f"/moderation/comments/{comment.id}/reject",
                              data={"csrf_token": csrf_token(queue), "version": version, "rule": "insult"})
    assert rejected.status_code == 303 and comments(app)[0].status is CommentStatus.REJECTED
    assert GOOD["body"] not in app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)


def test_article_changed_signal_drops_the_cached_page(app, article):
    assert app.test_client().get(f"/articles/{article['slug']}").headers["X-Page-Cache"] == "miss"
    with app.app_context():
        item = db.session.get(Article, article["id"])
        item.title = "عنوان جديد بعد التحرير"
        db.session.commit()
        assert "عنوان جديد" not in app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
        signals.article_changed.send(current_app._get_current_object(), article=item)
    response = app.test_client().get(f"/articles/{article['slug']}")
    assert response.headers["X-Page-Cache"] == "miss" and "عنوان جديد بعد التحرير" in response.get_data(as_text=True)


def test_languages_and_comment_pages_are_cached_separately(app, article):
    app.config["COMMENTS_PER_PAGE"] = 2
    for n in range(3):
        publish_comment(app, article["id"], f"التعليق المنشور رقم {n}")
    client = app.test_client()
    arabic = client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    french = client.get(f"/articles/{article['slug']}?lang=fr").get_data(as_text=True)
    second = client.get(f"/articles/{article['slug']}?page=2").get_data(as_text=True)
    assert 'lang="ar"' in arabic and 'lang="fr"' in french
    assert "التعليق المنشور رقم 0" in arabic and "التعليق المنشور رقم 2" not in arabic
    assert "التعليق المنشور رقم 2" in second and "التعليق المنشور رقم 0" not in second


def test_pages_under_another_script_root_or_scheme_are_cached_separately(app, article):
    """The page's links carry the script root, and its canonical and feed links the scheme and host: a page
    cached for one is never given for another, whether Flask or the page front answers."""
    slug = article["slug"]
    for base, root, origin in (("http://localhost", "", "http://localhost"),
                               ("http://localhost/prefix", "/prefix", "http://localhost"),
                               ("https://localhost", "", "https://localhost")):
        for _ in range(2):  # a miss rendered, then a hit through the page front
            response = app.test_client().get(f"/articles/{slug}", base_url=base)
            html = response.get_data(as_text=True)
            assert f'action="{root}/articles/{slug}/comments#respond"' in html, (base, response.headers["X-Page-Cache"])
            assert f'<link rel="canonical" href="{origin}{root}/articles/{slug}">' in html, base
        assert response.headers["X-Page-Cache"] == "hit"


def test_shared_page_has_no_token_and_answers_304_until_a_comment_is_published(app, article):
    client = app.test_client(use_cookies=False)
    first = client.get(f"/articles/{article['slug']}", headers=SHARED)
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert first.headers["Cache-Control"].startswith("public") and "s-maxage=" in first.headers["Cache-Control"]
    assert "Set-Cookie" not in first.headers and first.headers["ETag"] and first.headers["Last-Modified"]
    assert 'name="csrf_token" type="hidden" value=""' in html and form_token(html) == ""
    again = client.get(f"/articles/{article['slug']}", headers={**SHARED, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    publish_comment(app, article["id"], "تعليق منشور جديد")
    changed = client.get(f"/articles/{article['slug']}", headers={**SHARED, "If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "تعليق منشور جديد" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != first.headers["ETag"]
    # A reader with a session never gets the shared page, even through the proxy.
    reader = app.test_client()
    reader.get("/reader/tokens")
    private = reader.get(f"/articles/{article['slug']}", headers=SHARED)
    assert private.headers["Cache-Control"] == "private, no-store" and "ETag" not in private.headers
    assert csrf_token(private.get_data(as_text=True))


def test_reader_tokens_endpoint_lets_a_shared_page_reader_comment(app, article):
    reader = app.test_client()
    reader.get(f"/articles/{article['slug']}", headers=SHARED)
    tokens = reader.get("/reader/tokens")
    assert tokens.headers["Cache-Control"] == "private, no-store" and "Set-Cookie" in tokens.headers
    data = {**GOOD, "csrf_token": tokens.json["csrf_token"], "form_token": tokens.json["form_token"]}
    response = reader.post(f"/articles/{article['slug']}/comments", data=data)
    assert response.status_code == 303 and len(comments(app)) == 1


def test_comment_sent_without_token_comes_back_with_the_text_and_fresh_tokens(app, article):
    reader = app.test_client()
    reader.get(f"/articles/{article['slug']}", headers=SHARED)  # a shared page: no token in it
    response = reader.post(f"/articles/{article['slug']}/comments", data={**GOOD, "form_token": "t-1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and comments(app) == []
    assert GOOD["body"] in html and GOOD["author_name"] in html and GOOD["author_email"] in html
    resent = reader.post(f"/articles/{article['slug']}/comments",
                         data={**GOOD, "csrf_token": csrf_token(html), "form_token": form_token(html)})
    assert resent.status_code == 303 and len(comments(app)) == 1


def test_the_confirm_page_keeps_the_readers_boxes_ticked(app, article):
    """"Remember me" and "e-mail me" come back ticked as the reader left them, and are sent again with the text."""
    app.config["MAIL_SERVER"] = "127.0.0.1"  # the "e-mail me" box shows where mail is set up (nothing is sent here)
    reader = app.test_client()
    reader.get(f"/articles/{article['slug']}", headers=SHARED)
    response = reader.post(f"/articles/{article['slug']}/comments",
                           data={**GOOD, "form_token": "t-2", "remember": "y", "notify": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'<input checked id="remember" name="remember" type="checkbox" value="y">', html), html
    assert re.search(r'<input checked id="notify" name="notify" type="checkbox" value="y">', html)
    assert "maxlength" not in re.search(r"<textarea[^>]*>", html).group(0)  # a pasted text is never cut unseen


def test_a_retried_post_with_the_same_form_token_stores_one_comment(app, client, article):
    page = client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    data = {**GOOD, "csrf_token": csrf_token(page), "form_token": form_token(page)}
    first = client.post(f"/articles/{article['slug']}/comments", data=data)
    retried = client.post(f"/articles/{article['slug']}/comments", data=data)
    assert first.status_code == retried.status_code == 303
    assert first.headers["Location"] == retried.headers["Location"]
    stored = comments(app)
    assert len(stored) == 1 and stored[0].form_key
    # The same form used again for a different text is a new comment.
    other = client.post(f"/articles/{article['slug']}/comments", data={**data, "body": "تعليق ثان مختلف تماما"})
    assert other.status_code == 303 and len(comments(app)) == 2
    with app.app_context():
        from blog.models import ModerationAction

        assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 2


def test_database_unreachable_gives_503_with_the_text_kept(database_urls, tmp_path):
    from blog import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "k", "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": "postgresql://postgres@127.0.0.1:9/unreachable"})
    reader = app.test_client()
    page = reader.get("/articles/any")
    assert page.status_code == 503 and page.headers["Retry-After"]
    token = csrf_token(reader.get("/auth/login").get_data(as_text=True))  # a form the database is not needed for
    response = reader.post("/articles/any/comments", data={**GOOD, "csrf_token": token, "form_token": "t"})
    body = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Cache-Control"] == "no-store"
    assert "أعد المحاولة" in body and GOOD["body"] in body and GOOD["author_email"] in body
    assert 'name="form_token" type="hidden" value="t"' in body


def test_invalidate_article_changes_the_version_token(app):
    with app.test_request_context():
        before = pagecache.article_version("x")
        assert pagecache.article_version("x") == before
        pagecache.invalidate_article("x")
        assert pagecache.article_version("x") != before


def test_invalidation_reaches_another_process_without_redis(app, database_urls):
    """Two apps (two workers) with their own in-process caches share the instance folder's version files."""
    from blog import create_app

    other = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert other.instance_path == app.instance_path and app.config["CACHE_TYPE"] == IN_PROCESS_CACHE
    with other.test_request_context():
        seen = pagecache.article_version("shared-slug")
    with app.test_request_context():
        pagecache.invalidate_article("shared-slug")
    with other.test_request_context():
        assert pagecache.article_version("shared-slug") != seen


def test_remembered_details_stay_with_their_reader(app, article):
    reader_a, reader_b = app.test_client(), app.test_client()
    reader_b.get(f"/articles/{article['slug']}")  # B fills the cache first
    details = {"author_name": "اسم القارئ أ المحفوظ", "author_email": "remembered-a@example.org", "remember": "y"}
    assert post(reader_a, article["slug"], **details).status_code == 303
    page_a = reader_a.get(f"/articles/{article['slug']}")
    assert details["author_email"] in page_a.get_data(as_text=True)
    assert page_a.headers["Cache-Control"] == "private, no-store"
    for client in (reader_b, app.test_client()):
        html = client.get(f"/articles/{article['slug']}").get_data(as_text=True)
        assert details["author_email"] not in html and details["author_name"] not in html


def test_cached_pages_give_each_reader_a_fresh_fill_time_stamp(app, article):
    """The signed serving time of the comment form is per request, never frozen in the cached page."""
    import re
    import time

    from blog.abuse import stamp_age

    app.config["COMMENT_MIN_FILL_SECONDS"] = 1
    stamps = []
    for _ in range(2):
        html = app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
        match = re.search(r'name="started" type="hidden" value="([^"]+)"', html)
        assert match and "placeholder" not in match.group(1)
        stamps.append(match.group(1))
        time.sleep(0.01)
    assert stamps[0] != stamps[1]
    with app.test_request_context("/"):
        assert all(stamp_age(s) is not None and stamp_age(s) < 60 for s in stamps)


def test_kept_comment_fragments_follow_every_change_of_what_they_show(app, article):
    publish_comment(app, article["id"], "نص التعليق الأول كما كتب.")
    [comment] = comments(app, status=CommentStatus.PUBLISHED)
    url = f"/articles/{article['slug']}"

    def shown(query: str = "") -> str:
        page = app.test_client().get(url + query).get_data(as_text=True)
        start = page.index(f'id="comment-{comment.id}"')
        return page[start:page.index("</article>", start)]

    # Each change below is followed by its signal's invalidation: the page is rendered again, and the kept
    # fragment of the comment must not be re-used when what it shows has changed.
    assert "نص التعليق الأول كما كتب." in shown() and 'class="count">0<' in shown()
    with app.app_context():
        db.session.execute(Comment.__table__.update().where(Comment.id == comment.id).values(like_count=3))
        db.session.commit()
        pagecache.invalidate_article(article["slug"])
    assert 'class="count">3<' in shown()  # a count is part of the key
    with app.app_context():
        row = db.session.get(Comment, comment.id)
        row.body = "نص عدله المشرف."
        db.session.commit()
        pagecache.invalidate_article(article["slug"])
    assert "نص عدله المشرف." in shown() and "كما كتب" not in shown()
    assert ">Signaler</a>" in shown("?lang=fr")  # the language is part of the key
    assert ">إبلاغ</a>" in shown()


def test_neighbour_links_follow_a_newly_published_article(app, article):
    url = f"/articles/{article['slug']}"
    before = app.test_client().get(url).get_data(as_text=True)
    with app.app_context():
        from blog.models import ArticleStatus, utcnow

        newer = Article(title="مقال أحدث للتجربة", slug="newer-one", lead="", body="نص", source="",
                        status=ArticleStatus.PUBLISHED, published_at=utcnow())
        db.session.add(newer)
        db.session.commit()
        signals.article_saved.send(current_app._get_current_object(), article=newer)
    after = app.test_client().get(url).get_data(as_text=True)
    assert "مقال أحدث للتجربة" not in before and 'href="/articles/newer-one"' in after


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set (CI sets it)")
def test_versions_in_redis_are_read_together_and_shared_by_app_processes(app, article):
    """With Redis, both version tokens of a page key come in one read; an invalidation through one app
    process gives a new key in another, and the page cached by one is a hit in the other."""
    from blog import create_app

    config = {**app.config, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": os.environ["TEST_REDIS_URL"],
              "CACHE_KEY_PREFIX": f"test-{secrets.token_hex(4)}:"}
    one, two = create_app(config), create_app(config)
    url = f"/articles/{article['slug']}"
    assert one.test_client().get(url).headers["X-Page-Cache"] == "miss"
    assert two.test_client().get(url).headers["X-Page-Cache"] == "hit"
    first_visit = two.test_client(use_cookies=False).get(url)  # answered by the page front, from Redis
    assert first_visit.headers["X-Page-Cache"] == "hit" and "Set-Cookie" in first_visit.headers
    with one.test_request_context():
        versions = pagecache.article_versions(article["slug"], pagecache.ALL_ARTICLES)
        assert versions == [pagecache.article_version(article["slug"]), pagecache.article_version(pagecache.ALL_ARTICLES)]
        pagecache.invalidate_article(article["slug"])
    with two.test_request_context():
        assert pagecache.article_version(article["slug"]) != versions[0]
    assert two.test_client().get(url).headers["X-Page-Cache"] == "miss"


def _form_block(html: str) -> str:
    """The comment form section of a page, its per-reader tokens masked (they are filled for each reader)."""
    start = html.index('<section class="comment-form"')
    block = html[start:html.index("</section>", start)]
    return re.sub(r'(name="(?:csrf_token|form_token|started)" type="hidden" value=")[^"]+"', r'\1…"', block)


def test_kept_comment_form_follows_every_change_of_what_it_shows(app, article):
    """The blank comment form is kept per process: each input of the block must be part of its key."""
    from blog.models import ArticleStatus, utcnow

    with app.app_context():
        other = Article(title="مقال آخر", slug="other-article", lead="", body="نص", source="",
                        status=ArticleStatus.PUBLISHED, published_at=utcnow())
        db.session.add(other)
        db.session.commit()

    def form(slug: str = article["slug"], query: str = "", **request) -> str:
        for name in (slug, "other-article"):
            with app.test_request_context():
                pagecache.invalidate_article(name)  # render the page again: the kept form is what is tested
        return _form_block(app.test_client().get(f"/articles/{slug}{query}", **request).get_data(as_text=True))

    arabic = form()
    assert form() == arabic  # kept, and the same for the next reader (tokens are filled per reader)
    assert "الاسم" in arabic and 'action="/articles/test-article/comments#respond"' in arabic
    french = form(query="?lang=fr")
    assert "Nom" in french and "Envoyer le commentaire" in french and "الاسم" not in french  # the language
    assert 'action="/articles/other-article/comments#respond"' in form("other-article")  # the article
    assert 'action="/prefix/articles/test-article/comments#respond"' in form(base_url="http://localhost/prefix")  # script root
    assert 'name="notify"' not in arabic
    app.config["MAIL_SERVER"] = "smtp.example.org"
    assert 'name="notify"' in form()  # a setting the block reads
    app.config["MAIL_SERVER"] = None
    assert 'name="notify"' not in form()
    app.config["WTF_CSRF_ENABLED"] = False  # the CSRF settings decide the token field
    assert 'name="csrf_token"' not in form()
    app.config.update(WTF_CSRF_ENABLED=True, WTF_CSRF_FIELD_NAME="csrf_renamed")
    assert 'name="csrf_renamed"' in form()
    app.config["WTF_CSRF_FIELD_NAME"] = "csrf_token"
    assert 'name="csrf_token"' in form()


def test_kept_comment_form_never_carries_a_readers_text_errors_or_details(app, article):
    url = f"/articles/{article['slug']}"
    blank = _form_block(app.test_client().get(url).get_data(as_text=True))  # the blank form, now kept
    reader = app.test_client()
    page = reader.get(url).get_data(as_text=True)
    mine = {"author_name": "", "author_email": "typed-by-a@example.org", "body": "نص القارئ أ الذي لم يكتمل"}
    refused = reader.post(f"{url}/comments", data={**GOOD, **mine, "csrf_token": csrf_token(page),
                                                   "form_token": form_token(page)})
    shown = refused.get_data(as_text=True)
    assert refused.status_code == 422  # the form comes back with this reader's text and the error, not the kept one
    assert mine["body"] in shown and mine["author_email"] in shown and "الاسم مطلوب." in shown
    details = {"author_name": "اسم محفوظ للقارئ أ", "author_email": "kept-a@example.org", "remember": "y"}
    assert post(reader, article["slug"], **details).status_code == 303
    assert details["author_email"] in reader.get(url).get_data(as_text=True)  # their own page, rendered for them
    with app.test_request_context():
        pagecache.invalidate_article(article["slug"])
    fresh = app.test_client().get(url).get_data(as_text=True)
    assert _form_block(fresh) == blank
    for private in (mine["body"], mine["author_email"], details["author_email"], details["author_name"], "الاسم مطلوب."):
        assert private not in fresh


def test_comment_form_is_kept_only_when_blank_and_rendered_for_every_reader(app, article):
    """The guard of the kept form: what the blank form made for every reader must show nothing of one."""
    from blog.forms import CommentForm

    with app.test_request_context(f"/articles/{article['slug']}"):
        assert not pagecache._blank_for_every_reader(CommentForm())  # real tokens: this reader's form
        with pagecache._placeholders():
            assert pagecache._blank_for_every_reader(CommentForm())
            named = CommentForm()
            named.author_name.data = "قارئ"
            assert not pagecache._blank_for_every_reader(named)
            refused = CommentForm()
            refused.form_errors.append("refused")
            assert not pagecache._blank_for_every_reader(refused)
            replying = CommentForm()
            replying.parent_id.data = "7"
            assert not pagecache._blank_for_every_reader(replying)


def test_closing_and_reopening_comments_shows_and_hides_the_kept_form(app, article):
    url = f"/articles/{article['slug']}"
    assert 'id="comment-form"' in app.test_client().get(url).get_data(as_text=True)
    for open_, expected in ((False, False), (True, True)):
        with app.app_context():
            db.session.get(Article, article["id"]).comments_open = open_
            db.session.commit()
            pagecache.invalidate_article(article["slug"])
        html = app.test_client().get(url).get_data(as_text=True)
        assert ('id="comment-form"' in html) is expected
        assert ("التعليقات مغلقة على هذا المقال." in html) is not expected


def test_kept_comment_fragments_follow_the_article_the_settings_and_each_readers_reaction(app, article):
    """Open or closed comments, the dislike setting, the script root and this reader's reaction are in the key."""
    publish_comment(app, article["id"], "تعليق يتابع الإعدادات.")
    [comment] = comments(app, status=CommentStatus.PUBLISHED)
    url = f"/articles/{article['slug']}"

    def shown(client=None, **request) -> str:
        with app.test_request_context():
            pagecache.invalidate_article(article["slug"], "renamed-article")  # render again: the kept fragment is tested
        page = (client or app.test_client()).get(url, **request).get_data(as_text=True)
        start = page.index(f'id="comment-{comment.id}"')
        return page[start:page.index("</article>", start)]

    assert 'class="reply-link"' in shown() and 'class="reaction dislike"' in shown()
    with app.app_context():
        db.session.get(Article, article["id"]).comments_open = False
        db.session.commit()
    assert 'class="reply-link"' not in shown()  # closed: no reply link on a kept comment
    with app.app_context():
        db.session.get(Article, article["id"]).comments_open = True
        db.session.commit()
    assert 'class="reply-link"' in shown()
    app.config["REACTIONS_DISLIKE_ENABLED"] = False
    assert 'class="reaction dislike"' not in shown()
    app.config["REACTIONS_DISLIKE_ENABLED"] = True
    assert f'href="/prefix/comments/{comment.id}"' in shown(base_url="http://localhost/prefix")
    assert f'href="/comments/{comment.id}"' in shown()
    for column, value in (("body", "نص ممحو"), ("author_name", "اسم ممحو")):
        with app.app_context():  # changed by a plain UPDATE (an erasure, say): no version bump to tell
            db.session.execute(Comment.__table__.update().where(Comment.id == comment.id).values({column: value}))
            db.session.commit()
        assert value in shown()
    assert "يتابع الإعدادات" not in shown()
    with app.app_context():
        db.session.get(Article, article["id"]).slug = "renamed-article"
        db.session.commit()
    url = "/articles/renamed-article"
    assert f'href="/articles/renamed-article/comments/{comment.id}/reply"' in shown()
    liker = app.test_client()
    token = csrf_token(liker.get(url).get_data(as_text=True))
    assert liker.post(f"/comments/{comment.id}/reaction", data={"value": "like", "csrf_token": token}).status_code == 303
    mine, theirs = shown(liker), shown()
    assert 'aria-pressed="true"' in mine and 'class="count">1<' in mine  # the liker sees their like pressed
    assert 'aria-pressed="true"' not in theirs and 'class="count">1<' in theirs  # another reader does not


def test_kept_comment_fragment_shows_the_edit_link_to_its_author_alone(app, client, article, staff_client):
    url = f"/articles/{article['slug']}"
    assert post(client, article["slug"]).status_code == 303  # held for moderation, then approved
    moderator = staff_client(Role.MODERATOR)
    queue = moderator.get("/moderation/").get_data(as_text=True)
    [comment] = comments(app)
    approved = moderator.post(f"/moderation/comments/{comment.id}/approve",
                              data={"csrf_token": csrf_token(queue), "version": comment.version})
    assert approved.status_code == 303
    edit_link = f'href="/comments/{comment.id}/edit"'
    for reader, expected in ((app.test_client(), False), (client, True), (app.test_client(), False)):
        html = reader.get(url).get_data(as_text=True)
        assert GOOD["body"] in html and (edit_link in html) is expected


def test_kept_blank_form_is_only_given_for_a_page_rendered_for_every_reader(app, article):
    """A form given (a reader's text) is rendered as it is, and a page for one reader gets real tokens."""
    from types import SimpleNamespace

    from flask import render_template_string

    from blog.forms import CommentForm

    block = "{{ comment_form_block(form) }}"
    shown = SimpleNamespace(slug=article["slug"])
    with app.test_request_context(f"/articles/{article['slug']}"):
        with pagecache._placeholders():
            kept = render_template_string(block, article=shown, form=None)
            assert pagecache.CSRF_PLACEHOLDER in kept and render_template_string(block, article=shown, form=None) == kept
            typed = CommentForm()
            typed.body.data = "نص يكتبه قارئ"
            assert "نص يكتبه قارئ" in render_template_string(block, article=shown, form=typed)
        personal = render_template_string(block, article=shown, form=None)
        assert "__majlis_" not in personal and 'name="csrf_token" type="hidden" value="' in personal


def test_kept_shared_forms_follow_the_language_and_never_carry_a_readers_token(app, article):
    """The page's reaction form and report template are kept for the page rendered for every reader only."""
    url = f"/articles/{article['slug']}"

    def shared(client, query: str = "") -> str:
        with app.test_request_context():
            pagecache.invalidate_article(article["slug"])
        html = client.get(url + query).get_data(as_text=True)
        start = html.index('<form id="reaction-form"')
        return html[start:html.index("</template>", start)]

    first, second = app.test_client(), app.test_client()
    arabic, other = shared(first), shared(second)
    assert "ما المخالفة؟" in arabic and "ما المخالفة؟" in other
    tokens = [re.findall(r'name="csrf_token" value="([^"]+)"', block) for block in (arabic, other)]
    assert all(len(found) == 2 and "__majlis_" not in found[0] for found in tokens)
    assert tokens[0][0] == tokens[0][1] != tokens[1][0]  # each reader's own token, filled in
    assert "ما المخالفة؟" not in shared(app.test_client(), "?lang=fr")  # the language is part of the key
    details = {"author_name": "قارئ يتذكر", "author_email": "remembers@example.org", "remember": "y"}
    assert post(first, article["slug"], **details).status_code == 303
    personal = first.get(url).get_data(as_text=True)  # rendered for this reader alone, with their token
    assert personal.count(f'name="csrf_token" value="{csrf_token(personal)}"') >= 1 and "__majlis_" not in personal


def _publish_reply(app, parent_id: int, body: str, name: str = "قارئ يرد") -> int:
    from blog.models import utcnow

    with app.app_context():
        parent = db.session.get(Comment, parent_id)
        reply = Comment(article_id=parent.article_id, parent_id=parent.id, root_id=parent.root_id or parent.id,
                        author_name=name, author_email="reply@example.org", body=body,
                        status=CommentStatus.PUBLISHED, created_at=utcnow(), decided_at=utcnow())
        db.session.add(reply)
        db.session.commit()
        pagecache.invalidate_article(parent.article.slug)
        return reply.id


def test_kept_thread_lists_follow_replies_new_threads_and_the_names_answered(app, article):
    """A page of threads is kept whole: a reply, a reply to a reply (with the name it answers), the answered
    reader renamed while their own reply is hidden, a reply made a thread of its own and a new thread each
    give a new key; each reply stays inside its own thread. Each step renders the page before its change."""
    publish_comment(app, article["id"], "أول تعليق في الصفحة.")
    [root] = comments(app, status=CommentStatus.PUBLISHED)
    url = f"/articles/{article['slug']}"

    def thread(ident: int) -> str:
        page = app.test_client().get(url).get_data(as_text=True)
        [shown] = [part for part in page.split('<li class="thread" id="thread-') if part.startswith(f'{ident}"')]
        return shown

    def update(ident: int, **values) -> None:
        with app.app_context():  # a plain UPDATE: no version bump to tell
            db.session.execute(Comment.__table__.update().where(Comment.id == ident).values(**values))
            db.session.commit()
            pagecache.invalidate_article(article["slug"])

    assert 'class="replies"' not in thread(root.id)
    first = _publish_reply(app, root.id, "رد أول على التعليق.", name="سعاد")
    assert f'id="comment-{first}"' in thread(root.id) and "رد أول على التعليق." in thread(root.id)
    second = _publish_reply(app, first, "رد على الرد.")
    assert "سعاد" in thread(root.id).split(f'id="comment-{second}"')[1]
    update(first, status=CommentStatus.REJECTED.value)  # hidden: only the name it answers is left of it
    assert f'id="comment-{first}"' not in thread(root.id)
    update(first, author_name="سعاد ب.")  # no comment shown has changed, only the name answered
    assert "سعاد ب." in thread(root.id).split(f'id="comment-{second}"')[1]
    third = _publish_reply(app, root.id, "رد مباشر على التعليق الأول.")
    assert f'id="comment-{third}"' in thread(root.id)
    update(third, root_id=None, parent_id=None)  # the same comments in the same order, nested differently
    assert f'id="comment-{third}"' not in thread(root.id) and f'id="comment-{third}"' in thread(third)
    publish_comment(app, article["id"], "تعليق آخر يفتح خيطا جديدا.")
    page = app.test_client().get(url).get_data(as_text=True)
    assert page.count('<li class="thread"') == 3 and "تعليق آخر يفتح خيطا جديدا." in page


def test_kept_thread_lists_of_the_same_rows_in_another_order_are_kept_apart(app, article):
    """Every order of a page of threads reads the same rows when they all fit on it: each shows its own."""
    first = add_comment(app, article["id"], "قارئ", "تعليق أقدم.")
    second = add_comment(app, article["id"], "قارئة", "تعليق أحدث وأكثر إعجابا.", minutes=1, likes=2)
    url = f"/articles/{article['slug']}"

    def roots(order: str) -> list[int]:
        page = app.test_client().get(f"{url}?order={order}").get_data(as_text=True)
        return [int(ident) for ident in re.findall(r'<li class="thread" id="thread-(\d+)"', page)]

    assert roots("oldest") == [first, second]
    assert roots("liked") == [second, first]
    assert roots("newest") == [second, first]


def _shown_after_a_plain_update(app, render, table, **values) -> str:
    """`render()` once (its blocks kept), then again after `values` were written by a plain UPDATE of `table`
    (no version to tell the change)."""
    render()
    with app.app_context():
        db.session.execute(table.update().values(**values))
        db.session.commit()
    return render()


def test_kept_article_block_follows_every_change_of_what_it_shows(app, article):
    """The article's own block is kept by all it shows: each change below, made by a plain UPDATE (no
    version to tell) after a render that kept the block, appears once the page is rendered again, in the
    language and under the script root asked."""
    from blog.models import Category, Tag

    url = f"/articles/{article['slug']}"

    def block(**request) -> str:
        with app.test_request_context():
            pagecache.invalidate_article(article["slug"])
        page = app.test_client().get(url, **request).get_data(as_text=True)
        start = page.index('<article class="article">')
        return page[start:page.index('<section class="comments"', start)]

    def update(table, **values) -> str:
        return _shown_after_a_plain_update(app, block, table, **values)

    table = Article.__table__
    for column, value, shown in (
        ("title", "عنوان جديد للمقال", "عنوان جديد للمقال"), ("lead", "مقدمة أخرى", "مقدمة أخرى"),
        ("body", "نص **آخر** تماما.", "<strong>آخر</strong>"), ("source", "مصدر آخر", "مصدر آخر"),
        ("cover_image", "cover-1.jpg", "cover-1.jpg"), ("published_comment_count", 7, "7 تعليقات"),
    ):
        assert shown in update(table, **{column: value}), column
    with app.app_context():
        category, tag = Category(name="اقتصاد", slug="economy"), Tag(name="تعاونيات", slug="cooperatives")
        found = db.session.get(Article, article["id"])
        found.category, found.tags = category, [tag]
        db.session.commit()
    shown = block()
    assert 'href="/category/economy"' in shown and 'href="/tag/cooperatives"' in shown
    assert ">الاقتصاد</a>" in update(Category.__table__, name="الاقتصاد")
    assert ">التعاونيات</a>" in update(Tag.__table__, name="التعاونيات")
    assert "7 commentaires" in block(query_string={"lang": "fr"}) and "7 تعليقات" in block()
    assert 'href="/prefix/category/economy"' in block(base_url="http://localhost/prefix")


def test_kept_site_header_follows_the_language_and_root_and_is_never_a_staff_members(app, article, staff_client):
    """The header is kept for the page rendered for every reader only: its language switch and links follow
    the language and the script root; it holds no token for a reader (the switch needs none), and a signed-in
    editor gets their own links and token."""
    url = f"/articles/{article['slug']}"

    def header(client=None, **request) -> str:
        with app.test_request_context():
            pagecache.invalidate_article(article["slug"])
        page = (client or app.test_client()).get(url, **request).get_data(as_text=True)
        return page[page.index('<header class="site-header">'):page.index("</header>")]

    arabic, french = header(), header(query_string={"lang": "fr"})
    assert ">Français</button>" in arabic and ">العربية</button>" not in arabic
    assert ">العربية</button>" in french and ">Français</button>" not in french and ">Rechercher</button>" in french
    assert 'action="/prefix/search"' in header(base_url="http://localhost/prefix") and 'action="/search"' in header()
    reader = header(app.test_client())
    assert "csrf_token" not in reader and pagecache.CSRF_PLACEHOLDER not in reader
    editor, other = staff_client(Role.EDITOR), staff_client(Role.EDITOR)
    assert 'href="/desk/"' in header(editor) and 'href="/desk/"' not in header()
    assert csrf_token(header(editor)) != csrf_token(header(other))  # each member's own, never a placeholder
    assert pagecache.CSRF_PLACEHOLDER not in header(editor)


def test_kept_heads_follow_every_change_of_what_they_show(app, article):
    """The page's head is kept in two blocks, each by all it shows: the site-wide links (host, script root,
    locale) and the article's description and sharing cards (each field changed by a plain UPDATE, with no
    version to tell, after a render that kept the block)."""
    from blog.models import Category, Tag

    url = f"/articles/{article['slug']}"

    def head(**request) -> str:
        with app.test_request_context():
            pagecache.invalidate_article(article["slug"])
        page = app.test_client().get(url, **request).get_data(as_text=True)
        return page[page.index("<head>"):page.index("</head>")]

    def update(table, **values) -> str:
        return _shown_after_a_plain_update(app, head, table, **values)

    first = head()
    assert 'href="http://localhost/feed.atom"' in first and '<meta property="og:locale" content="ar_MA">' in first
    assert f'<link rel="canonical" href="http://localhost/articles/{article["slug"]}">' in first
    assert '<meta property="og:locale" content="fr_MA">' in head(query_string={"lang": "fr"})
    assert '<meta property="og:locale" content="en_US">' in head(query_string={"lang": "en"})  # a territory, as Open Graph asks
    other_host = head(base_url="https://majlis.example/prefix")
    assert 'href="https://majlis.example/prefix/feed.atom"' in other_host
    assert 'href="/prefix/static/css/site.css"' in other_host
    assert f'href="https://majlis.example/prefix/articles/{article["slug"]}"' in other_host
    table = Article.__table__
    for column, value, shown in (
        ("title", "عنوان آخر للمقال", '<meta property="og:title" content="عنوان آخر للمقال">'),
        ("lead", "مقدمة جديدة", '<meta name="description" content="مقدمة جديدة">'),
        ("cover_image", "cover-2.jpg", "/uploads/cover-2.jpg"),
        ("published_at", datetime(2024, 4, 29, 10, 0, tzinfo=timezone.utc), 'content="2024-04-29T10:00:00+00:00"'),
    ):
        assert shown in update(table, **{column: value}), column
    with app.app_context():
        found = db.session.get(Article, article["id"])
        found.category, found.tags = Category(name="مجتمع", slug="society"), [Tag(name="شباب", slug="youth")]
        db.session.commit()
    assert '<meta property="article:section" content="مجتمع">' in head()
    assert '<meta property="article:section" content="المجتمع">' in update(Category.__table__, name="المجتمع")
    assert '<meta property="article:tag" content="الشباب">' in update(Tag.__table__, name="الشباب")


def test_kept_comments_heading_and_pager_follow_the_count_the_order_and_the_page(app, article):
    """The comments' heading and pager are kept by what they show: each change of the count, the number of
    threads, the order, the page, the language or the script root gives a new key."""
    url = f"/articles/{article['slug']}"
    app.config["COMMENTS_PER_PAGE"] = 1

    def section(query: str = "", **request) -> str:
        with app.test_request_context():
            pagecache.invalidate_article(article["slug"])
        page = app.test_client().get(url + query, **request).get_data(as_text=True)
        return page[page.index('<section class="comments"'):page.index('<section class="comment-form"')]

    assert 'class="comment-order"' not in section() and 'class="pager' not in section()
    publish_comment(app, article["id"], "التعليق الأول.")
    assert "تعليق واحد" in section() and 'class="comment-order"' not in section()
    publish_comment(app, article["id"], "التعليق الثاني.")
    with app.app_context():  # the counters as the moderation service keeps them
        db.session.execute(Article.__table__.update().values(published_comment_count=3, published_thread_count=2))
        db.session.commit()
    first = section()
    assert "3 تعليقات" in first and 'class="comment-order"' in first
    assert re.search(r'rel="next" class="more" href="/articles/test-article\?after=\d+#comments"', first)
    second = section("?page=2")
    assert 'rel="prev" href="/articles/test-article#comments"' in second and 'rel="next"' not in second
    newest = section("?order=newest")
    assert 'aria-current="true">الأحدث أولا<' in newest and re.search(r"order=newest&amp;after=\d+#comments", newest)
    assert 'aria-current="true">الأقدم أولا<' in first
    assert "3 commentaires" in section("?lang=fr") and ">Autres commentaires<" in section("?lang=fr")
    prefixed = section(base_url="http://localhost/prefix")
    assert re.search(r'href="/prefix/articles/test-article\?after=\d+#comments"', prefixed)
    assert 'href="/prefix/articles/test-article?order=newest#comments"' in prefixed
    with app.app_context():  # one thread left, the count unchanged: no order to choose
        db.session.execute(Article.__table__.update().values(published_thread_count=1))
        db.session.commit()
    assert "3 تعليقات" in section() and 'class="comment-order"' not in section()


def test_a_page_built_from_kept_blocks_is_the_page_rendered_whole(app, article):
    """The same page from an app that keeps its rendered blocks (after they were kept, the article changed
    and a reply published) and from one that keeps none: byte for byte the same, but for each reader's tokens."""
    from blog import create_app

    publish_comment(app, article["id"], "تعليق يبقى كما هو.")
    [root] = comments(app, status=CommentStatus.PUBLISHED)
    url = f"/articles/{article['slug']}"
    app.test_client().get(url)  # every block kept once
    with app.app_context():
        db.session.execute(Article.__table__.update().values(title="عنوان بعد التعديل"))
        db.session.commit()
    _publish_reply(app, root.id, "رد نشر بعد أن حفظت الكتل.")
    bare = create_app({**app.config, "KEPT_BLOCKS": False})

    def masked(client) -> str:
        html = client.get(url).get_data(as_text=True)
        html = re.sub(r'(name="(?:csrf_token|form_token|started)" type="hidden" value=")[^"]+"', r'\1…"', html)
        return re.sub(r'(name="csrf_token" value=")[^"]+"', r'\1…"', html)

    kept_page, bare_page = masked(app.test_client()), masked(bare.test_client())
    assert "عنوان بعد التعديل" in kept_page and "رد نشر بعد أن حفظت الكتل." in kept_page
    assert kept_page == bare_page


class _StatementsSeen:
    """The verb of each statement the app's engine runs, and whether a transaction was open for it."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.seen: list[tuple[str, bool]] = []

    @staticmethod
    def _in_transaction(dbapi_connection) -> bool:
        if hasattr(dbapi_connection, "info"):  # psycopg
            return dbapi_connection.info.transaction_status != dbapi_connection.info.transaction_status.IDLE
        return dbapi_connection.in_transaction  # sqlite3

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append((statement.split()[0].upper(), self._in_transaction(conn.connection.dbapi_connection)))

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "after_cursor_execute", self._after)
        return self.seen

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "after_cursor_execute", self._after)


def test_an_uncached_page_reads_without_a_transaction(app, article, monkeypatch):
    """The article page's statements run outside any transaction: on PostgreSQL no BEGIN and ROLLBACK round
    trips around them. A request that writes still gets its transaction."""
    from blog.services import reads

    publish_comment(app, article["id"], "تعليق يقرأ خارج أي معاملة.")
    driver_reads = []  # the page's reads on the driver's cursor (blog/services/reads.py): no engine event
    real_rows = reads.DriverRead.rows

    def rows(self, params):
        found = real_rows(self, params)
        connection, _, checked_out_here = reads.driver_connection()
        driver_reads.append((checked_out_here, _StatementsSeen._in_transaction(connection)))
        return found

    monkeypatch.setattr(reads.DriverRead, "rows", rows)
    with _StatementsSeen(app) as seen:
        page = app.test_client().get(f"/articles/{article['slug']}")
        assert page.status_code == 200 and "تعليق يقرأ خارج أي معاملة." in page.get_data(as_text=True)
        # The article (on PostgreSQL with the digest of its first page of threads), then its threads' rows: no
        # transaction left open.
        assert driver_reads == [(True, False)] * 2
        assert all(verb in ("SELECT", "WITH") and not open_ for verb, open_ in seen), seen
        seen.clear()
        assert post(app.test_client(), article["slug"]).status_code == 303
        assert any(verb == "INSERT" and open_ for verb, open_ in seen), seen


def test_the_public_pages_that_only_read_run_without_a_transaction(app, article):
    """The front page, listings, search, feeds, sitemap, a page of threads, the reply page and a permalink
    read outside any transaction (no BEGIN and ROLLBACK, and psycopg keeps its prepared statements)."""
    from blog.models import Category

    publish_comment(app, article["id"], "تعليق على صفحات تقرأ فقط.")
    with app.app_context():
        db.session.add(Category(name="اقتصاد", slug="economy"))
        db.session.commit()
        comment_id = db.session.scalars(select(Comment.id)).first()
    slug = article["slug"]
    pages = ["/", "/category/economy", "/search?q=التعاونيات", "/feed.atom", "/category/economy/feed.atom",
             "/sitemap.xml", f"/articles/{slug}/comments?page=1", f"/articles/{slug}/comments/{comment_id}/reply",
             f"/comments/{comment_id}"]
    with _StatementsSeen(app) as seen:
        for path in pages:
            seen.clear()
            fragment = {"X-Majlis-Fragment": "1"} if path.endswith("/comments?page=1") else {}  # as the script asks
            response = app.test_client().get(path, headers=fragment)
            assert response.status_code in (200, 302), (path, response.status_code)
            assert seen and all(not open_ for _, open_ in seen), (path, seen)


def test_an_uncached_sqlite_page_keeps_its_prepared_statements(app, article):
    """On SQLite the page's reads run on the connection as it is: switching its isolation level would run a
    PRAGMA that expires every statement the connection has prepared, so each read would be compiled again."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's connection only")
    publish_comment(app, article["id"], "تعليق على صفحة تقرأ بعباراتها المحضرة.")
    run: list[str] = []

    def trace(dbapi_connection, record, proxy):
        dbapi_connection.set_trace_callback(run.append)

    def untrace(dbapi_connection, record):
        dbapi_connection.set_trace_callback(None)

    event.listen(engine, "checkout", trace)
    event.listen(engine, "checkin", untrace)
    try:
        page = app.test_client().get(f"/articles/{article['slug']}")
    finally:
        event.remove(engine, "checkout", trace)
        event.remove(engine, "checkin", untrace)
    assert page.status_code == 200 and "تعليق على صفحة تقرأ بعباراتها المحضرة." in page.get_data(as_text=True)
    assert any(statement.lstrip().upper().startswith(("SELECT", "WITH")) for statement in run), run
    assert not [statement for statement in run if "PRAGMA" in statement.upper()], run


def test_spliced_blocks_take_their_marks_places_with_their_own_placeholders_filled(app):
    """The page stored from kept blocks' bytes is the page rendered whole: blocks in order, and a placeholder
    inside a block filled like one in the page."""
    from flask import g

    from blog.pagecache import CSRF_PLACEHOLDER, KeptHTML, Tokens, _fill, _split, spliced

    blocks_html = [f"<ol>{CSRF_PLACEHOLDER}|واحد</ol>", "<p>اثنان</p>"]
    with app.test_request_context("/"):
        whole = f"<main>{blocks_html[0]}<hr>{blocks_html[1]}<i>{CSRF_PLACEHOLDER}</i></main>"
        assert spliced(KeptHTML.of(blocks_html[0])) == blocks_html[0]  # outside the cache's render: the HTML
        g._pagecache_blocks = []
        page = f"<main>{spliced(KeptHTML.of(blocks_html[0]))}<hr>{spliced(KeptHTML.of(blocks_html[1]))}" \
               f"<i>{CSRF_PLACEHOLDER}</i></main>"
        parts = _split(page.encode(), g._pagecache_blocks)
    tokens = Tokens(lambda: "TOKEN", lambda: "STAMP", lambda: "KEY")
    assert _fill(parts, tokens) == whole.replace(CSRF_PLACEHOLDER, "TOKEN").encode()
    assert _fill(parts, None) == whole.replace(CSRF_PLACEHOLDER, "").encode()
    assert _fill(_split(whole.encode()), tokens) == _fill(parts, tokens)


def test_a_block_rendered_inside_a_kept_block_is_kept_whole(app):
    """A spliced block met while another block is rendered to be kept goes in as HTML, not as a mark: the
    mark would outlive the render whose page takes the block's bytes."""
    from flask import g
    from jinja2 import ChoiceLoader, DictLoader

    from blog.pagecache import KeptHTML, _render_in, spliced

    loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({"outer.html": "<div>{{ inner_block() }}</div>"}), loader])
    app.jinja_env.globals["inner_block"] = lambda: spliced(KeptHTML.of("<p>داخلي</p>"))
    try:
        with app.test_request_context("/"):
            g._pagecache_blocks = []  # as in the page rendered for the cache
            context = app.jinja_env.from_string("").new_context({})
            assert str(_render_in(context, "outer.html")) == "<div><p>داخلي</p></div>"
            assert g._pagecache_blocks == []
            assert app.jinja_env.get_template("outer.html").render() != "<div><p>داخلي</p></div>"  # the page: a mark
            assert len(g._pagecache_blocks) == 1
    finally:
        app.jinja_env.loader = loader
        del app.jinja_env.globals["inner_block"]


def test_the_in_process_cache_keeps_values_as_given_and_queue_counts_are_replaced(app):
    """Without Redis the cache keeps each value itself (no pickled copy to read back at every hit), so a cached
    value is never changed in place: the queue counts are shifted into a new value."""
    from blog.extensions import cache
    from blog.services import queue

    with app.app_context():
        assert type(pagecache.cache_store(app)).__name__ == "InProcessCache"
        entry = {"parts": [b"<p>", b"x"]}
        cache.set("majlis:test-entry", entry)
        assert cache.get("majlis:test-entry") is entry
        counts = queue.queue_counts()
        before = dict(counts)
        queue.shift_counts({"pending", "all"}, {"approved", "all"})
        assert counts == before  # what was handed out before is unchanged
        after = queue.queue_counts()
        assert after["approved"] == before["approved"] + 1 and after["pending"] == max(0, before["pending"] - 1)
