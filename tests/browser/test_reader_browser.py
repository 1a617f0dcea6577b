"""A reader comments through the real form in Chromium."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from blog.demo import load_demo_content
from blog.extensions import db
from blog.models import Comment, CommentStatus

pytestmark = pytest.mark.browser


def test_reader_posts_a_comment_and_sees_it_awaiting_moderation(app, live_server, page, artifacts, request):
    with app.app_context():
        load_demo_content()
    page.goto(live_server + "/")
    page.get_by_role("link", name="افتتاح مكتبة حي جديدة بفاس").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    page.screenshot(path=str(artifacts / f"article-{request.node.callspec.id}.png"), full_page=True)

    # A wrong e-mail first: the text stays in the form and the message is in Arabic.
    text = "هذا تعليق من متصفح حقيقي، شكرا على المتابعة."
    page.fill("#author_name", "قارئ من مكناس")
    page.fill("#author_email", "ليس-بريدا")
    page.fill("#body", text)
    page.click("button[type=submit] >> text=أرسل التعليق")
    page.wait_for_load_state()  # the answer loaded: the browser has gone to its #respond
    assert page.locator("#author_email-error").inner_text() == "عنوان البريد الإلكتروني غير صالح."
    assert page.input_value("#body") == text
    # The page comes back at the form, its message in view (not at the article's headline, screens above).
    assert page.url.endswith("#respond")
    assert page.evaluate("""() => { const box = document.querySelector('.error-summary').getBoundingClientRect();
                                    return box.top >= 0 && box.bottom <= window.innerHeight; }""")
    # The keyboard's (and a screen reader's) place starts at the message saying what went wrong.
    page.wait_for_function("document.activeElement.classList.contains('error-summary')", timeout=5000)

    page.fill("#author_email", "meknes.reader@example.org")
    page.click("button[type=submit] >> text=أرسل التعليق")
    page.wait_for_url(re.compile(r".*#comment-\d+$"))  # the click does not wait for the redirect
    pending = page.locator(".comment-pending")
    assert pending.count() == 1
    assert text in pending.inner_text() and "في انتظار المراجعة" in pending.inner_text()
    page.screenshot(path=str(artifacts / f"article-pending-{request.node.callspec.id}.png"), full_page=True)
    assert "meknes.reader@example.org" not in page.content()

    with app.app_context():
        stored = db.session.scalars(select(Comment).where(Comment.body == text)).one()
        assert stored.status is CommentStatus.PENDING

    # Another reader (a fresh browser context) does not see it.
    other = page.context.browser.new_context()
    try:
        other_page = other.new_page()
        other_page.goto(page.url)
        assert text not in other_page.content()
    finally:
        other.close()


def test_the_message_kept_at_the_top_can_be_closed(app, live_server, page):
    """After a report, its message stays at the top of a phone's screen as the page goes to the comment (else it
    would be far above, never seen); it has a close button, which hands the focus back to the page: on a screen
    as short as a page zoomed to 400 % the message covers much of it."""
    with app.app_context():
        load_demo_content()
        published = db.session.scalars(select(Comment.id).where(Comment.status == CommentStatus.PUBLISHED)
                                       .order_by(Comment.id).limit(2)).all()

    def report(comment_id):
        page.goto(f"{live_server}/comments/{comment_id}/report")
        page.select_option("select[name=rule]", "insult")
        page.click("button[type=submit] >> text=أرسل البلاغ")
        page.wait_for_url(re.compile(r".*#comment-\d+$"))

    page.set_viewport_size({"width": 360, "height": 640})
    report(published[0])
    message = page.locator(".flash").first
    assert message.evaluate("m => getComputedStyle(m).position") == "sticky"
    message.get_by_role("button", name="إغلاق الرسالة").click()
    assert page.locator(".flash").count() == 0
    assert page.evaluate("document.activeElement.id") == "main"
    page.set_viewport_size({"width": 320, "height": 256})
    report(published[1])
    message = page.locator(".flash").first
    assert message.is_visible() and message.evaluate("m => m.getBoundingClientRect().top >= 0")
    message.get_by_role("button", name="إغلاق الرسالة").click()
    assert page.locator(".flash").count() == 0
