"""The moderators' workbench through the test client: queues, highlighting, actions, bans, audit."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Article, Ban, Comment, ModerationAction, Role, User, utcnow
from blog.services import comments as comment_service
from tests.conftest import csrf_token
from tests.workbench import CLEAN, INSULT, ActionKind, CommentStatus, add_comment, comment_row, human_actions, status

FETCH = {"X-Requested-With": "fetch"}


@pytest.fixture
def moderator(staff_client):
    return staff_client(Role.MODERATOR)


def token(client, url="/moderation/") -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def order_of(html: str, *texts: str) -> list[int]:
    return [html.index(t) for t in texts]


# --- the queue -------------------------------------------------------------------------------------

def test_queue_item_shows_highlighted_hits_and_everything_about_the_author(app, article, moderator):
    old = add_comment(app, article["id"], CLEAN, email="sam@example.org", name="سامي",
                      created_at=utcnow() - timedelta(hours=3))
    moderator.post(f"/moderation/comments/{old}/approve", data={"csrf_token": token(moderator)})
    cid = add_comment(app, article["id"], INSULT + " <script>alert(1)</script>", email="sam@example.org",
                      name="سامي", address="203.0.113.0/24")
    html = moderator.get("/moderation/").get_data(as_text=True)
    # The words the screening matched, marked from the stored spans, with the rule named beside them.
    assert '<mark class="hit" data-rule="insult">حمار</mark><small class="hit-rule">إساءة أو شتم</small>' in html
    assert '<mark class="hit" data-rule="insult">وكلب</mark>' in html
    # Everything else in the text is escaped.
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    item = html[html.index(f'id="comment-{cid}"'):]
    assert "sam@example.org" in item and "203.0.113.0/24" in item
    # No learned model on this site yet: no score to show, and the item says why.
    assert '<strong class="score">—</strong> <span class="hint">(لا نموذج متعلم بعد)</span>' in item
    # The author's history: one published comment, one waiting, and the last decision.
    history = item[item.index('class="history"'):]
    assert re.search(r"منشورة 1 ", history) and re.search(r"في الانتظار 1", history)
    assert '<span class="last-decision">قبول ·' in history[:history.index("</p>")]
    assert "ينتظر منذ" in item
    assert article["slug"] in item and f"/moderation/articles/{article['id']}" in item


def test_the_authors_record_counts_every_letter_case_of_the_address_and_leaves_out_undone_decisions(
        app, article, moderator):
    first = add_comment(app, article["id"], CLEAN, email="karim@example.org", created_at=utcnow() - timedelta(hours=2))
    moderator.post(f"/moderation/comments/{first}/approve", data={"csrf_token": token(moderator)})
    # The same author in capitals: known by the approval, published on arrival; rejected, then the rejection undone.
    second = add_comment(app, article["id"], CLEAN + " ثانيا", email="KARIM@example.org",
                         created_at=utcnow() - timedelta(hours=1))
    moderator.post(f"/moderation/comments/{second}/reject", data={"csrf_token": token(moderator), "rule": "insult"})
    moderator.post(f"/moderation/comments/{second}/undo", data={"csrf_token": token(moderator)})
    assert status(app, second) is CommentStatus.PUBLISHED
    third = add_comment(app, article["id"], INSULT, email="Karim@Example.org")
    assert status(app, third) is CommentStatus.PENDING
    html = moderator.get("/moderation/queue/all").get_data(as_text=True)
    for cid in (second, third):  # one record under each spelling the page shows
        item = html[html.index(f'id="comment-{cid}"'):]
        history = item[item.index('class="history"'):item.index("</p>", item.index('class="history"'))]
        assert re.search(r"منشورة 2 ", history) and re.search(r"في الانتظار 1", history), history
        assert history.count('class="last-decision"') == 1 and "قبول" in history  # the rejection was undone


def test_the_queues_days_are_the_sites_days(app, article, moderator):
    """A comment sent at 23:30 UTC on 3 May 2026 was sent at 00:30 on 4 May in Casablanca (UTC+1 then), where the
    queue shows its time: the filters' days are the site's."""
    from datetime import datetime, timezone

    late = add_comment(app, article["id"], CLEAN, created_at=datetime(2026, 5, 3, 23, 30, tzinfo=timezone.utc))

    def ids(url):
        html = moderator.get(url).get_data(as_text=True)
        return {int(x) for x in re.findall(r'<article class="queue-item[^"]*" id="comment-(\d+)"', html)}

    assert ids("/moderation/queue/all?since=2026-05-04&until=2026-05-04") == {late}
    assert ids("/moderation/queue/all?until=2026-05-03") == set()
    assert ids("/moderation/queue/all?since=0001-01-01&until=9999-12-31") == {late}  # the calendar's ends: no bound


def test_moderators_see_a_comment_in_the_order_it_was_written(app, article, moderator):
    """As readers do (blog/sanitize.py written_order): on the card, with its marked words where the stored spans
    put them, in the quote of the comment it answers, and in the audit trail's kept text."""
    tricky = "يا حمار \u202eolleh\u202c \u2067abc\u2069"
    parent = add_comment(app, article["id"], CLEAN + " \u202ereversed\u202c", email="p@example.org")
    moderator.post(f"/moderation/comments/{parent}/approve", data={"csrf_token": token(moderator)})
    cid = add_comment(app, article["id"], tricky, email="t@example.org", parent_id=parent)
    pages = [moderator.get(url).get_data(as_text=True)
             for url in ("/moderation/", f"/moderation/comments/{cid}", f"/moderation/audit?comment={cid}")]
    for html in pages:
        card = html[html.index("<main"):]
        card = card[:card.index("<textarea")] if "<textarea" in card else card  # the edit form keeps the text as is
        assert not any(c in card for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2069")
    assert '<mark class="hit" data-rule="insult">حمار</mark>' in pages[0] and "olleh" in pages[0]


def test_highlight_ignores_bad_spans_and_merges_overlaps(app):
    from blog.sanitize import highlight_hits

    hits = [{"rule": "insult", "start": 0, "end": 3}, {"rule": "religion", "start": 2, "end": 5},
            {"rule": "spam", "start": 50, "end": 60}, {"rule": "x", "start": "a", "end": 2},
            {"rule": "spam", "signal": True, "start": 0, "end": 1}, "junk"]
    out = str(highlight_hits("abcdef<g>", hits, {"insult": "I"}))
    assert out == '<mark class="hit" data-rule="insult religion">abcde</mark><small class="hit-rule">I · religion</small>f&lt;g&gt;'


def test_pending_queue_riskiest_first_or_oldest_first(app, article, moderator):
    start = utcnow() - timedelta(hours=5)
    clean = add_comment(app, article["id"], "تعليق هادئ أول", email="a@example.org", created_at=start)
    risky = add_comment(app, article["id"], INSULT, email="b@example.org", created_at=start + timedelta(hours=1))
    html = moderator.get("/moderation/queue/pending").get_data(as_text=True)
    assert html.index(f'id="comment-{risky}"') < html.index(f'id="comment-{clean}"')
    html = moderator.get("/moderation/queue/pending?order=oldest").get_data(as_text=True)
    assert html.index(f'id="comment-{clean}"') < html.index(f'id="comment-{risky}"')


@pytest.mark.parametrize("order", ["risk", "oldest"])
def test_keyset_pages_cover_the_queue_once(app, article, moderator, order):
    app.config["QUEUE_PER_PAGE"] = 2
    start = utcnow() - timedelta(hours=2)
    ids = [add_comment(app, article["id"], INSULT if i % 2 else f"تعليق رقم {i}", email=f"r{i}@example.org",
                       created_at=start + timedelta(minutes=i)) for i in range(5)]
    seen, url, pages = [], f"/moderation/queue/pending?order={order}", 0
    while url:
        html = moderator.get(url).get_data(as_text=True)
        seen += [int(x) for x in re.findall(r'<article class="queue-item[^"]*" id="comment-(\d+)"', html)]
        match = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = match.group(1).replace("&amp;", "&") if match else None
        pages += 1
    assert sorted(seen) == sorted(ids) and len(seen) == 5 and pages == 3
    # A forged cursor is ignored, not an error.
    assert moderator.get("/moderation/queue/pending?after=zz~1").status_code == 200
    for cursor in ["nan~1", "inf~1", "1e999~1", "0.5~99999999999999999999999", "~", "2026-13-01~1",
                   "2026-01-01T00:00:00~1"]:
        for order in ("risk", "oldest"):
            assert moderator.get(f"/moderation/queue/pending?after={cursor}&order={order}").status_code == 200


def test_filters_search_and_counts(app, article, moderator):
    with app.app_context():
        other = Article(title="مقال ثان", slug="second", status=Article.status.type.enum_class.PUBLISHED,
                        published_at=utcnow())
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    a = add_comment(app, article["id"], INSULT, email="insulter@example.org", name="غاضب")
    b = add_comment(app, other_id, "رأي مختلف بأدب", email="polite@example.org", name="مؤدب")
    moderator.post(f"/moderation/comments/{b}/spam", data={"csrf_token": token(moderator)})
    c = add_comment(app, other_id, "تعليق ثالث", email="third@example.org", name="ثالث")

    def ids(url):
        html = moderator.get(url).get_data(as_text=True)
        return {int(x) for x in re.findall(r'<article class="queue-item[^"]*" id="comment-(\d+)"', html)}

    assert ids("/moderation/") == {a, c}
    assert ids(f"/moderation/queue/pending?article={other_id}") == {c}
    assert ids("/moderation/queue/pending?rule=insult") == {a}
    assert ids("/moderation/queue/all?author=polite@example.org") == {b}
    assert ids("/moderation/queue/all?author=Polite@Example.ORG") == {b}  # an address in any case
    assert ids("/moderation/queue/all?author=غاضب") == {a}
    assert ids("/moderation/queue/all?q=INSULTER") == {a}      # e-mail, any case
    assert ids("/moderation/queue/all?q=بأدب") == {b}          # text
    assert ids("/moderation/queue/spam") == {b}
    today = utcnow().date()
    assert ids(f"/moderation/queue/all?since={today}&until={today}") == {a, b, c}
    assert ids(f"/moderation/queue/all?until={today - timedelta(days=2)}") == set()
    assert ids("/moderation/queue/all?q=%25") == set()         # LIKE wildcards are literal
    html = moderator.get("/moderation/queue/spam?since=garbage&article=x&rule=nope").get_data(as_text=True)
    assert re.search(r'data-count="pending">2<', html) and re.search(r'data-count="spam">1<', html)
    assert re.search(r'data-count="all">3<', html)
    # Said, not silently dropped; the dates isolated left to right, as they were typed.
    assert "التاريخ «\u2066garbage\u2069» غير صالح، فلم يُطبّق. اكتبه هكذا: \u20662026-05-03\u2069." in html
    assert ids("/moderation/queue/all?since=2026-02-30") == {a, b, c}
    french = moderator.get("/moderation/audit?until=2026-02-30&lang=fr").get_data(as_text=True)
    assert str(escape("La date «\u00a0\u20662026-02-30\u2069\u00a0» n'est pas valide")) in french
    assert "غير صالح" not in moderator.get(f"/moderation/queue/all?since={today}").get_data(as_text=True)
    assert moderator.get("/moderation/queue/nothing").status_code == 404


def test_thread_view_shows_every_status_in_order(app, article, moderator):
    first = add_comment(app, article["id"], "الأول", email="one@example.org")
    moderator.post(f"/moderation/comments/{first}/approve", data={"csrf_token": token(moderator)})
    second = add_comment(app, article["id"], INSULT, email="two@example.org", parent_id=first)
    html = moderator.get(f"/moderation/articles/{article['id']}").get_data(as_text=True)
    assert html.index(f'id="comment-{first}"') < html.index(f'id="comment-{second}"')
    assert "ردا على" in html and "منشور" in html and "في الانتظار" in html
    assert moderator.get("/moderation/articles/999999").status_code == 404


def test_the_whole_thread_comes_a_page_at_a_time_and_a_cards_link_opens_the_page_of_its_comment(
        app, article, moderator):
    app.config["THREAD_PER_PAGE"] = 2
    ids = [add_comment(app, article["id"], f"تعليق رقم {n}", email=f"r{n}@example.org",
                       created_at=utcnow() - timedelta(minutes=10 - n)) for n in range(5)]

    def shown(url):
        html = moderator.get(url).get_data(as_text=True)
        return [int(x) for x in re.findall(r'<article class="queue-item[^"]*" id="comment-(\d+)"', html)], html

    first, html = shown(f"/moderation/articles/{article['id']}")
    assert first == ids[:2] and "5 تعليقات" in html and f'href="/moderation/articles/{article["id"]}?page=2"' in html
    assert shown(f"/moderation/articles/{article['id']}?page=3")[0] == ids[4:]
    assert shown(f"/moderation/articles/{article['id']}?around={ids[3]}")[0] == ids[2:4]
    card = shown(f"/moderation/comments/{ids[4]}")[1]
    assert f'href="/moderation/articles/{article["id"]}?around={ids[4]}#comment-{ids[4]}"' in card


# --- decisions -------------------------------------------------------------------------------------

def test_reject_needs_a_rule_and_keeps_the_note(app, article, moderator):
    cid = add_comment(app, article["id"], INSULT)
    t = token(moderator)
    response = moderator.post(f"/moderation/comments/{cid}/reject", data={"csrf_token": t, "rule": ""})
    assert response.status_code == 303 and status(app, cid) is CommentStatus.PENDING
    response = moderator.post(f"/moderation/comments/{cid}/reject", data={"csrf_token": t, "rule": "bogus"},
                              headers=FETCH)
    assert response.status_code == 422 and response.json["ok"] is False
    response = moderator.post(f"/moderation/comments/{cid}/reject",
                              data={"csrf_token": t, "rule": "insult", "note": " شتم صريح "}, headers=FETCH)
    assert response.status_code == 200 and response.json["status"] == "rejected"
    assert response.json["counts"]["pending"] == 0
    (row,) = human_actions(app, cid)
    assert (row.action, row.rule, row.reason, row.from_status, row.to_status, row.text_snapshot) == (
        ActionKind.REJECT, "insult", "شتم صريح", "pending", "rejected", INSULT)


def test_spam_then_undo_then_undo_again(app, article, moderator):
    cid = add_comment(app, article["id"], CLEAN)
    t = token(moderator)
    moderator.post(f"/moderation/comments/{cid}/approve", data={"csrf_token": t})
    with app.app_context():
        assert db.session.get(Article, article["id"]).published_comment_count == 1
    response = moderator.post(f"/moderation/comments/{cid}/undo", data={"csrf_token": t}, headers=FETCH)
    assert response.status_code == 200 and response.json["status"] == "pending"
    with app.app_context():
        assert db.session.get(Article, article["id"]).published_comment_count == 0
        assert db.session.get(Comment, cid).decided_at is None
    moderator.post(f"/moderation/comments/{cid}/spam", data={"csrf_token": t})
    assert status(app, cid) is CommentStatus.SPAM
    moderator.post(f"/moderation/comments/{cid}/undo", data={"csrf_token": t})
    assert status(app, cid) is CommentStatus.PENDING
    moderator.post(f"/moderation/comments/{cid}/undo", data={"csrf_token": t})   # undo the undo
    assert status(app, cid) is CommentStatus.SPAM
    rows = human_actions(app, cid)
    assert [(r.action.value, r.from_status, r.to_status) for r in rows] == [
        ("approve", "pending", "published"), ("undo", "published", "pending"), ("spam", "pending", "spam"),
        ("undo", "spam", "pending"), ("undo", "pending", "spam")]
    assert all(r.text_snapshot == CLEAN for r in rows)
    # The audit names the decision an undo undid in the page's language, not by its code ("approve #83").
    audit = moderator.get(f"/moderation/audit?lang=en&comment={cid}").get_data(as_text=True)
    undo_notes = re.findall(r'<tr class="audit-row action-undo">(?:(?!</tr>).)*?<td dir="auto">([^<]*)</td>', audit, re.S)
    assert undo_notes and all(re.fullmatch(r"(Approve|Spam|Undo)\w* #\d+", note) for note in undo_notes), undo_notes
    # Nothing to undo on a comment only the screening touched.
    fresh = add_comment(app, article["id"], "جديد", email="new@example.org")
    response = moderator.post(f"/moderation/comments/{fresh}/undo", data={"csrf_token": t}, headers=FETCH)
    assert response.status_code == 409 and status(app, fresh) is CommentStatus.PENDING


def test_edit_keeps_the_original_in_the_audit_row(app, article, moderator):
    cid = add_comment(app, article["id"], INSULT + " والباقي مفيد")
    page = moderator.get(f"/moderation/comments/{cid}").get_data(as_text=True)
    version = comment_row(app, cid).version
    response = moderator.post(f"/moderation/comments/{cid}/edit", data={
        "csrf_token": csrf_token(page), "version": version, "body": "والباقي مفيد", "note": "حذف الشتم"})
    assert response.status_code == 303
    edited = comment_row(app, cid)
    assert edited.body == "والباقي مفيد" and edited.status is CommentStatus.PENDING
    (row,) = human_actions(app, cid)
    assert (row.action, row.text_snapshot, row.after_text, row.reason) == (
        ActionKind.EDIT, INSULT + " والباقي مفيد", "والباقي مفيد", "حذف الشتم")
    html = moderator.get("/moderation/").get_data(as_text=True)
    assert '<mark class="hit"' not in html and "عُدّل النص" in html
    # An empty text comes back with the message; a stale version is refused.
    response = moderator.post(f"/moderation/comments/{cid}/edit", data={
        "csrf_token": csrf_token(page), "version": edited.version, "body": "   "})
    assert response.status_code == 422 and "التعليق مطلوب." in response.get_data(as_text=True)
    response = moderator.post(f"/moderation/comments/{cid}/edit", data={
        "csrf_token": csrf_token(page), "version": version, "body": "نص آخر"}, headers=FETCH)
    assert response.status_code == 409 and comment_row(app, cid).body == "والباقي مفيد"
    # Through the page's form: the other moderator's change stays, this one's long text comes back to save again.
    response = moderator.post(f"/moderation/comments/{cid}/edit?lang=en", data={
        "csrf_token": csrf_token(page), "version": version, "body": "نص طويل كتبه مشرف ثان في الأثناء"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "نص طويل كتبه مشرف ثان في الأثناء</textarea>" in html
    assert "Your text is kept below" in html and f'name="version" value="{comment_row(app, cid).version}"' in html
    assert comment_row(app, cid).body == "والباقي مفيد"
    # The same text again: nothing to record, said so (it read "this decision does not apply to its status").
    same = moderator.post(f"/moderation/comments/{cid}/edit?lang=en", data={
        "csrf_token": csrf_token(page), "version": comment_row(app, cid).version, "body": "والباقي مفيد"})
    assert same.status_code == 422 and "The text has not changed" in same.get_data(as_text=True)
    # The comment page lists the whole history with both texts.
    moderator.delete_cookie("lang")  # English was kept for the visit since the address asked for it
    page = moderator.get(f"/moderation/comments/{cid}").get_data(as_text=True)
    assert "بعد التعديل:" in page and "حذف الشتم" in page


def test_bulk_approve_selected_and_everything_from_an_author(app, article, moderator):
    ids = [add_comment(app, article["id"], f"تعليق {i}", email=f"p{i}@example.org") for i in range(3)]
    same = [add_comment(app, article["id"], f"من نفس الكاتب {i}", email="same@example.org") for i in range(2)]
    versions = {i: comment_row(app, i).version for i in ids}
    t = token(moderator)
    # The third one was decided by someone else since the page was drawn: it is skipped, not overwritten.
    moderator.post(f"/moderation/comments/{ids[2]}/spam", data={"csrf_token": t})
    response = moderator.post("/moderation/bulk/approve", data={
        "csrf_token": t, "rule": "insult", "ids": [f"{i}:{versions[i]}" for i in ids]}, headers=FETCH)
    assert response.status_code == 200
    assert response.json["decided"] == ids[:2] and response.json["skipped"] == [ids[2]]
    # Each decided card's new state, for the script to draw (a later undo needs the new version).
    assert response.json["cards"] == [
        {"id": i, "status": "published", "version": comment_row(app, i).version, "status_label": "منشور"}
        for i in ids[:2]]
    # A comment sent twice (its box and the form's data both) is decided once, and not counted as left.
    again = add_comment(app, article["id"], "تعليق أُرسل مرتين", email="twice@example.org")
    response = moderator.post("/moderation/bulk/approve", data={
        "csrf_token": t, "ids": [f"{again}:1", f"{again}:1"]}, headers=FETCH)
    assert response.json["decided"] == [again] and response.json["skipped"] == []
    assert [status(app, i) for i in ids] == [CommentStatus.PUBLISHED, CommentStatus.PUBLISHED, CommentStatus.SPAM]
    assert [(a.action, a.rule) for a in human_actions(app, ids[0])] == [(ActionKind.APPROVE, "")]
    response = moderator.post("/moderation/bulk/approve", data={"csrf_token": t, "author": "Same@Example.org"})
    assert response.status_code == 303
    assert all(status(app, i) is CommentStatus.PUBLISHED for i in same)
    with app.app_context():
        assert db.session.get(Article, article["id"]).published_comment_count == 5  # with the one sent twice
    # Bulk reject needs a rule, and the page's bar starts on none; nothing selected is a clear message.
    other = add_comment(app, article["id"], INSULT, email="x@example.org")
    bar = moderator.get("/moderation/").get_data(as_text=True)
    bar = bar[bar.index('<form id="bulk"'):]
    assert '<option value="" selected>' in bar[:bar.index("</form>")]
    response = moderator.post("/moderation/bulk/reject", data={"csrf_token": t, "ids": [f"{other}:1"]},
                              headers=FETCH)
    assert response.status_code == 422 and status(app, other) is CommentStatus.PENDING
    response = moderator.post("/moderation/bulk/reject", data={"csrf_token": t, "ids": [f"{other}:x"], "rule": "insult"})
    assert response.status_code == 303 and status(app, other) is CommentStatus.REJECTED
    assert human_actions(app, other)[0].rule == "insult"
    assert moderator.post("/moderation/bulk/spam", data={"csrf_token": t}, headers=FETCH).status_code == 422


def test_conflict_answer_names_who_decided(app, article, staff_client):
    first, second = staff_client(Role.MODERATOR), staff_client(Role.MODERATOR)
    cid = add_comment(app, article["id"], CLEAN)
    version = comment_row(app, cid).version
    first.post(f"/moderation/comments/{cid}/approve", data={"csrf_token": token(first), "version": version})
    response = second.post(f"/moderation/comments/{cid}/reject",
                           data={"csrf_token": token(second), "version": version, "rule": "insult"}, headers=FETCH)
    assert response.status_code == 409
    with app.app_context():
        winner = db.session.get(User, human_actions(app, cid)[0].actor_id).display_name
    assert winner in response.json["message"] and "منشور" in response.json["message"]
    assert response.json["status"] == "published" and response.json["version"] == version + 1
    assert len(human_actions(app, cid)) == 1


# --- bans ------------------------------------------------------------------------------------------

def test_ban_by_email_rejects_the_next_comment_until_lifted(app, client, article, moderator):
    from tests.views.test_reader_journey import post_comment

    page = moderator.get("/moderation/bans?email=troll@example.org").get_data(as_text=True)
    assert 'value="troll@example.org"' in page
    response = moderator.post("/moderation/bans", data={
        "csrf_token": csrf_token(page), "email": "Troll@Example.org", "duration": "7", "reason": "شتائم متكررة"})
    assert response.status_code == 303
    with app.app_context():
        ban = db.session.scalars(select(Ban)).one()
        assert ban.email == "troll@example.org" and ban.reason == "شتائم متكررة" and ban.actor_id is not None
        assert timedelta(days=6, hours=23) < ban.until - utcnow() <= timedelta(days=7)
        ban_id = ban.id
    post_comment(client, article["slug"], author_email="troll@example.org", body="تعليق بعد الحظر")
    with app.app_context():
        banned = db.session.scalars(select(Comment).where(Comment.body == "تعليق بعد الحظر")).one()
        assert banned.status is CommentStatus.REJECTED and "banned" in str(banned.screen_details["hits"])
    html = moderator.get("/moderation/queue/rejected").get_data(as_text=True)
    assert "تعليق بعد الحظر" in html and "محظور" in html
    # Lifting the ban: the next comment waits for a moderator as usual.
    response = moderator.post(f"/moderation/bans/{ban_id}/lift", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert moderator.post(f"/moderation/bans/{ban_id}/lift", data={"csrf_token": csrf_token(page)}).status_code == 303
    with app.app_context():
        assert db.session.get(Ban, ban_id).lifted_at is not None and db.session.get(Ban, ban_id).lifted_by_id
    # Who lifted it and when, each isolated from the Arabic around it (a Latin name and a date otherwise reorder).
    listing = moderator.get("/moderation/bans").get_data(as_text=True)
    assert re.search(r"رُفع \(<bdi>[^<]+</bdi>، <bdi>[^<]+</bdi>\)", listing)
    post_comment(client, article["slug"], author_email="troll@example.org", body="تعليق بعد رفع الحظر")
    with app.app_context():
        after = db.session.scalars(select(Comment).where(Comment.body == "تعليق بعد رفع الحظر")).one()
        assert after.status is CommentStatus.PENDING


def test_ban_by_address_for_good_and_an_expired_ban(app, client, article, moderator):
    from tests.views.test_reader_journey import post_comment

    t = token(moderator, "/moderation/bans")
    response = moderator.post("/moderation/bans", data={"csrf_token": t, "address": "127.0.0.0/24",
                                                        "duration": "forever", "reason": "فيضان"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Ban)).one().until is None
    post_comment(client, article["slug"], author_email="any@example.org", body="من العنوان المحظور")
    with app.app_context():
        assert db.session.scalars(select(Comment.status).where(Comment.body == "من العنوان المحظور")).one() is CommentStatus.REJECTED
        db.session.query(Ban).delete()
        db.session.add(Ban(email="old@example.org", reason="قديم", until=utcnow() - timedelta(days=1),
                           created_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    post_comment(client, article["slug"], author_email="old@example.org", body="بعد انتهاء الحظر")
    with app.app_context():
        assert db.session.scalars(select(Comment.status).where(Comment.body == "بعد انتهاء الحظر")).one() is CommentStatus.PENDING
    # A ban without e-mail or address, or without a reason, comes back with the message and what was typed.
    response = moderator.post("/moderation/bans", data={"csrf_token": t, "duration": "7", "reason": "سبب"})
    assert response.status_code == 422 and "أدخل البريد الإلكتروني أو العنوان" in response.get_data(as_text=True)
    response = moderator.post("/moderation/bans", data={"csrf_token": t, "email": "k@example.org", "duration": "7",
                                                        "reason": ""})
    assert response.status_code == 422 and 'value="k@example.org"' in response.get_data(as_text=True)
    response = moderator.post("/moderation/bans", data={"csrf_token": t, "email": "k@example.org", "duration": "9",
                                                        "reason": "x"})
    assert response.status_code == 422


def ban_stored(app, moderator, address: str) -> str:
    """A week's ban on `address` through the form: the network stored (the newest ban's)."""
    response = moderator.post("/moderation/bans", data={"csrf_token": token(moderator, "/moderation/bans"),
                                                        "address": address, "duration": "7", "reason": "فيضان"})
    assert response.status_code == 303
    with app.app_context():
        return db.session.scalars(select(Ban.address).order_by(Ban.id.desc()).limit(1)).one()


def test_the_bans_come_a_page_at_a_time_newest_first(app, moderator):
    app.config["BANS_PER_PAGE"] = 2
    with app.app_context():
        for n in range(5):
            db.session.add(Ban(email=f"b{n}@example.org", reason="سبب", created_at=utcnow() - timedelta(days=5 - n)))
        db.session.commit()

    def shown(url):
        return re.findall(r'<td dir="ltr">(b\d)@example.org</td>', moderator.get(url).get_data(as_text=True))

    assert shown("/moderation/bans") == ["b4", "b3"] and shown("/moderation/bans?page=3") == ["b0"]
    assert 'href="/moderation/bans?page=2"' in moderator.get("/moderation/bans").get_data(as_text=True)
    # Lifting a ban on a later page comes back to that page.
    page = moderator.get("/moderation/bans?page=2").get_data(as_text=True)
    lift = re.search(r'<form method="post" action="(/moderation/bans/\d+/lift)">.*?name="next" value="([^"]+)"', page, re.S)
    assert lift.group(2) == "/moderation/bans?page=2"
    response = moderator.post(lift.group(1), data={"csrf_token": token(moderator), "next": lift.group(2)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/moderation/bans?page=2")


def test_a_ban_on_one_address_holds_the_network_comments_keep(app, client, article, moderator):
    """Comments keep their author's /24 (never the address): a ban typed as one address bans that network, and
    what is neither an address nor an e-mail is refused with a message."""
    from tests.views.test_reader_journey import post_comment

    t = token(moderator, "/moderation/bans")
    assert ban_stored(app, moderator, "127.0.0.9") == "127.0.0.0/24"
    post_comment(client, article["slug"], author_email="other@example.org", body="من الشبكة المحظورة")
    with app.app_context():
        assert db.session.scalars(select(Comment.status).where(Comment.body == "من الشبكة المحظورة")).one() \
            is CommentStatus.REJECTED
    for field, value, message in (("address", "hello world", "Write an IP address"),
                                  ("email", "not an email", "e-mail address is not valid")):
        response = moderator.post("/moderation/bans?lang=en", data={"csrf_token": t, field: value, "duration": "7",
                                                                    "reason": "x"})
        assert response.status_code == 422 and message in response.get_data(as_text=True), field
        assert f'value="{value}"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ban)) == 1


def test_a_ban_on_a_wider_network_holds_every_network_comments_keep_inside_it(app, article, moderator):
    """A /16 is kept whole (not cut to its first /24): comments from any /24 inside it are refused, and from
    outside it taken; a network wider than a /16 (/32 for IPv6) is refused with its own message."""
    t = token(moderator, "/moderation/bans")
    assert ban_stored(app, moderator, "10.20.0.0/16") == "10.20.0.0/16"

    def context(address):
        with app.test_request_context("/"):
            return comment_service.screening_context(comment_service.CommentDraft(
                article_id=article["id"], author_name="قارئ", author_email="new@example.org", body="نص",
                address=address))

    assert context("10.20.0.0/24").banned and context("10.20.255.0/24").banned
    assert not context("10.21.0.0/24").banned and not context("10.19.255.0/24").banned
    assert not context("").banned
    for address, message in (("10.0.0.0/8", "too wide to ban"), ("0.0.0.0/0", "too wide to ban"),
                             ("2001:db8::/31", "too wide to ban"), ("10.20.0.0/33", "Write an IP address")):
        response = moderator.post("/moderation/bans?lang=en", data={"csrf_token": t, "address": address,
                                                                    "duration": "7", "reason": "x"})
        assert response.status_code == 422 and message in response.get_data(as_text=True), address
    assert ban_stored(app, moderator, "2001:db8::/32") == "2001:db8::/32"
    assert context("2001:db8:ffff::/48").banned and not context("2001:db9::/48").banned


# --- audit view ------------------------------------------------------------------------------------

def test_the_header_search_box_is_the_site_search_only(app, article, moderator):
    # The queue and the audit pages have filters of their own (their `query`); the header's search box, on every
    # page, holds only the words of a site search.
    def header_search(url):
        html = moderator.get(url).get_data(as_text=True)
        return re.search(r'<input id="site-search"[^>]* value="([^"]*)"', html).group(1)

    assert header_search("/moderation/") == ""
    assert header_search("/moderation/queue/all?q=insulter") == ""
    assert header_search("/moderation/audit?action=approve") == ""
    assert header_search("/search?q=مكتبة") == "مكتبة"


def test_audit_view_gives_automatic_reasons_in_the_staffs_language(app, article, moderator):
    a = add_comment(app, article["id"], INSULT, email="a@example.org")
    with app.app_context():
        row = db.session.scalars(select(ModerationAction).where(ModerationAction.comment_id == a)).one()
        texts = {lang: " · ".join(r[lang] for r in row.reasons) for lang in ("ar", "fr", "en")}
        assert row.actor_id is None and row.reason == texts["en"] and texts["ar"] != texts["en"]
    for lang, text in texts.items():
        html = moderator.get(f"/moderation/audit?comment={a}&lang={lang}").get_data(as_text=True)
        cell = re.search(r'<tr class="audit-row action-screen">.*?</tr>', html, re.S).group(0)
        assert str(escape(text)) in cell, (lang, cell)
        assert all(str(escape(other)) not in cell for other in texts.values() if other != text)
    # A row written before the reasons were kept in each language shows its English record.
    with app.app_context():
        row = db.session.get(ModerationAction, row.id)
        row.reasons = None
        db.session.commit()
    assert str(escape(texts["en"])) in moderator.get(f"/moderation/audit?comment={a}").get_data(as_text=True)


def test_audit_view_lists_and_filters_decisions(app, article, staff_client):
    first, second = staff_client(Role.MODERATOR), staff_client(Role.ADMIN)
    a = add_comment(app, article["id"], CLEAN, email="a@example.org")
    b = add_comment(app, article["id"], INSULT, email="b@example.org")
    first.post(f"/moderation/comments/{a}/approve", data={"csrf_token": token(first)})
    second.post(f"/moderation/comments/{b}/reject", data={"csrf_token": token(second), "rule": "insult", "note": "ن"})
    with app.app_context():
        admin_id = db.session.scalars(select(User.id).where(User.role == Role.ADMIN)).one()

    def rows(url):
        html = first.get(url).get_data(as_text=True)
        return re.findall(r'<tr class="audit-row action-(\w+)">', html)

    assert rows("/moderation/audit") == ["reject", "approve", "screen", "screen"]
    assert rows("/moderation/audit?action=approve") == ["approve"]
    assert rows(f"/moderation/audit?actor={admin_id}") == ["reject"]
    assert rows("/moderation/audit?rule=insult") == ["reject", "screen"]
    assert rows(f"/moderation/audit?comment={a}") == ["approve", "screen"]
    assert rows("/moderation/audit?since=2000-01-01&until=2000-01-02") == []
    assert rows("/moderation/audit?action=bogus&actor=x&before=abc") == ["reject", "approve", "screen", "screen"]
    # The actor filter offers those who acted: not an editor who never decided a comment.
    staff_client(Role.EDITOR)
    with app.app_context():
        names = {u.id: u.display_name for u in db.session.scalars(select(User))}
        editor_id = db.session.scalars(select(User.id).where(User.role == Role.EDITOR)).one()
    picker = first.get("/moderation/audit").get_data(as_text=True).split('name="actor"', 1)[1].split("</select>")[0]
    assert set(re.findall(r'<option value="(\d+)"', picker)) == {str(admin_id), str(next(
        i for i in names if i not in (admin_id, editor_id)))}
    app.config["QUEUE_PER_PAGE"] = 3
    html = first.get("/moderation/audit").get_data(as_text=True)
    nxt = re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert rows(nxt) == ["screen"]


def test_dashboard_numbers(app, article, moderator):
    start = utcnow() - timedelta(hours=10)
    ids = [add_comment(app, article["id"], CLEAN if i else INSULT, email=f"d{i}@example.org",
                       created_at=start) for i in range(3)]
    t = token(moderator)
    for cid in ids:
        moderator.post(f"/moderation/comments/{cid}/approve", data={"csrf_token": t})
    html = moderator.get("/moderation/dashboard").get_data(as_text=True)
    assert html.count("<svg") == 4
    median = float(re.search(r"data-median>([\d.]+)<", html).group(1))
    assert 9.9 <= median <= 10.1
    assert re.search(r'data-overturned>0 / 0<', html)
    # The axes: the period's first and last days as the language writes them, counts as whole numbers, hours named.
    today = utcnow().date()
    assert f'<span class="tick tick-last">{today.day} ' in html and 'class="tick tick-first">-' not in html
    assert not re.search(r'class="tick tick-top">\d+\.0<', html) and "ساعة" in html and " h<" not in html
    french = moderator.get("/moderation/dashboard?lang=fr").get_data(as_text=True)
    assert re.search(r'class="tick tick-last">\d+ (janvier|février|mars|avril|mai|juin|juillet|août|septembre|'
                     r'octobre|novembre|décembre)<', french)
    from blog.services.dashboard import last_days

    with app.app_context():
        stats = last_days(30)
        assert stats.days[-1].per_rule == {"approve": 3} and stats.decisions == 3
        # The queue held all three at the end of yesterday only if they arrived before it: 10 h ago may be today.
        assert stats.days[-1].queue_size == 0


def test_dashboard_writes_decisions_under_an_hour_in_minutes(app, article, moderator):
    cid = add_comment(app, article["id"], CLEAN, email="quick@example.org", created_at=utcnow() - timedelta(minutes=2))
    moderator.post(f"/moderation/comments/{cid}/approve", data={"csrf_token": token(moderator)})
    html = moderator.get("/moderation/dashboard").get_data(as_text=True)
    panel = html.split('id="time-to-decision"', 1)[1].split("</figure>", 1)[0]
    assert "(بالدقائق)" in panel and "ساعة" not in panel
    assert re.search(r"data-median>2(\.\d)?<", panel)  # as the axis writes it
    top = re.search(r'class="tick tick-top">([^<]+)<', panel).group(1)
    assert top.startswith("2") and top.endswith(" دقيقة")
    english = moderator.get("/moderation/dashboard?lang=en").get_data(as_text=True)
    assert "Time to decision (minutes)" in english


def test_counts_shifted_by_each_change_match_a_recount(app, article, moderator):
    from blog.services.queue import forget_counts, queue_counts

    t = token(moderator)   # the page computed and cached the counts
    a = add_comment(app, article["id"], CLEAN, email="a@example.org")
    b = add_comment(app, article["id"], INSULT, email="b@example.org")
    c = add_comment(app, article["id"], CLEAN, email="c@example.org")
    moderator.post(f"/moderation/comments/{a}/approve", data={"csrf_token": t})
    moderator.post(f"/moderation/comments/{b}/spam", data={"csrf_token": t})
    moderator.post(f"/moderation/comments/{b}/undo", data={"csrf_token": t})
    moderator.post(f"/moderation/comments/{c}/reject", data={"csrf_token": t, "rule": "insult"})
    with app.app_context():
        db.session.add(Ban(email="banned@example.org", reason="x", created_at=utcnow()))
        db.session.commit()
    add_comment(app, article["id"], CLEAN, email="banned@example.org")   # rejected automatically
    with app.test_request_context("/"):
        shifted = dict(queue_counts())
        forget_counts()
        recounted = queue_counts()
    assert shifted == recounted == {"pending": 1, "reported": 0, "rejected": 1, "spam": 0, "approved": 1, "all": 4}


def test_the_audit_joins_a_rows_rules_with_the_pages_own_comma(app, article, moderator):
    cid = add_comment(app, article["id"], CLEAN)
    with app.app_context():
        db.session.add(ModerationAction(comment_id=cid, action=ActionKind.REJECT, rule="religion,insult",
                                        from_status="pending", to_status="rejected", created_at=utcnow()))
        db.session.commit()
    arabic = moderator.get(f"/moderation/audit?comment={cid}").get_data(as_text=True)
    assert "، " in arabic.split('action-reject">', 1)[1].split("</tr>", 1)[0]
    for lang in ("fr", "en"):
        page = moderator.get(f"/moderation/audit?lang={lang}&comment={cid}").get_data(as_text=True)
        row = page.split('action-reject">', 1)[1].split("</tr>", 1)[0]
        assert "،" not in row and re.search(r"\w, \w", row), (lang, row)


def test_a_ban_needs_a_reason_that_is_more_than_spaces(app, moderator):
    page = moderator.get("/moderation/bans").get_data(as_text=True)
    refused = moderator.post("/moderation/bans", data={
        "csrf_token": csrf_token(page), "email": "spaces@example.org", "duration": "7", "reason": "   "})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "اذكر سبب الحظر." in html and 'value="spaces@example.org"' in html
    with app.app_context():
        assert db.session.scalars(select(Ban)).all() == []


@pytest.mark.parametrize("lang, shown", [
    ("ar", "3 ماي 2026، 20:22"), ("fr", "3 mai 2026, 20:22"), ("en", "May 3, 2026, 8:22\u202fPM"),
])
def test_staff_pages_write_a_moment_as_the_public_pages_write_a_date_with_the_time_to_the_minute(app, lang, shown):
    """In the site's time zone (Casablanca: UTC+1 in May 2026), the day as the public pages write it (May is
    "ماي"), the time without seconds."""
    from datetime import datetime, timezone

    from blog.views import date_and_time

    with app.test_request_context(f"/?lang={lang}"):
        assert date_and_time(datetime(2026, 5, 3, 19, 22, 41, tzinfo=timezone.utc)) == shown
        assert date_and_time(None) == ""
