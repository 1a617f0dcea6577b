"""Readers' reports up to the threshold and beyond; e-mail received by a real local SMTP server."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from blog import create_app
from blog.extensions import db
from blog.mail import sender
from blog.models import ActionKind, Article, Comment, CommentReport, CommentStatus, Role, utcnow
from tests.conftest import csrf_token
from tests.smtp_inbox import smtp_server
from tests.workbench import CLEAN, INSULT, actions, add_comment, comment_row, human_actions


def publish(app, client, article, body=CLEAN, email="pub@example.org") -> int:
    cid = add_comment(app, article["id"], body, email=email)
    t = csrf_token(client.get("/moderation/").get_data(as_text=True))
    assert client.post(f"/moderation/comments/{cid}/approve", data={"csrf_token": t}).status_code == 303
    return cid


def report(app, cid: int, slug: str, address: str, rule: str = "insult"):
    reader = app.test_client()
    article_page = reader.get(f"/articles/{slug}", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
    # The report link's page (what a reader without JavaScript gets; the script shows the same form in place); a
    # comment with no such page (not shown), the article's form gives the reader's token.
    page = reader.get(f"/comments/{cid}/report", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
    token = csrf_token(page if 'name="csrf_token"' in page else article_page)
    return reader.post(f"/comments/{cid}/report", data={"csrf_token": token, "rule": rule},
                       environ_base={"REMOTE_ADDR": address})


def test_reports_up_to_the_threshold_then_back_to_the_queue_hidden(app, article, staff_client):
    app.config.update(REPORT_THRESHOLD=3, REPORT_HIDES=True)
    moderator = staff_client(Role.MODERATOR)
    cid = publish(app, moderator, article)
    with app.app_context():  # written three days ago: its wait in the queue starts when the reports send it back
        db.session.get(Comment, cid).created_at = utcnow() - timedelta(days=3)
        db.session.commit()
    page = app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert f'<a class="report-link" href="/comments/{cid}/report" rel="nofollow"' in page and "إبلاغ" in page
    item = page[page.index(f'id="comment-{cid}"'):]
    assert 'name="csrf_token"' not in item[:item.index("</article>")]  # the page's shared forms hold the token
    form_page = app.test_client().get(f"/comments/{cid}/report").get_data(as_text=True)
    assert f'action="/comments/{cid}/report"' in form_page and '<option value="religion">' in form_page
    assert '<meta name="robots" content="noindex">' in form_page and "pub@example.org" not in form_page
    for n, address in enumerate(["198.51.100.7", "198.51.101.7"], start=1):
        response = report(app, cid, article["slug"], address)
        assert response.status_code == 303 and response.headers["Location"].endswith(f"#comment-{cid}")
        row = comment_row(app, cid)
        assert (row.report_count, row.flagged, row.status) == (n, False, CommentStatus.PUBLISHED)
    # The same network again does not count twice.
    response = report(app, cid, article["slug"], "198.51.101.9", rule="religion")
    assert response.status_code == 303 and comment_row(app, cid).report_count == 2
    # The third distinct reader reaches the threshold: hidden, back in the queue, with an audit row.
    report(app, cid, article["slug"], "198.51.102.7", rule="religion")
    row = comment_row(app, cid)
    assert (row.report_count, row.flagged, row.status) == (3, True, CommentStatus.PENDING)
    last = actions(app, cid)[-1]
    assert (last.action, last.actor_id, last.from_status, last.to_status, last.rule) == (
        ActionKind.REPORT, None, "published", "pending", "insult")
    # Its reasons in each interface language, shown in the staff's own on the audit page.
    assert last.reason == "Reported by 3 readers, most under the rule: no insults or abuse (hidden until reviewed)"
    assert [r["code"] for r in last.reasons] == ["insult"]
    audit = moderator.get(f"/moderation/audit?comment={cid}").get_data(as_text=True)
    assert "أبلغ عنه 3 من القراء، أكثرهم بسبب قاعدة: عدم الإساءة أو السب (أُخفي حتى المراجعة)" in audit
    audit = moderator.get(f"/moderation/audit?comment={cid}&lang=fr").get_data(as_text=True)
    assert "Signalé par 3 lecteurs, surtout pour la règle\u00a0: pas d&#39;insultes ni d&#39;injures" in audit
    moderator.delete_cookie("lang")  # kept for the visit since the address asked for it: back to the default
    with app.app_context():
        assert db.session.get(Article, article["id"]).published_comment_count == 0
    assert CLEAN not in app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
    # Beyond the threshold: the comment is no longer published, so it cannot be reported.
    assert report(app, cid, article["slug"], "198.51.103.7").status_code == 404
    reported = moderator.get("/moderation/queue/reported").get_data(as_text=True)
    assert f'id="comment-{cid}"' in reported and "بلاغات: 3" in reported
    # The rules the readers named, most named first; the reject form starts on the most named.
    item = reported[reported.index(f'id="comment-{cid}"'):]
    assert item.index("إساءة أو شتم (2)") < item.index("مهاجمة الأديان أو المقدسات (1)") < item.index("</header>")
    assert '<option value="insult" selected>' in item[:item.index("</article>")]
    waited = re.search(r'<span class="waited"[^>]*>([^<]*)</span>', item).group(1)
    assert waited.startswith("ينتظر منذ") and "ثانية" in waited and "أيام" not in waited, waited
    # The moderator approves it again: published, no longer flagged, its count reset.
    t = csrf_token(reported)
    moderator.post(f"/moderation/comments/{cid}/approve", data={"csrf_token": t})
    row = comment_row(app, cid)
    assert (row.status, row.flagged, row.report_count) == (CommentStatus.PUBLISHED, False, 0)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CommentReport)) == 3
    # Later reports count afresh, and the card names only theirs (on the comment's own page too).
    for address in ["203.0.113.7", "203.0.114.7", "203.0.115.7"]:
        report(app, cid, article["slug"], address, rule="spam")
    for page in (moderator.get("/moderation/queue/reported"), moderator.get(f"/moderation/comments/{cid}")):
        html = page.get_data(as_text=True)
        assert "بلاغات: 3" in html and "إشهار أو رسائل مزعجة (3)" in html and "إساءة أو شتم (" not in html


def test_a_reported_comment_starts_its_reject_form_on_the_rule_its_readers_named(app, article, staff_client):
    """The screening held it for an insult, a moderator let it through, readers report it as spam: the card
    offers the readers' rule first."""
    app.config.update(REPORT_THRESHOLD=2, REPORT_HIDES=True)
    moderator = staff_client(Role.MODERATOR)
    cid = publish(app, moderator, article, body=INSULT)
    assert comment_row(app, cid).screen_rules == "insult"
    for address in ["10.1.1.1", "10.2.2.2"]:
        report(app, cid, article["slug"], address, rule="spam")
    page = moderator.get("/moderation/queue/reported").get_data(as_text=True)
    card = page[page.index(f'id="comment-{cid}"'):]
    card = card[:card.index("</article>")]
    assert '<option value="spam" selected>' in card and '<option value="insult" selected>' not in card


