"""Replies at each depth, order options, paging, fragments and permalinks through the test client."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from blog.extensions import db
from blog.models import ActionKind, Article, Comment, CommentStatus, ModerationAction, Role
from tests.conftest import csrf_token
from tests.views.conversation_helpers import (
    CLEAN, add_comment, comment_ids_in, post_comment, post_moderation, thread_of,
)


def _stored(app, body):
    with app.app_context():
        return db.session.scalars(select(Comment).where(Comment.body == body)).one()


def test_replies_at_each_depth_show_two_levels_with_a_mention(app, client, article):
    post_moderation(app)
    slug = article["slug"]
    root = add_comment(app, article["id"], "أحمد", "التعليق الأول على المقال.")
    response = post_comment(client, slug, author_name="بشرى", body="رد من المستوى الثاني.", parent_id=str(root))
    assert response.status_code == 303
    second = _stored(app, "رد من المستوى الثاني.")
    assert (second.parent_id, second.root_id, second.status) == (root, root, CommentStatus.PUBLISHED)
    assert response.headers["Location"] == f"/articles/{slug}#comment-{second.id}"

    post_comment(client, slug, author_name="جمال", body="رد من المستوى الثالث.", parent_id=str(second.id))
    third = _stored(app, "رد من المستوى الثالث.")
    assert (third.parent_id, third.root_id) == (second.id, root)
    post_comment(client, slug, author_name="دنيا", body="رد من المستوى الرابع.", parent_id=str(third.id))
    fourth = _stored(app, "رد من المستوى الرابع.")
    assert (fourth.parent_id, fourth.root_id) == (third.id, root)

    html = app.test_client().get(f"/articles/{slug}").get_data(as_text=True)
    thread = thread_of(html, root)
    # Every depth sits in the one replies list of the root (two levels), oldest first.
    assert comment_ids_in(thread) == [root, second.id, third.id, fourth.id]
    assert thread.count('<ol class="replies">') == 1
    replies = thread[thread.index('<ol class="replies">'):]
    assert "ردا على \u2068بشرى\u2069" in replies and "ردا على \u2068جمال\u2069" in replies
    # A direct reply to the root needs no mention.
    second_item = replies[replies.index(f'id="comment-{second.id}"'):replies.index(f'id="comment-{third.id}"')]
    assert "ردا على" not in second_item
    with app.app_context():
        article_row = db.session.get(Article, article["id"])
        assert (article_row.published_comment_count, article_row.published_thread_count) == (4, 1)
        assert db.session.get(Comment, root).reply_count == 3
    assert "4 تعليقات" in html


def test_a_reply_is_screened_and_held_like_any_comment(app, client, article, staff_client):
    root = add_comment(app, article["id"], "أحمد", "التعليق الأول.")
    response = post_comment(client, article["slug"], body="رد ينتظر المراجعة.", parent_id=str(root))
    assert response.status_code == 303
    reply = _stored(app, "رد ينتظر المراجعة.")
    assert reply.status is CommentStatus.PENDING and reply.root_id == root
    with app.app_context():
        audit = db.session.scalars(select(ModerationAction).where(ModerationAction.comment_id == reply.id)).one()
        assert audit.action is ActionKind.SCREEN and audit.to_status == "pending"
    # Its author sees it inside the thread it answers; nobody else does, and no count betrays it.
    mine = client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert reply.id in comment_ids_in(thread_of(mine, root)) and "في انتظار المراجعة" in mine
    other = app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert "رد ينتظر المراجعة." not in other and "في انتظار" not in other and "تعليق واحد" in other

    # A moderator approves it: counters follow (through the decision signal).
    moderator = staff_client(Role.MODERATOR)
    token = csrf_token(moderator.get("/moderation/").get_data(as_text=True))
    assert moderator.post(f"/moderation/comments/{reply.id}/approve", data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.get(Comment, root).reply_count == 1
        assert db.session.get(Article, article["id"]).published_comment_count == 2
    public = app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert comment_ids_in(thread_of(public, root)) == [root, reply.id]


def test_an_abusive_reply_is_rejected_by_screening(app, client, article):
    post_moderation(app)
    root = add_comment(app, article["id"], "أحمد", "التعليق الأول.")
    post_comment(client, article["slug"], body="انت حمار وما كتفهم والو", parent_id=str(root))
    reply = _stored(app, "انت حمار وما كتفهم والو")
    assert reply.status is not CommentStatus.PUBLISHED and "insult" in reply.screen_rules
    assert "حمار" not in app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)


def test_a_reply_to_a_comment_that_is_not_published_is_refused(app, client, article):
    pending = add_comment(app, article["id"], "أحمد", "تعليق غير منشور.", status=CommentStatus.PENDING)
    response = post_comment(client, article["slug"], body="رد على تعليق غير منشور.", parent_id=str(pending))
    assert response.status_code == 422
    assert "التعليق الذي ترد عليه لم يعد متاحا" in response.get_data(as_text=True)
    assert "رد على تعليق غير منشور." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Comment).where(Comment.body == "رد على تعليق غير منشور.")) is None
    assert client.get(f"/articles/{article['slug']}/comments/{pending}/reply").status_code == 404
    assert client.get(f"/articles/{article['slug']}/comments/999999/reply").status_code == 404


def test_the_reply_page_works_without_javascript_and_keeps_the_text_on_error(app, client, article):
    root = add_comment(app, article["id"], "أحمد", "التعليق الذي سأرد عليه.")
    url = f"/articles/{article['slug']}/comments/{root}/reply"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "التعليق الذي سأرد عليه." in html and f'name="parent_id" type="hidden" value="{root}"' in html
    assert page.headers["Cache-Control"] == "private, no-store"
    response = client.post(f"/articles/{article['slug']}/comments", data={
        "csrf_token": csrf_token(html), "author_name": "سلمى", "author_email": "ليس بريدا",
        "body": "ردي المحفوظ.", "parent_id": str(root),
    })
    again = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "رد على \u2068أحمد\u2069" in again and "ردي المحفوظ." in again and "عنوان البريد الإلكتروني غير صالح." in again
    # A reply link on the wrong article is a 404.
    other = add_comment(app, article["id"], "x", "y")
    assert client.get(f"/articles/nothing/comments/{other}/reply").status_code == 404


def _three_threads(app, article):
    first = add_comment(app, article["id"], "الأول", "أقدم تعليق", minutes=1, likes=1)
    second = add_comment(app, article["id"], "الثاني", "تعليق في الوسط", minutes=2, likes=7)
    third = add_comment(app, article["id"], "الثالث", "أحدث تعليق", minutes=3, likes=3)
    reply = add_comment(app, article["id"], "راد", "رد على الأول", parent=first, minutes=10, likes=50)
    return first, second, third, reply


def test_order_options_oldest_newest_most_liked(app, client, article):
    first, second, third, reply = _three_threads(app, article)
    roots = lambda html: [i for i in comment_ids_in(html) if i != reply]  # noqa: E731
    base = f"/articles/{article['slug']}"
    assert roots(client.get(base).get_data(as_text=True)) == [first, second, third]
    assert roots(client.get(base + "?order=oldest").get_data(as_text=True)) == [first, second, third]
    assert roots(client.get(base + "?order=newest").get_data(as_text=True)) == [third, second, first]
    # Most liked orders threads by their top-level comment's likes (a reply's likes do not lift its thread).
    liked = client.get(base + "?order=liked").get_data(as_text=True)
    assert roots(liked) == [second, third, first]
    assert 'aria-current="true">الأكثر إعجابا' in liked
    # Replies stay with their thread, oldest first, in every order.
    for order in ("oldest", "newest", "liked"):
        html = client.get(f"{base}?order={order}").get_data(as_text=True)
        assert comment_ids_in(thread_of(html, first)) == [first, reply]
    # Anything else falls back to the default.
    assert roots(client.get(base + "?order=%27;drop").get_data(as_text=True)) == [first, second, third]


FRAGMENT = {"X-Majlis-Fragment": "1"}  # what static/js/comments.js sends for a page of threads in place


def test_paging_counts_threads_and_more_comments_fragment(app, client, article):
    app.config["COMMENTS_PER_PAGE"] = 2
    first, second, third, reply = _three_threads(app, article)
    base = f"/articles/{article['slug']}"
    page1 = client.get(base).get_data(as_text=True)
    assert comment_ids_in(page1) == [first, reply, second] and 'rel="prev"' not in page1
    # In the orders by time the next page is the threads after the last one shown (keyset).
    assert f'rel="next" class="more" href="{base}?after={second}#comments"' in page1
    assert f'data-fragment="{base}/comments?after={second}"' in page1
    assert "4 تعليقات" in page1
    # Without JavaScript the link opens the next page; with it the fragment holds only the next threads.
    page2 = client.get(f"{base}?after={second}").get_data(as_text=True)
    assert comment_ids_in(page2) == [third] and 'rel="next"' not in page2
    assert f'rel="prev" href="{base}?before={third}#comments"' in page2
    back = client.get(f"{base}?before={third}").get_data(as_text=True)
    assert comment_ids_in(back) == [first, reply, second] and 'rel="prev"' not in back
    assert f'href="{base}?after={second}#comments"' in back
    fragment = client.get(f"{base}/comments?after={second}", headers=FRAGMENT)
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and fragment.mimetype == "text/html"
    assert "<html" not in text and "<form method=\"post\" action=\"/articles" not in text
    assert comment_ids_in(text) == [third] and 'rel="next"' not in text
    newest = client.get(f"{base}?order=newest").get_data(as_text=True)
    assert comment_ids_in(newest) == [third, second]
    assert f'href="{base}?order=newest&amp;after={second}#comments"' in newest
    newest = client.get(f"{base}/comments?after={second}&order=newest", headers=FRAGMENT).get_data(as_text=True)
    assert comment_ids_in(newest) == [first, reply]
    # Numbered pages still open (their links lead on by keyset); out-of-range and junk pages are clamped.
    numbered = client.get(base + "?page=2").get_data(as_text=True)
    assert comment_ids_in(numbered) == [third] and f'rel="prev" href="{base}#comments"' in numbered
    assert comment_ids_in(client.get(base + "/comments?page=99", headers=FRAGMENT).get_data(as_text=True)) == [third]
    assert client.get(base + "/comments?page=abc", headers=FRAGMENT).status_code == 200
    # A cursor that leads nowhere (junk, a reply, another article's comment, unknown) gives a page, never a 500.
    for junk in ("abc", "-1", "0", "9" * 30, "²", "١٢", str(reply), "999999"):
        assert comment_ids_in(client.get(f"{base}/comments?after={junk}", headers=FRAGMENT).get_data(as_text=True)) in (
            [first, reply, second], [third]), junk
        assert comment_ids_in(client.get(f"{base}/comments?before={junk}", headers=FRAGMENT).get_data(as_text=True)) == [
            first, reply, second], junk
    assert client.get("/articles/nothing/comments", headers=FRAGMENT).status_code == 404
    # Opened in the browser (a bookmark, the language switch going back), the address gives the article page.
    opened = client.get(f"{base}/comments?after={second}&order=newest")
    assert opened.status_code == 302 and opened.location == f"{base}?order=newest&after={second}#comments"
    assert "X-Majlis-Fragment" in opened.headers["Vary"] and "X-Majlis-Fragment" in fragment.headers["Vary"]


def test_the_language_switch_after_a_form_sent_back_gives_the_article_page(app, client, article):
    """A form sent back (its page's address is the form's target) then the language switch: the reader goes back
    to the article page in the new language, not to a bare list of comments."""
    add_comment(app, article["id"], "قارئ", "تعليق منشور.")
    sent_back = client.post(f"/articles/{article['slug']}/comments", data={
        "author_name": "سلمى", "author_email": "bad", "body": "نص القارئة.",
        "csrf_token": csrf_token(client.get(f"/articles/{article['slug']}").get_data(as_text=True))})
    assert sent_back.status_code == 422
    target = f"http://localhost/articles/{article['slug']}/comments"
    token = csrf_token(sent_back.get_data(as_text=True))
    switched = client.post("/language", data={"lang": "fr", "csrf_token": token}, headers={"Referer": target},
                           follow_redirects=True)
    text = switched.get_data(as_text=True)
    assert switched.status_code == 200 and '<html lang="fr"' in text and "تعليق منشور." in text
    assert 'name="body"' in text and switched.request.path == f"/articles/{article['slug']}"


def test_keyset_pages_walk_every_thread_once_in_each_order_by_time(app, client, article):
    """Following the next links from the first page shows every thread once, in order, and the previous links
    lead back through the same pages; a withdrawn thread used as a cursor still leads on."""
    app.config["COMMENTS_PER_PAGE"] = 3
    ids = [add_comment(app, article["id"], f"قارئ {n}", f"تعليق رقم {n}.", minutes=n % 4) for n in range(10)]
    with app.app_context():  # times out of the order of the ids, and equal ones (the id breaks the tie)
        for ident in ids[::3]:
            db.session.get(Comment, ident).created_at = db.session.get(Comment, ids[1]).created_at
        db.session.commit()
        times = {c.id: (c.created_at, c.id) for c in db.session.scalars(select(Comment))}
        assert len({t for t, _ in times.values()}) < len(times)
    base = f"/articles/{article['slug']}"
    for order, reverse in (("oldest", False), ("newest", True)):
        wanted = sorted(ids, key=times.get, reverse=reverse)
        url, pages = f"{base}?order={order}", []
        while url:
            html = client.get(url).get_data(as_text=True)
            pages.append(comment_ids_in(html))
            found = re.search(r'rel="next" class="more" href="([^"#]+)', html)
            url = found.group(1).replace("&amp;", "&") if found else None
        assert [i for page in pages for i in page] == wanted and [len(p) for p in pages] == [3, 3, 3, 1], order
        backwards = []
        while True:
            found = re.search(r'rel="prev" href="([^"#]+)', html)
            if not found:
                break
            html = client.get(found.group(1).replace("&amp;", "&")).get_data(as_text=True)
            backwards.append(comment_ids_in(html))
        assert backwards == pages[-2::-1], order
    # The last thread of page 1 is withdrawn after the page was shown: its next link still leads on.
    cursor = sorted(ids, key=times.get)[2]
    with app.app_context():
        db.session.get(Comment, cursor).status = CommentStatus.WITHDRAWN
        db.session.commit()
    html = client.get(f"{base}?after={cursor}").get_data(as_text=True)
    assert comment_ids_in(html) == sorted(ids, key=times.get)[3:6]


def test_permalinks_open_the_right_page_and_anchor(app, client, article):
    app.config["COMMENTS_PER_PAGE"] = 2
    first, second, third, reply = _three_threads(app, article)
    base = f"/articles/{article['slug']}"
    expect = {
        first: f"{base}#comment-{first}", reply: f"{base}#comment-{reply}",
        second: f"{base}#comment-{second}", third: f"{base}?after={second}#comment-{third}",
    }
    for ident, location in expect.items():
        response = client.get(f"/comments/{ident}")
        assert response.status_code == 302 and response.headers["Location"] == location
    newest = client.get(f"/comments/{first}?order=newest").headers["Location"]
    assert newest == f"{base}?after={second}&order=newest#comment-{first}"  # the page starting with its thread
    assert client.get(f"/comments/{reply}?order=liked").headers["Location"] == f"{base}?page=2&order=liked#comment-{reply}"
    assert client.get(f"/comments/{second}?order=liked").headers["Location"] == f"{base}?order=liked#comment-{second}"
    # And the page it points to shows the comment.
    assert f'id="comment-{third}"' in client.get(expect[third]).get_data(as_text=True)
    # Unpublished or unknown comments have no public address.
    pending = add_comment(app, article["id"], "ن", "معلق", status=CommentStatus.PENDING)
    rejected = add_comment(app, article["id"], "ر", "مرفوض", status=CommentStatus.REJECTED)
    for ident in (pending, rejected, 987654):
        assert client.get(f"/comments/{ident}").status_code == 404


def test_own_pending_comment_permalink_leads_its_author_back(app, client, article):
    response = post_comment(client, article["slug"])
    mine = _stored(app, CLEAN)
    assert response.headers["Location"] == f"/articles/{article['slug']}#comment-{mine.id}"
    assert client.get(f"/comments/{mine.id}").headers["Location"] == f"/articles/{article['slug']}#comment-{mine.id}"
    assert app.test_client().get(f"/comments/{mine.id}").status_code == 404


def test_counts_never_include_pending_comments(app, client, article):
    add_comment(app, article["id"], "أحمد", "منشور")
    for i in range(3):
        add_comment(app, article["id"], f"ن{i}", f"معلق {i}", status=CommentStatus.PENDING)
    html = client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert html.count("تعليق واحد") == 2  # at the top of the article and above the thread
    assert "في انتظار" not in html and "معلق" not in html
    assert "تعليق واحد" in client.get("/").get_data(as_text=True)


def test_a_rejected_thread_takes_its_replies_out_of_the_count(app, client, article, staff_client):
    root = add_comment(app, article["id"], "أحمد", "جذر سيُرفض.")
    add_comment(app, article["id"], "بشرى", "رد يختفي مع جذره.", parent=root)
    add_comment(app, article["id"], "جمال", "تعليق يبقى.", minutes=5)
    with app.app_context():
        assert db.session.get(Article, article["id"]).published_comment_count == 3
    moderator = staff_client(Role.MODERATOR)
    token = csrf_token(moderator.get("/moderation/").get_data(as_text=True))
    response = moderator.post(f"/moderation/comments/{root}/reject", data={"csrf_token": token, "rule": "insult"})
    assert response.status_code == 303
    with app.app_context():
        row = db.session.get(Article, article["id"])
        assert (row.published_comment_count, row.published_thread_count) == (1, 1)
    html = client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert "رد يختفي مع جذره." not in html and "تعليق يبقى." in html and "تعليق واحد" in html


def test_reply_page_refuses_closed_articles_and_keeps_text_when_the_parent_vanished(app, client, article):
    root = add_comment(app, article["id"], "أحمد", "سيختفي هذا التعليق.")
    url = f"/articles/{article['slug']}/comments/{root}/reply"
    token = csrf_token(client.get(url).get_data(as_text=True))
    with app.app_context():
        db.session.get(Comment, root).status = CommentStatus.REJECTED
        db.session.commit()
    response = client.post(f"/articles/{article['slug']}/comments", data={
        "csrf_token": token, "author_name": "", "author_email": "a@example.org", "body": "نصي الذي كتبته.",
        "parent_id": str(root),
    })
    assert response.status_code == 422 and "نصي الذي كتبته." in response.get_data(as_text=True)
    other = add_comment(app, article["id"], "ب", "تعليق منشور.")
    with app.app_context():
        db.session.get(Article, article["id"]).comments_open = False
        db.session.commit()
    assert client.get(f"/articles/{article['slug']}/comments/{other}/reply").status_code == 403


def test_every_order_breaks_ties_the_same_way_on_every_page(app, client, article):
    """Equal times and equal likes: the pages follow (likes, time, id) exactly, as the SQL that cuts them."""
    from datetime import timedelta

    from blog.models import utcnow

    app.config["COMMENTS_PER_PAGE"] = 3
    likes = [2, 2, 5, 0, 2, 5, 0]
    ids = [add_comment(app, article["id"], f"قارئ {n}", f"تعليق متعادل {n}", likes=count) for n, count in enumerate(likes)]
    add_comment(app, article["id"], "راد", "رد لا يغير الترتيب", parent=ids[3], likes=9)
    early = utcnow() - timedelta(hours=2)
    times = {ident: early + timedelta(minutes=n % 2) for n, ident in enumerate(ids)}  # two instants, many ties
    with app.app_context():
        for ident, at in times.items():
            db.session.execute(Comment.__table__.update().where(Comment.id == ident).values(created_at=at))
        db.session.commit()
    count = dict(zip(ids, likes))
    expected = {
        "oldest": sorted(ids, key=lambda i: (times[i], i)),
        "newest": sorted(ids, key=lambda i: (times[i], i), reverse=True),
        "liked": sorted(ids, key=lambda i: (-count[i], times[i], i)),
    }
    for order, wanted in expected.items():
        shown = []
        for page in (1, 2, 3):
            html = client.get(f"/articles/{article['slug']}?order={order}&page={page}").get_data(as_text=True)
            shown += [i for i in comment_ids_in(html) if i in count]
        assert shown == wanted, order


def test_a_page_of_threads_is_planned_once_on_postgresql(app, client, article):
    """PostgreSQL keeps one plan for a page's threads statement (a prepared statement's generic plan), made
    without knowing the article, instead of planning it again at each request; that plan reads the article's
    threads by their index and stops at the page."""
    from sqlalchemy import event, text

    from blog.extensions import cache
    from blog.models import ArticleStatus, utcnow

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plans only")
    app.config["COMMENTS_PER_PAGE"] = 2
    ids = [add_comment(app, article["id"], f"قارئ {n}", f"تعليق رقم {n} للصفحات.") for n in range(5)]
    with app.app_context():
        other = Article(title="مقال آخر", slug="another-article", body="نص.", status=ArticleStatus.PUBLISHED,
                        published_at=utcnow())
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    for n in range(40):  # the site's other threads, and statistics as autovacuum gathers them
        add_comment(app, other_id, f"قارئ {n}", f"تعليق على مقال آخر {n}.")
    with app.app_context():
        db.session.execute(text("ANALYZE comments"))
        db.session.commit()
    used = {}

    def remember(dbapi_connection, connection_record, connection_proxy):
        # The threads statement runs on the driver's cursor (blog/services/reads.py): every pooled connection
        # the requests checked out is asked below.
        used[id(dbapi_connection)] = dbapi_connection

    event.listen(engine.pool, "checkout", remember)
    try:
        # psycopg prepares a statement at its sixth run; PostgreSQL then makes 5 custom plans before it weighs
        # a generic one.
        for _ in range(16):
            for page, shown in ((1, ids[:2]), (2, ids[2:4])):
                with app.app_context():
                    cache.clear()  # every request renders
                html = app.test_client().get(f"/articles/{article['slug']}?page={page}").get_data(as_text=True)
                assert comment_ids_in(html) == shown
    finally:
        event.remove(engine.pool, "checkout", remember)
    def arguments(statement: str) -> str:
        """A prepared statement's parameters in their order, as the app binds them."""
        if "threads_article" in statement:  # the article with its page's digest (articles.live_article)
            return f"('{article['slug']}', 'published', 'published', 'published', 'scheduled', now())"
        return f"({int(article['id'])}, 'published', 'published')"

    plans, explained = [], []
    for raw in used.values():  # an idle connection of the pool, asked directly, left as found
        try:
            found = raw.execute("SELECT name, statement, generic_plans, custom_plans FROM pg_prepared_statements"
                                " WHERE statement LIKE '%page_roots%'").fetchall()
            plans += found
            explained += ["\n".join(row[0] for row in raw.execute(
                f"EXPLAIN EXECUTE {name}{arguments(statement)}").fetchall())
                for name, statement, *_ in found]
        finally:
            raw.rollback()  # after every question: psycopg deallocates its prepared statements at a rollback
    pages = {statement.split("OFFSET")[1].split(")")[0].strip() for _, statement, _, _ in plans}
    assert pages == {"0", "2"}, plans  # one statement per page: its size and offset are written in it
    assert all(custom <= 5 < custom + generic for _, _, generic, custom in plans), plans
    assert len(explained) == len(plans)
    for whole in explained:
        # Read with the article, the threads are its statement's CTE and subplans: the article's own join (and the
        # sort of its tags) come after them.
        article_join = re.search(r"^  ->  Nested Loop Left Join", whole, re.M)
        plan = whole[whole.index("CTE page_roots"):article_join.start()] if article_join else whole
        assert "ix_comments_thread_roots" in plan and "Sort" not in plan, whole
        # The replies: the page's roots as one array (`= ANY`, looked up in the root index once the table is
        # large enough), no join of the comments with them.
        assert "root_id = ANY" in plan and "Join" not in plan and "HashAggregate" not in plan, plan


