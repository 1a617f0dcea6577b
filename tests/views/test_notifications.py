"""E-mail notifications to a real local SMTP server (aiosmtpd): published, replied, unsubscribe."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from blog.extensions import db
from blog.mail import sender
from blog.models import Comment, Role
from tests.conftest import csrf_token
from tests.smtp_inbox import smtp_server
from tests.views.conversation_helpers import add_comment, post_comment, post_moderation

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def inbox(app):
    with smtp_server(app, SITE_URL="http://majlis.test/") as handler:
        yield handler
        sender.join()


def _comment(app, body):
    with app.app_context():
        return db.session.scalars(select(Comment).where(Comment.body == body)).one()


def _link(message, pattern):
    return re.search(pattern, message.get_content()).group(0)


def test_published_and_reply_notifications_reach_the_authors(app, client, article, inbox):
    post_moderation(app)
    slug = article["slug"]
    response = post_comment(client, slug, author_name="سلمى", author_email="salma@example.org",
                            body="تعليق أريد أن أعرف متى يرد عليه أحد.", notify="y")
    assert response.status_code == 303
    first = _comment(app, "تعليق أريد أن أعرف متى يرد عليه أحد.")
    [(to, published)] = inbox.wait_for(1)
    assert to == ["salma@example.org"] and "نُشر تعليقك" in published["Subject"]
    assert published["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"/comments/{first.id}" in published.get_content()

    other = app.test_client()
    post_comment(other, slug, author_name="يوسف", author_email="youssef@example.org",
                 body="هذا رد يوسف على سلمى.", parent_id=str(first.id))
    messages = inbox.wait_for(2)
    assert len(messages) == 2
    to, reply = messages[1]
    assert to == ["salma@example.org"] and "يوسف" in reply["Subject"]
    assert "هذا رد يوسف على سلمى." in reply.get_content()
    # The replier asked for nothing and their address is never in the mail sent to someone else.
    assert "youssef@example.org" not in reply.as_string()
    # Own replies to one's own comment notify nobody.
    post_comment(client, slug, author_name="سلمى", author_email="salma@example.org",
                 body="سلمى ترد على نفسها.", parent_id=str(first.id))
    time.sleep(0.5)
    sender.join()
    assert len(inbox.messages) == 2


def test_each_reader_gets_their_mail_in_the_language_they_wrote_in(app, article, inbox):
    post_moderation(app)
    french = app.test_client()
    french.set_cookie("lang", "fr")
    post_comment(french, article["slug"], author_name="Claire", author_email="claire@example.org",
                 body="Un commentaire écrit depuis la page en français.", notify="y")
    mine = _comment(app, "Un commentaire écrit depuis la page en français.")
    assert mine.lang == "fr"
    [(_to, published)] = inbox.wait_for(1)
    assert "Votre commentaire sur" in published["Subject"] and "Pour ne plus recevoir" in published.get_content()
    assert f"/comments/{mine.id}?lang=fr" in published.get_content()
    # An Arabic reader answers: the French reader's notice is in French; an Arabic reader's would be in Arabic.
    post_comment(app.test_client(), article["slug"], author_name="يوسف", author_email="youssef@example.org",
                 body="رد بالعربية على التعليق الفرنسي.", parent_id=str(mine.id), notify="y")
    messages = inbox.wait_for(3)
    subjects = {to[0]: message["Subject"] for to, message in messages}
    assert subjects["claire@example.org"].startswith("يوسف a répondu à votre commentaire")
    assert subjects["youssef@example.org"].startswith("نُشر تعليقك")


def test_a_moderators_approval_sends_the_published_notice(app, client, article, inbox, staff_client):
    post_comment(client, article["slug"], body="تعليق ينتظر موافقة المشرف.", notify="y")
    mine = _comment(app, "تعليق ينتظر موافقة المشرف.")
    time.sleep(0.3)
    assert inbox.messages == []  # pending: nothing yet
    moderator = staff_client(Role.MODERATOR)
    token = csrf_token(moderator.get("/moderation/").get_data(as_text=True))
    moderator.post(f"/moderation/comments/{mine.id}/approve", data={"csrf_token": token})
    [(to, message)] = inbox.wait_for(1)
    assert to == ["salma@example.org"] and "نُشر تعليقك" in message["Subject"]


def test_no_box_no_mail(app, client, article, inbox):
    post_moderation(app)
    root = add_comment(app, article["id"], "أحمد", "بلا إشعارات")
    post_comment(client, article["slug"], body="تعليق بلا اشتراك.")
    post_comment(app.test_client(), article["slug"], author_email="x@example.org", body="رد.", parent_id=str(root))
    time.sleep(0.5)
    sender.join()
    assert inbox.messages == []


def test_unsubscribe_works_and_cannot_be_forged(app, client, article, inbox):
    post_moderation(app)
    post_comment(client, article["slug"], body="سأوقف الإشعارات.", notify="y")
    [(_to, message)] = inbox.wait_for(1)
    url = _link(message, r"http://majlis\.test/notifications/unsubscribe/\S+")
    path = url.removeprefix("http://majlis.test")
    assert message["List-Unsubscribe"] == f"<{url}>"
    # As sent: the link whole on its line, not folded into encoded words that mail programs do not read as one.
    assert f"\r\nList-Unsubscribe: <{url}>\r\n".encode() in inbox.envelopes[0].original_content
    mine = _comment(app, "سأوقف الإشعارات.")

    stranger = app.test_client()
    # A link scanner's GET changes nothing; it shows a button.
    page = stranger.get(path)
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    assert _comment(app, "سأوقف الإشعارات.").notify is True

    # Forged tokens: another comment id, a changed signature, garbage.
    token = path.rsplit("/", 1)[1]
    payload, _, signature = token.rpartition(".")
    from itsdangerous import URLSafeSerializer

    forged_other = URLSafeSerializer("not the secret", salt="majlis-unsubscribe").dumps({"c": mine.id})
    for bad in (forged_other, payload + "." + signature[::-1], "garbage", token[:-2]):
        response = stranger.post(f"/notifications/unsubscribe/{bad}")
        assert response.status_code == 400, bad
        assert stranger.get(f"/notifications/unsubscribe/{bad}").status_code == 400
    assert _comment(app, "سأوقف الإشعارات.").notify is True

    # The genuine one-click POST (RFC 8058: no CSRF token, the signature is the proof).
    done = stranger.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "أُلغي الاشتراك" in done.get_data(as_text=True)
    assert _comment(app, "سأوقف الإشعارات.").notify is False
    # No more mail about it.
    post_comment(app.test_client(), article["slug"], author_email="z@example.org", body="رد بعد الإلغاء.",
                 parent_id=str(mine.id))
    time.sleep(0.5)
    sender.join()
    assert len(inbox.messages) == 1


def test_mail_is_sent_in_the_background_never_in_the_request(app, client, article, caplog):
    """An SMTP server that never answers does not hold the reader's request."""
    post_moderation(app)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections complete in the backlog, but no greeting ever comes
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1])
    try:
        started = time.monotonic()
        response = post_comment(client, article["slug"], author_email="quiet.reader@example.org",
                                body="الخادم البريدي صامت.", notify="y")
        elapsed = time.monotonic() - started
        assert response.status_code == 303 and elapsed < 5
        assert sender._queue.unfinished_tasks == 1  # still waiting for the server, outside the request
    finally:
        silent.close()
    sender.join()
    assert _comment(app, "الخادم البريدي صامت.").notify is True
    # The failure was logged without the reader's address.
    assert "notification about comment" in caplog.text and "quiet.reader" not in caplog.text


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set (CI sets it)")
def test_with_redis_and_rq_notifications_leave_through_an_rq_worker_that_never_logs_an_address(
        app, client, article, inbox):
    """With REDIS_URL set (and rq installed), the published notice is an RQ job on the "mail" queue; a real
    `rq worker` delivers it to the SMTP server of its own environment. Neither the job's description nor the
    worker's log holds the reader's address, and the job holds no SMTP password."""
    pytest.importorskip("rq")
    from redis import Redis
    from rq import Queue

    redis_url = os.environ["TEST_REDIS_URL"]
    jobs = Queue("mail", connection=Redis.from_url(redis_url))
    jobs.empty()
    app.config.update(REDIS_URL=redis_url, MAIL_PASSWORD="app-smtp-secret")  # no MAIL_USERNAME: no login
    post_moderation(app)  # published at once: the notice is sent from the request that posts it
    response = post_comment(client, article["slug"], author_name="سلمى", author_email="salma.rq@example.org",
                            body="تعليق يصل إشعاره عبر طابور RQ.", notify="y")
    assert response.status_code == 303
    mine = _comment(app, "تعليق يصل إشعاره عبر طابور RQ.")
    [job] = jobs.get_jobs()
    assert job.description == f"notification about comment {mine.id}" and "@" not in job.description
    assert "app-smtp-secret" not in repr(job.args) + repr(job.kwargs) and "MAIL_SERVER" not in repr(job.args)
    assert inbox.messages == []  # queued: nothing is sent from the request
    smtp = {name: str(app.config[name]) for name in ("MAIL_SERVER", "MAIL_PORT", "MAIL_DEFAULT_SENDER")}
    worker = subprocess.run(
        [str(Path(sys.executable).parent / "rq"), "worker", "--burst", "--url", redis_url, "mail"],
        cwd=ROOT, env={**os.environ, **smtp, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60,
    )
    assert worker.returncode == 0, worker.stderr
    [(to, published)] = inbox.wait_for(1)
    assert to == ["salma.rq@example.org"] and "نُشر تعليقك" in published["Subject"]
    log = worker.stdout + worker.stderr
    assert f"notification about comment {mine.id}" in log and "salma.rq" not in log
    assert jobs.count == 0


def test_the_unsubscribe_page_asks_before_and_says_it_is_done_after(app, client, article):
    """Before the click the page asks what the button will do; after it, it says it is done; the same link opened
    again says they are already stopped, without a button (a second one-click POST as well)."""
    from blog.notifications import unsubscribe_token

    ident = add_comment(app, article["id"], "سلمى", "أريد الرسائل ثم لا أريدها.")
    with app.app_context():
        db.session.get(Comment, ident).notify = True
        db.session.commit()
        path = f"/notifications/unsubscribe/{unsubscribe_token(ident)}"

    asking = client.get(path).get_data(as_text=True)
    assert "<title>أتريد إيقاف الرسائل عن هذا التعليق؟ · " in asking and f'method="post" action="{path}"' in asking
    assert "تصلك الآن رسائل عن هذا التعليق" in asking and "لن تصلك بعد الآن" not in asking
    french = app.test_client().get(path + "?lang=fr").get_data(as_text=True)  # ?lang= is kept for the visit
    assert "Arrêter les messages sur ce commentaire\u00a0?" in french and "Vous recevez des messages" in french
    assert "Stop the e-mails about this comment?" in app.test_client().get(path + "?lang=en").get_data(as_text=True)
    assert _comment(app, "أريد الرسائل ثم لا أريدها.").notify is True  # asking changed nothing

    done = client.post(path, data={"List-Unsubscribe": "One-Click"}).get_data(as_text=True)
    assert "<h1>أُلغي الاشتراك</h1>" in done and "لن تصلك رسائل أخرى عن هذا التعليق." in done
    assert _comment(app, "أريد الرسائل ثم لا أريدها.").notify is False

    for again in (client.get(path), client.post(path, data={"List-Unsubscribe": "One-Click"})):
        html = again.get_data(as_text=True)
        assert again.status_code == 200 and "<h1>الاشتراك ملغى من قبل</h1>" in html, html
        assert "أُلغي الاشتراك من قبل." in html and f'action="{path}"' not in html and "أوقف الرسائل" not in html
    french = app.test_client().get(path + "?lang=fr").get_data(as_text=True)
    assert "Désabonnement déjà effectué" in french and "ce commentaire\u00a0: le désabonnement" in french