def test_a_second_reader_on_the_same_network_is_told_a_report_came_from_there(app, article, staff_client):
    """Reports count once per network (readers behind one address share it): the second reader, who never
    reported it, is not told "we already have your report"."""
    cid = publish(app, staff_client(Role.MODERATOR), article)
    report(app, cid, article["slug"], "198.51.100.7")
    reader = app.test_client()
    env = {"REMOTE_ADDR": "198.51.100.8"}
    page = reader.get(f"/comments/{cid}/report", environ_base=env).get_data(as_text=True)
    response = reader.post(f"/comments/{cid}/report", data={"csrf_token": csrf_token(page), "rule": "insult"},
                           environ_base=env, follow_redirects=True)
    assert "سبق أن وصلنا بلاغ عن هذا التعليق منك أو من شبكتك" in response.get_data(as_text=True)
    assert comment_row(app, cid).report_count == 1


def test_reports_beyond_the_threshold_keep_it_visible_when_set(app, article, staff_client):
    app.config.update(REPORT_THRESHOLD=2, REPORT_HIDES=False)
    moderator = staff_client(Role.MODERATOR)
    cid = publish(app, moderator, article)
    for address in ["10.1.1.1", "10.2.2.2", "10.3.3.3"]:
        assert report(app, cid, article["slug"], address).status_code == 303
    row = comment_row(app, cid)
    assert (row.report_count, row.flagged, row.status) == (3, True, CommentStatus.PUBLISHED)
    assert [a.action for a in actions(app, cid)].count(ActionKind.REPORT) == 1
    assert CLEAN in app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
    # Approving a reported, still-published comment keeps it: a "keep" decision that clears the flag.
    t = csrf_token(moderator.get("/moderation/queue/reported").get_data(as_text=True))
    moderator.post(f"/moderation/comments/{cid}/approve", data={"csrf_token": t})
    (keep,) = [a for a in human_actions(app, cid) if a.action is ActionKind.KEEP]
    assert (keep.from_status, keep.to_status) == ("published", "published")
    assert comment_row(app, cid).flagged is False
    moderator.post(f"/moderation/comments/{cid}/undo", data={"csrf_token": t})
    assert comment_row(app, cid).flagged is True


def test_report_bad_input_never_500(app, article, staff_client):
    moderator = staff_client(Role.MODERATOR)
    cid = publish(app, moderator, article)
    pending = add_comment(app, article["id"], INSULT, email="p@example.org")
    assert report(app, cid, article["slug"], "10.0.0.1", rule="nonsense").status_code == 400
    # None chosen (the form starts on none): asked again, nothing counted.
    unchosen = report(app, cid, article["slug"], "10.0.0.1", rule="")
    assert unchosen.status_code == 303 and unchosen.headers["Location"] == f"/comments/{cid}/report"
    with app.app_context():
        assert db.session.get(Comment, cid).report_count == 0
    assert report(app, pending, article["slug"], "10.0.0.1").status_code == 404
    assert report(app, 999999, article["slug"], "10.0.0.1").status_code == 404
    reader = app.test_client()
    assert [reader.get(f"/comments/{n}/report").status_code for n in (pending, 999999)] == [404, 404]