@pytest.mark.parametrize("skipping", [False, True])
@pytest.mark.parametrize("order", ["oldest", "newest", "liked"])
def test_each_order_reads_its_page_of_threads_from_an_index_without_sorting(app, article, order, skipping):
    """A page of threads in any order is read in that order from an index and stops at the page: no sort of
    the article's top-level comments (with 20,000 of them, "most liked" sorted every one: 35 ms on PostgreSQL)."""
    from sqlalchemy import text

    from blog.services.comments import _THREADS_PAGE

    for n in range(6):
        add_comment(app, article["id"], f"قارئ {n}", f"تعليق رقم {n} للترتيب.")
    with app.app_context():
        dialect = db.engine.dialect
        statement = str(_THREADS_PAGE[order, skipping].statement.params(article_id=article["id"], offset=2, limit=2).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}))
        roots = statement.split(")\n", 1)[0]  # the page_roots part: the one that orders
        if dialect.name == "sqlite":
            query = "EXPLAIN QUERY PLAN " + roots[roots.index("SELECT"):]
            plan = " | ".join(row[-1] for row in db.session.execute(text(query)))
            assert "TEMP B-TREE" not in plan and "ix_comments_thread_roots" in plan, plan
        else:
            # Sorting priced out of reach: a plan without one exists only where an index gives the order.
            for setting in ("enable_sort", "enable_incremental_sort", "enable_seqscan"):
                db.session.execute(text(f"SET LOCAL {setting} = off"))
            plan = "\n".join(row[0] for row in db.session.execute(text("EXPLAIN " + statement)))
            assert "Sort" not in plan and "ix_comments_thread_roots" in plan, plan
        db.session.rollback()