def test_reports_are_rate_limited(database_urls, tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "rate", "SQLALCHEMY_DATABASE_URI": database_urls["sqlite"],
                      "MODEL_PATH": str(tmp_path / "model"), "RATELIMIT_ENABLED": True,
                      "REPORT_RATE_LIMIT": "2 per minute", "RATELIMIT_STORAGE_URI": "memory://"})
    from tests.conftest import _empty_tables

    with app.app_context():
        _empty_tables()
        item = Article(title="ت", slug="rate", status=Article.status.type.enum_class.PUBLISHED,
                       published_at=__import__("blog.models", fromlist=["utcnow"]).utcnow())
        db.session.add(item)
        db.session.commit()
        article = {"id": item.id, "slug": item.slug}
    try:
        ids = [add_comment(app, article["id"], f"تعليق {i}", email=f"r{i}@example.org") for i in range(3)]
        with app.app_context():
            for cid in ids:
                db.session.get(Comment, cid).status = CommentStatus.PUBLISHED
            db.session.commit()
        codes = [report(app, cid, article["slug"], "10.9.9.9").status_code for cid in ids]
        assert codes == [303, 303, 429]
        assert comment_row(app, ids[2]).report_count == 0
    finally:
        with app.app_context():
            _empty_tables()
            db.engine.dispose()


# --- e-mail ----------------------------------------------------------------------------------------

@pytest.fixture
def smtp(app):
    with smtp_server(app) as inbox:
        yield inbox


def test_opted_in_commenter_is_told_when_published_or_rejected_with_the_rule(app, article, smtp, staff_client):
    """The opt-in box of the comment form drives both: publication (readers' conversation) and rejection."""
    moderator = staff_client(Role.MODERATOR)
    published = add_comment(app, article["id"], CLEAN, email="happy@example.org", name="سعيد", notify=True)
    rejected = add_comment(app, article["id"], INSULT, email="angry@example.org", name="غاضب", notify=True)
    t = csrf_token(moderator.get("/moderation/").get_data(as_text=True))
    assert moderator.post(f"/moderation/comments/{published}/approve", data={"csrf_token": t}).status_code == 303
    sender.join()
    assert moderator.post(f"/moderation/comments/{rejected}/reject",
                          data={"csrf_token": t, "rule": "insult"}).status_code == 303
    sender.join()
    first, second = smtp.wait(2)
    assert first["To"] == "happy@example.org" and first["From"] == "majlis@example.org"
    assert "نُشر تعليقك" in first["Subject"] and f"/comments/{published}" in first.get_content()
    assert first["List-Unsubscribe"].startswith("<") and "/unsubscribe/" in first["List-Unsubscribe"]
    assert second["To"] == "angry@example.org" and "لم يُنشر تعليقك" in second["Subject"]
    body = second.get_content()
    assert "لا إساءة ولا شتم" in body and INSULT in body and "غاضب" in body
    assert "/unsubscribe/" in body and second["List-Unsubscribe"]


def test_no_mail_to_a_commenter_who_did_not_opt_in(app, article, smtp, staff_client):
    moderator = staff_client(Role.MODERATOR)
    cid = add_comment(app, article["id"], CLEAN, email="silent@example.org")
    other = add_comment(app, article["id"], INSULT, email="silent2@example.org")
    t = csrf_token(moderator.get("/moderation/").get_data(as_text=True))
    assert moderator.post(f"/moderation/comments/{cid}/approve", data={"csrf_token": t}).status_code == 303
    assert moderator.post(f"/moderation/comments/{other}/reject",
                          data={"csrf_token": t, "rule": "insult"}).status_code == 303
    sender.join()
    time.sleep(0.3)
    assert smtp.messages == []


def test_moderators_alerted_once_when_the_queue_passes_the_threshold(app, article, smtp, staff_client):
    app.config.update(MODERATOR_ALERT_THRESHOLD=3, SITE_URL="https://majlis.example.ma")
    moderator = staff_client(Role.MODERATOR)
    staff_client(Role.EDITOR)
    ids = [add_comment(app, article["id"], f"تعليق {i}", email=f"q{i}@example.org") for i in range(4)]
    (alert,) = smtp.wait(1)
    with app.app_context():
        from blog.models import User

        mods = set(db.session.scalars(select(User.email).where(User.role == Role.MODERATOR)))
    assert set(smtp.envelopes[0].rcpt_tos) == mods and len(mods) == 1   # the editor is not alerted
    assert "3 تعليقا" in alert["Subject"] and "https://majlis.example.ma/moderation/" in alert.get_content()
    time.sleep(0.3)
    assert len(smtp.messages) == 1  # the fourth comment does not send another one
    # Below the threshold again, then above: a new alert.
    t = csrf_token(moderator.get("/moderation/").get_data(as_text=True))
    for cid in ids[:2]:
        moderator.post(f"/moderation/comments/{cid}/approve", data={"csrf_token": t})
    add_comment(app, article["id"], "تعليق جديد", email="q9@example.org")
    assert len(smtp.wait(2)) == 2