@pytest.mark.parametrize("later", [True, False])
def test_a_keyset_page_of_threads_starts_at_its_cursor_in_the_index(app, article, later):
    """The threads after (or before) a cursor are read from the thread index starting at the cursor's place: the
    same few index entries on the last page as on the second, however many threads the article has."""
    from sqlalchemy import text

    from blog.services.comments import _THREADS_SEEK

    ids = [add_comment(app, article["id"], f"قارئ {n}", f"تعليق رقم {n} للمؤشر.") for n in range(6)]
    with app.app_context():
        dialect = db.engine.dialect
        statement = str(_THREADS_SEEK[later].statement.params(article_id=article["id"], cursor=ids[3], limit=3).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}))
        if dialect.name == "sqlite":
            roots = statement.split(")\n SELECT", 1)[0]  # the page_roots part
            query = "EXPLAIN QUERY PLAN " + roots[roots.index("SELECT"):]
            plan = " | ".join(row[-1] for row in db.session.execute(text(query)))
            assert re.search(r"ix_comments_thread_roots \(article_id=\? AND status=\? AND root_id=\? AND \(?created_at",
                             plan), plan
            assert "TEMP B-TREE" not in plan, plan
        else:
            db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a small table: the index's plan anyway
            plan = "\n".join(row[0] for row in db.session.execute(text("EXPLAIN " + statement)))
            bound = f"ROW(created_at, id) {'>' if later else '<'} ROW("
            assert any("ix_comments_thread_roots " in line for line in plan.splitlines()), plan
            assert bound in plan.split("ix_comments_thread_roots ", 1)[1].split("\n", 2)[1], plan  # its Index Cond
            assert "Sort" not in plan, plan
        db.session.rollback()


def test_arabic_text_says_its_language_on_pages_in_another_language(app, client, article):
    from blog.sanitize import written_in_arabic

    # An address or code in a text is no language of it.
    assert written_in_arabic("انظر https://www.example.org/some/very/long/address/in/latin/letters هنا")
    assert written_in_arabic("شيفرة `print('hello world, this is code')` في النص")
    assert not written_in_arabic("had l'article zwin bzaf, merci")
    arabic = add_comment(app, article["id"], "قارئ", "مقال مفيد، شكرا للكاتب على هذا العمل.")
    darija = add_comment(app, article["id"], "Karim", "merci, had l'article zwin bzaf")
    reply = add_comment(app, article["id"], "سعاد", "أوافقك الرأي", parent=arabic)
    for lang in ("fr", "en"):
        html = client.get(f"/articles/{article['slug']}?lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang}" dir="ltr">' in html
        assert re.search(r'<h1 dir="auto" lang="ar">مقال للاختبار', html)
        assert '<div class="article-body" dir="auto" lang="ar">' in html
        assert re.search(r'class="lead" dir="auto" lang="ar">', html)
        bodies = {int(i): lang_ for i, lang_ in re.findall(
            r'id="comment-(\d+)".*?<div class="comment-body" dir="auto"( lang="ar")?>', html, re.S)}
        assert bodies == {arabic: ' lang="ar"', darija: "", reply: ' lang="ar"'}
        assert '<strong class="author" dir="auto" lang="ar">قارئ</strong>' in html
        assert '<strong class="author" dir="auto">Karim</strong>' in html
        front = client.get(f"/?lang={lang}").get_data(as_text=True)
        assert re.search(r'<a class="brand" href="/" lang="ar">مجلس</a>', front)  # the site's name too
        assert '<footer class="site-footer"><p lang="ar">مجلس</p></footer>' in front
        assert re.search(r'<h2 dir="auto" lang="ar"><a href="/articles/test-article">', front)
        answering = client.get(f"/articles/{article['slug']}/comments/{arabic}/reply?lang={lang}").get_data(as_text=True)
        assert '<div class="comment-body" dir="auto" lang="ar">' in answering
    # On the Arabic pages the page's own language holds: no attribute repeats it.
    html = app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html and ' lang="ar">' not in html


def test_a_comment_published_at_once_says_so_and_a_held_one_does_not_twice(app, client, article):
    from blog.services.screening import forget_screener

    post_moderation(app)
    published = post_comment(client, article["slug"], body=CLEAN)
    assert published.status_code == 303
    assert "نُشر تعليقك." in client.get(published.headers["Location"]).get_data(as_text=True)
    app.config["MODERATION_MODE"] = "pre"
    forget_screener()
    newcomer = app.test_client()
    held = post_comment(newcomer, article["slug"], body=CLEAN + " مرة أخرى", author_email="new@example.org")
    page = newcomer.get(held.headers["Location"]).get_data(as_text=True)
    assert "في انتظار المراجعة" in page and "نُشر تعليقك." not in page


def test_an_error_title_escapes_a_name_once(app, client, article):
    parent = add_comment(app, article["id"], "Tom & Jerry", "تعليق للرد عليه.")
    html = post_comment(client, article["slug"], body="", parent_id=str(parent)).get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.startswith("خطأ: ") and "Tom &amp; Jerry" in title and "&amp;amp;" not in title
    with app.app_context():  # a title the editors wrote with markup in it: text in the page's title too
        db.session.get(Article, article["id"]).title = "<i>عنوان</i> & ما بعده"
        db.session.commit()
    html = post_comment(client, article["slug"], body="").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.startswith("خطأ: &lt;i&gt;عنوان&lt;/i&gt; &amp; ما بعده")
